/**
 * A TCP relay for tests that cuts the byte stream into random small pieces in
 * both directions: every piece is 1..maxChunk bytes, written on its own
 * (TCP_NODELAY) after a small random pause (setImmediate, or a 0–1 ms timer).
 * Put it between a client and a server to check that neither side assumes a
 * packet (or an identification line) arrives in one read.
 *
 *     const proxy = await startChunkingProxy({ port: sshd.port });
 *     // connect to proxy.host:proxy.port instead of sshd
 *     await proxy.close();
 *
 * The cuts come from a seeded generator; the seed is in `proxy.seed` (and in
 * every error this module raises) so a failing run can be replayed with
 * `seed`. Backpressure is kept: a direction stops reading while its writer is
 * full or while more than `highWaterMark` bytes wait to be cut. The relay runs
 * in the test process, so nothing needs registering for cleanup; close() it.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { expect } from 'vitest';

export interface ChunkingProxyOptions {
  /** Where to relay to. */
  port: number;
  host?: string;
  /** Address to listen on. Default 127.0.0.1 (a free port is chosen). */
  listenHost?: string;
  /** Largest piece in bytes. Default 64. */
  maxChunk?: number;
  /** Largest pause between pieces in ms (0 or 1; 0 means setImmediate only). Default 1. */
  maxDelayMs?: 0 | 1;
  /** Seed of the random cuts and pauses. Default: random. */
  seed?: number;
  /** Bytes that may wait to be cut in one direction before its source is paused. Default 256 KiB. */
  highWaterMark?: number;
}

/** Counters for one direction ("up" is client → server). */
export interface DirectionStats {
  bytes: number;
  chunks: number;
  largestChunk: number;
}

export interface ChunkingProxy {
  host: string;
  port: number;
  seed: number;
  maxChunk: number;
  /** Connections accepted so far. */
  connections: number;
  up: DirectionStats;
  down: DirectionStats;
  /** Errors seen on relayed sockets other than resets at close (for diagnostics). */
  errors: Error[];
  /** Stops listening and destroys every relayed connection. */
  close(): Promise<void>;
}

/** mulberry32: small, fast, good enough for cutting test streams. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of one connection: queue what `from` sends, write it to `to` in random pieces. */
class Cutter {
  private queue: Buffer[] = [];
  private queued = 0;
  private pumping = false;
  private ended = false;
  private done = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly random: () => number,
    private readonly opts: { maxChunk: number; maxDelayMs: number; highWaterMark: number },
    private readonly stats: DirectionStats,
  ) {
    from.on('data', (b: Buffer) => {
      this.queue.push(b);
      this.queued += b.length;
      if (this.queued > opts.highWaterMark) from.pause();
      this.schedule();
    });
    from.on('end', () => {
      this.ended = true;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pumping || this.done) return;
    this.pumping = true;
    const r = this.random();
    // About one pause in four is a real timer (0 or 1 ms); the rest yield to the event loop once.
    if (this.opts.maxDelayMs > 0 && r < 0.25) setTimeout(() => this.step(), r < 0.125 ? 0 : 1);
    else setImmediate(() => this.step());
  }

  private step(): void {
    this.pumping = false;
    if (this.done || this.to.destroyed) return;
    if (this.queued === 0) {
      if (this.ended) {
        this.done = true;
        this.to.end();
      }
      return;
    }
    const n = Math.min(this.queued, 1 + Math.floor(this.random() * this.opts.maxChunk));
    const piece = this.take(n);
    this.stats.bytes += n;
    this.stats.chunks++;
    if (n > this.stats.largestChunk) this.stats.largestChunk = n;
    if (this.queued <= this.opts.highWaterMark / 2 && this.from.isPaused()) this.from.resume();
    if (this.to.write(piece)) this.schedule();
    else this.to.once('drain', () => this.schedule());
  }

  /** The first `n` queued bytes, as a fresh buffer. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const head = this.queue[0]!;
      const k = Math.min(head.length, n - off);
      head.copy(out, off, 0, k);
      off += k;
      if (k === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(k);
    }
    this.queued -= n;
    return out;
  }
}

/** Starts a chunking relay to `host:port`; resolves once it listens. */
export async function startChunkingProxy(opts: ChunkingProxyOptions): Promise<ChunkingProxy> {
  const maxChunk = opts.maxChunk ?? 64;
  if (!Number.isInteger(maxChunk) || maxChunk < 1) throw new RangeError(`maxChunk must be a positive integer, got ${maxChunk}`);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
  const random = prng(seed);
  const cut = { maxChunk, maxDelayMs: opts.maxDelayMs ?? 1, highWaterMark: opts.highWaterMark ?? 256 * 1024 };
  const targetHost = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const proxy: ChunkingProxy = {
    host: opts.listenHost ?? '127.0.0.1',
    port: 0,
    seed,
    maxChunk,
    connections: 0,
    up: { bytes: 0, chunks: 0, largestChunk: 0 },
    down: { bytes: 0, chunks: 0, largestChunk: 0 },
    errors: [],
    close: () => Promise.resolve(),
  };
  const track = (s: Socket): void => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('close', () => sockets.delete(s));
  };
  // Half-open sockets: a side's FIN is relayed (after the bytes before it) instead of closing both at once.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    proxy.connections++;
    track(client);
    const upstream = connect({ host: targetHost, port: opts.port, allowHalfOpen: true });
    track(upstream);
    // Hold the client's bytes until the upstream connection exists.
    client.pause();
    const onError = (side: string) => (e: Error & { code?: string }) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') {
        proxy.errors.push(new Error(`chunking proxy (seed ${seed}) ${side}: ${e.message}`, { cause: e }));
      }
      client.destroy();
      upstream.destroy();
    };
    client.on('error', onError('client side'));
    upstream.on('error', onError('server side'));
    upstream.once('connect', () => {
      new Cutter(client, upstream, random, cut, proxy.up);
      new Cutter(upstream, client, random, cut, proxy.down);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: proxy.host, port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  proxy.port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  proxy.close = () =>
    (closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  return proxy;
}

/**
 * Asserts that `proxy` relayed one connection without errors, in pieces of at
 * most `maxChunk` bytes each way, and enough of them that packets were really
 * split (the handshake alone is a few KiB each way).
 */
export function expectRelayedInPieces(proxy: ChunkingProxy, maxChunk: number): void {
  expect(proxy.errors, `proxy seed ${proxy.seed}`).toEqual([]);
  expect(proxy.connections).toBe(1);
  expect(proxy.up.largestChunk).toBeLessThanOrEqual(maxChunk);
  expect(proxy.down.largestChunk).toBeLessThanOrEqual(maxChunk);
  expect(proxy.up.chunks).toBeGreaterThan(Math.min(200, proxy.up.bytes / maxChunk));
  expect(proxy.down.chunks).toBeGreaterThan(Math.min(200, proxy.down.bytes / maxChunk));
}
