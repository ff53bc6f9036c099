/**
 * The user-authentication client (RFC 4252, RFC 4256), run over a
 * ClientTransport after its first key exchange.
 *
 * What an OpenSSH user expects, where the RFCs leave it open:
 * - "none" first, to learn the methods the server allows (RFC 4252 §5.2);
 * - then OpenSSH's default PreferredAuthentications order: publickey,
 *   keyboard-interactive, password — filtered by what the server allows,
 *   re-read after every failure (partial success, RFC 4252 §5.1, changes it);
 * - each key once, in the order given. An in-process key signs its request
 *   at once (RFC 4252 §7 allows it), saving the query's round trip; OpenSSH
 *   queries first whenever it has the public half, which protects nothing
 *   here: a server wanting our signature answers any query with PK_OK. Agent
 *   keys (whose signing may ask the user) and `queryFirst` query without a
 *   signature and sign only after USERAUTH_PK_OK. The signed request uses
 *   publickey-hostbound-v00@openssh.com when the server announced
 *   publickey-hostbound@openssh.com (PROTOCOL §2.5), as OpenSSH does;
 * - RSA keys sign with rsa-sha2-512, else rsa-sha2-256 (publickey-algorithms.ts
 *   says why both are tried where OpenSSH tries one);
 * - an asked-for password or keyboard-interactive round is tried up to 3
 *   times (OpenSSH's NumberOfPasswordPrompts), a fixed password once;
 * - the transport stays open after a failure (OpenSSH would disconnect): the
 *   caller may try again or disconnect.
 */
import type { ClientTransport } from '../transport/transport.ts';
import { ProtocolError } from '../transport/errors.ts';
import { DISCONNECT_REASON, MSG } from '../wire/message-numbers.ts';
import { WireError } from '../wire/errors.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { parseSignatureBlob, underlyingSignatureAlgorithm } from '../crypto/signature.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import { AgentError, AuthenticationError } from './errors.ts';
import { agentSignFlags } from './agent-protocol.ts';
import { requestAlgorithms } from './publickey-algorithms.ts';
import { UserauthInbox } from './userauth-inbox.ts';
import type { AgentKeyCredential, Credential, KeyboardInteractiveCredential, KeyCredential, PasswordCredential } from './credentials.ts';
import {
  PUBLICKEY_HOSTBOUND,
  decodeUserauthFailure,
  decodeUserauthInfoRequest,
  decodeUserauthPasswdChangereq,
  decodeUserauthPkOk,
  encodeUserauthInfoResponse,
  encodeUserauthRequest,
  publickeySignedData,
  type PublickeyHostboundRequest,
  type PublickeyRequest,
  type UserauthRequest,
} from './userauth-messages.ts';

export interface ClientAuthOptions {
  username: string;
  credentials: readonly Credential[];
  /** The service to start once authenticated (RFC 4252 §5). Default "ssh-connection". */
  service?: string;
  /** USERAUTH_BANNER text (RFC 4252 §5.4); strip terminal control characters before showing it. */
  onBanner?: (message: string, language: string) => void;
  /**
   * The server asks for a new password (USERAUTH_PASSWD_CHANGEREQ, RFC 4252 §8):
   * return it, or undefined to decline. Without this callback the password
   * attempt fails and the final AuthenticationError says a change was required.
   */
  onPasswordChange?: (prompt: string, language: string) => string | undefined | Promise<string | undefined>;
  /** Attempts for an asked-for password, and for keyboard-interactive. Default 3 (OpenSSH's NumberOfPasswordPrompts). */
  passwordPrompts?: number;
  /** Use publickey-hostbound-v00@openssh.com when the server offers it. Default true. */
  hostbound?: boolean;
  /** Query in-process keys before signing, as OpenSSH does (one more round trip per key). Default false; agent keys are always queried. */
  queryFirst?: boolean;
  /** The crypto provider of in-process keys' signatures ('noble' keeps them off the runtime's crypto), as the transport's `crypto`. */
  crypto?: ProviderChoice;
}

export interface ClientAuthResult {
  username: string;
  /** Methods that succeeded, in order: one, or several after partial successes. */
  methods: string[];
  /** Every request that could fail, in order (as AuthenticationError.attempted). */
  attempted: string[];
}

/** Method preference (OpenSSH's default PreferredAuthentications, without gssapi and hostbased). */
const METHOD_ORDER = ['publickey', 'keyboard-interactive', 'password'] as const;
type Method = (typeof METHOD_ORDER)[number];

/** Most keyboard-interactive rounds in one attempt: beyond, the server is looping. */
const MAX_KBD_ROUNDS = 64;

/** Most password changes asked for in one attempt. */
const MAX_PASSWORD_CHANGES = 3;

/** What one request (or exchange of them) ended with. */
type Outcome = { kind: 'success' } | { kind: 'failure'; methods: string[]; partial: boolean } | { kind: 'not-sent' };

