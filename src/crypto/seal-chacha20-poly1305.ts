/**
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).
 *
 * The 64-byte key is K_2 ‖ K_1. Both ChaCha20 instances use the 64-bit packet
 * sequence number, big-endian, as nonce; in RFC 8439's 96-bit layout that is
 * 0x00000000 ‖ uint64(seq) (the high counter word is always zero).
 * - K_1, block 0, encrypts the 4-byte packet_length.
 * - K_2, block 0: its first 32 bytes of keystream are the Poly1305 key.
 * - K_2, blocks 1…: encrypt padding_length ‖ payload ‖ padding.
 * - The 16-byte tag is Poly1305 over encrypted length ‖ ciphertext.
 * Poly1305 is hopssh's own (poly1305.ts: WebAssembly, or plain JS where that
 * is unavailable) for every ChaCha20 provider: node:crypto does not expose it.
 * The two single blocks (K_1's and K_2's block 0) are hopssh's own too
 * (chacha20-block.ts): the provider's stream is created once per packet, at block 1.
 */
import { readUint32, writeUint32 } from '../wire/bytes.ts';
import { equalAt } from './constant-time.ts';
import { createPoly1305, type Poly1305 } from './poly1305.ts';
import { MacError } from './errors.ts';
import { usedAfterDispose } from './disposed.ts';
import { PacketPieces } from './packet-pieces.ts';
import { ChaCha20Block } from './chacha20-block.ts';
import type { ChaCha20Stream, PrimitiveProvider } from './providers/primitives.ts';
import type { PacketOpener, PacketSealer } from './types.ts';

const NAME = 'chacha20-poly1305@openssh.com';
const TAG = 16;

/** One direction's state: the K_2 stream (main) and block 0 of K_2 and K_1 (header), scratch buffers. */
class ChaChaPolyCore {
  readonly main: ChaCha20Stream;
  private readonly mainBlock: ChaCha20Block;
  private readonly header: ChaCha20Block;
  readonly nonce = new Uint8Array(12);
  /** The first 32 bytes of K_2's block 0: the Poly1305 key. */
  readonly polyKey = new Uint8Array(32);
  readonly tag = new Uint8Array(TAG);
  readonly length = new Uint8Array(4);

  constructor(p: PrimitiveProvider, key: Uint8Array, readonly mac: Poly1305) {
    this.main = p.chacha20!(key.subarray(0, 32));
    this.mainBlock = new ChaCha20Block(key.subarray(0, 32));
    this.header = new ChaCha20Block(key.subarray(32, 64));
  }

  /** XORs K_1's block 0 for the current seq into the 4 bytes at `buf[off]` (packet_length). */
  cryptLength(buf: Uint8Array, off: number): void {
    this.header.xor(this.nonce, 0, buf, off, 4);
  }

  setSeq(seq: number): void {
    writeUint32(this.nonce, 8, seq >>> 0);
  }

  /** Takes the Poly1305 key from K_2's block 0 and positions the K_2 stream at block 1. */
  startMain(): void {
    this.polyKey.fill(0);
    this.mainBlock.xor(this.nonce, 0, this.polyKey, 0, 32);
    this.main.reset(this.nonce, 1);
  }

  /** Poly1305 over `buf[off .. off+n)` into `this.tag`. */
  authenticate(buf: Uint8Array, off: number, n: number): void {
    const mac = this.mac;
    mac.init(this.polyKey, 0);
    this.polyKey.fill(0);
    mac.update(buf, off, n);
    mac.finish(this.tag, 0);
  }

  dispose(): void {
    this.main.dispose();
    this.mainBlock.dispose();
    this.header.dispose();
    this.mac.dispose();
    this.polyKey.fill(0);
    this.tag.fill(0);
  }
}

export class ChaChaPolySealer implements PacketSealer {
  readonly description: string;
  private disposed = false;
  readonly blockSize = 8;
  readonly tagLength = TAG;
  readonly lengthExcludedFromPadding = true;
  private readonly core: ChaChaPolyCore;

  /** `mac` defaults to poly1305.ts's fastest implementation (benchmarks pass others). */
  constructor(p: PrimitiveProvider, key: Uint8Array, mac: Poly1305 = createPoly1305()) {
    this.core = new ChaChaPolyCore(p, key, mac);
    this.description = `${NAME} (${p.name})`;
  }

