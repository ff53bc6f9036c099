import type { PacketOpener } from '../crypto/types.ts';
import { isViewInside } from '../wire/bytes.ts';
import { LimitError, ProtocolError } from './errors.ts';

/** OpenSSH's PACKET_MAX_SIZE; RFC 4253 §6.1 requires at least 35000. */
export const DEFAULT_MAX_PACKET_LENGTH = 256 * 1024;

export type PacketHandler = (payload: Uint8Array, seq: number) => void;

/**
 * Reassembles and opens incoming packets (RFC 4253 §6) in place. A packet
 * that lies wholly inside one received chunk is decrypted where it lies and
 * handed on as a view. A packet that straddles chunks is assembled in a
 * reusable buffer: where the opener takes pieces (PacketOpener.beginPieces),
 * the cipher writes each piece's plaintext there as it arrives and the
 * packet is delivered once its tag verifies; otherwise its bytes are copied
 * there, once, and it is opened whole. The payload view is valid until the
 * handler returns — unless the handler claims it (claim()): where the opener
 * decrypts into a buffer of its own (openDetached), that buffer can be handed
 * over instead of copied, and is then not wiped.
 */
export class PacketReceiver {
  /** Sequence number of the next packet, wraps at 2^32. */
  seq = 0;
  bytesSinceKeys = 0;
  packetsSinceKeys = 0;

  private opener: PacketOpener;
  /** AEAD and etm modes align everything after packet_length (RFC 5647 §7.2, PROTOCOL §1.5). */
  private lengthExcluded = false;
  // A packet straddling chunks: its bytes so far, in `pend`.
  private pend = new Uint8Array(1024);
  private have = 0;
  /** Total bytes of the straddling packet, or -1 while its length is unknown. */
  private total = -1;
  private packetLength = 0;
  private partial = false;
  /** The straddling packet is opened piece by piece (the opener accepted beginPieces). */
  private piecewise = false;
  private paused = false;
  private backlog: Uint8Array | undefined;
  /** The opener's own buffer being delivered (openDetached), and whether the handler claimed it. */
  private detached: Uint8Array | undefined;
  private claimed = false;

  constructor(
    opener: PacketOpener,
    private readonly handler: PacketHandler,
    private readonly maxPacketLength = DEFAULT_MAX_PACKET_LENGTH,
  ) {
    this.opener = opener;
  }

  /** Switch keys: applies from the next packet on (RFC 4253 §7.3). */
  setOpener(opener: PacketOpener, lengthExcludedFromPadding: boolean): void {
    this.opener.dispose();
    this.opener = opener;
    this.lengthExcluded = lengthExcludedFromPadding;
    this.bytesSinceKeys = 0;
    this.packetsSinceKeys = 0;
  }

  get description(): string {
    return this.opener.description;
  }

  /**
   * Called when resume() has delivered what was kept and the receiver is not
   * paused again: the owner resumes its stream here (it pauses the stream when
   * it sees `isPaused` after a feed, so that what is kept stays one chunk).
   */
  onResume: (() => void) | undefined;

  /** Stop delivering packets; the rest of the current chunk is kept (copied once). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const b = this.backlog;
    this.backlog = undefined;
    if (b) this.feed(b);
    if (!this.paused) this.onResume?.();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes held while paused (bounded by one chunk). */
  get pendingBytes(): number {
    return (this.backlog?.length ?? 0) + (this.partial ? this.have : 0);
  }

