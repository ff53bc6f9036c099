import { describe, expect, it } from 'vitest';
import * as nodeCrypto from 'node:crypto';
import {
  emsaPkcs1v15Encode,
  generateRsaKey,
  rsaPrivateFromComponents,
  rsassaPkcs1v15Sign,
  rsassaPkcs1v15Verify,
  type RsaHash,
  type RsaPrivateComponents,
} from '../../src/crypto/rsa.ts';
import { isProbablePrime, millerRabinRounds, randomRsaPrime } from '../../src/crypto/prime.ts';
import { bitLength, gcd } from '../../src/crypto/modpow.ts';
import { RsaSigningKey, generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { verifySignature, parseSignatureBlob } from '../../src/crypto/signature.ts';
import { encodeRsaPublicKey } from '../../src/crypto/public-key.ts';
import { KeyFormatError } from '../../src/crypto/errors.ts';
import { bigintToBytes, bytesToBigint } from '../../src/wire/mpint.ts';
import { toHex, utf8 } from '../../src/wire/bytes.ts';

const b64uToBig = (s: string): bigint => bytesToBigint(new Uint8Array(Buffer.from(s, 'base64url')));
const bigToB64u = (v: bigint): string => Buffer.from(bigintToBytes(v, (bitLength(v) + 7) >> 3)).toString('base64url');

function nodeKey(bits: number): { components: RsaPrivateComponents; privateKey: nodeCrypto.KeyObject; publicKey: nodeCrypto.KeyObject } {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const j = privateKey.export({ format: 'jwk' });
  const components = {
    n: b64uToBig(j.n!),
    e: b64uToBig(j.e!),
    d: b64uToBig(j.d!),
    p: b64uToBig(j.p!),
    q: b64uToBig(j.q!),
    dp: b64uToBig(j.dp!),
    dq: b64uToBig(j.dq!),
    qInv: b64uToBig(j.qi!),
  };
  return { components, privateKey, publicKey };
}

function toNodePrivate(k: RsaPrivateComponents): nodeCrypto.KeyObject {
  return nodeCrypto.createPrivateKey({
    key: {
      kty: 'RSA',
      n: bigToB64u(k.n),
      e: bigToB64u(k.e),
      d: bigToB64u(k.d),
      p: bigToB64u(k.p),
      q: bigToB64u(k.q),
      dp: bigToB64u(k.dp),
      dq: bigToB64u(k.dq),
      qi: bigToB64u(k.qInv),
    },
    format: 'jwk',
  });
}

const NODE_HASH: Record<RsaHash, string> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };
const ALG: Record<RsaHash, string> = { sha1: 'ssh-rsa', sha256: 'rsa-sha2-256', sha512: 'rsa-sha2-512' };

