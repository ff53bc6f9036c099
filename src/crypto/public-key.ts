/**
 * Public key blobs (RFC 4253 §6.6): ssh-ed25519 (RFC 8709 §4),
 * ecdsa-sha2-nistp256/384/521 (RFC 5656 §3.1) and ssh-rsa (RFC 4253 §6.6).
 * Parsing is strict: no trailing bytes, minimal mpints, valid curve points.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from './errors.ts';
import { nistPointProblem, type NistCurveName } from './kex-ecdh-nist.ts';
import { bitLength } from './modpow.ts';

export type EcdsaCurveName = NistCurveName;
export type EcdsaKeyType = 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';
export type PublicKeyType = 'ssh-ed25519' | EcdsaKeyType | 'ssh-rsa';

export interface Ed25519PublicKey {
  readonly type: 'ssh-ed25519';
  /** The 32-byte encoded point (RFC 8032 §5.1.5). */
  readonly key: Uint8Array;
  /** The whole blob this was parsed from or encoded to. */
  readonly blob: Uint8Array;
}

export interface EcdsaPublicKey {
  readonly type: EcdsaKeyType;
  readonly curve: EcdsaCurveName;
  /** Uncompressed point Q (SEC 1 §2.3.3), validated on the curve. */
  readonly point: Uint8Array;
  readonly blob: Uint8Array;
}

export interface RsaPublicKey {
  readonly type: 'ssh-rsa';
  readonly e: bigint;
  readonly n: bigint;
  /** Size of the modulus in bits. */
  readonly bits: number;
  readonly blob: Uint8Array;
}

export type PublicKey = Ed25519PublicKey | EcdsaPublicKey | RsaPublicKey;

/** Largest RSA modulus accepted, as OpenSSH (SSH_RSA_MAXIMUM_MODULUS_SIZE). */
export const RSA_MAX_BITS = 16384;

const ECDSA_TYPES: Record<string, EcdsaCurveName> = {
  'ecdsa-sha2-nistp256': 'nistp256',
  'ecdsa-sha2-nistp384': 'nistp384',
  'ecdsa-sha2-nistp521': 'nistp521',
};

/** The key type named at the start of a public key blob, without parsing the rest. */
export function publicKeyType(blob: Uint8Array): string {
  try {
    return new Reader(blob, 0, blob.length, 'public key').ascii('type');
  } catch (e) {
    throw new KeyFormatError('public key', (e as Error).message);
  }
}

/**
 * Parses a public key blob. Throws KeyFormatError for a malformed blob (naming
 * the key type and the field) and UnsupportedAlgorithmError for a key type
 * hopssh does not implement (certificates are parsed by the auth layer).
 */
export function parsePublicKey(blob: Uint8Array): PublicKey {
  const type = publicKeyType(blob);
  const r = new Reader(blob, 0, blob.length, type);
  try {
    r.ascii('type');
    if (type === 'ssh-ed25519') {
      const key = r.string('key');
      r.done();
      if (key.length !== 32) throw new KeyFormatError(type, `key must be 32 bytes, got ${key.length}`);
      if (!ed25519.utils.isValidPublicKey(key, false)) throw new KeyFormatError(type, 'key is not a valid Ed25519 point');
      return { type, key: key.slice(), blob: blob.slice() };
    }
    const curve = ECDSA_TYPES[type];
    if (curve !== undefined) {
      const id = r.ascii('curve');
      const point = r.string('Q');
      r.done();
      if (id !== curve) throw new KeyFormatError(type, `curve identifier ${id} does not match the key type`);
      const problem = nistPointProblem(curve, point);
      if (problem !== undefined) throw new KeyFormatError(type, `Q: ${problem}`);
      return { type: type as EcdsaKeyType, curve, point: point.slice(), blob: blob.slice() };
    }
    if (type === 'ssh-rsa') {
      const e = r.mpint('e');
      const n = r.mpint('n');
      r.done();
      checkRsaPublic(e, n);
      return { type, e, n, bits: bitLength(n), blob: blob.slice() };
    }
  } catch (err) {
    if (err instanceof WireError) throw new KeyFormatError(type, err.message);
    throw err;
  }
  throw new UnsupportedAlgorithmError('public key', type);
}

/** Structural checks of an RSA public key (RFC 8017 §3.1); size policy is the verifier's. */
export function checkRsaPublic(e: bigint, n: bigint): void {
  if (n <= 0n || (n & 1n) === 0n) throw new KeyFormatError('ssh-rsa', 'modulus must be positive and odd');
  if (bitLength(n) > RSA_MAX_BITS) throw new KeyFormatError('ssh-rsa', `modulus of ${bitLength(n)} bits exceeds ${RSA_MAX_BITS}`);
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new KeyFormatError('ssh-rsa', 'public exponent must be odd, at least 3 and below n');
}

/** ssh-ed25519 public key blob (RFC 8709 §4). */
export function encodeEd25519PublicKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return new Writer(51).string('ssh-ed25519').string(key).bytes().slice();
}

/** ecdsa-sha2-* public key blob (RFC 5656 §3.1). */
export function encodeEcdsaPublicKey(curve: EcdsaCurveName, point: Uint8Array): Uint8Array {
  return new Writer(40 + point.length).string(`ecdsa-sha2-${curve}`).string(curve).string(point).bytes().slice();
}

/** ssh-rsa public key blob (RFC 4253 §6.6): string "ssh-rsa", mpint e, mpint n. */
export function encodeRsaPublicKey(e: bigint, n: bigint): Uint8Array {
  return new Writer(32 + (bitLength(n) >> 3)).string('ssh-rsa').mpint(e).mpint(n).bytes().slice();
}
