/**
 * The WebAssembly engine's GHASH and its one-pass GCTR+GHASH (src/crypto/
 * ghash-wasm-code.ts, aes-gcm-wasm-code.ts) on their own: GHASH against the
 * bit-by-bit multiplication of NIST SP 800-38D §6.3 (Algorithm 1) for every
 * number of blocks around its eight-block steps; ctrGhash against ghash and
 * ctr run as two passes, hashing the same group it decrypts (opening) or the
 * group before the one it encrypts (sealing), for every key size.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmWasm } from '../../src/crypto/aes-gcm-wasm.ts';
import { CtrCounter, DATA_AT, aesEngine } from '../../src/crypto/aes-wasm.ts';
import { hex, rng } from './cipher-helpers.ts';

const engine = () => aesEngine()!;
const big = (b: Uint8Array): bigint => BigInt('0x' + (hex(b) || '0'));

/** SP 800-38D §6.3, Algorithm 1: X·Y in GF(2^128), bit 0 the leftmost. */
function gfMul(x: bigint, y: bigint): bigint {
  const R = 0xe1n << 120n;
  let z = 0n, v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

/** SP 800-38D §6.4: GHASH_H over whole blocks, from Y_0 = y. */
function ghashReference(h: bigint, y: bigint, blocks: Uint8Array): bigint {
  for (let i = 0; i < blocks.length; i += 16) y = gfMul(y ^ big(blocks.subarray(i, i + 16)), h);
  return y;
}

/** H = E_K(0^128). */
const hashKey = (key: Uint8Array): bigint => big(createCipheriv(`aes-${key.length * 8}-ecb` as 'aes-128-ecb', key, null).update(new Uint8Array(16)));

describe('WebAssembly GHASH', () => {
  const bytes = rng(0x6a5e);

  it('equals SP 800-38D Algorithm 1 for 1..40 blocks at once, from any Y, for random keys', () => {
    const e = engine();
    for (let n = 1; n <= 40; n++) {
      const key = bytes([16, 24, 32][n % 3]!);
      const g = new AesGcmWasm(key);
      const data = bytes(16 * n), y = bytes(16);
      const want = ghashReference(hashKey(key), big(y), data);
      e.use(g);
      e.m8.set(data, DATA_AT);
      e.ghash(DATA_AT, n, y);
      expect(big(y).toString(16), `${n} blocks`).toBe(want.toString(16));
      e.wipe(16 * n);
      g.dispose();
    }
  });
});

describe('WebAssembly GCTR and GHASH in one pass (ctrGhash)', () => {
  const bytes = rng(0xc7a5);
  const e = engine();

  /** Keystream XORed into `data` by the two-pass ctr, counter advanced by inc32 as GCM does. */
  const ctrTwoPass = (g: AesGcmWasm, rounds: number, counter: Uint8Array, data: Uint8Array): Uint8Array => {
    e.use(g);
    e.m8.set(data, DATA_AT);
    e.ctr(DATA_AT, data.length / 16, rounds, counter);
    const out = e.m8.slice(DATA_AT, DATA_AT + data.length);
    e.wipe(data.length);
    return out;
  };

  for (const keyLen of [16, 24, 32]) {
    it(`AES-${keyLen * 8}: opening (hash, then decrypt, the same groups) and sealing (encrypt a group, hash the one before) equal two passes`, () => {
      const rounds = keyLen / 4 + 6;
      for (const groups of [1, 2, 3, 7]) {
        const key = bytes(keyLen), data = bytes(128 * groups), y0 = bytes(16);
        const counter = new CtrCounter();
        counter.block.set(bytes(12));
        counter.block.set([0, 0, 0, 2], 12); // inc32(J0), SP 800-38D §7.1
        const g = new AesGcmWasm(key);
        const h = hashKey(key);
        const keystreamed = ctrTwoPass(g, rounds, counter.block, data);

        // Opening: ghash over the ciphertext, ctr over the same blocks.
        e.use(g);
        e.m8.set(data, DATA_AT);
        const y = y0.slice();
        e.ctrGhash(DATA_AT, DATA_AT, groups, rounds, counter.block, y);
        expect(hex(e.m8.subarray(DATA_AT, DATA_AT + data.length)), `open, ${groups} groups`).toBe(hex(keystreamed));
        expect(big(y).toString(16)).toBe(ghashReference(h, big(y0), data).toString(16));

        // Sealing: the first group by ctr alone, then each group encrypted while the one before is hashed.
        e.m8.set(data, DATA_AT);
        const c = new CtrCounter();
        c.block.set(counter.block);
        e.ctr(DATA_AT, 8, rounds, c.block);
        c.add(8, true);
        const ys = y0.slice();
        if (groups > 1) e.ctrGhash(DATA_AT + 128, DATA_AT, groups - 1, rounds, c.block, ys);
        const sealed = e.m8.slice(DATA_AT, DATA_AT + data.length);
        expect(hex(sealed), `seal, ${groups} groups`).toBe(hex(keystreamed));
        expect(big(ys).toString(16)).toBe(ghashReference(h, big(y0), sealed.subarray(0, 128 * (groups - 1))).toString(16));
        e.wipe(data.length);
        g.dispose();
      }
    });
  }
});
