/**
 * Private host/user keys that sign (RFC 4253 §6.6): Ed25519 (RFC 8709),
 * ECDSA over the NIST curves (RFC 5656 §3.1.2) and RSA (RFC 8332). Each class
 * exposes its raw private material so the auth layer can store it (e.g. in
 * openssh-key-v1) and be rebuilt from it.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { Writer } from '../wire/writer.ts';
import { bigintToBytes, bytesToBigint } from '../wire/mpint.ts';
import { NIST_CURVES } from './kex-ecdh-nist.ts';
import { encodeEcdsaPublicKey, encodeEd25519PublicKey, encodeRsaPublicKey, type EcdsaCurveName, type EcdsaKeyType } from './public-key.ts';
import { bitLength } from './modpow.ts';
import { generateRsaKey, rsaPrivateFromComponents, rsassaPkcs1v15Sign, type RsaHash, type RsaPrivateComponents } from './rsa.ts';
import { encodeSignatureBlob } from './signature.ts';
import { randomBytes } from './random.ts';
import { asymmetricProvider } from './providers/asymmetric.ts';
import type { ProviderChoice, SigningKey } from './types.ts';

export type SigningKeyType = 'ssh-ed25519' | EcdsaKeyType | 'ssh-rsa';

function refuse(type: string, algorithm: string): never {
  throw new TypeError(`a ${type} key cannot sign with ${algorithm}`);
}

/** Ed25519 key (RFC 8032 §5.1.5): the 32-byte seed is the private key. */
export class Ed25519SigningKey implements SigningKey {
  readonly type = 'ssh-ed25519';
  readonly algorithms: readonly string[] = Object.freeze(['ssh-ed25519']);
  /** The 32-byte public key A. */
  readonly publicKey: Uint8Array;
  readonly publicBlob: Uint8Array;

  private constructor(
    /** The 32-byte private seed (openssh-key-v1 stores seed ‖ publicKey). */
    readonly seed: Uint8Array,
  ) {
    this.publicKey = asymmetricProvider('ed25519').ed25519PublicKey(seed);
    this.publicBlob = encodeEd25519PublicKey(this.publicKey);
  }

  static fromSeed(seed: Uint8Array): Ed25519SigningKey {
    if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
    return new Ed25519SigningKey(seed.slice());
  }

  static generate(): Ed25519SigningKey {
    return new Ed25519SigningKey(randomBytes(32));
  }

  /** RFC 8709 §6: string "ssh-ed25519" ‖ string(64-byte signature), on the provider chosen for Ed25519. */
  sign(algorithm: string, data: Uint8Array, provider: ProviderChoice = 'auto'): Uint8Array {
    if (algorithm !== 'ssh-ed25519') refuse(this.type, algorithm);
    return encodeSignatureBlob(algorithm, asymmetricProvider('ed25519', provider).ed25519Sign(this.seed, this.publicKey, data));
  }

  /** Overwrites the seed; the key is unusable afterwards. */
  dispose(): void {
    this.seed.fill(0);
  }
}

const ECDSA_DIGEST = { sha256, sha384, sha512 } as const;

/** ECDSA key over nistp256/384/521; d is the private scalar. */
export class EcdsaSigningKey implements SigningKey {
  readonly type: EcdsaKeyType;
  readonly algorithms: readonly string[];
  /** Uncompressed public point Q. */
  readonly publicPoint: Uint8Array;
  readonly publicBlob: Uint8Array;
  /** d as field-length big-endian bytes (the form noble takes). */
  private readonly secret: Uint8Array;

  private constructor(
    readonly curve: EcdsaCurveName,
    secret: Uint8Array,
  ) {
    this.type = `ecdsa-sha2-${curve}`;
    this.algorithms = Object.freeze([this.type]);
    this.secret = secret;
    this.publicPoint = NIST_CURVES[curve].curve.getPublicKey(secret, false);
    this.publicBlob = encodeEcdsaPublicKey(curve, this.publicPoint);
  }

  /** The private scalar d (openssh-key-v1 stores it as an mpint). */
  get d(): bigint {
    return bytesToBigint(this.secret);
  }

  /** d as big-endian bytes of the curve's scalar length (32/48/66). */
  get privateKey(): Uint8Array {
    return this.secret.slice();
  }

  /** From the private scalar, as a bigint or big-endian bytes; 1 <= d < n. */
  static fromPrivate(curve: EcdsaCurveName, d: bigint | Uint8Array): EcdsaSigningKey {
    const c = NIST_CURVES[curve];
    if (c === undefined) throw new TypeError(`unknown ECDSA curve ${String(curve)}`);
    const len = c.curve.Point.Fn.BYTES;
    const v = typeof d === 'bigint' ? d : bytesToBigint(d);
    if (v <= 0n || v >= c.curve.Point.Fn.ORDER) throw new RangeError(`ECDSA ${curve} private scalar out of range`);
    return new EcdsaSigningKey(curve, bigintToBytes(v, len));
  }

  static generate(curve: EcdsaCurveName): EcdsaSigningKey {
    const c = NIST_CURVES[curve];
    if (c === undefined) throw new TypeError(`unknown ECDSA curve ${String(curve)}`);
    return new EcdsaSigningKey(curve, c.curve.utils.randomSecretKey());
  }

