/**
 * Forwarding specifications of ssh(1) -L, -R, -D and -W, and of
 * ssh_config(5) LocalForward, RemoteForward and DynamicForward:
 *
 *     -L [bind_address:]port:host:hostport     -R [bind_address:]port:host:hostport
 *     -L [bind_address:]port:remote_socket     -R [bind_address:]port:local_socket
 *     -L local_socket:host:hostport            -R remote_socket:host:hostport
 *     -L local_socket:remote_socket            -R remote_socket:local_socket
 *     -D [bind_address:]port                   -R [bind_address:]port   (remote SOCKS)
 *     -W host:port
 *
 * Fields are separated by `:`; a field in brackets (`[::1]`) is taken
 * literally; outside brackets `\` escapes the next character. A field holding
 * a `/` is a unix-domain socket path.
 */
import type { Endpoint, TcpEndpoint, UnixEndpoint } from '../channel/forwarding-endpoint.ts';
import { SpecError } from './errors.ts';
import { MAX_HOST_LENGTH, parsePortNumber } from './jump-spec.ts';
import { expandEnvironment } from './tokens.ts';

/** A TCP listener: `bindAddress` undefined when the spec names none (GatewayPorts decides); "" or "*" for every interface. */
export interface TcpListen {
  readonly bindAddress?: string;
  readonly port: number;
}

/** Where a forwarding listens: a TCP port or a unix-domain socket path. */
export type ForwardListen = TcpListen | UnixEndpoint;

/** `-L` / LocalForward: listen here, connect from the server to `to`. */
export interface LocalForwardSpec {
  readonly listen: ForwardListen;
  readonly to: Endpoint;
}

/** `-R` / RemoteForward: the server listens, connections go to `to` from here; `to` undefined: this side is a SOCKS server (remote dynamic forwarding). */
export interface RemoteForwardSpec {
  readonly listen: ForwardListen;
  readonly to?: Endpoint;
}

/** `-D` / DynamicForward: a local SOCKS server. */
export interface DynamicForwardSpec {
  readonly listen: ForwardListen;
}

export interface ForwardSpecOptions {
  /** Expand `${VAR}` in the spec from this environment before splitting it, as ssh does (a missing variable is an error). Default: no expansion. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Longest unix socket path (sizeof(sun_path) - 1 on Linux). */
const MAX_SOCKET_PATH = 107;

interface Field {
  readonly text: string;
  readonly isPath: boolean;
}

/** Splits at `:` outside brackets (OpenSSH parse_fwd_field); undefined when a bracketed field is malformed or a `\` ends the text. */
function splitFields(text: string): Field[] | undefined {
  const fields: Field[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0) return undefined;
      const next = text[close + 1];
      if (next !== undefined && next !== ':') return undefined;
      const inner = text.slice(i + 1, close);
      fields.push({ text: inner, isPath: inner.includes('/') });
      i = close + 2;
      continue;
    }
    let out = '';
    let isPath = false;
    for (; i < text.length && text[i] !== ':'; i++) {
      let c = text[i]!;
      if (c === '\\') {
        c = text[++i] ?? '';
        if (c === '') return undefined;
      }
      if (c === '/') isPath = true;
      out += c;
    }
    fields.push({ text: out, isPath });
    i++; // past the ':' (or the end)
  }
  return fields;
}

function prepare(spec: string, opts: ForwardSpecOptions): Field[] {
  let text = spec;
  if (opts.env !== undefined) text = expandEnvironment(text, opts.env);
  text = text.replace(/^\s+/, '');
  if (text === '') throw new SpecError(spec, 'empty forwarding specification');
  const fields = splitFields(text);
  if (fields === undefined) throw new SpecError(spec, 'malformed field: a "[" without its "]", text after "]" that is not ":", or a trailing "\\"');
  if (fields.length > 4) throw new SpecError(spec, `too many ":"-separated fields (${fields.length})`);
  return fields;
}

function port(spec: string, f: Field, what: string, allowZero: boolean): number {
  if (allowZero && /^0+$/.test(f.text)) return 0;
  const p = parsePortNumber(f.text);
  if (p === undefined) throw new SpecError(spec, `bad ${what} ${JSON.stringify(f.text)} (a number from ${allowZero ? 0 : 1} to 65535)`);
  return p;
}

function host(spec: string, f: Field, what: string): string {
  if (f.text.length > MAX_HOST_LENGTH) throw new SpecError(spec, `${what} longer than ${MAX_HOST_LENGTH} characters`);
  return f.text;
}

