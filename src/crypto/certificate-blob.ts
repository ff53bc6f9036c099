/**
 * OpenSSH certificate blobs (PROTOCOL.certkeys, "New public key formats"):
 * ssh-ed25519-cert-v01@openssh.com, ecdsa-sha2-nistp256/384/521-cert-v01@openssh.com
 * and ssh-rsa-cert-v01@openssh.com. This module only decodes and encodes;
 * checking the CA's signature, the validity window, principals and options
 * is the auth layer's (src/auth/certificate.ts).
 *
 *     string  cert key type        string  key id
 *     string  nonce                string  valid principals (strings)
 *     …       the key's fields     uint64  valid after, valid before
 *     uint64  serial               string  critical options, extensions
 *     uint32  type (1 user, 2 host) string reserved, signature key
 *                                  string  signature (over all the above)
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';
import { concatBytes } from '../wire/bytes.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from './errors.ts';
import { parsePublicKey, publicKeyType, type PublicKey, type PublicKeyType } from './public-key.ts';

export type CertificateKeyType =
  | 'ssh-ed25519-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp256-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp384-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp521-cert-v01@openssh.com'
  | 'ssh-rsa-cert-v01@openssh.com';

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** Certificate key type → the plain key type it certifies. */
const PLAIN_TYPE: Readonly<Record<CertificateKeyType, PublicKeyType>> = Object.freeze({
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
});

/** How many SSH strings (mpints are strings on the wire) hold each plain key's fields. */
const KEY_FIELD_COUNT: Readonly<Record<PublicKeyType, number>> = {
  'ssh-ed25519': 1, // pk
  'ecdsa-sha2-nistp256': 2, // curve, Q
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'ssh-rsa': 2, // e, n
};

/** Most principals a certificate may list (OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS). */
export const CERT_MAX_PRINCIPALS = 256;

/** valid before = 2^64-1: the certificate never expires (ssh-keygen prints "forever"). */
export const CERT_VALID_FOREVER = 0xffff_ffff_ffff_ffffn;

/** Whether `type` names a certificate key type hopssh implements. */
export function isCertificateType(type: string): type is CertificateKeyType {
  return Object.hasOwn(PLAIN_TYPE, type);
}

/** The plain key type a certificate type certifies; UnsupportedAlgorithmError for anything else. */
export function plainKeyTypeOf(certType: string): PublicKeyType {
  if (!isCertificateType(certType)) throw new UnsupportedAlgorithmError('certificate', certType);
  return PLAIN_TYPE[certType];
}

/** The certificate key type for a plain key type (ssh-ed25519 → ssh-ed25519-cert-v01@openssh.com). */
export function certificateTypeOf(plainType: PublicKeyType): CertificateKeyType {
  const t = plainType + CERT_SUFFIX;
  if (!isCertificateType(t)) throw new UnsupportedAlgorithmError('certificate', t);
  return t;
}

/** One critical option or extension: name and its raw data string (PROTOCOL.certkeys "Critical options"). */
export interface CertificateOption {
  readonly name: string;
  /** The option's data field as sent: zero or more values packed inside (e.g. string(command)). */
  readonly data: Uint8Array;
}

/** The fields a CA signs, apart from the key type and the certified key. */
interface SignedFields {
  readonly nonce: Uint8Array;
  readonly serial: bigint;
  /** SSH_CERT_TYPE_USER (1) or SSH_CERT_TYPE_HOST (2). */
  readonly kind: 'user' | 'host';
  readonly keyId: string;
  /** Empty: no principals listed (OpenSSH ≥ 10.3 then refuses the certificate). */
  readonly principals: readonly string[];
  /** Seconds since the epoch; valid when validAfter <= now < validBefore. */
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: readonly CertificateOption[];
  readonly extensions: readonly CertificateOption[];
  /** The CA's public key blob (never itself a certificate). */
  readonly signatureKey: Uint8Array;
}

/** A decoded certificate. Nothing here has been checked against a CA yet. */
export interface Certificate extends SignedFields {
  /** The certificate key type, e.g. ssh-ed25519-cert-v01@openssh.com. */
  readonly type: CertificateKeyType;
  /** The certified key, parsed and validated; `publicKey.blob` is its plain public key blob. */
  readonly publicKey: PublicKey;
  readonly reserved: Uint8Array;
  /** The CA's signature blob: string(algorithm) ‖ string(signature). */
  readonly signature: Uint8Array;
  /** The bytes the CA signed: the blob from its start up to and including the signature key. */
  readonly signedData: Uint8Array;
  /** The whole certificate blob. */
  readonly blob: Uint8Array;
}

/** A cstring as OpenSSH reads it: UTF-8 text without NUL. */
function cstring(r: Reader, what: string): string {
  const start = r.pos;
  const s = r.text(what);
  if (s.includes('\0')) throw new WireError(`${r.context}.${what}`, start, 'contains a NUL byte');
  return s;
}

function parseOptions(data: Uint8Array, what: string): CertificateOption[] {
  const r = new Reader(data, 0, data.length, what);
  const out: CertificateOption[] = [];
  while (r.remaining > 0) {
    const name = cstring(r, 'name');
    out.push({ name, data: r.string('data').slice() });
  }
  return out;
}

