/**
 * Locating the OpenSSH programs, and gating interop tests on them.
 *
 * An interop test must never skip silently in CI: when `CI` is set and OpenSSH
 * is missing, {@link requireOpenSSH} makes the suite fail instead.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** Absolute path of an executable: `envVar` if set, else the first of `candidates`, else $PATH. */
function locate(program: string, candidates: readonly string[], envVar: string): string | undefined {
  const override = process.env[envVar];
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'));
  const tries = override ? [override] : [...candidates, ...dirs.map((d) => join(d, program))];
  for (const p of tries) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Path of `sshd` (env HOPSSH_SSHD, else /usr/sbin/sshd, else $PATH); throws if absent. */
export function findSshd(): string {
  const p = locate('sshd', ['/usr/sbin/sshd'], 'HOPSSH_SSHD');
  if (p === undefined) throw new Error('sshd not found (looked for /usr/sbin/sshd and in $PATH; set HOPSSH_SSHD to override)');
  return p;
}

/** Path of the `ssh` client (env HOPSSH_SSH, else /usr/bin/ssh, else $PATH); throws if absent. */
export function findSsh(): string {
  const p = locate('ssh', ['/usr/bin/ssh'], 'HOPSSH_SSH');
  if (p === undefined) throw new Error('ssh not found (looked for /usr/bin/ssh and in $PATH; set HOPSSH_SSH to override)');
  return p;
}

/** Path of `ssh-keygen` (env HOPSSH_SSH_KEYGEN, else /usr/bin/ssh-keygen, else $PATH); throws if absent. */
export function findSshKeygen(): string {
  const p = locate('ssh-keygen', ['/usr/bin/ssh-keygen'], 'HOPSSH_SSH_KEYGEN');
  if (p === undefined) throw new Error('ssh-keygen not found (looked for /usr/bin/ssh-keygen and in $PATH)');
  return p;
}

/** Whether the OpenSSH programs the interop tests need are installed. */
export type OpenSSHStatus =
  | { available: true; sshd: string; ssh: string; sshKeygen: string }
  | { available: false; reason: string };

export function openSSHStatus(): OpenSSHStatus {
  try {
    return { available: true, sshd: findSshd(), ssh: findSsh(), sshKeygen: findSshKeygen() };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

/** True when running under CI (`CI=true` or `CI=1`), where nothing may skip for lack of tools. */
export function inCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** A `describe` that registers its suite only when a requirement holds. */
export type GatedDescribe = (name: string, body: () => void) => void;

/**
 * Builds a `describe` gated on a requirement. When `status.available` is false:
 * under CI the suite is replaced by one FAILING test carrying `status.reason`;
 * elsewhere the suite is skipped, with the reason in its name.
 */
export function gatedDescribe(status: { available: true } | { available: false; reason: string }, what: string): GatedDescribe {
  if (status.available) return (name, body) => describe(name, body);
  const reason = status.reason;
  if (inCI()) {
    return (name, body) =>
      describe(name, () => {
        void body; // not run
        it(`requires ${what}`, () => {
          throw new Error(`${what} is required in CI but unavailable: ${reason}. Install it (.ci/run does) or unset CI.`);
        });
      });
  }
  return (name, body) => describe.skip(`${name} [skipped: ${reason}]`, body);
}

/**
 * Call at the top of an interop test file; use the returned function in place
 * of `describe` for every suite that needs sshd/ssh/ssh-keygen:
 *
 *     const describeOpenSSH = requireOpenSSH();
 *     describeOpenSSH('our client against sshd', () => { it(...); });
 *
 * Missing OpenSSH fails those suites under CI and skips them (with the reason
 * in the suite name) elsewhere.
 */
export function requireOpenSSH(): GatedDescribe {
  return gatedDescribe(openSSHStatus(), 'OpenSSH (sshd, ssh, ssh-keygen)');
}
