/**
 * Where forwarded connections are accepted or go: a TCP host and port, or a
 * unix-domain socket path (OpenSSH's streamlocal, PROTOCOL §2.4). Shared by
 * the client (forward-client.ts) and server (forward-server.ts) sides.
 */
import type { ByteStream } from '../io/byte-stream.ts';
import type { Listener, Network, RemoteAddress } from '../io/network.ts';

export interface TcpEndpoint {
  host: string;
  port: number;
}

export interface UnixEndpoint {
  path: string;
}

export type Endpoint = TcpEndpoint | UnixEndpoint;

export function isUnix(e: Endpoint): e is UnixEndpoint {
  return 'path' in e;
}

export function describeEndpoint(e: Endpoint): string {
  return isUnix(e) ? e.path : `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

export function connectEndpoint(network: Network, e: Endpoint): Promise<ByteStream> {
  return isUnix(e) ? network.connectUnix(e.path) : network.connectTcp(e.host, e.port);
}

/** Listen; a unix socket's connections have no peer address (undefined). */
export function listenEndpoint(network: Network, e: Endpoint, onConnection: (stream: ByteStream, remote: RemoteAddress | undefined) => void): Promise<Listener> {
  return isUnix(e) ? network.listenUnix(e.path, (s) => onConnection(s, undefined)) : network.listenTcp(e.host, e.port, onConnection);
}

/** A forwarding: its listening port (the assigned one when 0 was asked; 0 for a unix socket), and how to stop it. */
export interface Forward {
  readonly port: number;
  /** Stop accepting (and, for a remote forward, cancel it on the server). Connections already relayed go on, as with OpenSSH's cancel. */
  close(): Promise<void>;
}

/** An error of one forwarded connection (the open refused, the target unreachable), for logging: the listener carries on. */
export type ForwardErrorHandler = (error: Error) => void;
