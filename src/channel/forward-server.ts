/**
 * The server side of forwarding: direct-tcpip and direct-streamlocal opens
 * (RFC 4254 §7.2, OpenSSH PROTOCOL §2.4) decided by a policy and relayed
 * through the injected network; tcpip-forward and streamlocal-forward
 * requests (RFC 4254 §7.1, PROTOCOL §2.4) served by listening and opening
 * forwarded-tcpip / forwarded-streamlocal channels; no-more-sessions
 * (PROTOCOL §2.2); keepalive@openssh.com.
 */
import type { ByteStream } from '../io/byte-stream.ts';
import type { KeyRestrictions } from '../auth/key-restrictions.ts';
import type { Listener, Network, RemoteAddress } from '../io/network.ts';
import type { Connection, IncomingChannelOpen } from './connection.ts';
import { OPEN_FAILURE } from './errors.ts';
import {
  FORWARDING,
  decodeDirectStreamlocal,
  decodeEmpty,
  decodeStreamlocalForward,
  decodeTcpipForward,
  decodeTcpipOpen,
  encodeBoundPort,
  encodeForwardedStreamlocal,
  encodeTcpipOpen,
} from './forwarding-messages.ts';
import { connectEndpoint, describeEndpoint, listenEndpoint, type Endpoint, type ForwardErrorHandler } from './forwarding-endpoint.ts';
import { pipe } from './pipe.ts';

/** A policy's answer: allow, or refuse with a reason the client sees. */
export type ForwardDecision = 'allow' | { reject: string };
type Policy<T> = (req: T) => ForwardDecision | Promise<ForwardDecision>;

export interface DirectTcpipRequest {
  host: string;
  port: number;
  originatorHost: string;
  originatorPort: number;
}

export interface ForwardingServerOptions {
  /** How the server connects and listens. */
  network: Network;
  /** direct-tcpip (`ssh -L`, `-W`, `-D`). Unset: refused. */
  directTcpip?: Policy<DirectTcpipRequest>;
  /** direct-streamlocal@openssh.com (`ssh -L` to a socket path). Unset: refused. */
  directStreamlocal?: Policy<{ path: string }>;
  /** tcpip-forward (`ssh -R`), with the address as the client asked it. Unset: refused. */
  tcpipForward?: Policy<{ host: string; port: number }>;
  /** streamlocal-forward@openssh.com (`ssh -R` of a socket path). Unset: refused. */
  streamlocalForward?: Policy<{ path: string }>;
  /**
   * OpenSSH's GatewayPorts for remote forwards: 'no' (default) listens on
   * loopback whatever the client asked, 'yes' on every address,
   * 'clientspecified' where the client asked ("" and "*": every address).
   */
  gatewayPorts?: 'no' | 'yes' | 'clientspecified';
  /**
   * What the user's key or certificate allows (AuthenticatedUser.restrictions),
   * enforced before the policies as sshd does: no-port-forwarding refuses all
   * forwarding; permitopen= limits direct-tcpip targets, permitlisten= remote
   * forward addresses ("host:port", "*" for any host or port).
   */
  restrictions?: KeyRestrictions;
  /** Most remote-forward listeners at once on this connection. Default 64. */
  maxListeners?: number;
  /** Errors of single forwarded connections (target unreachable, open refused by the client). */
  onError?: ForwardErrorHandler;
}

export interface ForwardingServer {
  /** Remote-forward listeners open now. */
  readonly listeners: number;
  /** True once the client sent no-more-sessions@openssh.com. */
  readonly sessionsRefused: boolean;
  /** Stop serving: listeners closed, handlers removed. Relayed connections go on. */
  close(): Promise<void>;
}

/** Channel types the forwarding server accepts. */
export const SERVED_CHANNEL_TYPES = [FORWARDING.DIRECT_TCPIP, FORWARDING.DIRECT_STREAMLOCAL] as const;
/** Global requests the forwarding server answers. */
export const SERVED_REQUESTS = [
  FORWARDING.TCPIP_FORWARD,
  FORWARDING.CANCEL_TCPIP_FORWARD,
  FORWARDING.STREAMLOCAL_FORWARD,
  FORWARDING.CANCEL_STREAMLOCAL_FORWARD,
  FORWARDING.NO_MORE_SESSIONS,
  FORWARDING.KEEPALIVE,
] as const;

