/**
 * The portable provider's AES where hopssh's WebAssembly AES does not run
 * (no WebAssembly SIMD, or its known answers fail): @noble/ciphers' AES,
 * JavaScript and table-based. Loaded only there (noble-aes-loader.ts):
 * importing @noble/ciphers' AES builds 1.3 MiB of lookup tables.
 *
 * AES-CTR and AES-GCM are composed from noble's exported low-level pieces
 * (`unsafe.expandKeyLE`, `unsafe.ctrCounter`, `unsafe.ctr32`, `GHASH`) so the key
 * schedule and GHASH table are built once per key rather than once per packet.
 * Those pieces require 4-byte aligned data; unaligned data goes through a
 * shared aligned scratch buffer.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { GHASH } from '@noble/ciphers/_polyval.js';
import { equalAt } from '../constant-time.ts';
import type { AesCtrStream, AesGcmKey } from './primitives.ts';

/** Aligned scratch for unaligned input (a multiple of the AES block size). Used synchronously only. */
const SCRATCH = new Uint8Array(16384);

const isAligned = (buf: Uint8Array, off: number): boolean => ((buf.byteOffset + off) & 3) === 0;

/**
 * Applies `fn` (a noble CTR routine that works in place on an aligned view and
 * keeps its counter state between calls) to `buf[off .. off+len)`.
 */
function inPlaceAligned(buf: Uint8Array, off: number, len: number, fn: (view: Uint8Array) => void): void {
  if (isAligned(buf, off)) {
    const view = buf.subarray(off, off + len);
    fn(view);
    return;
  }
  for (let p = 0; p < len; p += SCRATCH.length) {
    const n = Math.min(SCRATCH.length, len - p);
    const s = n === SCRATCH.length ? SCRATCH : SCRATCH.subarray(0, n);
    s.set(buf.subarray(off + p, off + p + n));
    fn(s);
    buf.set(s, off + p);
  }
  SCRATCH.fill(0, 0, Math.min(len, SCRATCH.length));
}

/** NIST SP 800-38A §6.5 CTR: 128-bit big-endian counter, continuing across calls. */
export class NobleAesCtr implements AesCtrStream {
  private xk: Uint32Array;
  private readonly counter = new Uint8Array(16);
  private readonly run = (view: Uint8Array): void => {
    unsafe.ctrCounter(this.xk, this.counter, view, view);
  };

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.xk = unsafe.expandKeyLE(key);
    this.counter.set(iv.subarray(0, 16));
  }

  update(buf: Uint8Array, off: number, len: number): void {
    if (len % 16 !== 0) throw new RangeError(`aes-ctr: length ${len} is not a multiple of 16`);
    inPlaceAligned(buf, off, len, this.run);
  }

  dispose(): void {
    this.xk.fill(0);
    this.counter.fill(0);
  }
}

/** GHASH whose accumulator can be cleared, so its per-key table is built once. */
class ReusableGhash extends GHASH {
  reset(): void {
    this.s0 = this.s1 = this.s2 = this.s3 = 0;
    this.finished = false;
  }
}

/** NIST SP 800-38D AES-GCM with a 96-bit IV (§7.1: J0 = IV ‖ 0^31 ‖ 1). */
export class NobleAesGcm implements AesGcmKey {
  private xk: Uint32Array;
  private readonly ghash: ReusableGhash;
  /** E_K(J0), XORed into the GHASH output to form the tag. */
  private readonly mask = new Uint8Array(16);
  /** The running GCTR counter block (starts at inc32(J0)). */
  private readonly counter = new Uint8Array(16);
  private readonly tag = new Uint8Array(16);
  /** len(A)_64 ‖ len(C)_64 in bits (§7.1 step 5). */
  private readonly lengths = new Uint8Array(16);
  private readonly run = (view: Uint8Array): void => {
    unsafe.ctr32(this.xk, false, this.counter, view, view);
  };

  constructor(key: Uint8Array) {
    this.xk = unsafe.expandKeyLE(key);
    const h = new Uint8Array(16);
    unsafe.encryptBlock(this.xk, h); // H = E_K(0^128)
    // The length hint picks GHASH's table window; 32 KiB packets are the bulk case.
    this.ghash = new ReusableGhash(h, 32768);
    h.fill(0);
  }

  /** Sets the counter to J0, computes the tag mask E_K(J0), leaves the counter at inc32(J0). */
  private start(iv: Uint8Array): void {
    const c = this.counter;
    c.set(iv.subarray(0, 12));
    c[12] = 0;
    c[13] = 0;
    c[14] = 0;
    c[15] = 1;
    this.mask.set(c);
    unsafe.encryptBlock(this.xk, this.mask);
    c[15] = 2;
  }

  /** GHASH_H(A ‖ pad ‖ C ‖ pad ‖ len(A) ‖ len(C)) XOR E_K(J0) into `this.tag`. */
  private computeTag(buf: Uint8Array, off: number, aadLen: number, len: number): void {
    const g = this.ghash;
    g.reset();
    if (aadLen > 0) g.update(buf.subarray(off, off + aadLen));
    if (len > 0) g.update(buf.subarray(off + aadLen, off + aadLen + len));
    const l = this.lengths;
    writeBitLength(l, 0, aadLen);
    writeBitLength(l, 8, len);
    g.update(l);
    g.digestInto(this.tag);
    for (let i = 0; i < 16; i++) this.tag[i]! ^= this.mask[i]!;
  }

  seal(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): void {
    this.start(iv);
    inPlaceAligned(buf, off + aadLen, len, this.run);
    this.computeTag(buf, off, aadLen, len);
    buf.set(this.tag, off + aadLen + len);
    this.tag.fill(0);
  }

  open(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): boolean {
    this.start(iv);
    this.computeTag(buf, off, aadLen, len);
    const ok = equalAt(this.tag, 0, buf, off + aadLen + len, 16);
    this.tag.fill(0);
    if (!ok) return false;
    inPlaceAligned(buf, off + aadLen, len, this.run);
    return true;
  }

  dispose(): void {
    this.xk.fill(0);
    this.ghash.destroy();
    this.mask.fill(0);
    this.counter.fill(0);
  }
}

/** Big-endian 64-bit bit count of a byte length (< 2^32 bytes). */
function writeBitLength(out: Uint8Array, at: number, bytes: number): void {
  const hi = Math.floor(bytes / 0x20000000); // bytes * 8 / 2^32
  const lo = (bytes * 8) >>> 0;
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 0;
  out[at + 3] = hi;
  out[at + 4] = lo >>> 24;
  out[at + 5] = lo >>> 16;
  out[at + 6] = lo >>> 8;
  out[at + 7] = lo;
}
