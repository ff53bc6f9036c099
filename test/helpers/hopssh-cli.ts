/**
 * Running the `hopssh` program (bin/hopssh.js) in tests against a real sshd:
 * a server with an ed25519 host key, a client key in its authorized_keys,
 * and an ssh_config file (`-F`) that gives every host that key, a
 * known_hosts file holding the server's key, no agent and BatchMode — the
 * same isolation runSsh gives OpenSSH's ssh.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerDir, unregisterDir } from './cleanup.ts';
import { generateKey, type GeneratedKey } from './keygen.ts';
import { run, type RunResult } from './run.ts';
import { startSshd, type SshdOptions, type SshdServer } from './sshd.ts';
import { knownHostsLines, writeKnownHosts } from './ssh-client.ts';
import { shellCommand } from './terminal.ts';

/** Absolute path of bin/hopssh.js. */
export const HOPSSH_BIN = resolve(fileURLToPath(new URL('../../bin/hopssh.js', import.meta.url)));
/** Absolute path of the TypeScript entry (for Bun and Deno). */
export const HOPSSH_SOURCE = resolve(fileURLToPath(new URL('../../src/cli/hopssh.ts', import.meta.url)));

/** The name tests log in as: the user running them (sshd runs as the same user when not root). */
export const LOGIN = userInfo().username;

/** A temporary directory removed by the returned function (and at process exit). */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  registerDir(dir);
  return {
    dir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      unregisterDir(dir);
    },
  };
}

/** Runs `body` with a fresh temporary directory, removed afterwards however `body` ends. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const { dir, remove } = await tempDir(prefix);
  try {
    return await body(dir);
  } finally {
    await remove();
  }
}

/** Writes `size` random bytes to `path`; resolves with them. */
export async function writeRandomFile(path: string, size: number): Promise<Buffer> {
  const content = randomBytes(size);
  await writeFile(path, content);
  return content;
}

export interface CliHost {
  sshd: SshdServer;
  /** The directory holding the key, known_hosts and config, removed by stop(): tests may keep their own files there too. */
  dir: string;
  key: GeneratedKey;
  /** The ssh_config file for -F. */
  configPath: string;
  knownHostsPath: string;
  /** `-F config -p port user@127.0.0.1`: the arguments that reach the server. */
  target: string[];
  stop(): Promise<void>;
}

/** ssh_config text giving every host the test key (none: each Host block names its own) and known_hosts file, no agent, and no questions. */
export function isolatedConfig(keyPath: string | undefined, knownHostsPath: string, extra: readonly string[] = []): string {
  return [
    'Host *',
    ...(keyPath === undefined ? [] : [`  IdentityFile ${keyPath}`]),
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    '  IdentityAgent none',
    '  BatchMode yes',
    '  StrictHostKeyChecking yes',
    ...extra.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** sshd's options, and `configLines` for every host in the ssh_config file. */
export type CliHostOptions = SshdOptions & { configLines?: readonly string[] };

/** Starts sshd (LogLevel INFO: no debug text in sessions) with a client key authorized for LOGIN. */
export async function startCliHost(opts: CliHostOptions = {}): Promise<CliHost> {
  const { dir, remove } = await tempDir('hop-cli-');
  const key = await generateKey('ed25519', join(dir, 'id_ed25519'));
  const sshd = await startSshd({
    hostKeys: ['ed25519'],
    ...opts,
    config: ['LogLevel INFO', ...(typeof opts.config === 'string' ? [opts.config] : (opts.config ?? []))],
    authorizedKeys: { ...opts.authorizedKeys, [LOGIN]: key.publicKeyLine },
  });
  const knownHostsPath = join(dir, 'known_hosts');
  await writeKnownHosts(knownHostsPath, knownHostsLines(sshd));
  const configPath = join(dir, 'config');
  await writeFile(configPath, isolatedConfig(key.path, knownHostsPath, opts.configLines), { mode: 0o644 });
  return {
    sshd,
    dir,
    key,
    configPath,
    knownHostsPath,
    target: ['-F', configPath, '-p', String(sshd.port), `${LOGIN}@127.0.0.1`],
    stop: async () => {
      await sshd.stop();
      await remove();
    },
  };
}

/** The environment hopssh runs with in tests: no agent, no askpass, no display unless given. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['SSH_AUTH_SOCK', 'SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', 'DISPLAY', 'WAYLAND_DISPLAY']) delete env[k];
  return { ...env, ...extra };
}

export interface RunHopsshOptions {
  input?: string | Uint8Array;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run under this runtime: node (default, through bin/hopssh.js), bun or deno (the TypeScript entry). */
  runtime?: 'node' | 'bun' | 'deno';
  /** Prefix argv (e.g. `ip netns exec ns`). */
  prefix?: readonly string[];
}

const BIN_DIR = resolve(fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url)));

let denoPath: string | undefined;
/**
 * Deno's own executable, from the npm package's install API: its bin
 * (node_modules/.bin/deno) is a Node script running deno by spawnSync, so a
 * signal sent to it would end the script and leave deno running.
 */
function denoExecutable(): string {
  denoPath ??= (createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string }).runInstall();
  return denoPath;
}

/** argv that runs hopssh with `args` under a runtime. */
export function hopsshArgv(args: readonly string[], runtime: RunHopsshOptions['runtime'] = 'node'): string[] {
  if (runtime === 'bun') return [join(BIN_DIR, 'bun'), HOPSSH_SOURCE, ...args];
  if (runtime === 'deno') return [denoExecutable(), 'run', '-A', '--quiet', HOPSSH_SOURCE, ...args];
  return [process.execPath, HOPSSH_BIN, ...args];
}

/** Runs hopssh to completion. */
export function runHopssh(args: readonly string[], opts: RunHopsshOptions = {}): Promise<RunResult> {
  return run([...(opts.prefix ?? []), ...hopsshArgv(args, opts.runtime)], {
    input: opts.input ?? '',
    env: cliEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
}

/** A shell script at `path` that runs hopssh (for `scp -S`, `rsync -e`, ProxyCommand) under `runtime`, executable. */
export async function writeHopsshWrapper(path: string, runtime: RunHopsshOptions['runtime'] = 'node'): Promise<string> {
  await writeFile(path, `#!/bin/sh\nexec ${shellCommand(hopsshArgv([], runtime))} "$@"\n`, { mode: 0o755 });
  return path;
}

/** Everything a result printed, for assertion messages. */
export function describeRun(r: RunResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
