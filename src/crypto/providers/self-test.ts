/**
 * Known-answer self-tests run on a provider's primitive before it is ever used
 * (DESIGN.md, "Crypto providers"). Each exercises the primitive through the
 * same interface the sealers use, including split calls (stream continuity)
 * and unaligned offsets.
 */
import { fromHex, utf8 } from '../../wire/bytes.ts';
import { equalAt } from '../constant-time.ts';
import type { HmacHash, PrimitiveId, PrimitiveProvider } from './primitives.ts';

const same = (a: Uint8Array, aOff: number, b: Uint8Array): boolean =>
  aOff + b.length <= a.length && equalAt(a, aOff, b, 0, b.length);

// NIST SP 800-38A Appendix F.5.1/F.5.3/F.5.5: CTR-AES128/192/256.Encrypt.
const CTR_IV = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff';
const CTR_PT =
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51' +
  '30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const CTR: Record<'aes128-ctr' | 'aes192-ctr' | 'aes256-ctr', [key: string, ct: string]> = {
  'aes128-ctr': [
    '2b7e151628aed2a6abf7158809cf4f3c',
    '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff' +
      '5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee',
  ],
  'aes192-ctr': [
    '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
    '1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94' +
      '1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050',
  ],
  'aes256-ctr': [
    '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5' +
      '2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6',
  ],
};

// The GCM specification (McGrew & Viega), test cases 4 (AES-128) and 16 (AES-256).
const GCM_IV = 'cafebabefacedbaddecaf888';
const GCM_AAD = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const GCM_PT =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
const GCM: Record<'aes128-gcm' | 'aes256-gcm', [key: string, ct: string, tag: string]> = {
  'aes128-gcm': [
    'feffe9928665731c6d6a8f9467308308',
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
      '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    '5bc94fbc3221a5db94fae95ae7121a47',
  ],
  'aes256-gcm': [
    'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    '76fc6ece0f4e1768cddf8853bb2d551b',
  ],
};

// RFC 8439 §2.4.2: ChaCha20 encryption, counter 1.
const CHACHA_NONCE = '000000000000004a00000000';
const CHACHA_PT =
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
const CHACHA_CT =
  '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab' +
  '8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d';

// RFC 4231 §4.3 (SHA-256, SHA-512) and RFC 2202 §3 (SHA-1), test case 2.
const HMAC_KEY = 'Jefe';
const HMAC_DATA = 'what do ya want for nothing?';
const HMAC: Record<HmacHash, string> = {
  sha1: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  sha512:
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554' +
    '9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
};

function testCtr(p: PrimitiveProvider, id: keyof typeof CTR): boolean {
  const [k, c] = CTR[id];
  const key = fromHex(k);
  const iv = fromHex(CTR_IV);
  const pt = fromHex(CTR_PT);
  const ct = fromHex(c);
  // Encrypt in two calls: the counter must carry over.
  const enc = p.aesCtr!(key, iv);
  const buf = pt.slice();
  enc.update(buf, 0, 32);
  enc.update(buf, 32, 32);
  enc.dispose();
  if (!same(buf, 0, ct)) return false;
  // Decrypt at an unaligned offset.
  const dec = p.aesCtr!(key, iv);
  const odd = new Uint8Array(ct.length + 3);
  odd.set(ct, 3);
  dec.update(odd, 3, ct.length);
  dec.dispose();
  return same(odd, 3, pt);
}

function testGcm(p: PrimitiveProvider, id: keyof typeof GCM): boolean {
  const [k, c, t] = GCM[id];
  const g = p.aesGcm!(fromHex(k));
  const iv = fromHex(GCM_IV);
  const aad = fromHex(GCM_AAD);
  const pt = fromHex(GCM_PT);
  for (const off of [0, 1]) {
    const buf = new Uint8Array(off + aad.length + pt.length + 16);
    buf.set(aad, off);
    buf.set(pt, off + aad.length);
    g.seal(iv, buf, off, aad.length, pt.length);
    if (!same(buf, off + aad.length, fromHex(c)) || !same(buf, off + aad.length + pt.length, fromHex(t))) return false;
    const sealed = buf.slice();
    if (!g.open(iv, buf, off, aad.length, pt.length) || !same(buf, off + aad.length, pt)) return false;
    // A forged tag must be refused and leave the ciphertext untouched.
    sealed[sealed.length - 1]! ^= 1;
    const forged = sealed.slice();
    if (g.open(iv, forged, off, aad.length, pt.length) || !same(forged, 0, sealed)) return false;
  }
  g.dispose();
  return true;
}

function testChaCha20(p: PrimitiveProvider): boolean {
  const key = new Uint8Array(32).map((_, i) => i);
  const s = p.chacha20!(key);
  const buf = utf8(CHACHA_PT);
  s.reset(fromHex(CHACHA_NONCE), 1);
  s.update(buf, 0, 64);
  s.update(buf, 64, buf.length - 64);
  s.dispose();
  return same(buf, 0, fromHex(CHACHA_CT));
}

function testHmac(p: PrimitiveProvider, hash: HmacHash): boolean {
  const h = p.hmac!(hash, utf8(HMAC_KEY));
  const data = utf8(HMAC_DATA);
  const expected = fromHex(HMAC[hash]);
  if (h.length !== expected.length) return false;
  const out = new Uint8Array(expected.length + 1);
  // Twice: the keyed state must be reusable. Split updates, unaligned output.
  for (let round = 0; round < 2; round++) {
    h.begin();
    h.update(data, 0, 4);
    h.update(data, 4, data.length - 4);
    h.finish(out, 1);
    if (!same(out, 1, expected)) return false;
  }
  h.dispose();
  return true;
}

/** Runs the known-answer test of `id` on provider `p`. False when it fails, throws, or the primitive is missing. */
export function selfTest(p: PrimitiveProvider, id: PrimitiveId): boolean {
  try {
    switch (id) {
      case 'aes128-ctr':
      case 'aes192-ctr':
      case 'aes256-ctr':
        return p.aesCtr !== undefined && testCtr(p, id);
      case 'aes128-gcm':
      case 'aes256-gcm':
        return p.aesGcm !== undefined && testGcm(p, id);
      case 'chacha20':
        return p.chacha20 !== undefined && testChaCha20(p);
      case 'hmac-sha1':
        return p.hmac !== undefined && testHmac(p, 'sha1');
      case 'hmac-sha256':
        return p.hmac !== undefined && testHmac(p, 'sha256');
      case 'hmac-sha512':
        return p.hmac !== undefined && testHmac(p, 'sha512');
    }
  } catch {
    return false;
  }
}
