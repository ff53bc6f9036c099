/**
 * What hopssh exits with, and how it words its own failures, as ssh(1):
 * "ssh exits with the exit status of the remote command or with 255 if an
 * error occurred" — its own errors, and a remote program that ended without
 * an exit status (killed by a signal).
 */
import { AuthenticationError } from '../auth/errors.ts';
import { ConnectError } from '../io/network.ts';
import { ConfigError, HopError, SpecError, TokenError } from '../jump/errors.ts';
import { ChannelOpenError } from '../channel/errors.ts';
import { DisconnectError, HostKeyError } from '../transport/errors.ts';

/** ssh(1)'s status for its own errors. */
export const EXIT_ERROR = 255;

/** The system's wording of connect errors (strerror / gai_strerror), as ssh(1) prints them. */
const SYSTEM_MESSAGES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  ENOENT: 'No such file or directory',
};

const RESOLVER_MESSAGES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
};

/**
 * The lines ssh(1) would print for a failure to connect (each without a
 * trailing newline). `direct`: the target was reached straight over TCP; then
 * the messages are ssh's own, through jump hosts or a ProxyCommand they
 * name the hop.
 */
export function describeFailure(error: unknown, direct: boolean): string[] {
  if (error instanceof ConfigError || error instanceof SpecError || error instanceof TokenError) return [`hopssh: ${error.message}`];
  if (!(error instanceof HopError)) return [`hopssh: ${error instanceof Error ? error.message : String(error)}`];
  const { hop, cause } = error;
  if (cause instanceof AuthenticationError) {
    return [`${hop.user}@${hop.host}: Permission denied (${cause.methodsLeft.join(',')}).`];
  }
  if (cause instanceof HostKeyError) {
    return [`hopssh: ${direct ? cause.message : error.message}`, 'Host key verification failed.'];
  }
  if (direct && cause instanceof ConnectError && cause.code !== undefined) {
    const resolver = RESOLVER_MESSAGES[cause.code];
    if (resolver !== undefined) return [`hopssh: Could not resolve hostname ${hop.host}: ${resolver}`];
    const system = SYSTEM_MESSAGES[cause.code];
    if (system !== undefined) return [`hopssh: connect to host ${hop.host} port ${hop.port}: ${system}`];
  }
  if (cause instanceof ChannelOpenError && error.stage === 'connect') {
    // ssh -J: "channel 0: open failed: connect failed: …" from the jump host, then "stdio forwarding failed".
    return [`hopssh: ${error.message}`];
  }
  if (cause instanceof DisconnectError && direct) return [`hopssh: ${cause.by === 'peer' ? `Received disconnect from ${hop.host} port ${hop.port}: ${cause.description}` : cause.message}`];
  return [`hopssh: ${error.message}`];
}
