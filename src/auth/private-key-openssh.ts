/**
 * OpenSSH's own private key format, openssh-key-v1 (OpenSSH PROTOCOL.key),
 * as ssh-keygen writes it by default: the binary structure inside
 * "-----BEGIN OPENSSH PRIVATE KEY-----" armour. Reads ssh-ed25519,
 * ecdsa-sha2-nistp256/384/521 and ssh-rsa keys, unencrypted or encrypted
 * with bcrypt_pbkdf and AES (CTR or GCM); writes them the same way.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { concatBytes, constantTimeEqual, fromUtf8, readUint32, utf8, wipe } from '../wire/bytes.ts';
import { bcryptPbkdf } from '../crypto/bcrypt-pbkdf.ts';
import { CIPHERS } from '../crypto/cipher-registry.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../crypto/errors.ts';
import { nobleProvider } from '../crypto/providers/noble.ts';
import { parsePublicKey, RSA_MAX_BITS, type EcdsaCurveName } from '../crypto/public-key.ts';
import { randomBytes } from '../crypto/random.ts';
import { Ed25519SigningKey, EcdsaSigningKey, RsaSigningKey } from '../crypto/signing-keys.ts';
import { bitLength } from '../crypto/modpow.ts';
import { KeyParseError, PassphraseRequiredError, TruncatedKeyError, UnsupportedKeyError, WrongPassphraseError } from './errors.ts';
import { withKeyErrors } from './key-errors-from-wire.ts';
import type { PrivateKey } from './private-key.ts';

export const OPENSSH_PRIVATE_KEY_LABEL = 'OPENSSH PRIVATE KEY';
const FORMAT = 'openssh-key-v1';
/** PROTOCOL.key §1: AUTH_MAGIC, NUL-terminated. */
const MAGIC = utf8('openssh-key-v1\0');

/**
 * The most bcrypt rounds hopssh reads from a key file unless the caller
 * raises it: a hostile file could otherwise ask for billions. Each round
 * costs about 7 ms here (two bcrypt_hash blocks for a 44/48-byte AES key
 * and IV), so 1024 rounds take ~7 s. ssh-keygen writes 16 by default; -a 100
 * is common advice.
 */
export const MAX_BCRYPT_ROUNDS = 1024;
/** ssh-keygen's default (sshkey.c DEFAULT_ROUNDS) and salt length (SALT_LEN). */
export const DEFAULT_BCRYPT_ROUNDS = 16;
const SALT_BYTES = 16;

