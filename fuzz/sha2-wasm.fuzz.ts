/**
 * Fuzzing the portable provider's WebAssembly SHA-2 (src/crypto/sha2-wasm.ts)
 * and HMAC (sha2-wasm-hmac.ts): for SHA-256 and SHA-512, any key — biased to
 * lengths around the block size, where RFC 2104 switches to hashing the key —
 * any message — biased to lengths where the padding needs a second block and
 * around the memory's 65408-byte chunks — and any way of cutting it into
 * updates, the digest and the MAC equal @noble/hashes', also for a second
 * message under the same key; any span outside the buffers is a RangeError,
 * never a MAC over bytes that are not there.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { HmacSha2Wasm } from '../src/crypto/sha2-wasm-hmac.ts';
import { Sha2Wasm } from '../src/crypto/sha2-wasm.ts';
import { check, chunk, cutsArb, ensure, ensureBytes, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const NOBLE = { sha256, sha512 };
const hashArb = fc.constantFrom('sha256' as const, 'sha512' as const);

/** Bytes of a length drawn from `lengths`, or any length up to `max`. */
const bytesArb = (lengths: number[], max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: max }) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...lengths), fc.integer({ min: -2, max: 2 }), fc.nat(255)).map(([n, d, v]) => new Uint8Array(Math.max(0, n + d)).fill(v)) },
  );
/** Keys: around one block of SHA-256 and of SHA-512, and longer (hashed first). */
const keyArb = bytesArb([0, 32, 64, 128, 200], 300);
/** Messages: where the length field no longer fits the last block, and around the memory's chunks. */
const messageArb = bytesArb([55, 56, 64, 111, 112, 128, 4 + 32768 + 12, 65408, 65408 + 4], 3000);

describe('fuzz: WebAssembly SHA-2 and HMAC', () => {
  test('any key, message and cuts: SHA-256/512 and HMAC equal @noble/hashes, twice per key', () => {
    check(
      fc.property(hashArb, keyArb, messageArb, cutsArb, fc.nat({ max: 40 }), (hash, key, msg, cuts, slack) => {
        const pieces = chunk(msg, cuts);
        const s = new Sha2Wasm(hash);
        for (const piece of pieces) s.update(piece, 0, piece.length);
        s.end();
        const digest = new Uint8Array(s.digestBytes + slack);
        s.digestInto(digest, slack);
        ensureBytes(digest.subarray(slack), NOBLE[hash](msg), `${hash}, ${msg.length} bytes in ${pieces.length} pieces`);
        const h = new HmacSha2Wasm(hash, key);
        const want = hmac(NOBLE[hash], key, msg);
        const out = new Uint8Array(h.length + slack);
        for (let round = 0; round < 2; round++) {
          h.begin();
          for (const piece of round === 0 ? pieces : [msg]) h.update(piece, 0, piece.length);
          h.finish(out, slack);
          ensureBytes(out.subarray(slack), want, `hmac-${hash}, key ${key.length} bytes, ${msg.length} bytes, round ${round}`);
        }
        h.dispose();
        stat('key', key.length > s.blockBytes ? 'hashed first' : key.length === s.blockBytes ? 'one block' : 'padded');
        stat('message', msg.length % s.blockBytes >= s.blockBytes - s.blockBytes / 8 ? 'padding spills into a second block' : 'padding fits');
      }),
      0.5,
      40,
    );
  }, timeoutFor(0.5, 40));

  test('spans outside the buffers: RangeError', () => {
    const h = new HmacSha2Wasm('sha256', new Uint8Array(32));
    check(
      fc.property(fc.integer({ min: -40, max: 80 }), fc.integer({ min: -40, max: 80 }), fc.nat({ max: 64 }), fc.constantFrom('update', 'finish'), (off, len, size, op) => {
        const buf = new Uint8Array(size);
        h.begin();
        const res = outcome([RangeError], () => (op === 'update' ? h.update(buf, off, len) : h.finish(buf, off)), op);
        const n = op === 'update' ? len : 32;
        const inside = off >= 0 && n >= 0 && off + n <= size;
        ensure(res.ok === inside, `${op}(${off}, ${n}) on ${size} bytes: ${res.ok ? 'accepted' : 'refused'}`);
        stat(op, inside ? 'inside' : 'refused');
      }),
    );
  });
});
