import * as net from 'node:net';
import type { ByteStream, ByteStreamHandler } from './byte-stream.ts';
import { ConnectError } from './network.ts';

const runtime = globalThis as { Bun?: unknown; Deno?: unknown };
const ON_NODE = runtime.Bun === undefined && runtime.Deno === undefined;

/** Size of the reusable receive buffer of a socket we connect (net `onread`). */
const READ_BUFFER_SIZE = 256 * 1024;

/**
 * ByteStream over a node:net socket (also what Bun and Deno's Node
 * compatibility provide). TCP_NODELAY is on: the transport coalesces writes itself.
 *
 * Sockets this module connects read into one reusable buffer (net's `onread`)
 * instead of a fresh Buffer per read: the chunk handed to `data` is a view
 * valid until the call returns, as ByteStream promises, and a relay at full
 * speed allocates nothing per read. Where the runtime ignores `onread`,
 * 'data' events deliver as before.
 */
export class NodeSocketStream implements ByteStream {
  private handler: ByteStreamHandler | undefined;
  private closed = false;

  /** For net's `onread` callback: bytes read into the reusable buffer. */
  received(chunk: Uint8Array): void {
    this.handler?.data(chunk);
  }

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.pause();
  }

  start(handler: ByteStreamHandler): void {
    this.handler = handler;
    const s = this.socket;
    s.on('data', (b: Buffer) => handler.data(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    s.on('drain', () => handler.drain());
    s.on('end', () => handler.end());
    s.on('error', (e) => this.finish(e));
    s.on('close', () => this.finish());
    s.resume();
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.handler?.close(error);
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  /**
   * Nothing queued: every write went to the kernel (Node's net counts a chunk
   * until its write completes). Never under Bun or Deno, whose node:net
   * emulation does not promise when a written buffer is let go.
   */
  get settled(): boolean {
    return ON_NODE && this.socket.writableLength === 0;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  close(error?: Error): void {
    // Let queued bytes (a DISCONNECT) go out before the socket is destroyed.
    const s = this.socket;
    if (s.destroyed) return this.finish(error);
    s.end(() => s.destroy());
    setTimeout(() => s.destroy(), 1000).unref();
    this.finish(error);
  }
}

export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Abort the TCP connect after this many ms. Default 30 s. */
  timeoutMs?: number;
  /** Keep sending after the peer's EOF (forwarding's half-close). Default false. */
  allowHalfOpen?: boolean;
}

/** Connect over TCP and return the socket as a ByteStream. */
export function connectTcp(opts: TcpConnectOptions): Promise<NodeSocketStream> {
  const label = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  return connectSocket({ host: opts.host, port: opts.port, allowHalfOpen: opts.allowHalfOpen ?? false }, label, opts.timeoutMs ?? 30_000);
}

/** Connect to a unix-domain socket (an ssh-agent's SSH_AUTH_SOCK) and return it as a ByteStream. */
export function connectUnix(path: string, timeoutMs = 10_000, allowHalfOpen = false): Promise<NodeSocketStream> {
  return connectSocket({ path, allowHalfOpen }, path, timeoutMs);
}

/** Rejects with ConnectError. */
function connectSocket(target: net.NetConnectOpts, label: string, timeoutMs: number): Promise<NodeSocketStream> {
  return new Promise((resolve, reject) => {
    // Reads go into one buffer for the socket's life (see NodeSocketStream); the stream exists once connected.
    let stream: NodeSocketStream | undefined;
    const buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
    const onread = {
      buffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        stream?.received(new Uint8Array(buf.buffer, buf.byteOffset, n));
        return true;
      },
    };
    const s = net.connect({ ...target, onread } as net.NetConnectOpts);
    const t = setTimeout(() => {
      s.destroy();
      reject(new ConnectError(label, 'ETIMEDOUT', `timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      stream = new NodeSocketStream(s);
      resolve(stream);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(new ConnectError(label, (e as NodeJS.ErrnoException).code, e.message, { cause: e }));
    });
  });
}
