/**
 * Pieces shared by the flow-control tests (test/channel/flow-control*.test.ts,
 * test/interop/channel-flow-*.test.ts): a deterministic data source whose
 * chunks differ (so reordering changes the hash), a producer that writes as
 * fast as write()/onDrain allow, a slow consumer that takes data in bursts
 * with pauses, a meter for a ByteStream (bytes written but not yet delivered),
 * and a recorder of the peaks of every queue on the byte path.
 *
 * Correctness only: the tests assert structural bounds (held ≤ window, queued
 * ≤ high-water mark + one write, …) and log peak RSS without asserting it.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ByteStream, ByteStreamHandler } from '../../src/io/byte-stream.ts';
import type { Channel } from '../../src/channel/channel.ts';
import type { Transport } from '../../src/transport/transport.ts';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL_SIZE = 1 << 20;
let sharedPool: Uint8Array | undefined;

/** 1 MiB (+ slack) of pseudo-random bytes, made once per process. */
function pool(maxChunk: number): Uint8Array {
  if (!sharedPool || sharedPool.length < POOL_SIZE + maxChunk) {
    const p = new Uint8Array(POOL_SIZE + Math.max(maxChunk, 1 << 20));
    const r = prng(0x5eed);
    const v = new Uint32Array(p.buffer, 0, p.length >>> 2);
    for (let i = 0; i < v.length; i++) v[i] = (r() * 4294967296) >>> 0;
    sharedPool = p;
  }
  return sharedPool;
}

/**
 * A stream of `total` bytes cut into `chunkSize` pieces; piece k starts at a
 * different offset of the pool, so a lost, repeated or reordered piece changes
 * the hash. The pieces are views of the pool (write() copies what it keeps).
 */
export class PatternSource {
  private readonly data: Uint8Array;
  private k = 0;
  sent = 0;
  readonly hash: Hash = createHash('sha256');

  constructor(
    readonly total: number,
    readonly chunkSize: number,
    readonly seed = 1,
  ) {
    this.data = pool(chunkSize);
  }

  get done(): boolean {
    return this.sent >= this.total;
  }

  /** The next piece (also hashed). */
  next(): Uint8Array {
    const n = Math.min(this.chunkSize, this.total - this.sent);
    const off = ((this.k * 40503 + this.seed * 7919) >>> 0) % POOL_SIZE;
    this.k++;
    const piece = this.data.subarray(off, off + n);
    this.hash.update(piece);
    this.sent += n;
    return piece;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Anything with write/onDrain/end: a Channel, or a Session wrapping one. */
export interface Writable {
  write(data: Uint8Array): boolean;
  onDrain: (() => void) | undefined;
  end(): void;
}

/**
 * Writes all of `src` as fast as write()/onDrain allow (a synchronous loop
 * until write() returns false, then wait for onDrain), then end() unless told
 * not to. `afterWrite` runs after every write (the place to sample the queues).
 * Resolves with the number of times write() returned false.
 */
export function produce(w: Writable, src: PatternSource, opts: { end?: boolean; afterWrite?: () => void } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    let stalls = 0;
    const pump = (): void => {
      try {
        while (!src.done) {
          const ok = w.write(src.next());
          opts.afterWrite?.();
          if (!ok) {
            stalls++;
            return;
          }
        }
        w.onDrain = undefined;
        if (opts.end !== false) w.end();
        resolve(stalls);
      } catch (e) {
        reject(e);
      }
    };
    w.onDrain = pump;
    pump();
  });
}

/** Anything that delivers data and can pause: a Channel, or a Session. */
export interface Readable {
  onData: ((data: Uint8Array) => void) | undefined;
  onEnd: (() => void) | undefined;
  pause(): void;
  resume(): void;
}

export interface SlowConsumerOptions {
  seed?: number;
  /** Bytes taken before the next pause: uniform in [min, max]. */
  burst?: [number, number];
  /** Milliseconds paused: uniform in [min, max]. */
  delayMs?: [number, number];
  /** Runs right before every resume(): held data is at its peak then. */
  beforeResume?: () => void;
  /** Skip hashing (when the data is not a PatternSource, e.g. zeros counted only). */
  noHash?: boolean;
}

