/**
 * authorized_keys files, per sshd(8) "AUTHORIZED_KEYS FILE FORMAT": one key a
 * line, `[options] keytype base64-key [comment]`; `#` lines and blank lines
 * are comments. Options are comma-separated, with no spaces outside double
 * quotes; a value is `name="…"` where `\"` stands for a quote. Option names
 * are case-insensitive, as sshd reads them.
 *
 * Where sshd silently skips a line it cannot read, hopssh reports it: the
 * parser throws a KeyParseError naming the line ("authorized_keys line 3"),
 * or hands it to `onInvalidLine` and goes on.
 *
 * expiry-time="YYYYMMDD[HHMM[SS]]" is read in the local time zone of the
 * process, as sshd reads it, unless it ends in "Z" or "UTC" (then UTC).
 */
import { constantTimeEqual, fromUtf8 } from '../wire/bytes.ts';
import type { FileSystem } from '../io/file-system.ts';
import { isCertificateType, parseCertificate, type Certificate } from '../crypto/certificate-blob.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import { CertificateError, KeyParseError, PatternError } from './errors.ts';
import { parsePublicKeyLine } from './public-key-line.ts';
import { asciiLowerCase, matchHostAndAddress } from './patterns.ts';
import { verifyCertificate, type VerifiedCertificate } from './certificate.ts';
import { UNRESTRICTED, mergeRestrictions, type KeyRestrictions } from './key-restrictions.ts';

/** The options of one line; the restriction fields are what the line leaves the server to enforce. */
export interface AuthorizedKeyOptions extends KeyRestrictions {
  /** `restrict` was given: every permission off unless re-enabled after it. */
  readonly restrict: boolean;
  /** `cert-authority`: the key is a CA whose user certificates are accepted. */
  readonly certAuthority: boolean;
  /** `from=` pattern list (host names, addresses, CIDR, `!` negation). */
  readonly from?: string;
  /** `principals=`: comma-separated names a certificate must list one of (with cert-authority). */
  readonly principals?: string;
  /** `expiry-time=`: seconds since the epoch after which the line no longer applies (the earliest if repeated). */
  readonly expiryTime?: number;
}

export interface AuthorizedKey {
  /** The key type, e.g. ssh-ed25519 (a CA key's for cert-authority lines). */
  readonly keyType: string;
  /** The public key blob. */
  readonly keyBlob: Uint8Array;
  readonly comment: string;
  /** 1-based line number. */
  readonly line: number;
  /** The file (or name) the line came from, as given to the parser. */
  readonly source: string;
  readonly options: AuthorizedKeyOptions;
}

export interface ParseAuthorizedKeysOptions {
  /** Names the file in errors (default "authorized_keys"). */
  readonly source?: string;
  /** Called with each line that cannot be read, which is then skipped; without it, such a line throws. */
  readonly onInvalidLine?: (error: KeyParseError) => void;
}

/** Key types sshd recognises at the start of a line; a line starting otherwise begins with options. */
const KEY_TYPE_NAMES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'ssh-dss',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'ssh-rsa-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
]);

/** Limits sshd applies (SSH_AUTHOPT_ENV_MAX, SSH_AUTHOPT_PERMIT_MAX). */
const MAX_ENVIRONMENT = 1024;
const MAX_PERMITS = 4096;
/** tunnel= device numbers, as sshd (SSH_TUNID_MAX). */
const MAX_TUNNEL = 0x7fffffff - 2;

