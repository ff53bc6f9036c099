/**
 * Routes through the jump-host test topology (jump-hosts.ts), as plain data
 * a process inside the client's namespace can take: for 0 to 3 jump hosts,
 * the arguments of OpenSSH's `ssh -J` (a throwaway ssh_config) and hopssh's
 * connect() options for the same hosts, keys, known_hosts and algorithms.
 *
 * 0 hops is jump1 itself as the target (the only host the client reaches);
 * n ≥ 1 hops is the target through jump1 … jump<n>.
 */
import type { ConnectOptions } from '../../src/jump/client.ts';
import type { ChainRuntime } from '../../src/jump/chain.ts';

/** One host as reached from the host before it. */
export interface RouteHost {
  /** Its alias in the ssh_config. */
  alias: string;
  /** Its address from the host before it. */
  host: string;
  /** The user key it authorizes (openssh-key-v1, unencrypted). */
  identityFile: string;
}

export interface Route {
  hops: number;
  jumps: RouteHost[];
  target: RouteHost;
}

export interface JumpRoutes {
  /** ssh_config for `ssh -F`: one Host block per alias, then the shared settings. */
  sshConfig: string;
  knownHosts: string;
  /** KexAlgorithms / the kex both clients are pinned to. */
  kex: string;
  /** HostKeyAlgorithms of both (every host has an Ed25519 key only). */
  hostKeyAlgorithm: string;
  /** routes[n]: through n jump hosts. */
  routes: Route[];
}

/** `ssh` arguments before the remote command: `-F <config> [-J jump1,…] <target>`. */
export function sshArgs(r: JumpRoutes, route: Route): string[] {
  const jump = route.jumps.length > 0 ? ['-J', route.jumps.map((j) => j.alias).join(',')] : [];
  return ['-F', r.sshConfig, ...jump, route.target.alias];
}

/** connect() options for `route`, as root with each host's own key and the shared known_hosts. */
export function hopsshOptions(r: JumpRoutes, route: Route, runtime: Required<Pick<ChainRuntime, 'network' | 'fs'>>, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    host: route.target.host,
    username: 'root',
    identityFiles: [route.target.identityFile],
    knownHosts: { files: [r.knownHosts], globalFiles: [], strict: 'yes' },
    algorithms: { kex: [r.kex], hostKeyAlgorithms: [r.hostKeyAlgorithm] },
    jump: route.jumps.map((j) => ({ host: j.host, identityFiles: [j.identityFile] })),
    ...runtime,
    ...extra,
  };
}
