/**
 * OpenSSH certificates made in-process (PROTOCOL.certkeys), for tests that
 * need a certified key without ssh-keygen: a CA signs the fields with
 * `signTestCertificate`; `certifiedHostKey` caches a host key of each type
 * certified by `TEST_HOST_CA` for the principal "localhost".
 */
import { randomBytes } from '../../src/crypto/random.ts';
import { CERT_VALID_FOREVER, completeCertificate, encodeCertificateSignedData, type CertificateFields } from '../../src/crypto/certificate-blob.ts';
import { Ed25519SigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';
import { hostKey } from './transport-pair.ts';

/** The CA that signs `certifiedHostKey`'s certificates. */
export const TEST_HOST_CA: SigningKey = Ed25519SigningKey.generate();

/**
 * A certificate of `subject` (a public key blob) signed by `ca` with
 * `algorithm` (default the CA's first). Defaults: a host certificate for
 * "localhost", valid forever, no options, a random nonce.
 */
export function signTestCertificate(ca: SigningKey, subject: Uint8Array, fields: Partial<CertificateFields> = {}, algorithm = ca.algorithms[0]!): Uint8Array {
  const signed = encodeCertificateSignedData({
    nonce: randomBytes(32),
    publicKey: subject,
    serial: 0n,
    kind: 'host',
    keyId: 'hopssh-test',
    principals: ['localhost'],
    validAfter: 0n,
    validBefore: CERT_VALID_FOREVER,
    criticalOptions: [],
    extensions: [],
    signatureKey: ca.publicBlob,
    ...fields,
  });
  return completeCertificate(signed, ca.sign(algorithm, signed));
}

type KeyType = Parameters<typeof hostKey>[0];
const certified = new Map<KeyType, CertifiedSigningKey>();

/** The cached host key of `type` with a TEST_HOST_CA host certificate for "localhost". */
export function certifiedHostKey(type: KeyType): CertifiedSigningKey {
  let k = certified.get(type);
  if (k === undefined) {
    const key = hostKey(type);
    k = new CertifiedSigningKey(key, signTestCertificate(TEST_HOST_CA, key.publicBlob));
    certified.set(type, k);
  }
  return k;
}

/** The host key behind a host-key algorithm: rsa-sha2-* on the RSA key, -cert-v01 names on the certified key. */
export function hostKeyForAlgorithm(algorithm: string): SigningKey {
  const plain = algorithm.replace(/-cert-v01@openssh\.com$/, '');
  const type = (plain.startsWith('rsa-sha2-') ? 'ssh-rsa' : plain) as KeyType;
  return plain === algorithm ? hostKey(type) : certifiedHostKey(type);
}