/**
 * Authenticates on `transport` (requests ssh-userauth first). Resolves with
 * the methods that succeeded; rejects with AuthenticationError when every
 * usable credential was refused, or with the transport's error when the
 * connection fails. While it runs it owns `transport.onMessage`; the handler
 * that was installed before is put back — on USERAUTH_SUCCESS synchronously,
 * so a connection layer installed beforehand sees every message after it.
 */
export async function authenticateClient(transport: ClientTransport, opts: ClientAuthOptions): Promise<ClientAuthResult> {
  if (typeof opts.username !== 'string') throw new TypeError('username must be a string');
  if (!Array.isArray(opts.credentials)) throw new TypeError('credentials must be an array');
  const previous = transport.onMessage;
  const inbox = new UserauthInbox(transport, opts.onBanner, previous);
  transport.onMessage = inbox.handler;
  try {
    // The first USERAUTH_REQUEST waits for SERVICE_ACCEPT. Sending it right
    // behind SERVICE_REQUEST would save nothing with sshd: it writes the
    // accept and the answer to "none" as two packets with Nagle's algorithm
    // on, so the answer would wait for our delayed ACK (40 ms on Linux); sent
    // on the accept's arrival, the request carries that ACK.
    await transport.requestService('ssh-userauth');
    return await new ClientAuthRun(transport, inbox, opts).run();
  } finally {
    if (transport.onMessage === inbox.handler) transport.onMessage = previous;
  }
}

/** A pending publickey attempt: one key with the algorithms still to offer. */
interface KeyAttempt {
  credential: KeyCredential | AgentKeyCredential;
  blob: Uint8Array;
  algorithms: string[];
}

class ClientAuthRun {
  private readonly attempted: string[] = [];
  private readonly succeeded: string[] = [];
  private readonly service: string;
  private readonly prompts: number;
  private keyAttempts: KeyAttempt[] | undefined;
  private passwordTries = 0;
  private kbdTries = 0;
  private passwordChangeRequired: string | undefined;
  private allowed: string[] = [];

  constructor(
    private readonly transport: ClientTransport,
    private readonly inbox: UserauthInbox,
    private readonly opts: ClientAuthOptions,
  ) {
    this.service = opts.service ?? 'ssh-connection';
    this.prompts = opts.passwordPrompts ?? 3;
  }

  /**
   * The keys still to try, made at first use: after the answer to "none",
   * so the server's EXT_INFO (sent right after its NEWKEYS, RFC 8308 §2.4)
   * has arrived with server-sig-algs.
   */
  private get keys(): KeyAttempt[] {
    if (this.keyAttempts) return this.keyAttempts;
    const sigAlgs = this.transport.peerExtensions.get('server-sig-algs');
    const serverSigAlgs = sigAlgs === undefined ? undefined : new TextDecoder().decode(sigAlgs).split(',');
    this.keyAttempts = [];
    for (const c of this.opts.credentials) {
      if (c.type !== 'publickey' && c.type !== 'agent') continue;
      const blob = c.type === 'agent' ? c.publicKey : c.key.publicBlob;
      let algorithms = requestAlgorithms(keyTypeOf(blob), serverSigAlgs);
      // An in-process key offers only what it can sign (an RsaSigningKey never signs ssh-rsa by default).
      if (c.type === 'publickey') algorithms = algorithms.filter((a) => c.key.algorithms.includes(a));
      if (algorithms.length > 0) this.keyAttempts.push({ credential: c, blob, algorithms });
    }
    return this.keyAttempts;
  }

  /**
   * Runs to success or AuthenticationError. Any other failure ends the
   * connection: a malformed or misplaced server message with PROTOCOL_ERROR,
   * an error thrown by a callback with AUTH_CANCELLED_BY_USER (RFC 4253 §11.1).
   */
  async run(): Promise<ClientAuthResult> {
    try {
      return await this.loop();
    } catch (e) {
      if (e instanceof WireError || e instanceof ProtocolError) this.transport.fail(e);
      else if (!(e instanceof AuthenticationError)) this.transport.disconnect(DISCONNECT_REASON.AUTH_CANCELLED_BY_USER, 'authentication cancelled');
      throw e;
    }
  }

  private async loop(): Promise<ClientAuthResult> {
    const first = await this.exchange({ method: 'none', ...this.head() }, 'none');
    if (first.kind === 'success') return this.result('none');
    if (first.kind === 'failure') this.allowed = first.methods;
    for (;;) {
      const method = METHOD_ORDER.find((m) => this.allowed.includes(m) && this.hasMore(m));
      if (method === undefined) throw this.failure();
      const outcome = await this.attempt(method);
      if (outcome.kind === 'success') return this.result(method);
      if (outcome.kind === 'failure') {
        if (outcome.partial) this.succeeded.push(method);
        this.allowed = outcome.methods;
      }
    }
  }

