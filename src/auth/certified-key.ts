/**
 * A private key together with its OpenSSH certificate (PROTOCOL.certkeys):
 * a SigningKey whose public blob is the certificate and whose algorithms are
 * the -cert-v01@openssh.com names, signing with the certified key's own
 * algorithm. The transport uses it unchanged as a host key; userauth as a
 * user credential.
 */
import { constantTimeEqual } from '../wire/bytes.ts';
import type { ProviderChoice, SigningKey } from '../crypto/types.ts';
import type { Certificate } from '../crypto/certificate-blob.ts';
import { CERTIFICATE_SIGNATURE_ALGORITHMS, underlyingSignatureAlgorithm } from '../crypto/signature.ts';
import { CertificateError } from './errors.ts';
import { toCertificate } from './certificate.ts';

export class CertifiedSigningKey implements SigningKey {
  /** The certificate key type, e.g. ssh-ed25519-cert-v01@openssh.com. */
  readonly type: string;
  /** The certificate blob. */
  readonly publicBlob: Uint8Array;
  /** -cert-v01@openssh.com forms of the key's algorithms (RSA: rsa-sha2-512-cert-v01@openssh.com, rsa-sha2-256-cert-v01@openssh.com). */
  readonly algorithms: readonly string[];
  readonly certificate: Certificate;

  /**
   * Throws CertificateError when the certificate does not parse or certifies
   * another key than `key`. It does not check the CA: the peer does.
   */
  constructor(
    readonly key: SigningKey,
    certificate: Uint8Array | Certificate,
  ) {
    const cert = toCertificate(certificate);
    if (!constantTimeEqual(cert.publicKey.blob, key.publicBlob)) {
      throw new CertificateError(cert.keyId, `certifies another key than this ${key.type} key`);
    }
    this.certificate = cert;
    this.type = cert.type;
    this.publicBlob = cert.blob;
    this.algorithms = Object.freeze(
      CERTIFICATE_SIGNATURE_ALGORITHMS.filter((a) => key.algorithms.includes(underlyingSignatureAlgorithm(a))),
    );
  }

  /** Signs with the certified key; the signature blob names the plain algorithm (e.g. ssh-ed25519), as OpenSSH sends it. */
  sign(algorithm: string, data: Uint8Array, provider?: ProviderChoice): Uint8Array {
    if (!this.algorithms.includes(algorithm)) throw new TypeError(`a ${this.type} key cannot sign with ${algorithm}`);
    return this.key.sign(underlyingSignatureAlgorithm(algorithm), data, provider);
  }
}
