/**
 * Poly1305 (RFC 8439 §2.5) in plain JavaScript: the fallback where
 * WebAssembly is unavailable (poly1305.ts chooses).
 *
 * h, r and r^2 are held in six limbs at bit positions 0, 22, 44, 66, 88, 110
 * (the top limb has 20 bits, up to 2^130), as float64 numbers. A product
 * landing at 2^(22k) with k ≥ 6 is 2^(22(k-6)) · 2^132, and 2^132 = 4·2^130
 * ≡ 20 (mod p): the reduction factor is 20, not 5. Bounds: h_i + m_i < 2^23.01,
 * a block's limbs < 2^22, r and r^2 limbs < 2^22.01 (20× that < 2^26.33), so
 * one output limb, six h·r^2 products plus six m·r products, stays below
 * 2^51.92 + 2^50.9 < 2^52.5: the arithmetic is exact. Carries are
 * Math.floor(x · 2^-22), exact for integers below 2^53. 36 multiplies per
 * 16-byte block (noble's 13-bit limbs need 100).
 */
import type { Poly1305 } from './poly1305.ts';
import { checkRange, le32, readKey, writeTag, zero } from './poly1305-limbs.ts';

const M22 = 0x3fffff;
const INV22 = 2 ** -22;
const INV20 = 2 ** -20;
const P22 = 2 ** 22;
const P20 = 2 ** 20;
/** The 2^128 bit every full block carries (RFC 8439 §2.5.1), in limb 5. */
const HIBIT = 1 << 18;
const ZERO_BLOCK = new Uint8Array(16);
/** Below this many bytes, squaring r costs more than pairing blocks saves (measured). */
const PAIRS_FROM = 512;

export class Poly1305Js implements Poly1305 {
  /** r0..r5 then 20·r1..20·r5 (index 6 unused). */
  private readonly r = new Int32Array(12);
  /** The same for r^2, computed at the first update with two blocks. */
  private readonly q = new Int32Array(12);
  private squared = false;
  /** h0..h5, then scratch for writeTag. */
  private readonly h = new Int32Array(12);
  private readonly s = new Int32Array(4);
  private readonly words = new Int32Array(4);
  /** A partial block carried between update() calls. */
  private readonly tail = new Uint8Array(16);
  private tailLen = 0;

  init(key: Uint8Array, keyOff: number): void {
    checkRange('key', key, keyOff, 32);
    const w = this.words;
    readKey(key, keyOff, w, this.s);
    const r = this.r;
    r[0] = w[0]! & M22;
    r[1] = ((w[0]! >>> 22) | (w[1]! << 10)) & M22;
    r[2] = ((w[1]! >>> 12) | (w[2]! << 20)) & M22;
    r[3] = (w[2]! >>> 2) & M22;
    r[4] = ((w[2]! >>> 24) | (w[3]! << 8)) & M22;
    r[5] = w[3]! >>> 14;
    for (let i = 1; i < 6; i++) r[6 + i] = 20 * r[i]!;
    zero(w);
    zero(this.h);
    this.squared = false;
    this.tailLen = 0;
  }

  update(buf: Uint8Array, off: number, len: number): void {
    checkRange('input', buf, off, len);
    const tail = this.tail;
    if (this.tailLen > 0) {
      while (this.tailLen < 16 && len > 0) {
        tail[this.tailLen++] = buf[off++]!;
        len--;
      }
      if (this.tailLen < 16) return;
      this.blocks(tail, 0, 16, HIBIT);
      this.tailLen = 0;
    }
    const full = len & ~15;
    if (full > 0) this.blocks(buf, off, off + full, HIBIT);
    for (let i = full; i < len; i++) tail[this.tailLen++] = buf[off + i]!;
  }

  finish(out: Uint8Array, outOff: number): void {
    checkRange('output', out, outOff, 16);
    if (this.tailLen > 0) {
      // RFC 8439 §2.5.1: a short last block gets its 0x01 byte right after the data, no 2^128 bit.
      const tail = this.tail;
      tail[this.tailLen] = 1;
      for (let i = this.tailLen + 1; i < 16; i++) tail[i] = 0;
      this.blocks(tail, 0, 16, 0);
      this.tailLen = 0;
    }
    writeTag(this.h, 6, 22, this.s, out, outOff);
    this.dispose();
  }

  /** Wipes the key, the accumulator and any buffered input. */
  dispose(): void {
    zero(this.r);
    zero(this.q);
    zero(this.h);
    zero(this.s);
    zero(this.tail);
    this.tailLen = 0;
  }

  /** q = r^2 (and 20·q), for two blocks per step; h is kept aside meanwhile. */
  private square(): void {
    const h = this.h, r = this.r, q = this.q;
    for (let i = 0; i < 6; i++) {
      h[6 + i] = h[i]!;
      h[i] = r[i]!;
    }
    this.blocks(ZERO_BLOCK, 0, 16, 0); // one block: h = (r + 0)·r
    for (let i = 0; i < 6; i++) {
      q[i] = h[i]!;
      q[6 + i] = 20 * h[i]!;
      h[i] = h[6 + i]!;
      h[6 + i] = 0;
    }
    this.squared = true;
  }

