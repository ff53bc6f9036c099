/**
 * The public-key operations a provider may supply (DESIGN.md, "Crypto
 * providers": key exchange and signatures run on noble unless the runtime
 * passes its self-test and measures faster). Keys and results are raw bytes,
 * as in SSH's wire encodings; every provider must give byte-identical output.
 */
import type { ProviderName } from './primitives.ts';

/** NIST curve of an ECDSA key (RFC 5656 §10.1). */
export type EcdsaCurve = 'nistp256' | 'nistp384' | 'nistp521';

/** Groups of operations chosen together: X25519; Ed25519 key, sign and verify; ECDSA verify per curve. */
export type AsymmetricId = 'x25519' | 'ed25519' | 'ecdsa-nistp256' | 'ecdsa-nistp384' | 'ecdsa-nistp521';

export interface AsymmetricProvider {
  readonly name: ProviderName;
  /** X25519(k, 9): the public key of a 32-byte secret (RFC 7748 §6.1). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519(k, u) (RFC 7748 §5); `publicKey` is the secret's own. Throws when the result is all-zero (a low-order u). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array, peer: Uint8Array): Uint8Array;
  /** The 32-byte public key A of a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /** The 64-byte signature (RFC 8032 §5.1.6); `publicKey` is the seed's own. */
  ed25519Sign(seed: Uint8Array, publicKey: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.7 with canonical encodings required. False (never a throw) for a signature that does not verify. */
  ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean;
  /**
   * ECDSA verification (FIPS 186-5) of `data` hashed with the curve's SSH hash
   * (RFC 5656 §6.2.1); `point` is uncompressed, `signature` is r ‖ s, each
   * the curve's scalar length, both already checked to lie in [1, n-1].
   * High-S signatures verify. False (never a throw) when it does not verify.
   */
  ecdsaVerify(curve: EcdsaCurve, point: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean;
}
