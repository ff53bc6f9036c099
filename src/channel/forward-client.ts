/**
 * The client side of forwarding: direct-tcpip and direct-streamlocal channels
 * (RFC 4254 §7.2, OpenSSH PROTOCOL §2.4), local (-L), remote (-R) and dynamic
 * (-D, SOCKS) forwarding, agent-forwarding channels, keepalive and
 * no-more-sessions (PROTOCOL §2.2).
 */
import type { ByteStream, ByteStreamHandler } from '../io/byte-stream.ts';
import type { Network, RemoteAddress } from '../io/network.ts';
import type { Channel } from './channel.ts';
import type { Connection, IncomingChannelOpen, OpenOptions } from './connection.ts';
import { ChannelOpenError, OPEN_FAILURE, RequestFailedError } from './errors.ts';
import {
  FORWARDING,
  decodeBoundPort,
  decodeEmpty,
  decodeForwardedStreamlocal,
  decodeTcpipOpen,
  encodeDirectStreamlocal,
  encodeStreamlocalForward,
  encodeTcpipForward,
  encodeTcpipOpen,
} from './forwarding-messages.ts';
import { connectEndpoint, describeEndpoint, isUnix, listenEndpoint, type Endpoint, type Forward, type ForwardErrorHandler } from './forwarding-endpoint.ts';
import { createPipe, pipe } from './pipe.ts';
import { SOCKS5_REPLY, SocksError, SocksHandshake, socksReply } from './socks.ts';

const EMPTY = new Uint8Array(0);

export interface DirectTcpipTarget {
  host: string;
  port: number;
  /** Where the connection came from (RFC 4254 §7.2). Default 127.0.0.1, port 0. */
  originatorHost?: string;
  originatorPort?: number;
}

/** Open a direct-tcpip channel: the server connects to host:port (RFC 4254 §7.2; `ssh -W`). */
export function directTcpip(connection: Connection, target: DirectTcpipTarget, opts: Omit<OpenOptions, 'data'> = {}): Promise<Channel> {
  const data = encodeTcpipOpen({
    host: target.host,
    port: target.port,
    originatorHost: target.originatorHost ?? '127.0.0.1',
    originatorPort: target.originatorPort ?? 0,
  });
  return connection.openChannel(FORWARDING.DIRECT_TCPIP, { ...opts, data });
}

/** Open a direct-streamlocal@openssh.com channel: the server connects to a unix socket (PROTOCOL §2.4). */
export function directStreamlocal(connection: Connection, path: string, opts: Omit<OpenOptions, 'data'> = {}): Promise<Channel> {
  return connection.openChannel(FORWARDING.DIRECT_STREAMLOCAL, { ...opts, data: encodeDirectStreamlocal(path) });
}

/** Open the channel that reaches `to` through the server. */
function openTo(connection: Connection, to: Endpoint, from: RemoteAddress | undefined): Promise<Channel> {
  if (isUnix(to)) return directStreamlocal(connection, to.path);
  return directTcpip(connection, { host: to.host, port: to.port, originatorHost: from?.host ?? '127.0.0.1', originatorPort: from?.port ?? 0 });
}

export interface LocalForwardOptions {
  /** Where to accept connections (port 0: any free port). */
  listen: Endpoint;
  /** Where the server connects each one to. */
  to: Endpoint;
  /** Errors of single connections (the server refused the open …); the forward carries on. */
  onError?: ForwardErrorHandler;
}

/**
 * Local forwarding (`ssh -L`): accept connections on `listen` and relay each
 * through a direct-tcpip (or direct-streamlocal) channel to `to`. The socket is
 * read only once the channel is open; a refused open closes it. Stops when
 * closed or when the connection ends.
 */
export async function forwardLocal(connection: Connection, network: Network, opts: LocalForwardOptions): Promise<Forward> {
  const listener = await listenEndpoint(network, opts.listen, (stream, remote) => {
    openTo(connection, opts.to, remote).then(
      (channel) => void pipe(stream, channel),
      (err: Error) => {
        stream.close();
        opts.onError?.(err);
      },
    );
  });
  void connection.closed.then(() => listener.close());
  return { port: listener.port, close: () => listener.close() };
}

export interface DynamicForwardOptions {
  /** Where the SOCKS server listens (port 0: any free port). */
  listen: Endpoint;
  onError?: ForwardErrorHandler;
}

/** The SOCKS5 reply for a refused direct-tcpip open. */
function socksCodeFor(err: unknown): number {
  if (err instanceof ChannelOpenError) {
    if (err.reasonCode === OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED) return SOCKS5_REPLY.NOT_ALLOWED;
    if (err.reasonCode === OPEN_FAILURE.CONNECT_FAILED) return SOCKS5_REPLY.CONNECTION_REFUSED;
  }
  return SOCKS5_REPLY.GENERAL_FAILURE;
}

