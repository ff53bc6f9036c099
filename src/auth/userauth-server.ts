/**
 * The user-authentication server (RFC 4252, RFC 4256) with sshd's semantics:
 * requests are answered one at a time, in order; a method is offered only
 * when configured and next in an AuthenticationMethods list; failures count
 * towards MaxAuthTries, after which the connection is closed with sshd's
 * "Too many authentication failures"; every answer but to "none" waits for a
 * minimum time; a change of user or service closes the connection; so does
 * LoginGraceTime passing (sshd_config(5)).
 *
 *   client                                   serveUserAuth
 *   USERAUTH_REQUEST (first)  ─────────────► USERAUTH_BANNER (if configured)
 *   "none" / publickey / password / k-i ───► decision (callbacks, async)
 *                             ◄───────────── PK_OK | PASSWD_CHANGEREQ | INFO_REQUEST…
 *                             ◄───────────── FAILURE(methods, partial) | SUCCESS
 */
import type { MessageHandler, ServerTransport } from '../transport/transport.ts';
import { ConnectionClosedError, DisconnectError, LimitError, ProtocolError } from '../transport/errors.ts';
import { underlyingSignatureAlgorithm } from '../crypto/signature.ts';
import { DISCONNECT_REASON, MSG } from '../wire/message-numbers.ts';
import { AuthenticationMethods, isServerMethod, type ServerMethod } from './authentication-methods.ts';
import { remainingDelayMs, sshdFailureDelayMs } from './failure-delay.ts';
import { UNRESTRICTED, mergeRestrictions, type KeyRestrictions } from './key-restrictions.ts';
import {
  PUBLICKEY_HOSTBOUND,
  MAX_KBD_PROMPTS,
  decodeUserauthInfoResponse,
  decodeUserauthRequest,
  encodeUserauthBanner,
  encodeUserauthFailure,
  encodeUserauthInfoRequest,
  encodeUserauthPasswdChangereq,
  encodeUserauthPkOk,
  encodeUserauthSuccess,
  type UserauthRequest,
} from './userauth-messages.ts';
import { noneMethod, passwordMethod, publicKeyMethod, type MethodEnvironment, type MethodOutcome } from './userauth-server-methods.ts';
import {
  DEFAULT_LOGIN_GRACE_TIME_MS,
  DEFAULT_MAX_AUTH_TRIES,
  DEFAULT_PUBLIC_KEY_ALGORITHMS,
  checkAlgorithms,
  methodLists,
  positiveInteger,
  publicKeyConfigured,
  type AuthenticatedUser,
  type KeyboardInteractiveRound,
  type UserAuthServerOptions,
} from './userauth-server-options.ts';

export type { AuthenticatedUser, UserAuthServerOptions } from './userauth-server-options.ts';

/** Requests that may wait while a decision is pending (a client may send several, RFC 4252 §5); more is abuse. */
const MAX_QUEUED_MESSAGES = 16;

/** The extension that announces publickey-hostbound-v00@openssh.com (PROTOCOL §2.5). */
const HOSTBOUND_EXTENSION = 'publickey-hostbound@openssh.com';

/**
 * Runs user authentication on `transport`: takes over `transport.onMessage`
 * until a user is authenticated, then sends USERAUTH_SUCCESS, calls
 * `transport.markAuthenticated()`, puts back the handler that was installed
 * before (synchronously, so a connection layer installed beforehand sees
 * every message after SUCCESS) and resolves.
 *
 * Rejects with the error that ended the connection: DisconnectError (ours:
 * too many failures, change of user, service not available; or the
 * client's), LimitError for LoginGraceTime, ConnectionClosedError, a
 * protocol error; or the error a decision callback threw (the connection is
 * then closed with "internal error", nothing of it sent to the client).
 * Throws TypeError for inconsistent options.
 *
 * Call it before the first key exchange completes (right after creating the
 * transport): the EXT_INFO sent then announces publickey-hostbound@openssh.com
 * and, when given, publicKeyAlgorithms as server-sig-algs. Called later, both
 * forms of publickey are still accepted.
 */
export function serveUserAuth(transport: ServerTransport, opts: UserAuthServerOptions): Promise<AuthenticatedUser> {
  return new UserAuthServer(transport, opts).result;
}

