/**
 * The one interface the transport speaks to (DESIGN.md, "I/O and runtimes").
 * Adapters wrap a node:net socket, Deno/Bun sockets, a child's stdio, an
 * in-memory pair, or an SSH channel.
 */
export interface ByteStreamHandler {
  /** Incoming bytes. The view is valid only until this call returns. */
  data(chunk: Uint8Array): void;
  /** The writer may write again after write() returned false. */
  drain(): void;
  /** The peer finished sending (half-close). */
  end(): void;
  /** The stream is closed; `error` when it closed because of one. Called once. */
  close(error?: Error): void;
}

export interface ByteStream {
  /** Install the handler; data starts flowing after this call. */
  start(handler: ByteStreamHandler): void;
  /**
   * Queue bytes for sending. Ownership of `data` passes to the stream: the
   * caller must not modify it afterwards. Returns false when the caller should
   * wait for `drain` before writing more (backpressure).
   */
  write(data: Uint8Array): boolean;
  /**
   * Optional: true when the stream holds none of the buffers given to write()
   * (each was written out or copied), so the writer may reuse their memory
   * (PacketSender's arena). Absent or false: the writer must not.
   */
  readonly settled?: boolean;
  /**
   * The largest write the stream carries whole, when it frames what it is
   * given (an SSH channel: one CHANNEL_DATA, ChannelStream). A writer with
   * frames of its own (a transport's packets) keeps each write within it,
   * cutting only between frames, so no frame is split across two of the
   * stream's (DESIGN.md, "Headroom for nesting"). Undefined: any size.
   */
  readonly maxWriteSize?: number;
  /**
   * Optional zero-copy write (DESIGN.md, "Headroom for nesting"): room for up
   * to `max` bytes inside the stream's own next frame (a channel: the payload
   * of the CHANNEL_DATA packet its transport is about to seal), as an offset
   * into `writeBuffer`, or -1 when that is not possible now (then use write()).
   * A reservation must be completed by commitWrite() before anything else is
   * written to this stream or to the stream beneath it.
   */
  reserveWrite?(max: number): number;
  /** The buffer reserveWrite() returned an offset into; valid until commitWrite(). */
  readonly writeBuffer?: Uint8Array;
  /** Sends the `length` bytes written at the reserved offset; returns as write() does. */
  commitWrite?(length: number): boolean;
  /**
   * Optional, from the handler's data(): that chunk as a buffer the caller
   * owns and may keep, without a copy where the stream can hand it over (a
   * channel: Channel.keep). Absent: copy the view to keep it.
   */
  keep?(view: Uint8Array): Uint8Array;
  /** Stop delivering data (receive-side backpressure), until resume(). */
  pause(): void;
  resume(): void;
  /** Half-close: no more writes from us. */
  end(): void;
  /** Close both directions now; pending writes may be dropped. */
  close(error?: Error): void;
}
