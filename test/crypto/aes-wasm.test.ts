/**
 * The portable provider's WebAssembly AES (src/crypto/aes-wasm.ts and
 * friends): the S-box circuit and key schedule against FIPS 197, AES-CTR
 * against SP 800-38A, AES-GCM against every 96-bit-IV test case of the GCM
 * specification (McGrew & Viega: 1–4, 7–10, 13–16), then against node:crypto
 * on random keys, IVs, lengths (around blocks, one-pass groups and chunks),
 * offsets and cuts, and against @noble/ciphers on random lengths and AAD with
 * forgeries. @noble/ciphers' AES (the fallback without WebAssembly) runs the
 * same vectors.
 */
import { createCipheriv } from 'node:crypto';
import { gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { SBOX_CIRCUIT, subWord } from '../../src/crypto/aes-sbox-circuit.ts';
import { expandKey } from '../../src/crypto/aes-key-schedule.ts';
import { AesCtrWasm } from '../../src/crypto/aes-ctr-wasm.ts';
import { AesGcmWasm } from '../../src/crypto/aes-gcm-wasm.ts';
import { CHUNK, DATA_AT, KEYS_AT, TABLE_AT, TABLE_BYTES, aesEngine, aesWasmAvailable } from '../../src/crypto/aes-wasm.ts';
import { nobleProvider } from '../../src/crypto/providers/noble.ts';
import { NobleAesCtr, NobleAesGcm } from '../../src/crypto/providers/noble-aes.ts';
import type { AesCtrStream, AesGcmKey } from '../../src/crypto/providers/primitives.ts';
import { hex, rng, unhex } from './cipher-helpers.ts';

const engine = () => aesEngine()!;

/** The S-box from its definition (FIPS 197 §5.1.1): inverse in GF(2^8), then the affine map. */
function sboxByDefinition(x: number): number {
  const mul = (a: number, b: number): number => {
    let p = 0;
    for (let i = 0; i < 8; i++) {
      if (b & (1 << i)) p ^= a;
      a = ((a << 1) ^ (a & 0x80 ? 0x11b : 0)) & 0xff;
    }
    return p;
  };
  let inv = 0;
  for (let y = 1; y < 256 && x !== 0; y++) if (mul(x, y) === 1) inv = y;
  const rot = (b: number, n: number) => ((b << n) | (b >> (8 - n))) & 0xff;
  return inv ^ rot(inv, 1) ^ rot(inv, 2) ^ rot(inv, 3) ^ rot(inv, 4) ^ 0x63;
}

describe('AES building blocks', () => {
  it('WebAssembly SIMD is available under Node, and the portable provider uses it', () => {
    expect(aesWasmAvailable()).toBe(true);
    expect(nobleProvider.aesGcm!(new Uint8Array(16))).toBeInstanceOf(AesGcmWasm);
    expect(nobleProvider.aesCtr!(new Uint8Array(16), new Uint8Array(16))).toBeInstanceOf(AesCtrWasm);
  });

  it('the Boyar–Peralta circuit is the S-box for all 256 inputs (113 gates, 32 AND)', () => {
    expect(SBOX_CIRCUIT.gates).toHaveLength(113);
    expect(SBOX_CIRCUIT.gates.filter((g) => g.op === 'and')).toHaveLength(32);
    for (let x = 0; x < 256; x++) {
      const w = subWord(x | ((x ^ 0xff) << 8) | (((x * 7) & 0xff) << 16) | (((x + 91) & 0xff) << 24));
      expect([w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24], `x = ${x}`).toEqual(
        [x, x ^ 0xff, (x * 7) & 0xff, (x + 91) & 0xff].map(sboxByDefinition),
      );
    }
  });

  // FIPS 197 Appendix A.1–A.3: the words right after the key, and the last round key.
  it.each([
    ['2b7e151628aed2a6abf7158809cf4f3c', 'a0fafe17', 'd014f9a8c9ee2589e13f0cc8b6630ca6'],
    ['8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b', 'fe0c91f7', 'e98ba06f448c773c8ecc720401002202'],
    ['603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', '9ba35411', 'fe4890d1e6188d0b046df344706c631e'],
  ])('key expansion of %s (FIPS 197 A)', (key, next, last) => {
    const rk = expandKey(unhex(key));
    expect(rk.length).toBe(16 * (key.length / 8 + 7));
    expect(hex(rk.subarray(key.length / 2, key.length / 2 + 4))).toBe(next);
    expect(hex(rk.subarray(rk.length - 16))).toBe(last);
  });

  it('refuses a key of another length', () => {
    expect(() => new AesGcmWasm(new Uint8Array(20))).toThrow(RangeError);
    expect(() => new AesCtrWasm(new Uint8Array(15), new Uint8Array(16))).toThrow(RangeError);
  });
});

type CtrMaker = (key: Uint8Array, iv: Uint8Array) => AesCtrStream;
type GcmMaker = (key: Uint8Array) => AesGcmKey;
const IMPLEMENTATIONS: [string, CtrMaker, GcmMaker][] = [
  ['WebAssembly', (k, iv) => new AesCtrWasm(k, iv), (k) => new AesGcmWasm(k)],
  ['@noble/ciphers', (k, iv) => new NobleAesCtr(k, iv), (k) => new NobleAesGcm(k)],
];

// NIST SP 800-38A Appendix F.5.1, F.5.3, F.5.5.
const CTR_IV = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff';
const CTR_PT =
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const CTR_VECTORS: [string, string][] = [
  ['2b7e151628aed2a6abf7158809cf4f3c',
    '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee'],
  ['8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
    '1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050'],
  ['603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6'],
];

// The GCM specification's test cases with 96-bit IVs: 1–4 (AES-128), 7–10 (AES-192), 13–16 (AES-256).
const K1 = 'feffe9928665731c6d6a8f9467308308';
const P64 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const P60 = P64.slice(0, 120);
const A20 = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const IV1 = 'cafebabefacedbaddecaf888';
const Z12 = '000000000000000000000000';
const GCM_VECTORS: { tc: number; key: string; iv: string; aad: string; pt: string; ct: string; tag: string }[] = [
  { tc: 1, key: '0'.repeat(32), iv: Z12, aad: '', pt: '', ct: '', tag: '58e2fccefa7e3061367f1d57a4e7455a' },
  { tc: 2, key: '0'.repeat(32), iv: Z12, aad: '', pt: '0'.repeat(32), ct: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { tc: 3, key: K1, iv: IV1, aad: '', pt: P64,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
    tag: '4d5c2af327cd64a62cf35abd2ba6fab4' },
  { tc: 4, key: K1, iv: IV1, aad: A20, pt: P60,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  { tc: 7, key: '0'.repeat(48), iv: Z12, aad: '', pt: '', ct: '', tag: 'cd33b28ac773f74ba00ed1f312572435' },
  { tc: 8, key: '0'.repeat(48), iv: Z12, aad: '', pt: '0'.repeat(32), ct: '98e7247c07f0fe411c267e4384b0f600', tag: '2ff58d80033927ab8ef4d4587514f0fb' },
  { tc: 9, key: K1 + K1.slice(0, 16), iv: IV1, aad: '', pt: P64,
    ct: '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256',
    tag: '9924a7c8587336bfb118024db8674a14' },
  { tc: 10, key: K1 + K1.slice(0, 16), iv: IV1, aad: A20, pt: P60,
    ct: '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710',
    tag: '2519498e80f1478f37ba55bd6d27618c' },
  { tc: 13, key: '0'.repeat(64), iv: Z12, aad: '', pt: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { tc: 14, key: '0'.repeat(64), iv: Z12, aad: '', pt: '0'.repeat(32), ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { tc: 15, key: K1 + K1, iv: IV1, aad: '', pt: P64,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  { tc: 16, key: K1 + K1, iv: IV1, aad: A20, pt: P60,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

for (const [impl, makeCtr, makeGcm] of IMPLEMENTATIONS) {
  describe(`AES-CTR on ${impl} (SP 800-38A F.5)`, () => {
    for (const [key, ct] of CTR_VECTORS) {
      it(`AES-${key.length * 4}: block by block, and in one call at an unaligned offset`, () => {
        const s = makeCtr(unhex(key), unhex(CTR_IV));
        const buf = unhex(CTR_PT);
        for (let i = 0; i < 64; i += 16) s.update(buf, i, 16);
        expect(hex(buf)).toBe(ct);
        const t = makeCtr(unhex(key), unhex(CTR_IV));
        const b = new Uint8Array(71);
        b.set(unhex(ct), 5);
        t.update(b, 5, 64);
        expect(hex(b.subarray(5, 69))).toBe(CTR_PT);
        expect([b[4], b[69]]).toEqual([0, 0]);
      });
    }
  });

  describe(`AES-GCM on ${impl} (GCM specification test cases)`, () => {
    for (const v of GCM_VECTORS) {
      it(`test case ${v.tc} (AES-${v.key.length * 4}${v.aad ? ', AAD' : ''}${v.pt ? '' : ', empty plaintext'}): seal, open, refuse forgeries`, () => {
        const g = makeGcm(unhex(v.key));
        const aad = unhex(v.aad), pt = unhex(v.pt);
        const off = 3;
        const buf = new Uint8Array(off + aad.length + pt.length + 16 + 2);
        buf.set(aad, off);
        buf.set(pt, off + aad.length);
        g.seal(unhex(v.iv), buf, off, aad.length, pt.length);
        expect(hex(buf.subarray(off, off + aad.length + pt.length + 16))).toBe(v.aad + v.ct + v.tag);
        const sealed = buf.slice();
        expect(g.open(unhex(v.iv), buf, off, aad.length, pt.length)).toBe(true);
        expect(hex(buf.subarray(off + aad.length, off + aad.length + pt.length))).toBe(v.pt);
        const flips = [off + aad.length + pt.length + 15]; // the tag's last byte
        if (aad.length > 0) flips.push(off);
        if (pt.length > 0) flips.push(off + aad.length, off + aad.length + pt.length - 1);
        for (const at of flips) {
          const forged = sealed.slice();
          forged[at]! ^= 0x01;
          const before = forged.slice();
          expect(g.open(unhex(v.iv), forged, off, aad.length, pt.length), `byte ${at - off} flipped`).toBe(false);
          expect(hex(forged)).toBe(hex(before));
        }
        g.dispose();
      });
    }
  });
}

describe('AES-GCM on WebAssembly opened in pieces (GCM specification test cases)', () => {
  for (const v of GCM_VECTORS) {
    it(`test case ${v.tc}: every cut in two, and byte by byte; a wrong tag or byte is refused`, () => {
      const g = new AesGcmWasm(unhex(v.key));
      const aad = unhex(v.aad), ct = unhex(v.ct), tag = unhex(v.tag);
      const open = (c: Uint8Array, t: Uint8Array, cuts: number[]) => {
        const out = new Uint8Array(c.length + 2).fill(0xee);
        g.beginOpen(unhex(v.iv), aad, 0, aad.length);
        let at = 0;
        for (const end of [...cuts, c.length]) {
          g.openPiece(c, at, end - at, out, 1 + at);
          at = end;
        }
        return { ok: g.endOpen(t, 0), out: hex(out.subarray(1, 1 + c.length)), edges: [out[0], out[c.length + 1]] };
      };
      for (let cut = 0; cut <= ct.length; cut++) expect(open(ct, tag, [cut]), `cut at ${cut}`).toEqual({ ok: true, out: v.pt, edges: [0xee, 0xee] });
      expect(open(ct, tag, Array.from({ length: ct.length }, (_, i) => i)).out).toBe(v.pt);
      const badTag = tag.slice();
      badTag[0]! ^= 0x80;
      expect(open(ct, badTag, []).ok).toBe(false);
      if (ct.length > 0) {
        const badCt = ct.slice();
        badCt[ct.length - 1]! ^= 1;
        expect(open(badCt, tag, [ct.length >> 1]).ok).toBe(false);
      }
    });
  }
});

describe('WebAssembly AES against node:crypto', () => {
  const bytes = rng(0x5eed);
  const below = (n: number) => new DataView(bytes(4).buffer).getUint32(0) % n;
  // Around blocks, the eight-block groups GCM hashes and encrypts in one pass, CTR's sixteen-block steps, and chunks.
  const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 112, 127, 128, 129, 143, 144, 255, 256, 257, 271, 272, 399, 1023, 4096, 32768 + 5, CHUNK - 1, CHUNK, CHUNK + 1, 70001];

  it('AES-GCM seal/open (and open in random pieces) for every key size, lengths 0..70001, unaligned offsets', () => {
    for (const [i, len] of lengths.entries()) {
      const keyLen = [16, 24, 32][i % 3]!;
      const key = bytes(keyLen), iv = bytes(12), aad = bytes(below(40)), pt = bytes(len);
      const c = createCipheriv(`aes-${keyLen * 8}-gcm` as 'aes-128-gcm', key, iv);
      c.setAAD(aad);
      const want = Buffer.concat([aad, c.update(pt), c.final(), c.getAuthTag()]);
      const g = new AesGcmWasm(key);
      const off = below(9);
      const buf = new Uint8Array(off + want.length);
      buf.set(aad, off);
      buf.set(pt, off + aad.length);
      g.seal(iv, buf, off, aad.length, len);
      expect(Buffer.from(buf.subarray(off)).equals(want), `seal: ${keyLen}-byte key, ${len} bytes`).toBe(true);
      expect(g.open(iv, buf, off, aad.length, len)).toBe(true);
      expect(Buffer.from(buf.subarray(off + aad.length, off + aad.length + len)).equals(pt), `open: ${len} bytes`).toBe(true);
      const out = new Uint8Array(len + 3);
      g.beginOpen(iv, want, 0, aad.length);
      for (let at = 0; at < len; ) {
        const n = Math.min(len - at, below(3) === 0 ? below(17) : below(40000));
        g.openPiece(want, aad.length + at, n, out, 3 + at);
        at += n;
      }
      expect(g.endOpen(want, aad.length + len)).toBe(true);
      expect(Buffer.from(out.subarray(3)).equals(pt), `pieces: ${len} bytes`).toBe(true);
    }
  });

  it('AES-CTR in pieces of any length, for every key size, counters that carry past 2^64 and wrap at 2^128', () => {
    const ivs = ['fffffffffffffffffffffffffffffff0', '0123456789abcdefffffffffffffff00', 'ffffffffffffffff0000000000000000'];
    for (const [i, len] of lengths.entries()) {
      const keyLen = [16, 24, 32][i % 3]!;
      const key = bytes(keyLen);
      const iv = i % 2 === 0 ? unhex(ivs[i % 3]!) : bytes(16);
      const pt = bytes(len);
      const want = createCipheriv(`aes-${keyLen * 8}-ctr`, key, iv).update(pt);
      const s = new AesCtrWasm(key, iv);
      const out = new Uint8Array(len + 1);
      for (let at = 0; at < len; ) {
        const n = Math.min(len - at, below(2) === 0 ? below(20) : below(70000));
        s.xorTo(pt, at, n, out, 1 + at);
        at += n;
      }
      expect(Buffer.from(out.subarray(1)).equals(want), `${keyLen}-byte key, iv ${hex(iv)}, ${len} bytes`).toBe(true);
    }
  });

  it('AES-GCM against @noble/ciphers on random lengths and AAD: seal, open, open in random pieces; any flipped bit refused, buffer untouched', () => {
    for (let i = 0; i < 60; i++) {
      const keyLen = [16, 24, 32][i % 3]!;
      const key = bytes(keyLen), iv = bytes(12), aad = bytes(below(48)), pt = bytes(below(3000));
      const want = nobleGcm(key, iv, aad).encrypt(pt);
      const g = new AesGcmWasm(key);
      const buf = new Uint8Array(aad.length + want.length);
      buf.set(aad);
      buf.set(pt, aad.length);
      g.seal(iv, buf, 0, aad.length, pt.length);
      expect(hex(buf.subarray(aad.length)), `seal ${pt.length} bytes, ${aad.length} of AAD`).toBe(hex(want));
      const sealed = buf.slice();
      expect(g.open(iv, buf, 0, aad.length, pt.length)).toBe(true);
      expect(hex(buf.subarray(aad.length, aad.length + pt.length))).toBe(hex(pt));
      const out = new Uint8Array(pt.length);
      g.beginOpen(iv, aad, 0, aad.length);
      for (let at = 0; at < pt.length; ) {
        const n = Math.min(pt.length - at, 1 + below(below(2) === 0 ? 20 : 700));
        g.openPiece(want, at, n, out, at);
        at += n;
      }
      expect(g.endOpen(want, pt.length)).toBe(true);
      expect(hex(out)).toBe(hex(pt));
      const bit = below(8 * sealed.length);
      const forged = sealed.slice();
      forged[bit >> 3]! ^= 1 << (bit & 7);
      const before = forged.slice();
      expect(g.open(iv, forged, 0, aad.length, pt.length), `bit ${bit} of ${sealed.length} bytes flipped`).toBe(false);
      expect(hex(forged)).toBe(hex(before));
      g.beginOpen(iv, forged, 0, aad.length);
      g.openPiece(forged, aad.length, pt.length, new Uint8Array(pt.length), 0);
      expect(g.endOpen(forged, aad.length + pt.length), `pieces: bit ${bit} flipped`).toBe(false);
      g.dispose();
    }
  });

  it('two keys used in turn share the engine: a GCM open in pieces survives another key sealing between pieces', () => {
    const a = new AesGcmWasm(bytes(16)), b = new AesGcmWasm(bytes(32));
    const ivA = bytes(12), ivB = bytes(12);
    const pt = bytes(5000);
    const sealed = new Uint8Array(pt.length + 16);
    sealed.set(pt);
    a.seal(ivA, sealed, 0, 0, pt.length);
    const out = new Uint8Array(pt.length);
    a.beginOpen(ivA, sealed, 0, 0);
    for (let at = 0; at < pt.length; at += 999) {
      const other = bytes(300);
      b.seal(ivB, other, 0, 4, 280);
      a.openPiece(sealed, at, Math.min(999, pt.length - at), out, at);
    }
    expect(a.endOpen(sealed, pt.length)).toBe(true);
    expect(hex(out)).toBe(hex(pt));
  });
});

describe('what the WebAssembly memory keeps', () => {
  it('no text, keystream or per-message state after an operation; no key after dispose', () => {
    const m8 = engine().m8;
    const g = new AesGcmWasm(unhex(K1));
    const buf = new Uint8Array(40000 + 20).fill(0x5a);
    g.seal(unhex(IV1), buf, 0, 4, 40000);
    g.open(unhex(IV1), buf, 0, 4, 40000);
    expect(m8.subarray(DATA_AT, DATA_AT + CHUNK).every((b) => b === 0)).toBe(true);
    expect(m8.subarray(KEYS_AT, KEYS_AT + 1408).some((b) => b !== 0)).toBe(true);
    expect(m8.subarray(KEYS_AT + 1920, TABLE_AT).every((b) => b === 0), 'counter, Y and the scratch of the one-pass loop').toBe(true);
    g.dispose();
    expect(m8.subarray(0, DATA_AT).every((b) => b === 0), 'nothing').toBe(true);
    expect(m8.subarray(TABLE_AT, TABLE_AT + TABLE_BYTES).every((b) => b === 0)).toBe(true);
  });
});

describe('bad calls', () => {
  it('spans outside the buffers are RangeErrors, not silently shortened', () => {
    const g = new AesGcmWasm(new Uint8Array(16));
    const s = new AesCtrWasm(new Uint8Array(16), new Uint8Array(16));
    const buf = new Uint8Array(64);
    expect(() => g.seal(new Uint8Array(12), buf, 0, 4, 48)).toThrow(RangeError); // tag would not fit
    expect(() => g.open(new Uint8Array(12), buf, 10, 4, 40)).toThrow(RangeError);
    expect(() => g.seal(new Uint8Array(8), buf, 0, 4, 16)).toThrow(RangeError); // short IV
    expect(() => s.xorTo(buf, 60, 8, buf, 0)).toThrow(RangeError);
    expect(() => s.xorTo(buf, 0, 8, buf, -1)).toThrow(RangeError);
    expect(() => s.update(buf, 0, 15)).toThrow(RangeError);
  });
});
