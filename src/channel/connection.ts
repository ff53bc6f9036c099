import { MSG } from '../wire/message-numbers.ts';
import { readUint32 } from '../wire/bytes.ts';
import { ProtocolError, LimitError } from '../transport/errors.ts';
import type { Transport } from '../transport/transport.ts';
import { Channel, type ChannelHost } from './channel.ts';
import { dataOffset, recipientOf } from './channel-data.ts';
import { ChannelClosedError, ChannelOpenError, OPEN_FAILURE, RequestFailedError } from './errors.ts';
import {
  decodeChannelOpen,
  decodeChannelRequest,
  decodeGlobalRequest,
  decodeOpenConfirmation,
  decodeOpenFailure,
  decodeRecipientOnly,
  encodeChannelOpen,
  encodeGlobalRequest,
  encodeOpenConfirmation,
  encodeOpenFailure,
  encodeRequestSuccess,
  type ChannelOpen,
  type GlobalRequest,
} from './messages.ts';
import { DEFAULT_MAX_CHANNELS, SESSION_SIZES, TCPIP_SIZES, type ChannelSizes } from './defaults.ts';

/** Sizes we grant for a channel type: sessions as OpenSSH, bulk channels larger. */
export function defaultSizesFor(channelType: string): ChannelSizes {
  return channelType === 'session' ? SESSION_SIZES : TCPIP_SIZES;
}

export interface OpenOptions {
  /** Type-specific data of CHANNEL_OPEN (RFC 4254 §5.1). */
  data?: Uint8Array;
  /** Our receive window and largest packet; default by channel type. */
  window?: number;
  maxPacket?: number;
  writeHighWater?: number;
}

/** A CHANNEL_OPEN from the peer, to accept or reject (exactly once). */
export interface IncomingChannelOpen {
  readonly channelType: string;
  /** Type-specific data (a copy). */
  readonly data: Uint8Array;
  accept(opts?: { window?: number; maxPacket?: number; data?: Uint8Array; writeHighWater?: number }): Channel;
  reject(reasonCode: number, description: string): void;
}

/** A GLOBAL_REQUEST from the peer. Return true/false, or bytes for a success carrying data (RFC 4254 §4). */
export type GlobalRequestHandler = (req: GlobalRequest) => boolean | Uint8Array | Promise<boolean | Uint8Array>;

export interface ConnectionOptions {
  /** Decides on channels the peer opens. Unset: every open is refused (administratively prohibited). */
  onChannelOpen?: (open: IncomingChannelOpen) => void;
  /** Decides on global requests. Unset: every request fails (keepalives get their FAILURE reply, as OpenSSH). */
  onGlobalRequest?: GlobalRequestHandler;
  /** Most channels open at once. Default 1024. */
  maxChannels?: number;
  /** Most global requests waiting for our reply. Default 64. */
  maxPendingGlobalRequests?: number;
  /**
   * Largest CHANNEL_DATA sent on any channel, below the peer's maximum
   * packet. For a connection nested in a channel of another (a jump):
   * that channel's maximum less the bytes one packet adds, so each packet
   * fits one CHANNEL_DATA of it (jump/chain.ts). Default: the peer's maximum.
   */
  maxSendPacket?: number;
}

/**
 * The connection protocol (RFC 4254) over an authenticated transport: the
 * channel table, channel opens in both directions, and global requests.
 * It takes over `transport.onMessage` and `transport.onDrain`.
 */
export class Connection implements ChannelHost {
  readonly transport: Transport;
  /** Resolves when the connection (its transport) is closed. */
  readonly closed: Promise<Error | undefined>;
  onChannelOpen: ((open: IncomingChannelOpen) => void) | undefined;
  onGlobalRequest: GlobalRequestHandler | undefined;
  /** Handlers by channel type, consulted before onChannelOpen (forwarding, agent and X11 register theirs). */
  readonly channelOpenHandlers = new Map<string, (open: IncomingChannelOpen) => void>();
  /** Handlers by request name, consulted before onGlobalRequest. */
  readonly globalRequestHandlers = new Map<string, GlobalRequestHandler>();
  /**
   * Set by a session's agent-forwarding request (auth-agent-req@openssh.com);
   * until then auth-agent@openssh.com opens are refused. Off by default (DESIGN.md, "Security defaults").
   */
  agentForwarding = false;
  /** See ConnectionOptions.maxSendPacket. */
  readonly maxSendPacket: number | undefined;

