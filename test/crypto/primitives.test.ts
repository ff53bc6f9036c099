/**
 * Published known-answer vectors for each primitive, run on every provider
 * that is available, through the in-place interfaces the sealers use.
 */
import { describe, expect, it } from 'vitest';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { nobleProvider } from '../../src/crypto/providers/noble.ts';
import { runtimeProvider, runtimeState } from '../../src/crypto/providers/runtime.ts';
import { selfTest } from '../../src/crypto/providers/self-test.ts';
import type { HmacHash, PrimitiveId, PrimitiveProvider } from '../../src/crypto/providers/primitives.ts';
import { hex, isRealNode, unhex } from './cipher-helpers.ts';

const PROVIDERS: PrimitiveProvider[] = [nobleProvider, ...(runtimeState() === 'loaded' ? [runtimeProvider] : [])];
const IDS: PrimitiveId[] = [
  'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm', 'aes256-gcm', 'chacha20', 'hmac-sha1', 'hmac-sha256', 'hmac-sha512',
];
/** Providers whose `id` passes the self-test: the ones the sealers may use. */
const usable = (id: PrimitiveId) => PROVIDERS.filter((p) => selfTest(p, id));

describe('provider availability', () => {
  it.runIf(isRealNode)('under Node, node:crypto is loaded and passes every self-test', () => {
    expect(runtimeState()).toBe('loaded');
    for (const id of IDS) expect(selfTest(runtimeProvider, id), id).toBe(true);
  });
  it('noble passes every self-test', () => {
    for (const id of IDS) expect(selfTest(nobleProvider, id), id).toBe(true);
  });
  it('a provider giving a wrong answer fails the self-test', () => {
    const broken: PrimitiveProvider = {
      name: 'runtime',
      aesGcm: (key) => {
        const g = nobleProvider.aesGcm!(key);
        return {
          seal: (iv, buf, off, aadLen, len) => {
            g.seal(iv, buf, off, aadLen, len);
            buf[off + aadLen]! ^= 1;
          },
          open: (...a) => g.open(...a),
          dispose: () => g.dispose(),
        };
      },
      chacha20: () => {
        throw new Error('unsupported cipher');
      },
    };
    expect(selfTest(broken, 'aes128-gcm')).toBe(false);
    expect(selfTest(broken, 'chacha20')).toBe(false); // throws -> fails
    expect(selfTest(broken, 'aes128-ctr')).toBe(false); // missing -> fails
  });
});

// NIST SP 800-38A Appendix F.5.1, F.5.3, F.5.5.
const CTR_IV = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff';
const CTR_PT =
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const CTR_VECTORS: [PrimitiveId, string, string][] = [
  ['aes128-ctr', '2b7e151628aed2a6abf7158809cf4f3c',
    '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee'],
  ['aes192-ctr', '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
    '1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050'],
  ['aes256-ctr', '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6'],
];

