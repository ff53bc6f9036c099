/**
 * AES-GCM (NIST SP 800-38D) with a 96-bit IV on the WebAssembly engine
 * (aes-wasm.ts): bitsliced AES and multiply-based GHASH, both constant time.
 *
 * §7.1: J0 = IV ‖ 0^31 ‖ 1; the GCTR counter starts at inc32(J0); the tag is
 * GHASH_H(A ‖ 0^v ‖ C ‖ 0^u ‖ len(A)_64 ‖ len(C)_64) ⊕ E_K(J0). Whole
 * groups of eight blocks are encrypted and hashed in one pass
 * (aes-gcm-wasm-code.ts). Opening a whole message of up to one chunk decrypts
 * it in the engine's memory while hashing it and copies the plaintext out
 * only once the tag verifies; a longer one is hashed, checked, and only then
 * decrypted — either way nothing is written to the caller's buffer for a
 * forgery. Opening in pieces hashes and decrypts each piece, keeping a
 * partial block's ciphertext and keystream between pieces.
 */
import { equalAt } from './constant-time.ts';
import { AesEngine, BLOCK_AT, CHUNK, CtrCounter, DATA_AT, keyOnEngine, type KeyOwner } from './aes-wasm.ts';
import { checkSpan } from './wasm-emitter.ts';
import type { AesGcmKey } from './providers/primitives.ts';

/** SP 800-38D §5.2.1.1: len(P) ≤ 2^39 - 256 bits. */
const MAX_TEXT = 2 ** 36 - 32;

export class AesGcmWasm implements AesGcmKey, KeyOwner {
  readonly roundKeys: Uint8Array;
  readonly ghashTable: Uint8Array;
  private readonly e: AesEngine;
  private readonly rounds: number;
  private readonly counter = new CtrCounter();
  /** The GHASH accumulator. */
  private readonly y = new Uint8Array(16);
  /** E_K(J0). */
  private readonly mask = new Uint8Array(16);
  private readonly tag = new Uint8Array(16);
  /** In pieces: the ciphertext and keystream of the block the last piece ended inside. */
  private readonly partial = new Uint8Array(16);
  private readonly ks = new Uint8Array(16);
  private aadLen = 0;
  /** Text bytes so far in the message (pieces). */
  private textLen = 0;

  constructor(key: Uint8Array) {
    const k = keyOnEngine('AES-GCM', key);
    this.e = k.e;
    this.rounds = k.rounds;
    this.roundKeys = k.roundKeys;
    this.ghashTable = k.e.ghashKey(this.roundKeys, this.rounds);
  }

  seal(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): void {
    checkMessage(buf, off, aadLen, len);
    this.begin(iv, buf, off, aadLen);
    this.crypt(buf, off + aadLen, len, buf, off + aadLen, false);
    this.finish(true);
    buf.set(this.tag, off + aadLen + len);
    this.end();
  }

  open(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): boolean {
    checkMessage(buf, off, aadLen, len);
    const e = this.e;
    const at = off + aadLen;
    this.begin(iv, buf, off, aadLen);
    if (len <= CHUNK) {
      // Decrypted in the memory while hashed; copied out only once the tag verifies.
      e.load(buf, at, len);
      this.gctrGhash((len + 15) >>> 4, len >>> 4, true);
      this.textLen = len;
      if (len % 16 !== 0) this.partial.set(buf.subarray(at + len - (len % 16), at + len));
      this.finish(true);
    } else {
      for (let done = 0; done < len; done += CHUNK) {
        const n = Math.min(CHUNK, len - done);
        e.load(buf, at + done, n);
        e.ghash(DATA_AT, (n + 15) >>> 4, this.y);
      }
      this.textLen = len;
      this.finish(false);
    }
    const ok = equalAt(this.tag, 0, buf, at + len, 16);
    if (ok && len <= CHUNK) e.unload(buf, at, len);
    else if (ok) {
      for (let done = 0; done < len; done += CHUNK) {
        const n = Math.min(CHUNK, len - done);
        e.load(buf, at + done, n);
        this.run(DATA_AT, (n + 15) >>> 4);
        e.unload(buf, at + done, n);
      }
    }
    this.end();
    return ok;
  }