/** The ciphers ssh-keygen -Z can use that hopssh reads; the first two it also writes. */
export type OpenSshKeyCipher = 'aes256-ctr' | 'aes256-gcm@openssh.com';
const READABLE_CIPHERS = new Set(['aes256-ctr', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes128-gcm@openssh.com']);
/** GCM tag length (PROTOCOL.key §1: the tag follows the encrypted string). */
const TAG_BYTES = 16;

/** Largest mpint read from a key: a 16384-bit RSA number plus its sign byte. */
const MAX_MPINT_BYTES = (RSA_MAX_BITS >> 3) + 1;
const MIN_RSA_BITS = 1024;

const ECDSA_CURVES: ReadonlyMap<string, EcdsaCurveName> = new Map([
  ['ecdsa-sha2-nistp256', 'nistp256'],
  ['ecdsa-sha2-nistp384', 'nistp384'],
  ['ecdsa-sha2-nistp521', 'nistp521'],
]);

/** The cleartext part of a key file (PROTOCOL.key §1–2). */
export interface OpenSshKeyEnvelope {
  readonly cipher: string;
  readonly kdf: string;
  /** bcrypt salt and rounds; undefined when kdf is "none". */
  readonly salt: Uint8Array | undefined;
  readonly rounds: number | undefined;
  /** The public key blob (RFC 4253 §6.6), readable without the passphrase. */
  readonly publicBlob: Uint8Array;
  /** The (possibly encrypted) private section. */
  readonly sealed: Uint8Array;
  /** The AEAD tag after it, for aes*-gcm@openssh.com. */
  readonly tag: Uint8Array | undefined;
}

export interface OpenSshReadOptions {
  passphrase?: string | Uint8Array | undefined;
  /** Highest bcrypt rounds accepted (default MAX_BCRYPT_ROUNDS). */
  maxRounds?: number | undefined;
}

function passphraseBytes(p: string | Uint8Array | undefined): Uint8Array | undefined {
  if (p === undefined) return undefined;
  return typeof p === 'string' ? utf8(p) : p;
}

/**
 * Reads the cleartext envelope of a binary openssh-key-v1 key and checks what
 * can be checked without the passphrase: magic, cipher and KDF names, KDF
 * options, exactly one key, the public key, lengths. Throws
 * UnsupportedKeyError for a cipher, KDF or key type hopssh does not read (or
 * more bcrypt rounds than `maxRounds`), TruncatedKeyError when the data ends
 * early, KeyParseError otherwise.
 */
export function readOpenSshEnvelope(bin: Uint8Array, maxRounds = MAX_BCRYPT_ROUNDS): OpenSshKeyEnvelope {
  const head = bin.subarray(0, MAGIC.length);
  if (!constantTimeEqual(head, MAGIC.subarray(0, head.length))) throw new KeyParseError(FORMAT, 'does not start with "openssh-key-v1\\0"');
  if (head.length < MAGIC.length) throw new TruncatedKeyError(FORMAT, `ends after ${bin.length} bytes, inside AUTH_MAGIC`);
  return withKeyErrors(FORMAT, () => {
    const r = new Reader(bin, MAGIC.length, bin.length, FORMAT);
    const cipher = r.ascii('ciphername');
    const kdf = r.ascii('kdfname');
    const kdfOptions = r.string('kdfoptions');
    const count = r.uint32('number of keys');
    // PROTOCOL.key §1: N keys; OpenSSH itself reads only files with one.
    if (count !== 1) throw new KeyParseError(FORMAT, `holds ${count} keys; a key file holds exactly one`);
    const publicBlob = r.string('publickey1').slice();
    checkCipherAndKdf(cipher, kdf);
    let salt: Uint8Array | undefined;
    let rounds: number | undefined;
    if (kdf === 'bcrypt') {
      // PROTOCOL.key §2: string salt, uint32 rounds.
      const o = new Reader(kdfOptions, 0, kdfOptions.length, `${FORMAT} kdfoptions`);
      salt = o.string('salt').slice();
      rounds = o.uint32('rounds');
      o.done();
      if (salt.length === 0) throw new KeyParseError(FORMAT, 'bcrypt salt is empty');
      if (rounds === 0) throw new KeyParseError(FORMAT, 'bcrypt rounds is 0');
      if (rounds > maxRounds) {
        throw new UnsupportedKeyError(FORMAT, `bcrypt rounds ${rounds} exceed the limit of ${maxRounds} (a guard against hostile key files; raise it with maxRounds)`);
      }
    } else if (kdfOptions.length !== 0) {
      throw new KeyParseError(FORMAT, 'kdfoptions must be empty when kdfname is "none"');
    }
    checkPublicKey(publicBlob);
    const sealed = r.string('encrypted private keys').slice();
    const tag = CIPHERS[cipher]!.aead ? r.bytes(TAG_BYTES, 'authentication tag').slice() : undefined;
    r.done();
    const block = CIPHERS[cipher]!.blockSize;
    if (sealed.length === 0 || sealed.length % block !== 0) {
      throw new KeyParseError(FORMAT, `private section of ${sealed.length} bytes is not a positive multiple of the ${block}-byte cipher block`);
    }
    return { cipher, kdf, salt, rounds, publicBlob, sealed, tag };
  });
}

function checkCipherAndKdf(cipher: string, kdf: string): void {
  if (cipher !== 'none' && !READABLE_CIPHERS.has(cipher)) {
    throw new UnsupportedKeyError(FORMAT, `cipher ${cipher} is not supported (hopssh reads none, aes128/192/256-ctr and aes128/256-gcm@openssh.com; re-encrypt with "ssh-keygen -p -Z aes256-ctr -f <key>")`);
  }
  if (kdf !== 'none' && kdf !== 'bcrypt') throw new UnsupportedKeyError(FORMAT, `KDF ${kdf} is not supported (hopssh reads bcrypt)`);
  if ((cipher === 'none') !== (kdf === 'none')) throw new KeyParseError(FORMAT, `cipher ${cipher} with KDF ${kdf}: both or neither must be "none"`);
}

/** The header's public key must be one hopssh reads; UnsupportedKeyError names the type otherwise. */
function checkPublicKey(blob: Uint8Array): void {
  try {
    parsePublicKey(blob);
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) throw unsupportedType(e.algorithm);
    if (e instanceof KeyFormatError) throw new KeyParseError(FORMAT, `public key: ${e.message}`);
    throw e;
  }
}

function unsupportedType(type: string): UnsupportedKeyError {
  if (type === 'ssh-dss') return new UnsupportedKeyError(FORMAT, 'DSA (ssh-dss) keys are not supported: OpenSSH has deprecated them; use an Ed25519 key');
  if (type.startsWith('sk-')) return new UnsupportedKeyError(FORMAT, `${type} is a FIDO security-key key, which needs the authenticator; hopssh does not support it`);
  if (type.includes('-cert-')) return new UnsupportedKeyError(FORMAT, `${type}: private keys with an embedded certificate are not supported; use the plain key and its -cert.pub file`);
  return new UnsupportedKeyError(FORMAT, `key type ${type} is not supported (hopssh reads ssh-ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa)`);
}

/**
 * Encrypts (`seal`) or decrypts (`open`) `buf[off, off + len)` in place with
 * the key file's cipher, keyed by bcrypt_pbkdf output split into key ‖ IV
 * (PROTOCOL.key §2, §4); for GCM the 16-byte tag follows the data. Returns
 * false when the GCM tag does not verify (nothing is then decrypted).
 */
function applyCipher(mode: 'seal' | 'open', cipher: string, passphrase: Uint8Array, salt: Uint8Array, rounds: number, buf: Uint8Array, off: number, len: number): boolean {
  const info = CIPHERS[cipher]!;
  const derived = bcryptPbkdf(passphrase, salt, info.keyLength + info.ivLength, rounds);
  const key = derived.subarray(0, info.keyLength);
  const iv = derived.subarray(info.keyLength);
  try {
    if (info.aead) {
      const gcm = nobleProvider.aesGcm!(key);
      try {
        if (mode === 'open') return gcm.open(iv, buf, off, 0, len);
        gcm.seal(iv, buf, off, 0, len);
        return true;
      } finally {
        gcm.dispose();
      }
    }
    const ctr = nobleProvider.aesCtr!(key, iv);
    ctr.update(buf, off, len);
    ctr.dispose();
    return true;
  } finally {
    wipe(derived);
  }
}

/**
 * Parses a binary openssh-key-v1 key (the base64-decoded armour body).
 * Errors: PassphraseRequiredError (encrypted, no or empty passphrase),
 * WrongPassphraseError (check integers differ or the GCM tag fails),
 * UnsupportedKeyError, TruncatedKeyError, KeyParseError.
 */
export function parseOpenSshPrivateKey(bin: Uint8Array, opts: OpenSshReadOptions = {}): { key: PrivateKey; comment: string; encrypted: boolean } {
  const env = readOpenSshEnvelope(bin, opts.maxRounds);
  const encrypted = env.cipher !== 'none';
  const plain = env.tag === undefined ? env.sealed.slice() : concatBytes(env.sealed, env.tag);
  try {
    if (encrypted) {
      const pass = passphraseBytes(opts.passphrase);
      // OpenSSH treats an empty passphrase as none given for an encrypted key.
      if (pass === undefined || pass.length === 0) throw new PassphraseRequiredError(FORMAT, `the key is encrypted (${env.cipher}); a passphrase is required`);
      if (!applyCipher('open', env.cipher, pass, env.salt!, env.rounds!, plain, 0, env.sealed.length)) throw new WrongPassphraseError(FORMAT, 'incorrect passphrase (the AES-GCM tag does not verify)');
    }
    const section = plain.subarray(0, env.sealed.length);
    const { key, comment } = withKeyErrors(FORMAT, () => readPrivateSection(section, encrypted));
    if (!constantTimeEqual(key.publicBlob, env.publicBlob)) {
      throw new KeyParseError(FORMAT, 'the public key in the header does not match the private key');
    }
    return { key, comment, encrypted };
  } finally {
    wipe(plain);
  }
}

/** PROTOCOL.key §3: checkint, checkint, the key, its comment, padding 1, 2, 3, …. */
function readPrivateSection(plain: Uint8Array, encrypted: boolean): { key: PrivateKey; comment: string } {
  const r = new Reader(plain, 0, plain.length, `${FORMAT} private key`);
  const check1 = r.uint32('checkint');
  const check2 = r.uint32('checkint');
  if (check1 !== check2) {
    throw encrypted
      ? new WrongPassphraseError(FORMAT, 'incorrect passphrase (the check integers differ after decryption)')
      : new KeyParseError(FORMAT, 'the check integers differ: the key is corrupt');
  }
  const type = r.ascii('keytype');
  const key = readKeyFields(type, r);
  // Comments are bytes to OpenSSH; decode leniently rather than refuse a key over them.
  const comment = fromUtf8(r.string('comment'));
  for (let i = 1; r.remaining > 0; i++) {
    if (r.byte('padding') !== (i & 0xff)) throw new KeyParseError(FORMAT, 'padding is not 1, 2, 3, …: the key is corrupt');
  }
  return { key, comment };
}

/** A bounded mpint: a longer one is refused before BigInt conversion (hostile input). */
function boundedMpint(r: Reader, what: string): bigint {
  if (r.remaining >= 4) {
    const len = readUint32(r.buf, r.pos);
    if (len <= r.remaining - 4 && len > MAX_MPINT_BYTES) throw new KeyParseError(FORMAT, `${what}: mpint of ${len} bytes is larger than any supported key`);
  }
  return r.mpint(what);
}

/** The per-type private fields (OpenSSH sshkey_private_serialize order). */
function readKeyFields(type: string, r: Reader): PrivateKey {
  if (type === 'ssh-ed25519') {
    // string ENC(A), string k ‖ ENC(A)
    const pub = r.string('ed25519 public key');
    const priv = r.string('ed25519 private key');
    if (pub.length !== 32 || priv.length !== 64) throw new KeyParseError(FORMAT, `ed25519 key fields of ${pub.length} and ${priv.length} bytes (32 and 64 expected)`);
    const key = Ed25519SigningKey.fromSeed(priv.subarray(0, 32));
    if (!constantTimeEqual(key.publicKey, pub) || !constantTimeEqual(priv.subarray(32), pub)) {
      key.dispose();
      throw new KeyParseError(FORMAT, 'the ed25519 private key does not match its public key');
    }
    return key;
  }
  const curve = ECDSA_CURVES.get(type);
  if (curve !== undefined) {
    // string curve, string Q, mpint d
    const id = r.ascii('curve');
    if (id !== curve) throw new KeyParseError(FORMAT, `curve ${id} does not match key type ${type}`);
    const q = r.string('Q');
    const d = boundedMpint(r, 'd');
    let key: EcdsaSigningKey;
    try {
      key = EcdsaSigningKey.fromPrivate(curve, d);
    } catch (e) {
      if (e instanceof RangeError) throw new KeyParseError(FORMAT, `${type}: private scalar out of range`);
      throw e;
    }
    if (!constantTimeEqual(key.publicPoint, q)) {
      key.dispose();
      throw new KeyParseError(FORMAT, `the ${type} private key does not match its public key`);
    }
    return key;
  }
  if (type === 'ssh-rsa') {
    // mpint n, e, d, iqmp, p, q
    const n = boundedMpint(r, 'n');
    const e = boundedMpint(r, 'e');
    const d = boundedMpint(r, 'd');
    const qInv = boundedMpint(r, 'iqmp');
    const p = boundedMpint(r, 'p');
    const q = boundedMpint(r, 'q');
    return rsaFromComponents(FORMAT, { n, e, d, p, q, qInv });
  }
  throw unsupportedType(type);
}

/**
 * An RSA key from parsed components, refusing sizes OpenSSH refuses
 * (UnsupportedKeyError below 1024 or above 16384 bits) and inconsistent
 * components (KeyParseError). Shared with the PEM reader.
 */
export function rsaFromComponents(format: string, c: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp?: bigint; dq?: bigint; qInv?: bigint }): RsaSigningKey {
  const bits = c.n > 0n ? bitLength(c.n) : 0;
  if (bits < MIN_RSA_BITS || bits > RSA_MAX_BITS) {
    throw new UnsupportedKeyError(format, `RSA key of ${bits} bits: hopssh, like OpenSSH, accepts ${MIN_RSA_BITS}..${RSA_MAX_BITS} bits`);
  }
  try {
    return RsaSigningKey.fromComponents(c);
  } catch (e) {
    if (e instanceof RangeError) throw new KeyParseError(format, `inconsistent RSA key: ${e.message}`);
    throw e;
  }
}

