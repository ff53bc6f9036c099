/**
 * Checking OpenSSH certificates (PROTOCOL.certkeys) as sshd and ssh do
 * (OpenSSH 10.3+: sshkey_cert_check_authority, sshkey_cert_check_host,
 * auth-options.c cert_option_list):
 *
 * - the CA key must be trusted, and its signature must verify with an
 *   allowed algorithm (CASignatureAlgorithms: no ssh-rsa SHA-1 since 8.2);
 * - user certificates for user authentication, host certificates for hosts;
 * - valid after <= now < valid before;
 * - the principal list must not be empty (OpenSSH 10.3 dropped "empty means
 *   anyone"); a user name must be listed exactly, a host name may match a
 *   listed principal that is a wildcard pattern (host certificates only);
 * - critical options: force-command and source-address (CIDR list checked
 *   against the client address) and verify-required for user certificates,
 *   none at all for host certificates; any other critical option refuses;
 * - extensions: permit-* grant what a certificate otherwise withholds;
 *   unknown ones are ignored (all are exposed).
 */
import { Reader } from '../wire/reader.ts';
import { WireError } from '../wire/errors.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../crypto/errors.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import { SIGNATURE_ALGORITHMS, parseSignatureBlob, verifySignature } from '../crypto/signature.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { CERT_VALID_FOREVER, parseCertificate, type Certificate, type CertificateOption } from '../crypto/certificate-blob.ts';
import { CertificateError, PatternError } from './errors.ts';
import { matchCidrList, matchPattern, parseCidrList } from './patterns.ts';
import { CERTIFICATE_BASELINE, type KeyRestrictions } from './key-restrictions.ts';

/**
 * CA signature algorithms accepted by default: OpenSSH's CASignatureAlgorithms
 * (without the FIDO ones): every signature algorithm but ssh-rsa (SHA-1).
 */
export const DEFAULT_CA_SIGNATURE_ALGORITHMS: readonly string[] = Object.freeze(SIGNATURE_ALGORITHMS.filter((a) => a !== 'ssh-rsa'));

export interface CertificateCheck {
  /** 'user': a user certificate for user authentication; 'host': a host certificate for a server. */
  readonly role: 'user' | 'host';
  /**
   * The user name or host name that must be a listed principal. Omit it only
   * when the caller checks principals itself (authorized_keys `principals=`,
   * AuthorizedPrincipalsFile); an empty principal list is refused regardless.
   */
  readonly principal?: string;
  readonly now: Date;
  /** Trusted CA public key blobs, or a predicate deciding whether a CA key blob is trusted. */
  readonly trustedCAs: readonly Uint8Array[] | ((caBlob: Uint8Array) => boolean);
  /** The client's address, checked against a source-address critical option (user certificates). */
  readonly clientAddress?: string;
  /** Signature algorithms a CA may have used (default DEFAULT_CA_SIGNATURE_ALGORITHMS). */
  readonly caSignatureAlgorithms?: readonly string[];
  /** Who verifies the CA's signature: 'noble' as the connection's `crypto: 'noble'` asks (default: the chosen provider). */
  readonly crypto?: ProviderChoice;
}

export interface VerifiedCertificate {
  readonly certificate: Certificate;
  /** The CA's signature algorithm, e.g. rsa-sha2-512. */
  readonly signatureAlgorithm: string;
  /** What the certificate permits and forces (user certificates; a host certificate's are the baseline). */
  readonly restrictions: KeyRestrictions;
  /** force-command, if present. */
  readonly forceCommand?: string;
  /** source-address, if present (already checked against the client address). */
  readonly sourceAddress?: string;
  /** Every extension by name with its data, including ones hopssh does not interpret. */
  readonly extensions: ReadonlyMap<string, Uint8Array>;
}

/** Seconds since the epoch, as OpenSSH compares certificate times. */
function epochSeconds(now: Date): bigint {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('now is an invalid Date');
  return BigInt(Math.floor(ms / 1000));
}

function formatTime(t: bigint): string {
  if (t === CERT_VALID_FOREVER) return 'forever';
  // Date covers ±8.64e15 ms; beyond that, print the seconds.
  return t <= 8_640_000_000_000n ? new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z') : `${t} seconds after the epoch`;
}

