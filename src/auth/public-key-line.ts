/**
 * Public key lines, as in `.pub` files, authorized_keys and known_hosts
 * (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): `keytype base64-blob [comment]`,
 * fields separated by spaces or tabs. The key type must be the one named
 * inside the blob (OpenSSH's sshkey_read refuses a mismatch). Certificates
 * (`*-cert-v01@openssh.com`, e.g. id_ed25519-cert.pub) are key lines too.
 */
import { fromBase64, toBase64 } from '../wire/base64.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../crypto/errors.ts';
import { parsePublicKey, publicKeyType, type PublicKey } from '../crypto/public-key.ts';
import { isCertificateType, parseCertificate, type Certificate } from '../crypto/certificate-blob.ts';
import { KeyParseError, TruncatedKeyError, UnsupportedKeyError } from './errors.ts';

/** A parsed key: a plain public key or a certificate. */
export interface ParsedKey {
  /** The key type, as named on the line and inside the blob. */
  readonly type: string;
  /** The whole blob (the certificate blob for a certificate). */
  readonly blob: Uint8Array;
  /** The public key; for a certificate, the certified key. */
  readonly key: PublicKey;
  /** Set when the blob is a certificate. */
  readonly certificate?: Certificate;
}

/** A parsed `type base64 [comment]` line. */
export interface PublicKeyLine extends ParsedKey {
  /** The rest of the line after the key, trimmed; "" when absent. */
  readonly comment: string;
}

/**
 * Parses a key blob (plain or certificate) and checks it is of `expectedType`
 * when given. Errors are KeyParseError subclasses whose format is `where`:
 * UnsupportedKeyError for a key type hopssh does not implement (ssh-dss,
 * sk-*), TruncatedKeyError for a blob that ends early, KeyParseError otherwise.
 */
export function parseKeyBlob(blob: Uint8Array, where: string, expectedType?: string): ParsedKey {
  let type: string;
  try {
    type = publicKeyType(blob);
  } catch (e) {
    throw new TruncatedKeyError(where, `key blob too short to name its type (${blob.length} bytes)`);
  }
  if (expectedType !== undefined && type !== expectedType) {
    throw new KeyParseError(where, `key type ${expectedType} does not match the key's own type ${type}`);
  }
  try {
    if (isCertificateType(type)) {
      const certificate = parseCertificate(blob);
      return { type, blob: certificate.blob, key: certificate.publicKey, certificate };
    }
    const key = parsePublicKey(blob);
    return { type, blob: key.blob, key };
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) throw new UnsupportedKeyError(where, `unsupported key type ${e.algorithm}`);
    if (e instanceof KeyFormatError) {
      // WireError messages say "needs N bytes" / "exceeds" when data ran out.
      const truncated = /needs \d+ bytes|exceeds the \d+ bytes left/.test(e.message);
      throw new (truncated ? TruncatedKeyError : KeyParseError)(where, e.message);
    }
    throw e;
  }
}

/** Decodes the base64 key field; KeyParseError naming `where` if it is not base64. */
export function decodeKeyField(base64: string, where: string): Uint8Array {
  try {
    return fromBase64(base64);
  } catch (e) {
    throw new KeyParseError(where, `key is not valid base64 (${(e as Error).message})`);
  }
}

const FIELDS = /^[ \t]*([^ \t]+)(?:[ \t]+([^ \t]+))?(?:[ \t]+(.*))?$/s;

/**
 * Parses the key fields `type base64 [comment]` starting the text (leading
 * blanks and a trailing CR/LF are ignored). `where` names the line in
 * errors, e.g. "~/.ssh/id_ed25519.pub" or "authorized_keys line 3".
 */
export function parsePublicKeyLine(text: string, where = 'public key line'): PublicKeyLine {
  const m = FIELDS.exec(text.replace(/\r?\n$/, ''));
  if (m === null) throw new KeyParseError(where, 'no key');
  const type = m[1]!;
  const base64 = m[2];
  if (base64 === undefined) throw new KeyParseError(where, `key type ${type} without a key`);
  const parsed = parseKeyBlob(decodeKeyField(base64, where), where, type);
  return { ...parsed, comment: (m[3] ?? '').trim() };
}

/** Formats a key line: `type base64 [comment]` (the type is read from the blob). */
export function formatPublicKeyLine(blob: Uint8Array, comment = ''): string {
  const type = publicKeyType(blob);
  if (/[\r\n]/.test(comment)) throw new RangeError('a key comment cannot hold a line break');
  return comment === '' ? `${type} ${toBase64(blob)}` : `${type} ${toBase64(blob)} ${comment}`;
}