  /**
   * RFC 5656 §3.1.2: string(algorithm) ‖ string(mpint r ‖ mpint s), over
   * HASH(data) with the curve's hash (§6.2.1). noble would hash with SHA-256
   * by default; we pass the digest with prehash off so it is hashed once.
   */
  sign(algorithm: string, data: Uint8Array): Uint8Array {
    if (algorithm !== this.type) refuse(this.type, algorithm);
    const { curve, hash } = NIST_CURVES[this.curve];
    const digest = ECDSA_DIGEST[hash as keyof typeof ECDSA_DIGEST](data);
    // Hedged (RFC 6979 §3.6 with extra randomness).
    const compact = curve.sign(digest, this.secret, { prehash: false, format: 'compact', extraEntropy: true });
    const len = compact.length >> 1;
    const inner = new Writer(2 * len + 16)
      .mpint(bytesToBigint(compact.subarray(0, len)))
      .mpint(bytesToBigint(compact.subarray(len)))
      .bytes();
    return encodeSignatureBlob(algorithm, inner);
  }

  /** Overwrites the private scalar; the key is unusable afterwards. */
  dispose(): void {
    this.secret.fill(0);
  }
}

const RSA_ALGORITHM_HASH: Readonly<Record<string, RsaHash>> = { 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' };

/** RSA key with its CRT components (RFC 8017 §3.2). */
export class RsaSigningKey implements SigningKey {
  readonly type = 'ssh-rsa';
  /**
   * rsa-sha2-512 and rsa-sha2-256 (RFC 8332). `sign('ssh-rsa', …)` (SHA-1)
   * also works, for peers explicitly configured for it, but is not listed so
   * that it is never offered by default.
   */
  readonly algorithms: readonly string[] = Object.freeze(['rsa-sha2-512', 'rsa-sha2-256']);
  readonly publicBlob: Uint8Array;
  /** Size of the modulus in bits. */
  readonly bits: number;

  private constructor(private readonly key: RsaPrivateComponents) {
    this.publicBlob = encodeRsaPublicKey(key.e, key.n);
    this.bits = bitLength(key.n);
  }

  get n(): bigint {
    return this.key.n;
  }
  get e(): bigint {
    return this.key.e;
  }
  get d(): bigint {
    return this.key.d;
  }
  get p(): bigint {
    return this.key.p;
  }
  get q(): bigint {
    return this.key.q;
  }
  get dp(): bigint {
    return this.key.dp;
  }
  get dq(): bigint {
    return this.key.dq;
  }
  /** q^-1 mod p (OpenSSH's iqmp). */
  get qInv(): bigint {
    return this.key.qInv;
  }

  /**
   * From n, e, d, p, q (dp, dq and qInv are computed when absent and checked
   * when given). Throws RangeError when the components are inconsistent or
   * the modulus is below 1024 bits.
   */
  static fromComponents(c: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp?: bigint; dq?: bigint; qInv?: bigint }): RsaSigningKey {
    if (bitLength(c.n) < 1024) throw new RangeError(`RSA modulus of ${bitLength(c.n)} bits is below 1024`);
    return new RsaSigningKey(rsaPrivateFromComponents(c));
  }

  /** A new key of `bits` bits (2048..8192, default 3072 as ssh-keygen), e = 65537. */
  static generate(bits = 3072): RsaSigningKey {
    return new RsaSigningKey(generateRsaKey(bits));
  }

  /** RFC 8332 §3 / RFC 4253 §6.6: string(algorithm) ‖ string(s), s of the modulus length. */
  sign(algorithm: string, data: Uint8Array): Uint8Array {
    const hash = Object.hasOwn(RSA_ALGORITHM_HASH, algorithm) ? RSA_ALGORITHM_HASH[algorithm] : undefined;
    if (hash === undefined) refuse(this.type, algorithm);
    return encodeSignatureBlob(algorithm, rsassaPkcs1v15Sign(this.key, hash, data));
  }
}

/**
 * A new private key of `type`. For ssh-rsa, `opts.bits` is 2048..8192
 * (default 3072, as ssh-keygen); other types ignore it.
 */
export function generateSigningKey(type: 'ssh-ed25519'): Ed25519SigningKey;
export function generateSigningKey(type: EcdsaKeyType): EcdsaSigningKey;
export function generateSigningKey(type: 'ssh-rsa', opts?: { bits?: number }): RsaSigningKey;
export function generateSigningKey(type: SigningKeyType, opts?: { bits?: number }): Ed25519SigningKey | EcdsaSigningKey | RsaSigningKey;
export function generateSigningKey(type: SigningKeyType, opts?: { bits?: number }): Ed25519SigningKey | EcdsaSigningKey | RsaSigningKey {
  switch (type) {
    case 'ssh-ed25519':
      return Ed25519SigningKey.generate();
    case 'ecdsa-sha2-nistp256':
      return EcdsaSigningKey.generate('nistp256');
    case 'ecdsa-sha2-nistp384':
      return EcdsaSigningKey.generate('nistp384');
    case 'ecdsa-sha2-nistp521':
      return EcdsaSigningKey.generate('nistp521');
    case 'ssh-rsa':
      return RsaSigningKey.generate(opts?.bits ?? 3072);
    default:
      throw new TypeError(`cannot generate a key of type ${String(type)}`);
  }
}
