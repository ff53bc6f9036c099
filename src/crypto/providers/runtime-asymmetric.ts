/**
 * The public-key operations (asymmetric-primitives.ts) on the runtime's
 * built-in `node:crypto` (OpenSSL in Node, BoringSSL in Bun, Rust crates in
 * Deno). One of the few files under src/crypto allowed to touch `node:*`.
 *
 * Raw keys go in as JWK, which all three import fast (OpenSSL 3's DER
 * decoders take about 0.5 ms a key). A private OKP JWK must carry `x`; the
 * runtimes derive the key from `d` alone, and where the public key is what we
 * are after a placeholder stands in (the self-test checks the result).
 * Where node:crypto is absent this provider throws, and select fails its
 * self-test, so noble is used.
 */
import { fromBase64, toBase64 } from '../../wire/base64.ts';
import type { AsymmetricProvider, EcdsaCurve } from './asymmetric-primitives.ts';
import { runtimeModule } from './runtime-module.ts';

/** The subset of node:crypto used here, typed structurally (src is compiled without @types/node). */
interface KeyObject {
  export(options: { format: 'jwk' }): { x?: string };
}
type KeyInput = KeyObject | { key: object; format: 'jwk'; dsaEncoding?: 'ieee-p1363' };
interface NodeCrypto {
  createPrivateKey(input: { key: object; format: 'jwk' }): KeyObject;
  createPublicKey(input: KeyObject | { key: object; format: 'jwk' }): KeyObject;
  diffieHellman(options: { privateKey: KeyObject; publicKey: KeyObject }): Uint8Array;
  sign(algorithm: null, data: Uint8Array, key: KeyInput): Uint8Array;
  verify(algorithm: string | null, data: Uint8Array, key: KeyInput, signature: Uint8Array): boolean;
}

function isNodeCrypto(m: unknown): m is NodeCrypto {
  const c = m as Partial<NodeCrypto> | undefined;
  return typeof c?.diffieHellman === 'function' && typeof c.sign === 'function' && typeof c.createPrivateKey === 'function';
}

/** Whether node:crypto's public-key functions are loaded here (runtime-module.ts). */
export function runtimeAsymmetricLoaded(): boolean {
  return isNodeCrypto(runtimeModule());
}

function lib(): NodeCrypto {
  const m = runtimeModule();
  if (!isNodeCrypto(m)) throw new Error('node:crypto is not available on this runtime');
  return m;
}

/** base64url without padding (RFC 4648 §5), as JWK holds keys (RFC 7518 §6.2.1). */
const b64 = (bytes: Uint8Array): string => toBase64(bytes, false).replace(/\+/g, '-').replace(/\//g, '_');
const PLACEHOLDER_X = b64(new Uint8Array(32));

function fromB64Url(s: string | undefined): Uint8Array {
  if (s === undefined) throw new Error('node:crypto exported a JWK without x');
  return fromBase64(s.replace(/-/g, '+').replace(/_/g, '/'));
}

const okpPrivate = (crv: 'X25519' | 'Ed25519', d: Uint8Array, x: string): KeyObject =>
  lib().createPrivateKey({ key: { kty: 'OKP', crv, d: b64(d), x }, format: 'jwk' });
const okpPublic = (crv: 'X25519' | 'Ed25519', x: Uint8Array): KeyObject => lib().createPublicKey({ key: { kty: 'OKP', crv, x: b64(x) }, format: 'jwk' });
const publicOf = (crv: 'X25519' | 'Ed25519', d: Uint8Array): Uint8Array => fromB64Url(lib().createPublicKey(okpPrivate(crv, d, PLACEHOLDER_X)).export({ format: 'jwk' }).x);

const EC: Record<EcdsaCurve, { crv: string; hash: string; bytes: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', bytes: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', bytes: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', bytes: 66 },
};

export const runtimeAsymmetric: AsymmetricProvider = {
  name: 'runtime',
  x25519PublicKey: (secretKey) => publicOf('X25519', secretKey),
  x25519: (secretKey, publicKey, peer) => {
    const out = lib().diffieHellman({ privateKey: okpPrivate('X25519', secretKey, b64(publicKey)), publicKey: okpPublic('X25519', peer) });
    let acc = 0;
    for (let i = 0; i < out.length; i++) acc |= out[i]!;
    if (acc === 0 || out.length !== 32) throw new Error('X25519 result is all-zero');
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  ed25519PublicKey: (seed) => publicOf('Ed25519', seed),
  ed25519Sign: (seed, publicKey, data) => {
    const sig = lib().sign(null, data, okpPrivate('Ed25519', seed, b64(publicKey)));
    return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
  },
  ed25519Verify: (publicKey, signature, data) => {
    try {
      return lib().verify(null, data, okpPublic('Ed25519', publicKey), signature);
    } catch {
      return false;
    }
  },
  ecdsaVerify: (curve, point, signature, data) => {
    const { crv, hash, bytes } = EC[curve];
    try {
      const key = { kty: 'EC', crv, x: b64(point.subarray(1, 1 + bytes)), y: b64(point.subarray(1 + bytes)) };
      return lib().verify(hash, data, { key, format: 'jwk', dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },
};