  /**
   * For the 16-byte blocks of `b[off .. end)`: h = (h + m1 + hibit)·r^2 +
   * (m2 + hibit)·r two blocks at a time (the two products are independent,
   * one carry chain per pair), h = (h + m1 + hibit)·r for a last odd block
   * or when there are few blocks.
   */
  private blocks(b: Uint8Array, off: number, end: number, hibit: number): void {
    const pairs = end - off >= PAIRS_FROM;
    if (pairs && !this.squared) this.square();
    const r = this.r, q = this.q, h = this.h;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5 = r[5]!;
    const u1 = r[7]!, u2 = r[8]!, u3 = r[9]!, u4 = r[10]!, u5 = r[11]!;
    let q0 = q[0]!, q1 = q[1]!, q2 = q[2]!, q3 = q[3]!, q4 = q[4]!, q5 = q[5]!;
    let v1 = q[7]!, v2 = q[8]!, v3 = q[9]!, v4 = q[10]!, v5 = q[11]!;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!;
    for (; off < end; off += pairs ? 32 : 16) {
      let w0 = le32(b, off);
      let w1 = le32(b, off + 4);
      let w2 = le32(b, off + 8);
      let w3 = le32(b, off + 12);
      h0 += w0 & M22;
      h1 += ((w0 >>> 22) | (w1 << 10)) & M22;
      h2 += ((w1 >>> 12) | (w2 << 20)) & M22;
      h3 += (w2 >>> 2) & M22;
      h4 += ((w2 >>> 24) | (w3 << 8)) & M22;
      h5 += (w3 >>> 14) | hibit;
      let n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
      if (pairs && end - off >= 32) {
        w0 = le32(b, off + 16);
        w1 = le32(b, off + 20);
        w2 = le32(b, off + 24);
        w3 = le32(b, off + 28);
        n0 = w0 & M22;
        n1 = ((w0 >>> 22) | (w1 << 10)) & M22;
        n2 = ((w1 >>> 12) | (w2 << 20)) & M22;
        n3 = (w2 >>> 2) & M22;
        n4 = ((w2 >>> 24) | (w3 << 8)) & M22;
        n5 = (w3 >>> 14) | hibit;
      } else {
        // One block at a time, or the last, odd block: h·r, and n = 0.
        q0 = r0, q1 = r1, q2 = r2, q3 = r3, q4 = r4, q5 = r5;
        v1 = u1, v2 = u2, v3 = u3, v4 = u4, v5 = u5;
      }
      // d_k = Σ_{i+j=k} (h_i·q_j + n_i·r_j) + 20·Σ_{i+j=k+6} (h_i·q_j + n_i·r_j)
      let d0 = h0 * q0 + h1 * v5 + h2 * v4 + h3 * v3 + h4 * v2 + h5 * v1 + (n0 * r0 + n1 * u5 + n2 * u4 + n3 * u3 + n4 * u2 + n5 * u1);
      let d1 = h0 * q1 + h1 * q0 + h2 * v5 + h3 * v4 + h4 * v3 + h5 * v2 + (n0 * r1 + n1 * r0 + n2 * u5 + n3 * u4 + n4 * u3 + n5 * u2);
      let d2 = h0 * q2 + h1 * q1 + h2 * q0 + h3 * v5 + h4 * v4 + h5 * v3 + (n0 * r2 + n1 * r1 + n2 * r0 + n3 * u5 + n4 * u4 + n5 * u3);
      let d3 = h0 * q3 + h1 * q2 + h2 * q1 + h3 * q0 + h4 * v5 + h5 * v4 + (n0 * r3 + n1 * r2 + n2 * r1 + n3 * r0 + n4 * u5 + n5 * u4);
      let d4 = h0 * q4 + h1 * q3 + h2 * q2 + h3 * q1 + h4 * q0 + h5 * v5 + (n0 * r4 + n1 * r3 + n2 * r2 + n3 * r1 + n4 * r0 + n5 * u5);
      let d5 = h0 * q5 + h1 * q4 + h2 * q3 + h3 * q2 + h4 * q1 + h5 * q0 + (n0 * r5 + n1 * r4 + n2 * r3 + n3 * r2 + n4 * r1 + n5 * r0);
      // Two carry chains side by side, d0→d1→d2→d3 and d3→d4→d5→(×5)d0→d1:
      // four steps deep, not seven. h1 and h4 keep a few bits of carry.
      let c = Math.floor(d0 * INV22);
      let e = Math.floor(d3 * INV22);
      d0 -= c * P22;
      d1 += c;
      d3 -= e * P22;
      d4 += e;
      c = Math.floor(d1 * INV22);
      e = Math.floor(d4 * INV22);
      d1 -= c * P22;
      d2 += c;
      h4 = d4 - e * P22;
      d5 += e;
      c = Math.floor(d2 * INV22);
      e = Math.floor(d5 * INV20);
      h2 = d2 - c * P22;
      d3 += c;
      h5 = d5 - e * P20;
      d0 += e * 5;
      c = Math.floor(d3 * INV22);
      e = Math.floor(d0 * INV22);
      h3 = d3 - c * P22;
      h4 += c;
      h0 = d0 - e * P22;
      h1 = d1 + e;
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
    h[4] = h4;
    h[5] = h5;
  }
}
