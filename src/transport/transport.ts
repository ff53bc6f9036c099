import type { ByteStream } from '../io/byte-stream.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { MSG, DISCONNECT_REASON } from '../wire/message-numbers.ts';
import { constantTimeEqual, utf8 } from '../wire/bytes.ts';
import { WireError } from '../wire/errors.ts';
import { MacError, KexMathError, KeyFormatError } from '../crypto/errors.ts';
import { createOpener, createSealer } from '../crypto/packet-protection.ts';
import { CIPHERS } from '../crypto/cipher-registry.ts';
import { randomBytes } from '../crypto/random.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import {
  AlgorithmNegotiationError,
  ConnectionClosedError,
  DisconnectError,
  HostKeyError,
  LimitError,
  ProtocolError,
} from './errors.ts';
import { VersionParser, identificationLine, DEFAULT_VERSION_LIMITS } from './version-exchange.ts';
import { PacketSender } from './packet-sender.ts';
import { PacketReceiver, DEFAULT_MAX_PACKET_LENGTH } from './packet-receiver.ts';
import { Handshake } from './handshake.ts';
import { CLIENT_DEFAULTS, SERVER_DEFAULTS, SUPPORTED, resolveAlgorithms, type AlgorithmLists } from './algorithms.ts';
import { encodeExtInfo, decodeExtInfo } from './ext-info.ts';
import type { ClientTransportOptions, ServerTransportOptions, TransportOptions } from './options.ts';
import type { Negotiated } from './negotiate.ts';

export const SOFTWARE_VERSION = 'hopssh_0.1';

/** Signature algorithms hopssh verifies for user authentication (server-sig-algs, RFC 8308 §3.1). */
const DEFAULT_SERVER_SIG_ALGS = SUPPORTED.hostKey;

const NONE_KEYS = { cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) };

/**
 * Handler for upper-layer messages (numbers 50 and up). The payload view is
 * valid until it returns. Returning false means "not mine": the transport
 * answers SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4).
 */
export type MessageHandler = (payload: Uint8Array) => boolean | void;

type Role = 'client' | 'server';

/**
 * The SSH transport layer (RFC 4253) over a ByteStream, in either role.
 * Upper layers send payloads with `send()` and receive messages 50+ through
 * `onMessage`; key exchanges (first and rekeys) happen underneath, and
 * upper-layer sends made meanwhile wait in a bounded queue.
 */
export class Transport {
  readonly role: Role;
  /** Resolves after the first key exchange; rejects if the connection fails before. */
  readonly ready: Promise<void>;
  /** Resolves when the transport is closed, with the error that closed it (undefined for a clean close). */
  readonly closed: Promise<Error | undefined>;
  /** The peer's identification string (RFC 4253 §4.2). */
  peerIdentification = '';
  /** Lines the server sent before its identification (client role). */
  preBanner: string[] = [];
  /** Extensions the peer announced in EXT_INFO (RFC 8308). */
  readonly peerExtensions = new Map<string, Uint8Array>();
  /**
   * Extensions we announce in EXT_INFO (RFC 8308 §2.4), sent once, right after
   * our first NEWKEYS: server-sig-algs (server), ping@openssh.com and the
   * options' `extensions`. Upper layers may add theirs until then (the userauth
   * server adds publickey-hostbound@openssh.com, PROTOCOL §2.5).
   */
  readonly localExtensions = new Map<string, string>();
  /** Upper-layer message handler; unset, messages get SSH_MSG_UNIMPLEMENTED. */
  onMessage: MessageHandler | undefined;
  /** Called when send() may be called again after it returned false. */
  onDrain: (() => void) | undefined;
  /** Called for every service the server accepted (server role). */
  onServiceAccepted: ((name: string) => void) | undefined;

  readonly sender: PacketSender;
  readonly receiver: PacketReceiver;
  readonly handshake: Handshake;
  clientVersion = '';
  serverVersion = '';