/**
 * Dynamic forwarding (`ssh -D`): a SOCKS4/4a/5 server on `listen` whose
 * CONNECT requests become direct-tcpip channels. Unlike OpenSSH, which
 * answers success before the server has connected, the reply waits for the
 * channel open, so a refused target reaches the SOCKS client as a failure
 * code (SOCKS5: 2 not allowed, 5 refused, 1 otherwise; SOCKS4: 91).
 */
export async function forwardDynamic(connection: Connection, network: Network, opts: DynamicForwardOptions): Promise<Forward> {
  const listener = await listenEndpoint(network, opts.listen, (stream, remote) => socksSession(connection, stream, remote, opts.onError));
  void connection.closed.then(() => listener.close());
  return { port: listener.port, close: () => listener.close() };
}

/** One SOCKS client: handshake, then open, reply, and relay. */
function socksSession(connection: Connection, stream: ByteStream, remote: RemoteAddress | undefined, onError: ForwardErrorHandler | undefined): void {
  const hs = new SocksHandshake();
  let closed = false;
  let ended = false;
  let failed = false;
  /** Bytes that still came after the request, before the relay took over (copies). */
  const early: Uint8Array[] = [];
  // The stream is started once; its events go to the handshake, then to the pipe.
  let current: ByteStreamHandler = {
    data(d) {
      if (failed) return;
      if (hs.done) {
        early.push(d.slice());
        return;
      }
      let step;
      try {
        step = hs.feed(d);
      } catch (e) {
        if (!(e instanceof SocksError)) throw e;
        failed = true;
        if (e.reply) stream.write(e.reply);
        stream.close();
        onError?.(e);
        return;
      }
      if (step.reply) stream.write(step.reply);
      if (!step.request) return;
      stream.pause();
      const { version, host, port } = step.request;
      const rest = step.rest ?? EMPTY;
      directTcpip(connection, { host, port, originatorHost: remote?.host ?? '127.0.0.1', originatorPort: remote?.port ?? 0 }).then(
        (channel) => {
          if (closed) {
            channel.close();
            return;
          }
          stream.write(socksReply(version, SOCKS5_REPLY.SUCCEEDED));
          if (rest.length > 0) channel.write(rest);
          for (const d of early) channel.write(d);
          const p = createPipe(stream, channel);
          current = p.handler;
          if (ended) p.handler.end();
          stream.resume();
        },
        (err: Error) => {
          if (!closed) {
            stream.write(socksReply(version, socksCodeFor(err)));
            stream.close();
          }
          onError?.(err);
        },
      );
    },
    drain: () => undefined,
    end: () => {
      ended = true;
      // EOF before a complete request: nothing to connect.
      if (!hs.done && !failed) stream.close();
    },
    close: () => (closed = true),
  };
  stream.start({
    data: (d) => current.data(d),
    drain: () => current.drain(),
    end: () => current.end(),
    close: (e) => current.close(e),
  });
}

// ------------------------------------------------------------------ remote forwarding

interface RemoteEntry {
  /** The bind address and port as the server knows them (port: the bound one). */
  bind: Endpoint;
  to: Endpoint;
  network: Network;
  onError: ForwardErrorHandler | undefined;
}

/** Remote forwards of one connection, and the channel-open handlers that serve them. */
class RemoteForwards {
  readonly entries = new Set<RemoteEntry>();

  constructor(connection: Connection) {
    connection.channelOpenHandlers.set(FORWARDING.FORWARDED_TCPIP, (o) => this.open(o, false));
    connection.channelOpenHandlers.set(FORWARDING.FORWARDED_STREAMLOCAL, (o) => this.open(o, true));
  }

  /** The forward a forwarded-tcpip open is for: by port, and by address where several share a port. */
  private find(unix: boolean, data: Uint8Array): RemoteEntry | undefined {
    if (unix) {
      const { path } = decodeForwardedStreamlocal(data);
      for (const e of this.entries) if (isUnix(e.bind) && e.bind.path === path) return e;
      return undefined;
    }
    const m = decodeTcpipOpen(data, FORWARDING.FORWARDED_TCPIP);
    const same = [...this.entries].filter((e) => !isUnix(e.bind) && e.bind.port === m.port);
    return same.length > 1 ? same.find((e) => !isUnix(e.bind) && e.bind.host === m.host) : same[0];
  }

  /** A forwarded-tcpip / forwarded-streamlocal open: refused unless we asked for that forward; accepted once `to` is connected. */
  private open(o: IncomingChannelOpen, unix: boolean): void {
    let entry: RemoteEntry | undefined;
    try {
      entry = this.find(unix, o.data);
    } catch {
      o.reject(OPEN_FAILURE.CONNECT_FAILED, `malformed ${o.channelType} data`);
      return;
    }
    if (!entry) {
      o.reject(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, 'no such forwarding was requested');
      return;
    }
    const e = entry;
    connectEndpoint(e.network, e.to).then(
      (stream) => {
        let channel: Channel;
        try {
          channel = o.accept();
        } catch {
          stream.close(); // the connection ended meanwhile
          return;
        }
        void pipe(stream, channel);
      },
      (err: Error) => {
        o.reject(OPEN_FAILURE.CONNECT_FAILED, `${describeEndpoint(e.to)}: ${err.message}`);
        e.onError?.(err);
      },
    );
  }
}

