/**
 * Fuzzing the portable provider's WebAssembly ChaCha20 (src/crypto/chacha20-wasm.ts):
 * for any key, nonce, starting counter — biased to the end of the 32-bit
 * counter — text — biased to lengths around a block, a group of four blocks
 * and the memory's 64 KiB chunk — and any way of cutting it into pieces, the
 * output equals @noble/ciphers' chacha20, in place or src → dst at any
 * offsets; a call that would need block 2^32−1 is refused exactly where
 * noble refuses it, writing nothing; any span outside the buffers is a
 * RangeError, never bytes that are not there.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { ChaCha20Wasm } from '../src/crypto/chacha20-wasm.ts';
import { check, chunk, cutsArb, ensure, ensureBytes, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const LAST = 2 ** 32 - 2;
/** Random text, or lengths around block, group (256 bytes) and chunk (64 KiB) boundaries. */
const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.constantFrom(63, 64, 65, 191, 192, 255, 256, 257, 65535, 65536, 65537, 70000).map((n) => new Uint8Array(n).map((_, i) => (i * 131) >> 3)) },
);
/** A starting block: random, small, or within a few blocks of the last one. */
const counterArb = fc.oneof(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 300 }), fc.nat({ max: 40 }).map((back) => LAST - back + 1));

describe('fuzz: WebAssembly ChaCha20', () => {
  test('any key, nonce, counter, text and cuts: @noble/ciphers\' output, or refused where noble refuses', () => {
    check(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), counterArb, textArb, cutsArb, fc.nat({ max: 7 }), fc.nat({ max: 7 }), fc.boolean(),
        (key, nonce, counter, text, cuts, srcOff, dstOff, inPlace) => {
          const blocks = Math.ceil(text.length / 64);
          const fits = text.length === 0 || counter + blocks - 1 <= LAST;
          const s = new ChaCha20Wasm(key);
          s.reset(nonce, counter);
          const src = new Uint8Array(srcOff + text.length);
          src.set(text, srcOff);
          const dst = inPlace ? src : new Uint8Array(dstOff + text.length);
          const dOff = inPlace ? srcOff : dstOff;
          let at = 0;
          let refused = false;
          for (const piece of chunk(text, cuts)) {
            const res = outcome([RangeError], () => s.xorTo(src, srcOff + at, piece.length, dst, dOff + at), 'xorTo');
            if (!res.ok) {
              refused = true;
              // Nothing written by the refused call: its span still holds the text (in place) or zeros.
              ensureBytes(dst.subarray(dOff + at, dOff + at + piece.length), inPlace ? piece : new Uint8Array(piece.length), 'refused call');
              break;
            }
            at += piece.length;
          }
          ensure(refused === !fits, `counter ${counter}, ${text.length} bytes: ${refused ? 'refused' : 'accepted'}`);
          if (fits && text.length > 0) ensureBytes(dst.subarray(dOff, dOff + text.length), chacha20(key, nonce, text, undefined, counter), `counter ${counter}, ${text.length} bytes`);
          s.dispose();
          stat('counter', fits ? 'within' : 'refused at the end');
          stat('text', text.length % 64 === 0 ? 'whole blocks' : 'partial block');
        }),
      0.5,
      40,
    );
  }, timeoutFor(0.5, 40));

  test('spans outside the buffers: RangeError', () => {
    const s = new ChaCha20Wasm(new Uint8Array(32));
    s.reset(new Uint8Array(12), 0);
    check(
      fc.property(fc.integer({ min: -40, max: 80 }), fc.integer({ min: -40, max: 80 }), fc.nat({ max: 64 }), fc.nat({ max: 64 }), (off, len, size, dstSize) => {
        const src = new Uint8Array(size);
        const res = outcome([RangeError], () => s.xorTo(src, off, len, new Uint8Array(dstSize), 0), 'xorTo');
        const inside = off >= 0 && len >= 0 && off + len <= size && len <= dstSize;
        ensure(res.ok === inside, `xorTo(${off}, ${len}) on ${size} → ${dstSize} bytes: ${res.ok ? 'accepted' : 'refused'}`);
        stat('span', inside ? 'inside' : 'refused');
      }),
    );
  });
});
