/**
 * The receiving side of the user-authentication client: the transport's
 * message handler while authentication runs (RFC 4252 §5–§8, RFC 4256).
 * Banners go to a callback at once (RFC 4252 §5.4: any time before
 * success); every other message waits, copied, for the client to take it.
 */
import type { MessageHandler, Transport } from '../transport/transport.ts';
import { ConnectionClosedError, ProtocolError } from '../transport/errors.ts';
import { MSG } from '../wire/message-numbers.ts';
import { decodeUserauthBanner, decodeUserauthSuccess } from './userauth-messages.ts';

/** Answers a server may have sent ahead of the client taking them; the client waits for each, so a few suffice. */
const MAX_QUEUED = 8;

export class UserauthInbox {
  /** Install as transport.onMessage. */
  readonly handler: MessageHandler = (payload) => this.receive(payload);
  /** Set once USERAUTH_SUCCESS arrived. */
  succeeded = false;
  private readonly queue: Uint8Array[] = [];
  private waiter: { resolve: (m: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private error: Error | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly onBanner: ((message: string, language: string) => void) | undefined,
    /** The handler to install the moment USERAUTH_SUCCESS arrives (messages right behind it must not be lost). */
    private readonly handoff: MessageHandler | undefined,
  ) {
    void transport.closed.then((err) => this.fail(err ?? new ConnectionClosedError('the connection closed during user authentication')));
  }

  /**
   * Throws ProtocolError for a message that has no place in authentication;
   * the transport then disconnects with PROTOCOL_ERROR and `next()` rejects.
   */
  private receive(payload: Uint8Array): void {
    const type = payload[0]!;
    if (type === MSG.USERAUTH_BANNER) {
      const b = decodeUserauthBanner(payload);
      this.onBanner?.(b.message, b.language);
      return;
    }
    // RFC 4252 §6: 50–79 are user-authentication messages (the transport keeps those below 50);
    // nothing of the connection protocol may come before success.
    if (type > 79) throw new ProtocolError('user authentication', `message ${type} before USERAUTH_SUCCESS`);
    if (this.queue.length >= MAX_QUEUED) throw new ProtocolError('user authentication', `more than ${MAX_QUEUED} unanswered messages`);
    if (type === MSG.USERAUTH_SUCCESS) {
      decodeUserauthSuccess(payload);
      this.succeeded = true;
      // Synchronously, before the transport hands us the next message of this read.
      this.transport.onMessage = this.handoff;
      this.transport.markAuthenticated();
    }
    const copy = payload.slice();
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(copy);
    } else {
      this.queue.push(copy);
    }
  }

  /** The next message (50–79, banners excluded); rejects when the connection closes. */
  next(): Promise<Uint8Array> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.error) return Promise.reject(this.error);
    if (this.waiter) return Promise.reject(new TypeError('UserauthInbox.next() is already waiting'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private fail(err: Error): void {
    if (this.error) return;
    this.error = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }
}
