import { sha256 } from '@noble/hashes/sha2.js';
import { md5 } from '@noble/hashes/legacy.js';
import { toBase64 } from '../wire/base64.ts';
import { isCertificateType, parseCertificate } from './certificate-blob.ts';
import { publicKeyType } from './public-key.ts';

/**
 * A certificate is fingerprinted by the key it certifies, as ssh-keygen -l
 * does; any other blob (or a certificate that does not parse) as it is, so
 * that a fingerprint can always be printed.
 */
function fingerprintedBlob(publicBlob: Uint8Array): Uint8Array {
  try {
    if (isCertificateType(publicKeyType(publicBlob))) return parseCertificate(publicBlob).publicKey.blob;
  } catch {
    // Not a well-formed certificate: fingerprint the bytes.
  }
  return publicBlob;
}

/** SHA256 fingerprint of a public key blob as ssh-keygen prints it: "SHA256:" + unpadded base64. */
export function fingerprintSha256(publicBlob: Uint8Array): string {
  return 'SHA256:' + toBase64(sha256(fingerprintedBlob(publicBlob)), false);
}

/** MD5 fingerprint as ssh-keygen -E md5 prints it: "MD5:" + colon-separated hex. */
export function fingerprintMd5(publicBlob: Uint8Array): string {
  return 'MD5:' + Array.from(md5(fingerprintedBlob(publicBlob)), (b) => b.toString(16).padStart(2, '0')).join(':');
}
