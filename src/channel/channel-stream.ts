import type { ByteStream, ByteStreamHandler } from '../io/byte-stream.ts';
import type { Channel } from './channel.ts';

/**
 * A channel as a ByteStream (DESIGN.md, "I/O and runtimes"): what a nested
 * transport runs over for a jump host, or what a forwarded socket is piped to.
 * Incoming data is passed on as the channel's view (no copy); window is given
 * back when the handler returns, or after resume() if the consumer paused.
 */
export class ChannelStream implements ByteStream {
  private started = false;

  constructor(readonly channel: Channel) {}

  start(handler: ByteStreamHandler): void {
    if (this.started) throw new Error('ChannelStream already started');
    this.started = true;
    const c = this.channel;
    c.onData = (d) => handler.data(d);
    c.onDrain = () => handler.drain();
    c.onEnd = () => handler.end();
    c.onClose = (err) => handler.close(err);
  }

  write(data: Uint8Array): boolean {
    if (this.channel.isClosed) return false;
    return this.channel.write(data);
  }

  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  end(): void {
    this.channel.end();
  }

  close(): void {
    this.channel.close();
  }
}