/** A keyboard-interactive question waiting for USERAUTH_INFO_RESPONSE. */
interface PendingQuestion {
  readonly prompts: number;
  readonly resolve: (answers: string[]) => void;
  readonly reject: (e: Error) => void;
}

/** The accumulated result of successes so far (partial success, RFC 4252 §5.1). */
interface Progress {
  methods: string[];
  restrictions: KeyRestrictions;
  usedKeys: Uint8Array[];
  key?: AuthenticatedUser['key'];
  certificate?: AuthenticatedUser['certificate'];
}

class UserAuthServer {
  readonly result: Promise<AuthenticatedUser>;
  private resolveResult!: (u: AuthenticatedUser) => void;
  private rejectResult!: (e: unknown) => void;

  private readonly methods: AuthenticationMethods;
  private readonly maxAuthTries: number;
  private readonly services: readonly string[];
  private readonly acceptedAlgorithms: readonly string[];
  private readonly previousHandler: MessageHandler | undefined;

  private readonly inbox: Uint8Array[] = [];
  /** A decision or a delay is pending: messages wait in the inbox. */
  private busy = false;
  /** pump() is on the stack (answers given synchronously call it again). */
  private pumping = false;
  /** Authenticated, or the connection is ending: nothing more happens. */
  private over = false;
  /** Why we ended the connection, when the transport's close reason says less. */
  private endError: Error | undefined;
  private username: string | undefined;
  private service: string | undefined;
  private requests = 0;
  private failures = 0;
  /** Id of the current attempt; answers of older (abandoned) ones are dropped. */
  private attempt = 0;
  private question: PendingQuestion | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private delayTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly progress: Progress = { methods: [], restrictions: UNRESTRICTED, usedKeys: [] };
  /** When the last keyboard-interactive answer arrived: the minimum response time counts from it. */
  private lastAnswerAt = 0;

  constructor(
    private readonly transport: ServerTransport,
    private readonly opts: UserAuthServerOptions,
  ) {
    this.result = new Promise<AuthenticatedUser>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.methods = new AuthenticationMethods(methodLists(opts));
    this.maxAuthTries = positiveInteger(opts.maxAuthTries ?? DEFAULT_MAX_AUTH_TRIES, 'maxAuthTries');
    this.services = opts.services ?? ['ssh-connection'];
    const configured = opts.publicKeyAlgorithms;
    if (configured !== undefined) {
      checkAlgorithms(configured);
      // server-sig-algs tells clients what we verify (RFC 8308 §3.1): the plain algorithms we accept.
      transport.localExtensions.set('server-sig-algs', configured.filter((a) => underlyingSignatureAlgorithm(a) === a).join(','));
    }
    const announced = transport.localExtensions.get('server-sig-algs');
    this.acceptedAlgorithms = configured ?? (announced !== undefined ? announced.split(',') : DEFAULT_PUBLIC_KEY_ALGORITHMS);
    if (publicKeyConfigured(opts)) transport.localExtensions.set(HOSTBOUND_EXTENSION, '0');
    const grace = opts.loginGraceTimeMs ?? DEFAULT_LOGIN_GRACE_TIME_MS;
    if (!(grace >= 0)) throw new RangeError('loginGraceTimeMs must be 0 or more');
    if (grace > 0) {
      this.graceTimer = setTimeout(() => {
        this.end(DISCONNECT_REASON.BY_APPLICATION, 'Timeout before authentication', new LimitError('LoginGraceTime', `no user authenticated within ${grace} ms`));
      }, grace);
    }
    this.previousHandler = transport.onMessage;
    transport.onMessage = (payload) => this.receive(payload);
    void transport.closed.then((err) => this.onClosed(err));
  }

  // ------------------------------------------------------------- message flow

  private receive(payload: Uint8Array): void {
    if (this.over) return;
    const type = payload[0]!;
    // RFC 4252 §6: before success only authentication messages (50–79) may come.
    if (type > 79) throw new ProtocolError('user authentication', `message ${type} before authentication succeeded`);
    if (this.inbox.length >= MAX_QUEUED_MESSAGES) {
      throw new LimitError('user authentication', `more than ${MAX_QUEUED_MESSAGES} requests waiting for an answer`);
    }
    this.inbox.push(payload.slice());
    this.pump();
  }

