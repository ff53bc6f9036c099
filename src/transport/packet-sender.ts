import type { ByteStream } from '../io/byte-stream.ts';
import type { PacketSealer } from '../crypto/types.ts';
import { randomBytes } from '../crypto/random.ts';
import { writeUint32 } from '../wire/bytes.ts';

const ARENA_SIZE = 128 * 1024;
const PAD_POOL_SIZE = 4096;

/**
 * Builds and seals outgoing packets (RFC 4253 §6) in one arena per tick:
 * each packet's header, payload, padding and tag are laid out in place and
 * sealed there; everything produced in one tick goes to the stream in one
 * write (DESIGN.md, "Writes coalesce").
 */
export class PacketSender {
  /** Sequence number of the next packet (RFC 4253 §6.4), wraps at 2^32. */
  seq = 0;
  /** Bytes and packets sealed under the current keys (rekey accounting). */
  bytesSinceKeys = 0;
  packetsSinceKeys = 0;
  /** False after the stream signalled backpressure, until drain. */
  writable = true;

  private sealer: PacketSealer;
  private arena: Uint8Array;
  private used = 0;
  private flushScheduled = false;
  private padPool = randomBytes(PAD_POOL_SIZE);
  private padPos = 0;
  private reserved = -1;
  private closed = false;

  constructor(
    private readonly stream: ByteStream,
    sealer: PacketSealer,
  ) {
    this.sealer = sealer;
    this.arena = new Uint8Array(ARENA_SIZE);
  }

  /** Switch keys: the next packet is sealed with `sealer` (after NEWKEYS, RFC 4253 §7.3). */
  setSealer(sealer: PacketSealer): void {
    this.sealer.dispose();
    this.sealer = sealer;
    this.bytesSinceKeys = 0;
    this.packetsSinceKeys = 0;
  }

  get description(): string {
    return this.sealer.description;
  }

  /** Largest packet overhead for a payload: header, padding and tag. */
  private overhead(): number {
    return 5 + Math.max(this.sealer.blockSize, 8) + 4 + this.sealer.tagLength;
  }

  /**
   * Reserve room for a payload of up to `maxPayload` bytes and return the
   * offset in `buffer` where the caller writes it; then call `commit(length)`.
   * Lets callers write a payload directly into the packet (no copy).
   */
  reserve(maxPayload: number): number {
    if (this.closed) throw new Error('packet sender is closed');
    const need = maxPayload + this.overhead();
    if (this.arena.length - this.used < need) {
      this.flush();
      if (this.arena.length < need) this.arena = new Uint8Array(Math.max(ARENA_SIZE, need));
    }
    this.reserved = this.used + 5;
    return this.reserved;
  }

  /** The arena that `reserve` returned an offset into. */
  get buffer(): Uint8Array {
    return this.arena;
  }

  /** Seal the reserved packet whose payload of `payloadLength` bytes was written at the reserved offset. */
  commit(payloadLength: number): void {
    const start = this.reserved - 5;
    if (start < 0) throw new Error('commit without reserve');
    this.reserved = -1;
    const s = this.sealer;
    const block = Math.max(s.blockSize, 8);
    // RFC 4253 §6: total length (or, for AEAD/etm, everything after the length) is a multiple of the block size; padding 4..255.
    const unpadded = (s.lengthExcludedFromPadding ? 1 : 5) + payloadLength;
    let pad = block - (unpadded % block);
    if (pad < 4) pad += block;
    const packetLength = 1 + payloadLength + pad;
    const buf = this.arena;
    writeUint32(buf, start, packetLength);
    buf[start + 4] = pad;
    const padOff = start + 5 + payloadLength;
    if (this.padPos + pad > PAD_POOL_SIZE) {
      this.padPool = randomBytes(PAD_POOL_SIZE);
      this.padPos = 0;
    }
    buf.set(this.padPool.subarray(this.padPos, this.padPos + pad), padOff);
    this.padPos += pad;
    s.seal(this.seq, buf, start, 4 + packetLength);
    const total = 4 + packetLength + s.tagLength;
    this.used = start + total;
    this.seq = (this.seq + 1) >>> 0;
    this.bytesSinceKeys += total;
    this.packetsSinceKeys++;
    this.scheduleFlush();
  }

  /** Send one payload (copied once into the packet). */
  send(payload: Uint8Array): void {
    const off = this.reserve(payload.length);
    this.arena.set(payload, off);
    this.commit(payload.length);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Write what the arena holds now; ownership of those bytes passes to the stream. */
  flush(): void {
    if (this.used === 0 || this.closed) return;
    const out = this.arena.subarray(0, this.used);
    this.arena = new Uint8Array(this.arena.length);
    this.used = 0;
    if (!this.stream.write(out)) this.writable = false;
  }

  close(): void {
    this.flush();
    this.closed = true;
    this.sealer.dispose();
  }
}
