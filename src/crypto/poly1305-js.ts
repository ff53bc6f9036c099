/**
 * Poly1305 (RFC 8439 §2.5) in plain JavaScript: the fallback where
 * WebAssembly is unavailable (poly1305.ts chooses).
 *
 * h and r are held in six limbs at bit positions 0, 22, 44, 66, 88, 110 (the
 * top limb has 20 bits, up to 2^130), as float64 numbers: every product
 * h_i·r_j is below 2^23·2^26.4 and a sum of six below 2^52, so the arithmetic
 * is exact. A product landing at 2^(22k) with k ≥ 6 is 2^(22(k-6)) · 2^132,
 * and 2^132 = 4·2^130 ≡ 20 (mod p): the reduction factor is 20, not 5.
 * Carries are Math.floor(x · 2^-22), exact for integers below 2^53. 36
 * multiplies per 16-byte block (noble's 13-bit limbs need 100).
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

export class Poly1305Js implements Poly1305 {
  /** r0..r5 then 20·r1..20·r5 (index 6 unused). */
  private readonly r = new Int32Array(12);
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
    zero(this.h);
    zero(this.s);
    zero(this.tail);
    this.tailLen = 0;
  }

  /** h = (h + block + hibit) · r mod p for each 16-byte block of `b[off .. end)`. */
  private blocks(b: Uint8Array, off: number, end: number, hibit: number): void {
    const r = this.r;
    const h = this.h;
    const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5 = r[5]!;
    const u1 = r[7]!, u2 = r[8]!, u3 = r[9]!, u4 = r[10]!, u5 = r[11]!;
    let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!;
    for (; off < end; off += 16) {
      const w0 = le32(b, off);
      const w1 = le32(b, off + 4);
      const w2 = le32(b, off + 8);
      const w3 = le32(b, off + 12);
      h0 += w0 & M22;
      h1 += ((w0 >>> 22) | (w1 << 10)) & M22;
      h2 += ((w1 >>> 12) | (w2 << 20)) & M22;
      h3 += (w2 >>> 2) & M22;
      h4 += ((w2 >>> 24) | (w3 << 8)) & M22;
      h5 += (w3 >>> 14) | hibit;
      // d_k = Σ_{i+j=k} h_i·r_j + 20·Σ_{i+j=k+6} h_i·r_j
      let d0 = h0 * r0 + h1 * u5 + h2 * u4 + h3 * u3 + h4 * u2 + h5 * u1;
      let d1 = h0 * r1 + h1 * r0 + h2 * u5 + h3 * u4 + h4 * u3 + h5 * u2;
      let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * u5 + h4 * u4 + h5 * u3;
      let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * u5 + h5 * u4;
      let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * u5;
      let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;
      // Two carry chains side by side (d0→d1→d2→d3, d3→d4→d5→d0→d1): four steps deep, not seven.
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
