/**
 * The WebAssembly ChaCha20 (src/crypto/chacha20-wasm.ts): RFC 8439's vectors
 * (§2.3.2, §2.4.2, A.1, A.2), the same output as @noble/ciphers' chacha20
 * for random keys, nonces, counters, lengths, splits, offsets and src ≠ dst;
 * the end of the 32-bit counter refused where NobleChaCha20 refuses it; the
 * module's memory zeroed after each call; the portable provider using it,
 * and @noble/ciphers' ChaCha20 where WebAssembly is unavailable.
 */
import { describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { ChaCha20Wasm, chacha20Engine, chacha20WasmAvailable } from '../../src/crypto/chacha20-wasm.ts';
import { NobleChaCha20, nobleProvider } from '../../src/crypto/providers/noble.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';

const hex = (h: string): Uint8Array => fromHex(h.replace(/\s+/g, ''));
const KEY_00_1F = Uint8Array.from({ length: 32 }, (_, i) => i);

/** `len` bytes of keystream XORed into `data` from block `counter`, in one call. */
function wasm(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const s = new ChaCha20Wasm(key);
  s.reset(nonce, counter);
  const out = data.slice();
  s.update(out, 0, out.length);
  s.dispose();
  return out;
}

describe('WebAssembly ChaCha20', () => {
  test('compiles and passes its known answers here (Node has WebAssembly SIMD)', () => {
    expect(chacha20WasmAvailable()).toBe(true);
    expect(nobleProvider.chacha20!(new Uint8Array(32))).toBeInstanceOf(ChaCha20Wasm);
  });

  test('RFC 8439 §2.3.2: the block for key 00..1f, nonce 000000090000004a00000000, counter 1', () => {
    expect(toHex(wasm(KEY_00_1F, hex('000000090000004a00000000'), 1, new Uint8Array(64)))).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
    );
  });

  test('RFC 8439 §2.4.2: the sunscreen message encrypted from counter 1, and decrypted in pieces', () => {
    const plain = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const cipher = hex(`6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8
      07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d`);
    const nonce = hex('000000000000004a00000000');
    expect(wasm(KEY_00_1F, nonce, 1, plain)).toEqual(cipher);
    const s = new ChaCha20Wasm(KEY_00_1F);
    s.reset(nonce, 1);
    const out = new Uint8Array(plain.length);
    for (const [from, to] of [[0, 5], [5, 64], [64, 65], [65, plain.length]] as const) s.xorTo(cipher, from, to - from, out, from);
    expect(out).toEqual(plain);
  });

  // RFC 8439 Appendix A.1 (block function; test vectors #1, #2, #5) and A.2 (encryption; #2, #3).
  test.each([
    ['A.1 #1', '00'.repeat(32), '00'.repeat(12), 0, '00'.repeat(64),
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586'],
    ['A.1 #2', '00'.repeat(32), '00'.repeat(12), 1, '00'.repeat(64),
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f'],
    ['A.1 #5', '00'.repeat(32), '000000000000000000000002', 0, '00'.repeat(64),
      'c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d'],
    ['A.2 #3', '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0', '000000000000000000000002', 42,
      toHex(new TextEncoder().encode("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.")),
      '62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553ebf39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f7704c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1'],
  ])('RFC 8439 %s', (_, key, nonce, counter, plain, want) => {
    expect(toHex(wasm(hex(key), hex(nonce), counter, hex(plain)))).toBe(want);
  });

  test('RFC 8439 A.2 #2: the IETF submission text under key 00..01, nonce ..02, counter 1: its first bytes, all of it as @noble/ciphers', () => {
    const key = hex('00'.repeat(31) + '01');
    const nonce = hex('000000000000000000000002');
    const text = new TextEncoder().encode(
      'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft or RFC and any statement made within the context of an IETF activity is considered an "IETF Contribution". Such statements include oral statements in IETF sessions, as well as written and electronic communications made at any time or place, which are addressed to',
    );
    const got = wasm(key, nonce, 1, text);
    expect(toHex(got.subarray(0, 16))).toBe('a3fbf07df3fa2fde4f376ca23e827370');
    expect(got).toEqual(chacha20(key, nonce, text, undefined, 1));
  });

  test('any key, nonce, counter, length ≤ 5000 and split: the same bytes as @noble/ciphers, at odd offsets, src ≠ dst or in place', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 2 ** 32 - 200, max: 2 ** 32 - 100 }), fc.nat({ max: 2 ** 32 - 200 })),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 12 }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 7 }),
        fc.boolean(),
        (key, nonce, counter, len, cuts, srcOff, dstOff, inPlace) => {
          const data = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
          const want = chacha20(key, nonce, data, undefined, counter);
          const src = new Uint8Array(srcOff + len + 3);
          src.set(data, srcOff);
          const dst = inPlace ? src : new Uint8Array(dstOff + len + 3);
          const dOff = inPlace ? srcOff : dstOff;
          const s = new ChaCha20Wasm(key);
          s.reset(nonce, counter);
          let at = 0;
          for (const cut of cuts) {
            const n = Math.min(cut, len - at);
            s.xorTo(src, srcOff + at, n, dst, dOff + at);
            at += n;
          }
          s.xorTo(src, srcOff + at, len - at, dst, dOff + at);
          expect(dst.subarray(dOff, dOff + len)).toEqual(want);
          if (!inPlace) expect(src.subarray(srcOff, srcOff + len)).toEqual(data);
          s.dispose();
        },
      ),
      { numRuns: 300 },
    );
  });

  test('update in whole blocks then a tail, and a reset mid-block starts afresh: as NobleChaCha20', () => {
    const key = KEY_00_1F, nonce = hex('000000000000004a00000000');
    const w = new ChaCha20Wasm(key), n = new NobleChaCha20(key);
    for (const s of [w, n]) s.reset(nonce, 7);
    const a = new Uint8Array(64 * 9 + 17), b = a.slice();
    w.update(a, 0, 64 * 9);
    n.update(b, 0, 64 * 9);
    w.update(a, 64 * 9, 17);
    n.update(b, 64 * 9, 17);
    for (const s of [w, n]) s.reset(nonce, 3);
    const c = new Uint8Array(300), d = c.slice();
    w.xorTo!(c, 0, 100, c, 0); // ends inside block 4
    n.xorTo!(d, 0, 100, d, 0);
    for (const s of [w, n]) s.reset(nonce, 3);
    w.update(c, 100, 200);
    n.update(d, 100, 200);
    expect(a).toEqual(b);
    expect(c).toEqual(d);
  });

  test('the end of the 32-bit counter: block 2^32−2 is the last usable, as with NobleChaCha20 (which throws on block 2^32−1)', () => {
    const key = KEY_00_1F, nonce = hex('000000000000004a00000000');
    const outcome = (s: { reset(n: Uint8Array, c: number): void; xorTo?(a: Uint8Array, b: number, c: number, d: Uint8Array, e: number): void }, counter: number, lens: number[]) => {
      s.reset(nonce, counter);
      const out: string[] = [];
      for (const len of lens) {
        const buf = new Uint8Array(len);
        try {
          s.xorTo!(buf, 0, len, buf, 0);
          out.push(toHex(buf));
        } catch {
          out.push('refused');
        }
      }
      return out;
    };
    const cases: [number, number[]][] = [
      [2 ** 32 - 2, [64]], // the last block: allowed
      [2 ** 32 - 2, [65]], // would need block 2^32−1
      [2 ** 32 - 2, [30, 34]], // the last block in two pieces
      [2 ** 32 - 2, [30, 34, 1]], // then one byte more
      [2 ** 32 - 3, [100, 28, 0]], // ends exactly at the end; an empty call is fine
      [2 ** 32 - 1, [0, 1]], // starting at block 2^32−1: nothing is possible but an empty call
      [2 ** 32 - 5, [64 * 5]],
    ];
    for (const [counter, lens] of cases) {
      const got = outcome(new ChaCha20Wasm(key), counter, lens);
      expect(got, `${counter} ${lens}`).toEqual(outcome(new NobleChaCha20(key), counter, lens));
    }
    expect(outcome(new ChaCha20Wasm(key), 2 ** 32 - 2, [65])).toEqual(['refused']);
    // Refused before anything is written, and with nothing consumed: the stream continues where it was.
    const s = new ChaCha20Wasm(key);
    s.reset(nonce, 2 ** 32 - 2);
    const buf = new Uint8Array(65);
    expect(() => s.update(buf, 0, 65)).toThrow(RangeError);
    expect(buf).toEqual(new Uint8Array(65));
    s.update(buf, 0, 64);
    expect(buf.subarray(0, 64)).toEqual(chacha20(key, nonce, new Uint8Array(64), undefined, 2 ** 32 - 2));
  });

  test('spans outside the buffers and bad counters or sizes are RangeErrors', () => {
    const s = new ChaCha20Wasm(KEY_00_1F);
    s.reset(new Uint8Array(12), 0);
    const buf = new Uint8Array(10);
    expect(() => s.update(buf, 5, 6)).toThrow(RangeError);
    expect(() => s.xorTo(buf, 0, 10, new Uint8Array(9), 0)).toThrow(RangeError);
    expect(() => s.xorTo(buf, -1, 2, buf, 0)).toThrow(RangeError);
    expect(() => s.reset(new Uint8Array(12), -1)).toThrow(RangeError);
    expect(() => s.reset(new Uint8Array(12), 1.5)).toThrow(RangeError);
    expect(() => s.reset(new Uint8Array(11), 0)).toThrow(RangeError);
    expect(() => new ChaCha20Wasm(new Uint8Array(31))).toThrow(RangeError);
  });

  test('the module memory is all zeros after each call (no key, keystream or data left in it)', () => {
    const e = chacha20Engine()!;
    const s = new ChaCha20Wasm(KEY_00_1F);
    s.reset(hex('000000000000004a00000000'), 1);
    for (const len of [1, 63, 64, 300, 70000]) {
      const data = new Uint8Array(len).fill(0xa5);
      s.update(data, 0, len);
      expect(e.m8.every((b) => b === 0), `after ${len} bytes`).toBe(true);
      s.reset(hex('000000000000004a00000000'), 1);
    }
    s.dispose();
  });

  test('without WebAssembly the portable provider keeps @noble/ciphers\' ChaCha20, with the same output', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const fresh = await import('../../src/crypto/chacha20-wasm.ts');
      const { nobleProvider: provider, NobleChaCha20: Js } = await import('../../src/crypto/providers/noble.ts');
      expect(fresh.chacha20WasmAvailable()).toBe(false);
      const s = provider.chacha20!(KEY_00_1F);
      expect(s).toBeInstanceOf(Js);
      s.reset(hex('000000000000004a00000000'), 1);
      const buf = new Uint8Array(300);
      s.update(buf, 0, 300);
      expect(buf).toEqual(wasm(KEY_00_1F, hex('000000000000004a00000000'), 1, new Uint8Array(300)));
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
