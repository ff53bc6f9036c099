/** Errors of the connection layer (RFC 4254). Each names the channel or request concerned. */
import { LimitError } from '../transport/errors.ts';

/** Reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1). */
export const OPEN_FAILURE = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

const openFailureNames: Record<number, string> = {
  1: 'administratively prohibited',
  2: 'connect failed',
  3: 'unknown channel type',
  4: 'resource shortage',
};

/** The peer refused to open a channel (RFC 4254 §5.1). */
export class ChannelOpenError extends Error {
  override name = 'ChannelOpenError';
  constructor(
    readonly channelType: string,
    readonly reasonCode: number,
    readonly description: string,
  ) {
    super(`opening ${channelType} channel failed (${openFailureNames[reasonCode] ?? `reason ${reasonCode}`})${description ? ': ' + description : ''}`);
  }
}

/** A channel or global request the peer answered with FAILURE (RFC 4254 §4, §5.4). */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(
    readonly request: string,
    /** e.g. "channel 3 (session)" or "global". */
    readonly where: string,
  ) {
    super(`${where}: request ${request} failed`);
  }
}

/** A channel was closed (or its connection ended) while an operation on it was pending. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
  constructor(
    readonly where: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: closed`, options);
  }
}

/** A command printed more than the caller allowed (exec's maxOutput); the session was closed. */
export class OutputLimitError extends LimitError {
  override name = 'OutputLimitError';
  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly maxBytes: number,
  ) {
    super(`exec ${stream}`, `more than ${maxBytes} bytes (maxOutput)`);
  }
}
