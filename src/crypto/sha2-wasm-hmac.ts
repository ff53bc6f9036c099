/**
 * HMAC-SHA-256 and HMAC-SHA-512 (RFC 2104; FIPS 198-1) on the WebAssembly
 * SHA-2 (sha2-wasm.ts), for the portable provider's MACs (RFC 6668,
 * OpenSSH PROTOCOL §1.5 etm). The chaining values after H(K ⊕ ipad) and
 * H(K ⊕ opad) are computed once per key; a message starts from the first
 * and its inner digest is finished from the second, so a message costs its
 * own blocks plus two (three where its padding spills into a second block)
 * and allocates nothing but Sha2Wasm's view for copying whole blocks in.
 */
import { checkSpan } from './wasm-emitter.ts';
import type { HmacKey } from './providers/primitives.ts';
import { Sha2Wasm, type Sha2Hash } from './sha2-wasm.ts';

const IPAD = 0x36;
const OPAD = 0x5c;

export class HmacSha2Wasm implements HmacKey {
  readonly length: number;
  private readonly s: Sha2Wasm;
  /** Chaining values after the key block ⊕ ipad and ⊕ opad. */
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  /** The inner digest, between the two hashes of `finish`. */
  private readonly digest: Uint8Array;

  constructor(hash: Sha2Hash, key: Uint8Array) {
    const s = (this.s = new Sha2Wasm(hash));
    const b = s.blockBytes;
    this.length = s.digestBytes;
    this.digest = new Uint8Array(s.digestBytes);
    // RFC 2104 §2: a key longer than the block is hashed first; then padded with zeros to the block.
    const block = new Uint8Array(b);
    if (key.length > b) {
      s.update(key, 0, key.length);
      s.end();
      s.digestInto(block, 0);
    } else {
      block.set(key);
    }
    const keyed = (pad: number): Int32Array => {
      for (let i = 0; i < b; i++) block[i]! ^= pad;
      s.start();
      s.update(block, 0, b);
      const h = new Int32Array(s.digestBytes / 4);
      s.save(h);
      return h;
    };
    this.inner = keyed(IPAD);
    this.outer = keyed(IPAD ^ OPAD);
    block.fill(0);
    s.wipe();
  }

  begin(): void {
    this.s.start(this.inner, this.s.blockBytes);
  }

  update(buf: Uint8Array, off: number, len: number): void {
    this.s.update(buf, off, len);
  }

  /** H(K ⊕ opad ‖ H(K ⊕ ipad ‖ message)) into `out[outOff ..)`; wipes the message state. */
  finish(out: Uint8Array, outOff: number): void {
    checkSpan('HMAC output', out, outOff, this.length);
    const { s, digest } = this;
    s.end();
    s.digestInto(digest, 0);
    s.start(this.outer, s.blockBytes);
    s.update(digest, 0, digest.length);
    s.end();
    s.digestInto(out, outOff);
    digest.fill(0);
    s.wipe();
  }

  dispose(): void {
    this.inner.fill(0);
    this.outer.fill(0);
    this.s.wipe();
  }
}