  private head(): { username: string; service: string } {
    return { username: this.opts.username, service: this.service };
  }

  private result(method: string): ClientAuthResult {
    return { username: this.opts.username, methods: [...this.succeeded, method], attempted: [...this.attempted] };
  }

  private failure(): AuthenticationError {
    const detail =
      this.passwordChangeRequired === undefined
        ? undefined
        : `the server requires a password change (${JSON.stringify(this.passwordChangeRequired)}) and none was given`;
    return new AuthenticationError(this.allowed, this.attempted, detail);
  }

  private hasMore(method: Method): boolean {
    const creds = this.opts.credentials;
    switch (method) {
      case 'publickey':
        return this.keys.length > 0;
      case 'keyboard-interactive':
        return this.kbdTries < this.prompts && creds.some((c) => c.type === 'keyboard-interactive');
      case 'password': {
        const c = creds.find((x): x is PasswordCredential => x.type === 'password');
        if (c === undefined) return false;
        return this.passwordTries < (typeof c.password === 'string' ? 1 : this.prompts);
      }
    }
  }

  private attempt(method: Method): Promise<Outcome> {
    switch (method) {
      case 'publickey':
        return this.publickey(this.keys[0]!);
      case 'keyboard-interactive':
        return this.keyboardInteractive(this.opts.credentials.find((c): c is KeyboardInteractiveCredential => c.type === 'keyboard-interactive')!);
      case 'password':
        return this.password(this.opts.credentials.find((c): c is PasswordCredential => c.type === 'password')!);
    }
  }

  /** Sends a request and reads its answer: SUCCESS or FAILURE (60 is the caller's, through `on60`). */
  private async exchange(req: UserauthRequest, label?: string, on60?: (payload: Uint8Array) => Promise<Outcome>): Promise<Outcome> {
    if (label !== undefined) this.attempted.push(label);
    this.transport.send(encodeUserauthRequest(req));
    return this.answer(req.method, on60);
  }

  private async answer(context: string, on60?: (payload: Uint8Array) => Promise<Outcome>): Promise<Outcome> {
    const m = await this.inbox.next();
    switch (m[0]) {
      case MSG.USERAUTH_SUCCESS:
        return { kind: 'success' };
      case MSG.USERAUTH_FAILURE: {
        const f = decodeUserauthFailure(m);
        return { kind: 'failure', methods: f.methods, partial: f.partialSuccess };
      }
      case MSG.USERAUTH_PK_OK: // also PASSWD_CHANGEREQ and INFO_REQUEST, by method
        if (on60) return on60(m);
    }
    throw new ProtocolError('user authentication', `unexpected message ${m[0]} in reply to a ${context} request`);
  }

  // ------------------------------------------------------------- publickey

  /** One algorithm of one key: signed at once for an in-process key, else query, then sign after PK_OK (RFC 4252 §7). */
  private async publickey(k: KeyAttempt): Promise<Outcome> {
    const algorithm = k.algorithms.shift()!;
    if (k.algorithms.length === 0) this.keys.shift();
    const label = `publickey ${algorithm} ${fingerprintSha256(k.blob)}`;
    const query = { method: 'publickey' as const, ...this.head(), algorithm, publicKey: k.blob };
    if (k.credential.type === 'publickey' && !this.opts.queryFirst) return this.signed(k, algorithm, query, label);
    let pkOk = false;
    const queried = await this.exchange(query, undefined, async (m) => {
      const ok = decodeUserauthPkOk(m);
      if (ok.algorithm !== algorithm || !constantTimeEqual(ok.publicKey, k.blob)) throw new ProtocolError('user authentication', 'USERAUTH_PK_OK for a key or algorithm not queried');
      pkOk = true;
      return { kind: 'not-sent' };
    });
    if (!pkOk) {
      // Refused (or, oddly, accepted) without a signature; an unsigned query is not an authentication.
      if (queried.kind === 'failure') queried.partial = false;
      this.attempted.push(`${label} (refused)`);
      return queried;
    }
    // The key is acceptable: it will not be offered with another algorithm.
    if (this.keys[0] === k) this.keys.shift();
    return this.signed(k, algorithm, query, label);
  }

