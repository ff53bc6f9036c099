/**
 * Signature verification (RFC 4253 §6.6): ssh-ed25519 (RFC 8709 §6),
 * ecdsa-sha2-nistp256/384/521 (RFC 5656 §3.1.2), rsa-sha2-256/512 (RFC 8332 §3)
 * and ssh-rsa with SHA-1 (RFC 4253 §6.6; use only when explicitly configured).
 * The -cert-v01@openssh.com algorithms verify with the certified key
 * (PROTOCOL.certkeys); whether the certificate is trusted is the caller's check.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';
import { bigintToBytes } from '../wire/mpint.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from './errors.ts';
import { NIST_CURVES } from './kex-ecdh-nist.ts';
import { parsePublicKey, type EcdsaPublicKey, type PublicKey, type RsaPublicKey } from './public-key.ts';
import { parseCertificate } from './certificate-blob.ts';
import { RSA_MIN_VERIFY_BITS, rsassaPkcs1v15Verify, type RsaHash } from './rsa.ts';
import { asymmetricProvider } from './providers/asymmetric.ts';
import type { ProviderChoice } from './types.ts';

/** Signature algorithm → key type of the public key it is made with. */
const KEY_TYPE_OF: Readonly<Record<string, string>> = Object.freeze({
  'ssh-ed25519': 'ssh-ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521',
  'rsa-sha2-512': 'ssh-rsa',
  'rsa-sha2-256': 'ssh-rsa',
  'ssh-rsa': 'ssh-rsa',
});

/** Every signature algorithm implemented, preferred first (ssh-rsa last: SHA-1). */
export const SIGNATURE_ALGORITHMS: readonly string[] = Object.freeze(Object.keys(KEY_TYPE_OF));

/**
 * Certificate algorithm → [certificate key type, signature algorithm of the
 * certified key]. PROTOCOL.certkeys: rsa-sha2-256/512-cert-v01 name RSA
 * certificates signing with SHA-2; the signature blob names the plain algorithm.
 */
const CERT_ALGORITHM: Readonly<Record<string, readonly [string, string]>> = Object.freeze({
  'ssh-ed25519-cert-v01@openssh.com': ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519'],
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': ['ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': ['ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': ['ecdsa-sha2-nistp521-cert-v01@openssh.com', 'ecdsa-sha2-nistp521'],
  'rsa-sha2-512-cert-v01@openssh.com': ['ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-512'],
  'rsa-sha2-256-cert-v01@openssh.com': ['ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256'],
  'ssh-rsa-cert-v01@openssh.com': ['ssh-rsa-cert-v01@openssh.com', 'ssh-rsa'],
});

/** Every certificate signature algorithm implemented, preferred first (ssh-rsa-cert-v01 last: SHA-1). */
export const CERTIFICATE_SIGNATURE_ALGORITHMS: readonly string[] = Object.freeze(Object.keys(CERT_ALGORITHM));

function certAlgorithm(algorithm: string): readonly [string, string] | undefined {
  return Object.hasOwn(CERT_ALGORITHM, algorithm) ? CERT_ALGORITHM[algorithm] : undefined;
}

/**
 * The algorithm a signature is actually made with: for a certificate
 * algorithm, the certified key's (rsa-sha2-512-cert-v01@openssh.com →
 * rsa-sha2-512); any other algorithm is returned unchanged.
 */
export function underlyingSignatureAlgorithm(algorithm: string): string {
  return certAlgorithm(algorithm)?.[1] ?? algorithm;
}

