/**
 * What the user-authentication server (userauth-server.ts) asks its owner and
 * what it resolves with. Each decision is a callback; a method is offered only
 * when its decision is configured (publickey: `publicKey`, `authorizedKeys`
 * or `trustedUserCAKeys`). Limits and their defaults follow sshd_config(5).
 */
import type { PublicKey } from '../crypto/public-key.ts';
import type { Certificate } from '../crypto/certificate-blob.ts';
import { SIGNATURE_ALGORITHMS, keyTypeOfAlgorithm } from '../crypto/signature.ts';
import { SERVER_METHODS, isServerMethod, type ServerMethod } from './authentication-methods.ts';
import type { KeyRestrictions } from './key-restrictions.ts';
import type { KbdPrompt } from './userauth-messages.ts';

/** What every decision is told about the connection. */
export interface ClientContext {
  /** The client's IP address, as given in the options (for from=, source-address and your own checks). */
  readonly clientAddress: string | undefined;
}

/** A publickey request (RFC 4252 §7), plain or host-bound (PROTOCOL §2.5). */
export interface PublicKeyContext extends ClientContext {
  readonly username: string;
  /** The key or certificate blob exactly as the client sent it. */
  readonly keyBlob: Uint8Array;
  /** The public key; for a certificate, the certified key. */
  readonly key: PublicKey;
  /** The request's algorithm, e.g. "rsa-sha2-512" or "ssh-ed25519-cert-v01@openssh.com". */
  readonly algorithm: string;
  /**
   * The decoded certificate, when the client offers one. Before the
   * `publicKey` decision sees it, hopssh has checked what the certificate
   * says of itself (CA signature, user type, validity, critical options,
   * source-address); whether its CA and principals are to be trusted is the
   * decision's (the built-ins check those against trustedUserCAKeys and
   * cert-authority lines).
   */
  readonly certificate?: Certificate;
  /** false for a query (is this key acceptable?), true once the client has signed. */
  readonly signed: boolean;
}

/** A password request (RFC 4252 §8). */
export interface PasswordContext extends ClientContext {
  /** Present when the client asks to change its password (after USERAUTH_PASSWD_CHANGEREQ): the new one. */
  readonly newPassword?: string;
}

/** A keyboard-interactive request (RFC 4256 §3.1). */
export interface KeyboardInteractiveContext extends ClientContext {
  /** The client's submethods hint, split at commas; usually empty. */
  readonly submethods: readonly string[];
}

/** One round of questions (RFC 4256 §3.2). */
export interface KeyboardInteractiveRound {
  /** Shown as a title; may be empty. */
  name?: string;
  /** Shown before the prompts; may be empty. */
  instruction?: string;
  /** At most 100 (OpenSSH's limit); none is allowed (the client answers with nothing). */
  prompts: readonly KbdPrompt[];
}

/** The conversation of one keyboard-interactive attempt. */
export interface KeyboardInteractiveDialogue {
  /**
   * Sends USERAUTH_INFO_REQUEST and resolves with the answers, one per prompt,
   * in order (RFC 4256 §3.4). Rejects when the client abandons the attempt
   * with a new request, or the connection ends. One question at a time.
   */
  ask(round: KeyboardInteractiveRound): Promise<string[]>;
}

/** One answered request, for logging (sshd's "Accepted publickey for …", "Failed password for …"). */
export interface UserAuthAttempt {
  readonly username: string;
  /** "none", "publickey", "password", "keyboard-interactive", or the unknown name the client sent. */
  readonly method: string;
  /**
   * success: authenticated; partial: this method succeeded but more are required;
   * key-ok: a publickey query was answered USERAUTH_PK_OK; change-required:
   * USERAUTH_PASSWD_CHANGEREQ; failure: refused.
   */
  readonly outcome: 'success' | 'partial' | 'key-ok' | 'change-required' | 'failure';
  /** e.g. "ssh-ed25519 SHA256:…" or why it was refused ("key not authorized", "method not allowed now"). */
  readonly detail: string;
  /** Failures so far on this connection (MaxAuthTries counts these). */
  readonly failures: number;
}

