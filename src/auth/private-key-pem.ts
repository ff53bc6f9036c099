/**
 * PEM private keys as `ssh-keygen -m PEM` / `-m PKCS8` and OpenSSL write
 * them: PKCS#1 "RSA PRIVATE KEY" (RFC 8017 §A.1.2), SEC1 "EC PRIVATE KEY"
 * (RFC 5915 §3, named curves P-256/384/521) and unencrypted PKCS#8 "PRIVATE
 * KEY" (RFC 5208 §5 / RFC 5958 §2) holding RSA, EC or Ed25519 (RFC 8410 §7).
 * Encrypted PEM (RFC 1421 "Proc-Type: 4,ENCRYPTED", PKCS#8 "ENCRYPTED
 * PRIVATE KEY") is refused with UnsupportedKeyError.
 */
import {
  DerReader,
  derBitString,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
} from '../wire/der.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import { NIST_CURVES } from '../crypto/kex-ecdh-nist.ts';
import type { EcdsaCurveName } from '../crypto/public-key.ts';
import { Ed25519SigningKey, EcdsaSigningKey, RsaSigningKey } from '../crypto/signing-keys.ts';
import { KeyParseError, UnsupportedKeyError } from './errors.ts';
import { withKeyErrors } from './key-errors-from-wire.ts';
import { writeArmor, type Armored } from './pem-armor.ts';
import { rsaFromComponents } from './private-key-openssh.ts';
import type { PrivateKey } from './private-key.ts';

export type PemKeyFormat = 'pkcs1' | 'sec1' | 'pkcs8';

/** PEM label → format (and its name in errors). */
export const PEM_LABELS: Readonly<Record<string, { format: PemKeyFormat; name: string }>> = Object.freeze({
  'RSA PRIVATE KEY': { format: 'pkcs1', name: 'PKCS#1' },
  'EC PRIVATE KEY': { format: 'sec1', name: 'SEC1' },
  'PRIVATE KEY': { format: 'pkcs8', name: 'PKCS#8' },
});

const OID = Object.freeze({
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
});

/** Named curves (RFC 5480 §2.1.1.1). */
const CURVE_OIDS: ReadonlyMap<string, EcdsaCurveName> = new Map([
  ['1.2.840.10045.3.1.7', 'nistp256'],
  ['1.3.132.0.34', 'nistp384'],
  ['1.3.132.0.35', 'nistp521'],
]);
const OID_OF_CURVE: Readonly<Record<EcdsaCurveName, string>> = { nistp256: '1.2.840.10045.3.1.7', nistp384: '1.3.132.0.34', nistp521: '1.3.132.0.35' };

/** Algorithms a PKCS#8 key may hold that hopssh does not, for a clearer error. */
const KNOWN_UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10040.4.1', 'DSA'],
  ['1.2.840.113549.1.1.10', 'RSASSA-PSS'],
  ['1.3.101.110', 'X25519'],
  ['1.3.101.111', 'X448'],
  ['1.3.101.113', 'Ed448'],
]);

/**
 * Parses an armoured PEM private key whose label is in PEM_LABELS.
 * UnsupportedKeyError for encrypted PEM and for algorithms or curves hopssh
 * does not implement; KeyParseError/TruncatedKeyError for malformed DER.
 */
export function parsePemPrivateKey(armored: Armored): { key: PrivateKey; format: PemKeyFormat } {
  const entry = PEM_LABELS[armored.label];
  if (entry === undefined) throw new UnsupportedKeyError(`PEM ${armored.label}`, 'not a private key format hopssh reads');
  const { format, name } = entry;
  const procType = armored.headers.get('Proc-Type');
  if (procType !== undefined && /ENCRYPTED/i.test(procType)) {
    const dek = armored.headers.get('DEK-Info')?.split(',')[0] ?? 'unknown cipher';
    throw new UnsupportedKeyError(name, `encrypted PEM keys (Proc-Type: 4,ENCRYPTED, ${dek}) are not supported; convert to OpenSSH's format with "ssh-keygen -p -f <key>"`);
  }
  const der = armored.body;
  const key = withKeyErrors(name, () => {
    switch (format) {
      case 'pkcs1':
        return readRsaPrivateKey(der, name);
      case 'sec1':
        return readEcPrivateKey(der, name, undefined);
      case 'pkcs8':
        return readPkcs8(der, name);
    }
  });
  return { key, format };
}

