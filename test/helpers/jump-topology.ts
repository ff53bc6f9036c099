/**
 * The jump-host topology of the interop tests, in network namespaces
 * (netns.ts), each host running OpenSSH's sshd:
 *
 *   client ── jump1 ── jump2 ── jump3
 *               └──── target ────┘ (target linked to each jump host)
 *
 * The client reaches jump1 only. Each sshd authorizes one user key of its
 * own (root), written to `<dir>/id_<host>` too; `knownHosts` holds every
 * host key under the address it is reached at from the host before it.
 * `chain(n)` is the target through the first n jump hosts, each hop with its
 * own key, checked against `knownHosts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestNetwork, type SshdServer, type TestNetwork } from './openssh.ts';
import { registerDir } from './cleanup.ts';
import { netnsNetwork } from './netns-network.ts';
import type { ConnectOptions } from '../../src/jump/client.ts';
import type { HopOptions } from '../../src/jump/hop.ts';
import type { Network } from '../../src/io/network.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import { serializePrivateKey, type PrivateKey } from '../../src/auth/private-key.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { toBase64 } from '../../src/wire/base64.ts';

export const HOSTS = ['jump1', 'jump2', 'jump3', 'target'] as const;
export type Host = (typeof HOSTS)[number];
export const JUMP_HOSTS = ['jump1', 'jump2', 'jump3'] as const;

export interface JumpTopology {
  readonly net: TestNetwork;
  /** The client's network: TCP connections from inside the client namespace. */
  readonly clientNet: Network & { close(): Promise<void> };
  readonly sshd: Readonly<Record<Host, SshdServer>>;
  /** One user key per host; each sshd authorizes only its own. */
  readonly keys: Readonly<Record<Host, SigningKey>>;
  /** The same keys as openssh-key-v1 files (0600). */
  readonly keyFile: Readonly<Record<Host, string>>;
  /** A scratch directory, removed by teardown(). */
  readonly dir: string;
  /** known_hosts with every host's key, under the addresses the chains use. */
  readonly knownHosts: string;
  /** Where each host is reached from the host before it. */
  readonly addr: {
    jump1(): string;
    jump2(): string;
    jump3(): string;
    targetFrom(jump: Host): string;
  };
  /** A jump host as a hop, with its own key. */
  hop(h: Host, extra?: Partial<HopOptions>): HopOptions;
  /** The target through the first `n` jump hosts, as root, each hop with its own key and the shared known_hosts. */
  chain(n: number, extra?: Partial<ConnectOptions>): ConnectOptions;
  teardown(): Promise<void>;
}

/** Builds the namespaces, starts the sshds (`sshdConfig` added to each one's configuration) and writes keys and known_hosts. */
export async function startJumpTopology(opts: { sshdConfig?: readonly string[] } = {}): Promise<JumpTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'hop-jumps-'));
  registerDir(dir);
  const net = await createTestNetwork({
    hosts: ['client', ...HOSTS],
    links: [
      ['client', 'jump1'],
      ['jump1', 'jump2'],
      ['jump2', 'jump3'],
      ['jump1', 'target'],
      ['jump2', 'target'],
      ['jump3', 'target'],
    ],
  });
  let clientNet: (Network & { close(): Promise<void> }) | undefined;
  const teardown = async (): Promise<void> => {
    await clientNet?.close();
    await net.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const config = ['LogLevel VERBOSE', 'AllowTcpForwarding yes', ...(opts.sshdConfig ?? [])];
    const servers = await Promise.all(HOSTS.map((h) => net.startSshd(h, { hostKeys: ['ed25519'], freshHostKeys: true, config })));
    const sshd = Object.fromEntries(HOSTS.map((h, i) => [h, servers[i]!])) as Record<Host, SshdServer>;
    const keys = {} as Record<Host, SigningKey>;
    const keyFile = {} as Record<Host, string>;
    for (const h of HOSTS) {
      keys[h] = generateSigningKey('ssh-ed25519');
      await sshd[h].authorize('root', `ssh-ed25519 ${toBase64(keys[h].publicBlob)} ${h}-key`);
      keyFile[h] = join(dir, `id_${h}`);
      writeFileSync(keyFile[h], serializePrivateKey(keys[h] as PrivateKey), { mode: 0o600 });
    }
    const addr = {
      jump1: () => net.address('jump1', 'client'),
      jump2: () => net.address('jump2', 'jump1'),
      jump3: () => net.address('jump3', 'jump2'),
      targetFrom: (jump: Host) => net.address('target', jump),
    };
    const knownHosts = join(dir, 'known_hosts');
    const line = (host: string, s: SshdServer): string => `${host} ${s.hostKeys[0]!.publicKeyLine}`;
    writeFileSync(
      knownHosts,
      [
        line(addr.jump1(), sshd.jump1),
        line(addr.jump2(), sshd.jump2),
        line(addr.jump3(), sshd.jump3),
        ...JUMP_HOSTS.map((j) => line(addr.targetFrom(j), sshd.target)),
        '',
      ].join('\n'),
    );
    clientNet = await netnsNetwork(net, 'client');
    const cn = clientNet;
    const hop = (h: Host, extra: Partial<HopOptions> = {}): HopOptions => ({
      host: h === 'jump1' ? addr.jump1() : h === 'jump2' ? addr.jump2() : addr.jump3(),
      credentials: [{ type: 'publickey', key: keys[h] }],
      ...extra,
    });
    const chain = (n: number, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
      host: n === 0 ? addr.targetFrom('jump1') : addr.targetFrom(HOSTS[n - 1]!),
      username: 'root',
      credentials: [{ type: 'publickey', key: keys.target }],
      knownHosts: { files: [knownHosts], globalFiles: [] },
      network: cn,
      fs: nodeFileSystem,
      jump: JUMP_HOSTS.slice(0, n).map((h) => hop(h)),
      ...extra,
    });
    return { net, clientNet: cn, sshd, keys, keyFile, dir, knownHosts, addr, hop, chain, teardown };
  } catch (e) {
    await teardown();
    throw e;
  }
}
