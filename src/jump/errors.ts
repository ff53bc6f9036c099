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
    /** What happened, naming the hop; the cause's message is appended. */
    message: string,
  ) {
    super(`${message}: ${cause.message}`, { cause });
  }
}