const remoteForwards = new WeakMap<Connection, RemoteForwards>();

export interface RemoteForwardOptions {
  /** Where the server listens: host "" (or "*") for every address, "localhost" for loopback; port 0 lets it choose. */
  bind: Endpoint;
  /** Where each forwarded connection goes from here. */
  to: Endpoint;
  onError?: ForwardErrorHandler;
}

/**
 * Remote forwarding (`ssh -R`): ask the server to listen (tcpip-forward,
 * RFC 4254 §7.1, or streamlocal-forward@openssh.com, PROTOCOL §2.4) and relay
 * each forwarded-tcpip / forwarded-streamlocal channel it opens to `to`.
 * Rejects with RequestFailedError when the server refuses. `port` is the
 * port the server bound (its choice for port 0); close() cancels the forward.
 */
export async function forwardRemote(connection: Connection, network: Network, opts: RemoteForwardOptions): Promise<Forward> {
  let table = remoteForwards.get(connection);
  if (!table) remoteForwards.set(connection, (table = new RemoteForwards(connection)));
  const entry: RemoteEntry = { bind: opts.bind, to: opts.to, network, onError: opts.onError };
  const b = opts.bind;
  let cancel: () => Promise<Uint8Array>;
  let port = 0;
  if (isUnix(b)) {
    table.entries.add(entry);
    try {
      await connection.globalRequest(FORWARDING.STREAMLOCAL_FORWARD, encodeStreamlocalForward(b.path));
    } catch (e) {
      table.entries.delete(entry);
      throw e;
    }
    cancel = () => connection.globalRequest(FORWARDING.CANCEL_STREAMLOCAL_FORWARD, encodeStreamlocalForward(b.path));
  } else {
    // A fixed port is known at once: opens may follow the reply closely.
    if (b.port !== 0) table.entries.add(entry);
    let reply: Uint8Array;
    try {
      reply = await connection.globalRequest(FORWARDING.TCPIP_FORWARD, encodeTcpipForward(b));
    } catch (e) {
      table.entries.delete(entry);
      throw e;
    }
    // The bound port comes back only when port 0 was asked (RFC 4254 §7.1).
    port = b.port === 0 ? decodeBoundPort(reply) : b.port;
    entry.bind = { host: b.host, port };
    table.entries.add(entry);
    cancel = () => connection.globalRequest(FORWARDING.CANCEL_TCPIP_FORWARD, encodeTcpipForward({ host: b.host, port }));
  }
  let closing: Promise<void> | undefined;
  const t = table;
  return {
    port,
    close: () =>
      (closing ??= (async () => {
        t.entries.delete(entry);
        if (!connection.transport.isOpen) return;
        await cancel();
      })()),
  };
}

// ------------------------------------------------------------------ agent, keepalive, no-more-sessions

/**
 * Serve auth-agent@openssh.com channels (agent forwarding) by connecting to
 * the local agent with `connectAgent` and relaying. Opens are refused unless
 * a session asked for agent forwarding (connection.agentForwarding), so a
 * server cannot reach the agent unasked.
 */
export function acceptAgentForwarding(connection: Connection, connectAgent: () => Promise<ByteStream>): void {
  connection.channelOpenHandlers.set(FORWARDING.AUTH_AGENT, (o) => {
    if (!connection.agentForwarding) {
      o.reject(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, 'agent forwarding was not requested');
      return;
    }
    try {
      decodeEmpty(o.data, FORWARDING.AUTH_AGENT);
    } catch {
      o.reject(OPEN_FAILURE.CONNECT_FAILED, `malformed ${FORWARDING.AUTH_AGENT} data`);
      return;
    }
    connectAgent().then(
      (stream) => {
        let channel: Channel;
        try {
          channel = o.accept();
        } catch {
          stream.close();
          return;
        }
        void pipe(stream, channel);
      },
      (err: Error) => o.reject(OPEN_FAILURE.CONNECT_FAILED, `agent: ${err.message}`),
    );
  });
}

/**
 * Send keepalive@openssh.com with want-reply and wait for the answer. Any
 * answer proves the peer alive — OpenSSH's servers answer it with FAILURE
 * (RFC 4254 §4: unknown requests fail). Rejects only if the connection ends.
 */
export async function keepalive(connection: Connection): Promise<void> {
  try {
    await connection.globalRequest(FORWARDING.KEEPALIVE, EMPTY, true);
  } catch (e) {
    if (!(e instanceof RequestFailedError)) throw e;
  }
}

/** Tell the server to refuse any further session channel (no-more-sessions@openssh.com, PROTOCOL §2.2), as `ssh -N`/-W do. */
export function noMoreSessions(connection: Connection): void {
  void connection.globalRequest(FORWARDING.NO_MORE_SESSIONS, EMPTY, false);
}