export interface UserAuthServerOptions {
  /**
   * Decides a public key (or certificate): asked for a query and again before
   * a signature is accepted. A key accepted by the built-ins is accepted
   * without asking; otherwise this is asked (sshd likewise accepts a key found
   * by any of its sources).
   */
  publicKey?: (ctx: PublicKeyContext) => boolean | Promise<boolean>;
  /**
   * The user's authorized_keys text (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"),
   * or undefined when there is none. Read for every publickey request.
   * from=, expiry-time, cert-authority and principals= are enforced; command=,
   * no-pty, permitopen= and the like become the AuthenticatedUser's restrictions.
   */
  authorizedKeys?: (username: string) => string | undefined | Promise<string | undefined>;
  /**
   * CA public key blobs trusted to sign user certificates (sshd's
   * TrustedUserCAKeys): a certificate is accepted when one of them signed it,
   * it is valid now, it lists the user name among its principals and its
   * source-address (if any) admits the client; force-command and the
   * permit-* extensions become restrictions.
   */
  trustedUserCAKeys?: readonly Uint8Array[];
  /**
   * Checks a password. 'change-required' answers USERAUTH_PASSWD_CHANGEREQ
   * (RFC 4252 §8); the client's change request comes back here with
   * ctx.newPassword. Empty passwords are refused without asking unless
   * `permitEmptyPasswords`.
   */
  password?: (username: string, password: string, ctx: PasswordContext) => boolean | 'change-required' | Promise<boolean | 'change-required'>;
  /** The prompt of USERAUTH_PASSWD_CHANGEREQ. Default "Password change required". */
  passwordChangePrompt?: string;
  /** sshd's PermitEmptyPasswords. Default false. */
  permitEmptyPasswords?: boolean;
  /** Keyboard-interactive (RFC 4256): ask any number of rounds through `dialogue`, then accept or refuse. */
  keyboardInteractive?: (username: string, ctx: KeyboardInteractiveContext, dialogue: KeyboardInteractiveDialogue) => boolean | Promise<boolean>;
  /** Lets a user in with the "none" method (RFC 4252 §5.2). Without it "none" always fails. */
  none?: (username: string, ctx: ClientContext) => boolean | Promise<boolean>;
  /**
   * sshd's AuthenticationMethods: lists of methods each of which must succeed
   * in order, e.g. [['publickey', 'password']] or [['publickey'], ['password',
   * 'keyboard-interactive']]. Default: any one configured method.
   */
  authenticationMethods?: readonly (readonly string[])[];
  /**
   * Signature algorithms accepted for publickey (sshd's
   * PubkeyAcceptedAlgorithms); a -cert-v01@openssh.com algorithm is accepted
   * when it or its plain algorithm is listed. Also becomes the server-sig-algs
   * the transport announces, when given before the first key exchange ends.
   * Default: the transport's server-sig-algs (hopssh's signature algorithms,
   * without ssh-rsa SHA-1).
   */
  publicKeyAlgorithms?: readonly string[];
  /** sshd's MaxAuthTries: the connection is closed at this many failures. Default 6. */
  maxAuthTries?: number;
  /**
   * Minimum time (ms) before answering a request other than "none", counted
   * from its arrival (doubled while the check took longer), as sshd does.
   * A number, or per user. Default: sshd's 5–9 ms per user. 0 disables.
   */
  failureDelayMs?: number | ((username: string) => number);
  /** sshd's LoginGraceTime in ms, counted from serveUserAuth: the connection is closed if no user is authenticated by then. Default 120 000; 0: none. */
  loginGraceTimeMs?: number;
  /** Sent as USERAUTH_BANNER (RFC 4252 §5.4) before the answer to the first request; sshd's Banner. */
  banner?: string;
  /** Services a user may authenticate for (RFC 4252 §5). Default ["ssh-connection"]. */
  services?: readonly string[];
  /** The client's IP address (e.g. socket.remoteAddress), for from= and source-address; without it keys restricted by address are refused. */
  clientAddress?: string;
  /** Current time in ms since the epoch, for certificate validity and expiry-time. Default Date.now. */
  now?: () => number;
  /** Told about every answered request. */
  onAttempt?: (attempt: UserAuthAttempt) => void;
}

/** The result of a successful authentication. */
export interface AuthenticatedUser {
  username: string;
  /** The service authenticated for, e.g. "ssh-connection". */
  service: string;
  /** Methods that succeeded, in order (several after partial successes). */
  methods: string[];
  /** What the accepted keys and certificates restrict (merged as sshd merges them); unrestricted without publickey. */
  restrictions: KeyRestrictions;
  /** The certificate of the last publickey success, if it was one. */
  certificate?: Certificate;
  /** The key of the last publickey success (for a certificate, the certified key). */
  key?: PublicKey;
}

/** sshd's default MaxAuthTries. */
export const DEFAULT_MAX_AUTH_TRIES = 6;

/** sshd's default LoginGraceTime (120 s). */
export const DEFAULT_LOGIN_GRACE_TIME_MS = 120_000;

/** Signature algorithms accepted without configuration (and without server-sig-algs): all but ssh-rsa (SHA-1). */
export const DEFAULT_PUBLIC_KEY_ALGORITHMS: readonly string[] = Object.freeze(SIGNATURE_ALGORITHMS.filter((a) => a !== 'ssh-rsa'));

// ------------------------------------------------------------ validation

/** Whether any publickey source is configured. */
export function publicKeyConfigured(opts: UserAuthServerOptions): boolean {
  return opts.publicKey !== undefined || opts.authorizedKeys !== undefined || (opts.trustedUserCAKeys?.length ?? 0) > 0;
}

/** The configured methods: a method is available when its decision is given. */
function configuredMethods(opts: UserAuthServerOptions): ServerMethod[] {
  const has: Record<ServerMethod, boolean> = {
    none: opts.none !== undefined,
    publickey: publicKeyConfigured(opts),
    password: opts.password !== undefined,
    'keyboard-interactive': opts.keyboardInteractive !== undefined,
  };
  return SERVER_METHODS.filter((m) => has[m]);
}

/**
 * AuthenticationMethods as given (each method must be configured), or one
 * list per configured method. TypeError when nothing is configured.
 */
export function methodLists(opts: UserAuthServerOptions): (readonly string[])[] {
  const configured = configuredMethods(opts);
  if (configured.length === 0) throw new TypeError('serveUserAuth: no authentication method is configured');
  if (opts.authenticationMethods === undefined) return configured.map((m) => [m]);
  for (const list of opts.authenticationMethods) {
    for (const m of list) {
      if (isServerMethod(m) && !configured.includes(m)) throw new TypeError(`authenticationMethods names ${m}, which is not configured`);
    }
  }
  return [...opts.authenticationMethods];
}

export function positiveInteger(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer`);
  return n;
}

/** TypeError for a name that is not a signature algorithm hopssh implements. */
export function checkAlgorithms(algorithms: readonly string[]): void {
  for (const a of algorithms) {
    try {
      keyTypeOfAlgorithm(a);
    } catch {
      throw new TypeError(`publicKeyAlgorithms: unknown signature algorithm ${JSON.stringify(a)}`);
    }
  }
}
