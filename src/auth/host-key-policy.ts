/**
 * Host-key policy of the client, as ssh(1) applies its known_hosts files
 * (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"; ssh_config(5) StrictHostKeyChecking,
 * CheckHostIP, HostKeyAlias, HashKnownHosts, UserKnownHostsFile,
 * GlobalKnownHostsFile).
 *
 * A key is "known" when an unmarked line for the host holds it; "changed" when
 * the host has unmarked lines but none holds it (of any key type: ssh(1)
 * calls a host whose known key is ECDSA "changed" when it offers Ed25519);
 * "new" when the host has no unmarked line. A key on a matching `@revoked`
 * line is refused. A host certificate is accepted when a matching
 * `@cert-authority` line holds its CA and the certificate is valid for the
 * host name; when no such CA is listed, its certified key is checked as a
 * plain key, as ssh(1) retries it.
 */
import type { FileSystem } from '../io/file-system.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { keyTypeOfAlgorithm } from '../crypto/signature.ts';
import { isCertificateType, parseCertificate, type Certificate } from '../crypto/certificate-blob.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../crypto/errors.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import { HostKeyError } from '../transport/errors.ts';
import { CLIENT_DEFAULTS } from '../transport/algorithms.ts';
import type { HostKeyInfo, HostKeyVerifier } from '../transport/kex-exchange.ts';
import { CertificateError } from './errors.ts';
import { verifyCertificate } from './certificate.ts';
import { asciiLowerCase, parseIpAddress } from './patterns.ts';
import {
  appendKnownHosts,
  entryLocation,
  findKnownHosts,
  knownHostsLines,
  knownHostsName,
  loadKnownHosts,
  type KnownHostsEntry,
} from './known-hosts.ts';

/**
 * ssh_config(5) StrictHostKeyChecking. `ask`, OpenSSH's default, needs a
 * prompt a library does not have: hopssh's default is `yes`.
 */
export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no' | 'off';

const STRICT_VALUES: readonly StrictHostKeyChecking[] = ['yes', 'accept-new', 'no', 'off'];

/** ssh_config(5) defaults of UserKnownHostsFile and GlobalKnownHostsFile. */
export const DEFAULT_USER_KNOWN_HOSTS_FILES: readonly string[] = Object.freeze(['~/.ssh/known_hosts', '~/.ssh/known_hosts2']);
export const DEFAULT_GLOBAL_KNOWN_HOSTS_FILES: readonly string[] = Object.freeze(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);

/** What ssh(1) would print as a warning while accepting a host key. */
export interface HostKeyWarning {
  readonly kind:
    | 'added' // a new host key was recorded (accept-new, no, off)
    | 'add-failed' // it could not be recorded; the connection goes on, as with ssh(1)
    | 'changed-key-accepted' // StrictHostKeyChecking no/off let a changed key through
    | 'address-added' // CheckHostIP recorded the server's address
    | 'address-changed' // CheckHostIP: the address has another key (accepted under no/off)
    | 'unreadable-file' // a known_hosts file exists but could not be read
    | 'malformed-line'; // a line was skipped
  readonly message: string;
}

/** The verdict on a plain key for one name (OpenSSH's HOST_OK / HOST_NEW / HOST_CHANGED / HOST_REVOKED). */
export type HostKeyStatus =
  | { readonly status: 'known'; readonly entry: KnownHostsEntry }
  | { readonly status: 'new' }
  | { readonly status: 'changed'; readonly known: readonly KnownHostsEntry[] }
  | { readonly status: 'revoked'; readonly entry: KnownHostsEntry };

function revokedEntry(matching: readonly KnownHostsEntry[], keys: readonly Uint8Array[]): KnownHostsEntry | undefined {
  return matching.find((e) => e.marker === 'revoked' && keys.some((k) => constantTimeEqual(e.publicKey, k)));
}