describe('RSASSA-PKCS1-v1_5 against node:crypto', () => {
  for (const bits of [2048, 3072, 4096]) {
    it(`${bits}-bit key from node: identical signatures both ways for SHA-1/256/512`, () => {
      const { components, privateKey, publicKey } = nodeKey(bits);
      // Our CRT completion agrees with OpenSSL's.
      const ours = rsaPrivateFromComponents({ n: components.n, e: components.e, d: components.d, p: components.p, q: components.q });
      expect(ours.dp).toBe(components.dp);
      expect(ours.dq).toBe(components.dq);
      expect(ours.qInv).toBe(components.qInv);
      const key = RsaSigningKey.fromComponents(components);
      for (const hash of ['sha1', 'sha256', 'sha512'] as const) {
        const msg = nodeCrypto.randomBytes(100);
        const theirs = new Uint8Array(nodeCrypto.createSign(NODE_HASH[hash]).update(msg).sign(privateKey));
        // PKCS#1 v1.5 is deterministic: the bytes must match exactly.
        const mine = rsassaPkcs1v15Sign(components, hash, msg);
        expect(toHex(mine)).toBe(toHex(theirs));
        expect(rsassaPkcs1v15Verify(components, hash, msg, theirs)).toBe(true);
        expect(nodeCrypto.createVerify(NODE_HASH[hash]).update(msg).verify(publicKey, mine)).toBe(true);
        // Through the SSH blobs.
        const blob = key.sign(ALG[hash], msg);
        expect(parseSignatureBlob(blob)).toEqual({ algorithm: ALG[hash], signature: theirs });
        expect(verifySignature(ALG[hash], key.publicBlob, blob, msg)).toBe(true);
        // Another hash's signature does not verify.
        const other = hash === 'sha256' ? 'sha512' : 'sha256';
        expect(rsassaPkcs1v15Verify(components, other, msg, theirs)).toBe(false);
      }
    });
  }

  it('rejects tampered signatures and out-of-range values', () => {
    const { components, privateKey } = nodeKey(2048);
    const msg = utf8('exchange hash');
    const sig = new Uint8Array(nodeCrypto.createSign('sha256').update(msg).sign(privateKey));
    expect(rsassaPkcs1v15Verify(components, 'sha256', msg, sig)).toBe(true);
    for (const i of [0, 1, 100, 255]) {
      const t = sig.slice();
      t[i]! ^= 0x01;
      expect(rsassaPkcs1v15Verify(components, 'sha256', msg, t)).toBe(false);
    }
    expect(rsassaPkcs1v15Verify(components, 'sha256', utf8('exchange hasH'), sig)).toBe(false);
    expect(rsassaPkcs1v15Verify(components, 'sha256', msg, bigintToBytes(components.n, 256))).toBe(false); // s = n
    expect(rsassaPkcs1v15Verify(components, 'sha256', msg, new Uint8Array([0, ...sig]))).toBe(false); // longer than k
    expect(rsassaPkcs1v15Verify(components, 'sha256', msg, new Uint8Array(0))).toBe(false);
  });

  it('accepts a signature with its leading zero bytes stripped (as OpenSSH does)', () => {
    const { components, privateKey } = nodeKey(2048);
    let found = 0;
    for (let i = 0; i < 4000 && found < 2; i++) {
      const msg = utf8(`message ${i}`);
      const sig = new Uint8Array(nodeCrypto.createSign('sha512').update(msg).sign(privateKey));
      if (sig[0] !== 0) continue;
      found++;
      expect(rsassaPkcs1v15Verify(components, 'sha512', msg, sig.subarray(1))).toBe(true);
      expect(rsassaPkcs1v15Verify(components, 'sha512', msg, sig)).toBe(true);
    }
    expect(found).toBeGreaterThan(0);
  });

  it('encodes EMSA-PKCS1-v1_5 as RFC 8017 §9.2 lays out', () => {
    const em = emsaPkcs1v15Encode('sha256', utf8('abc'), 256);
    expect(em[0]).toBe(0);
    expect(em[1]).toBe(1);
    const tLen = 19 + 32;
    expect(em.subarray(2, 256 - tLen - 1).every((b) => b === 0xff)).toBe(true);
    expect(em[256 - tLen - 1]).toBe(0);
    expect(toHex(em.subarray(256 - tLen, 256 - 32))).toBe('3031300d060960864801650304020105000420');
    // SHA-256("abc") (FIPS 180-2 B.1)
    expect(toHex(em.subarray(256 - 32))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => emsaPkcs1v15Encode('sha512', utf8('abc'), 64 + 19 + 10)).toThrow(RangeError);
  });

  it('rejects inconsistent private components', () => {
    const { components } = nodeKey(2048);
    expect(() => rsaPrivateFromComponents({ ...components, n: components.n + 2n })).toThrow(RangeError);
    expect(() => rsaPrivateFromComponents({ ...components, d: components.d + 2n })).toThrow(RangeError);
    expect(() => rsaPrivateFromComponents({ ...components, qInv: components.qInv + 1n })).toThrow(RangeError);
    expect(() => rsaPrivateFromComponents({ ...components, q: components.p, p: components.p })).toThrow(RangeError);
  });
});

