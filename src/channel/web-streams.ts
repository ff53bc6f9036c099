import type { ByteStream } from '../io/byte-stream.ts';
import type { Channel } from './channel.ts';
import { ChannelStream } from './channel-stream.ts';
import { ChannelClosedError } from './errors.ts';

export interface WebStreamsOptions {
  /** Bytes the readable side queues before the stream is paused. Default 64 KiB. */
  highWaterMark?: number;
}

export interface WebStreamPair {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * WHATWG ReadableStream / WritableStream views of a ByteStream (DESIGN.md,
 * "I/O and runtimes"), with backpressure: when the readable's queue is full
 * the stream is paused — a channel then holds at most its window and gives
 * none back — until the reader pulls; a write the stream answers with false
 * settles on its drain. Closing the writable sends EOF (half-close);
 * cancelling the readable discards further data without stopping the writable.
 * Each incoming chunk is kept (ByteStream.keep: a channel hands the decrypted
 * packet over where it can) or else copied once, as the stream's view dies
 * when its handler returns.
 */
export function webStreams(stream: ByteStream, opts: WebStreamsOptions = {}): WebStreamPair {
  let rc!: ReadableStreamDefaultController<Uint8Array>;
  let wc!: WritableStreamDefaultController;
  let readDone = false;
  let closed = false;
  let waiting: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (rc = c),
      pull: () => stream.resume(),
      cancel: () => {
        readDone = true;
        stream.resume();
      },
    },
    { highWaterMark: opts.highWaterMark ?? 64 * 1024, size: (c) => c.byteLength },
  );
  const writable = new WritableStream<Uint8Array>({
    start: (c) => void (wc = c),
    write: (chunk) => {
      if (closed) throw new ChannelClosedError('web stream: write');
      if (stream.write(chunk)) return;
      return new Promise<void>((resolve, reject) => (waiting = { resolve, reject }));
    },
    close: () => {
      if (!closed) stream.end();
    },
    abort: (reason) => {
      if (!closed) stream.close(reason instanceof Error ? reason : undefined);
    },
  });
  stream.start({
    data(d) {
      if (readDone) return;
      rc.enqueue(stream.keep ? stream.keep(d) : d.slice());
      if ((rc.desiredSize ?? 0) <= 0) stream.pause();
    },
    drain() {
      const w = waiting;
      waiting = undefined;
      w?.resolve();
    },
    end() {
      if (readDone) return;
      readDone = true;
      rc.close();
    },
    close(err) {
      closed = true;
      if (!readDone) {
        readDone = true;
        if (err) rc.error(err);
        else rc.close();
      }
      const e = err ?? new ChannelClosedError('web stream');
      waiting?.reject(e);
      waiting = undefined;
      wc.error(e);
    },
  });
  return { readable, writable };
}

/** Web Streams views of a channel (see webStreams). */
export function channelWebStreams(channel: Channel, opts: WebStreamsOptions = {}): WebStreamPair {
  return webStreams(new ChannelStream(channel), opts);
}
