import type { ByteStream } from '../io/byte-stream.ts';
import type { PacketSealer } from '../crypto/types.ts';
import { randomBytes } from '../crypto/random.ts';
import { writeUint32 } from '../wire/bytes.ts';

const ARENA_SIZE = 128 * 1024;
const PAD_POOL_SIZE = 4096;
/** Smaller packets coalesce in the arena (one outer packet for many); larger ones go direct. */
const DIRECT_MIN_PAYLOAD = 1024;

/**
 * Builds and seals outgoing packets (RFC 4253 §6) in an arena: each packet's
 * header, payload, padding and tag are laid out in place and sealed there;
 * everything produced in one tick goes to the stream in one write (DESIGN.md,
 * "Writes coalesce"). Written bytes belong to the stream: later packets go
 * after them, and once this arena is full it starts over if the stream has
 * let go of everything written from it (ByteStream.settled: a socket whose
 * writes all reached the kernel), else a fresh arena is taken.
 *
 * A stream with a `maxWriteSize` (a channel, when this transport is nested
 * in another) gets writes cut at packet boundaries within that size, so each
 * write — a whole number of packets — is one message of the stream and no
 * packet is split across two (DESIGN.md, "Headroom for nesting").
 *
 * A stream that offers `reserveWrite` (a channel) gets a packet of at least
 * DIRECT_MIN_PAYLOAD bytes sealed straight inside its own next frame — the
 * outer transport's CHANNEL_DATA — when nothing of ours is pending before it:
 * the sealed packet is the outer payload, not copied into it. Recursively, a
 * chain of n transports writes a data byte once and each layer seals around it.
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
  /** arena[0 .. flushed) has been written; arena[flushed .. used) is pending. */
  private flushed = 0;
  private flushScheduled = false;
  private padPool = randomBytes(PAD_POOL_SIZE);
  private padPos = 0;
  private reserved = -1;
  /** The stream's buffer while a packet is reserved inside it (reserveWrite), else undefined. */
  private direct: Uint8Array | undefined;
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
    const st = this.stream;
    if (st.reserveWrite && maxPayload >= DIRECT_MIN_PAYLOAD && this.used === this.flushed) {
      const at = st.reserveWrite(need);
      if (at >= 0) {
        this.direct = st.writeBuffer!;
        this.reserved = at + 5;
        return this.reserved;
      }
    }
    this.direct = undefined;
    const limit = this.stream.maxWriteSize;
    if (limit !== undefined && this.used > this.flushed && this.used - this.flushed + need > limit) this.flush();
    if (this.arena.length - this.used < need) {
      this.flush();
      // The arena again once the stream holds nothing written from it (ByteStream.settled), else a fresh one.
      if (this.stream.settled !== true || this.arena.length < need) this.arena = new Uint8Array(Math.max(ARENA_SIZE, need));
      this.used = 0;
      this.flushed = 0;
    }
    this.reserved = this.used + 5;
    return this.reserved;
  }

  /** The arena that `reserve` returned an offset into. */
  get buffer(): Uint8Array {
    return this.direct ?? this.arena;
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
    const direct = this.direct;
    const buf = direct ?? this.arena;
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
    this.seq = (this.seq + 1) >>> 0;
    this.bytesSinceKeys += total;
    this.packetsSinceKeys++;
    if (direct) {
      this.direct = undefined;
      if (!this.stream.commitWrite!(total)) this.writable = false;
      return;
    }
    this.used = start + total;
    this.scheduleFlush();
  }

  /** Send one payload (copied once into the packet, or into the stream's frame when direct). */
  send(payload: Uint8Array): void {
    const off = this.reserve(payload.length);
    this.buffer.set(payload, off);
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

  /** Write the packets sealed since the last write; ownership of those bytes passes to the stream. */
  flush(): void {
    if (this.used === this.flushed || this.closed) return;
    const out = this.arena.subarray(this.flushed, this.used);
    // The next write starts 16-aligned, as a fresh arena's would (in-place ciphers want aligned data).
    this.used = this.flushed = Math.min((this.used + 15) & ~15, this.arena.length);
    if (!this.stream.write(out)) this.writable = false;
  }

  close(): void {
    this.flush();
    this.closed = true;
    this.sealer.dispose();
  }
}
