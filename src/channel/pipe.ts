import type { ByteStream, ByteStreamHandler } from '../io/byte-stream.ts';
import type { Channel } from './channel.ts';

/** A relay between a stream and a channel; `done` resolves once both are closed, with the first error seen. */
export interface Pipe {
  /** The handler to give the stream (`pipe()` starts the stream with it). */
  readonly handler: ByteStreamHandler;
  readonly done: Promise<Error | undefined>;
}

/**
 * Relay a ByteStream (a forwarded socket) and a channel both ways, as OpenSSH
 * relays a forwarded connection (RFC 4254 §7):
 *
 * - stream → channel: each chunk goes to channel.write(), which seals it
 *   straight into the transport's packet buffer; when the channel's send queue
 *   is full the stream is paused until the channel drains.
 * - channel → stream: each chunk is handed over for the stream to own
 *   (Channel.keep: the decrypted packet itself where the transport can hand
 *   it over, else one copy, as the view dies when onData returns); when the
 *   stream says false the channel is paused — it holds what arrives and gives
 *   no window back — until the stream drains. So the peer never has more in
 *   flight than our window.
 * - EOF either way is passed on as a half-close; once both directions have
 *   ended the channel is closed, and each side's close closes the other.
 */
export function createPipe(stream: ByteStream, channel: Channel): Pipe {
  let streamEnded = false; // the stream sent EOF (we sent channel EOF)
  let channelEnded = false; // the channel sent EOF (we ended the stream)
  let streamClosed = false;
  let channelClosed = false;
  let streamBacklogged = false; // the stream's last write returned false, no drain since
  let closeStreamOnDrain = false;
  let firstError: Error | undefined;
  let resolve!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (resolve = r));
  const finish = (): void => {
    if (streamClosed && channelClosed) resolve(firstError);
  };
  const closeStream = (): void => {
    if (!streamClosed) stream.close();
  };

  channel.onData = (d) => {
    if (streamClosed) return; // nowhere to go: dropped (its window is still given back)
    if (!stream.write(channel.keep(d))) {
      streamBacklogged = true;
      channel.pause();
    }
  };
  channel.onDrain = () => {
    if (!streamClosed) stream.resume();
  };
  channel.onEnd = () => {
    channelEnded = true;
    if (!streamClosed) stream.end();
    if (streamEnded) channel.close();
  };
  channel.onClose = (err) => {
    channelClosed = true;
    firstError ??= err;
    if (err) {
      if (!streamClosed) stream.close(err);
    } else if (streamBacklogged) {
      // Let the stream take what it was given before closing it.
      closeStreamOnDrain = true;
    } else {
      closeStream();
    }
    finish();
  };

  const handler: ByteStreamHandler = {
    data(d) {
      if (channelClosed || streamEnded) return;
      if (!channel.write(d)) stream.pause();
    },
    drain() {
      streamBacklogged = false;
      if (closeStreamOnDrain) closeStream();
      else if (!channelClosed) channel.resume();
    },
    end() {
      if (streamEnded) return;
      streamEnded = true;
      if (channelClosed) return;
      channel.end();
      if (channelEnded) channel.close();
    },
    close(err) {
      if (streamClosed) return;
      streamClosed = true;
      firstError ??= err;
      if (!channelClosed) {
        // A reset socket drops what the channel still queues; a clean close lets it go first.
        if (err) channel.destroy();
        else channel.close();
      }
      finish();
    },
  };
  return { handler, done };
}

/** Start `stream` and relay it with `channel` (see createPipe); resolves once both are closed. */
export function pipe(stream: ByteStream, channel: Channel): Promise<Error | undefined> {
  const p = createPipe(stream, channel);
  stream.start(p.handler);
  return p.done;
}
