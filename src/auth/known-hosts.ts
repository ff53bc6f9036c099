/**
 * known_hosts files, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes them:
 * one key a line — an optional marker (`@cert-authority`, `@revoked`), a
 * comma-separated list of host patterns (`*`, `?`, `!` negation) or one
 * hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, the key type,
 * the base64 key and an optional comment. A name is the host as given, or
 * `[host]:port` for a port other than 22. `#` lines and blank lines are
 * comments.
 *
 * Parsing never fails: a malformed line is reported with its line number and
 * otherwise skipped, as ssh(1) skips it. Lookups, additions and removals work
 * on the parsed entries and on the file text, so the file's other lines
 * (comments, lines this parser cannot read) are kept byte for byte. The
 * file helpers at the end read and write through the injected FileSystem.
 * The policy built on these lookups is in host-key-policy.ts.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { fromBase64, toBase64 } from '../wire/base64.ts';
import { constantTimeEqual, fromUtf8, utf8 } from '../wire/bytes.ts';
import type { FileSystem } from '../io/file-system.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { randomBytes } from '../crypto/random.ts';
import { KeyParseError, UnsupportedKeyError } from './errors.ts';
import { asciiLowerCase, matchHostname } from './patterns.ts';
import { decodeKeyField, parseKeyBlob } from './public-key-line.ts';

/** `@cert-authority`: the key is a CA for host certificates; `@revoked`: the key must never be accepted. */
export type KnownHostsMarker = 'cert-authority' | 'revoked';

/** A hashed host name: HMAC-SHA1 keyed with `salt` over the name (both 20 bytes). */
export interface HashedHostName {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** The file it came from (as given to the parser), for messages such as "~/.ssh/known_hosts:3". */
  readonly source: string;
  /** 1-based line number. */
  readonly line: number;
  readonly marker: KnownHostsMarker | undefined;
  /** The host field as written: a pattern list, or one hashed name. */
  readonly hosts: string;
  /** Set when `hosts` is a hashed name. */
  readonly hashed: HashedHostName | undefined;
  /** The key type field, e.g. "ssh-ed25519" (equal to the type inside the blob). */
  readonly keyType: string;
  /** The public key blob. */
  readonly publicKey: Uint8Array;
  /** The rest of the line after the key, or "". */
  readonly comment: string;
}

/** A line that is neither a comment nor a readable key line; ssh(1) skips such lines too. */
export interface KnownHostsProblem {
  readonly source: string;
  readonly line: number;
  readonly detail: string;
}

export interface KnownHostsFile {
  readonly entries: KnownHostsEntry[];
  readonly problems: KnownHostsProblem[];
}

const HASH_MAGIC = '|1|';
const SALT_LENGTH = 20; // SHA-1's output size, as ssh(1) uses
const FIELD = /[^ \t]+/y;
const SPACE = /[ \t]*/y;

/** The next whitespace-separated field at `pos`, or undefined at the end of the line. */
function nextField(text: string, at: { pos: number }): string | undefined {
  SPACE.lastIndex = at.pos;
  SPACE.test(text);
  FIELD.lastIndex = SPACE.lastIndex;
  const m = FIELD.exec(text);
  if (m === null) return undefined;
  at.pos = FIELD.lastIndex;
  return m[0];
}

/** Parses the `|1|salt|hash` form; undefined when `field` is not in it. */
function parseHashedName(field: string): HashedHostName | undefined {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (!field.startsWith(HASH_MAGIC) || parts.length !== 2) return undefined;
  try {
    const salt = fromBase64(parts[0]!);
    const hash = fromBase64(parts[1]!);
    return salt.length === SALT_LENGTH && hash.length === SALT_LENGTH ? { salt, hash } : undefined;
  } catch {
    return undefined; // not base64
  }
}

/**
 * The key fields "type base64": the blob must name the same type. A key of a
 * type hopssh does not implement (ssh-dss, sk-*) is kept as a blob: it still
 * compares and still makes its host a known host, as it would for ssh(1).
 */
function parseKeyFields(keyType: string, base64: string, where: string): Uint8Array | string {
  let blob: Uint8Array;
  try {
    blob = decodeKeyField(base64, where);
    return parseKeyBlob(blob, where, keyType).blob;
  } catch (e) {
    if (e instanceof UnsupportedKeyError) return blob!;
    if (e instanceof KeyParseError) return e.message;
    throw e;
  }
}

