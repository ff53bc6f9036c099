/**
 * The relay benchmark's test hosts: network namespaces (test/helpers/netns.ts)
 *
 *   client ── jump1 ── jump2
 *     │         │        │
 *     └───── target ─────┘
 *
 * OpenSSH's sshd on port 22 of jump1, jump2 and target, and hopssh's own
 * server (jump-server.ts) on port 2022 of jump1 and jump2. Only adjacent
 * hosts reach each other: the client reaches the target directly (0 hops)
 * only at the target's address on their own link; through 1 or 2 jump hosts
 * it names the target by its address on the last jump host's link, which it
 * cannot reach itself, so a peer that skipped a hop would fail.
 *
 * One user key for every host; the target account is a plain one
 * (`hopbench`, as bench:channels: root's shell start-up here runs pyenv's
 * init on every session), root where accounts cannot be made. Every host key
 * is in one known_hosts file, under the address (and port) the hop before
 * reaches it at; each client is made to check it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestNetwork, type SshdServer, type TestNetwork } from '../../test/helpers/openssh.ts';
import { registerDir, registerPid, unregisterPid } from '../../test/helpers/cleanup.ts';
import { generateKey } from '../../test/helpers/keygen.ts';
import { ensureTestUser } from '../../test/helpers/test-user.ts';
import { writeStreamFile } from './data.ts';
import type { Endpoint } from './peer-spec.ts';

export type JumpServer = 'sshd' | 'hopssh';
export const HOPSSH_JUMP_PORT = 2022;
const BENCH_USER = 'hopbench';
const JUMP_SERVER = fileURLToPath(new URL('./jump-server.ts', import.meta.url));

export type { Endpoint };

export interface Route {
  hops: number;
  jumpServer: JumpServer;
  jumps: readonly Endpoint[];
  target: Endpoint;
  /** "0 hops", "2 hops (sshd)", "1 hop (hopssh server)". */
  label: string;
}

export interface CipherCase {
  cipher: string;
  /** Given for the non-AEAD ciphers only. */
  mac: string | undefined;
  /** Short name used in flags and tables. */
  name: string;
}

export const KEX = 'curve25519-sha256';
export const HOST_KEY_ALGORITHM = 'ssh-ed25519';

export interface Hosts {
  readonly net: TestNetwork;
  readonly clientNetns: string;
  readonly user: string;
  readonly keyFile: string;
  readonly knownHosts: string;
  readonly dir: string;
  route(hops: number, jumpServer: JumpServer): Route;
  /** An ssh_config (-F) for ssh and the hopssh program: every host with this cipher, the kex, the key, known_hosts, no agent, BatchMode. */
  sshConfig(c: CipherCase): string;
  /** The stream file of `size` bytes, readable by the target account. */
  dataFile(size: number): string;
  teardown(): Promise<void>;
}

interface HopsshJumpServer {
  hostKey: string;
  stop(): void;
}

/** Starts jump-server.ts inside `host` and waits for its "ready" line. */
async function startHopsshJump(net: TestNetwork, host: string, authorized: string): Promise<HopsshJumpServer> {
  const argv = net.argv(host, [process.execPath, '--import', 'tsx', JUMP_SERVER, String(HOPSSH_JUMP_PORT), authorized]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  registerPid(child.pid!);
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
  const hostKey = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^ready (.+)\n/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`hopssh jump server in ${host} exited (${code}): ${err}`)));
  });
  return {
    hostKey,
    stop: () => {
      child.kill('SIGKILL');
      unregisterPid(child.pid!);
    },
  };
}

