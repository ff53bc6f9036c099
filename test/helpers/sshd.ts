/**
 * A real OpenSSH server for a test: `sshd -D -e -f <config>` in a fresh temp
 * directory, on a free 127.0.0.1 port (or inside a network namespace), with
 * host keys made by ssh-keygen and DEBUG3 logging captured in memory.
 *
 * Everything started here is registered in ./cleanup.ts, so a server a test
 * forgets to stop is still killed, and its directory removed, at process exit.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantsOf, isAlive, registerDir, registerPid, signalAll, unregisterDir, unregisterPid } from './cleanup.ts';
import { freePort } from './free-port.ts';
import { ALL_KEY_TYPES, cachedKey, generateKey, type GeneratedKey, type KeyType } from './keygen.ts';
import { findSshd } from './openssh-binaries.ts';
import { run } from './run.ts';

export interface SshdOptions {
  /** Host keys to generate and load, in this order. Default: all of {@link ALL_KEY_TYPES}. */
  hostKeys?: readonly KeyType[];
  /**
   * Generate new host keys for this server. Default false: keys come from a
   * per-process cache, so servers in one test file share key material (pass
   * true when a test needs hosts with distinct keys).
   */
  freshHostKeys?: boolean;
  /** `PasswordAuthentication`. Default false. */
  passwordAuthentication?: boolean;
  /** `KbdInteractiveAuthentication`. Default false. (With `UsePAM no` Linux sshd has no kbd-interactive device.) */
  kbdInteractiveAuthentication?: boolean;
  /** `PubkeyAuthentication`. Default true. */
  pubkeyAuthentication?: boolean;
  /** Initial authorized_keys lines per user name; see also {@link SshdServer.authorize}. */
  authorizedKeys?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Extra sshd_config lines (e.g. "KexAlgorithms curve25519-sha256",
   * "Ciphers aes128-ctr", "RekeyLimit 1M", "AllowTcpForwarding no"; a `Match`
   * block last). A keyword given here (before any `Match`) replaces this
   * helper's default for it (UsePAM, StrictModes, LogLevel, MaxStartups, …).
   */
  config?: string | readonly string[];
  /** ListenAddress. Default 127.0.0.1. */
  host?: string;
  /** Port. Default: a free port (22 inside a network namespace); retried on EADDRINUSE when not given. */
  port?: number;
  /** Run sshd inside this network namespace (`ip netns exec <netns> sshd …`). */
  netns?: string;
  /** How long to wait for the banner. Default 15 000 ms. */
  startTimeoutMs?: number;
}

