/**
 * The portable provider, named `noble` (the `crypto: 'noble'` option): no
 * runtime crypto, so it runs everywhere and is the reference the runtime
 * provider is checked against (DESIGN.md, "Crypto providers"). ChaCha20 and
 * HMAC-SHA-1 are JavaScript from @noble/ciphers and @noble/hashes.
 * HMAC-SHA-256/512 run on hopssh's WebAssembly SHA-2 where WebAssembly runs
 * (sha2-wasm-hmac.ts), elsewhere on @noble/hashes (NobleHmac). AES-CTR and
 * AES-GCM run on hopssh's WebAssembly AES where WebAssembly SIMD is available
 * (aes-ctr-wasm.ts, aes-gcm-wasm.ts: bitsliced AES and multiply-based GHASH,
 * constant time, several times noble's speed: bench/results/cipher.md);
 * elsewhere on @noble/ciphers' AES (JavaScript, table-based), below.
 *
 * That fallback's AES-CTR and AES-GCM are composed from noble's exported low-level pieces
 * (`unsafe.expandKeyLE`, `unsafe.ctrCounter`, `unsafe.ctr32`, `GHASH`) so the key
 * schedule and GHASH table are built once per key rather than once per packet.
 * Those pieces require 4-byte aligned data; unaligned data goes through a
 * shared aligned scratch buffer.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { GHASH } from '@noble/ciphers/_polyval.js';
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { equalAt } from '../constant-time.ts';
import { AesCtrWasm } from '../aes-ctr-wasm.ts';
import { AesGcmWasm } from '../aes-gcm-wasm.ts';
import { aesWasmAvailable } from '../aes-wasm.ts';
import { HmacSha2Wasm } from '../sha2-wasm-hmac.ts';
import { sha2WasmAvailable } from '../sha2-wasm.ts';
import type {
  AesCtrStream,
  AesGcmKey,
  ChaCha20Stream,
  HmacHash,
  HmacKey,
  PrimitiveProvider,
} from './primitives.ts';

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

/**
 * RFC 8439 §2.4 ChaCha20: 32-bit block counter, 96-bit nonce. noble's
 * chacha20() starts at a block boundary: a call that continues inside the
 * block the previous call ended in computes that block's keystream again.
 */
class NobleChaCha20 implements ChaCha20Stream {
  private readonly key: Uint8Array;
  private readonly nonce = new Uint8Array(12);
  private counter = 0;
  /** Bytes of block `counter - 1` used by the previous call when it ended inside it (0: at a block boundary). */
  private partial = 0;
  private readonly block = new Uint8Array(64);

  constructor(key: Uint8Array) {
    this.key = key.slice(0, 32);
  }

  reset(nonce: Uint8Array, counter: number): void {
    this.nonce.set(nonce.subarray(0, 12));
    this.counter = counter;
    this.partial = 0;
  }

  update(buf: Uint8Array, off: number, len: number): void {
    this.xorTo(buf, off, len, buf, off);
  }

  xorTo(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    let n = 0;
    if (this.partial > 0 && len > 0) {
      const b = this.block;
      b.fill(0);
      chacha20(this.key, this.nonce, b, b, this.counter - 1);
      n = Math.min(len, 64 - this.partial);
      for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]! ^ b[this.partial + i]!;
      b.fill(0);
      this.partial = (this.partial + n) % 64;
    }
    const rest = len - n;
    if (rest === 0) return;
    const from = src.subarray(srcOff + n, srcOff + len);
    const to = src === dst && srcOff === dstOff ? from : dst.subarray(dstOff + n, dstOff + len);
    chacha20(this.key, this.nonce, from, to, this.counter);
    this.counter += Math.ceil(rest / 64);
    this.partial = rest % 64;
  }

  dispose(): void {
    this.key.fill(0);
    this.nonce.fill(0);
  }
}

const HASH_FNS = { sha1, sha256, sha512 } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- noble's own type parameter
type NobleHmacState = _HMAC<any>;

/** RFC 2104 HMAC on @noble/hashes. The keyed inner/outer state is computed once and cloned per message. */
export class NobleHmac implements HmacKey {
  readonly length: number;
  private readonly keyed: NobleHmacState;
  private readonly work: NobleHmacState;
  private readonly out: Uint8Array;

  constructor(hash: HmacHash, key: Uint8Array) {
    this.keyed = hmac.create(HASH_FNS[hash], key);
    this.work = this.keyed.clone();
    this.length = this.keyed.outputLen;
    this.out = new Uint8Array(this.length);
  }

  begin(): void {
    this.keyed._cloneInto(this.work);
  }

  update(buf: Uint8Array, off: number, len: number): void {
    this.work.update(off === 0 && len === buf.length ? buf : buf.subarray(off, off + len));
  }

  finish(out: Uint8Array, outOff: number): void {
    this.work.digestInto(this.out);
    out.set(this.out, outOff);
    this.out.fill(0);
  }

  dispose(): void {
    this.keyed.destroy();
    this.work.destroy();
  }
}

export const nobleProvider: PrimitiveProvider = {
  name: 'noble',
  aesCtr: (key, iv) => (aesWasmAvailable() ? new AesCtrWasm(key, iv) : new NobleAesCtr(key, iv)),
  aesGcm: (key) => (aesWasmAvailable() ? new AesGcmWasm(key) : new NobleAesGcm(key)),
  chacha20: (key) => new NobleChaCha20(key),
  hmac: (hash, key) => (hash !== 'sha1' && sha2WasmAvailable() ? new HmacSha2Wasm(hash, key) : new NobleHmac(hash, key)),
};