/** One string value filling an option's data exactly (force-command, source-address). */
function singleString(o: CertificateOption, keyId: string): string {
  const r = new Reader(o.data, 0, o.data.length, o.name);
  try {
    const s = r.text('value');
    r.done();
    if (s.includes('\0')) throw new WireError(o.name, 0, 'contains a NUL byte');
    return s;
  } catch (e) {
    if (e instanceof WireError) throw new CertificateError(keyId, `critical option ${o.name} is malformed: ${e.message}`);
    throw e;
  }
}

const PERMIT_EXTENSIONS: Readonly<Record<string, keyof KeyRestrictions>> = {
  'permit-X11-forwarding': 'permitX11Forwarding',
  'permit-agent-forwarding': 'permitAgentForwarding',
  'permit-port-forwarding': 'permitPortForwarding',
  'permit-pty': 'permitPty',
  'permit-user-rc': 'permitUserRc',
  'no-touch-required': 'noTouchRequired',
};

/**
 * The restrictions a user certificate carries (auth-options.c
 * cert_option_list): critical options force-command, source-address and
 * verify-required; permit-* and no-touch-required extensions. Throws
 * CertificateError for an unknown critical option, a repeated or malformed
 * one, an invalid source-address list, or a known option with stray data.
 */
export function certificateRestrictions(cert: Certificate): { restrictions: KeyRestrictions; forceCommand?: string; sourceAddress?: string } {
  const keyId = cert.keyId;
  let forceCommand: string | undefined;
  let sourceAddress: string | undefined;
  let requireUserVerification = false;
  for (const o of cert.criticalOptions) {
    if (o.name === 'force-command') {
      if (forceCommand !== undefined) throw new CertificateError(keyId, 'more than one force-command critical option');
      forceCommand = singleString(o, keyId);
    } else if (o.name === 'source-address') {
      if (sourceAddress !== undefined) throw new CertificateError(keyId, 'more than one source-address critical option');
      sourceAddress = singleString(o, keyId);
      try {
        parseCidrList(sourceAddress);
      } catch (e) {
        if (e instanceof PatternError) throw new CertificateError(keyId, `source-address ${JSON.stringify(sourceAddress)} is invalid: ${e.message}`);
        throw e;
      }
    } else if (o.name === 'verify-required') {
      if (o.data.length !== 0) throw new CertificateError(keyId, 'critical option verify-required carries data');
      requireUserVerification = true;
    } else {
      throw new CertificateError(keyId, `unknown critical option ${JSON.stringify(o.name)}`);
    }
  }
  const granted: Record<string, boolean> = {};
  for (const e of cert.extensions) {
    const field = Object.hasOwn(PERMIT_EXTENSIONS, e.name) ? PERMIT_EXTENSIONS[e.name] : undefined;
    if (field === undefined) continue; // PROTOCOL.certkeys: unknown extensions are ignored
    if (e.data.length !== 0) throw new CertificateError(keyId, `extension ${e.name} carries data`);
    granted[field] = true;
  }
  const restrictions: KeyRestrictions = {
    ...CERTIFICATE_BASELINE,
    ...granted,
    ...(forceCommand !== undefined ? { forceCommand } : {}),
    requireUserVerification,
  };
  return { restrictions, ...(forceCommand !== undefined ? { forceCommand } : {}), ...(sourceAddress !== undefined ? { sourceAddress } : {}) };
}

function isTrusted(trusted: CertificateCheck['trustedCAs'], ca: Uint8Array): boolean {
  if (typeof trusted === 'function') return trusted(ca) === true;
  return trusted.some((t) => constantTimeEqual(t, ca));
}

function describeCa(ca: Uint8Array): string {
  return `${publicKeyType(ca)} ${fingerprintSha256(ca)}`;
}

/** A certificate as given, or parsed from its blob; a blob that does not parse is a CertificateError with key id "(unparsed)". */
export function toCertificate(cert: Certificate | Uint8Array): Certificate {
  if (!(cert instanceof Uint8Array)) return cert;
  try {
    return parseCertificate(cert);
  } catch (e) {
    if (e instanceof KeyFormatError || e instanceof UnsupportedAlgorithmError) throw new CertificateError('(unparsed)', e.message);
    throw e;
  }
}

