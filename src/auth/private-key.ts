/**
 * Private key files: reading any format ssh-keygen or OpenSSL writes for the
 * key types hopssh signs with, and writing OpenSSH's own format (or PEM).
 *
 *   openssh-key-v1  "-----BEGIN OPENSSH PRIVATE KEY-----" (PROTOCOL.key)   private-key-openssh.ts
 *   pkcs1 / sec1 / pkcs8  "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"  private-key-pem.ts
 */
import { fromUtf8 } from '../wire/bytes.ts';
import type { Ed25519SigningKey, EcdsaSigningKey, RsaSigningKey } from '../crypto/signing-keys.ts';
import { UnsupportedKeyError } from './errors.ts';
import { readArmor, writeArmor, type Armored } from './pem-armor.ts';
import {
  OPENSSH_PRIVATE_KEY_LABEL,
  parseOpenSshPrivateKey,
  readOpenSshEnvelope,
  serializeOpenSshPrivateKey,
  type OpenSshKeyCipher,
} from './private-key-openssh.ts';
import { PEM_LABELS, parsePemPrivateKey, serializePemPrivateKey, type PemKeyFormat } from './private-key-pem.ts';

/** A private key hopssh can sign with. */
export type PrivateKey = Ed25519SigningKey | EcdsaSigningKey | RsaSigningKey;

export type PrivateKeyFormat = 'openssh-key-v1' | PemKeyFormat;

export interface ParsedPrivateKey {
  key: PrivateKey;
  /** The key's comment (openssh-key-v1 only; "" for PEM). */
  comment: string;
  format: PrivateKeyFormat;
  /** Whether the file was encrypted with a passphrase. */
  encrypted: boolean;
}

export interface ParsePrivateKeyOptions {
  /** For encrypted keys; a string is taken as UTF-8. */
  passphrase?: string | Uint8Array | undefined;
  /** Most bcrypt rounds accepted from the file (default MAX_BCRYPT_ROUNDS, 1024). */
  maxRounds?: number | undefined;
}

/** Labels of encrypted or foreign private keys, with the advice given. */
const UNSUPPORTED_LABELS: Readonly<Record<string, [format: string, detail: string]>> = Object.freeze({
  'ENCRYPTED PRIVATE KEY': ['PKCS#8', 'encrypted PKCS#8 keys are not supported; convert to OpenSSH\'s format with "ssh-keygen -p -f <key>"'],
  'DSA PRIVATE KEY': ['PEM', 'DSA (ssh-dss) keys are not supported: OpenSSH has deprecated them; use an Ed25519 key'],
});

function formatName(label: string): string {
  if (label === OPENSSH_PRIVATE_KEY_LABEL) return 'openssh-key-v1';
  return PEM_LABELS[label]?.name ?? UNSUPPORTED_LABELS[label]?.[0] ?? `PEM ${label}`;
}

/** The armoured private key in `data`; UnsupportedKeyError for encrypted PKCS#8 and DSA PEM. */
function readKeyArmor(data: string | Uint8Array): Armored {
  const text = typeof data === 'string' ? data : fromUtf8(data);
  const armored = readArmor(text, (label) => label.endsWith('PRIVATE KEY'), formatName);
  const unsupported = UNSUPPORTED_LABELS[armored.label];
  if (unsupported !== undefined) throw new UnsupportedKeyError(...unsupported);
  return armored;
}

/**
 * Reads a private key file's contents (text or bytes): openssh-key-v1
 * (unencrypted, or bcrypt + aes*-ctr / aes*-gcm@openssh.com), PKCS#1, SEC1
 * or unencrypted PKCS#8. Errors (all KeyParseError subclasses, each naming
 * the format): PassphraseRequiredError, WrongPassphraseError,
 * TruncatedKeyError, UnsupportedKeyError (other ciphers, KDFs, key types,
 * encrypted PEM), KeyParseError.
 */
export function parsePrivateKey(data: string | Uint8Array, opts: ParsePrivateKeyOptions = {}): ParsedPrivateKey {
  const armored = readKeyArmor(data);
  if (armored.label === OPENSSH_PRIVATE_KEY_LABEL) {
    return { ...parseOpenSshPrivateKey(armored.body, opts), format: 'openssh-key-v1' };
  }
  const { key, format } = parsePemPrivateKey(armored);
  return { key, comment: '', format, encrypted: false };
}

/**
 * What can be learned from an openssh-key-v1 file without its passphrase
 * (ssh offers a key's public half before asking for the passphrase). The
 * same errors as parsePrivateKey, except the passphrase ones; PEM keys hold
 * no separate public key, so they give `publicBlob: undefined`.
 */
export function inspectPrivateKey(data: string | Uint8Array, opts: Pick<ParsePrivateKeyOptions, 'maxRounds'> = {}): { format: PrivateKeyFormat; encrypted: boolean; publicBlob: Uint8Array | undefined } {
  const armored = readKeyArmor(data);
  if (armored.label === OPENSSH_PRIVATE_KEY_LABEL) {
    const env = readOpenSshEnvelope(armored.body, opts.maxRounds);
    return { format: 'openssh-key-v1', encrypted: env.cipher !== 'none', publicBlob: env.publicBlob };
  }
  const { format } = parsePemPrivateKey(armored);
  return { format, encrypted: false, publicBlob: undefined };
}

export interface SerializePrivateKeyOptions {
  /** Stored in openssh-key-v1 (PEM has no comment). */
  comment?: string | undefined;
  /** Encrypts (openssh-key-v1 only) when given and non-empty, as ssh-keygen -N. */
  passphrase?: string | Uint8Array | undefined;
  /** bcrypt rounds, as ssh-keygen -a (default 16). */
  rounds?: number | undefined;
  /** As ssh-keygen -Z: aes256-ctr (default) or aes256-gcm@openssh.com. */
  cipher?: OpenSshKeyCipher | undefined;
  /** Default openssh-key-v1; the PEM formats as ssh-keygen -m PEM / -m PKCS8 (unencrypted only). */
  format?: PrivateKeyFormat | undefined;
}

/**
 * The key file text: openssh-key-v1 armoured with 70-column base64 lines, as
 * ssh-keygen writes it, or PEM (64 columns) when `format` asks for it.
 */
export function serializePrivateKey(key: PrivateKey, opts: SerializePrivateKeyOptions = {}): string {
  const format = opts.format ?? 'openssh-key-v1';
  if (format === 'openssh-key-v1') return writeArmor(OPENSSH_PRIVATE_KEY_LABEL, serializeOpenSshPrivateKey(key, opts), 70);
  if (opts.passphrase !== undefined && opts.passphrase.length > 0) throw new TypeError('hopssh encrypts private keys only in the openssh-key-v1 format');
  return serializePemPrivateKey(key, format);
}
