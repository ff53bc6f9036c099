import { Duplex } from 'node:stream';
import type { ByteStream } from './byte-stream.ts';

export interface DuplexOptions {
  /** Bytes the readable side buffers before the stream is paused. Default 64 KiB. */
  readableHighWaterMark?: number;
}

/**
 * A Node Duplex view of a ByteStream — for a channel, of `new ChannelStream(channel)`
 * (DESIGN.md, "I/O and runtimes"). Backpressure both ways: when the readable
 * buffer is full the stream is paused (a channel then holds at most its window
 * and gives none back) until Node reads again; a write that the stream answers
 * with false completes on its drain. Half-close: end() sends EOF; the peer's
 * EOF ends the readable side. Each incoming chunk is copied once (the
 * stream's view dies when its handler returns).
 */
export function toDuplex(stream: ByteStream, opts: DuplexOptions = {}): Duplex {
  let waiting: ((err?: Error | null) => void) | undefined;
  let closed = false;
  let readEnded = false;
  const release = (err?: Error): void => {
    const cb = waiting;
    waiting = undefined;
    cb?.(err);
  };
  const d = new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark: opts.readableHighWaterMark ?? 64 * 1024,
    read() {
      stream.resume();
    },
    write(chunk: Buffer, _encoding, cb) {
      if (closed) return cb(new Error('write after the stream closed'));
      if (stream.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) cb();
      else waiting = cb;
    },
    final(cb) {
      if (!closed) stream.end();
      cb();
    },
    destroy(err, cb) {
      if (!closed) {
        closed = true;
        stream.close(err ?? undefined);
      }
      release(err ?? new Error('destroyed'));
      cb(err);
    },
  });
  const endReadable = (): void => {
    if (readEnded) return;
    readEnded = true;
    d.push(null);
  };
  stream.start({
    data(v) {
      if (readEnded) return;
      if (!d.push(Buffer.from(v))) stream.pause();
    },
    drain: () => release(),
    end: endReadable,
    close(err) {
      if (closed) return;
      closed = true;
      if (err) {
        d.destroy(err);
        return;
      }
      // A clean close: what was pushed is still read, and a waiting write fails.
      endReadable();
      release(new Error('the stream closed'));
    },
  });
  return d;
}
