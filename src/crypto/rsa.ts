/**
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with SHA-1, SHA-256 and SHA-512, as used
 * by ssh-rsa (RFC 4253 §6.6) and rsa-sha2-256/512 (RFC 8332), and RSA key
 * generation. BigInt throughout; noble has no RSA.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { bigintToBytes, bytesToBigint } from '../wire/mpint.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import { bitLength, gcd, mod, modInverse, modPow } from './modpow.ts';
import { randomBetween, randomRsaPrime } from './prime.ts';

export type RsaHash = 'sha1' | 'sha256' | 'sha512';

export interface RsaPublicComponents {
  readonly n: bigint;
  readonly e: bigint;
}

/** RFC 8017 §3.2, second representation (CRT). qInv is OpenSSH's "iqmp". */
export interface RsaPrivateComponents extends RsaPublicComponents {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  /** d mod (p-1) */
  readonly dp: bigint;
  /** d mod (q-1) */
  readonly dq: bigint;
  /** q^-1 mod p */
  readonly qInv: bigint;
}

/** OpenSSH's minimum RSA size for signatures it accepts (SSH_RSA_MINIMUM_MODULUS_SIZE). */
export const RSA_MIN_VERIFY_BITS = 1024;

const DIGEST: Record<RsaHash, (m: Uint8Array) => Uint8Array> = { sha1, sha256, sha512 };

/** DER of DigestInfo up to the digest octets (RFC 8017 §9.2, Note 1). */
const DIGEST_INFO_PREFIX: Record<RsaHash, Uint8Array> = {
  sha1: new Uint8Array([0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]),
  sha256: new Uint8Array([
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
  ]),
  sha512: new Uint8Array([
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
  ]),
};

function byteLength(n: bigint): number {
  return (bitLength(n) + 7) >> 3;
}

/**
 * EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2): 0x00 ‖ 0x01 ‖ PS (0xff…, at least
 * 8 bytes) ‖ 0x00 ‖ DigestInfo(H(message)), `emLen` bytes.
 */
export function emsaPkcs1v15Encode(hash: RsaHash, message: Uint8Array, emLen: number): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[hash];
  if (prefix === undefined) throw new TypeError(`RSA: unsupported hash ${String(hash)}`);
  const h = DIGEST[hash](message);
  const tLen = prefix.length + h.length;
  if (emLen < tLen + 11) throw new RangeError('RSA: intended encoded message length too short');
  const em = new Uint8Array(emLen);
  em[1] = 0x01;
  em.fill(0xff, 2, emLen - tLen - 1);
  em.set(prefix, emLen - tLen);
  em.set(h, emLen - h.length);
  return em;
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2). `signature` may be shorter than
 * the modulus (some signers strip leading zeros; OpenSSH pads them back), not
 * longer. Returns false for any invalid signature; compares the encoded
 * message in constant time. Size policy (RSA_MIN_VERIFY_BITS) is the caller's.
 */
export function rsassaPkcs1v15Verify(key: RsaPublicComponents, hash: RsaHash, message: Uint8Array, signature: Uint8Array): boolean {
  const k = byteLength(key.n);
  if (signature.length > k || signature.length === 0) return false;
  const s = bytesToBigint(signature);
  if (s >= key.n) return false; // RSAVP1 step 1
  const m = modPow(s, key.e, key.n);
  const em = bigintToBytes(m, k);
  let expected: Uint8Array;
  try {
    expected = emsaPkcs1v15Encode(hash, message, k);
  } catch {
    return false;
  }
  return constantTimeEqual(em, expected);
}

/**
 * RSASP1 with the CRT (RFC 8017 §5.2.1, 2.b), blinded: the base by r^e (so the
 * exponentiations see an unrelated random value) and each CRT exponent by a
 * random multiple of p-1 / q-1 (so their bit patterns change per call). The
 * result is checked with the public exponent before release, so a faulty
 * computation cannot leak a factor (Boneh–DeMillo–Lipton).
 */