  private readonly channels = new Map<number, Channel>();
  private readonly opening = new Map<number, { type: string; opts: OpenOptions; resolve: (c: Channel) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly maxChannels: number;
  private readonly maxPendingGlobal: number;
  private globalReplies: { name: string; resolve: (d: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private globalChain: Promise<void> = Promise.resolve();
  private pendingGlobal = 0;
  private flushSet = new Set<Channel>();
  private isClosed = false;

  constructor(transport: Transport, opts: ConnectionOptions = {}) {
    this.transport = transport;
    this.onChannelOpen = opts.onChannelOpen;
    this.onGlobalRequest = opts.onGlobalRequest;
    this.maxChannels = opts.maxChannels ?? DEFAULT_MAX_CHANNELS;
    this.maxPendingGlobal = opts.maxPendingGlobalRequests ?? 64;
    if (opts.maxSendPacket !== undefined && !(Number.isInteger(opts.maxSendPacket) && opts.maxSendPacket > 0)) {
      throw new RangeError(`maxSendPacket must be a positive integer, got ${opts.maxSendPacket}`);
    }
    this.maxSendPacket = opts.maxSendPacket;
    transport.onMessage = (p) => this.handle(p);
    transport.onDrain = () => this.flushAll();
    this.closed = transport.closed.then((err) => {
      this.shutdown(err ?? new ChannelClosedError('connection'));
      return err;
    });
  }

  /** False while the socket applies backpressure or a key exchange's queue is half full (Transport.writable). */
  get writable(): boolean {
    return this.transport.writable;
  }

  /** False once the transport has closed (channels learn it through abort a moment later). */
  get isOpen(): boolean {
    return !this.isClosed && this.transport.isOpen;
  }

  /** Channels open now. */
  get channelCount(): number {
    return this.channels.size;
  }

  // ------------------------------------------------------------------- opening

  private allocateId(): number {
    if (this.channels.size + this.opening.size >= this.maxChannels) {
      throw new LimitError('channels', `more than ${this.maxChannels} channels open at once`);
    }
    while (this.channels.has(this.nextId) || this.opening.has(this.nextId)) this.nextId = (this.nextId + 1) >>> 0;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    return id;
  }

  /** Open a channel (RFC 4254 §5.1); rejects with ChannelOpenError if the peer refuses. */
  openChannel(channelType: string, opts: OpenOptions = {}): Promise<Channel> {
    if (!this.isOpen) return Promise.reject(new ChannelClosedError('connection'));
    const sizes = defaultSizesFor(channelType);
    const id = this.allocateId();
    return new Promise<Channel>((resolve, reject) => {
      this.opening.set(id, { type: channelType, opts, resolve, reject });
      this.transport.send(
        encodeChannelOpen({
          channelType,
          sender: id,
          window: opts.window ?? sizes.window,
          maxPacket: opts.maxPacket ?? sizes.maxPacket,
          data: opts.data ?? new Uint8Array(0),
        }),
      );
    });
  }

  /** Send a global request (RFC 4254 §4); with wantReply resolves with the success data, rejects with RequestFailedError. */
  globalRequest(name: string, data: Uint8Array = new Uint8Array(0), wantReply = true): Promise<Uint8Array> {
    if (!this.isOpen) return Promise.reject(new ChannelClosedError('connection'));
    this.transport.send(encodeGlobalRequest({ name, wantReply, data }));
    if (!wantReply) return Promise.resolve(new Uint8Array(0));
    return new Promise((resolve, reject) => this.globalReplies.push({ name, resolve, reject }));
  }

  // ------------------------------------------------------------------ dispatch

  /** Transport message handler (numbers 50+). Returns false for messages that are not ours. */
  private handle(payload: Uint8Array): boolean {
    const type = payload[0]!;
    // The data path first: fixed offsets, no allocation.
    if (type === MSG.CHANNEL_DATA || type === MSG.CHANNEL_EXTENDED_DATA) {
      const off = dataOffset(payload);
      if (off < 0) throw new ProtocolError(type === MSG.CHANNEL_DATA ? 'CHANNEL_DATA' : 'CHANNEL_EXTENDED_DATA', 'length field does not match the message');
      const dataType = type === MSG.CHANNEL_DATA ? 0 : readUint32(payload, 5);
      this.channel(recipientOf(payload), type).receiveData(payload, off, payload.length - off, dataType);
      return true;
    }
    if (type === MSG.CHANNEL_WINDOW_ADJUST) {
      if (payload.length !== 9) throw new ProtocolError('CHANNEL_WINDOW_ADJUST', `${payload.length} bytes, expected 9`);
      this.channel(recipientOf(payload), type).receiveWindowAdjust(readUint32(payload, 5));
      return true;
    }
    switch (type) {
      case MSG.GLOBAL_REQUEST:
        this.receiveGlobalRequest(decodeGlobalRequest(payload));
        return true;
      case MSG.REQUEST_SUCCESS:
      case MSG.REQUEST_FAILURE: {
        const w = this.globalReplies.shift();
        if (!w) throw new ProtocolError('global request', 'reply without a request waiting');
        if (type === MSG.REQUEST_SUCCESS) w.resolve(payload.slice(1));
        else w.reject(new RequestFailedError(w.name, 'global'));
        return true;
      }
      case MSG.CHANNEL_OPEN:
        this.receiveOpen(decodeChannelOpen(payload));
        return true;
      case MSG.CHANNEL_OPEN_CONFIRMATION:
        this.receiveConfirmation(payload);
        return true;
      case MSG.CHANNEL_OPEN_FAILURE: {
        const f = decodeOpenFailure(payload);
        const o = this.opening.get(f.recipient);
        if (!o) throw new ProtocolError('CHANNEL_OPEN_FAILURE', `for channel ${f.recipient}, which is not being opened`);
        this.opening.delete(f.recipient);
        o.reject(new ChannelOpenError(o.type, f.reasonCode, f.description));
        return true;
      }
      case MSG.CHANNEL_EOF:
        this.channel(decodeRecipientOnly(payload, 'CHANNEL_EOF'), type).receiveEof();
        return true;
      case MSG.CHANNEL_CLOSE:
        this.channel(decodeRecipientOnly(payload, 'CHANNEL_CLOSE'), type).receiveClose();
        return true;
      case MSG.CHANNEL_REQUEST: {
        const r = decodeChannelRequest(payload);
        this.channel(r.recipient, type).receiveRequest({ type: r.requestType, wantReply: r.wantReply, data: r.data });
        return true;
      }
      case MSG.CHANNEL_SUCCESS:
      case MSG.CHANNEL_FAILURE:
        this.channel(decodeRecipientOnly(payload, type === MSG.CHANNEL_SUCCESS ? 'CHANNEL_SUCCESS' : 'CHANNEL_FAILURE'), type).receiveReply(type === MSG.CHANNEL_SUCCESS);
        return true;
    }
    return false;
  }

  private channel(id: number, type: number): Channel {
    const c = this.channels.get(id);
    if (!c) throw new ProtocolError(`message ${type}`, `for channel ${id}, which is not open`);
    return c;
  }

  private receiveConfirmation(payload: Uint8Array): void {
    const m = decodeOpenConfirmation(payload);
    const o = this.opening.get(m.recipient);
    if (!o) throw new ProtocolError('CHANNEL_OPEN_CONFIRMATION', `for channel ${m.recipient}, which is not being opened`);
    this.opening.delete(m.recipient);
    const sizes = defaultSizesFor(o.type);
    const c = new Channel(this, {
      localId: m.recipient,
      remoteId: m.sender,
      channelType: o.type,
      localWindow: o.opts.window ?? sizes.window,
      localMaxPacket: o.opts.maxPacket ?? sizes.maxPacket,
      remoteWindow: m.window,
      remoteMaxPacket: this.clampPeerMaxPacket(m.maxPacket),
      writeHighWater: o.opts.writeHighWater,
    });
    this.channels.set(c.localId, c);
    o.resolve(c);
  }

  /** Our packets must fit the peer's limit and ours (RFC 4254 §5.1); a zero limit is a protocol error. */
  private clampPeerMaxPacket(n: number): number {
    if (n === 0) throw new ProtocolError('channel open', 'maximum packet size of 0');
    // Keep every CHANNEL_DATA within a 32 KiB-minimum transport packet of the peer (RFC 4253 §6.1 requires 35000).
    return Math.min(n, 256 * 1024 - 64);
  }

  private receiveOpen(m: ChannelOpen): void {
    const data = m.data.slice();
    const refuse = (code: number, desc: string) => {
      // A handler may decide after the connection ended: nothing to tell the peer then.
      if (this.isOpen) this.transport.send(encodeOpenFailure({ recipient: m.sender, reasonCode: code, description: desc }));
    };
    if (this.channels.size + this.opening.size >= this.maxChannels) {
      refuse(OPEN_FAILURE.RESOURCE_SHORTAGE, `more than ${this.maxChannels} channels`);
      return;
    }
    const handler = this.channelOpenHandlers.get(m.channelType) ?? this.onChannelOpen;
    if (!handler) {
      refuse(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, `${m.channelType} channels are not accepted`);
      return;
    }
    let decided = false;
    const remoteMaxPacket = this.clampPeerMaxPacket(m.maxPacket);
    handler({
      channelType: m.channelType,
      data,
      accept: (o = {}) => {
        if (decided) throw new Error('channel open already decided');
        decided = true;
        if (!this.isOpen) throw new ChannelClosedError(`accepting ${m.channelType} channel`);
        const sizes = defaultSizesFor(m.channelType);
        const c = new Channel(this, {
          localId: this.allocateId(),
          remoteId: m.sender,
          channelType: m.channelType,
          localWindow: o.window ?? sizes.window,
          localMaxPacket: o.maxPacket ?? sizes.maxPacket,
          remoteWindow: m.window,
          remoteMaxPacket,
          writeHighWater: o.writeHighWater,
        });
        this.channels.set(c.localId, c);
        this.transport.send(
          encodeOpenConfirmation({ recipient: m.sender, sender: c.localId, window: o.window ?? sizes.window, maxPacket: o.maxPacket ?? sizes.maxPacket, data: o.data ?? new Uint8Array(0) }),
        );
        return c;
      },
      reject: (code, desc) => {
        if (decided) throw new Error('channel open already decided');
        decided = true;
        refuse(code, desc);
      },
    });
  }

  private receiveGlobalRequest(req: GlobalRequest): void {
    if (this.pendingGlobal >= this.maxPendingGlobal) {
      throw new LimitError('global requests', `more than ${this.maxPendingGlobal} waiting for a reply`);
    }
    const handler = this.globalRequestHandlers.get(req.name) ?? this.onGlobalRequest;
    let result: boolean | Uint8Array | Promise<boolean | Uint8Array>;
    try {
      result = handler ? handler({ name: req.name, wantReply: req.wantReply, data: req.data.slice() }) : false;
    } catch {
      result = false;
    }
    if (!req.wantReply) return;
    this.pendingGlobal++;
    // Replies in request order (RFC 4254 §4).
    this.globalChain = this.globalChain
      .then(() => result)
      .then(
        (r) => r,
        () => false as const,
      )
      .then((r) => {
        this.pendingGlobal--;
        if (!this.isOpen) return;
        if (r === false) this.transport.send(Uint8Array.of(MSG.REQUEST_FAILURE));
        else this.transport.send(encodeRequestSuccess(r === true ? undefined : r));
      });
  }

  // ------------------------------------------------------------- ChannelHost

  release(channel: Channel): void {
    this.channels.delete(channel.localId);
    this.flushSet.delete(channel);
  }

  wantsFlush(channel: Channel): void {
    this.flushSet.add(channel);
  }

  /** The socket drained: let channels with queued data send, in turn. */
  private flushAll(): void {
    const list = [...this.flushSet];
    this.flushSet.clear();
    for (const c of list) {
      if (!this.writable) {
        this.flushSet.add(c);
        continue;
      }
      c.flush();
    }
  }

  private shutdown(error: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const c of [...this.channels.values()]) c.abort(error);
    this.channels.clear();
    for (const o of this.opening.values()) o.reject(new ChannelClosedError(`opening ${o.type} channel`, { cause: error }));
    this.opening.clear();
    for (const w of this.globalReplies.splice(0)) w.reject(new ChannelClosedError(`global request ${w.name}`, { cause: error }));
  }

  /** Close the connection (DISCONNECT by application). */
  close(): void {
    this.transport.disconnect();
  }
}

