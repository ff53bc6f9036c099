/**
 * Host specifications of ssh(1): the destination (`[user@]host` or
 * `ssh://[user@]host[:port]`) and the jump hosts of `-J` / ProxyJump
 * (`[user@]host[:port]` or an ssh URI, comma-separated, visited left to
 * right). Also the pieces forward-spec.ts shares: ports and `[addr]` hosts.
 */
import { parseIpAddress } from '../auth/patterns.ts';
import { SpecError } from './errors.ts';

/** A host to connect to, with the user and port when the spec names them. */
export interface HostSpec {
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
}

/** Longest host name accepted (NI_MAXHOST - 1, as OpenSSH). */
export const MAX_HOST_LENGTH = 1024;

export interface HostSpecOptions {
  /**
   * Refuse host and user names holding characters a shell gives meaning to
   * (quotes, `$`, `;`, `&`, `|`, `<`, `>`, parentheses, braces, backslash,
   * whitespace, control characters, a leading `-`; and `,` in a host), as
   * OpenSSH does for values from its command line since they reach `%h`/`%r`
   * of ProxyCommand. Default false (config files may hold anything).
   */
  readonly strict?: boolean;
}

/**
 * A TCP port as ssh(1) takes it: decimal 1–65535. (OpenSSH also looks up
 * service names in /etc/services; hopssh does not read that file.)
 */