/** Flag options that take a `no-` form (the positive form re-enables after `restrict`). */
const NEGATABLE: Readonly<Record<string, (o: MutableOptions, on: boolean) => void>> = {
  'port-forwarding': (o, on) => (o.permitPortForwarding = on),
  'agent-forwarding': (o, on) => (o.permitAgentForwarding = on),
  'x11-forwarding': (o, on) => (o.permitX11Forwarding = on),
  pty: (o, on) => (o.permitPty = on),
  'user-rc': (o, on) => (o.permitUserRc = on),
  'touch-required': (o, on) => (o.noTouchRequired = !on),
  'verify-required': (o, on) => (o.requireUserVerification = on),
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableOptions = Mutable<Omit<AuthorizedKeyOptions, 'permitOpen' | 'permitListen' | 'environment'>> & {
  permitOpen: string[];
  permitListen: string[];
  environment: string[];
};

class OptionError extends Error {}

/** Reads `"…"` at `at.pos` (sshd's opt_dequote: only `\"` is an escape). */
function quotedValue(text: string, at: { pos: number }, name: string): string {
  if (text[at.pos] !== '"') throw new OptionError(`option ${name}= needs a double-quoted value`);
  let out = '';
  let i = at.pos + 1;
  for (; i < text.length && text[i] !== '"'; i++) {
    if (text[i] === '\\' && text[i + 1] === '"') i++;
    out += text[i];
  }
  if (i >= text.length) throw new OptionError(`option ${name}= is missing its closing quote`);
  at.pos = i + 1;
  return out;
}

/** YYYYMMDD[HHMM[SS]] with an optional Z/UTC suffix, to seconds since the epoch (sshd's parse_absolute_time). */
export function parseExpiryTime(value: string): number {
  let s = value;
  let utc = false;
  if (/z$/i.test(s) && s.length > 1) {
    utc = true;
    s = s.slice(0, -1);
  } else if (/utc$/i.test(s) && s.length > 3) {
    utc = true;
    s = s.slice(0, -3);
  }
  if (!/^\d{8}(\d{4}(\d{2})?)?$/.test(s)) throw new OptionError(`expiry-time ${JSON.stringify(value)} is not YYYYMMDD[HHMM[SS]][Z]`);
  const n = (a: number, b: number): number => Number(s.slice(a, b));
  const [y, mo, d, h, mi, se] = [n(0, 4), n(4, 6), n(6, 8), s.length > 8 ? n(8, 10) : 0, s.length > 8 ? n(10, 12) : 0, s.length > 12 ? n(12, 14) : 0];
  // strptime's ranges; mktime/timegm then normalise (e.g. 31 April is 1 May), as in sshd.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    throw new OptionError(`expiry-time ${JSON.stringify(value)} is out of range`);
  }
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, se)) : new Date(y, mo - 1, d, h, mi, se);
  // Date treats years 0..99 as 1900+; set the full year explicitly.
  if (utc) date.setUTCFullYear(y, mo - 1, d);
  else date.setFullYear(y, mo - 1, d);
  const t = Math.floor(date.getTime() / 1000);
  if (!Number.isFinite(t) || t <= 0) throw new OptionError(`expiry-time ${JSON.stringify(value)} is not after 1970`);
  return t;
}

/** `[host:]port` / `host:port` as sshd validates permitopen and permitlisten (hpdelim2, a2port). */
function checkPermit(value: string, name: string, bareListenPort: boolean): string {
  const v = bareListenPort && !value.includes(':') ? `*:${value}` : value;
  let host: string;
  let port: string;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0 || v[close + 1] !== ':') throw new OptionError(`${name}=${JSON.stringify(value)}: invalid permission hostname`);
    host = v.slice(1, close);
    port = v.slice(close + 2);
  } else {
    const colon = v.indexOf(':');
    if (colon < 0) throw new OptionError(`${name}=${JSON.stringify(value)}: invalid permission port`);
    host = v.slice(0, colon);
    port = v.slice(colon + 1);
  }
  if (host === '' || host.length >= 1025) throw new OptionError(`${name}=${JSON.stringify(value)}: invalid permission hostname`);
  if (port !== '*' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new OptionError(`${name}=${JSON.stringify(value)}: invalid permission port`);
  }
  return v;
}

/** A line without options: everything permitted. */
function defaultOptions(): MutableOptions {
  return { ...UNRESTRICTED, permitOpen: [], permitListen: [], environment: [], restrict: false, certAuthority: false };
}

