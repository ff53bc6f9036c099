import { disconnectReasonName } from '../wire/message-numbers.ts';

/** Errors of the transport layer (RFC 4253). Each says what happened and where. */

/** The peer sent SSH_MSG_DISCONNECT, or we disconnected with this reason (RFC 4253 §11.1). */
export class DisconnectError extends Error {
  override name = 'DisconnectError';
  constructor(
    readonly reasonCode: number,
    readonly description: string,
    /** 'peer' when the peer disconnected, 'local' when we did. */
    readonly by: 'peer' | 'local' = 'peer',
  ) {
    super(`${by === 'peer' ? 'disconnected by peer' : 'disconnected'} (${disconnectReasonName(reasonCode)}): ${description}`);
  }
}

/** The peer broke the protocol: a malformed or unexpected message. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  /** Where: e.g. "version exchange", "packet 7", "KEXDH_REPLY". */
  readonly where: string;
  constructor(where: string, detail: string, options?: { cause?: unknown }) {
    super(`${where}: ${detail}`, options);
    this.where = where;
  }
}

/** No common algorithm in one category (RFC 4253 §7.1). */
export class AlgorithmNegotiationError extends Error {
  override name = 'AlgorithmNegotiationError';
  constructor(
    readonly category: string,
    readonly ours: readonly string[],
    readonly theirs: readonly string[],
  ) {
    super(`no matching ${category} algorithm: ours [${ours.join(',')}], theirs [${theirs.join(',')}]`);
  }
}

/** The server's host key was refused: bad signature, or the verifier did not accept it. */
export class HostKeyError extends Error {
  override name = 'HostKeyError';
  constructor(
    readonly algorithm: string,
    readonly fingerprint: string,
    detail: string,
  ) {
    super(`host key ${algorithm} ${fingerprint}: ${detail}`);
  }
}

/** A configured limit was hit (packet size, kex time, queue size, banner lines). */
export class LimitError extends Error {
  override name = 'LimitError';
  constructor(readonly limit: string, detail: string) {
    super(`${limit}: ${detail}`);
  }
}

/** The connection closed (cleanly or not) while an operation was pending. */
export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
  constructor(detail = 'connection closed', options?: { cause?: unknown }) {
    super(detail, options);
  }
}