  /** Handles waiting messages until a decision is pending. Errors go to the transport, which disconnects. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.busy && !this.over && this.inbox.length > 0) this.handle(this.inbox.shift()!);
    } catch (e) {
      this.over = true;
      this.transport.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  private handle(payload: Uint8Array): void {
    switch (payload[0]) {
      case MSG.USERAUTH_REQUEST:
        return this.request(decodeUserauthRequest(payload));
      case MSG.USERAUTH_INFO_RESPONSE: {
        const q = this.question;
        if (q === undefined) throw new ProtocolError('keyboard-interactive', 'USERAUTH_INFO_RESPONSE without a pending USERAUTH_INFO_REQUEST');
        const { responses } = decodeUserauthInfoResponse(payload);
        // RFC 4256 §3.4: one response per prompt.
        if (responses.length !== q.prompts) throw new ProtocolError('keyboard-interactive', `${responses.length} responses to ${q.prompts} prompts`);
        this.question = undefined;
        this.busy = true;
        q.resolve(responses);
        return;
      }
      default:
        throw new ProtocolError('user authentication', `unexpected message ${payload[0]} from the client`);
    }
  }

  private request(req: UserauthRequest): void {
    this.requests++;
    if (this.requests === 1) {
      // RFC 4252 §5: an unavailable service may be refused with a disconnect.
      if (!this.services.includes(req.service)) {
        this.end(DISCONNECT_REASON.SERVICE_NOT_AVAILABLE, `service ${req.service} not available`);
        return;
      }
      this.username = req.username;
      this.service = req.service;
      if (this.opts.banner !== undefined) this.transport.send(encodeUserauthBanner({ message: this.opts.banner, language: '' }));
    } else if (req.username !== this.username || req.service !== this.service) {
      // sshd's wording; a user name is fixed for the connection.
      this.end(DISCONNECT_REASON.PROTOCOL_ERROR, `Change of username or service not allowed: (${this.username},${this.service}) -> (${req.username},${req.service})`);
      return;
    }
    if (this.question !== undefined) {
      // RFC 4256 §3.4: a new request abandons keyboard-interactive; the abandoned attempt counts as failed.
      this.dropQuestion(new ProtocolError('keyboard-interactive', 'the client abandoned the dialogue with a new request'));
      this.failures++;
      this.report(this.username!, 'keyboard-interactive', 'failure', 'abandoned by the client');
      if (this.failures >= this.maxAuthTries) return this.tooManyFailures();
    }
    const method = req.method === PUBLICKEY_HOSTBOUND ? 'publickey' : req.method === 'other' ? req.name : req.method;
    const id = ++this.attempt;
    const started = Date.now();
    if (!isServerMethod(method) || !this.methods.allows(method)) {
      return this.answer(id, method, started, { kind: 'failure', detail: 'method not allowed now' });
    }
    this.busy = true;
    let decision: Promise<MethodOutcome>;
    try {
      decision = this.decide(id, method, req);
    } catch (e) {
      decision = Promise.reject(e);
    }
    decision.then(
      (outcome) => {
        // The method's own start time, except after a dialogue: then the last answer's arrival.
        if (id === this.attempt && !this.over) this.answer(id, method, method === 'keyboard-interactive' ? this.lastAnswerAt : started, outcome);
      },
      (e: unknown) => {
        if (id === this.attempt && !this.over) this.internalError(e);
      },
    );
  }

  private decide(id: number, method: ServerMethod, req: UserauthRequest): Promise<MethodOutcome> {
    const env = this.environment();
    switch (req.method) {
      case 'none':
        return noneMethod(env, req.username);
      case 'publickey':
      case PUBLICKEY_HOSTBOUND:
        return publicKeyMethod(env, req);
      case 'password':
        return passwordMethod(env, req);
      case 'keyboard-interactive':
        return this.keyboardInteractive(id, req.username, req.submethods);
      case 'other':
        throw new TypeError(`no decision for method ${method}`);
    }
  }

  private environment(): MethodEnvironment {
    const accepted = this.acceptedAlgorithms;
    return {
      opts: this.opts,
      clientAddress: this.opts.clientAddress,
      sessionId: this.transport.sessionId!,
      hostKey: this.transport.serverHostKey,
      acceptsAlgorithm: (a) => accepted.includes(a) || accepted.includes(underlyingSignatureAlgorithm(a)),
      usedKeys: this.progress.usedKeys,
      now: this.opts.now ?? Date.now,
      crypto: this.transport.crypto,
    };
  }

  // ------------------------------------------------------ keyboard-interactive

  /** RFC 4256: the owner's conversation, one question at a time; a new request abandons it. */
  private async keyboardInteractive(id: number, username: string, submethods: string): Promise<MethodOutcome> {
    const decide = this.opts.keyboardInteractive;
    if (decide === undefined) return { kind: 'failure', detail: 'keyboard-interactive is not configured' };
    this.lastAnswerAt = Date.now();
    const dialogue = { ask: (round: KeyboardInteractiveRound) => this.ask(id, round) };
    const ctx = { clientAddress: this.opts.clientAddress, submethods: submethods === '' ? [] : submethods.split(',') };
    const ok = await decide(username, ctx, dialogue);
    if (typeof ok !== 'boolean') throw new TypeError(`the keyboardInteractive decision returned ${String(ok)}, not a boolean`);
    return ok ? { kind: 'success', detail: 'keyboard-interactive' } : { kind: 'failure', detail: 'keyboard-interactive' };
  }

