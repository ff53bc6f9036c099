import type { ByteStream, ByteStreamHandler } from './byte-stream.ts';


const defer: (f: () => void) => void =
  (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ?? ((f) => setTimeout(f, 0));
/** Options for an in-memory pair (tests). */
export interface MemoryPairOptions {
  /** Cut every write into chunks of random sizes up to this many bytes (tests the parser's reassembly). */
  maxChunk?: number;
  /** Random source for chunking; defaults to Math.random. */
  random?: () => number;
  /** Bytes buffered on one side before write() returns false. Default 1 MiB. */
  highWaterMark?: number;
}

class MemoryEnd implements ByteStream {
  peer!: MemoryEnd;
  private handler: ByteStreamHandler | undefined;
  private inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  private paused = false;
  private ended = false;
  private peerEnded = false;
  private peerClosed = false;
  private closed = false;
  private scheduled = false;
  private wantDrain = false;

  constructor(private readonly opts: MemoryPairOptions) {}

  start(handler: ByteStreamHandler): void {
    this.handler = handler;
    this.schedule();
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.ended) return false;
    const p = this.peer;
    if (p.closed) return false;
    const max = this.opts.maxChunk;
    if (max && max > 0) {
      const rnd = this.opts.random ?? Math.random;
      let o = 0;
      while (o < data.length) {
        const n = Math.min(data.length - o, 1 + Math.floor(rnd() * max));
        p.inbox.push(data.subarray(o, o + n));
        o += n;
      }
    } else if (data.length > 0) {
      p.inbox.push(data);
    }
    p.inboxBytes += data.length;
    p.schedule();
    const ok = p.inboxBytes < (this.opts.highWaterMark ?? 1 << 20);
    if (!ok) this.wantDrain = true;
    return ok;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.peer.peerEnded = true;
    this.peer.schedule();
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox = [];
    const h = this.handler;
    queueMicrotask(() => h?.close(error));
    const p = this.peer;
    if (!p.closed) {
      // Like a socket: the peer still receives what was sent, then end, then close.
      p.peerEnded = true;
      p.peerClosed = true;
      p.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled || !this.handler) return;
    this.scheduled = true;
    defer(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const h = this.handler;
    if (!h || this.closed) return;
    while (this.inbox.length > 0 && !this.paused && !this.closed) {
      const chunk = this.inbox.shift()!;
      this.inboxBytes -= chunk.length;
      h.data(chunk);
    }
    if (this.peer.wantDrain && this.inboxBytes < (this.opts.highWaterMark ?? 1 << 20)) {
      this.peer.wantDrain = false;
      this.peer.handler?.drain();
    }
    if (this.inbox.length === 0 && this.peerEnded && !this.closed) {
      this.peerEnded = false;
      h.end();
    }
    if (this.inbox.length === 0 && this.peerClosed && !this.closed) this.close();
  }
}

/** Two connected in-memory ByteStreams: what one writes, the other receives. */
export function createMemoryPair(opts: MemoryPairOptions = {}): [ByteStream, ByteStream] {
  const a = new MemoryEnd(opts);
  const b = new MemoryEnd(opts);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