/**
 * Takes data in bursts: after a random number of bytes it pauses for a random
 * delay, then resumes. Hashes what it takes, in order. `ended` resolves with
 * the byte count at the peer's EOF.
 */
export class SlowConsumer {
  received = 0;
  pauses = 0;
  readonly hash: Hash = createHash('sha256');
  readonly ended: Promise<number>;
  private budget: number;
  private readonly rnd: () => number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly r: Readable,
    private readonly o: SlowConsumerOptions = {},
  ) {
    this.rnd = prng(o.seed ?? 7);
    this.budget = this.nextBurst();
    this.ended = new Promise((resolve) => {
      r.onEnd = () => {
        if (this.timer) clearTimeout(this.timer);
        resolve(this.received);
      };
    });
    r.onData = (d) => this.take(d);
  }

  private between([lo, hi]: [number, number]): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  private nextBurst(): number {
    return this.between(this.o.burst ?? [256 * 1024, 8 * 1024 * 1024]);
  }

  private take(d: Uint8Array): void {
    if (!this.o.noHash) this.hash.update(d);
    this.received += d.length;
    this.budget -= d.length;
    if (this.budget > 0 || this.timer) return;
    this.budget = this.nextBurst();
    this.pauses++;
    this.r.pause();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.o.beforeResume?.();
      this.r.resume();
    }, this.between(this.o.delayMs ?? [1, 8]));
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Wraps a ByteStream and counts the bytes written into it and the bytes its
 * handler was given: for a pair of meters on the two ends of one link,
 * `a.written - b.delivered` is what is in flight between them (for the
 * in-memory pair, exactly the peer's inbox).
 */
export class MeteredStream implements ByteStream {
  written = 0;
  delivered = 0;
  /** Times write() returned false (backpressure reached this stream). */
  refusals = 0;
  constructor(readonly inner: ByteStream) {}
  start(h: ByteStreamHandler): void {
    this.inner.start({
      data: (c) => {
        this.delivered += c.length;
        h.data(c);
      },
      drain: () => h.drain(),
      end: () => h.end(),
      close: (e) => h.close(e),
    });
  }
  write(data: Uint8Array): boolean {
    this.written += data.length;
    const ok = this.inner.write(data);
    if (!ok) this.refusals++;
    return ok;
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
  end(): void {
    this.inner.end();
  }
  close(error?: Error): void {
    this.inner.close(error);
  }
}

/**
 * Bytes a transport holds for a key exchange in progress (upper-layer
 * payloads queued until NEWKEYS). Not public API: read for the bound only,
 * and the test fails if the field is renamed rather than silently sampling 0.
 */
export function transportQueued(t: Transport): number {
  const v = (t as unknown as { queuedBytes?: unknown }).queuedBytes;
  if (typeof v !== 'number') throw new Error('Transport.queuedBytes is gone: update flow-control-harness.ts');
  return v;
}

/** The node:net socket under a transport made by connectTcp (not public API: for sampling writableLength). */
export function socketOf(t: Transport): { writableLength: number; writableHighWaterMark: number } {
  const s = (t as unknown as { stream?: { socket?: { writableLength: number; writableHighWaterMark: number } } }).stream?.socket;
  if (!s || typeof s.writableLength !== 'number') throw new Error('Transport.stream.socket is gone: update flow-control-harness.ts');
  return s;
}

/** Peaks of named quantities, sampled by the test wherever they can be highest. */
export class Peaks {
  readonly max = new Map<string, number>();
  sample(name: string, value: number): void {
    if (value > (this.max.get(name) ?? -1)) this.max.set(name, value);
  }
  get(name: string): number {
    return this.max.get(name) ?? 0;
  }
  /** Peak RSS is sampled on an interval as well (a long synchronous stretch would otherwise hide it). */
  watchRss(intervalMs = 20): () => void {
    const t = setInterval(() => this.sample('rss', process.memoryUsage.rss()), intervalMs);
    return () => clearInterval(t);
  }
  toString(): string {
    const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
    return [...this.max].map(([k, v]) => `${k} ${mib(v)}`).join(', ');
  }
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