/** Parses the options field starting at `at.pos`, stopping at the first blank outside quotes. */
function parseOptions(text: string, at: { pos: number }): AuthorizedKeyOptions {
  const o = defaultOptions();
  for (;;) {
    const m = /[^=, \t]*/y;
    m.lastIndex = at.pos;
    const rawName = m.exec(text)![0];
    const name = asciiLowerCase(rawName); // strncasecmp: ASCII only
    at.pos += rawName.length;
    const hasValue = text[at.pos] === '=';
    if (hasValue) {
      at.pos++;
      const value = quotedValue(text, at, name);
      switch (name) {
        case 'command':
          if (o.forceCommand !== undefined) throw new OptionError('multiple "command" clauses');
          o.forceCommand = value;
          break;
        case 'principals':
          if (o.principals !== undefined) throw new OptionError('multiple "principals" clauses');
          o.principals = value;
          break;
        case 'from':
          if (o.from !== undefined) throw new OptionError('multiple "from" clauses');
          o.from = value;
          break;
        case 'expiry-time': {
          const t = parseExpiryTime(value);
          if (o.expiryTime === undefined || t < o.expiryTime) o.expiryTime = t;
          break;
        }
        case 'environment': {
          if (o.environment.length >= MAX_ENVIRONMENT) throw new OptionError('too many environment strings');
          const eq = value.indexOf('=');
          const envName = eq < 0 ? '' : value.slice(0, eq);
          if (!/^[A-Za-z0-9_]+$/.test(envName)) throw new OptionError(`invalid environment string ${JSON.stringify(value)}`);
          // The first setting of a name wins.
          if (!o.environment.some((e) => e.startsWith(`${envName}=`))) o.environment.push(value);
          break;
        }
        case 'permitopen':
        case 'permitlisten': {
          const list = name === 'permitopen' ? o.permitOpen : o.permitListen;
          if (list.length >= MAX_PERMITS) throw new OptionError('too many permission directives');
          list.push(checkPermit(value, name, name === 'permitlisten'));
          break;
        }
        case 'tunnel':
          if (value === 'any') o.tunnel = 'any';
          else if (/^\d{1,10}$/.test(value) && Number(value) <= MAX_TUNNEL) o.tunnel = Number(value);
          else throw new OptionError(`invalid tun device ${JSON.stringify(value)}`);
          break;
        default:
          throw new OptionError(`unknown option ${JSON.stringify(rawName)}`);
      }
    } else if (name === 'restrict') {
      o.restrict = true;
      o.permitPortForwarding = o.permitAgentForwarding = o.permitX11Forwarding = o.permitPty = o.permitUserRc = false;
    } else if (name === 'cert-authority') {
      o.certAuthority = true;
    } else {
      const negated = name.startsWith('no-');
      const base = negated ? name.slice(3) : name;
      const set = Object.hasOwn(NEGATABLE, base) ? NEGATABLE[base] : undefined;
      if (set === undefined) throw new OptionError(rawName === '' ? `empty option at column ${at.pos + 1}` : `unknown option ${JSON.stringify(rawName)}`);
      set(o, !negated);
    }
    const next = text[at.pos];
    if (next === undefined || next === ' ' || next === '\t') return o;
    if (next !== ',') throw new OptionError(`unexpected ${JSON.stringify(next)} after option ${rawName}`);
    at.pos++;
    if (at.pos >= text.length || text[at.pos] === ' ' || text[at.pos] === '\t') throw new OptionError('options end with a comma');
  }
}

/** Parses one line; undefined for a comment or blank line. `where` names it in errors. */
export function parseAuthorizedKeyLine(text: string, line: number, source = 'authorized_keys'): AuthorizedKey | undefined {
  const where = `${source} line ${line}`;
  const body = text.replace(/\r$/, '');
  const at = { pos: /^[ \t]*/.exec(body)![0].length };
  if (at.pos === body.length || body[at.pos] === '#') return undefined;
  const firstField = /[^ \t]*/y;
  firstField.lastIndex = at.pos;
  let options: AuthorizedKeyOptions;
  if (KEY_TYPE_NAMES.has(firstField.exec(body)![0])) {
    options = defaultOptions();
  } else {
    try {
      options = parseOptions(body, at);
    } catch (e) {
      if (e instanceof OptionError) throw new KeyParseError(where, e.message);
      throw e;
    }
    if (/^[ \t]*$/.test(body.slice(at.pos))) throw new KeyParseError(where, 'options without a key');
  }
  const key = parsePublicKeyLine(body.slice(at.pos), where);
  if (key.certificate !== undefined) throw new KeyParseError(where, `a certificate (${key.type}) cannot be an authorized key; list its CA with cert-authority`);
  return { keyType: key.type, keyBlob: key.blob, comment: key.comment, line, source, options };
}