describe('AES-CTR (SP 800-38A F.5)', () => {
  for (const [id, key, ct] of CTR_VECTORS) {
    for (const p of usable(id)) {
      it(`${id} on ${p.name}: block by block, counter carried across calls`, () => {
        const s = p.aesCtr!(unhex(key), unhex(CTR_IV));
        const buf = unhex(CTR_PT);
        for (let i = 0; i < 64; i += 16) s.update(buf, i, 16);
        expect(hex(buf)).toBe(ct);
      });
      it(`${id} on ${p.name}: one call at an unaligned offset`, () => {
        const s = p.aesCtr!(unhex(key), unhex(CTR_IV));
        const buf = new Uint8Array(64 + 7);
        buf.set(unhex(ct), 5);
        s.update(buf, 5, 64);
        expect(hex(buf.subarray(5, 69))).toBe(CTR_PT);
        expect(buf[4]).toBe(0);
        expect(buf[69]).toBe(0);
      });
      // @noble/ciphers' AES-CTR (the portable provider's fallback without WebAssembly) works on whole blocks only (no xorTo).
      if (p.aesCtr!(unhex(key), unhex(CTR_IV)).xorTo) it(`${id} on ${p.name}: xorTo in pieces of any length, into another buffer`, () => {
        for (const sizes of [[1, 15, 16, 32], [7, 9, 13, 35], [63, 1], [64]]) {
          const s = p.aesCtr!(unhex(key), unhex(CTR_IV));
          const src = unhex(CTR_PT);
          const dst = new Uint8Array(66).fill(0xee);
          let at = 0;
          for (const n of sizes) {
            s.xorTo!(src, at, n, dst, 1 + at);
            at += n;
          }
          expect(hex(dst.subarray(1, 65)), sizes.join('+')).toBe(ct);
          expect(hex(src)).toBe(CTR_PT);
          expect([dst[0], dst[65]]).toEqual([0xee, 0xee]);
        }
      });
      it(`${id} on ${p.name}: 128-bit counter carries past 2^64 and wraps at 2^128`, () => {
        // Compare with the block-at-a-time definition: E_K(ctr), E_K(ctr+1), ...
        const iv = unhex('00000000fffffffffffffffffffffffe');
        const many = p.aesCtr!(unhex(key), iv);
        const buf = new Uint8Array(48);
        many.update(buf, 0, 48);
        const counters = ['00000000fffffffffffffffffffffffe', '00000000ffffffffffffffffffffffff', '00000001000000000000000000000000'];
        counters.forEach((c, i) => {
          const one = p.aesCtr!(unhex(key), unhex(c));
          const b = new Uint8Array(16);
          one.update(b, 0, 16);
          expect(hex(buf.subarray(16 * i, 16 * i + 16))).toBe(hex(b));
        });
        const wrap = p.aesCtr!(unhex(key), unhex('ffffffffffffffffffffffffffffffff'));
        const w = new Uint8Array(32);
        wrap.update(w, 0, 32);
        const zero = p.aesCtr!(unhex(key), new Uint8Array(16));
        const z = new Uint8Array(16);
        zero.update(z, 0, 16);
        expect(hex(w.subarray(16))).toBe(hex(z));
      });
    }
  }
});

