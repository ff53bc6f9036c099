/**
 * What an accepted key or certificate still restricts, for the server to
 * apply after authentication: the forced command, forwarding, pty, user rc,
 * permitted destinations, environment (sshd(8) "AUTHORIZED_KEYS FILE FORMAT";
 * PROTOCOL.certkeys "Critical options" and "Extensions").
 */

export interface KeyRestrictions {
  /** Run this instead of what the client asked for (command= / force-command); the client's command goes in SSH_ORIGINAL_COMMAND. */
  readonly forceCommand?: string;
  readonly permitPortForwarding: boolean;
  readonly permitAgentForwarding: boolean;
  readonly permitX11Forwarding: boolean;
  readonly permitPty: boolean;
  /** Whether ~/.ssh/rc may run. */
  readonly permitUserRc: boolean;
  /** permitopen= entries, "host:port" ("*" wildcards allowed); empty: no per-key limit on local forwarding destinations. */
  readonly permitOpen: readonly string[];
  /** permitlisten= entries, "[host:]port" made "host:port" ("*:port" for a bare port); empty: no per-key limit. */
  readonly permitListen: readonly string[];
  /** environment= entries, "NAME=value" (the first for a name wins); sshd applies them only with PermitUserEnvironment. */
  readonly environment: readonly string[];
  /** tunnel= device: a number or "any"; undefined: not forced. */
  readonly tunnel?: number | 'any';
  /** verify-required: signatures must assert FIDO user verification (hopssh has no FIDO keys: such a key cannot satisfy it). */
  readonly requireUserVerification: boolean;
  /** no-touch-required / the no-touch-required extension (FIDO keys only). */
  readonly noTouchRequired: boolean;
}

/** An authorized_keys line without options: everything permitted (sshauthopt_new_with_keys_defaults). */
export const UNRESTRICTED: KeyRestrictions = Object.freeze({
  permitPortForwarding: true,
  permitAgentForwarding: true,
  permitX11Forwarding: true,
  permitPty: true,
  permitUserRc: true,
  permitOpen: Object.freeze([]),
  permitListen: Object.freeze([]),
  environment: Object.freeze([]),
  requireUserVerification: false,
  noTouchRequired: false,
});

/** A certificate without extensions: nothing permitted (PROTOCOL.certkeys: each permit-* extension grants). */
export const CERTIFICATE_BASELINE: KeyRestrictions = Object.freeze({
  ...UNRESTRICTED,
  permitPortForwarding: false,
  permitAgentForwarding: false,
  permitX11Forwarding: false,
  permitPty: false,
  permitUserRc: false,
});

/**
 * Combines the restrictions of an authorized_keys line (`primary`) with those
 * of the certificate it accepted (`additional`), as sshd does
 * (sshauthopt_merge): a permission holds only if both grant it; lists
 * (permitopen, permitlisten, environment) and the tunnel come from the line
 * when it has them, else from the certificate; verify-required holds if
 * either sets it. Two different forced commands refuse: returns a string
 * saying so instead of restrictions.
 */
export function mergeRestrictions(primary: KeyRestrictions, additional: KeyRestrictions): KeyRestrictions | string {
  if (primary.forceCommand !== undefined && additional.forceCommand !== undefined && primary.forceCommand !== additional.forceCommand) {
    return 'forced command options do not match';
  }
  const forceCommand = primary.forceCommand ?? additional.forceCommand;
  const tunnel = primary.tunnel ?? additional.tunnel;
  return {
    ...(forceCommand !== undefined ? { forceCommand } : {}),
    permitPortForwarding: primary.permitPortForwarding && additional.permitPortForwarding,
    permitAgentForwarding: primary.permitAgentForwarding && additional.permitAgentForwarding,
    permitX11Forwarding: primary.permitX11Forwarding && additional.permitX11Forwarding,
    permitPty: primary.permitPty && additional.permitPty,
    permitUserRc: primary.permitUserRc && additional.permitUserRc,
    permitOpen: primary.permitOpen.length > 0 ? primary.permitOpen : additional.permitOpen,
    permitListen: primary.permitListen.length > 0 ? primary.permitListen : additional.permitListen,
    environment: primary.environment.length > 0 ? primary.environment : additional.environment,
    ...(tunnel !== undefined ? { tunnel } : {}),
    requireUserVerification: primary.requireUserVerification || additional.requireUserVerification,
    noTouchRequired: primary.noTouchRequired && additional.noTouchRequired,
  };
}