  beginOpen(iv: Uint8Array, aad: Uint8Array, aadOff: number, aadLen: number): void {
    checkSpan('AES-GCM AAD', aad, aadOff, aadLen);
    this.begin(iv, aad, aadOff, aadLen);
    this.e.wipe(Math.min(aadLen, CHUNK));
  }

  openPiece(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    this.crypt(src, srcOff, len, dst, dstOff, true);
  }

  endOpen(tag: Uint8Array, tagOff: number): boolean {
    checkSpan('AES-GCM tag', tag, tagOff, 16);
    this.finish(true);
    const ok = equalAt(this.tag, 0, tag, tagOff, 16);
    this.end();
    return ok;
  }

  dispose(): void {
    this.e.release(this);
    this.roundKeys.fill(0);
    this.ghashTable.fill(0);
    this.end();
  }

  /** J0, E_K(J0), the counter at inc32(J0), and the AAD hashed (zero-padded). */
  private begin(iv: Uint8Array, aad: Uint8Array, aadOff: number, aadLen: number): void {
    checkSpan('AES-GCM IV', iv, 0, 12);
    const e = this.e;
    const m8 = e.m8;
    e.use(this);
    const c = this.counter.block;
    c.set(iv.subarray(0, 12));
    c[12] = c[13] = c[14] = 0;
    c[15] = 1;
    m8.fill(0, BLOCK_AT, BLOCK_AT + 16);
    e.ctr(BLOCK_AT, 1, this.rounds, c);
    for (let i = 0; i < 16; i++) this.mask[i] = m8[BLOCK_AT + i]!;
    c[15] = 2;
    this.y.fill(0);
    for (let done = 0; done < aadLen; done += CHUNK) {
      const n = Math.min(CHUNK, aadLen - done);
      e.load(aad, aadOff + done, n);
      e.ghash(DATA_AT, (n + 15) >>> 4, this.y);
    }
    this.aadLen = aadLen;
    this.textLen = 0;
  }

