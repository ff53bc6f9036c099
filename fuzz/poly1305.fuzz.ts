/**
 * Fuzzing Poly1305 (RFC 8439 §2.5; src/crypto/poly1305.ts): for any key —
 * biased to r with every clamped bit set and s = 2^128 - 1 — any message —
 * biased to runs of 0xff that push h to p and beyond — and any way of
 * splitting it into update() calls, both implementations (WebAssembly and
 * plain JS) give noble's tag; any offsets outside the buffers give a
 * RangeError, never a tag over bytes that are not there.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { createPoly1305, type Poly1305 } from '../src/crypto/poly1305.ts';
import { check, chunk, cutsArb, ensure, ensureBytes, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const MACS: [string, Poly1305][] = [
  ['wasm', createPoly1305('wasm')],
  ['js', createPoly1305('js')],
];

const half = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.constantFrom(new Uint8Array(16).fill(0xff), new Uint8Array(16), Uint8Array.of(1, ...new Uint8Array(15))),
);
const keyArb = fc.tuple(half, half).map(([r, s]) => Uint8Array.from([...r, ...s]));

/** Random bytes, or runs of one value (0xff most of all), up to a few KiB. */
const messageArb = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.tuple(fc.nat({ max: 3000 }), fc.constantFrom(0xff, 0xfe, 0x00, 0x01)).map(([n, v]) => new Uint8Array(n).fill(v)),
  fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 2000 })).map(([head, n]) => Uint8Array.from([...head, ...new Uint8Array(n).fill(0xff)])),
);

describe('fuzz: Poly1305', () => {
  test('any key, message and chunking: WebAssembly and JS give noble\'s tag', () => {
    check(
      fc.property(keyArb, messageArb, cutsArb, fc.nat({ max: 40 }), (key, msg, cuts, slack) => {
        const want = noblePoly1305(msg, key);
        const out = new Uint8Array(16 + slack);
        for (const [name, mac] of MACS) {
          mac.init(key, 0);
          for (const piece of chunk(msg, cuts)) mac.update(piece, 0, piece.length);
          mac.finish(out, slack);
          ensureBytes(out.subarray(slack, slack + 16), want, `${name}, ${msg.length} bytes in ${cuts === 'bytewise' ? msg.length : cuts.length + 1} pieces`);
        }
        stat('message', msg.length === 0 ? 'empty' : msg.length % 16 === 0 ? 'whole blocks' : 'partial last block');
      }),
      1,
      50,
    );
  }, timeoutFor(1, 50));

  test('offsets and lengths outside the buffers: RangeError', () => {
    check(
      fc.property(fc.integer({ min: -40, max: 80 }), fc.integer({ min: -40, max: 80 }), fc.nat({ max: 64 }), fc.constantFrom('init', 'update', 'finish'), (off, len, size, op) => {
        const buf = new Uint8Array(size);
        for (const [name, mac] of MACS) {
          mac.init(new Uint8Array(32), 0);
          const res = outcome([RangeError], () => {
            if (op === 'init') mac.init(buf, off);
            else if (op === 'update') mac.update(buf, off, len);
            else mac.finish(buf, off);
          }, `${name} ${op}`);
          const n = op === 'init' ? 32 : op === 'update' ? len : 16;
          const inside = off >= 0 && n >= 0 && off + n <= size;
          ensure(res.ok === inside, `${name} ${op}(${off}, ${n}) on ${size} bytes: ${res.ok ? 'accepted' : 'refused'}`);
          stat(`${op}`, inside ? 'inside' : 'refused');
        }
      }),
    );
  });
});
