/**
 * One ChaCha20 block (RFC 8439 §2.3), in plain JavaScript, for the two single
 * blocks chacha20-poly1305@openssh.com needs per packet (PROTOCOL.chacha20poly1305):
 * K_1's block 0 (the packet_length keystream) and K_2's block 0 (the Poly1305
 * key). A runtime cipher object costs several microseconds to create (measured
 * ~5 µs for node:crypto's, as much as the rest of a small packet); this block
 * is a fraction of that. Only 32-bit add, xor and rotate: constant time.
 */

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

const le32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** A 256-bit key's eight state words, read once per key. */
export class ChaCha20Block {
  private readonly k = new Uint32Array(8);
  private readonly x = new Uint32Array(16);

  constructor(key: Uint8Array) {
    if (key.length < 32) throw new RangeError(`chacha20 block: key of ${key.length} bytes, need 32`);
    for (let i = 0; i < 8; i++) this.k[i] = le32(key, 4 * i);
  }

  /**
   * XORs block `counter` of the keystream for the 12-byte `nonce` into
   * `buf[off .. off+len)` (len ≤ 64). Passing zeros gives the keystream itself.
   */
  xor(nonce: Uint8Array, counter: number, buf: Uint8Array, off: number, len: number): void {
    if (len > 64) throw new RangeError(`chacha20 block: ${len} bytes, at most 64`);
    const k = this.k;
    const n0 = le32(nonce, 0);
    const n1 = le32(nonce, 4);
    const n2 = le32(nonce, 8);
    const c = counter >>> 0;
    let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
    let x4 = k[0]!, x5 = k[1]!, x6 = k[2]!, x7 = k[3]!, x8 = k[4]!, x9 = k[5]!, x10 = k[6]!, x11 = k[7]!;
    let x12 = c, x13 = n0, x14 = n1, x15 = n2;
    // 10 double rounds: columns then diagonals (§2.3), quarter round of §2.1 inlined.
    for (let r = 0; r < 10; r++) {
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);

      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
    }
    // The block is the rounds' output plus the input state (§2.3), serialized little-endian.
    const x = this.x;
    x[0] = x0 + SIGMA0; x[1] = x1 + SIGMA1; x[2] = x2 + SIGMA2; x[3] = x3 + SIGMA3;
    x[4] = x4 + k[0]!; x[5] = x5 + k[1]!; x[6] = x6 + k[2]!; x[7] = x7 + k[3]!;
    x[8] = x8 + k[4]!; x[9] = x9 + k[5]!; x[10] = x10 + k[6]!; x[11] = x11 + k[7]!;
    x[12] = x12 + c; x[13] = x13 + n0; x[14] = x14 + n1; x[15] = x15 + n2;
    for (let i = 0; i < len; i++) buf[off + i] = buf[off + i]! ^ ((x[i >>> 2]! >>> ((i & 3) << 3)) & 0xff);
    x.fill(0);
  }

  dispose(): void {
    this.k.fill(0);
    this.x.fill(0);
  }
}
