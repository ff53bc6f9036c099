/**
 * The jump-host topology of the interop tests (test/helpers/jump-topology.ts:
 * client → jump1 → jump2 → jump3, target beside each, every host its own
 * network namespace running OpenSSH's sshd with an Ed25519 host key) with
 * what a bench needs on top: an ssh_config for `ssh -J` and the routes
 * (jump-routes.ts) for 0–3 hops.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJumpTopology, JUMP_HOSTS, type JumpTopology } from '../../test/helpers/jump-topology.ts';
import type { JumpRoutes, Route, RouteHost } from './jump-routes.ts';

export interface BenchHosts {
  readonly topology: JumpTopology;
  readonly routes: JumpRoutes;
  teardown(): Promise<void>;
}

export interface BenchHostsOptions {
  /** The kex both clients are pinned to. Default curve25519-sha256. */
  kex?: string;
  /** Extra sshd_config lines for every host. */
  sshdConfig?: readonly string[];
}

/** Settings of every `ssh` the bench runs: nothing from the machine, no multiplexing, batch mode. */
function sharedSshConfig(knownHosts: string, kex: string, hostKeyAlgorithm: string): string[] {
  return [
    'Host *',
    '  User root',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
    '  BatchMode yes',
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    '  ControlMaster no',
    '  ControlPath none',
    '  ConnectTimeout 10',
    `  KexAlgorithms ${kex}`,
    `  HostKeyAlgorithms ${hostKeyAlgorithm}`,
    '  LogLevel ERROR',
  ];
}

export async function startBenchHosts(opts: BenchHostsOptions = {}): Promise<BenchHosts> {
  const kex = opts.kex ?? 'curve25519-sha256';
  const hostKeyAlgorithm = 'ssh-ed25519';
  const topology = await startJumpTopology({ sshdConfig: opts.sshdConfig });
  const { addr, keyFile, dir, knownHosts } = topology;
  const jumpHosts: RouteHost[] = JUMP_HOSTS.map((h) => ({ alias: h, host: addr[h](), identityFile: keyFile[h] }));
  const targets: RouteHost[] = JUMP_HOSTS.map((j) => ({ alias: `target-via-${j}`, host: addr.targetFrom(j), identityFile: keyFile.target }));
  const routes: Route[] = [{ hops: 0, jumps: [], target: jumpHosts[0]! }];
  for (let n = 1; n <= JUMP_HOSTS.length; n++) routes.push({ hops: n, jumps: jumpHosts.slice(0, n), target: targets[n - 1]! });
  const sshConfig = join(dir, 'ssh_config');
  const blocks = [...jumpHosts, ...targets].flatMap((h) => [`Host ${h.alias}`, `  HostName ${h.host}`, `  IdentityFile ${h.identityFile}`]);
  writeFileSync(sshConfig, [...blocks, ...sharedSshConfig(knownHosts, kex, hostKeyAlgorithm), ''].join('\n'));
  return { topology, routes: { sshConfig, knownHosts, kex, hostKeyAlgorithm, routes }, teardown: () => topology.teardown() };
}