/** Checks a plain public key blob against the entries for `name` (a `knownHostsName`). A revoked key is revoked even if also listed as known. */
export function checkHostKey(entries: readonly KnownHostsEntry[], name: string, publicKey: Uint8Array): HostKeyStatus {
  const matching = findKnownHosts(entries, name);
  const revoked = revokedEntry(matching, [publicKey]);
  if (revoked !== undefined) return { status: 'revoked', entry: revoked };
  const plain = matching.filter((e) => e.marker === undefined);
  const entry = plain.find((e) => constantTimeEqual(e.publicKey, publicKey));
  if (entry !== undefined) return { status: 'known', entry };
  return plain.length > 0 ? { status: 'changed', known: plain } : { status: 'new' };
}

/** The verdict on a host certificate: `no-ca` when no `@cert-authority` line for the name holds its CA. */
export type HostCertificateStatus =
  | { readonly status: 'trusted'; readonly entry: KnownHostsEntry }
  | { readonly status: 'no-ca' }
  | { readonly status: 'revoked'; readonly entry: KnownHostsEntry }
  | { readonly status: 'invalid'; readonly entry: KnownHostsEntry; readonly error: CertificateError };

/**
 * Checks a host certificate against the entries for `name`: its CA must be on
 * a matching `@cert-authority` line, and the certificate must verify
 * (signature, host type, validity at `now`, `principal` listed — the host
 * name or HostKeyAlias, without the port). The CA and the certified key must
 * not be `@revoked`.
 */
export function checkHostCertificate(
  entries: readonly KnownHostsEntry[],
  name: string,
  cert: Certificate,
  principal: string,
  now: Date,
  crypto?: ProviderChoice,
): HostCertificateStatus {
  const matching = findKnownHosts(entries, name);
  const revoked = revokedEntry(matching, [cert.signatureKey, cert.publicKey.blob]);
  if (revoked !== undefined) return { status: 'revoked', entry: revoked };
  const entry = matching.find((e) => e.marker === 'cert-authority' && constantTimeEqual(e.publicKey, cert.signatureKey));
  if (entry === undefined) return { status: 'no-ca' };
  try {
    verifyCertificate(cert, { role: 'host', principal, now, trustedCAs: [entry.publicKey], crypto });
    return { status: 'trusted', entry };
  } catch (e) {
    if (e instanceof CertificateError) return { status: 'invalid', entry, error: e };
    throw e;
  }
}

export interface KnownHostsVerifierOptions {
  /** File access (nodeFileSystem on Node, Bun and Deno). */
  readonly fs: FileSystem;
  /** UserKnownHostsFile: read, and the first one written. Default ~/.ssh/known_hosts, ~/.ssh/known_hosts2; [] is `none`. */
  readonly files?: readonly string[];
  /** GlobalKnownHostsFile: read only. Default /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2. */
  readonly globalFiles?: readonly string[];
  /** The host name as the user gave it. */
  readonly host: string;
  /** Default 22; another port is looked up and recorded as `[host]:port`. */
  readonly port?: number;
  /** HostKeyAlias: the name to look up and record instead of host and port, and the certificate principal. */
  readonly hostKeyAlias?: string;
  /**
   * CheckHostIP: the server's numeric address, also checked against (and
   * recorded in) known_hosts. Ignored, as by ssh(1), for a loopback address
   * or when the host is given as that address. Default: no address check.
   */
  readonly checkHostIp?: string;
  /** StrictHostKeyChecking. Default 'yes' (see StrictHostKeyChecking). */
  readonly strict?: StrictHostKeyChecking;
  /** HashKnownHosts: record names hashed. Default false, as ssh_config(5). */
  readonly hashKnownHosts?: boolean;
  /** Receives what ssh(1) prints as warnings; see HostKeyWarning. */
  readonly onWarning?: (warning: HostKeyWarning) => void;
  /** Who verifies a host certificate's CA signature: the connection's `crypto` option. */
  readonly crypto?: ProviderChoice;
  /** The time certificates are checked at. Default: now. */
  readonly now?: () => Date;
}