/**
 * Verifies a certificate (a parsed one or its blob) for `check.role`.
 * Returns what it grants and forces; throws CertificateError saying which
 * check failed: untrusted CA, disallowed or failing CA signature, wrong
 * certificate type, not yet valid, expired, no principals, principal not
 * listed, unsupported critical option, source address not allowed.
 * A blob that does not parse also gives CertificateError (key id "(unparsed)").
 */
export function verifyCertificate(cert: Certificate | Uint8Array, check: CertificateCheck): VerifiedCertificate {
  const c = toCertificate(cert);
  const id = c.keyId;
  const ca = c.signatureKey;

  if (!isTrusted(check.trustedCAs, ca)) throw new CertificateError(id, `signed by an untrusted CA (${describeCa(ca)})`);
  let signatureAlgorithm: string;
  try {
    signatureAlgorithm = parseSignatureBlob(c.signature).algorithm;
  } catch (e) {
    throw new CertificateError(id, `CA signature is malformed: ${(e as Error).message}`);
  }
  const allowed = check.caSignatureAlgorithms ?? DEFAULT_CA_SIGNATURE_ALGORITHMS;
  if (!allowed.includes(signatureAlgorithm)) {
    throw new CertificateError(id, `CA signature algorithm ${signatureAlgorithm} is not allowed (allowed: ${allowed.join(',')})`);
  }
  let good: boolean;
  try {
    good = verifySignature(signatureAlgorithm, ca, c.signature, c.signedData, check.crypto);
  } catch (e) {
    if (e instanceof KeyFormatError || e instanceof UnsupportedAlgorithmError) {
      throw new CertificateError(id, `CA signature cannot be checked: ${e.message}`);
    }
    throw e;
  }
  if (!good) throw new CertificateError(id, `CA signature does not verify (${describeCa(ca)})`);

  if (c.kind !== check.role) throw new CertificateError(id, `not a ${check.role} certificate (it is a ${c.kind} certificate)`);
  const now = epochSeconds(check.now);
  if (now < c.validAfter) throw new CertificateError(id, `not yet valid: valid from ${formatTime(c.validAfter)}`);
  if (now >= c.validBefore) throw new CertificateError(id, `expired at ${formatTime(c.validBefore)}`);
  if (c.principals.length === 0) throw new CertificateError(id, 'lists no principals');
  if (check.principal !== undefined) {
    const name = check.principal;
    // Wildcard principals are honoured for host certificates only (OpenSSH 10.3).
    const listed = check.role === 'host' ? c.principals.some((p) => matchPattern(name, p)) : c.principals.includes(name);
    if (!listed) throw new CertificateError(id, `${JSON.stringify(name)} is not a listed principal (${c.principals.join(',')})`);
  }

  const extensions = new Map(c.extensions.map((e) => [e.name, e.data] as const));
  if (c.kind === 'host') {
    // sshkey_cert_check_host: no critical options are defined for host certificates.
    if (c.criticalOptions.length > 0) {
      throw new CertificateError(id, `unsupported critical option ${JSON.stringify(c.criticalOptions[0]!.name)} in a host certificate`);
    }
    return { certificate: c, signatureAlgorithm, restrictions: CERTIFICATE_BASELINE, extensions };
  }
  const { restrictions, forceCommand, sourceAddress } = certificateRestrictions(c);
  if (sourceAddress !== undefined) {
    if (check.clientAddress === undefined) throw new CertificateError(id, `source-address ${sourceAddress} needs the client's address`);
    if (!matchCidrList(check.clientAddress, sourceAddress)) {
      throw new CertificateError(id, `source address ${check.clientAddress} is not in source-address ${sourceAddress}`);
    }
  }
  return {
    certificate: c,
    signatureAlgorithm,
    restrictions,
    ...(forceCommand !== undefined ? { forceCommand } : {}),
    ...(sourceAddress !== undefined ? { sourceAddress } : {}),
    extensions,
  };
}