  private readonly stream: ByteStream;
  private readonly options: TransportOptions;
  private readonly algorithms: AlgorithmLists;
  private versionParser: VersionParser | undefined;
  private versionTimer: ReturnType<typeof setTimeout> | undefined;
  private rekeyTimer: ReturnType<typeof setTimeout> | undefined;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private readonly maxQueuedBytes: number;
  private rekeyBytesLimit = Infinity;
  private isClosed = false;
  private closeError: Error | undefined;
  private resolveClosed!: (e: Error | undefined) => void;
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private serviceWaiters: { name: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private pingWaiters: { data: Uint8Array; resolve: () => void; reject: (e: unknown) => void }[] = [];

  protected constructor(stream: ByteStream, role: Role, options: ClientTransportOptions | ServerTransportOptions) {
    this.stream = stream;
    this.role = role;
    this.options = options;
    const defaults = role === 'client' ? CLIENT_DEFAULTS : SERVER_DEFAULTS;
    this.algorithms = {
      kex: resolveAlgorithms('kex', options.kex, defaults.kex),
      hostKey: resolveAlgorithms('hostKey', options.hostKeyAlgorithms, defaults.hostKey),
      cipher: resolveAlgorithms('cipher', options.ciphers, defaults.cipher),
      mac: resolveAlgorithms('mac', options.macs, defaults.mac),
      compression: ['none'],
    };
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => undefined);
    this.closed = new Promise((res) => (this.resolveClosed = res));
    const provider = options.crypto ?? 'auto';
    this.sender = new PacketSender(stream, createSealer(NONE_KEYS, 'noble'));
    this.receiver = new PacketReceiver(createOpener(NONE_KEYS, 'noble'), (p, seq) => this.onPacket(p, seq), options.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH);
    this.receiver.onResume = () => this.stream.resume();
    const client = options as ClientTransportOptions;
    const server = options as ServerTransportOptions;
    if (role === 'client' && typeof client.verifyHostKey !== 'function') {
      throw new TypeError('verifyHostKey is required: hopssh never accepts an unverified host key by default');
    }
    if (role === 'server' && (!server.hostKeys || server.hostKeys.length === 0)) {
      throw new TypeError('a server needs at least one host key');
    }
    if (role === 'server') this.localExtensions.set('server-sig-algs', (server.serverSigAlgs ?? DEFAULT_SERVER_SIG_ALGS).join(','));
    this.localExtensions.set('ping@openssh.com', '0');
    if (role === 'server') for (const [k, v] of Object.entries(server.extensions ?? {})) this.localExtensions.set(k, v);
    this.handshake = new Handshake(this, {
      algorithms: this.algorithms,
      strictKex: options.strictKex ?? true,
      provider,
      kexTimeoutMs: options.kexTimeoutMs ?? 60_000,
      verifyHostKey: client.verifyHostKey,
      hostKeys: server.hostKeys,
      gexMin: client.gexMinBits ?? 2048,
      gexMax: client.gexMaxBits ?? 8192,
    });
  }

  /** Begin: send our identification and start reading the peer's. */
  protected begin(): void {
    const ours = identificationLine(this.options.softwareVersion ?? SOFTWARE_VERSION);
    if (this.role === 'client') this.clientVersion = ours;
    else this.serverVersion = ours;
    const limits = { ...DEFAULT_VERSION_LIMITS, ...this.options.versionLimits };
    this.versionParser = new VersionParser(this.role === 'client', limits);
    const vt = this.options.versionTimeoutMs ?? 30_000;
    if (vt > 0) {
      this.versionTimer = setTimeout(() => this.fail(new LimitError('version exchange timeout', `no SSH identification within ${vt} ms`)), vt);
    }
    this.stream.start({
      data: (chunk) => this.onData(chunk),
      drain: () => {
        this.sender.writable = true;
        this.drained();
      },
      end: () => this.fail(new ConnectionClosedError('the peer closed the connection')),
      close: (err) => this.onStreamClose(err),
    });
    this.stream.write(utf8(ours + '\r\n'));
    // Send KEXINIT at once, without waiting for the peer's identification (RFC 4253 §7.1).
    void this.handshake.start().then(
      () => undefined,
      () => undefined,
    );
  }

  // ---------------------------------------------------------------- receiving

  private onData(chunk: Uint8Array): void {
    if (this.isClosed) return;
    try {
      if (this.versionParser) {
        const res = this.versionParser.feed(chunk);
        if (!res) return;
        this.versionParser = undefined;
        if (this.versionTimer) clearTimeout(this.versionTimer);
        this.peerIdentification = res.identification;
        this.preBanner = res.preBanner;
        if (this.role === 'client') this.serverVersion = res.identification;
        else this.clientVersion = res.identification;
        chunk = chunk.subarray(res.consumed);
        if (chunk.length === 0) return;
      }
      this.receiver.feed(chunk);
      // The handshake holds packets until new keys exist (handshake.ts, onNewKeys): hold the stream
      // too, or a peer could make the receiver keep everything it sends meanwhile.
      if (this.receiver.isPaused) this.stream.pause();
    } catch (e) {
      this.fail(e);
    }
  }