/** A running sshd. */
export interface SshdServer {
  /** Address it listens on (for `host: '0.0.0.0'`, connect to 127.0.0.1 or a namespace address). */
  host: string;
  port: number;
  /** Pid of the listening sshd process. */
  pid: number;
  /** The server's temp directory (config, keys, authorized_keys, pid file); removed by stop(). */
  dir: string;
  configPath: string;
  netns: string | undefined;
  /** Host keys in the order of the HostKey lines. */
  hostKeys: GeneratedKey[];
  /** Everything sshd wrote to stderr/stdout so far (DEBUG3 unless the config changed LogLevel). */
  log(): string;
  /** Resolves with the first match of `pattern` in the log (waiting for it), or rejects after `timeoutMs` (default 10 000). */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Appends a public key line to `user`'s authorized_keys (sshd re-reads it on each attempt). */
  authorize(user: string, publicKeyLine: string): Promise<void>;
  /** Resolves when the listener has exited (for any reason); stop() is the way to end it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after 3 s, for sshd and its children; then removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Keywords of this helper's defaults that a caller's config line of the same keyword replaces. */
const POLICY_DEFAULTS: readonly (readonly [string, string])[] = [
  ['UsePAM', 'no'],
  ['StrictModes', 'no'],
  ['LogLevel', 'DEBUG3'],
  ['PrintMotd', 'no'],
  ['MaxStartups', '100'],
  ['LoginGraceTime', '60'],
  ['Subsystem', 'sftp internal-sftp'],
];

const LOG_CAP = 32 << 20;

/** Makes /run/sshd (sshd's privilege-separation chroot), which a root sshd refuses to start without. */
function ensurePrivsepDir(): void {
  if (process.getuid?.() !== 0) return; // a non-root sshd does not chroot
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  chmodSync('/run/sshd', 0o755);
}

let versionPromise: Promise<[number, number] | undefined> | undefined;
/** sshd's version as [major, minor], read once from `sshd -V`. */
function sshdVersion(sshd: string): Promise<[number, number] | undefined> {
  versionPromise ??= run([sshd, '-V'], { timeoutMs: 10_000 }).then((r) => {
    const m = /OpenSSH_(\d+)\.(\d+)/.exec(r.stderr + r.stdout);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  });
  return versionPromise;
}

function keywordOf(line: string): string | undefined {
  const m = /^\s*([A-Za-z]+)/.exec(line);
  return m?.[1]?.toLowerCase();
}

function buildConfig(o: {
  port: number;
  host: string;
  dir: string;
  keys: readonly GeneratedKey[];
  opts: SshdOptions;
  version: [number, number] | undefined;
}): string {
  const extra = o.opts.config === undefined ? [] : typeof o.opts.config === 'string' ? o.opts.config.split('\n') : [...o.opts.config];
  const overridden = new Set<string>();
  for (const line of extra) {
    const k = keywordOf(line);
    if (k === 'match') break;
    if (k !== undefined) overridden.add(k);
  }
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const defaults: [string, string][] = [
    ...POLICY_DEFAULTS.map(([k, v]): [string, string] => [k, v]),
    ['AuthorizedKeysFile', join(o.dir, 'authorized_keys', '%u')],
    ['PasswordAuthentication', yn(o.opts.passwordAuthentication ?? false)],
    ['KbdInteractiveAuthentication', yn(o.opts.kbdInteractiveAuthentication ?? false)],
    ['PubkeyAuthentication', yn(o.opts.pubkeyAuthentication ?? true)],
  ];
  // OpenSSH >= 9.8 penalises source addresses after failed logins; every test
  // connects from 127.0.0.1, so one failing test would lock out the next.
  const [maj = 0, min = 0] = o.version ?? [];
  if (maj > 9 || (maj === 9 && min >= 8)) defaults.push(['PerSourcePenalties', 'no']);
  return [
    '# sshd_config written by test/helpers/sshd.ts',
    `Port ${o.port}`,
    `ListenAddress ${o.host}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    ...o.keys.map((k) => `HostKey ${k.path}`),
    ...defaults.filter(([k]) => !overridden.has(k.toLowerCase())).map(([k, v]) => `${k} ${v}`),
    ...(extra.length > 0 ? ['# caller config', ...extra] : []),
    '',
  ].join('\n');
}

/** One connect + read of the first line; true when it is an OpenSSH banner. */
function probeBannerLocal(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock: Socket = connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2_000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      if (buf.includes('\n') || buf.length > 255) done(buf.startsWith('SSH-2.0-OpenSSH_'));
    });
    sock.on('end', () => done(false));
  });
}

const BASH_PROBE = 'exec 3<>"/dev/tcp/$1/$2" || exit 1; IFS= read -r -t 2 line <&3; printf %s "$line"';

/** The same probe from inside a network namespace, with bash's /dev/tcp. */
async function probeBannerNetns(netns: string, host: string, port: number): Promise<boolean> {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host;
  const r = await run(['ip', 'netns', 'exec', netns, 'bash', '-c', BASH_PROBE, 'probe', h, String(port)], { timeoutMs: 4_000 });
  return r.code === 0 && r.stdout.startsWith('SSH-2.0-OpenSSH_');
}

class LogBuffer {
  private chunks: string[] = [];
  private size = 0;
  private dropped = false;
  private waiters = new Set<() => void>();
  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > LOG_CAP && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.dropped = true;
    }
    for (const w of this.waiters) w();
  }
  text(): string {
    const t = this.chunks.join('');
    this.chunks = [t];
    return this.dropped ? `[… earlier log dropped …]\n${t}` : t;
  }
  onChange(f: () => void): () => void {
    this.waiters.add(f);
    return () => this.waiters.delete(f);
  }
}

function tail(s: string, lines = 40): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts sshd and resolves once it answers with an OpenSSH banner. */
export async function startSshd(opts: SshdOptions = {}): Promise<SshdServer> {
  const sshd = findSshd();
  ensurePrivsepDir();
  const host = opts.host ?? '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'hop-sshd-'));
  registerDir(dir);
  try {
    // Readable by the users sshd reads authorized_keys as (it drops to the user first).
    await chmod(dir, 0o755);
    const akDir = join(dir, 'authorized_keys');
    await mkdir(akDir, { mode: 0o755 });
    await chmod(akDir, 0o755);
    const authorize = async (user: string, line: string): Promise<void> => {
      if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new RangeError(`authorize: bad user name ${JSON.stringify(user)}`);
      const path = join(akDir, user);
      await writeFile(path, line.trim() + '\n', { flag: 'a', mode: 0o644 });
      await chmod(path, 0o644);
    };
    for (const [user, lines] of Object.entries(opts.authorizedKeys ?? {})) {
      for (const l of typeof lines === 'string' ? [lines] : lines) await authorize(user, l);
    }
    const keys = await Promise.all(
      (opts.hostKeys ?? ALL_KEY_TYPES).map((t) => {
        const path = join(dir, `ssh_host_${t}_key`);
        return opts.freshHostKeys ? generateKey(t, path) : cachedKey(t, path);
      }),
    );
    const version = await sshdVersion(sshd);
    const configPath = join(dir, 'sshd_config');
    const attempts = opts.port === undefined && opts.netns === undefined ? 5 : 1;
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (opts.netns !== undefined ? 22 : await freePort(host === '0.0.0.0' ? '127.0.0.1' : host));
      await writeFile(configPath, buildConfig({ port, host, dir, keys, opts, version }), { mode: 0o644 });
      const started = await launch({ sshd, configPath, host, port, dir, keys, opts, authorize });
      if (started.ok) return started.server;
      if (!started.addressInUse || attempt >= attempts) throw new Error(started.message);
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    unregisterDir(dir);
    throw e;
  }
}

type LaunchResult = { ok: true; server: SshdServer } | { ok: false; addressInUse: boolean; message: string };

async function launch(a: {
  sshd: string;
  configPath: string;
  host: string;
  port: number;
  dir: string;
  keys: GeneratedKey[];
  opts: SshdOptions;
  authorize: (user: string, line: string) => Promise<void>;
}): Promise<LaunchResult> {
  const netns = a.opts.netns;
  const argv = [a.sshd, '-D', '-e', '-f', a.configPath];
  const [cmd, ...args] = netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new LogBuffer();
  child.stdout.setEncoding('utf8').on('data', (s: string) => log.push(s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => log.push(s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (e) => {
      log.push(`[spawn error: ${e.message}]\n`);
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  if (child.pid === undefined) {
    await exited;
    return { ok: false, addressInUse: false, message: `sshd: could not start ${cmd}: ${log.text()}` };
  }
  const pid = child.pid;
  registerPid(pid);
  // Never keep the test process alive for a server; the registry ends it at exit.
  child.unref();
  (child.stdout as Socket).unref();
  (child.stderr as Socket).unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const family = [...descendantsOf(pid), pid];
      signalAll(family, 'SIGTERM');
      const killer = setTimeout(() => signalAll(family, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
      for (let i = 0; i < 60 && family.some(isAlive); i++) {
        if (i === 30) signalAll(family, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 50));
      }
      unregisterPid(pid);
      await rm(a.dir, { recursive: true, force: true });
      unregisterDir(a.dir);
    })();
    return stopping;
  };

  const server: SshdServer = {
    host: a.host,
    port: a.port,
    pid,
    dir: a.dir,
    configPath: a.configPath,
    netns,
    hostKeys: a.keys,
    log: () => log.text(),
    waitForLog: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const find = (): string | undefined => {
          const t = log.text();
          if (typeof pattern === 'string') return t.includes(pattern) ? pattern : undefined;
          return pattern.exec(t)?.[0];
        };
        const now = find();
        if (now !== undefined) return resolve(now);
        const timer = setTimeout(() => {
          off();
          reject(new Error(`sshd log did not show ${String(pattern)} within ${timeoutMs} ms; log tail:\n${tail(log.text())}`));
        }, timeoutMs);
        const off = log.onChange(() => {
          const m = find();
          if (m === undefined) return;
          clearTimeout(timer);
          off();
          resolve(m);
        });
      }),
    authorize: a.authorize,
    exited,
    stop,
  };

  const timeoutMs = a.opts.startTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  for (;;) {
    const ok = netns === undefined ? await probeBannerLocal(a.host, a.port) : await probeBannerNetns(netns, a.host, a.port);
    if (ok) return { ok: true, server };
    if (hasExited) {
      const { code, signal } = await exited;
      unregisterPid(pid);
      const text = log.text();
      return {
        ok: false,
        addressInUse: /Address already in use/.test(text),
        message: `sshd exited (${code ?? signal}) before listening on ${a.host}:${a.port}${netns ? ` in netns ${netns}` : ''}; its stderr:\n${tail(text)}`,
      };
    }
    if (Date.now() > deadline) {
      const text = log.text();
      await stop().catch(() => {});
      return {
        ok: false,
        addressInUse: false,
        message: `sshd did not answer with an SSH-2.0-OpenSSH_ banner on ${a.host}:${a.port} within ${timeoutMs} ms; its stderr:\n${tail(text)}`,
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once none of these sshds has a connection process left (all sessions ended); rejects after `timeoutMs` naming the pids. */
export async function noSessionsLeft(servers: readonly SshdServer[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = servers.flatMap((s) => descendantsOf(s.pid));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`sshd sessions still running: ${left.join(' ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