/** Builds the namespaces and starts every server. */
export async function startHosts(): Promise<Hosts> {
  const dir = mkdtempSync(join(tmpdir(), 'hop-relay-'));
  registerDir(dir);
  chmodSync(dir, 0o755); // the target account reads the stream files here
  const net = await createTestNetwork({
    hosts: ['client', 'jump1', 'jump2', 'target'],
    links: [
      ['client', 'jump1'],
      ['jump1', 'jump2'],
      ['jump1', 'target'],
      ['jump2', 'target'],
      ['client', 'target'],
    ],
  });
  const hopsshJumps: HopsshJumpServer[] = [];
  const teardown = async (): Promise<void> => {
    for (const j of hopsshJumps) j.stop();
    await net.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const account = await ensureTestUser(BENCH_USER, `hop-${process.pid}-${Date.now()}`);
    const user = account.ok ? account.name : 'root';
    const key = await generateKey('ed25519', join(dir, 'id_ed25519'));
    // Every algorithm the matrix uses is in sshd's defaults; LogLevel ERROR keeps per-channel debug out of the way.
    const sshd = {} as Record<'jump1' | 'jump2' | 'target', SshdServer>;
    for (const h of ['jump1', 'jump2', 'target'] as const) {
      sshd[h] = await net.startSshd(h, { hostKeys: ['ed25519'], freshHostKeys: true, config: ['LogLevel ERROR', 'MaxStartups 100', 'MaxSessions 64'] });
      await sshd[h].authorize(user, key.publicKeyLine);
    }
    for (const h of ['jump1', 'jump2']) hopsshJumps.push(await startHopsshJump(net, h, key.publicKeyLine));

    const sshdKey = (h: keyof typeof sshd): string => sshd[h].hostKeys[0]!.publicKeyLine;
    const jumpEndpoint = (i: number, server: JumpServer): Endpoint => {
      const host = i === 0 ? net.address('jump1', 'client') : net.address('jump2', 'jump1');
      return server === 'sshd'
        ? { host, port: 22, hostKey: sshdKey(i === 0 ? 'jump1' : 'jump2') }
        : { host, port: HOPSSH_JUMP_PORT, hostKey: hopsshJumps[i]!.hostKey };
    };
    const targetFrom = (from: 'client' | 'jump1' | 'jump2'): Endpoint => ({ host: net.address('target', from), port: 22, hostKey: sshdKey('target') });
    const endpoints: Endpoint[] = [
      jumpEndpoint(0, 'sshd'),
      jumpEndpoint(1, 'sshd'),
      jumpEndpoint(0, 'hopssh'),
      jumpEndpoint(1, 'hopssh'),
      targetFrom('client'),
      targetFrom('jump1'),
      targetFrom('jump2'),
    ];
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, endpoints.map((e) => `${e.port === 22 ? e.host : `[${e.host}]:${e.port}`} ${e.hostKey}\n`).join(''));

    const configs = new Map<string, string>();
    const dataFiles = new Map<number, string>();
    return {
      net,
      clientNetns: net.netns('client'),
      user,
      keyFile: key.path,
      knownHosts,
      dir,
      route: (hops, jumpServer) => {
        if (hops < 0 || hops > 2) throw new RangeError(`routes have 0, 1 or 2 hops, not ${hops}`);
        const jumps = Array.from({ length: hops }, (_, i) => jumpEndpoint(i, jumpServer));
        const target = targetFrom(hops === 0 ? 'client' : hops === 1 ? 'jump1' : 'jump2');
        const label = hops === 0 ? '0 hops' : `${hops} hop${hops > 1 ? 's' : ''} (${jumpServer === 'sshd' ? 'sshd' : 'hopssh server'})`;
        return { hops, jumpServer: hops === 0 ? 'sshd' : jumpServer, jumps, target, label };
      },
      sshConfig: (c) => {
        let path = configs.get(c.name);
        if (path === undefined) {
          path = join(dir, `ssh_config-${c.name}`);
          const lines = [
            'Host *',
            `  User ${user}`,
            `  IdentityFile ${key.path}`,
            '  IdentitiesOnly yes',
            '  IdentityAgent none',
            `  UserKnownHostsFile ${knownHosts}`,
            '  GlobalKnownHostsFile /dev/null',
            '  StrictHostKeyChecking yes',
            '  BatchMode yes',
            `  KexAlgorithms ${KEX}`,
            `  HostKeyAlgorithms ${HOST_KEY_ALGORITHM}`,
            `  Ciphers ${c.cipher}`,
            ...(c.mac ? [`  MACs ${c.mac}`] : []),
            '  LogLevel ERROR',
            '',
          ];
          writeFileSync(path, lines.join('\n'));
          configs.set(c.name, path);
        }
        return path;
      },
      dataFile: (size) => {
        let path = dataFiles.get(size);
        if (path === undefined) {
          path = join(dir, `stream-${size}`);
          writeStreamFile(path, size);
          dataFiles.set(size, path);
        }
        return path;
      },
      teardown,
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}