  private onPacket(payload: Uint8Array, seq: number): void {
    if (payload.length === 0) throw new ProtocolError(`packet ${seq}`, 'empty payload');
    const type = payload[0]!;
    const hs = this.handshake;
    if (hs.strictInitial && type !== MSG.KEXINIT && type !== MSG.NEWKEYS && type !== MSG.DISCONNECT && (type < 30 || type > 49)) {
      throw new ProtocolError('strict key exchange', `message ${type} during the initial key exchange`);
    }
    // After the peer's KEXINIT only transport-generic and kex messages may come (RFC 4253 §7.1).
    if (hs.inKex && hs.peerKexInitReceived && type > 4 && type !== MSG.KEXINIT && type !== MSG.NEWKEYS && (type < 30 || type > 49)) {
      throw new ProtocolError('key exchange', `message ${type} during key exchange`);
    }
    switch (type) {
      case MSG.DISCONNECT:
        return this.onDisconnect(payload);
      case MSG.IGNORE:
        return;
      case MSG.UNIMPLEMENTED: {
        const r = new Reader(payload, 1, payload.length, 'UNIMPLEMENTED');
        const s = r.uint32('sequence number');
        r.done();
        if (hs.inKex) throw new ProtocolError('key exchange', `peer did not understand our packet ${s}`);
        return;
      }
      case MSG.DEBUG: {
        const r = new Reader(payload, 1, payload.length, 'DEBUG');
        const always = r.boolean('always_display');
        const msg = r.text('message');
        r.text('language tag');
        this.options.onDebug?.(msg, always);
        return;
      }
      case MSG.KEXINIT:
        if (!hs.inKex && hs.firstDone) this.clearRekeyTimer();
        hs.onKexInit(payload, seq);
        return;
      case MSG.NEWKEYS:
        hs.onNewKeys(payload);
        return;
      case MSG.SERVICE_REQUEST:
        this.requireKeys(type);
        return this.onServiceRequest(payload);
      case MSG.SERVICE_ACCEPT:
        this.requireKeys(type);
        return this.onServiceAccept(payload);
      case MSG.EXT_INFO:
        this.requireKeys(type);
        for (const [k, v] of decodeExtInfo(payload)) this.peerExtensions.set(k, v);
        return;
      case MSG.PING:
        return this.onPing(payload);
      case MSG.PONG:
        return this.onPong(payload);
    }
    if (type >= 30 && type <= 49) return hs.onMethodMessage(payload);
    if (type >= 50 && type !== MSG.PING && type !== MSG.PONG) {
      this.requireKeys(type);
      if (this.onMessage && this.onMessage(payload) !== false) {
        this.checkRekey();
        return;
      }
    }
    this.sendNow(new Writer(8).byte(MSG.UNIMPLEMENTED).uint32(seq).bytes().slice());
  }

  private requireKeys(type: number): void {
    if (!this.handshake.firstDone) throw new ProtocolError('transport', `message ${type} before the first key exchange completed`);
  }

  private onDisconnect(payload: Uint8Array): void {
    const r = new Reader(payload, 1, payload.length, 'DISCONNECT');
    const code = r.uint32('reason code');
    let desc = '';
    try {
      desc = r.text('description');
    } catch {
      desc = '(malformed description)';
    }
    this.close(new DisconnectError(code, desc, 'peer'));
  }

  private onServiceRequest(payload: Uint8Array): void {
    const r = new Reader(payload, 1, payload.length, 'SERVICE_REQUEST');
    const name = r.ascii('service name');
    r.done();
    const allowed = (this.options as ServerTransportOptions).services ?? ['ssh-userauth'];
    if (this.role !== 'server' || !allowed.includes(name)) {
      this.disconnect(DISCONNECT_REASON.SERVICE_NOT_AVAILABLE, `service ${name} not available`);
      return;
    }
    this.send(new Writer(32).byte(MSG.SERVICE_ACCEPT).string(name).bytes());
    this.onServiceAccepted?.(name);
  }

  private onServiceAccept(payload: Uint8Array): void {
    const r = new Reader(payload, 1, payload.length, 'SERVICE_ACCEPT');
    const name = r.ascii('service name');
    r.done();
    const i = this.serviceWaiters.findIndex((w) => w.name === name);
    if (i < 0) throw new ProtocolError('SERVICE_ACCEPT', `accept for ${name}, which was not requested`);
    const [w] = this.serviceWaiters.splice(i, 1);
    w!.resolve();
  }