  private ask(id: number, round: KeyboardInteractiveRound): Promise<string[]> {
    if (id !== this.attempt || this.over) return Promise.reject(new ProtocolError('keyboard-interactive', 'the attempt is over'));
    if (this.question !== undefined) return Promise.reject(new TypeError('ask() while a question is unanswered'));
    if (!Array.isArray(round.prompts) || round.prompts.length > MAX_KBD_PROMPTS) {
      return Promise.reject(new RangeError(`a round has an array of at most ${MAX_KBD_PROMPTS} prompts`));
    }
    this.transport.send(
      encodeUserauthInfoRequest({
        name: round.name ?? '',
        instruction: round.instruction ?? '',
        language: '',
        prompts: round.prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })),
      }),
    );
    return new Promise<string[]>((resolve, reject) => {
      this.question = {
        prompts: round.prompts.length,
        resolve: (answers) => {
          this.lastAnswerAt = Date.now();
          resolve(answers);
        },
        reject,
      };
      // Waiting for the client: later messages (the answer, or a new request) may be handled.
      this.busy = false;
      queueMicrotask(() => this.pump());
    });
  }

  // ------------------------------------------------------------------ answers

  /** Applies limits and the minimum response time, then answers the attempt. */
  private answer(id: number, method: string, since: number, outcome: MethodOutcome): void {
    const failed = outcome.kind === 'failure' || outcome.kind === 'change-required';
    // sshd lets a first "none" go uncounted: clients start with it to learn the methods.
    if (failed && !(method === 'none' && this.requests === 1)) this.failures++;
    const wait = method === 'none' ? 0 : remainingDelayMs(this.minimumDelay(), Date.now() - since);
    this.busy = true;
    if (wait <= 0) return this.send(id, method, outcome);
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      this.send(id, method, outcome);
    }, wait);
  }

  private minimumDelay(): number {
    const d = this.opts.failureDelayMs;
    if (d === undefined) return sshdFailureDelayMs(this.username ?? '');
    const ms = typeof d === 'number' ? d : d(this.username ?? '');
    if (!(ms >= 0)) throw new RangeError('failureDelayMs must be 0 or more');
    return ms;
  }

  private send(id: number, method: string, outcome: MethodOutcome): void {
    if (this.over || id !== this.attempt) return;
    const t = this.transport;
    const user = this.username!;
    try {
      if (outcome.kind === 'success') outcome = this.combine(outcome);
      switch (outcome.kind) {
        case 'failure':
        case 'change-required':
          this.report(user, method, outcome.kind, outcome.detail);
          if (this.failures >= this.maxAuthTries) return this.tooManyFailures();
          t.send(
            outcome.kind === 'failure'
              ? encodeUserauthFailure({ methods: this.methods.canContinue(), partialSuccess: false })
              : encodeUserauthPasswdChangereq({ prompt: this.opts.passwordChangePrompt ?? 'Password change required', language: '' }),
          );
          break;
        case 'key-ok':
          this.report(user, method, 'key-ok', outcome.detail);
          t.send(encodeUserauthPkOk({ algorithm: outcome.algorithm, publicKey: outcome.keyBlob }));
          break;
        case 'success':
          if (this.succeed(method as ServerMethod, outcome)) return;
          break;
      }
    } catch (e) {
      this.internalError(e);
      return;
    }
    this.busy = false;
    this.pump();
  }

  /**
   * A success's restrictions merged with earlier keys' (AuthenticationMethods
   * publickey,publickey: sshd merges their options); a failure when the two
   * force different commands.
   */
  private combine(outcome: Extract<MethodOutcome, { kind: 'success' }>): MethodOutcome {
    const p = this.progress;
    if (outcome.restrictions === undefined || !p.methods.includes('publickey')) return outcome;
    const merged = mergeRestrictions(p.restrictions, outcome.restrictions);
    if (typeof merged !== 'string') return { ...outcome, restrictions: merged };
    this.failures++;
    return { kind: 'failure', detail: `${outcome.detail}: ${merged}` };
  }

  /** A method succeeded: partial success, or done (returns true). */
  private succeed(method: ServerMethod, outcome: Extract<MethodOutcome, { kind: 'success' }>): boolean {
    const p = this.progress;
    if (outcome.restrictions !== undefined) p.restrictions = outcome.restrictions;
    p.methods.push(method);
    if (outcome.key !== undefined) {
      p.usedKeys.push(outcome.key.blob);
      p.key = outcome.key;
      if (outcome.certificate !== undefined) p.certificate = outcome.certificate;
      else delete p.certificate;
    }
    const user = this.username!;
    if (this.methods.succeeded(method) === 'partial') {
      this.report(user, method, 'partial', outcome.detail);
      this.transport.send(encodeUserauthFailure({ methods: this.methods.canContinue(), partialSuccess: true }));
      return false;
    }
    this.report(user, method, 'success', outcome.detail);
    this.over = true;
    this.clearTimers();
    this.dropQuestion(new ProtocolError('keyboard-interactive', 'authentication is over'));
    this.inbox.length = 0; // RFC 4252 §5.1: requests after success are ignored
    const t = this.transport;
    t.send(encodeUserauthSuccess());
    t.onMessage = this.previousHandler;
    t.markAuthenticated();
    this.resolveResult({
      username: user,
      service: this.service!,
      methods: [...p.methods],
      restrictions: p.restrictions,
      ...(p.certificate !== undefined ? { certificate: p.certificate } : {}),
      ...(p.key !== undefined ? { key: p.key } : {}),
    });
    return true;
  }

  private report(username: string, method: string, outcome: 'success' | 'partial' | 'key-ok' | 'change-required' | 'failure', detail: string): void {
    this.opts.onAttempt?.({ username, method, outcome, detail, failures: this.failures });
  }

  // ------------------------------------------------------------------- ending

  /** sshd: auth_maxtries_exceeded → packet_disconnect("Too many authentication failures"). */
  private tooManyFailures(): void {
    this.end(DISCONNECT_REASON.PROTOCOL_ERROR, 'Too many authentication failures');
  }

  /** Disconnects with `code` and `description`; the result rejects with `error` or the DisconnectError. */
  private end(code: number, description: string, error?: Error): void {
    if (this.over) return;
    this.over = true;
    this.endError = error ?? new DisconnectError(code, description, 'local');
    this.transport.disconnect(code, description);
  }

  /** A decision threw: close without telling the client why, reject with the error itself. */
  private internalError(e: unknown): void {
    if (this.over) return;
    this.over = true;
    this.endError = e instanceof Error ? e : new Error(String(e));
    this.transport.disconnect(DISCONNECT_REASON.BY_APPLICATION, 'internal error during authentication');
  }

  private onClosed(err: Error | undefined): void {
    this.over = true;
    this.clearTimers();
    this.inbox.length = 0;
    const reason = this.endError ?? err ?? new ConnectionClosedError('the connection closed during user authentication');
    this.dropQuestion(reason);
    // No effect after success.
    this.rejectResult(reason);
  }

  private dropQuestion(reason: Error): void {
    const q = this.question;
    this.question = undefined;
    q?.reject(reason);
  }

  private clearTimers(): void {
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    if (this.delayTimer !== undefined) clearTimeout(this.delayTimer);
    this.graceTimer = this.delayTimer = undefined;
  }
}