/** RFC 8017 §A.1.2 RSAPrivateKey: version 0, n, e, d, p, q, dp, dq, qInv. */
function readRsaPrivateKey(der: Uint8Array, name: string): RsaSigningKey {
  const outer = new DerReader(der, 0, der.length, name);
  const r = outer.sequence('RSAPrivateKey');
  outer.done();
  const version = r.smallInteger('version');
  if (version !== 0) throw new UnsupportedKeyError(name, `RSAPrivateKey version ${version} (multi-prime RSA) is not supported`);
  const n = r.integer('modulus');
  const e = r.integer('publicExponent');
  const d = r.integer('privateExponent');
  const p = r.integer('prime1');
  const q = r.integer('prime2');
  const dp = r.integer('exponent1');
  const dq = r.integer('exponent2');
  const qInv = r.integer('coefficient');
  r.done();
  return rsaFromComponents(name, { n, e, d, p, q, dp, dq, qInv });
}

/**
 * RFC 5915 §3 ECPrivateKey: version 1, privateKey OCTET STRING,
 * [0] ECParameters (a named curve OID), [1] publicKey BIT STRING. Inside
 * PKCS#8 the curve comes from the AlgorithmIdentifier (`outerCurve`) and
 * [0] may be absent; when both are present they must agree.
 */
function readEcPrivateKey(der: Uint8Array, name: string, outerCurve: EcdsaCurveName | undefined): EcdsaSigningKey {
  const outer = new DerReader(der, 0, der.length, name);
  const r = outer.sequence('ECPrivateKey');
  outer.done();
  const version = r.smallInteger('version');
  if (version !== 1) throw new KeyParseError(name, `ECPrivateKey version ${version} (1 expected)`);
  const d = r.octetString('privateKey');
  const params = r.optionalExplicit(0, 'parameters');
  let curve = outerCurve;
  if (params !== undefined) {
    const named = curveOf(params, name);
    params.done();
    if (curve !== undefined && curve !== named) throw new KeyParseError(name, 'ECPrivateKey parameters name a different curve than the algorithm');
    curve = named;
  }
  if (curve === undefined) throw new KeyParseError(name, 'ECPrivateKey names no curve');
  const pubField = r.optionalExplicit(1, 'publicKey');
  const pub = pubField?.bitString('publicKey');
  pubField?.done();
  r.done();
  // SEC 1 §C.4: privateKey is the scalar in ceil(log2(n)/8) octets (some writers drop leading zeros).
  const fieldBytes = NIST_CURVES[curve].curve.Point.Fn.BYTES;
  if (d.length === 0 || d.length > fieldBytes) throw new KeyParseError(name, `EC private key of ${d.length} bytes for ${curve} (${fieldBytes} expected)`);
  let key: EcdsaSigningKey;
  try {
    key = EcdsaSigningKey.fromPrivate(curve, d);
  } catch (e) {
    if (e instanceof RangeError) throw new KeyParseError(name, `${curve} private scalar out of range`);
    throw e;
  }
  if (pub !== undefined && !samePoint(curve, pub, key.publicPoint)) {
    key.dispose();
    throw new KeyParseError(name, 'the EC private key does not match the public key stored with it');
  }
  return key;
}

/** Compares an encoded point (compressed or not) with an uncompressed one. */
function samePoint(curve: EcdsaCurveName, encoded: Uint8Array, uncompressed: Uint8Array): boolean {
  if (encoded.length === uncompressed.length) return constantTimeEqual(encoded, uncompressed);
  try {
    return constantTimeEqual(NIST_CURVES[curve].curve.Point.fromBytes(encoded).toBytes(false), uncompressed);
  } catch {
    return false;
  }
}

/** ECParameters: namedCurve OID (RFC 5480 §2.1.1); explicit parameters are not supported. */
function curveOf(r: DerReader, name: string): EcdsaCurveName {
  if (r.peekTag() !== 0x06) throw new UnsupportedKeyError(name, 'EC keys with explicit curve parameters are not supported (only named curves P-256, P-384, P-521)');
  const oid = r.oid('namedCurve');
  const curve = CURVE_OIDS.get(oid);
  if (curve === undefined) throw new UnsupportedKeyError(name, `EC curve ${oid} is not supported (only P-256, P-384, P-521)`);
  return curve;
}

/**
 * RFC 5958 §2 OneAsymmetricKey (PKCS#8 v1 is RFC 5208 §5): version 0 or 1,
 * AlgorithmIdentifier, privateKey OCTET STRING, [0] attributes, [1] publicKey.
 */
