/**
 * Small TCP / unix-socket servers for forwarding tests: an echo server (each
 * connection gets its bytes back, half-close kept: EOF is echoed once the
 * data is), and a sink that hashes what it receives.
 */
import { createServer, connect, Socket, type AddressInfo, type Server } from 'node:net';
import { createHash } from 'node:crypto';

export interface TestServer {
  host: string;
  port: number;
  /** Set for a unix-socket server. */
  path: string | undefined;
  /** Accepted connections so far. */
  accepted: number;
  close(): Promise<void>;
}

function listen(server: Server, where: { path?: string; host?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (where.path) server.listen(where.path, done);
    else server.listen(0, where.host ?? '127.0.0.1', done);
  });
}

async function start(where: { path?: string; host?: string }, onSocket: (s: Socket) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const t: TestServer = { host: where.host ?? '127.0.0.1', port: 0, path: where.path, accepted: 0, close: async () => undefined };
  const server = createServer({ allowHalfOpen: true }, (s) => {
    t.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await listen(server, where);
  if (!where.path) t.port = (server.address() as AddressInfo).port;
  t.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return t;
}

/** Echo server on 127.0.0.1 (or a unix socket at `path`). */
export function startEchoServer(where: { path?: string; host?: string } = {}): Promise<TestServer> {
  return start(where, (s) => s.pipe(s));
}

/** A server that answers each connection with `greeting` then echoes. */
export function startGreetingServer(greeting: string): Promise<TestServer> {
  return start({}, (s) => {
    s.write(greeting);
    s.pipe(s);
  });
}

/** Connect (with half-close), send `data`, end, and resolve with everything received until the peer's EOF. */
export function roundTrip(target: { host?: string; port?: number; path?: string }, data: Uint8Array | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = target.path ? connect({ path: target.path, allowHalfOpen: true }) : connect({ host: target.host ?? '127.0.0.1', port: target.port!, allowHalfOpen: true });
    const parts: Buffer[] = [];
    s.on('data', (b: Buffer) => parts.push(b));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(parts));
    });
    s.on('error', reject);
    s.on('connect', () => s.end(data));
  });
}

/**
 * Stream `total` pseudo-random bytes through an echo path (connect, write with
 * backpressure, end) and compare SHA-256 of what was sent and what came back.
 * Resolves with both hashes. `target` may be a socket already connected
 * (with half-close kept), e.g. one made inside a network namespace.
 */
export function hashedEcho(target: { host?: string; port?: number; path?: string } | Socket, total: number, chunk = 256 * 1024): Promise<{ sent: string; received: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const connected = target instanceof Socket;
    const s = connected ? target : target.path ? connect({ path: target.path, allowHalfOpen: true }) : connect({ host: target.host ?? '127.0.0.1', port: target.port!, allowHalfOpen: true });
    const hin = createHash('sha256');
    const hout = createHash('sha256');
    let received = 0;
    s.on('data', (b: Buffer) => {
      received += b.length;
      hin.update(b);
    });
    s.on('end', () => {
      s.end();
      resolve({ sent: hout.digest('hex'), received: hin.digest('hex'), bytes: received });
    });
    s.on('error', reject);
    const source = pseudoRandomChunks(total, chunk);
    const write = (): void => {
      for (let r = source.next(); !r.done; r = source.next()) {
        hout.update(r.value);
        // A copy: the socket keeps the buffer until it is written.
        if (!s.write(Buffer.from(r.value))) {
          s.once('drain', write);
          return;
        }
      }
      s.end();
    };
    if (connected) {
      s.resume();
      write();
    } else s.on('connect', write);
  });
}

/**
 * Writes `total` pseudo-random bytes (pseudoRandomChunks) into a channel,
 * waiting for onDrain whenever write() says false, then ends it; resolves
 * with the SHA-256 of what was written.
 */
export function writeAllToChannel(ch: { write(d: Uint8Array): boolean; end(): void; onDrain: (() => void) | undefined }, total: number, chunk?: number): Promise<string> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    const source = pseudoRandomChunks(total, chunk);
    const write = (): void => {
      for (let r = source.next(); !r.done; r = source.next()) {
        h.update(r.value);
        if (!ch.write(r.value)) return void (ch.onDrain = write);
      }
      ch.end();
      resolve(h.digest('hex'));
    };
    write();
  });
}

/**
 * `total` pseudo-random bytes (a fixed LCG, so runs repeat) in chunks of
 * `chunk` bytes. The yielded view is reused: consume or copy it before the next.
 */
export function* pseudoRandomChunks(total: number, chunk = 128 * 1024, seed = 0x12345678): Generator<Uint8Array> {
  const block = new Uint8Array(chunk + 3);
  const view = new DataView(block.buffer);
  let x = seed >>> 0;
  for (let sent = 0; sent < total; ) {
    const n = Math.min(chunk, total - sent);
    for (let i = 0; i < n; i += 4) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      view.setUint32(i, x);
    }
    sent += n;
    yield block.subarray(0, n);
  }
}

/** Connect to 127.0.0.1:port with half-close kept. */
export function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Read exactly `n` bytes (fewer if EOF comes first); the socket is left paused, extra bytes put back. */
export function readN(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (b: Buffer): void => {
      buf = Buffer.concat([buf, b]);
      if (buf.length < n) return;
      s.off('data', onData);
      s.pause();
      if (buf.length > n) s.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    s.on('data', onData);
    s.once('end', () => resolve(buf));
    s.once('error', reject);
    s.resume();
  });
}

/** Everything until the peer's EOF. */
export function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (b: Buffer) => parts.push(b));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
    s.resume();
  });
}