// The GCM specification (McGrew & Viega, 2005), test cases 1, 2, 4 and 16.
const GCM_VECTORS: { id: PrimitiveId; name: string; key: string; iv: string; aad: string; pt: string; ct: string; tag: string }[] = [
  { id: 'aes128-gcm', name: 'TC1', key: '00000000000000000000000000000000', iv: '000000000000000000000000', aad: '', pt: '', ct: '',
    tag: '58e2fccefa7e3061367f1d57a4e7455a' },
  { id: 'aes128-gcm', name: 'TC2', key: '00000000000000000000000000000000', iv: '000000000000000000000000', aad: '',
    pt: '00000000000000000000000000000000', ct: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { id: 'aes128-gcm', name: 'TC4', key: 'feffe9928665731c6d6a8f9467308308', iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  { id: 'aes256-gcm', name: 'TC16', key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

describe('AES-GCM (GCM spec test cases)', () => {
  for (const v of GCM_VECTORS) {
    for (const p of usable(v.id)) {
      for (const off of [0, 3]) {
        it(`${v.id} ${v.name} on ${p.name} at offset ${off}: seal, open, refuse a forgery`, () => {
          const aad = unhex(v.aad);
          const pt = unhex(v.pt);
          const g = p.aesGcm!(unhex(v.key));
          const buf = new Uint8Array(off + aad.length + pt.length + 16);
          buf.set(aad, off);
          buf.set(pt, off + aad.length);
          g.seal(unhex(v.iv), buf, off, aad.length, pt.length);
          expect(hex(buf.subarray(off))).toBe(v.aad + v.ct + v.tag);
          const sealed = buf.slice();
          expect(g.open(unhex(v.iv), buf, off, aad.length, pt.length)).toBe(true);
          expect(hex(buf.subarray(off + aad.length, off + aad.length + pt.length))).toBe(v.pt);
          for (const at of [off, off + aad.length, buf.length - 1]) {
            if (at >= buf.length || (at === off && aad.length === 0)) continue;
            const forged = sealed.slice();
            forged[at]! ^= 0x80;
            const before = forged.slice();
            expect(g.open(unhex(v.iv), forged, off, aad.length, pt.length)).toBe(false);
            expect(hex(forged)).toBe(hex(before)); // nothing decrypted on failure
            if (g.openDetached) expect(g.openDetached(unhex(v.iv), forged, off, aad.length, pt.length)).toBeUndefined();
          }
          if (g.openDetached) {
            const again = sealed.slice();
            const plain = g.openDetached(unhex(v.iv), again, off, aad.length, pt.length);
            expect(hex(plain!)).toBe(v.pt);
            expect(Object.getPrototypeOf(plain)).toBe(Uint8Array.prototype);
            expect(hex(again), 'openDetached only reads the packet').toBe(hex(sealed));
          }
        });
      }
    }
  }
});

describe('AES-GCM opened in pieces (GCM spec test cases)', () => {
  for (const v of GCM_VECTORS.filter((x) => x.pt.length > 0)) {
    for (const p of usable(v.id).filter((q) => q.aesGcm!(new Uint8Array(16)).beginOpen !== undefined)) {
      it(`${v.id} ${v.name} on ${p.name}: any cut gives the plaintext; a wrong tag or byte is refused`, () => {
        const g = p.aesGcm!(unhex(v.key));
        const aad = unhex(v.aad);
        const ct = unhex(v.ct);
        const open = (cipher: Uint8Array, tag: Uint8Array, cuts: number[]): { ok: boolean; out: Uint8Array } => {
          const out = new Uint8Array(cipher.length + 2).fill(0xee);
          g.beginOpen!(unhex(v.iv), aad, 0, aad.length);
          let at = 0;
          for (const end of [...cuts, cipher.length]) {
            g.openPiece!(cipher, at, end - at, out, 1 + at);
            at = end;
          }
          return { ok: g.endOpen!(tag, 0), out };
        };
        for (let cut = 0; cut <= ct.length; cut++) {
          const { ok, out } = open(ct, unhex(v.tag), [cut]);
          expect(ok).toBe(true);
          expect(hex(out.subarray(1, 1 + ct.length)), `cut at ${cut}`).toBe(v.pt);
        }
        const badTag = unhex(v.tag);
        badTag[15]! ^= 1;
        expect(open(ct, badTag, [5]).ok).toBe(false);
        const badCt = ct.slice();
        badCt[ct.length - 1]! ^= 0x80;
        expect(open(badCt, unhex(v.tag), [ct.length >> 1]).ok).toBe(false);
      });
    }
  }
});

// RFC 8439 §2.4.2.
describe('ChaCha20 (RFC 8439 §2.4.2)', () => {
  const key = new Uint8Array(32).map((_, i) => i);
  const nonce = unhex('000000000000004a00000000');
  const pt = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const ct =
    '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d';
  for (const p of usable('chacha20')) {
    it(`on ${p.name}: one call, and split at a block boundary at an unaligned offset`, () => {
      const s = p.chacha20!(key);
      const a = pt.slice();
      s.reset(nonce, 1);
      s.update(a, 0, a.length);
      expect(hex(a)).toBe(ct);
      const b = new Uint8Array(pt.length + 1);
      b.set(pt, 1);
      s.reset(nonce, 1);
      s.update(b, 1, 64);
      s.update(b, 65, pt.length - 64);
      expect(hex(b.subarray(1))).toBe(ct);
    });
    it(`on ${p.name}: xorDetached in pieces of any length, each its own plain Uint8Array, continuing mid-block`, () => {
      const s = p.chacha20!(key);
      if (!s.xorDetached) return expect(p.name).not.toBe('runtime'); // node:crypto's output is fresh: the runtime hands it over
      for (const sizes of [[1, 2, 61, 1, 49], [63, 1, 49, 1], [5, 100, 9], [114]]) {
        s.reset(nonce, 1);
        const src = pt.slice();
        let at = 0;
        let out = '';
        for (const n of sizes) {
          const piece = s.xorDetached(src, at, n);
          expect(Object.getPrototypeOf(piece)).toBe(Uint8Array.prototype);
          out += hex(piece);
          at += n;
        }
        expect(out, sizes.join('+')).toBe(ct);
        expect(hex(src)).toBe(hex(pt));
      }
    });
    it(`on ${p.name}: xorTo in pieces of any length, into another buffer, continuing mid-block`, () => {
      const s = p.chacha20!(key);
      if (!s.xorTo) return expect(s.xorDetached, 'a stream without xorTo hands its output over').toBeDefined();
      for (const sizes of [[1, 2, 61, 1, 49], [63, 1, 49, 1], [5, 100, 9], [114]]) {
        const dst = new Uint8Array(pt.length + 2).fill(0xee);
        s.reset(nonce, 1);
        let at = 0;
        for (const n of sizes) {
          s.xorTo!(pt, at, n, dst, 1 + at);
          at += n;
        }
        expect(at).toBe(pt.length);
        expect(hex(dst.subarray(1, 1 + pt.length)), sizes.join('+')).toBe(ct);
        expect([dst[0], dst[pt.length + 1]]).toEqual([0xee, 0xee]);
      }
    });
    it(`on ${p.name}: block 0 then block 1 equals starting at block 1`, () => {
      const s = p.chacha20!(key);
      const two = new Uint8Array(128);
      s.reset(nonce, 0);
      s.update(two, 0, 128);
      const one = new Uint8Array(64);
      s.reset(nonce, 1);
      s.update(one, 0, 64);
      expect(hex(two.subarray(64))).toBe(hex(one));
    });
  }
});

// RFC 8439 §2.5.2 (Poly1305 always runs on noble).
describe('Poly1305 (RFC 8439 §2.5.2)', () => {
  it('matches the RFC tag', () => {
    const key = unhex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const tag = poly1305(new TextEncoder().encode('Cryptographic Forum Research Group'), key);
    expect(hex(tag)).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });
});

// RFC 4231 §4.2, §4.3, §4.7 (SHA-256/512) and RFC 2202 §3 (SHA-1), test cases 1, 2 and 6/7.
const enc = new TextEncoder();
const HMAC_CASES: { name: string; key: Uint8Array; data: Uint8Array; out: Partial<Record<HmacHash, string>> }[] = [
  { name: 'case 1', key: new Uint8Array(20).fill(0x0b), data: enc.encode('Hi There'), out: {
    sha1: 'b617318655057264e28bc0b6fb378c8ef146be00',
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha512: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854' } },
  { name: 'case 2', key: enc.encode('Jefe'), data: enc.encode('what do ya want for nothing?'), out: {
    sha1: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737' } },
  { name: 'key longer than the block', key: new Uint8Array(131).fill(0xaa), data: enc.encode('Test Using Larger Than Block-Size Key - Hash Key First'), out: {
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha512: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598' } },
];

describe('HMAC (RFC 4231, RFC 2202)', () => {
  for (const hash of ['sha1', 'sha256', 'sha512'] as HmacHash[]) {
    for (const p of usable(`hmac-${hash}` as PrimitiveId)) {
      it(`hmac-${hash} on ${p.name}`, () => {
        for (const c of HMAC_CASES) {
          const want = c.out[hash];
          if (!want) continue;
          const h = p.hmac!(hash, c.key);
          expect(h.length).toBe(want.length / 2);
          for (let round = 0; round < 2; round++) {
            const out = new Uint8Array(h.length + 2);
            h.begin();
            h.update(c.data, 0, 3);
            h.update(c.data, 3, c.data.length - 3);
            h.finish(out, 2);
            expect(hex(out.subarray(2)), c.name).toBe(want);
          }
        }
      });
    }
  }
});