function typeOf(blob: Uint8Array): string {
  try {
    return publicKeyType(blob);
  } catch {
    return 'unknown';
  }
}

function describeEntry(e: KnownHostsEntry): string {
  return `${e.keyType} key ${fingerprintSha256(e.publicKey)} at ${entryLocation(e)}`;
}

/** The files read: user files, then global ones. */
function knownHostsFiles(options: Pick<KnownHostsVerifierOptions, 'files' | 'globalFiles'>): string[] {
  return [...(options.files ?? DEFAULT_USER_KNOWN_HOSTS_FILES), ...(options.globalFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS_FILES)];
}

function isLoopback(address: string): boolean {
  const a = parseIpAddress(address);
  if (a === undefined) return false;
  return a.family === 4 ? a.bytes[0] === 127 : a.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

/**
 * A HostKeyVerifier for ClientTransport backed by known_hosts files, with
 * ssh_config(5) StrictHostKeyChecking semantics:
 *
 * - known key: accepted;
 * - new host: refused under `yes`; under `accept-new`, `no` and `off` the key
 *   is added to the first user file (hashed under hashKnownHosts) and accepted;
 * - changed key: refused under `yes` and `accept-new`, with a HostKeyError
 *   naming the offered key's fingerprint and each known key's type,
 *   fingerprint and file:line. Under `no`/`off` ssh_config(5) lets the
 *   connection proceed "subject to some restrictions" (ssh(1) then disables
 *   password and keyboard-interactive authentication and all forwarding):
 *   hopssh accepts it too, reports a `changed-key-accepted` warning and
 *   leaves those restrictions to the caller, as the verifier cannot reach them;
 * - `@revoked` key (or certificate CA): always refused — also under `no`/`off`,
 *   where ssh(1) would proceed with the same restrictions;
 * - host certificate: accepted when signed by a matching `@cert-authority`
 *   CA and valid for the host name; refused when such a CA is listed but the
 *   certificate fails; with no matching CA its key is checked as a plain key.
 *
 * The files are read at each key exchange; a rekey offering the key already
 * accepted is accepted without reading them again. ssh_config(5)
 * UpdateHostKeys (learning keys the server announces after authentication) is
 * not done here.
 */
export function knownHostsVerifier(options: KnownHostsVerifierOptions): HostKeyVerifier {
  const strict = options.strict ?? 'yes';
  if (options.host === '') throw new TypeError('host must not be empty');
  if (!STRICT_VALUES.includes(strict)) throw new TypeError(`strict must be one of ${STRICT_VALUES.join(', ')}; got ${JSON.stringify(strict)}`);
  const port = options.port ?? 22;
  const alias = options.hostKeyAlias === undefined ? undefined : asciiLowerCase(options.hostKeyAlias);
  // ssh(1) records a HostKeyAlias as it is, without the port.
  const name = alias ?? knownHostsName(options.host, port);
  const principal = alias ?? asciiLowerCase(options.host);
  const ip = options.checkHostIp;
  const ipName = ip !== undefined && !isLoopback(ip) && asciiLowerCase(ip) !== asciiLowerCase(options.host) ? knownHostsName(ip, port) : undefined;
  const userFiles = options.files ?? DEFAULT_USER_KNOWN_HOSTS_FILES;
  const allFiles = knownHostsFiles(options);
  const lenient = strict === 'no' || strict === 'off';
  const warn = (kind: HostKeyWarning['kind'], message: string): void => options.onWarning?.({ kind, message });
  let accepted: Uint8Array | undefined;

  const record = async (names: string[], key: Uint8Array, kind: 'added' | 'address-added'): Promise<void> => {
    const what = `'${names.join(',')}' (${typeOf(key)})`;
    const target = userFiles[0];
    if (target === undefined) return warn('add-failed', `no user known_hosts file to record ${what} in`);
    try {
      await appendKnownHosts(options.fs, target, knownHostsLines(names, key, { hash: options.hashKnownHosts === true }));
      warn(kind, `Permanently added ${what} to the list of known hosts (${options.fs.expandHome(target)}).`);
    } catch (e) {
      warn('add-failed', `Failed to add ${what} to the list of known hosts (${options.fs.expandHome(target)}): ${(e as Error).message}`);
    }
  };

  return async (info: HostKeyInfo): Promise<boolean> => {
    if (accepted !== undefined && constantTimeEqual(accepted, info.publicKey)) return true;
    const refuse = (detail: string): never => {
      throw new HostKeyError(info.algorithm, info.fingerprint, detail);
    };
    const db = await loadKnownHosts(options.fs, allFiles);
    for (const u of db.unreadable) warn('unreadable-file', `cannot read ${u.path}: ${u.error.message}`);
    for (const p of db.problems) warn('malformed-line', `${entryLocation(p)}: ${p.detail}; line skipped`);

    let key = info.publicKey;
    if (isCertificateType(typeOf(key))) {
      let cert: Certificate;
      try {
        cert = parseCertificate(key);
      } catch (e) {
        if (e instanceof KeyFormatError || e instanceof UnsupportedAlgorithmError) return refuse(`malformed host certificate: ${e.message}`);
        throw e;
      }
      const c = checkHostCertificate(db.entries, name, cert, principal, options.now?.() ?? new Date(), options.crypto);
      if (c.status === 'trusted') {
        accepted = info.publicKey;
        return true;
      }
      if (c.status === 'revoked') return refuse(`the host certificate for ${name} uses a key marked @revoked at ${entryLocation(c.entry)}; refused`);
      if (c.status === 'invalid') {
        return refuse(`host certificate for ${name} from the CA at ${entryLocation(c.entry)} is not valid: ${c.error.message}; refused`);
      }
      key = cert.publicKey.blob; // no CA listed for this host: check the certified key as a plain key
    }

    const fp = fingerprintSha256(key);
    const offered = `${typeOf(key)} key ${fp}`;
    const host = checkHostKey(db.entries, name, key);
    if (host.status === 'revoked') {
      return refuse(`the ${offered} for ${name} is marked @revoked at ${entryLocation(host.entry)}; refused`);
    }
    if (host.status === 'changed') {
      const detail =
        `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: the server offers ${offered}, ` +
        `but known_hosts holds ${host.known.map(describeEntry).join('; ')}`;
      const remedy = `if the host key was changed on purpose, remove the old one with: ssh-keygen -R "${name}" -f "${host.known[0]!.source}"`;
      if (!lenient) return refuse(`${detail}; refused (StrictHostKeyChecking ${strict}); ${remedy}`);
      warn(
        'changed-key-accepted',
        `${detail}; accepted because StrictHostKeyChecking is ${strict}: as ssh(1) does, use no password or keyboard-interactive authentication and no agent, X11 or port forwarding on this connection`,
      );
      accepted = info.publicKey;
      return true;
    }
    if (host.status === 'new' && strict === 'yes') {
      const cas = findKnownHosts(db.entries, name).filter((e) => e.marker === 'cert-authority');
      const note = cas.length > 0 ? ` (a @cert-authority is listed for it at ${entryLocation(cas[0]!)}, but the server offered a plain key)` : '';
      return refuse(`no host key is known for ${name} in ${allFiles.join(', ')}${note}; refused (StrictHostKeyChecking yes)`);
    }

    // CheckHostIP: the address is checked only when the host name passed or is being added.
    const address = ipName === undefined ? undefined : checkHostKey(db.entries, ipName, key);
    if (address?.status === 'revoked') return refuse(`the ${offered} for ${ipName} is marked @revoked at ${entryLocation(address.entry)}; refused`);
    if (address?.status === 'changed') {
      const detail =
        `the ${offered} for '${name}' differs from the key for the IP address '${ipName}' ` +
        `(${address.known.map(describeEntry).join('; ')}${host.status === 'known' ? `; matching host key at ${entryLocation(host.entry)}` : ''})`;
      if (!lenient) return refuse(`${detail}; refused (StrictHostKeyChecking ${strict})`);
      warn('address-changed', `${detail}; accepted because StrictHostKeyChecking is ${strict}`);
    }
    const addAddress = address?.status === 'new' && ipName !== undefined;
    if (host.status === 'new') {
      await record(addAddress ? [name, ipName] : [name], key, 'added');
    } else if (addAddress) {
      // ssh_config(5) CheckHostIP: addresses are added "regardless of the setting of StrictHostKeyChecking".
      await record([ipName], key, 'address-added');
    }
    accepted = info.publicKey;
    return true;
  };
}

// ------------------------------------------------------ algorithm ordering

const CERT_SUFFIX = '-cert-v01@openssh.com';

/**
 * The plain key type an algorithm uses: rsa-sha2-512 → ssh-rsa, its -cert-v01
 * form too (sk-ssh-ed25519-cert-v01@openssh.com → sk-ssh-ed25519@openssh.com);
 * unknown names as they are.
 */
function plainKeyTypeOfAlgorithm(algorithm: string): string {
  let base = algorithm;
  if (algorithm.endsWith(CERT_SUFFIX)) {
    base = algorithm.slice(0, -CERT_SUFFIX.length);
    if (base.startsWith('sk-')) base += '@openssh.com';
  }
  try {
    return keyTypeOfAlgorithm(base);
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) return base;
    throw e;
  }
}