function parseLine(text: string, source: string, line: number): KnownHostsEntry | KnownHostsProblem | undefined {
  const at = { pos: 0 };
  let first = nextField(text, at);
  if (first === undefined || first.startsWith('#')) return undefined;
  const problem = (detail: string): KnownHostsProblem => ({ source, line, detail });
  let marker: KnownHostsMarker | undefined;
  if (first.startsWith('@')) {
    if (first === '@cert-authority') marker = 'cert-authority';
    else if (first === '@revoked') marker = 'revoked';
    else return problem(`unknown marker ${JSON.stringify(first)}`);
    first = nextField(text, at);
    if (first === undefined) return problem('no host names after the marker');
  }
  const hosts = first;
  let hashed: HashedHostName | undefined;
  if (hosts.startsWith('|')) {
    hashed = parseHashedName(hosts);
    if (hashed === undefined) return problem('malformed hashed host name (expected |1|base64 salt|base64 hash, 20 bytes each)');
  }
  const keyType = nextField(text, at);
  const base64 = nextField(text, at);
  if (keyType === undefined || base64 === undefined) return problem('expected host names, key type and key');
  const blob = parseKeyFields(keyType, base64, 'key');
  if (typeof blob === 'string') return problem(blob);
  const comment = text.slice(at.pos).trim();
  return { source, line, marker, hosts, hashed, keyType, publicKey: blob, comment };
}

/** A line of `text.split('\n')` without the `\r` of a CRLF ending. */
function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Parses a known_hosts file. `source` names it in entries and problems.
 * Never throws: unreadable lines become problems (with line numbers) and are
 * otherwise ignored, as ssh(1) ignores them.
 */
export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostsFile {
  const entries: KnownHostsEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  text.split('\n').forEach((l, i) => {
    const r = parseLine(withoutCr(l), source, i + 1);
    if (r === undefined) return;
    if ('publicKey' in r) entries.push(r);
    else problems.push(r);
  });
  return { entries, problems };
}

/**
 * The name a host is recorded under: the host itself for port 22, else
 * `[host]:port`; ASCII lower-cased, as ssh(1) lower-cases the host name it
 * is given before it looks it up or records it.
 */
