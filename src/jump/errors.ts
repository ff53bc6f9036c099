/** Errors of the jump layer. Each names the hop of the chain it happened at. */

/** A host of a chain: jump hosts first, in the order connected, the target last. */
export interface HopAddress {
  /** Position in the chain, from 0 (the first host connected to); the target has the highest. */
  readonly index: number;
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/**
 * What the hop was doing:
 * - `config`: the chain was refused before connecting (a loop, ProxyJump with ProxyCommand);
 * - `connect`: it could not be reached (TCP connect, ProxyCommand, or the previous hop's
 *   direct-tcpip open failing to connect, RFC 4254 §7.2);
 * - `forward`: as a jump host, it refused to open direct-tcpip to the next hop;
 * - `handshake`: version exchange or key exchange (host key check included) failed;
 * - `authenticate`: user authentication failed;
 * - `connection`: it was up, then ended (and ended what ran through it).
 */
export type HopStage = 'config' | 'connect' | 'forward' | 'handshake' | 'authenticate' | 'connection';

/** Something failed at one hop of a chain; `cause` is the error of the layer below (ConnectError, HostKeyError, AuthenticationError, ChannelOpenError …). */
export class HopError extends Error {
  override name = 'HopError';
  declare readonly cause: Error;
  constructor(
    readonly hop: HopAddress,
    readonly stage: HopStage,
    cause: Error,
    /** What happened, naming the hop; the cause's message is appended, then the hint. */
    message: string,
    /** What to check, e.g. "the jump host may have AllowTcpForwarding no". */
    readonly hint?: string,
  ) {
    super(`${message}: ${cause.message}${hint === undefined ? '' : ` (${hint})`}`, { cause });
  }
}

/** An ssh_config file (or a command-line option in its syntax) is malformed or cannot be resolved: names the file and line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    /** The file's path, or "command line" for `-o`-style options. */
    readonly file: string,
    /** 1-based line number; 0 when the error is not about one line (a missing file, an include loop). */
    readonly line: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(line > 0 ? `${file} line ${line}: ${detail}` : `${file}: ${detail}`, options);
  }
}

/** A command-line specification (-J, -L, -R, -D, -W, a destination) is malformed: names the spec and what is wrong. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    readonly spec: string,
    readonly detail: string,
  ) {
    super(`${JSON.stringify(spec)}: ${detail}`);
  }
}

/** A `%` token or `${VAR}` that cannot be expanded in this text (ssh_config(5) TOKENS): names the token. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly text: string,
    /** e.g. "%x", "${HOME}", "~bob", "%" (a trailing percent). */
    readonly token: string,
    readonly detail: string,
  ) {
    super(`${JSON.stringify(text)}: ${token}: ${detail}`);
  }
}