export function parsePortNumber(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `[x]` → `x`; anything else unchanged (OpenSSH cleanhostname). */
export function unbracket(host: string): string {
  return host.length >= 2 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Splits `host[:rest]` or `[host][:rest]` at the first `:` after the host
 * (OpenSSH hpdelim): the host (brackets kept) and what follows the colon,
 * or undefined for a `[` without its `]`, or text after `]` that is not `:`.
 * A `/` also ends an unbracketed host; `delim` tells which ended it.
 */
function splitHost(text: string): { host: string; rest: string | undefined; delim: string } | undefined {
  let end: number;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    end = close + 1;
  } else {
    const m = /[:/]/.exec(text);
    end = m ? m.index : text.length;
  }
  if (end === text.length) return { host: text, rest: undefined, delim: '' };
  const delim = text[end]!;
  if (delim !== ':' && delim !== '/') return undefined;
  return { host: text.slice(0, end), rest: text.slice(end + 1), delim };
}

const SHELL_SPECIAL_HOST = /['`"$\\;&<>|(){},\s\p{Cc}]/u;
const SHELL_SPECIAL_USER = /['`";&<>|(){}\p{Cc}]|\s-|\\$/u;

function checkStrict(spec: string, user: string | undefined, host: string): void {
  if (host.startsWith('-') || SHELL_SPECIAL_HOST.test(host)) throw new SpecError(spec, `host name ${JSON.stringify(host)} contains characters not allowed on the command line`);
  if (user !== undefined && (user.startsWith('-') || SHELL_SPECIAL_USER.test(user))) {
    throw new SpecError(spec, `user name ${JSON.stringify(user)} contains characters not allowed on the command line`);
  }
}

function checkHostLength(spec: string, host: string): void {
  if (host.length > MAX_HOST_LENGTH) throw new SpecError(spec, `host name longer than ${MAX_HOST_LENGTH} characters`);
}

/**
 * `[user@]host[:port]` (OpenSSH parse_user_host_port): the user is what
 * precedes the last `@`; an IPv6 address takes brackets (`[::1]:2222`).
 */
export function parseUserHostPort(spec: string, opts: HostSpecOptions = {}): HostSpec {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  if (user === '') throw new SpecError(spec, 'empty user name before "@"');
  const parts = splitHost(spec.slice(at + 1));
  if (parts === undefined) throw new SpecError(spec, 'a "[" without its "]", or text after "]" that is not ":port"');
  if (parts.delim === '/') throw new SpecError(spec, 'unexpected "/" after the host');
  const host = unbracket(parts.host);
  if (host === '') throw new SpecError(spec, 'missing host');
  checkHostLength(spec, host);
  let port: number | undefined;
  if (parts.rest !== undefined && parts.rest !== '') {
    port = parsePortNumber(parts.rest);
    if (port === undefined) throw new SpecError(spec, `bad port ${JSON.stringify(parts.rest)} (a number from 1 to 65535)`);
  }
  if (opts.strict) checkStrict(spec, user, host);
  return { host, ...(user !== undefined && { user }), ...(port !== undefined && { port }) };
}

/** `%XX` and `+` decoding of a URI's user part (OpenSSH urldecode). */
function urlDecode(spec: string, text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '+') {
      bytes.push(0x20);
    } else if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new SpecError(spec, `bad percent-encoding ${JSON.stringify(text.slice(i, i + 3))} in the user name`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of new TextEncoder().encode(c)) bytes.push(b);
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** A host name as OpenSSH's valid_domain accepts it: letters, digits, `-`, `_`, `.`, starting with a letter or digit, no `..`. */
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * `ssh://[user@]host[:port]` (draft-ietf-secsh-scp-sftp-ssh-uri-04, as
 * OpenSSH parse_ssh_uri): undefined when `spec` does not start with
 * `ssh://`. The user may be percent-encoded and may carry `;params`
 * (ignored); a path is refused; a trailing `/` is allowed. The host must be
 * a domain name or address; unlike OpenSSH 9.2, an IPv6 address in brackets
 * (`ssh://[::1]:2222`, RFC 3986 §3.2.2) is accepted.
 */
export function parseSshUri(spec: string, opts: HostSpecOptions = {}): HostSpec | undefined {
  if (!spec.startsWith('ssh://')) return undefined;
  let rest = spec.slice('ssh://'.length);
  let user: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    const semi = info.indexOf(';');
    const raw = semi >= 0 ? info.slice(0, semi) : info;
    if (raw === '') throw new SpecError(spec, 'empty user name in the URI');
    user = urlDecode(spec, raw);
    rest = rest.slice(at + 1);
  }
  const parts = splitHost(rest);
  if (parts === undefined) throw new SpecError(spec, 'a "[" without its "]", or text after "]" that is not ":port"');
  let host = unbracket(parts.host);
  if (host === '') throw new SpecError(spec, 'missing host');
  if (parts.host.startsWith('[')) {
    if (parseIpAddress(host)?.family !== 6) throw new SpecError(spec, `${JSON.stringify(parts.host)} is not a bracketed IPv6 address`);
  } else {
    if (!DOMAIN.test(host) || host.includes('..')) throw new SpecError(spec, `${JSON.stringify(host)} is not a valid host name`);
    if (host.endsWith('.')) host = host.slice(0, -1);
  }
  checkHostLength(spec, host);
  let port: number | undefined;
  let path = parts.delim === '/' ? parts.rest : undefined;
  if (parts.delim === ':' && parts.rest !== undefined && parts.rest !== '') {
    const slash = parts.rest.indexOf('/');
    const portText = slash >= 0 ? parts.rest.slice(0, slash) : parts.rest;
    port = parsePortNumber(portText);
    if (port === undefined) throw new SpecError(spec, `bad port ${JSON.stringify(portText)} (a number from 1 to 65535)`);
    path = slash >= 0 ? parts.rest.slice(slash + 1) : undefined;
  }
  if (path !== undefined && path !== '') throw new SpecError(spec, 'an ssh URI here takes no path');
  if (opts.strict) checkStrict(spec, user, host);
  return { host, ...(user !== undefined && { user }), ...(port !== undefined && { port }) };
}

/**
 * One jump host of `-J` / ProxyJump: an ssh URI or `[user@]host[:port]`.
 */
export function parseJumpHost(spec: string, opts: HostSpecOptions = {}): HostSpec {
  return parseSshUri(spec, opts) ?? parseUserHostPort(spec, opts);
}

/**
 * `-J` / ProxyJump (ssh(1) -J, ssh_config(5) ProxyJump): jump hosts
 * separated by commas, in the order they are visited (the first is
 * connected to first). `none` (any case) gives an empty list: no jump host.
 * An empty entry (`a,,b`, a trailing comma) is an error. `#` starts a
 * comment (as in a config line); trailing whitespace is ignored.
 */
export function parseJumpSpec(spec: string, opts: HostSpecOptions = {}): HostSpec[] {
  if (spec.toLowerCase() === 'none') return [];
  const hash = spec.indexOf('#');
  const text = (hash >= 0 ? spec.slice(0, hash) : spec).replace(/[ \t\r\n]+$/, '');
  if (text === '') throw new SpecError(spec, 'no jump host');
  return text.split(',').map((entry) => {
    if (entry === '') throw new SpecError(spec, 'empty jump host between commas');
    try {
      return parseJumpHost(entry, opts);
    } catch (e) {
      if (e instanceof SpecError && entry !== spec) throw new SpecError(spec, `jump host ${JSON.stringify(entry)}: ${e.detail}`);
      throw e;
    }
  });
}

/**
 * The destination of ssh(1): `ssh://[user@]host[:port]`, or `[user@]host`
 * where the user is what precedes the last `@` and the host is taken as is
 * (a `:` does not start a port, as in OpenSSH), except that a bracketed IPv6
 * address (`[::1]`) loses its brackets. Destinations come from the command
 * line: strict checking is on unless `opts.strict` is false.
 */
export function parseDestination(spec: string, opts: HostSpecOptions = {}): HostSpec {
  const strict = { strict: opts.strict ?? true };
  const uri = parseSshUri(spec, strict);
  if (uri !== undefined) return uri;
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  if (user === '') throw new SpecError(spec, 'empty user name before "@"');
  let host = spec.slice(at + 1);
  if (host.startsWith('[') && host.endsWith(']') && parseIpAddress(host.slice(1, -1))?.family === 6) host = host.slice(1, -1);
  if (host === '') throw new SpecError(spec, 'missing host');
  checkHostLength(spec, host);
  if (strict.strict) checkStrict(spec, user, host);
  return { host, ...(user !== undefined && { user }) };
}