export function rsaPrivate(key: RsaPrivateComponents, m: bigint): bigint {
  const { n, e, p, q, dp, dq, qInv } = key;
  if (m < 0n || m >= n) throw new RangeError('RSA: message representative out of range');
  let r: bigint;
  do r = randomBetween(2n, n - 1n);
  while (gcd(r, n) !== 1n);
  const blinded = (m * modPow(r, e, n)) % n;
  const dpB = dp + randomBetween(1n, 0xffffffffn) * (p - 1n);
  const dqB = dq + randomBetween(1n, 0xffffffffn) * (q - 1n);
  const m1 = modPow(blinded % p, dpB, p);
  const m2 = modPow(blinded % q, dqB, q);
  const h = mod(qInv * (m1 - m2), p);
  const sBlinded = m2 + h * q;
  const s = (sBlinded * modInverse(r, n)) % n;
  if (modPow(s, e, n) !== m) throw new Error('RSA: private-key operation failed its consistency check');
  return s;
}

/** RSASSA-PKCS1-V1_5-SIGN (RFC 8017 §8.2.1); the signature is exactly the modulus length. */
export function rsassaPkcs1v15Sign(key: RsaPrivateComponents, hash: RsaHash, message: Uint8Array): Uint8Array {
  const k = byteLength(key.n);
  const em = emsaPkcs1v15Encode(hash, message, k);
  return bigintToBytes(rsaPrivate(key, bytesToBigint(em)), k);
}

/**
 * Completes and checks private components (RFC 8017 §3.2): n = p·q,
 * e·d ≡ 1 mod (p-1) and mod (q-1); computes dp, dq, qInv when absent and
 * verifies them when given. Throws RangeError when inconsistent.
 */
export function rsaPrivateFromComponents(c: {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp?: bigint;
  dq?: bigint;
  qInv?: bigint;
}): RsaPrivateComponents {
  const { n, e, d, p, q } = c;
  if (p <= 2n || q <= 2n || p * q !== n) throw new RangeError('RSA: n is not p·q');
  if (p === q) throw new RangeError('RSA: p equals q');
  if (e < 3n || (e & 1n) === 0n) throw new RangeError('RSA: invalid public exponent');
  if (d <= 0n || d >= n || mod(e * d, p - 1n) !== 1n || mod(e * d, q - 1n) !== 1n) {
    throw new RangeError('RSA: d is not the inverse of e');
  }
  const dp = d % (p - 1n);
  const dq = d % (q - 1n);
  const qInv = modInverse(q, p);
  if ((c.dp !== undefined && c.dp !== dp) || (c.dq !== undefined && c.dq !== dq) || (c.qInv !== undefined && c.qInv !== qInv)) {
    throw new RangeError('RSA: CRT components do not match p, q and d');
  }
  return { n, e, d, p, q, dp, dq, qInv };
}

/**
 * Generates an RSA key of exactly `bits` bits (FIPS 186-5 Appendix A.1.3 in
 * outline): two random probable primes of bits/2 bits with the top two bits
 * set, |p - q| > 2^(bits/2 - 100), gcd(e, (p-1)(q-1)) = 1, and
 * d = e^-1 mod lcm(p-1, q-1) with d > 2^(bits/2).
 */
export function generateRsaKey(bits: number, e = 65537n): RsaPrivateComponents {
  if (!Number.isInteger(bits) || bits < 2048 || bits > 8192) throw new RangeError('RSA key size must be 2048..8192 bits');
  if (e < 65537n || (e & 1n) === 0n) throw new RangeError('RSA public exponent must be odd and at least 65537');
  const pBits = (bits + 1) >> 1;
  const qBits = bits >> 1;
  const minDiff = 1n << BigInt(Math.max(0, (bits >> 1) - 100));
  for (;;) {
    let p = randomRsaPrime(pBits, e);
    let q = randomRsaPrime(qBits, e);
    const diff = p > q ? p - q : q - p;
    if (diff <= minDiff) continue;
    if (p < q) [p, q] = [q, p];
    const n = p * q;
    if (bitLength(n) !== bits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    if (gcd(e, lambda) !== 1n) continue;
    const d = modInverse(e, lambda);
    if (d <= 1n << BigInt(bits >> 1)) continue;
    return rsaPrivateFromComponents({ n, e, d, p, q });
  }
}