  seal(seq: number, buf: Uint8Array, off: number, len: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const c = this.core;
    c.setSeq(seq);
    c.cryptLength(buf, off);
    c.startMain();
    c.main.update(buf, off + 4, len - 4);
    c.authenticate(buf, off, len);
    buf.set(c.tag, off + len);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.dispose();
  }
}

export class ChaChaPolyOpener implements PacketOpener {
  readonly description: string;
  private disposed = false;
  readonly blockSize = 8;
  readonly tagLength = TAG;
  readonly lengthBytes = 4;
  private readonly core: ChaChaPolyCore;
  private readonly pieces: PacketPieces;

  /** `mac` defaults to poly1305.ts's fastest implementation (benchmarks pass others). */
  constructor(p: PrimitiveProvider, key: Uint8Array, mac: Poly1305 = createPoly1305()) {
    this.core = new ChaChaPolyCore(p, key, mac);
    this.description = `${NAME} (${p.name})`;
    this.pieces = new PacketPieces(this.description, TAG);
    if (this.core.main.xorDetached) this.openDetached = this.openToOwnBuffer;
  }

  readonly openDetached?: (seq: number, buf: Uint8Array, off: number, packetLength: number) => Uint8Array;

  /** Decrypts a copy of the length: the encrypted bytes stay in place for the tag. */
  decryptLength(seq: number, buf: Uint8Array, off: number): number {
    if (this.disposed) throw usedAfterDispose(this.description);
    const c = this.core;
    const l = c.length;
    for (let i = 0; i < 4; i++) l[i] = buf[off + i] ?? 0;
    c.setSeq(seq);
    c.cryptLength(l, 0);
    return readUint32(l, 0);
  }

  open(seq: number, buf: Uint8Array, off: number, packetLength: number): void {
    this.verify(seq, buf, off, packetLength);
    this.core.main.update(buf, off + 4, packetLength);
    writeUint32(buf, off, packetLength);
  }

  /** The tag first (over the ciphertext), then K_2 decrypts into the provider's own output buffer. */
  private openToOwnBuffer(seq: number, buf: Uint8Array, off: number, packetLength: number): Uint8Array {
    this.verify(seq, buf, off, packetLength);
    return this.core.main.xorDetached!(buf, off + 4, packetLength);
  }

  /** Poly1305 over encrypted length ‖ ciphertext against the tag after it; leaves K_2 at block 1. */
  private verify(seq: number, buf: Uint8Array, off: number, packetLength: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const c = this.core;
    const n = 4 + packetLength;
    c.setSeq(seq);
    c.startMain();
    c.authenticate(buf, off, n);
    const ok = equalAt(c.tag, 0, buf, off + n, TAG);
    c.tag.fill(0);
    if (!ok) throw new MacError(NAME, seq);
  }

  /**
   * Where the K_2 stream takes pieces of any length (xorTo): Poly1305 runs over
   * the encrypted length and then each ciphertext piece as it arrives, and K_2
   * decrypts the piece into the packet. Not where it decrypts detached (as for AES-GCM).
   */
  beginPieces(seq: number, head: Uint8Array, headOff: number, packetLength: number): boolean {
    if (this.disposed) throw usedAfterDispose(this.description);
    const c = this.core;
    if (!c.main.xorTo || this.openDetached) return false;
    c.setSeq(seq);
    c.startMain();
    c.mac.init(c.polyKey, 0);
    c.polyKey.fill(0);
    c.mac.update(head, headOff, 4);
    this.pieces.begin(seq, packetLength);
    return true;
  }

  piece(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    this.pieces.macThenDecrypt(src, srcOff, len, dst, dstOff, this.core.mac, this.core.main);
  }

  /** On success also writes the plaintext packet_length at `dst[dstOff]`, as `open` does. */
  endPieces(dst: Uint8Array, dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const { core: c, pieces } = this;
    pieces.end();
    c.mac.finish(c.tag, 0);
    const ok = equalAt(c.tag, 0, pieces.tag, 0, TAG);
    c.tag.fill(0);
    pieces.wipe();
    if (!ok) throw new MacError(NAME, pieces.seq);
    writeUint32(dst, dstOff, pieces.packetLength);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.dispose();
    this.pieces.wipe();
  }
}
