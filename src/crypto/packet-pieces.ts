/**
 * Bookkeeping shared by the openers that open a packet in pieces
 * (PacketOpener.beginPieces): where the pieces are in the packet, and the
 * tag, kept here as it arrives — the packet's buffer receives only what the
 * cipher writes (DESIGN.md, "Opening in place").
 */

/** A MAC absorbing its input in any split (Poly1305, HMAC). */
interface StreamingMac {
  update(buf: Uint8Array, off: number, len: number): void;
}

/** A stream cipher taking pieces of any length from a source into a target (providers/primitives.ts). */
interface PieceCipher {
  xorTo?(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
}

export class PacketPieces {
  /** Sequence number of the packet being opened. */
  seq = 0;
  /** The received tag or MAC; complete when `end` has returned. */
  readonly tag: Uint8Array;
  /** packet_length of the packet being opened. */
  packetLength = 0;
  /** Bytes after packet_length taken so far. */
  private at = 0;
  private active = false;

  constructor(
    private readonly description: string,
    tagLength: number,
  ) {
    this.tag = new Uint8Array(tagLength);
  }

  begin(seq: number, packetLength: number): void {
    this.seq = seq;
    this.packetLength = packetLength;
    this.at = 0;
    this.active = true;
  }

  /**
   * Takes the next `len` bytes at `src[srcOff]`. Returns how many of them,
   * from the first, are ciphertext; the rest are tag bytes, copied into `tag`.
   */
  take(src: Uint8Array, srcOff: number, len: number): number {
    if (!this.active) throw new RangeError(`${this.description}: a piece without beginPieces`);
    const end = this.at + len;
    const size = this.packetLength + this.tag.length;
    if (end > size) throw new RangeError(`${this.description}: pieces run to byte ${end} of a packet of ${size} after its length`);
    const body = Math.max(0, Math.min(len, this.packetLength - this.at));
    for (let i = body; i < len; i++) this.tag[this.at + i - this.packetLength] = src[srcOff + i]!;
    this.at = end;
    return body;
  }

  /**
   * `take` for a mode whose MAC covers the ciphertext (chacha20-poly1305, etm):
   * the ciphertext of the piece goes through `mac`, then `cipher` decrypts it
   * into `dst[dstOff ..)`.
   */
  macThenDecrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number, mac: StreamingMac, cipher: PieceCipher): void {
    const body = this.take(src, srcOff, len);
    if (body === 0) return;
    mac.update(src, srcOff, body);
    cipher.xorTo!(src, srcOff, body, dst, dstOff);
  }

  /** Ends the packet; throws unless every byte of it was taken. */
  end(): void {
    const size = this.packetLength + this.tag.length;
    if (!this.active || this.at !== size) throw new RangeError(`${this.description}: endPieces after ${this.at} of ${size} bytes`);
    this.active = false;
  }

  wipe(): void {
    this.tag.fill(0);
    this.active = false;
  }
}
