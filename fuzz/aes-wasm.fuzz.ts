/**
 * Fuzzing the portable provider's WebAssembly AES (src/crypto/aes-gcm-wasm.ts,
 * aes-ctr-wasm.ts): for any key size, IV — biased to counters about to carry
 * past 2^32, 2^64 and 2^128 — AAD, text and any way of cutting it into
 * pieces, AES-GCM and AES-CTR give @noble/ciphers' output; a GCM message
 * with any one bit flipped is refused and leaves the buffer as it was; any
 * span outside the buffers is a RangeError, never bytes that are not there.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { AesCtrWasm } from '../src/crypto/aes-ctr-wasm.ts';
import { AesGcmWasm } from '../src/crypto/aes-gcm-wasm.ts';
import { check, chunk, cutsArb, ensure, ensureBytes, outcome, printStats, splitAt, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const keyArb = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
/** Random text, or lengths around block, eight- and sixteen-block group and chunk (64 KiB) boundaries. */
const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.constantFrom(15, 16, 17, 127, 128, 129, 255, 256, 257, 383, 65535, 65536, 65537, 70000).map((n) => new Uint8Array(n).map((_, i) => (i * 131) >> 3)) },
);
/** A 16-byte counter block: random, or with its low 32 or 64 bits (or all 128) about to wrap. */
const counterArb = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constantFrom('random', 'low32', 'low64', 'all'), fc.nat({ max: 40 })).map(([b, shape, back]) => {
  const c = b.slice();
  if (shape === 'random') return c;
  c.fill(0xff, shape === 'low32' ? 12 : shape === 'low64' ? 8 : 0, 16);
  c[15] = 0xff - back;
  return c;
});

describe('fuzz: WebAssembly AES', () => {
  test('AES-GCM: seal equals @noble/ciphers; open whole and in any pieces; a flipped bit is refused', () => {
    check(
      fc.property(keyArb, fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 64 }), textArb, cutsArb, fc.nat(), fc.nat({ max: 7 }), (key, iv, aad, text, cuts, flip, off) => {
        const want = gcm(key, iv, aad).encrypt(text);
        const g = new AesGcmWasm(key);
        const buf = new Uint8Array(off + aad.length + want.length);
        buf.set(aad, off);
        buf.set(text, off + aad.length);
        g.seal(iv, buf, off, aad.length, text.length);
        ensureBytes(buf.subarray(off + aad.length), want, `seal, ${key.length}-byte key, ${text.length} bytes`);
        const sealed = buf.slice();
        ensure(g.open(iv, buf, off, aad.length, text.length), 'open refused a sealed message');
        ensureBytes(buf.subarray(off + aad.length, off + aad.length + text.length), text, 'open');
        const out = new Uint8Array(text.length);
        g.beginOpen(iv, aad, 0, aad.length);
        let at = 0;
        for (const piece of chunk(want.subarray(0, text.length), cuts)) {
          g.openPiece(piece, 0, piece.length, out, at);
          at += piece.length;
        }
        ensure(g.endOpen(want, text.length), 'pieces: the tag did not verify');
        ensureBytes(out, text, `pieces (${cuts === 'bytewise' ? 'bytewise' : cuts.length + 1})`);
        const bit = flip % (8 * (aad.length + want.length));
        const forged = sealed.slice();
        forged[off + (bit >> 3)]! ^= 1 << (bit & 7);
        const before = forged.slice();
        ensure(!g.open(iv, forged, off, aad.length, text.length), `a flipped bit ${bit} was accepted`);
        ensureBytes(forged, before, 'a refused message changed the buffer');
        g.dispose();
        stat('text', text.length === 0 ? 'empty' : text.length > 65536 ? 'over one chunk' : text.length % 16 === 0 ? 'whole blocks' : 'partial block');
      }),
      0.5,
      60,
    );
  }, timeoutFor(0.5, 60));

  test('AES-CTR: any counter and any pieces equal @noble/ciphers', () => {
    check(
      fc.property(keyArb, counterArb, textArb, fc.array(fc.nat(), { maxLength: 12 }), (key, counter, text, cuts) => {
        const want = ctr(key, counter).encrypt(text);
        const s = new AesCtrWasm(key, counter);
        const out = new Uint8Array(text.length);
        let at = 0;
        for (const piece of splitAt(text, cuts)) {
          s.xorTo(piece, 0, piece.length, out, at);
          at += piece.length;
        }
        ensureBytes(out, want, `counter ${Array.from(counter, (x) => x.toString(16).padStart(2, '0')).join('')}, ${text.length} bytes`);
        s.dispose();
      }),
      0.5,
      60,
    );
  }, timeoutFor(0.5, 60));

  test('spans outside the buffers: RangeError', () => {
    const g = new AesGcmWasm(new Uint8Array(16));
    const s = new AesCtrWasm(new Uint8Array(16), new Uint8Array(16));
    check(
      fc.property(fc.integer({ min: -20, max: 80 }), fc.integer({ min: -20, max: 80 }), fc.nat({ max: 20 }), fc.nat({ max: 64 }), fc.constantFrom('seal', 'open', 'piece', 'xorTo'), (off, len, aadLen, size, op) => {
        const buf = new Uint8Array(size);
        const iv = new Uint8Array(12);
        const res = outcome([RangeError], () => {
          if (op === 'seal') g.seal(iv, buf, off, aadLen, len);
          else if (op === 'open') g.open(iv, buf, off, aadLen, len);
          else if (op === 'piece') {
            g.beginOpen(iv, buf, 0, 0);
            g.openPiece(buf, off, len, buf, 0);
          } else s.xorTo(buf, 0, len, buf, off);
        }, op);
        const need = op === 'seal' || op === 'open' ? aadLen + len + 16 : len;
        const inside = off >= 0 && len >= 0 && off + need <= size;
        ensure(res.ok === inside, `${op}(${off}, ${len}) on ${size} bytes: ${res.ok ? 'accepted' : 'refused'}`);
        stat(op, inside ? 'inside' : 'refused');
      }),
    );
  });
});
