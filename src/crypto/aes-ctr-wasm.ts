/**
 * AES-CTR (NIST SP 800-38A §6.5; RFC 4344 §4 for SSH) on the WebAssembly
 * engine (aes-wasm.ts): bitsliced, constant time. The 128-bit big-endian
 * counter continues across calls, and so does the keystream inside a block
 * (xorTo takes pieces of any length).
 */
import { AesEngine, CHUNK, CtrCounter, DATA_AT, keyOnEngine, type KeyOwner } from './aes-wasm.ts';
import { checkSpan } from './wasm-emitter.ts';
import type { AesCtrStream } from './providers/primitives.ts';

export class AesCtrWasm implements AesCtrStream, KeyOwner {
  readonly roundKeys: Uint8Array;
  private readonly e: AesEngine;
  private readonly rounds: number;
  private readonly counter = new CtrCounter();
  /** Keystream of the block the last call ended inside; its last `left` bytes are unused. */
  private readonly ks = new Uint8Array(16);
  private left = 0;

  constructor(key: Uint8Array, iv: Uint8Array) {
    const k = keyOnEngine('AES-CTR', key);
    this.e = k.e;
    this.rounds = k.rounds;
    this.roundKeys = k.roundKeys;
    checkSpan('AES-CTR IV', iv, 0, 16);
    this.counter.block.set(iv.subarray(0, 16));
  }

  update(buf: Uint8Array, off: number, len: number): void {
    if (len % 16 !== 0) throw new RangeError(`aes-ctr: length ${len} is not a multiple of 16`);
    this.xorTo(buf, off, len, buf, off);
  }

  xorTo(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    checkSpan('AES-CTR input', src, srcOff, len);
    checkSpan('AES-CTR output', dst, dstOff, len);
    // The rest of a block begun by the previous call.
    const ks = this.ks;
    while (this.left > 0 && len > 0) {
      dst[dstOff++] = src[srcOff++]! ^ ks[16 - this.left]!;
      ks[16 - this.left--] = 0;
      len--;
    }
    if (len === 0) return;
    const e = this.e;
    e.use(this);
    let done = 0;
    while (done < len) {
      const n = Math.min(CHUNK, len - done);
      e.load(src, srcOff + done, n);
      this.run((n + 15) >>> 4);
      e.unload(dst, dstOff + done, n);
      done += n;
    }
    // A last partial block: its unused keystream is what the zero padding became.
    const tail = len % 16;
    if (tail !== 0) {
      const at = DATA_AT + ((len - 1) % CHUNK) - tail + 1;
      for (let i = tail; i < 16; i++) ks[i] = e.m8[at + i]!;
      this.left = 16 - tail;
    }
    e.wipe(Math.min(len, CHUNK));
  }

  /** The keystream over `n` blocks at DATA_AT, split where the counter's low 64 bits wrap. */
  private run(n: number): void {
    const c = this.counter;
    let p = DATA_AT;
    while (n > 0) {
      const k = Math.min(n, c.room());
      this.e.ctr(p, k, this.rounds, c.block);
      c.add(k, false);
      p += 16 * k;
      n -= k;
    }
  }

  dispose(): void {
    this.e.release(this);
    this.roundKeys.fill(0);
    this.counter.wipe();
    this.ks.fill(0);
    this.left = 0;
  }
}
