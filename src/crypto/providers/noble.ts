/**
 * The portable provider, named `noble` (the `crypto: 'noble'` option): no
 * runtime crypto, so it runs everywhere and is the reference the runtime
 * provider is checked against (DESIGN.md, "Crypto providers"). ChaCha20 runs
 * on hopssh's WebAssembly SIMD ChaCha20 where it is available
 * (chacha20-wasm.ts: four blocks at a time, constant time), elsewhere on
 * @noble/ciphers (NobleChaCha20). HMAC-SHA-1 is JavaScript from @noble/hashes.
 * HMAC-SHA-256/512 run on hopssh's WebAssembly SHA-2 where WebAssembly runs
 * (sha2-wasm-hmac.ts), elsewhere on @noble/hashes (NobleHmac). AES-CTR and
 * AES-GCM run on hopssh's WebAssembly AES where WebAssembly SIMD is available
 * (aes-ctr-wasm.ts, aes-gcm-wasm.ts: bitsliced AES and multiply-based GHASH,
 * constant time, several times noble's speed: bench/results/cipher.md);
 * elsewhere on @noble/ciphers' AES (JavaScript, table-based: noble-aes.ts,
 * loaded only there by noble-aes-loader.ts).
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { AesCtrWasm } from '../aes-ctr-wasm.ts';
import { AesGcmWasm } from '../aes-gcm-wasm.ts';
import { aesWasmAvailable } from '../aes-wasm.ts';
import { ChaCha20Wasm, chacha20WasmAvailable } from '../chacha20-wasm.ts';
import { HmacSha2Wasm } from '../sha2-wasm-hmac.ts';
import { sha2WasmAvailable } from '../sha2-wasm.ts';
import { nobleAesLoaded } from './noble-aes-loader.ts';
import type {
  ChaCha20Stream,
  HmacHash,
  HmacKey,
  PrimitiveProvider,
} from './primitives.ts';

/**
 * RFC 8439 §2.4 ChaCha20: 32-bit block counter, 96-bit nonce. noble's
 * chacha20() starts at a block boundary: a call that continues inside the
 * block the previous call ended in computes that block's keystream again.
 * For where WebAssembly SIMD does not run (and the benchmark's "before").
 */
export class NobleChaCha20 implements ChaCha20Stream {
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

/** noble-aes.ts, for where the WebAssembly AES does not run; throws while it is still loading (select.ts then counts AES unavailable). */
function javascriptAes(mode: string): NonNullable<ReturnType<typeof nobleAesLoaded>> {
  const m = nobleAesLoaded();
  if (m === undefined) throw new Error(`${mode}: WebAssembly SIMD is unavailable here and the JavaScript AES is still loading (await cryptoProvidersReady())`);
  return m;
}

export const nobleProvider: PrimitiveProvider = {
  name: 'noble',
  aesCtr: (key, iv) => (aesWasmAvailable() ? new AesCtrWasm(key, iv) : new (javascriptAes('aes-ctr').NobleAesCtr)(key, iv)),
  aesGcm: (key) => (aesWasmAvailable() ? new AesGcmWasm(key) : new (javascriptAes('aes-gcm').NobleAesGcm)(key)),
  chacha20: (key) => (chacha20WasmAvailable() ? new ChaCha20Wasm(key) : new NobleChaCha20(key)),
  hmac: (hash, key) => (hash !== 'sha1' && sha2WasmAvailable() ? new HmacSha2Wasm(hash, key) : new NobleHmac(hash, key)),
};