/**
 * Parses an authorized_keys file. A line that cannot be read (unknown
 * option, bad quoting, options without a key, a malformed or unsupported
 * key) throws a KeyParseError naming it — or, with `onInvalidLine`, is
 * reported there and skipped, as sshd skips it.
 */
export function parseAuthorizedKeys(text: string, opts: ParseAuthorizedKeysOptions = {}): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    try {
      const entry = parseAuthorizedKeyLine(lines[i]!, i + 1, opts.source);
      if (entry !== undefined) out.push(entry);
    } catch (e) {
      if (!(e instanceof KeyParseError) || opts.onInvalidLine === undefined) throw e;
      opts.onInvalidLine(e);
    }
  }
  return out;
}

/** Reads and parses an authorized_keys file; a file that does not exist holds no keys. */
export async function readAuthorizedKeys(fs: FileSystem, path: string, opts: ParseAuthorizedKeysOptions = {}): Promise<AuthorizedKey[]> {
  let data: Uint8Array;
  try {
    data = await fs.readFile(fs.expandHome(path));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw e;
  }
  return parseAuthorizedKeys(fromUtf8(data), { source: path, ...opts });
}

// ------------------------------------------------------------------ matching

export interface AuthorizedKeysRequest {
  /** The key or certificate blob the client offered. */
  readonly keyBlob: Uint8Array;
  /** The offered certificate, parsed (parsed from keyBlob when omitted and keyBlob is a certificate). */
  readonly certificate?: Certificate;
  /** The client's IP address. */
  readonly clientAddress: string;
  /** The client's host name if resolved (sshd's UseDNS yes); from= host patterns otherwise see the address, as with UseDNS no. */
  readonly clientHostname?: string;
  readonly now: Date;
  /** The account being logged in to: a certificate must list it unless the line has principals=. */
  readonly username: string;
  /** CA signature algorithms accepted (default: certificate.ts DEFAULT_CA_SIGNATURE_ALGORITHMS). */
  readonly caSignatureAlgorithms?: readonly string[];
  /** Who verifies a certificate's CA signature (CertificateCheck.crypto). */
  readonly crypto?: ProviderChoice;
  /** Told about each line whose key matched but which refused, and why (sshd logs these). */
  readonly onRefused?: (entry: AuthorizedKey, reason: string) => void;
}

export interface AuthorizedKeyMatch {
  readonly entry: AuthorizedKey;
  /** What the server must apply to the session (the line's options, merged with the certificate's). */
  readonly restrictions: KeyRestrictions;
  /** Set when a certificate was accepted through a cert-authority line. */
  readonly certificate?: VerifiedCertificate;
}

function restrictionsOf(o: AuthorizedKeyOptions): KeyRestrictions {
  return {
    ...(o.forceCommand !== undefined ? { forceCommand: o.forceCommand } : {}),
    permitPortForwarding: o.permitPortForwarding,
    permitAgentForwarding: o.permitAgentForwarding,
    permitX11Forwarding: o.permitX11Forwarding,
    permitPty: o.permitPty,
    permitUserRc: o.permitUserRc,
    permitOpen: o.permitOpen,
    permitListen: o.permitListen,
    environment: o.environment,
    ...(o.tunnel !== undefined ? { tunnel: o.tunnel } : {}),
    requireUserVerification: o.requireUserVerification,
    noTouchRequired: o.noTouchRequired,
  };
}