describe('RSA key generation', () => {
  it('generates a valid 2048-bit key that node:crypto accepts', () => {
    const t0 = performance.now();
    const k = generateRsaKey(2048);
    const ms = performance.now() - t0;
    console.log(`generateRsaKey(2048): ${ms.toFixed(0)} ms`);
    expect(bitLength(k.n)).toBe(2048);
    expect(k.e).toBe(65537n);
    expect(bitLength(k.p)).toBe(1024);
    expect(bitLength(k.q)).toBe(1024);
    expect(isProbablePrime(k.p)).toBe(true);
    expect(isProbablePrime(k.q)).toBe(true);
    const lambda = ((k.p - 1n) * (k.q - 1n)) / gcd(k.p - 1n, k.q - 1n);
    expect((k.e * k.d) % lambda).toBe(1n);
    const priv = toNodePrivate(k);
    const msg = utf8('generated');
    const theirs = new Uint8Array(nodeCrypto.createSign('sha512').update(msg).sign(priv));
    expect(toHex(rsassaPkcs1v15Sign(k, 'sha512', msg))).toBe(toHex(theirs));
    const pub = nodeCrypto.createPublicKey(priv);
    expect(nodeCrypto.createVerify('sha256').update(msg).verify(pub, rsassaPkcs1v15Sign(k, 'sha256', msg))).toBe(true);
  });

  it('generateSigningKey("ssh-rsa") honours bits and refuses sizes outside 2048..8192', () => {
    const k = generateSigningKey('ssh-rsa', { bits: 2056 });
    expect(k.bits).toBe(2056);
    expect(k.algorithms).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(() => generateSigningKey('ssh-rsa', { bits: 1024 })).toThrow(RangeError);
    expect(() => generateSigningKey('ssh-rsa', { bits: 8200 })).toThrow(RangeError);
  });

  it('finds primes with the top two bits set and p mod e ≠ 1', () => {
    for (let i = 0; i < 3; i++) {
      const p = randomRsaPrime(256, 65537n);
      expect(bitLength(p)).toBe(256);
      expect(p >> 254n).toBe(3n);
      expect(p % 65537n).not.toBe(1n);
      expect(isProbablePrime(p, 20)).toBe(true);
    }
  });
});

describe('Miller–Rabin', () => {
  it('separates primes from composites, including Carmichael numbers and base-2 pseudoprimes', () => {
    const primes = [2n, 3n, 5n, 65537n, (1n << 61n) - 1n, (1n << 127n) - 1n, (1n << 521n) - 1n, 170141183460469231731687303715884105757n];
    const composites = [
      0n, 1n, 4n, 561n, 1105n, 41041n, 825265n, 321197185n, 2047n, 3277n, 4033n, 4681n, 8321n,
      3215031751n, // strong pseudoprime to bases 2, 3, 5, 7
      (1n << 128n) + 1n,
      ((1n << 127n) - 1n) * ((1n << 61n) - 1n),
      // 3825123056546413051: strong pseudoprime to bases 2..23
      3825123056546413051n,
    ];
    for (const p of primes) expect(isProbablePrime(p), String(p)).toBe(true);
    for (const c of composites) expect(isProbablePrime(c), String(c)).toBe(false);
  });

  it('uses fewer rounds for larger candidates', () => {
    expect(millerRabinRounds(1024)).toBeGreaterThanOrEqual(6);
    expect(millerRabinRounds(2048)).toBeGreaterThanOrEqual(3);
    expect(millerRabinRounds(100)).toBeGreaterThanOrEqual(40);
  });
});

describe('RSA verification policy', () => {
  it('refuses moduli below 1024 bits with KeyFormatError', () => {
    const e = 65537n;
    const p = randomRsaPrime(384, e);
    const q = randomRsaPrime(384, e);
    const blob = encodeRsaPublicKey(e, p * q);
    const sig = new Uint8Array(4 + 12 + 4 + 96);
    new DataView(sig.buffer).setUint32(0, 12);
    sig.set(utf8('rsa-sha2-256'), 4);
    new DataView(sig.buffer).setUint32(16, 96);
    expect(() => verifySignature('rsa-sha2-256', blob, sig, utf8('x'))).toThrow(KeyFormatError);
    expect(() => RsaSigningKey.fromComponents({ n: p * q, e, d: 3n, p, q })).toThrow(RangeError);
  });
});
