import type { ByteStream } from './byte-stream.ts';

/**
 * The sockets forwarding needs (RFC 4254 §7, OpenSSH PROTOCOL §2.4),
 * injected so that src/channel stays free of runtime-specific APIs.
 * `nodeNetwork` (node-network.ts) implements it on node:net.
 *
 * Streams returned or passed to `onConnection` are not started: nothing is
 * read until `start()` is called, so a caller may first open the channel the
 * bytes will go to. They keep half-close: receiving EOF does not end our
 * sending direction.
 */
export interface Network {
  /** Connect to host:port; rejects with ConnectError. */
  connectTcp(host: string, port: number): Promise<ByteStream>;
  /**
   * Listen on host:port (port 0: any free port). `host` "" listens on every
   * address (RFC 4254 §7.1); "localhost" on the loopback addresses.
   */
  listenTcp(host: string, port: number, onConnection: (stream: ByteStream, remote: RemoteAddress) => void): Promise<Listener>;
  /** Connect to a unix-domain socket; rejects with ConnectError. */
  connectUnix(path: string): Promise<ByteStream>;
  /** Listen on a unix-domain socket path (it must not exist). */
  listenUnix(path: string, onConnection: (stream: ByteStream) => void): Promise<Listener>;
}

/** Address of the peer of an accepted TCP connection. */
export interface RemoteAddress {
  host: string;
  port: number;
}

export interface Listener {
  /** The bound port (the chosen one when 0 was asked); 0 for a unix socket. */
  readonly port: number;
  /** Stop accepting; connections already accepted go on. */
  close(): Promise<void>;
}

/** Why a connect failed; `code` is the system's (ECONNREFUSED, ENOENT, ETIMEDOUT …) when known. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    /** host:port or the socket path. */
    readonly target: string,
    readonly code: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`connect to ${target}: ${detail}`, options);
  }
}
