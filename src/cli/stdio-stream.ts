/**
 * This process's stdin and stdout as one ByteStream, for `-W host:port`
 * (ssh(1): "Requests that standard input and output on the client be
 * forwarded to host on port over the secure channel"), so that hopssh can
 * be another ssh's ProxyCommand. Backpressure both ways: a full stdout
 * pauses the producer through write()'s false and 'drain'; pause() stops
 * reading stdin.
 */
import type { ByteStream, ByteStreamHandler } from '../io/byte-stream.ts';

export class StdioStream implements ByteStream {
  private handler: ByteStreamHandler | undefined;
  private closed = false;

  constructor(
    private readonly input: NodeJS.ReadableStream & { destroy?: () => void },
    private readonly output: NodeJS.WritableStream,
    /** Closes the output once what was written has gone (for stdout: close fd 1, so its reader sees EOF). */
    private readonly endOutput: () => void,
  ) {}

  start(handler: ByteStreamHandler): void {
    this.handler = handler;
    this.input.on('data', (b: Buffer) => handler.data(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    this.input.on('end', () => handler.end());
    this.input.on('error', (e: Error) => this.finish(e));
    this.output.on('drain', () => handler.drain());
    // EPIPE: whoever read our stdout went away; nothing more can be delivered.
    this.output.on('error', (e: Error) => this.finish(e));
    this.input.resume();
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.input.pause();
    this.handler?.close(error);
  }

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    return this.output.write(data);
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    if (!this.closed) this.input.resume();
  }

  /** The channel's EOF: stdout is closed once flushed, as ssh(1) closes it; stdin is still read. */
  end(): void {
    if (this.closed) return;
    this.output.write('', () => this.endOutput());
  }

  close(error?: Error): void {
    this.finish(error);
  }
}