  private onPing(payload: Uint8Array): void {
    // PROTOCOL §1.9: answered only after the initial key exchange, never during one.
    this.requireKeys(MSG.PING);
    const r = new Reader(payload, 1, payload.length, 'PING');
    const data = r.string('data');
    r.done();
    this.send(new Writer(data.length + 8).byte(MSG.PONG).string(data).bytes());
  }

  private onPong(payload: Uint8Array): void {
    this.requireKeys(MSG.PONG);
    const r = new Reader(payload, 1, payload.length, 'PONG');
    const data = r.string('data');
    r.done();
    const i = this.pingWaiters.findIndex((w) => constantTimeEqual(w.data, data));
    if (i < 0) return;
    const [w] = this.pingWaiters.splice(i, 1);
    w!.resolve();
  }

  // ------------------------------------------------------- handshake callbacks

  kexComplete(first: boolean): void {
    const n = this.handshake.negotiated!;
    this.rekeyBytesLimit = Math.min(this.options.rekeyBytes ?? Infinity, defaultRekeyBytes(n.cipherCtoS), defaultRekeyBytes(n.cipherStoC));
    this.scheduleRekeyTimer();
    // Upper-layer messages that waited for the exchange go out now, in order.
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const p of q) this.sender.send(p);
    if (first) this.resolveReady();
    if (q.length > 0) this.drained();
  }

  /** Tells the layer above it may send again; a handler that throws fails the connection (as one in onMessage does). */
  private drained(): void {
    try {
      this.onDrain?.();
    } catch (e) {
      this.fail(e);
    }
  }

  afterFirstNewKeysSent(): void {
    if (!this.handshake.peerWantsExtInfo) return;
    // RFC 8308 §2.4: EXT_INFO is the next packet after our first NEWKEYS.
    this.sender.send(encodeExtInfo(this.localExtensions));
  }

  // ------------------------------------------------------------------ sending

  /**
   * Send an upper-layer payload. During a key exchange it waits in a bounded
   * queue (copied). Returns false when the caller should wait for onDrain.
   * Throws LimitError when the queue limit is exceeded, ConnectionClosedError after close.
   */
  send(payload: Uint8Array): boolean {
    if (this.isClosed) throw new ConnectionClosedError('cannot send: the connection is closed', { cause: this.closeError });
    if (this.handshake.inKex || !this.handshake.firstDone) {
      if (this.queuedBytes + payload.length > this.maxQueuedBytes) {
        throw new LimitError('send queue', `more than ${this.maxQueuedBytes} bytes waiting for a key exchange`);
      }
      this.queue.push(payload.slice());
      this.queuedBytes += payload.length;
      return this.queuedBytes < this.maxQueuedBytes / 2 && this.sender.writable;
    }
    this.sender.send(payload);
    this.checkRekey();
    return this.sender.writable;
  }

  /**
   * Zero-copy send (DESIGN.md, "Sealing in place"): returns the offset in
   * `sendBuffer` where a payload of up to `maxLength` bytes may be written,
   * to be sealed in place by `commitPayload(length)` — or -1 while a key
   * exchange is under way (then use send(), which queues a copy).
   */
  reservePayload(maxLength: number): number {
    if (!this.canSendDirectly) return -1;
    return this.sender.reserve(maxLength);
  }

  /** The buffer `reservePayload` returned an offset into (valid until commitPayload). */
  get sendBuffer(): Uint8Array {
    return this.sender.buffer;
  }

  /** Seal the reserved payload of `length` bytes. Returns false when the caller should wait for onDrain. */
  commitPayload(length: number): boolean {
    this.sender.commit(length);
    this.checkRekey();
    return this.sender.writable;
  }

  /**
   * False when upper layers should hold their data: the stream is applying
   * backpressure, or a key exchange is under way and its queue holds half its
   * limit (send() returns false then too). onDrain follows either way.
   */
  get writable(): boolean {
    return this.sender.writable && this.queuedBytes < this.maxQueuedBytes / 2;
  }

  /** True when send() would go straight to the wire (no key exchange under way). */
  get canSendDirectly(): boolean {
    return !this.isClosed && this.handshake.firstDone && !this.handshake.inKex;
  }

  /** Transport messages sent regardless of a key exchange (UNIMPLEMENTED, DISCONNECT). */
  private sendNow(payload: Uint8Array): void {
    if (!this.isClosed) this.sender.send(payload);
  }

  private checkRekey(): void {
    const hs = this.handshake;
    if (hs.inKex || !hs.firstDone || this.isClosed || !this.authenticated) return;
    const s = this.sender;
    const r = this.receiver;
    // Rekey by bytes (per cipher, as OpenSSH) or before sequence numbers could wrap under strict kex.
    if (s.bytesSinceKeys >= this.rekeyBytesLimit || r.bytesSinceKeys >= this.rekeyBytesLimit || s.packetsSinceKeys >= 0x80000000 || r.packetsSinceKeys >= 0x80000000) {
      this.rekey().catch(() => undefined);
    }
  }

  private scheduleRekeyTimer(): void {
    this.clearRekeyTimer();
    if (!this.authenticated) return;
    const secs = this.options.rekeySeconds ?? 3600;
    if (secs > 0) {
      this.rekeyTimer = setTimeout(() => this.rekey().catch(() => undefined), secs * 1000);
      (this.rekeyTimer as { unref?: () => void }).unref?.();
    }
  }

  private clearRekeyTimer(): void {
    if (this.rekeyTimer) clearTimeout(this.rekeyTimer);
    this.rekeyTimer = undefined;
  }

  // ---------------------------------------------------------------- public API

  /**
   * Automatic rekeying (by bytes, packets or time) starts only once user
   * authentication has succeeded: OpenSSH refuses a key re-exchange before
   * it (its packet.c: "client can't cope with rekeying pre-auth"). The auth
   * layer calls this on USERAUTH_SUCCESS; an explicit rekey() works at any time.
   */
  markAuthenticated(): void {
    if (this.authenticated) return;
    this.authenticated = true;
    if (this.handshake.firstDone && !this.handshake.inKex) {
      this.scheduleRekeyTimer();
      this.checkRekey();
    }
  }

  /** Whether markAuthenticated() was called. */
  authenticated = false;

  /** Start a key re-exchange (RFC 4253 §9); resolves when it completes. */
  rekey(): Promise<void> {
    if (this.isClosed) return Promise.reject(new ConnectionClosedError('cannot rekey: the connection is closed', { cause: this.closeError }));
    if (!this.handshake.firstDone) return this.ready.then(() => this.rekey());
    // Starts now (KEXINIT is sent synchronously); joins an exchange already under way.
    this.clearRekeyTimer();
    return this.handshake.start();
  }

  /** Client: request a service (RFC 4253 §10), e.g. "ssh-userauth". */
  async requestService(name: string): Promise<void> {
    if (this.role !== 'client') throw new TypeError('only a client requests services');
    await this.ready;
    return new Promise<void>((resolve, reject) => {
      this.serviceWaiters.push({ name, resolve, reject });
      this.send(new Writer(32).byte(MSG.SERVICE_REQUEST).string(name).bytes());
    });
  }

  /** Whether the peer announced ping@openssh.com (PROTOCOL §1.9). */
  get peerSupportsPing(): boolean {
    return this.peerExtensions.has('ping@openssh.com');
  }

  /** Round trip of SSH2_MSG_PING/PONG (PROTOCOL §1.9); rejects if the peer did not announce ping@openssh.com. */
  async ping(): Promise<void> {
    await this.ready;
    if (!this.peerSupportsPing) throw new ProtocolError('ping', 'the peer did not announce ping@openssh.com');
    const data = randomBytes(8);
    return new Promise<void>((resolve, reject) => {
      this.pingWaiters.push({ data, resolve, reject });
      this.send(new Writer(16).byte(MSG.PING).string(data).bytes());
    });
  }

  /** Algorithms of the current keys. */
  get negotiated(): Negotiated | undefined {
    return this.handshake.negotiated;
  }

  /** The session identifier: H of the first key exchange (RFC 4253 §7.2). */
  get sessionId(): Uint8Array | undefined {
    return this.handshake.sessionId;
  }

  get strictKex(): boolean {
    return this.handshake.strict;
  }

  /** Completed key exchanges, the first included. */
  get kexCount(): number {
    return this.handshake.count;
  }

  /** The `crypto` option: who runs this connection's cryptography ('auto' unless forced). */
  get crypto(): ProviderChoice {
    return this.options.crypto ?? 'auto';
  }

  /**
   * From an onMessage handler: takes the received message `view` lies in for
   * the caller to keep, without a copy, where the opener decrypted it into a
   * buffer of its own (PacketReceiver.claim); false: copy it to keep it.
   */
  claimReceived(view: Uint8Array): boolean {
    return this.receiver.claim(view);
  }

  /** Which implementation seals and opens packets now (e.g. "aes128-gcm@openssh.com (runtime)"). */
  get cipherDescription(): { send: string; receive: string } {
    return { send: this.sender.description, receive: this.receiver.description };
  }

  /** The server's host key blob: the peer's (client role) or ours (server role) in the latest key exchange. */
  get serverHostKey(): Uint8Array | undefined {
    return this.handshake.serverHostKey;
  }

  /** Send DISCONNECT (RFC 4253 §11.1) and close. */
  disconnect(reasonCode: number = DISCONNECT_REASON.BY_APPLICATION, description = 'closed by application'): void {
    if (this.isClosed) return;
    try {
      this.sender.send(new Writer(64).byte(MSG.DISCONNECT).uint32(reasonCode).string(description).string('').bytes());
    } catch {
      // The stream may already be gone; closing is what matters.
    }
    this.close(reasonCode === DISCONNECT_REASON.BY_APPLICATION ? undefined : new DisconnectError(reasonCode, description, 'local'));
  }

  /** Fatal error: tell the peer why (when we can) and close. */
  fail(error: unknown): void {
    if (this.isClosed) return;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = reasonFor(err);
    if (code !== undefined && this.versionParser === undefined) {
      try {
        this.sender.send(new Writer(128).byte(MSG.DISCONNECT).uint32(code).string(err.message.slice(0, 200)).string('').bytes());
      } catch {
        // Best effort.
      }
    }
    this.close(err);
  }

  private onStreamClose(err?: Error): void {
    if (this.isClosed) return;
    this.close(err ?? (this.handshake.firstDone ? undefined : new ConnectionClosedError('connection closed before the key exchange completed')));
  }

  /** Close now; pending operations reject with `error` (or ConnectionClosedError). */
  close(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    if (this.versionTimer) clearTimeout(this.versionTimer);
    this.clearRekeyTimer();
    const reason = error ?? new ConnectionClosedError();
    this.handshake.abort(reason);
    this.rejectReady(reason);
    for (const w of this.serviceWaiters.splice(0)) w.reject(reason);
    for (const w of this.pingWaiters.splice(0)) w.reject(reason);
    try {
      this.sender.close();
    } catch {
      // Already closed.
    }
    this.receiver.dispose();
    this.stream.end();
    this.stream.close();
    this.queue = [];
    this.resolveClosed(error);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }
}