/**
 * Orders host-key algorithms by what known_hosts holds for the host, as
 * ssh(1) does when HostKeyAlgorithms is not configured (sshconnect2.c
 * order_hostkeyalgs): if a key of the first algorithm's type is known, the
 * list is kept as it is; otherwise the algorithms of known key types (their
 * certificate forms too), and every certificate algorithm when an
 * `@cert-authority` line matches, move to the front, each group in the
 * list's order. Nothing is removed. Revoked keys do not count. `host` is the
 * name looked up (pass a HostKeyAlias with port 22).
 */
export function hostKeyAlgorithmsFor(entries: readonly KnownHostsEntry[], host: string, port: number, defaults: readonly string[]): string[] {
  const name = knownHostsName(host, port);
  const matching = findKnownHosts(entries, name);
  const known = new Set<string>();
  for (const e of matching) {
    if (e.marker === undefined && revokedEntry(matching, [e.publicKey]) === undefined) known.add(e.keyType);
  }
  const haveCa = matching.some((e) => e.marker === 'cert-authority');
  const first = defaults[0];
  if (first === undefined || known.has(plainKeyTypeOfAlgorithm(first))) return [...defaults];
  const preferred = defaults.filter((a) => (haveCa && a.endsWith(CERT_SUFFIX)) || known.has(plainKeyTypeOfAlgorithm(a)));
  return [...preferred, ...defaults.filter((a) => !preferred.includes(a))];
}

/**
 * `hostKeyAlgorithmsFor` over the known_hosts files a `knownHostsVerifier`
 * with the same options reads: the list to give ClientTransport as
 * `hostKeyAlgorithms` when the user has not configured one.
 */
export async function knownHostsAlgorithmOrder(
  options: Pick<KnownHostsVerifierOptions, 'fs' | 'files' | 'globalFiles' | 'host' | 'port' | 'hostKeyAlias'>,
  defaults: readonly string[] = CLIENT_DEFAULTS.hostKey,
): Promise<string[]> {
  const { entries } = await loadKnownHosts(options.fs, knownHostsFiles(options));
  return options.hostKeyAlias === undefined
    ? hostKeyAlgorithmsFor(entries, options.host, options.port ?? 22, defaults)
    : hostKeyAlgorithmsFor(entries, options.hostKeyAlias, 22, defaults);
}