function socket(spec: string, f: Field): UnixEndpoint {
  if (f.text.length > MAX_SOCKET_PATH) throw new SpecError(spec, `socket path longer than ${MAX_SOCKET_PATH} characters`);
  return { path: f.text };
}

function tcpListen(spec: string, bind: Field | undefined, p: Field, remote: boolean): TcpListen {
  const listenPort = port(spec, p, 'listen port', remote);
  return bind === undefined ? { port: listenPort } : { bindAddress: host(spec, bind, 'bind address'), port: listenPort };
}

function tcpTarget(spec: string, h: Field, p: Field): TcpEndpoint {
  return { host: host(spec, h, 'target host'), port: port(spec, p, 'target port', false) };
}

/**
 * A forwarding with a target, by field count (OpenSSH parse_forward):
 * 2 — `socket:socket` or `port:socket`; 3 — `socket:host:port`,
 * `bind:port:socket` or `port:host:port`; 4 — `bind:port:host:port`.
 */
function staticForward(spec: string, opts: ForwardSpecOptions, remote: boolean): { listen: ForwardListen; to: Endpoint } {
  const f = prepare(spec, opts);
  const [a, b, c, d] = f;
  if (f.length === 2 && a!.isPath && b!.isPath) return { listen: socket(spec, a!), to: socket(spec, b!) };
  if (f.length === 2 && b!.isPath) return { listen: tcpListen(spec, undefined, a!, remote), to: socket(spec, b!) };
  if (f.length === 3 && a!.isPath) return { listen: socket(spec, a!), to: tcpTarget(spec, b!, c!) };
  if (f.length === 3 && c!.isPath) return { listen: tcpListen(spec, a!, b!, remote), to: socket(spec, c!) };
  if (f.length === 3) return { listen: tcpListen(spec, undefined, a!, remote), to: tcpTarget(spec, b!, c!) };
  if (f.length === 4) return { listen: tcpListen(spec, a!, b!, remote), to: tcpTarget(spec, c!, d!) };
  throw new SpecError(spec, 'expected [bind_address:]port:host:hostport, [bind_address:]port:socket, socket:host:hostport or socket:socket');
}

/** A listener alone: `port`, `bind:port` or a socket path. */
function dynamicListen(spec: string, opts: ForwardSpecOptions, remote: boolean): ForwardListen {
  const f = prepare(spec, opts);
  const [a, b] = f;
  if (f.length === 1) return a!.isPath ? socket(spec, a!) : tcpListen(spec, undefined, a!, remote);
  if (f.length === 2 && !b!.isPath) return tcpListen(spec, a!, b!, remote);
  throw new SpecError(spec, 'expected [bind_address:]port or a socket path');
}

/** `-L` / LocalForward (as one string: LocalForward's two arguments joined by `:`). Throws SpecError. */
export function parseLocalForward(spec: string, opts: ForwardSpecOptions = {}): LocalForwardSpec {
  return staticForward(spec, opts, false);
}

/**
 * `-R` / RemoteForward: with a target, connections are relayed to it;
 * `[bind_address:]port` alone (or a socket path alone) makes this side a
 * SOCKS server for the remote listener (`to` undefined). Throws SpecError.
 */
export function parseRemoteForward(spec: string, opts: ForwardSpecOptions = {}): RemoteForwardSpec {
  const f = prepare(spec, opts);
  const dynamic = f.length === 1 || (f.length === 2 && !f[0]!.isPath && !f[1]!.isPath);
  return dynamic ? { listen: dynamicListen(spec, opts, true) } : staticForward(spec, opts, true);
}

/** `-D` / DynamicForward: `[bind_address:]port` (or a socket path). Throws SpecError. */
export function parseDynamicForward(spec: string, opts: ForwardSpecOptions = {}): DynamicForwardSpec {
  return { listen: dynamicListen(spec, opts, false) };
}

/** `-W host:port` (IPv6 in brackets): where stdin/stdout are forwarded. Throws SpecError. */
export function parseStdioForward(spec: string, opts: ForwardSpecOptions = {}): TcpEndpoint {
  const f = prepare(spec, opts);
  if (f.length !== 2 || f[0]!.isPath || f[1]!.isPath || f[0]!.text === '') throw new SpecError(spec, 'expected host:port');
  return tcpTarget(spec, f[0]!, f[1]!);
}