// ------------------------------------------------------------------ writing

export interface OpenSshWriteOptions {
  comment?: string | undefined;
  /** Encrypts when given and non-empty (as ssh-keygen -N). */
  passphrase?: string | Uint8Array | undefined;
  /** bcrypt rounds (ssh-keygen -a), 1..MAX_BCRYPT_ROUNDS; default 16. */
  rounds?: number | undefined;
  /** Default aes256-ctr, as ssh-keygen; aes256-gcm@openssh.com as ssh-keygen -Z. */
  cipher?: OpenSshKeyCipher | undefined;
}

function writeKeyFields(w: Writer, key: PrivateKey): void {
  w.string(key.type);
  if (key instanceof Ed25519SigningKey) {
    w.string(key.publicKey).string(concatBytes(key.seed, key.publicKey));
  } else if (key instanceof EcdsaSigningKey) {
    w.string(key.curve).string(key.publicPoint).mpint(key.d);
  } else {
    w.mpint(key.n).mpint(key.e).mpint(key.d).mpint(key.qInv).mpint(key.p).mpint(key.q);
  }
}

/** The binary openssh-key-v1 encoding of `key` (to be armoured under OPENSSH_PRIVATE_KEY_LABEL). */
export function serializeOpenSshPrivateKey(key: PrivateKey, opts: OpenSshWriteOptions = {}): Uint8Array {
  const pass = passphraseBytes(opts.passphrase);
  const encrypted = pass !== undefined && pass.length > 0;
  const cipher = encrypted ? (opts.cipher ?? 'aes256-ctr') : 'none';
  if (cipher !== 'none' && cipher !== 'aes256-ctr' && cipher !== 'aes256-gcm@openssh.com') throw new RangeError(`hopssh writes keys with aes256-ctr or aes256-gcm@openssh.com, not ${String(cipher)}`);
  const rounds = opts.rounds ?? DEFAULT_BCRYPT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_BCRYPT_ROUNDS) throw new RangeError(`bcrypt rounds must be 1..${MAX_BCRYPT_ROUNDS}, got ${rounds}`);
  const comment = opts.comment ?? '';
  const block = CIPHERS[cipher]!.blockSize;

  // Sized so the writers never grow (growing would leave copies of the secrets behind).
  const section = new Writer(4 * key.publicBlob.length + comment.length * 3 + 256);
  const check = readUint32(randomBytes(4), 0);
  section.uint32(check).uint32(check);
  writeKeyFields(section, key);
  section.string(comment);
  for (let i = 1; section.length % block !== 0; i++) section.byte(i);
  const plain = section.bytes();

  const salt = encrypted ? randomBytes(SALT_BYTES) : undefined;
  const kdfOptions = salt !== undefined ? new Writer(32).string(salt).uint32(rounds).bytes() : new Uint8Array(0);
  const out = new Writer(plain.length + key.publicBlob.length + 256)
    .raw(MAGIC)
    .string(cipher)
    .string(encrypted ? 'bcrypt' : 'none')
    .string(kdfOptions)
    .uint32(1)
    .string(key.publicBlob)
    .uint32(plain.length);
  const at = out.length;
  out.raw(plain);
  if (CIPHERS[cipher]!.aead) out.raw(new Uint8Array(TAG_BYTES));
  wipe(section.buf);
  const bin = out.bytes().slice();
  wipe(out.buf);
  if (encrypted) applyCipher('seal', cipher, pass, salt!, rounds, bin, at, plain.length);
  return bin;
}