  /** Feed received bytes. The chunk may be modified (decrypted in place). Throws on any protocol error. */
  feed(chunk: Uint8Array): void {
    if (this.paused) {
      this.keep(chunk, 0);
      return;
    }
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.paused) {
        this.keep(chunk, off);
        return;
      }
      if (this.partial) {
        off = this.continuePartial(chunk, off);
        continue;
      }
      const lb = this.opener.lengthBytes;
      if (n - off < lb) {
        this.startPartial(chunk, off, n - off);
        return;
      }
      const total = this.readLength(chunk, off);
      if (n - off >= total) {
        this.openAndDeliver(chunk, off);
        off += total;
      } else {
        // The chunk ends inside this packet: keep its first bytes, the rest follows as pieces.
        this.startPartial(chunk, off, lb);
        this.lengthKnown(total);
        off = this.continuePartial(chunk, off + lb);
      }
    }
  }

  private keep(chunk: Uint8Array, off: number): void {
    const rest = chunk.subarray(off);
    if (rest.length === 0) return;
    if (!this.backlog) this.backlog = rest.slice();
    else {
      const b = new Uint8Array(this.backlog.length + rest.length);
      b.set(this.backlog);
      b.set(rest, this.backlog.length);
      this.backlog = b;
    }
  }

  private ensurePend(size: number): void {
    if (this.pend.length >= size) return;
    const next = new Uint8Array(Math.max(size, this.pend.length * 2));
    next.set(this.pend.subarray(0, this.have));
    this.pend = next;
  }

  private startPartial(chunk: Uint8Array, off: number, len: number): void {
    this.partial = true;
    this.total = -1;
    this.ensurePend(Math.max(len, 64));
    this.pend.set(chunk.subarray(off, off + len), 0);
    this.have = len;
  }

  private continuePartial(chunk: Uint8Array, off: number): number {
    if (this.total < 0) {
      const lb = this.opener.lengthBytes;
      const take = Math.min(lb - this.have, chunk.length - off);
      this.ensurePend(this.have + take);
      this.pend.set(chunk.subarray(off, off + take), this.have);
      this.have += take;
      off += take;
      if (this.have < lb) return off;
      this.lengthKnown(this.readLength(this.pend, 0));
    }
    const take = Math.min(this.total - this.have, chunk.length - off);
    if (take > 0) {
      if (this.piecewise) this.opener.piece!(chunk, off, take, this.pend, this.have);
      else this.pend.set(chunk.subarray(off, off + take), this.have);
    }
    this.have += take;
    off += take;
    if (this.have === this.total) {
      this.partial = false;
      this.total = -1;
      this.have = 0;
      if (this.piecewise) this.endPiecesAndDeliver();
      else this.openAndDeliver(this.pend, 0);
    }
    return off;
  }

  /** The straddling packet's first lengthBytes are in `pend` and its size is `total`: opened in pieces from here if the opener can. */
  private lengthKnown(total: number): void {
    this.total = total;
    this.ensurePend(total);
    const o = this.opener;
    this.piecewise = o.lengthBytes === 4 && o.beginPieces !== undefined && o.beginPieces(this.seq, this.pend, 0, this.packetLength);
  }

  private endPiecesAndDeliver(): void {
    this.piecewise = false;
    try {
      this.opener.endPieces!(this.pend, 0);
    } catch (e) {
      // Unauthenticated plaintext is never delivered, nor left behind.
      this.pend.fill(0, 0, 4 + this.packetLength);
      throw e;
    }
    this.deliver(this.pend, 4);
  }

  /** Decrypts packet_length (once per packet) and checks it; returns the packet's total size on the wire. */
  private readLength(buf: Uint8Array, off: number): number {
    const o = this.opener;
    const len = o.decryptLength(this.seq, buf, off);
    if (len > this.maxPacketLength) {
      throw new LimitError('packet length', `packet ${this.seq} declares ${len} bytes, more than the limit of ${this.maxPacketLength}`);
    }
    const block = Math.max(o.blockSize, 8);
    if (len < 5 || (this.lengthExcluded ? len : len + 4) % block !== 0) {
      throw new ProtocolError(`packet ${this.seq}`, `invalid packet length ${len} for ${o.description} (block size ${block})`);
    }
    this.packetLength = len;
    return 4 + len + o.tagLength;
  }

  private openAndDeliver(buf: Uint8Array, off: number): void {
    const o = this.opener;
    if (!o.openDetached) {
      o.open(this.seq, buf, off, this.packetLength);
      this.deliver(buf, off + 4);
      return;
    }
    const body = o.openDetached(this.seq, buf, off, this.packetLength);
    this.detached = body;
    try {
      this.deliver(body, 0);
    } finally {
      this.detached = undefined;
      // Unclaimed, the handler's views end with its call: no plaintext left in freed memory.
      if (this.claimed) this.claimed = false;
      else body.fill(0);
    }
  }

  /**
   * While the handler runs: takes the packet being delivered for the caller
   * to keep, when `view` lies inside a buffer the opener made for it alone
   * (openDetached: node:crypto's output). Then it is neither wiped nor reused,
   * and the caller owns it as it would own a copy. False where the packet
   * lies in a buffer that is reused (opened in place): copy the view then.
   */
  claim(view: Uint8Array): boolean {
    if (this.detached === undefined || !isViewInside(view, this.detached)) return false;
    this.claimed = true;
    return true;
  }

  /** Checks the padding of the opened packet body (padding_length ‖ payload ‖ padding) at `buf[off]`, counts it and hands its payload on. */
  private deliver(buf: Uint8Array, off: number): void {
    const len = this.packetLength;
    const seq = this.seq;
    const pad = buf[off]!;
    if (pad < 4 || pad > len - 2) {
      throw new ProtocolError(`packet ${seq}`, `invalid padding length ${pad} in a packet of length ${len}`);
    }
    this.seq = (seq + 1) >>> 0;
    this.bytesSinceKeys += 4 + len + this.opener.tagLength;
    this.packetsSinceKeys++;
    this.handler(buf.subarray(off + 1, off + len - pad), seq);
  }

  dispose(): void {
    this.opener.dispose();
  }
}
