/**
 * The single ChaCha20 block of chacha20-block.ts: RFC 8439 §2.3.2's test
 * vector, and the same keystream as @noble/ciphers' ChaCha20 for random keys,
 * nonces, counters and lengths (XORed into data, so the xor is checked too).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { ChaCha20Block } from '../../src/crypto/chacha20-block.ts';

const unhex = (h: string): Uint8Array => Uint8Array.from(h.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

describe('ChaCha20Block', () => {
  test('RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const block = new Uint8Array(64);
    new ChaCha20Block(key).xor(unhex('000000090000004a00000000'), 1, block, 0, 64);
    expect(block).toEqual(
      unhex(`10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e
             d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e`),
    );
  });

  test('matches @noble/ciphers for any key, nonce, counter and length, XORed in place at an offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.nat({ max: 0xfffffffe }), // noble refuses to start a block at the last counter (it could not continue)
        fc.integer({ min: 0, max: 64 }),
        fc.uint8Array({ minLength: 70, maxLength: 70 }),
        (key, nonce, counter, len, data) => {
          const want = data.slice();
          const stream = chacha20(key, nonce, new Uint8Array(64), undefined, counter);
          for (let i = 0; i < len; i++) want[3 + i]! ^= stream[i]!;
          const got = data.slice();
          new ChaCha20Block(key).xor(nonce, counter, got, 3, len);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('refuses a short key and more than one block', () => {
    expect(() => new ChaCha20Block(new Uint8Array(31))).toThrow(/31 bytes, need 32/);
    expect(() => new ChaCha20Block(new Uint8Array(32)).xor(new Uint8Array(12), 0, new Uint8Array(65), 0, 65)).toThrow(/at most 64/);
  });
});