  /** The signed request (plain or hostbound) for one algorithm of one key. */
  private async signed(k: KeyAttempt, algorithm: string, query: PublickeyRequest, label: string): Promise<Outcome> {
    const hostKey = this.transport.serverHostKey;
    const ext = this.transport.peerExtensions.get('publickey-hostbound@openssh.com');
    const hostbound = (this.opts.hostbound ?? true) && hostKey !== undefined && ext !== undefined && new TextDecoder().decode(ext) === '0';
    const unsigned: PublickeyRequest | PublickeyHostboundRequest = hostbound ? { ...query, method: PUBLICKEY_HOSTBOUND, hostKey } : query;
    const data = publickeySignedData(this.transport.sessionId!, unsigned);
    let signature: Uint8Array;
    try {
      signature = await sign(k.credential, algorithm, data, this.opts.crypto);
    } catch (e) {
      // An agent that refuses (a locked agent, a declined confirmation) costs this key only, as in OpenSSH.
      if (!(e instanceof AgentError)) throw e;
      this.attempted.push(`${label} (agent: ${e.message})`);
      return { kind: 'not-sent' };
    }
    return this.exchange({ ...unsigned, signature }, hostbound ? `${PUBLICKEY_HOSTBOUND} ${algorithm} ${fingerprintSha256(k.blob)}` : label);
  }

  // -------------------------------------------------------------- password

  /** RFC 4252 §8, with the change form when the server asks for one. */
  private async password(c: PasswordCredential): Promise<Outcome> {
    this.passwordTries++;
    const password = typeof c.password === 'string' ? c.password : await c.password(this.passwordTries);
    if (password === undefined) {
      // The user declined: no more password attempts.
      this.passwordTries = Infinity;
      return { kind: 'not-sent' };
    }
    let changes = 0;
    const onChange = async (m: Uint8Array): Promise<Outcome> => {
      const req = decodeUserauthPasswdChangereq(m);
      const cb = this.opts.onPasswordChange;
      const next = cb && changes < MAX_PASSWORD_CHANGES ? await cb(req.prompt, req.language) : undefined;
      if (next === undefined) {
        this.passwordChangeRequired = req.prompt;
        this.passwordTries = Infinity; // the same password would be refused again
        this.attempted.push('password (change required)');
        return { kind: 'not-sent' };
      }
      changes++;
      return this.exchange({ method: 'password', ...this.head(), password, newPassword: next }, 'password change', onChange);
    };
    return this.exchange({ method: 'password', ...this.head(), password }, 'password', onChange);
  }

  // -------------------------------------------------- keyboard-interactive

  /** RFC 4256 §3: rounds of INFO_REQUEST/INFO_RESPONSE until SUCCESS or FAILURE. */
  private async keyboardInteractive(c: KeyboardInteractiveCredential): Promise<Outcome> {
    this.kbdTries++;
    let rounds = 0;
    const onInfo = async (m: Uint8Array): Promise<Outcome> => {
      const req = decodeUserauthInfoRequest(m);
      if (++rounds > MAX_KBD_ROUNDS) throw new ProtocolError('user authentication', `more than ${MAX_KBD_ROUNDS} keyboard-interactive rounds`);
      let responses: string[] = [];
      if (req.prompts.length === 0) {
        if (req.name !== '' || req.instruction !== '') c.onInstruction?.(req.name, req.instruction);
      } else {
        responses = await c.respond(req.name, req.instruction, req.prompts);
        if (!Array.isArray(responses) || responses.length !== req.prompts.length || responses.some((r) => typeof r !== 'string')) {
          throw new TypeError(`keyboard-interactive: respond() must return ${req.prompts.length} strings`);
        }
      }
      this.transport.send(encodeUserauthInfoResponse({ responses }));
      return this.answer('keyboard-interactive', onInfo);
    };
    return this.exchange({ method: 'keyboard-interactive', ...this.head(), language: '', submethods: c.submethods ?? '' }, 'keyboard-interactive', onInfo);
  }
}

/** The key type of a public key or certificate blob; '' when unreadable (then nothing is offered). */
function keyTypeOf(blob: Uint8Array): string {
  try {
    return publicKeyType(blob);
  } catch {
    return '';
  }
}

/** The signature blob for a publickey request with `requestAlgorithm`. */
async function sign(c: KeyCredential | AgentKeyCredential, requestAlgorithm: string, data: Uint8Array, provider: ProviderChoice | undefined): Promise<Uint8Array> {
  // A CertifiedSigningKey signs for its -cert-v01 names with the certified key.
  if (c.type === 'publickey') return c.key.sign(requestAlgorithm, data, provider);
  // PROTOCOL.certkeys: a certificate's signature blob names the plain algorithm.
  const alg = underlyingSignatureAlgorithm(requestAlgorithm);
  const blob = await c.agent.sign(c.publicKey, data, agentSignFlags(alg));
  // An agent that ignores the RSA flags would answer ssh-rsa (SHA-1): refuse rather than send it.
  let got: string;
  try {
    got = parseSignatureBlob(blob).algorithm;
  } catch (e) {
    throw new AgentError(`sign with ${fingerprintSha256(c.publicKey)}`, 'malformed signature', { cause: e });
  }
  if (got !== alg) throw new AgentError(`sign with ${fingerprintSha256(c.publicKey)}`, `returned a ${got} signature, ${alg} was asked for`);
  return blob;
}