/**
 * Decodes a certificate blob. Throws UnsupportedAlgorithmError when the blob
 * is not a certificate type hopssh implements, KeyFormatError when it is
 * malformed: truncated or with trailing bytes, a certified key or CA key that
 * does not parse, a CA key that is itself a certificate, an unknown
 * certificate type, more than 256 principals, or badly framed options.
 */
export function parseCertificate(blob: Uint8Array): Certificate {
  const type = publicKeyType(blob);
  const plainType = plainKeyTypeOf(type);
  const certType = type as CertificateKeyType;
  const r = new Reader(blob, 0, blob.length, type);
  try {
    r.ascii('type');
    const nonce = r.string('nonce').slice();
    const keyStart = r.pos;
    for (let i = 0; i < KEY_FIELD_COUNT[plainType]; i++) r.string('public key');
    // The key's fields are encoded exactly as in the plain blob, after its name.
    const plainBlob = concatBytes(new Writer(32).string(plainType).bytes(), blob.subarray(keyStart, r.pos));
    const serial = r.uint64('serial');
    const kindCode = r.uint32('type');
    const keyId = cstring(r, 'key id');
    const principalsData = r.string('valid principals');
    const validAfter = r.uint64('valid after');
    const validBefore = r.uint64('valid before');
    const critical = r.string('critical options');
    const exts = r.string('extensions');
    const reserved = r.string('reserved').slice();
    const signatureKey = r.string('signature key').slice();
    const signedEnd = r.pos;
    const signature = r.string('signature').slice();
    r.done();

    if (kindCode !== 1 && kindCode !== 2) throw new KeyFormatError(type, `unknown certificate type ${kindCode} (1 is user, 2 is host)`);
    const pr = new Reader(principalsData, 0, principalsData.length, `${type} valid principals`);
    const principals: string[] = [];
    while (pr.remaining > 0) {
      if (principals.length >= CERT_MAX_PRINCIPALS) throw new KeyFormatError(type, `more than ${CERT_MAX_PRINCIPALS} principals`);
      principals.push(cstring(pr, 'principal'));
    }
    const criticalOptions = parseOptions(critical, `${type} critical options`);
    const extensions = parseOptions(exts, `${type} extensions`);
    const publicKey = parsePublicKey(plainBlob);
    // PROTOCOL.certkeys: "Chained" certificates are NOT supported.
    const caType = publicKeyType(signatureKey);
    if (caType.endsWith(CERT_SUFFIX)) throw new KeyFormatError(type, `signature key is itself a certificate (${caType})`);
    parsePublicKey(signatureKey);
    return {
      type: certType,
      nonce,
      publicKey,
      serial,
      kind: kindCode === 1 ? 'user' : 'host',
      keyId,
      principals,
      validAfter,
      validBefore,
      criticalOptions,
      extensions,
      reserved,
      signatureKey,
      signature,
      signedData: blob.slice(0, signedEnd),
      blob: blob.slice(),
    };
  } catch (e) {
    if (e instanceof WireError) throw new KeyFormatError(type, e.message);
    throw e;
  }
}

/** What a CA signs; `publicKey` is the plain public key blob of the key being certified (its type gives the certificate's). */
export interface CertificateFields extends SignedFields {
  readonly publicKey: Uint8Array;
  readonly reserved?: Uint8Array;
}

function encodeOptions(options: readonly CertificateOption[]): Uint8Array {
  const w = new Writer(64);
  for (const o of options) w.string(o.name).string(o.data);
  return w.bytes();
}

/**
 * The to-be-signed part of a certificate (everything before the signature).
 * The certificate is `signedData ‖ string(signature blob)`: see `completeCertificate`.
 */
export function encodeCertificateSignedData(f: CertificateFields): Uint8Array {
  const plainType = publicKeyType(f.publicKey) as PublicKeyType;
  const type = certificateTypeOf(plainType);
  const key = new Reader(f.publicKey, 0, f.publicKey.length, plainType);
  key.ascii('type');
  const principals = new Writer(64);
  for (const p of f.principals) principals.string(p);
  return new Writer(512 + f.publicKey.length + f.signatureKey.length)
    .string(type)
    .string(f.nonce)
    .raw(key.bytes(key.remaining))
    .uint64(f.serial)
    .uint32(f.kind === 'user' ? 1 : 2)
    .string(f.keyId)
    .string(principals.bytes())
    .uint64(f.validAfter)
    .uint64(f.validBefore)
    .string(encodeOptions(f.criticalOptions))
    .string(encodeOptions(f.extensions))
    .string(f.reserved ?? new Uint8Array(0))
    .string(f.signatureKey)
    .bytes()
    .slice();
}

/** Appends the CA's signature blob to the signed data: the certificate blob. */
export function completeCertificate(signedData: Uint8Array, signatureBlob: Uint8Array): Uint8Array {
  return new Writer(signedData.length + signatureBlob.length + 4).raw(signedData).string(signatureBlob).bytes().slice();
}
