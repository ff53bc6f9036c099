import type { ByteStream, ByteStreamHandler } from '../io/byte-stream.ts';
import type { Channel } from './channel.ts';

/**
 * A channel as a ByteStream (DESIGN.md, "I/O and runtimes"): what a nested
 * transport runs over for a jump host, or what a forwarded socket is piped to.
 * Incoming data is passed on as the channel's view (no copy); window is given
 * back when the handler returns, or after resume() if the consumer paused.
 * Each write of at most `maxWriteSize` bytes is sent as one CHANNEL_DATA.
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

  /**
   * The channel's largest CHANNEL_DATA: a transport running over this stream
   * cuts its writes at packet boundaries within it (PacketSender), and each
   * write goes out as one CHANNEL_DATA (Channel.writeWhole), so none of its
   * packets is split across two (DESIGN.md, "Headroom for nesting").
   */
  get maxWriteSize(): number {
    return this.channel.sendMaxPacket;
  }

  /** A write is sealed into the channel's packet or queued as a copy before write() returns. */
  readonly settled = true;

  keep(view: Uint8Array): Uint8Array {
    return this.channel.keep(view);
  }

  write(data: Uint8Array): boolean {
    if (this.channel.isClosed) return false;
    return this.channel.writeWhole(data);
  }

  /** The nested packet is sealed straight into this channel's CHANNEL_DATA (Channel.reserveDirect). */
  reserveWrite(max: number): number {
    if (this.channel.isClosed) return -1;
    return this.channel.reserveDirect(max);
  }

  get writeBuffer(): Uint8Array {
    return this.channel.directBuffer;
  }

  commitWrite(length: number): boolean {
    return this.channel.commitDirect(length);
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