/** Whether a permitopen= / permitlisten= entry ("host:port", "[v6]:port", "*" wildcards) admits host:port. */
function permits(entry: string, host: string, port: number): boolean {
  const colon = entry.lastIndexOf(':');
  let h = entry.slice(0, colon);
  const p = entry.slice(colon + 1);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return (p === '*' || Number(p) === port) && (h === '*' || h === host);
}

/** Why key restrictions refuse a forwarding (sshd's auth options), or undefined. */
export function restrictionRefusal(r: KeyRestrictions | undefined, kind: 'open' | 'listen' | 'streamlocal', host = '', port = 0): string | undefined {
  if (!r) return undefined;
  if (!r.permitPortForwarding) return 'port forwarding is disabled for this key (no-port-forwarding)';
  const list = kind === 'open' ? r.permitOpen : kind === 'listen' ? r.permitListen : [];
  if (list.length > 0 && !list.some((e) => permits(e, host, port))) {
    return `${kind === 'open' ? 'permitopen' : 'permitlisten'} does not allow ${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  return undefined;
}

/** Ask a policy; a missing policy or one that throws refuses. */
async function decide<T>(policy: Policy<T> | undefined, req: T, what: string): Promise<string | undefined> {
  if (!policy) return `${what} is not permitted`;
  try {
    const d = await policy(req);
    return d === 'allow' ? undefined : d.reject;
  } catch (e) {
    return `${what} refused: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Serve the client's forwarding requests on `connection` (server role). Each
 * kind is refused unless its policy is given — unlike sshd, whose
 * AllowTcpForwarding defaults to yes: an embedded server grants nothing unasked.
 */
export function serveForwarding(connection: Connection, opts: ForwardingServerOptions): ForwardingServer {
  const network = opts.network;
  const maxListeners = opts.maxListeners ?? 64;
  /** Remote-forward listeners by "host\0boundPort" or "\0path". */
  const listeners = new Map<string, Listener>();
  let sessionsRefused = false;
  let anyPort = 0;
  let stopped = false;

  // --------------------------------------------------------- direct-tcpip / direct-streamlocal

  const openDirect = async (o: IncomingChannelOpen): Promise<void> => {
    let target: Endpoint;
    let refusal: string | undefined;
    try {
      if (o.channelType === FORWARDING.DIRECT_TCPIP) {
        const m = decodeTcpipOpen(o.data);
        target = { host: m.host, port: m.port };
        refusal = restrictionRefusal(opts.restrictions, 'open', m.host, m.port) ?? (await decide(opts.directTcpip, m, `forwarding to ${describeEndpoint(target)}`));
      } else {
        const m = decodeDirectStreamlocal(o.data);
        target = m;
        refusal = restrictionRefusal(opts.restrictions, 'streamlocal') ?? (await decide(opts.directStreamlocal, m, `forwarding to ${m.path}`));
      }
    } catch {
      o.reject(OPEN_FAILURE.CONNECT_FAILED, `malformed ${o.channelType} data`);
      return;
    }
    if (refusal !== undefined) {
      o.reject(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, refusal);
      return;
    }
    let stream: ByteStream;
    try {
      stream = await connectEndpoint(network, target);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      o.reject(OPEN_FAILURE.CONNECT_FAILED, err.message);
      opts.onError?.(err);
      return;
    }
    try {
      void pipe(stream, o.accept());
    } catch {
      stream.close(); // the connection ended meanwhile
    }
  };
  for (const t of SERVED_CHANNEL_TYPES) connection.channelOpenHandlers.set(t, (o) => void openDirect(o));

  // --------------------------------------------------------- tcpip-forward / streamlocal-forward

  const bindHost = (asked: string): string => {
    const g = opts.gatewayPorts ?? 'no';
    if (g === 'no') return 'localhost';
    if (g === 'yes') return '';
    return asked === '*' ? '' : asked;
  };

  /** Open a forwarded channel for each accepted connection and relay it. */
  const relay = (channelType: string, data: (remote: RemoteAddress | undefined) => Uint8Array) => (stream: ByteStream, remote: RemoteAddress | undefined) => {
    if (!connection.transport.isOpen) {
      stream.close();
      return;
    }
    connection.openChannel(channelType, { data: data(remote) }).then(
      (channel) => void pipe(stream, channel),
      (err: Error) => {
        stream.close();
        opts.onError?.(err);
      },
    );
  };

  const addListener = async (key: string, listen: () => Promise<Listener>): Promise<Listener | undefined> => {
    if (stopped || listeners.has(key) || listeners.size >= maxListeners) return undefined;
    let l: Listener;
    try {
      l = await listen();
    } catch (e) {
      opts.onError?.(e instanceof Error ? e : new Error(String(e)));
      return undefined;
    }
    if (stopped || listeners.has(key)) {
      await l.close();
      return undefined;
    }
    listeners.set(key, l);
    return l;
  };

  const removeListener = async (key: string): Promise<boolean> => {
    const l = listeners.get(key);
    if (!l) return false;
    listeners.delete(key);
    await l.close();
    return true;
  };

  const g = connection.globalRequestHandlers;
  g.set(FORWARDING.TCPIP_FORWARD, async (req) => {
    const m = decodeTcpipForward(req.data);
    if (restrictionRefusal(opts.restrictions, 'listen', m.host, m.port) !== undefined) return false;
    if ((await decide(opts.tcpipForward, m, 'remote forwarding')) !== undefined) return false;
    let bound = m.port;
    // forwarded-tcpip names the address as the client asked it and the bound port (RFC 4254 §7.2).
    const data = (r: RemoteAddress | undefined): Uint8Array => encodeTcpipOpen({ host: m.host, port: bound, originatorHost: r?.host ?? '', originatorPort: r?.port ?? 0 });
    // Port 0 asked twice is two listeners: a unique key until the bound port is known.
    const asked = m.port === 0 ? `\0\0${++anyPort}` : `${m.host}\0${m.port}`;
    const l = await addListener(asked, () => listenEndpoint(network, { host: bindHost(m.host), port: m.port }, relay(FORWARDING.FORWARDED_TCPIP, data)));
    if (!l) return false;
    bound = l.port;
    if (m.port !== 0) return true;
    // Keyed by the bound port, which cancel-tcpip-forward names; the chosen port goes back (RFC 4254 §7.1).
    listeners.delete(asked);
    listeners.set(`${m.host}\0${bound}`, l);
    return encodeBoundPort(bound);
  });
  g.set(FORWARDING.CANCEL_TCPIP_FORWARD, (req) => {
    const m = decodeTcpipForward(req.data, FORWARDING.CANCEL_TCPIP_FORWARD);
    return removeListener(`${m.host}\0${m.port}`);
  });
  g.set(FORWARDING.STREAMLOCAL_FORWARD, async (req) => {
    const m = decodeStreamlocalForward(req.data);
    if (restrictionRefusal(opts.restrictions, 'streamlocal') !== undefined) return false;
    if ((await decide(opts.streamlocalForward, m, 'remote forwarding')) !== undefined) return false;
    const data = encodeForwardedStreamlocal(m.path);
    const l = await addListener(`\0${m.path}`, () => listenEndpoint(network, m, relay(FORWARDING.FORWARDED_STREAMLOCAL, () => data)));
    return l !== undefined;
  });
  g.set(FORWARDING.CANCEL_STREAMLOCAL_FORWARD, (req) => {
    const m = decodeStreamlocalForward(req.data, FORWARDING.CANCEL_STREAMLOCAL_FORWARD);
    return removeListener(`\0${m.path}`);
  });

  // --------------------------------------------------------- no-more-sessions, keepalive

  g.set(FORWARDING.NO_MORE_SESSIONS, (req) => {
    decodeEmpty(req.data, FORWARDING.NO_MORE_SESSIONS);
    sessionsRefused = true;
    // Whoever serves sessions, later opens meet this first (sshd disconnects instead; refusing is enough).
    connection.channelOpenHandlers.set('session', (o) => o.reject(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, 'no more sessions (no-more-sessions@openssh.com)'));
    return true;
  });
  // Answered with FAILURE, as sshd answers it: any reply proves liveness.
  g.set(FORWARDING.KEEPALIVE, () => false);

  const close = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const t of SERVED_CHANNEL_TYPES) connection.channelOpenHandlers.delete(t);
    for (const r of SERVED_REQUESTS) g.delete(r);
    const all = [...listeners.values()];
    listeners.clear();
    await Promise.all(all.map((l) => l.close()));
  };
  void connection.closed.then(close);

  return {
    get listeners() {
      return listeners.size;
    },
    get sessionsRefused() {
      return sessionsRefused;
    },
    close,
  };
}