  /**
   * Encrypts (or decrypts) `src[srcOff .. srcOff+len)` into `dst[dstOff ..)` and
   * hashes the ciphertext, continuing inside a block the previous call began.
   */
  private crypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number, decrypt: boolean): void {
    checkSpan('AES-GCM input', src, srcOff, len);
    checkSpan('AES-GCM output', dst, dstOff, len);
    if (this.textLen + len > MAX_TEXT) throw new RangeError(`AES-GCM: a message of over ${MAX_TEXT} bytes`);
    const e = this.e;
    e.use(this);
    const { partial, ks } = this;
    let used = this.textLen % 16;
    this.textLen += len;
    if (used !== 0) {
      while (used < 16 && len > 0) {
        const x = src[srcOff++]!;
        const c = decrypt ? x : x ^ ks[used]!;
        partial[used] = c;
        dst[dstOff++] = decrypt ? x ^ ks[used]! : c;
        ks[used++] = 0;
        len--;
      }
      if (used < 16) return;
      e.m8.set(partial, BLOCK_AT);
      e.ghash(BLOCK_AT, 1, this.y);
      partial.fill(0);
    }
    if (len === 0) return;
    for (let done = 0; done < len; done += CHUNK) {
      const n = Math.min(CHUNK, len - done);
      const whole = n >>> 4;
      const blocks = (n + 15) >>> 4;
      e.load(src, srcOff + done, n);
      this.gctrGhash(blocks, whole, decrypt);
      e.unload(dst, dstOff + done, n);
      const tail = n & 15;
      if (tail !== 0) {
        // Only the last chunk can end inside a block: keep its ciphertext and the rest of its keystream.
        const at = DATA_AT + n - tail;
        for (let i = 0; i < tail; i++) partial[i] = decrypt ? src[srcOff + done + n - tail + i]! : e.m8[at + i]!;
        for (let i = tail; i < 16; i++) ks[i] = e.m8[at + i]!;
      }
    }
    e.wipe(Math.min(len, CHUNK));
  }

  /**
   * GCTR over the `blocks` blocks at DATA_AT and GHASH over the first `whole`
   * of them as ciphertext: the input when decrypting, the output when
   * encrypting. Whole groups of 8 blocks go through ctrGhash, which hashes a
   * group while it encrypts the next (sealing) or the same (opening).
   */
  private gctrGhash(blocks: number, whole: number, decrypt: boolean): void {
    const { e, counter, y, rounds } = this;
    if (decrypt) {
      const groups = whole >>> 3;
      if (groups > 0) {
        e.ctrGhash(DATA_AT, DATA_AT, groups, rounds, counter.block, y);
        counter.add(8 * groups, true);
      }
      const at = DATA_AT + 128 * groups;
      if (whole > 8 * groups) e.ghash(at, whole - 8 * groups, y);
      this.run(at, blocks - 8 * groups);
      return;
    }
    const groups = blocks >>> 3;
    if (groups === 0) {
      this.run(DATA_AT, blocks);
      if (whole > 0) e.ghash(DATA_AT, whole, y);
      return;
    }
    this.run(DATA_AT, 8);
    if (groups > 1) {
      e.ctrGhash(DATA_AT + 128, DATA_AT, groups - 1, rounds, counter.block, y);
      counter.add(8 * (groups - 1), true);
    }
    this.run(DATA_AT + 128 * groups, blocks - 8 * groups);
    e.ghash(DATA_AT + 128 * (groups - 1), whole - 8 * (groups - 1), y);
  }

  /** The GCTR keystream over `n` blocks at `p` (inc32: never wraps below MAX_TEXT). */
  private run(p: number, n: number): void {
    if (n === 0) return;
    this.e.ctr(p, n, this.rounds, this.counter.block);
    this.counter.add(n, true);
  }

  /** Hashes a last partial block kept by `crypt` (if `partialKept`) and the lengths block; tag = GHASH ⊕ E_K(J0). */
  private finish(partialKept: boolean): void {
    const e = this.e;
    e.use(this);
    const tail = this.textLen % 16;
    if (partialKept && tail !== 0) {
      this.partial.fill(0, tail);
      e.m8.set(this.partial, BLOCK_AT);
      e.ghash(BLOCK_AT, 1, this.y);
    }
    const v = e.view;
    v.setUint32(BLOCK_AT, Math.floor(this.aadLen / 0x20000000));
    v.setUint32(BLOCK_AT + 4, (this.aadLen * 8) >>> 0);
    v.setUint32(BLOCK_AT + 8, Math.floor(this.textLen / 0x20000000));
    v.setUint32(BLOCK_AT + 12, (this.textLen * 8) >>> 0);
    e.ghash(BLOCK_AT, 1, this.y);
    for (let i = 0; i < 16; i++) this.tag[i] = this.y[i]! ^ this.mask[i]!;
  }

  /** Forgets the message: per-message state here and in the memory. */
  private end(): void {
    this.e.wipe(Math.min(this.textLen, CHUNK));
    this.counter.wipe();
    this.y.fill(0);
    this.mask.fill(0);
    this.tag.fill(0);
    this.partial.fill(0);
    this.ks.fill(0);
    this.aadLen = 0;
    this.textLen = 0;
  }
}

/** AAD, text and tag one after the other inside `buf`. */
function checkMessage(buf: Uint8Array, off: number, aadLen: number, len: number): void {
  checkSpan('AES-GCM AAD', buf, off, aadLen);
  checkSpan('AES-GCM text', buf, off + aadLen, len);
  checkSpan('AES-GCM tag', buf, off + aadLen + len, 16);
}
