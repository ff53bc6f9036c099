import { describe, expect, test } from 'vitest';
import { createPoly1305, poly1305Implementation, type Poly1305Implementation } from '../../src/crypto/poly1305.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import { rng } from './cipher-helpers.ts';
import { runScript } from '../helpers/runtime-script.ts';
import { RFC8439_VECTORS, crossCheck, edgeKeys, nobleTag, tagOf } from './poly1305-vectors.ts';

const IMPLEMENTATIONS: Poly1305Implementation[] = ['wasm', 'js'];

test('Node runs the WebAssembly implementation', () => {
  expect(poly1305Implementation()).toBe('wasm');
});

describe.each(IMPLEMENTATIONS)('Poly1305 (%s)', (impl) => {
  const mac = createPoly1305(impl);

  test.each(RFC8439_VECTORS)('RFC 8439 $name', (v) => {
    const key = fromHex(v.key);
    const msg = fromHex(v.msg);
    expect(tagOf(mac, key, msg)).toBe(v.tag);
    expect(tagOf(mac, key, msg, [1]), 'one byte per update').toBe(v.tag);
  });

  test('agrees with noble for every length 0..2000 (one object reused across messages)', () => {
    const rand = rng(1);
    for (let n = 0; n <= 2000; n++) {
      const key = rand(32);
      const msg = rand(n);
      expect(tagOf(mac, key, msg), `length ${n}`).toBe(nobleTag(key, msg));
    }
  });

  test('agrees with noble on large messages, across WebAssembly memory chunks', () => {
    const rand = rng(2);
    for (const n of [65472 - 16, 65472, 65472 + 1, 65536 + 17, 3 * 65472 + 31, 1 << 20]) {
      const key = rand(32);
      const msg = rand(n);
      const want = nobleTag(key, msg);
      expect(tagOf(mac, key, msg), `length ${n}`).toBe(want);
      expect(tagOf(mac, key, msg, [4099, 61, 70000]), `length ${n}, chunked`).toBe(want);
    }
  });

  test('agrees with noble on edge keys (r with every clamped bit set, s = 2^128 - 1) and messages of 0xff (h ≥ p)', () => {
    const rand = rng(3);
    for (const key of edgeKeys(rand)) {
      for (const fill of [0xff, 0xfe, 0x01, 0x00]) {
        for (let n = 0; n <= 600; n += n < 70 ? 1 : 37) {
          const msg = new Uint8Array(n).fill(fill);
          expect(tagOf(mac, key, msg), `key ${toHex(key)}, ${n} × ${fill}`).toBe(nobleTag(key, msg));
        }
      }
    }
  });

  test('every split of a message into three updates gives the same tag', () => {
    const rand = rng(4);
    const key = rand(32);
    const msg = rand(90);
    const want = nobleTag(key, msg);
    const out = new Uint8Array(16);
    for (let i = 0; i <= msg.length; i++) {
      for (let j = i; j <= msg.length; j++) {
        mac.init(key, 0);
        mac.update(msg, 0, i);
        mac.update(msg, i, j - i);
        mac.update(msg, j, msg.length - j);
        mac.finish(out, 0);
        if (toHex(out) !== want) expect(toHex(out), `split at ${i}, ${j}`).toBe(want);
      }
    }
  });

  test('random chunkings of a long message, with empty updates and offsets into a larger buffer', () => {
    const rand = rng(5);
    for (let round = 0; round < 40; round++) {
      const key = rand(32);
      const n = 1 + ((rand(2)[0]! << 8) | rand(1)[0]!) * 2;
      const buf = rand(n + 64);
      const off = rand(1)[0]! % 64;
      const want = nobleTag(key, buf.subarray(off, off + n));
      const cuts = Array.from(rand(8), (b) => b % 200);
      mac.init(key, 0);
      let at = off;
      for (let i = 0; at < off + n; i++) {
        const len = Math.min(cuts[i % cuts.length]!, off + n - at);
        mac.update(buf, at, len);
        at += len;
      }
      const out = new Uint8Array(20);
      mac.finish(out, 3);
      expect(toHex(out.subarray(3, 19)), `round ${round}`).toBe(want);
    }
  });

  test('the tag goes where asked and finish wipes the state (a second finish sees key 0, message empty)', () => {
    const key = fromHex(RFC8439_VECTORS[0]!.key);
    const msg = fromHex(RFC8439_VECTORS[0]!.msg);
    const out = new Uint8Array(40).fill(0xaa);
    mac.init(key, 0);
    mac.update(msg, 0, 7);
    mac.finish(out, 10);
    expect(toHex(out.subarray(10, 26))).toBe(nobleTag(key, msg.subarray(0, 7)));
    expect([...out.subarray(0, 10), ...out.subarray(26)].every((b) => b === 0xaa)).toBe(true);
    mac.finish(out, 0);
    expect(toHex(out.subarray(0, 16))).toBe('00'.repeat(16));
  });

  test('the key is read at its offset', () => {
    const rand = rng(6);
    const key = rand(32);
    const msg = rand(100);
    const padded = new Uint8Array(45);
    padded.set(key, 13);
    mac.init(padded, 13);
    mac.update(msg, 0, msg.length);
    const out = new Uint8Array(16);
    mac.finish(out, 0);
    expect(toHex(out)).toBe(nobleTag(key, msg));
  });

  test('ranges outside the buffers are refused (RangeError), not read as zeros', () => {
    const buf = new Uint8Array(32);
    expect(() => mac.init(buf, 1)).toThrow(RangeError);
    mac.init(buf, 0);
    expect(() => mac.update(buf, 30, 3)).toThrow(RangeError);
    expect(() => mac.update(buf, -1, 2)).toThrow(RangeError);
    expect(() => mac.update(buf, 0, -1)).toThrow(RangeError);
    expect(() => mac.finish(new Uint8Array(16), 1)).toThrow(RangeError);
  });

  test('the shared checks (vectors, lengths 0..299 and large, chunkings, edge keys) pass', () => {
    expect(crossCheck(mac, 7)).toBe(null);
  });
});

// The same checks on Bun and Deno (devDependencies, so this never skips).
describe('Poly1305 on every runtime', () => {
  test.each(['bun', 'deno'] as const)('%s: WebAssembly is used and both implementations agree with the vectors and noble', (name) => {
    expect(runScript(name, 'test/crypto/poly1305-check.ts').at(-1)).toEqual({ runtime: name, implementation: 'wasm', wasm: null, js: null });
  }, 130_000);
});
