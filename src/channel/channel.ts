import { MSG } from '../wire/message-numbers.ts';
import { isViewInside } from '../wire/bytes.ts';
import { ProtocolError } from '../transport/errors.ts';
import { ChannelClosedError, RequestFailedError } from './errors.ts';
import { DATA_HEADER, EXTENDED_DATA_HEADER, writeDataHeader, writeExtendedDataHeader, writeWindowAdjust } from './channel-data.ts';
import { encodeChannelData, encodeChannelRequest, encodeExtendedData, encodeRecipientOnly, encodeWindowAdjust } from './messages.ts';
import { DEFAULT_WRITE_HIGH_WATER, MAX_WINDOW } from './defaults.ts';

/** What a channel needs from its connection. */
export interface ChannelHost {
  /** The transport: zero-copy sends when it can, queued copies during a key exchange. */
  readonly transport: {
    reservePayload(maxLength: number): number;
    readonly sendBuffer: Uint8Array;
    commitPayload(length: number): boolean;
    send(payload: Uint8Array): boolean;
    /** Hands over the received packet `view` lies in, where that needs no copy (Transport.claimReceived). */
    claimReceived?(view: Uint8Array): boolean;
  };
  /** False while the socket (or a key exchange's queue) is applying backpressure: channels then queue instead of sending. */
  readonly writable: boolean;
  /**
   * Largest CHANNEL_DATA we send on any channel, whatever the peer allows:
   * set on a connection nested in a channel, so that each of its packets
   * fits one CHANNEL_DATA of the channel it runs in (jump/chain.ts).
   */
  readonly maxSendPacket?: number;
  /**
   * False once the transport has closed. The connection tells its channels
   * (abort) a moment later; until then they send nothing and throw nothing.
   */
  readonly isOpen: boolean;
  /** Called once CLOSE was both sent and received: the local id may be reused. */
  release(channel: Channel): void;
  /** A channel has queued data to flush when the transport drains. */
  wantsFlush(channel: Channel): void;
}

/** An incoming channel request (RFC 4254 §5.4). `data` is valid only during the handler call. */
export interface IncomingRequest {
  type: string;
  wantReply: boolean;
  data: Uint8Array;
}

export interface ChannelParams {
  localId: number;
  remoteId: number;
  channelType: string;
  /** Our receive window (initial and maximum) and largest packet we accept. */
  localWindow: number;
  localMaxPacket: number;
  /** The peer's window and largest packet. */
  remoteWindow: number;
  remoteMaxPacket: number;
  writeHighWater?: number;
}

/** `whole`: sent as one message once the window allows (see writeWhole). */
type Chunk = { data: Uint8Array; off: number; dataType: number; whole?: boolean };

/**
 * One channel of the connection protocol (RFC 4254 §5): windows in both
 * directions, a bounded send queue, half-close, and requests with replies in order.
 *
 * Receiving: data is handed to `onData` as a view valid only during the call;
 * the window is given back once the consumer has taken it (on return from
 * onData, or later for data held while paused), never merely on receipt.
 * Sending: write() sends at once within the peer's window, writing straight
 * into the transport's packet buffer; what does not fit is copied into a
 * queue, and write() returns false once it holds `writeHighWater` bytes.
 */
export class Channel {
  readonly localId: number;
  readonly remoteId: number;
  readonly channelType: string;

  private dataHandler: ((data: Uint8Array) => void) | undefined;
  private extendedHandler: ((dataType: number, data: Uint8Array) => void) | undefined;
  private endHandler: (() => void) | undefined;
  private closeHandler: ((error?: Error) => void) | undefined;

  /**
   * Incoming data (stdout for a session). The view is valid only during the call.
   * Data that arrives before a handler is set is held (bounded by our window)
   * and delivered once one is: an opener attaches its handler only after
   * `await openChannel()`, by which time the peer may already have sent data.
   */
  get onData(): ((data: Uint8Array) => void) | undefined {
    return this.dataHandler;
  }
  set onData(fn: ((data: Uint8Array) => void) | undefined) {
    this.dataHandler = fn;
    this.scheduleHeld();
  }

