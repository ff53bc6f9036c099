import { sha256 } from '@noble/hashes/sha2.js';
import { md5 } from '@noble/hashes/legacy.js';
import { toBase64 } from '../wire/base64.ts';

/** SHA256 fingerprint of a public key blob as ssh-keygen prints it: "SHA256:" + unpadded base64. */
export function fingerprintSha256(publicBlob: Uint8Array): string {
  return 'SHA256:' + toBase64(sha256(publicBlob), false);
}

/** MD5 fingerprint as ssh-keygen -E md5 prints it: "MD5:" + colon-separated hex. */
export function fingerprintMd5(publicBlob: Uint8Array): string {
  return 'MD5:' + Array.from(md5(publicBlob), (b) => b.toString(16).padStart(2, '0')).join(':');
}