/** Why a line whose key matched refuses, or undefined if its options allow this login (auth_authorise_keyopts). */
function refusal(o: AuthorizedKeyOptions, req: AuthorizedKeysRequest): string | undefined {
  // sshd refuses once valid_before < now: the expiry second itself still passes.
  if (o.expiryTime !== undefined && o.expiryTime < Math.floor(req.now.getTime() / 1000)) {
    return `entry expired at ${new Date(o.expiryTime * 1000).toISOString()}`;
  }
  if (o.principals !== undefined && !o.certAuthority) return 'principals= on a key that is not a cert-authority';
  if (o.from !== undefined) {
    try {
      if (!matchHostAndAddress(req.clientHostname ?? req.clientAddress, req.clientAddress, o.from)) {
        return `client ${req.clientHostname ?? req.clientAddress} (${req.clientAddress}) is not permitted by from="${o.from}"`;
      }
    } catch (e) {
      if (e instanceof PatternError) return `invalid from= criteria: ${e.message}`;
      throw e;
    }
  }
  return undefined;
}

/** Whether a certificate lists one of the comma-separated names of principals= (exact match; match_principals_option). */
function listsAllowedPrincipal(cert: Certificate, list: string): boolean {
  for (const name of list.split(',')) {
    if (name === '') break; // sshd stops at an empty entry
    if (cert.principals.includes(name)) return true;
  }
  return false;
}

/**
 * The first line that authorizes the offered key, as sshd's check of an
 * authorized_keys file: a plain key matches a line with the same key and no
 * cert-authority; a certificate matches a cert-authority line holding its CA
 * key and must then verify (user certificate, validity, CA signature,
 * principals — the user name, or one of principals= — critical options,
 * source-address). The line's expiry-time and from= must allow the login.
 * A line that matches but refuses is reported to `onRefused` and the search
 * goes on. Returns undefined when no line authorizes the key.
 */
export function matchAuthorizedKeys(entries: readonly AuthorizedKey[], req: AuthorizedKeysRequest): AuthorizedKeyMatch | undefined {
  let cert = req.certificate;
  if (cert === undefined && isCertificateType(keyTypeOrEmpty(req.keyBlob))) {
    try {
      cert = parseCertificate(req.keyBlob);
    } catch {
      return undefined; // a malformed certificate matches nothing
    }
  }
  for (const entry of entries) {
    const o = entry.options;
    if (cert === undefined ? o.certAuthority || !constantTimeEqual(entry.keyBlob, req.keyBlob) : !o.certAuthority || !constantTimeEqual(entry.keyBlob, cert.signatureKey)) {
      continue;
    }
    const refused = refusal(o, req);
    if (refused !== undefined) {
      req.onRefused?.(entry, refused);
      continue;
    }
    if (cert === undefined) return { entry, restrictions: restrictionsOf(o) };

    if (o.principals !== undefined && !listsAllowedPrincipal(cert, o.principals)) {
      req.onRefused?.(entry, `certificate ${JSON.stringify(cert.keyId)} lists none of principals="${o.principals}"`);
      continue;
    }
    let verified: VerifiedCertificate;
    try {
      verified = verifyCertificate(cert, {
        role: 'user',
        ...(o.principals === undefined ? { principal: req.username } : {}),
        now: req.now,
        trustedCAs: [entry.keyBlob],
        clientAddress: req.clientAddress,
        ...(req.caSignatureAlgorithms !== undefined ? { caSignatureAlgorithms: req.caSignatureAlgorithms } : {}),
        crypto: req.crypto,
      });
    } catch (e) {
      if (e instanceof CertificateError) {
        req.onRefused?.(entry, e.message);
        continue;
      }
      throw e;
    }
    const merged = mergeRestrictions(restrictionsOf(o), verified.restrictions);
    if (typeof merged === 'string') {
      req.onRefused?.(entry, merged);
      continue;
    }
    return { entry, restrictions: merged, certificate: verified };
  }
  return undefined;
}

/** The type named at the start of a blob, or "" if there is none. */
function keyTypeOrEmpty(blob: Uint8Array): string {
  try {
    return publicKeyType(blob);
  } catch {
    return '';
  }
}