  /** Incoming extended data (type 1 = stderr, RFC 4254 §5.2). View valid only during the call; held until set, like onData. */
  get onExtendedData(): ((dataType: number, data: Uint8Array) => void) | undefined {
    return this.extendedHandler;
  }
  set onExtendedData(fn: ((dataType: number, data: Uint8Array) => void) | undefined) {
    this.extendedHandler = fn;
    this.scheduleHeld();
  }

  /** The peer sent EOF: no more data will come. Delivered once a handler is set. */
  get onEnd(): (() => void) | undefined {
    return this.endHandler;
  }
  set onEnd(fn: (() => void) | undefined) {
    this.endHandler = fn;
    this.scheduleHeld();
  }

  /** The channel is closed (both CLOSE messages exchanged, or the connection ended: then with an error). */
  get onClose(): ((error?: Error) => void) | undefined {
    return this.closeHandler;
  }
  set onClose(fn: ((error?: Error) => void) | undefined) {
    this.closeHandler = fn;
    this.scheduleHeld();
  }
  /** Incoming channel requests; the reply (if wanted) is sent in order. Unset: every request fails. */
  onRequest: ((req: IncomingRequest) => boolean | Promise<boolean>) | undefined;
  /** write() may be called again after it returned false. */
  onDrain: (() => void) | undefined;

  private remoteWindow: number;
  /** The largest window the peer has given: a whole write waits for window only if it is at most half of it. */
  private remoteWindowSeen: number;
  readonly remoteMaxPacket: number;
  /** The largest CHANNEL_DATA sent: the peer's maximum packet, or less on a nested connection (ChannelHost.maxSendPacket). */
  readonly sendMaxPacket: number;
  /** The receive window we granted (and give back up to): what the peer may send ahead of our consumer. */
  readonly localWindowMax: number;
  readonly localMaxPacket: number;
  private localWindow: number;
  private consumed = 0;

  private queue: Chunk[] = [];
  /** Offset of the CHANNEL_DATA header reserveDirect() placed, until commitDirect(); -1 when none. */
  private direct = -1;
  private directMax = 0;
  private queuedBytes = 0;
  private readonly highWater: number;
  private needDrain = false;

  private paused = false;
  private held: Chunk[] = [];

  private eofWanted = false;
  private eofSent = false;
  private eofReceived = false;
  private endDelivered = false;
  private closeWanted = false;
  private closeSent = false;
  private closeReceived = false;
  private closed = false;
  private closeError: Error | undefined;