/** The byte limit before rekeying, per cipher (as OpenSSH computes its RekeyLimit default). */
function defaultRekeyBytes(cipher: string): number {
  const bs = CIPHERS[cipher]?.blockSize ?? 8;
  // Block sizes of 16 or more: 2^(2*blocksize) blocks, else 1 GiB (OpenSSH packet.c).
  return bs >= 16 ? Math.min(2 ** (bs * 2) * bs, Number.MAX_SAFE_INTEGER) : 2 ** 30;
}

/** The DISCONNECT reason for a local fatal error (RFC 4253 §11.1). */
function reasonFor(err: Error): number | undefined {
  if (err instanceof DisconnectError) return undefined;
  if (err instanceof MacError) return DISCONNECT_REASON.MAC_ERROR;
  if (err instanceof HostKeyError) return DISCONNECT_REASON.HOST_KEY_NOT_VERIFIABLE;
  if (err instanceof AlgorithmNegotiationError || err instanceof KexMathError || err instanceof KeyFormatError) return DISCONNECT_REASON.KEY_EXCHANGE_FAILED;
  if (err instanceof ProtocolError || err instanceof WireError || err instanceof LimitError) return DISCONNECT_REASON.PROTOCOL_ERROR;
  if (err instanceof ConnectionClosedError) return undefined;
  return DISCONNECT_REASON.PROTOCOL_ERROR;
}

/** The client role. `await client.ready` for the first key exchange. */
export class ClientTransport extends Transport {
  constructor(stream: ByteStream, options: ClientTransportOptions) {
    super(stream, 'client', options);
    this.begin();
  }
}

/** The server role. */
export class ServerTransport extends Transport {
  constructor(stream: ByteStream, options: ServerTransportOptions) {
    super(stream, 'server', options);
    this.begin();
  }
}
