/**
 * What both ends of a session channel (RFC 4254 §6) share: the program's
 * input and output over the channel, requests sent with the declarative
 * codecs, and end-of-write (eow@openssh.com, OpenSSH PROTOCOL §2.1) in both
 * directions. session-client.ts and session-server.ts add each side's requests.
 */
import type { Connection } from './connection.ts';
import type { Channel, IncomingRequest } from './channel.ts';
import { utf8 } from '../wire/bytes.ts';
import { EOW, type RequestCodec } from './session-requests.ts';

/** Extended data type of stderr (RFC 4254 §5.2, SSH_EXTENDED_DATA_STDERR). */
export const EXTENDED_DATA_STDERR = 1;

/** OpenSSH sends eow@openssh.com only to OpenSSH peers, recognised by their banner (PROTOCOL §2.1). */
const OPENSSH_PEER = /^SSH-2\.0-OpenSSH/;

export abstract class SessionChannel {
  /** The peer will take no more of our data (eow@openssh.com): our side has been ended. */
  onEow: (() => void) | undefined;

  private eowReceived = false;
  private readClosed = false;

  constructor(
    readonly connection: Connection,
    readonly channel: Channel,
  ) {
    channel.onRequest = (req) => (req.type === EOW.type ? this.receiveEow(req) : this.receiveRequest(req));
    channel.onClose = (err) => this.closed(err);
  }

  /** The channel closed: after all data was delivered, or with an error when the connection ended. */
  onClose: ((error?: Error) => void) | undefined;

  protected closed(error: Error | undefined): void {
    this.onClose?.(error);
  }

  /** The side's own requests; false (or a Promise of it) answers FAILURE. */
  protected abstract receiveRequest(req: IncomingRequest): boolean | Promise<boolean>;

  /** Sends a request; without a reply wanted, a closed channel is not an error (nothing was promised). */
  protected sendRequest<T>(codec: RequestCodec<T>, value: T, wantReply: boolean): Promise<void> {
    const p = this.channel.request(codec.type, codec.encode(value), wantReply);
    if (!wantReply) p.catch(() => undefined);
    return p;
  }

  private receiveEow(req: IncomingRequest): boolean {
    EOW.decode(req.data);
    // As OpenSSH: stop producing, let what is queued go, then EOF.
    this.eowReceived = true;
    this.channel.end();
    this.onEow?.();
    return true;
  }

  /** The peer sent eow@openssh.com. */
  get eow(): boolean {
    return this.eowReceived;
  }

  /**
   * We will read no more of the peer's data (our consumer went away): tell an
   * OpenSSH peer with eow@openssh.com, as OpenSSH does when writing to the
   * local side fails; what still arrives is discarded, its window given back.
   */
  closeRead(): void {
    if (this.readClosed) return;
    this.readClosed = true;
    this.channel.onData = () => undefined;
    if (OPENSSH_PEER.test(this.connection.transport.peerIdentification)) this.sendRequest(EOW, {}, false);
  }

  // ------------------------------------------------------------------- output

  /** Write data (the program's stdin from a client; its stdout from a server). False: wait for onDrain. */
  write(data: Uint8Array | string): boolean {
    return this.channel.write(typeof data === 'string' ? utf8(data) : data);
  }

  /** write() may be called again. */
  set onDrain(fn: (() => void) | undefined) {
    this.channel.onDrain = fn;
  }
  get onDrain(): (() => void) | undefined {
    return this.channel.onDrain;
  }

  /** False once write() would throw: after end() or close(), after eow@openssh.com, or once the channel closed. */
  get writable(): boolean {
    return !this.channel.writeEnded;
  }

  /** Send EOF (§5.3) once queued data has gone; data keeps coming the other way. */
  end(): void {
    this.channel.end();
  }

  /** Close once queued data has gone. */
  close(): void {
    this.channel.close();
  }

  // -------------------------------------------------------------------- input

  /** Incoming data (stdout for a client, stdin for a server). The view is valid only during the call. */
  set onData(fn: ((data: Uint8Array) => void) | undefined) {
    this.channel.onData = fn;
  }
  get onData(): ((data: Uint8Array) => void) | undefined {
    return this.channel.onData;
  }

  /** From onData or onStderr: the data as a buffer the caller owns, without a copy where the channel can hand it over (Channel.keep). */
  keep(view: Uint8Array): Uint8Array {
    return this.channel.keep(view);
  }

  /** The peer sent EOF. */
  set onEnd(fn: (() => void) | undefined) {
    this.channel.onEnd = fn;
  }
  get onEnd(): (() => void) | undefined {
    return this.channel.onEnd;
  }

  /** Stop taking input: the peer stops once our window is used. */
  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }
}