  private replies: { type: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private replyChain: Promise<void> = Promise.resolve();
  /** Replies to the peer's requests still waiting for an asynchronous handler. */
  private pendingReplies = 0;
  /** destroy() was called: close without waiting for anything. */
  private dropping = false;

  constructor(
    private readonly host: ChannelHost,
    p: ChannelParams,
  ) {
    this.localId = p.localId;
    this.remoteId = p.remoteId;
    this.channelType = p.channelType;
    this.localWindow = p.localWindow;
    this.localWindowMax = p.localWindow;
    this.localMaxPacket = p.localMaxPacket;
    this.remoteWindow = p.remoteWindow;
    this.remoteWindowSeen = p.remoteWindow;
    this.remoteMaxPacket = p.remoteMaxPacket;
    this.sendMaxPacket = Math.min(p.remoteMaxPacket, host.maxSendPacket ?? Infinity);
    this.highWater = p.writeHighWater ?? DEFAULT_WRITE_HIGH_WATER;
  }

  get where(): string {
    return `channel ${this.localId} (${this.channelType})`;
  }

  // ------------------------------------------------------------------ sending

  /** Send data. Returns false when the caller should wait for onDrain. Throws after end()/close(). */
  write(data: Uint8Array): boolean {
    return this.writeChunk(data, 0, false);
  }

  /**
   * Send data as one CHANNEL_DATA when it is at most `sendMaxPacket` bytes
   * (and at most half the largest window the peer has given, so waiting can
   * never stall): it waits for window rather than being cut where the window
   * ends. What a nested transport writes (whole packets, ChannelStream) goes
   * this way, so no packet of it is split. Larger data is sent as write() does.
   */
  writeWhole(data: Uint8Array): boolean {
    return this.writeChunk(data, 0, true);
  }

  /**
   * Zero-copy send (DESIGN.md, "Headroom for nesting"): the offset in
   * `directBuffer` where up to `max` bytes of data may be written, to go out as
   * one CHANNEL_DATA by commitDirect(length) — or -1 when they cannot be sent
   * at once (data queued, window or packet size too small, backpressure, key
   * exchange): then use write(). A nested transport seals its packet here, so
   * it is the payload of this channel's packet without being copied.
   */
  reserveDirect(max: number): number {
    // A reservation never committed (its writer threw) is simply replaced: nothing of it was sent.
    if (this.eofWanted || this.closeWanted || this.closed || this.queue.length > 0) return -1;
    if (max > this.sendMaxPacket || max > this.remoteWindow || !this.host.writable || !this.host.isOpen) return -1;
    const at = this.host.transport.reservePayload(DATA_HEADER + max);
    if (at < 0) return -1;
    this.direct = at;
    this.directMax = max;
    return at + DATA_HEADER;
  }

  /** The buffer reserveDirect() returned an offset into. */
  get directBuffer(): Uint8Array {
    return this.host.transport.sendBuffer;
  }

  /** Sends the `length` bytes written at the offset reserveDirect() returned, as one CHANNEL_DATA. */
  commitDirect(length: number): boolean {
    const at = this.direct;
    if (at < 0) throw new Error(`${this.where}: commitDirect without reserveDirect`);
    if (!(length >= 0 && length <= this.directMax)) throw new RangeError(`${this.where}: commitDirect(${length}) outside the ${this.directMax} bytes reserved`);
    this.direct = -1;
    const t = this.host.transport;
    writeDataHeader(t.sendBuffer, at, this.remoteId, length);
    this.remoteWindow -= length;
    t.commitPayload(DATA_HEADER + length);
    if (this.host.writable) return true;
    // The socket beneath pushes back: the writer waits for onDrain, as after a write() that returned false.
    this.needDrain = true;
    this.host.wantsFlush(this);
    return false;
  }

  /** Send extended data (RFC 4254 §5.2; type 1 is stderr). */
  writeExtended(dataType: number, data: Uint8Array): boolean {
    if (dataType === 0) throw new RangeError('extended data type 0 is reserved for normal data');
    return this.writeChunk(data, dataType, false);
  }

  private writeChunk(data: Uint8Array, dataType: number, whole: boolean): boolean {
    if (this.eofWanted || this.closeWanted || this.closed) throw new ChannelClosedError(`${this.where}: write after end`);
    // The connection is gone and onClose is on its way: dropped, as a reset socket drops writes.
    if (!this.host.isOpen) return false;
    let off = 0;
    if (this.queue.length === 0) off = this.sendNow(data, 0, dataType, whole);
    if (off < data.length) {
      // Copied once: the caller may reuse its buffer when write() returns.
      this.queue.push({ data: data.slice(off), off: 0, dataType, whole: whole && off === 0 });
      this.queuedBytes += data.length - off;
      this.host.wantsFlush(this);
    }
    if (this.queuedBytes >= this.highWater) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Sends from data[off..] as far as the window, packet size and socket allow; returns the new offset. */
  private sendNow(data: Uint8Array, off: number, dataType: number, whole: boolean): number {
    const t = this.host.transport;
    const header = dataType === 0 ? DATA_HEADER : EXTENDED_DATA_HEADER;
    const max = this.sendMaxPacket;
    // A whole write not yet started waits until the window takes all of it (see writeWhole).
    if (whole && off === 0 && data.length <= max && data.length <= this.remoteWindowSeen / 2 && this.remoteWindow < data.length) return off;
    while (off < data.length && this.remoteWindow > 0 && this.host.writable && this.host.isOpen) {
      const n = Math.min(data.length - off, this.remoteWindow, max);
      const at = t.reservePayload(header + n);
      if (at >= 0) {
        const buf = t.sendBuffer;
        if (dataType === 0) writeDataHeader(buf, at, this.remoteId, n);
        else writeExtendedDataHeader(buf, at, this.remoteId, dataType, n);
        buf.set(data.subarray(off, off + n), at + header);
        t.commitPayload(header + n);
      } else {
        // A key exchange is under way: the transport queues a copy.
        const part = data.subarray(off, off + n);
        t.send(dataType === 0 ? encodeChannelData(this.remoteId, part) : encodeExtendedData(this.remoteId, dataType, part));
      }
      this.remoteWindow -= n;
      off += n;
    }
    return off;
  }

  /** Send queued data the window now allows; called on WINDOW_ADJUST and when the socket drains. */
  flush(): void {
    while (this.queue.length > 0) {
      const c = this.queue[0]!;
      const before = c.off;
      c.off = this.sendNow(c.data, c.off, c.dataType, c.whole === true);
      this.queuedBytes -= c.off - before;
      if (c.off < c.data.length) break;
      this.queue.shift();
    }
    if (this.queue.length > 0) this.host.wantsFlush(this);
    if (this.needDrain && this.queuedBytes < this.highWater / 2) {
      this.needDrain = false;
      this.onDrain?.();
    }
    this.maybeSendEofAndClose();
  }

  /** True once write() would throw: after end(), close() or destroy(), or once the peer closed. */
  get writeEnded(): boolean {
    return this.eofWanted || this.closeWanted || this.closed;
  }

  /** Bytes waiting for window or socket. */
  get pendingWriteBytes(): number {
    return this.queuedBytes;
  }

  /** Half-close: send EOF once queued data has gone (RFC 4254 §5.3). */
  end(): void {
    if (this.eofWanted || this.closed) return;
    this.eofWanted = true;
    this.maybeSendEofAndClose();
  }

  /** Close after queued data has gone (EOF first if not sent). */
  close(): void {
    if (this.closeWanted || this.closed) return;
    this.eofWanted = true;
    this.closeWanted = true;
    this.maybeSendEofAndClose();
  }

  /** Close now, dropping queued data. */
  destroy(): void {
    if (this.closed) return;
    this.dropping = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.closeWanted = true;
    this.eofWanted = true;
    this.maybeSendEofAndClose();
  }

  private maybeSendEofAndClose(): void {
    if (this.queue.length > 0 || this.closed) return;
    if (this.eofWanted && !this.eofSent && !this.closeSent) {
      this.eofSent = true;
      this.sendControl(encodeRecipientOnly(MSG.CHANNEL_EOF, this.remoteId));
    }
    // CLOSE waits for replies still being decided (unless the peer closed or we destroy): no reply is lost to it.
    if (this.closeWanted && !this.closeSent && (this.pendingReplies === 0 || this.closeReceived || this.dropping)) {
      this.closeSent = true;
      this.sendControl(encodeRecipientOnly(MSG.CHANNEL_CLOSE, this.remoteId));
      this.checkClosed();
    }
  }

  /** Sends a message of the channel unless the connection is gone (see ChannelHost.isOpen). */
  private sendControl(payload: Uint8Array): void {
    if (this.host.isOpen) this.host.transport.send(payload);
  }

  // ------------------------------------------------------------------ requests

  /** Send a channel request (RFC 4254 §5.4); with wantReply, resolves on SUCCESS and rejects with RequestFailedError on FAILURE. */
  request(type: string, data: Uint8Array, wantReply = true): Promise<void> {
    if (this.closeSent || this.closed || !this.host.isOpen) return Promise.reject(new ChannelClosedError(this.where));
    this.host.transport.send(encodeChannelRequest({ recipient: this.remoteId, requestType: type, wantReply, data }));
    if (!wantReply) return Promise.resolve();
    return new Promise((resolve, reject) => this.replies.push({ type, resolve, reject }));
  }

  // -------------------------------------------------- from the connection (receiving)

  /** CHANNEL_DATA / EXTENDED_DATA: `payload[off .. off+len)` is the data, a view into the packet buffer. */
  receiveData(payload: Uint8Array, off: number, len: number, dataType: number): void {
    if (len > this.localWindow) {
      throw new ProtocolError(this.where, `peer sent ${len} bytes with only ${this.localWindow} left in the window`);
    }
    if (len > this.localMaxPacket) {
      throw new ProtocolError(this.where, `peer sent a ${len}-byte packet, more than the maximum ${this.localMaxPacket}`);
    }
    this.localWindow -= len;
    // RFC 4254 §5.3: no data after EOF or CLOSE; it is counted and dropped.
    if (this.eofReceived || this.closeReceived || this.closed) {
      this.consume(len);
      return;
    }
    if (this.paused || this.held.length > 0 || !this.handlerFor(dataType)) {
      // Held until the consumer resumes or attaches (the packet itself where the transport hands it over, else a copy); bounded by our window.
      this.held.push({ data: this.owned(payload.subarray(off, off + len)), off: 0, dataType });
      return;
    }
    this.deliver(payload.subarray(off, off + len), dataType);
    this.consume(len);
  }

  private handlerFor(dataType: number): unknown {
    return dataType === 0 ? this.dataHandler : this.extendedHandler;
  }

  private heldScheduled = false;
  /** After a handler is attached: deliver what was held, outside the setter. */
  private scheduleHeld(): void {
    if (this.heldScheduled) return;
    this.heldScheduled = true;
    queueMicrotask(() => {
      this.heldScheduled = false;
      if (!this.paused) this.drainHeld();
    });
  }

  /** Deliver held data in order while handlers exist; then EOF and close when due. */
  private drainHeld(): void {
    while (this.held.length > 0 && !this.paused) {
      const c = this.held[0]!;
      if (!this.handlerFor(c.dataType)) return;
      this.held.shift();
      this.heldDelivery = c.data;
      try {
        this.deliver(c.data, c.dataType);
      } finally {
        this.heldDelivery = undefined;
      }
      this.consume(c.data.length);
    }
    if (this.held.length === 0) this.deliverEndAndClose();
  }

  /** Held data being delivered: the channel's own, so keep() hands it over as it is. */
  private heldDelivery: Uint8Array | undefined;

  private deliver(view: Uint8Array, dataType: number): void {
    if (dataType === 0) this.onData?.(view);
    else this.onExtendedData?.(dataType, view);
  }

  /**
   * From onData / onExtendedData: the data `view` as a buffer the caller owns
   * and may keep (hand to a socket, queue for stdout) — without a copy where
   * the packet was decrypted into a buffer of its own (node:crypto's AEADs:
   * Transport.claimReceived) or the data was held, else a copy. So a forwarded
   * connection or stdout takes each chunk with no copy of its own (DESIGN.md,
   * "Opening in place").
   */
  keep(view: Uint8Array): Uint8Array {
    if (this.heldDelivery !== undefined && isViewInside(view, this.heldDelivery)) return view;
    return this.owned(view);
  }

  private owned(view: Uint8Array): Uint8Array {
    return this.host.transport.claimReceived?.(view) ? view : view.slice();
  }

  /** The consumer took `n` bytes: give window back in batches (as OpenSSH: once half the window is used). */
  private consume(n: number): void {
    this.consumed += n;
    if (this.closeSent || this.closed || !this.host.isOpen) return;
    if (this.localWindow < this.localWindowMax / 2 && this.consumed > 0) {
      const add = this.consumed;
      this.consumed = 0;
      this.localWindow += add;
      const t = this.host.transport;
      const at = t.reservePayload(9);
      if (at >= 0) {
        writeWindowAdjust(t.sendBuffer, at, this.remoteId, add);
        t.commitPayload(9);
      } else {
        t.send(encodeWindowAdjust(this.remoteId, add));
      }
    }
  }

  /** Stop delivering data; what arrives is held (at most our window) and the window is not given back. */
  pause(): void {
    this.paused = true;
  }

  /** Deliver held data, give its window back, and continue. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.drainHeld();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes received but not yet delivered (held while paused). */
  get heldBytes(): number {
    let n = 0;
    for (const c of this.held) n += c.data.length;
    return n;
  }

  receiveWindowAdjust(bytes: number): void {
    if (this.remoteWindow + bytes > MAX_WINDOW) {
      throw new ProtocolError(this.where, `window adjust of ${bytes} overflows the window (${this.remoteWindow})`);
    }
    this.remoteWindow += bytes;
    if (this.remoteWindow > this.remoteWindowSeen) this.remoteWindowSeen = this.remoteWindow;
    if (this.queue.length > 0) this.flush();
  }

  /** Bytes the peer's window lets us send now. */
  get sendWindow(): number {
    return this.remoteWindow;
  }

  receiveEof(): void {
    if (this.eofReceived) return;
    this.eofReceived = true;
    if (this.held.length === 0) this.deliverEndAndClose();
  }

  receiveClose(): void {
    if (this.closeReceived) throw new ProtocolError(this.where, 'second CHANNEL_CLOSE');
    this.closeReceived = true;
    // RFC 4254 §5.3: answer CLOSE with CLOSE; queued data is dropped.
    this.queue = [];
    this.queuedBytes = 0;
    this.closeWanted = true;
    this.maybeSendEofAndClose();
    this.checkClosed();
  }

  private deliverEndAndClose(): void {
    if (this.eofReceived && !this.endDelivered && this.endHandler) {
      this.endDelivered = true;
      this.endHandler();
    }
    if (this.closed && this.held.length === 0) this.finish();
  }

  private checkClosed(): void {
    if (!this.closeSent || !this.closeReceived || this.closed) return;
    this.closed = true;
    this.host.release(this);
    if (this.held.length === 0) this.finish();
  }

  private finishedCalled = false;
  private finish(): void {
    if (this.finishedCalled) return;
    const err = this.closeError;
    for (const r of this.replies.splice(0)) r.reject(err ?? new ChannelClosedError(`${this.where}: closed before the reply to ${r.type}`));
    // Held until a close handler exists (see onData), unless the connection ended.
    if (!this.closeHandler && !err) return;
    this.finishedCalled = true;
    if (this.eofReceived && !this.endDelivered && !err) {
      this.endDelivered = true;
      this.endHandler?.();
    }
    this.closeHandler?.(err);
  }

  receiveRequest(req: IncomingRequest): void {
    const handler = this.onRequest;
    // Counted from now: a close() the handler makes, even before it returns, waits for this reply.
    if (req.wantReply) this.pendingReplies++;
    let result: boolean | Promise<boolean>;
    try {
      result = handler ? handler(req) : false;
    } catch {
      result = false;
    }
    if (!req.wantReply) return;
    // Replies go out in request order even when a handler is asynchronous (RFC 4254 §5.4).
    // A decision already made, with none pending before it, is answered at once: before
    // anything the handler goes on to send (output, exit-status, CLOSE).
    const pending = typeof result === 'object' && result !== null && typeof result.then === 'function';
    if (!pending && this.pendingReplies === 1) {
      this.replied(result === true);
      return;
    }
    this.replyChain = this.replyChain
      .then(() => result)
      .then(
        (ok) => ok === true,
        () => false,
      )
      .then((ok) => this.replied(ok));
  }

  private replied(ok: boolean): void {
    this.pendingReplies--;
    this.sendReply(ok);
    // A close() made while this reply was pending waited for it.
    this.maybeSendEofAndClose();
  }

  private sendReply(ok: boolean): void {
    if (this.closeSent || this.closed) return;
    this.sendControl(encodeRecipientOnly(ok ? MSG.CHANNEL_SUCCESS : MSG.CHANNEL_FAILURE, this.remoteId));
  }

  receiveReply(success: boolean): void {
    const r = this.replies.shift();
    if (!r) throw new ProtocolError(this.where, `CHANNEL_${success ? 'SUCCESS' : 'FAILURE'} without a request waiting`);
    if (success) r.resolve();
    else r.reject(new RequestFailedError(r.type, this.where));
  }

  /** The connection ended: fail everything pending. */
  abort(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = new ChannelClosedError(this.where, { cause: error });
    this.queue = [];
    this.queuedBytes = 0;
    this.held = [];
    this.finish();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get eofWasReceived(): boolean {
    return this.eofReceived;
  }
}