export function knownHostsName(host: string, port = 22): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0..65535, got ${port}`);
  const h = asciiLowerCase(host);
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for `name` (a `knownHostsName`), with a fresh random salt unless one is given. */
export function hashHostName(name: string, salt: Uint8Array = randomBytes(SALT_LENGTH)): string {
  if (salt.length !== SALT_LENGTH) throw new RangeError(`a known_hosts salt is ${SALT_LENGTH} bytes`);
  return `${HASH_MAGIC}${toBase64(salt)}|${toBase64(hmac(sha1, salt, utf8(name)))}`;
}

/** Whether an entry's host field matches `name` (a `knownHostsName`): its hash, or its pattern list without a negated match. */
export function entryMatches(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed !== undefined) return constantTimeEqual(hmac(sha1, entry.hashed.salt, utf8(name)), entry.hashed.hash);
  return matchHostname(name, entry.hosts) === 'match';
}

/** Entries (of any marker) whose host field matches `name`, in file order. */
export function findKnownHosts(entries: readonly KnownHostsEntry[], name: string): KnownHostsEntry[] {
  return entries.filter((e) => entryMatches(e, name));
}

/**
 * Entries for a host and port, and — as ssh_config(5) CheckHostIP does — for
 * the server's address on the same port.
 */
export function lookupKnownHost(
  entries: readonly KnownHostsEntry[],
  target: { host: string; port?: number; address?: string },
): { host: KnownHostsEntry[]; address: KnownHostsEntry[] } {
  const port = target.port ?? 22;
  return {
    host: findKnownHosts(entries, knownHostsName(target.host, port)),
    address: target.address === undefined ? [] : findKnownHosts(entries, knownHostsName(target.address, port)),
  };
}

/** Where an entry is, "file:line", as ssh(1) names an offending key. */
export function entryLocation(entry: { source: string; line: number }): string {
  return `${entry.source}:${entry.line}`;
}

/**
 * The line(s) recording `publicKey` for `names` (each a `knownHostsName`).
 * Plain: one line, names comma-separated. Hashed (ssh_config(5)
 * HashKnownHosts): one line per name, since a hashed line holds one name.
 */
export function knownHostsLines(
  names: readonly string[],
  publicKey: Uint8Array,
  options: { hash?: boolean; marker?: KnownHostsMarker; comment?: string } = {},
): string[] {
  if (names.length === 0) throw new RangeError('at least one host name is needed');
  for (const n of names) {
    if (n === '' || /[\s,]/.test(n) || (!options.hash && n.startsWith('|'))) throw new RangeError(`not a known_hosts name: ${JSON.stringify(n)}`);
  }
  const tail = `${publicKeyType(publicKey)} ${toBase64(publicKey)}${options.comment ? ` ${options.comment}` : ''}`;
  const head = options.marker === undefined ? '' : `@${options.marker} `;
  const fields = options.hash ? names.map((n) => hashHostName(n)) : [names.join(',')];
  return fields.map((f) => `${head}${f} ${tail}`);
}

/**
 * Removes the lines of `name` (a `knownHostsName`) as `ssh-keygen -R` does:
 * every key line without a marker whose host field matches (plain, pattern or
 * hashed) goes, whole; `@cert-authority` and `@revoked` lines, comments and
 * unreadable lines stay. Returns the new text and the removed line numbers.
 */
export function removeKnownHost(text: string, name: string, source = 'known_hosts'): { text: string; removed: number[] } {
  const raw = text.split('\n');
  const removed: number[] = [];
  const kept = raw.filter((l, i) => {
    const r = parseLine(withoutCr(l), source, i + 1);
    const drop = r !== undefined && 'publicKey' in r && r.marker === undefined && entryMatches(r, name);
    if (drop) removed.push(i + 1);
    return !drop;
  });
  return { text: kept.join('\n'), removed };
}

// ------------------------------------------------------------------- files

/** Entries and problems of several known_hosts files, and the files that could not be read (other than missing ones). */
export interface LoadedKnownHosts {
  readonly entries: KnownHostsEntry[];
  readonly problems: KnownHostsProblem[];
  readonly unreadable: { readonly path: string; readonly error: Error }[];
}

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
}

/** Reads a file as text; undefined when it does not exist. */
async function readText(fs: FileSystem, path: string): Promise<string | undefined> {
  try {
    return fromUtf8(await fs.readFile(path));
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/**
 * Reads and parses known_hosts files in order (`~` expanded; entries name the
 * expanded path). A missing file is skipped silently and an unreadable one is
 * listed in `unreadable`, as ssh(1) goes on without them.
 */
export async function loadKnownHosts(fs: FileSystem, paths: readonly string[]): Promise<LoadedKnownHosts> {
  const out: LoadedKnownHosts = { entries: [], problems: [], unreadable: [] };
  for (const p of paths) {
    const path = fs.expandHome(p);
    let text: string | undefined;
    try {
      text = await readText(fs, path);
    } catch (e) {
      out.unreadable.push({ path, error: e instanceof Error ? e : new Error(String(e)) });
      continue;
    }
    if (text === undefined) continue;
    const f = parseKnownHosts(text, path);
    out.entries.push(...f.entries);
    out.problems.push(...f.problems);
  }
  return out;
}

/** Mode of a known_hosts file hopssh creates: owner-only, so that even plain host names are not disclosed. */
const NEW_FILE_MODE = 0o600;

/**
 * Appends lines to a known_hosts file (`~` expanded), creating it if needed;
 * a newline is added first when the file does not end with one. The
 * directory must exist.
 */
export async function appendKnownHosts(fs: FileSystem, path: string, lines: readonly string[]): Promise<void> {
  const full = fs.expandHome(path);
  const old = await readText(fs, full);
  const sep = old !== undefined && old.length > 0 && !old.endsWith('\n') ? '\n' : '';
  await fs.appendFile(full, utf8(sep + lines.map((l) => l + '\n').join('')), NEW_FILE_MODE);
}

/**
 * `ssh-keygen -R name -f path`: removes the host's unmarked lines from the
 * file (see `removeKnownHost`), rewriting it with its mode kept. Returns the
 * removed line numbers; a missing file removes nothing.
 */
export async function removeKnownHostFromFile(fs: FileSystem, path: string, name: string): Promise<number[]> {
  const full = fs.expandHome(path);
  const old = await readText(fs, full);
  if (old === undefined) return [];
  const r = removeKnownHost(old, name, full);
  if (r.removed.length > 0) await fs.writeFile(full, utf8(r.text), (await fs.stat(full)).mode);
  return r.removed;
}