const RSA_HASH: Readonly<Record<string, RsaHash>> = { 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' };

/**
 * The public key type a signature algorithm uses: rsa-sha2-512 → ssh-rsa,
 * ssh-ed25519 → ssh-ed25519 (RFC 8332 §3), rsa-sha2-256-cert-v01@openssh.com →
 * ssh-rsa-cert-v01@openssh.com (PROTOCOL.certkeys). Throws
 * UnsupportedAlgorithmError for an unknown algorithm.
 */
export function keyTypeOfAlgorithm(algorithm: string): string {
  const t = Object.hasOwn(KEY_TYPE_OF, algorithm) ? KEY_TYPE_OF[algorithm] : certAlgorithm(algorithm)?.[0];
  if (t === undefined) throw new UnsupportedAlgorithmError('signature', algorithm);
  return t;
}

/** Signature blob: string(algorithm) ‖ string(signature) (RFC 4253 §6.6). */
export function encodeSignatureBlob(algorithm: string, signature: Uint8Array): Uint8Array {
  return new Writer(signature.length + algorithm.length + 8).string(algorithm).string(signature).bytes().slice();
}

/** Splits a signature blob; throws KeyFormatError if malformed or with trailing bytes. */
export function parseSignatureBlob(blob: Uint8Array): { algorithm: string; signature: Uint8Array } {
  const r = new Reader(blob, 0, blob.length, 'signature');
  try {
    const algorithm = r.ascii('algorithm');
    const signature = r.string('signature');
    r.done();
    return { algorithm, signature };
  } catch (e) {
    if (e instanceof WireError) throw new KeyFormatError('signature', e.message);
    throw e;
  }
}

function verifyEcdsa(key: EcdsaPublicKey, sig: Uint8Array, data: Uint8Array, provider: ProviderChoice): boolean {
  // RFC 5656 §3.1.2: the signature is mpint r ‖ mpint s.
  const r = new Reader(sig, 0, sig.length, `${key.type} signature`);
  let rr: bigint;
  let ss: bigint;
  try {
    rr = r.mpint('r');
    ss = r.mpint('s');
    r.done();
  } catch (e) {
    if (e instanceof WireError) throw new KeyFormatError(key.type, e.message);
    throw e;
  }
  const { curve } = NIST_CURVES[key.curve];
  const order = curve.Point.Fn.ORDER;
  if (rr <= 0n || rr >= order || ss <= 0n || ss >= order) return false;
  const len = curve.Point.Fn.BYTES;
  const compact = new Uint8Array(2 * len);
  compact.set(bigintToBytes(rr, len), 0);
  compact.set(bigintToBytes(ss, len), len);
  // Hashed with the curve's SSH hash (RFC 5656 §6.2.1); high-S signatures verify (OpenSSH makes them).
  return asymmetricProvider(`ecdsa-${key.curve}`, provider).ecdsaVerify(key.curve, key.point, compact, data);
}

/**
 * Above this modulus size the public exponent may have at most
 * RSA_MAX_PUBEXP_BITS bits (OpenSSL's OPENSSL_RSA_SMALL_MODULUS_BITS and
 * OPENSSL_RSA_MAX_PUBEXP_BITS): verification costs bits(e) · bits(n)², and a
 * peer choosing both could otherwise make one verification take seconds.
 */
const RSA_SMALL_MODULUS_BITS = 3072;
const RSA_MAX_PUBEXP_BITS = 64;

function verifyRsa(key: RsaPublicKey, algorithm: string, sig: Uint8Array, data: Uint8Array): boolean {
  if (key.bits < RSA_MIN_VERIFY_BITS) {
    throw new KeyFormatError(algorithm, `RSA modulus of ${key.bits} bits is below the ${RSA_MIN_VERIFY_BITS}-bit minimum`);
  }
  if (key.bits > RSA_SMALL_MODULUS_BITS && key.e >> BigInt(RSA_MAX_PUBEXP_BITS) !== 0n) {
    throw new KeyFormatError(algorithm, `RSA public exponent longer than ${RSA_MAX_PUBEXP_BITS} bits with a ${key.bits}-bit modulus`);
  }
  return rsassaPkcs1v15Verify(key, RSA_HASH[algorithm]!, data, sig);
}

/**
 * Verifies `signatureBlob` over `data` with a parsed public key, for the
 * negotiated signature `algorithm` (see verifySignature).
 */
export function verifyWithPublicKey(algorithm: string, key: PublicKey, signatureBlob: Uint8Array, data: Uint8Array, provider: ProviderChoice = 'auto'): boolean {
  const keyType = keyTypeOfAlgorithm(algorithm);
  if (key.type !== keyType) {
    throw new KeyFormatError(algorithm, `public key is ${key.type}, expected ${keyType}`);
  }
  const { algorithm: named, signature } = parseSignatureBlob(signatureBlob);
  if (named !== algorithm) throw new KeyFormatError(algorithm, `signature blob names ${named}`);
  switch (key.type) {
    case 'ssh-ed25519':
      if (signature.length !== 64) throw new KeyFormatError(algorithm, `signature must be 64 bytes, got ${signature.length}`);
      // RFC 8032 §5.1.7 (strict: canonical encodings), not ZIP-215.
      return asymmetricProvider('ed25519', provider).ed25519Verify(key.key, signature, data);
    case 'ssh-rsa':
      return verifyRsa(key, algorithm, signature, data);
    default:
      return verifyEcdsa(key, signature, data, provider);
  }
}

/**
 * Verifies a signature blob (string algorithm ‖ string signature) over `data`
 * with a public key blob, for the negotiated host-key/signature `algorithm`
 * (ssh-ed25519, ecdsa-sha2-nistp256/384/521, rsa-sha2-256, rsa-sha2-512, or
 * ssh-rsa — SHA-1, for explicitly configured legacy peers only).
 *
 * For a -cert-v01@openssh.com algorithm the blob is a certificate of that
 * type and the signature is checked with the certified key (the signature
 * blob names the plain algorithm, e.g. ssh-ed25519); the certificate's own
 * CA signature is not checked here.
 *
 * Returns false for a well-formed signature that does not verify. Throws
 * KeyFormatError when a blob is malformed, when the signature names another
 * algorithm, when the key is not of the algorithm's type, for an RSA key
 * below 1024 bits, or for one above 3072 bits whose exponent exceeds 64 bits;
 * UnsupportedAlgorithmError for an unknown algorithm or key type.
 *
 * Ed25519 and ECDSA run on the provider chosen for them
 * (providers/asymmetric.ts; `provider` 'noble' forces noble); RSA on BigInt.
 */
export function verifySignature(algorithm: string, publicBlob: Uint8Array, signatureBlob: Uint8Array, data: Uint8Array, provider: ProviderChoice = 'auto'): boolean {
  const cert = certAlgorithm(algorithm);
  if (cert !== undefined) {
    const certificate = parseCertificate(publicBlob);
    if (certificate.type !== cert[0]) throw new KeyFormatError(algorithm, `public key is ${certificate.type}, expected ${cert[0]}`);
    return verifyWithPublicKey(cert[1], certificate.publicKey, signatureBlob, data, provider);
  }
  keyTypeOfAlgorithm(algorithm);
  return verifyWithPublicKey(algorithm, parsePublicKey(publicBlob), signatureBlob, data, provider);
}