function readPkcs8(der: Uint8Array, name: string): PrivateKey {
  const outer = new DerReader(der, 0, der.length, name);
  const r = outer.sequence('PrivateKeyInfo');
  outer.done();
  const version = r.smallInteger('version');
  if (version > 1) throw new KeyParseError(name, `PrivateKeyInfo version ${version} (0 or 1 expected)`);
  const alg = r.sequence('privateKeyAlgorithm');
  const oid = alg.oid('algorithm');
  const inner = r.octetString('privateKey');
  if (r.peekTag() === 0xa0) r.element(0xa0, 'attributes');
  // [1] IMPLICIT BIT STRING (v2 only): the public key, checked against the private one for Ed25519.
  const pub = version === 1 && r.peekTag() === 0x81 ? r.element(0x81, 'publicKey') : undefined;
  r.done();
  if (oid === OID.rsaEncryption) {
    // RFC 8017 §A.1: parameters NULL (some writers omit them).
    if (alg.remaining > 0) alg.null('parameters');
    alg.done();
    return readRsaPrivateKey(inner, name);
  }
  if (oid === OID.ecPublicKey) {
    const curve = curveOf(alg, name);
    alg.done();
    return readEcPrivateKey(inner, name, curve);
  }
  if (oid === OID.ed25519) {
    // RFC 8410 §3: parameters absent; §7: privateKey holds CurvePrivateKey ::= OCTET STRING (the seed).
    alg.done();
    const ir = new DerReader(inner, 0, inner.length, `${name} CurvePrivateKey`);
    const seed = ir.octetString('seed');
    ir.done();
    if (seed.length !== 32) throw new KeyParseError(name, `Ed25519 private key of ${seed.length} bytes (32 expected)`);
    const key = Ed25519SigningKey.fromSeed(seed);
    if (pub !== undefined && !(pub[0] === 0 && constantTimeEqual(pub.subarray(1), key.publicKey))) {
      key.dispose();
      throw new KeyParseError(name, 'the Ed25519 private key does not match the public key stored with it');
    }
    return key;
  }
  const known = KNOWN_UNSUPPORTED.get(oid);
  throw new UnsupportedKeyError(name, `${known ?? 'algorithm'} ${known ? `(${oid})` : oid} keys are not supported (hopssh reads RSA, EC P-256/384/521 and Ed25519)`);
}

// ------------------------------------------------------------------ writing

function rsaPrivateKeyDer(k: RsaSigningKey): Uint8Array {
  return derSequence(derInteger(0n), ...[k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qInv].map(derInteger));
}

function ecPrivateKeyDer(k: EcdsaSigningKey, withCurve: boolean): Uint8Array {
  return derSequence(
    derInteger(1n),
    derOctetString(k.privateKey),
    ...(withCurve ? [derExplicit(0, derOid(OID_OF_CURVE[k.curve]))] : []),
    derExplicit(1, derBitString(k.publicPoint)),
  );
}

/** DER of `key` in `format` (PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for any), as OpenSSL writes them. */
export function pemPrivateKeyDer(key: PrivateKey, format: PemKeyFormat): Uint8Array {
  if (format === 'pkcs1') {
    if (!(key instanceof RsaSigningKey)) throw new TypeError(`PKCS#1 holds RSA keys, not ${key.type}`);
    return rsaPrivateKeyDer(key);
  }
  if (format === 'sec1') {
    if (!(key instanceof EcdsaSigningKey)) throw new TypeError(`SEC1 holds ECDSA keys, not ${key.type}`);
    return ecPrivateKeyDer(key, true);
  }
  if (format !== 'pkcs8') throw new TypeError(`unknown PEM key format ${String(format)}`);
  const v0 = derInteger(0n);
  if (key instanceof RsaSigningKey) return derSequence(v0, derSequence(derOid(OID.rsaEncryption), derNull()), derOctetString(rsaPrivateKeyDer(key)));
  if (key instanceof EcdsaSigningKey) {
    return derSequence(v0, derSequence(derOid(OID.ecPublicKey), derOid(OID_OF_CURVE[key.curve])), derOctetString(ecPrivateKeyDer(key, false)));
  }
  return derSequence(v0, derSequence(derOid(OID.ed25519)), derOctetString(derOctetString(key.seed)));
}

/** Armoured PEM of `key` (64-column base64, as OpenSSL writes). */
export function serializePemPrivateKey(key: PrivateKey, format: PemKeyFormat): string {
  const label = Object.keys(PEM_LABELS).find((l) => PEM_LABELS[l]!.format === format);
  if (label === undefined) throw new TypeError(`unknown PEM key format ${String(format)}`);
  return writeArmor(label, pemPrivateKeyDer(key, format), 64);
}
