/**
 * Running OpenSSH's `ssh` client in isolation from the machine's configuration:
 * `-F /dev/null` (no ~/.ssh/config, no /etc/ssh/ssh_config), known hosts only
 * from a file the test provides, no agent, no default identities, batch mode.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDir, unregisterDir } from './cleanup.ts';
import { findSsh } from './openssh-binaries.ts';
import { run, type RunResult } from './run.ts';

/** The known_hosts line for `publicKeyLine` ("<type> <base64> [comment]") at host:port. */
export function knownHostsLine(host: string, port: number, publicKeyLine: string): string {
  const [type, blob] = publicKeyLine.trim().split(/\s+/);
  if (!type || !blob) throw new RangeError(`knownHostsLine: not a public key line: ${JSON.stringify(publicKeyLine)}`);
  const name = port === 22 ? host : `[${host}]:${port}`;
  return `${name} ${type} ${blob}`;
}

/** known_hosts lines for every host key of a server (e.g. an {@link SshdServer}). */
export function knownHostsLines(server: { host: string; port: number; hostKeys: readonly { publicKeyLine: string }[] }, host = server.host): string[] {
  return server.hostKeys.map((k) => knownHostsLine(host, server.port, k.publicKeyLine));
}

/** Writes a known_hosts file (mode 0644) with these lines. */
export async function writeKnownHosts(path: string, lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.map((l) => l.trim() + '\n').join(''), { mode: 0o644 });
}

export interface RunSshOptions {
  /** Adds `-p <port>`. */
  port?: number;
  /** Adds `-i <path>`; without it no identity file is used at all (`IdentityFile none`). */
  identityFile?: string;
  /** known_hosts lines written to a temp file used as UserKnownHostsFile. */
  knownHosts?: readonly string[];
  /** An existing known_hosts file to use instead (takes precedence over `knownHosts`). */
  knownHostsFile?: string;
  /** Extra `-o Key=Value` options, e.g. { KexAlgorithms: 'curve25519-sha256' }. */
  options?: Readonly<Record<string, string>>;
  /** Adds `-vvv` (debug output on stderr). */
  verbose?: boolean;
  /** Data for the remote command's stdin; default empty (EOF at once). */
  input?: string | Uint8Array;
  /** Kill ssh after this long. Default 30 000 ms. */
  timeoutMs?: number;
  /** Run ssh inside this network namespace. */
  netns?: string;
  /** Run this argv instead of ssh's own (e.g. ssh under `script` for a terminal); gets ssh's full argv. */
  wrap?: (argv: string[]) => string[];
}

/**
 * The fixed isolation options passed before any caller option. OpenSSH uses
 * the first value it sees for an option, so these cannot be overridden by
 * `options`; pass other values there.
 */
function baseOptions(knownHostsFile: string, hasIdentity: boolean): string[] {
  const o: Record<string, string> = {
    UserKnownHostsFile: knownHostsFile,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
    UpdateHostKeys: 'no',
    BatchMode: 'yes',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
    ControlMaster: 'no',
    ControlPath: 'none',
    ConnectTimeout: '10',
  };
  if (!hasIdentity) o.IdentityFile = 'none';
  return Object.entries(o).flatMap(([k, v]) => ['-o', `${k}=${v}`]);
}

/**
 * Runs `ssh -F /dev/null <isolation options> [-p] [-i] [-vvv] [-o …] <args>`,
 * where `args` ends with the destination and optional remote command.
 */
export async function runSsh(args: readonly string[], opts: RunSshOptions = {}): Promise<RunResult> {
  let tmp: string | undefined;
  let khFile = opts.knownHostsFile;
  if (khFile === undefined) {
    tmp = await mkdtemp(join(tmpdir(), 'hop-ssh-'));
    registerDir(tmp);
    khFile = join(tmp, 'known_hosts');
    await writeKnownHosts(khFile, opts.knownHosts ?? []);
  }
  try {
    const argv = [
      findSsh(),
      '-F',
      '/dev/null',
      ...baseOptions(khFile, opts.identityFile !== undefined),
      ...(opts.port !== undefined ? ['-p', String(opts.port)] : []),
      ...(opts.identityFile !== undefined ? ['-i', opts.identityFile] : []),
      ...(opts.verbose ? ['-vvv'] : []),
      ...Object.entries(opts.options ?? {}).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
      ...args,
    ];
    const full = opts.netns === undefined ? argv : ['ip', 'netns', 'exec', opts.netns, ...argv];
    return await run(opts.wrap ? opts.wrap(full) : full, {
      input: opts.input ?? '',
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
  } finally {
    if (tmp !== undefined) {
      await rm(tmp, { recursive: true, force: true });
      unregisterDir(tmp);
    }
  }
}
