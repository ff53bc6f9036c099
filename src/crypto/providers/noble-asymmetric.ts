/** The reference implementation of the public-key operations (asymmetric-primitives.ts): @noble/curves. */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { NIST_CURVES } from '../kex-ecdh-nist.ts';
import type { AsymmetricProvider } from './asymmetric-primitives.ts';

const DIGEST = { sha256, sha384, sha512 } as const;

export const nobleAsymmetric: AsymmetricProvider = {
  name: 'noble',
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  // noble refuses the low-order points whose output would be all-zero.
  x25519: (secretKey, _publicKey, peer) => x25519.getSharedSecret(secretKey, peer),
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
  ed25519Sign: (seed, _publicKey, data) => ed25519.sign(data, seed),
  ed25519Verify: (publicKey, signature, data) => {
    try {
      // RFC 8032 §5.1.7 (strict: canonical encodings), not ZIP-215.
      return ed25519.verify(signature, data, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  ecdsaVerify: (curveName, point, signature, data) => {
    const { curve, hash } = NIST_CURVES[curveName];
    try {
      // Hashed here with the curve's SSH hash: prehash off. OpenSSH makes high-S signatures: lowS off.
      return curve.verify(signature, DIGEST[hash as keyof typeof DIGEST](data), point, { prehash: false, lowS: false, format: 'compact' });
    } catch {
      return false;
    }
  },
};
