/**
 * The peers the relay benchmark compares, each run as its own process (tree)
 * in the client namespace:
 *
 *   ssh             OpenSSH's `ssh -J` (Debian's); -J spawns one more ssh per jump host
 *   ssh2-native     the ssh2 npm package, with its optional native binding (ssh2-peer.cjs)
 *   ssh2-js         the same with the binding made unloadable (no-native.cjs): its pure-JS path
 *   hopssh          hopssh's library, default providers (hopssh-peer.ts)
 *   hopssh-noble    hopssh's library with `crypto: 'noble'` on every hop
 *   hopssh-program  the hopssh program, `hopssh -F config -J … target command` (default
 *                   providers: the program has no option to force noble)
 *
 * hopssh runs compiled (build.ts), as ssh2 runs: plain `node`; with
 * `--source`, from TypeScript through tsx (bin/hopssh.js in a clone without
 * a build).
 *
 * ssh and the program get an ssh_config (-F) holding the algorithms, key and
 * known_hosts for every host, as -J needs; the libraries the same in their
 * own options.
 */
import { fileURLToPath } from 'node:url';
import { findSsh } from '../../test/helpers/openssh-binaries.ts';
import { HOPSSH_BIN } from '../../test/helpers/hopssh-cli.ts';
import type { HopsshBuild } from './build.ts';
import { HOST_KEY_ALGORITHM, KEX, type CipherCase, type Hosts, type Route } from './hosts.ts';
import type { PeerSpec } from './peer-spec.ts';
import { cpuProfArgs } from './profile.ts';

export const PEER_NAMES = ['ssh', 'ssh2-native', 'ssh2-js', 'hopssh', 'hopssh-noble', 'hopssh-program'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export const PEER_LABELS: Record<PeerName, string> = {
  ssh: 'OpenSSH ssh -J',
  'ssh2-native': 'ssh2 (native)',
  'ssh2-js': 'ssh2 (pure JS)',
  hopssh: 'hopssh library',
  'hopssh-noble': 'hopssh library, noble',
  'hopssh-program': 'hopssh program',
};

/** Peers whose setup time is measured inside the process (connect + exec), not as a whole program run. */
export const isLibrary = (p: PeerName): boolean => p !== 'ssh' && p !== 'hopssh-program';

/**
 * Why a peer cannot run a case, or undefined. ssh2's pure-JS
 * chacha20-poly1305 (ChaChaPolyCipherNative, ssh2 1.17) keeps its nonce in a
 * module-wide buffer and hands each piece of a packet to the socket while
 * sealing it: when that socket is a forwardOut channel of another ssh2
 * connection sealing with the same code, the outer packet is sealed in the
 * middle and overwrites the inner one's nonce, so the target's sshd sees a
 * corrupted MAC on the first encrypted packet and drops the connection.
 */
export function unsupported(peer: PeerName, hops: number, cipher: CipherCase): string | undefined {
  if (peer === 'ssh2-js' && hops > 0 && cipher.name === 'chacha20-poly1305') {
    return "ssh2's pure-JS chacha20-poly1305 cannot be nested (its sealing is re-entered by the outer connection's and shares one nonce buffer): the target drops the connection";
  }
  return undefined;
}

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const SSH2_PEER = here('./ssh2-peer.cjs');
const NO_NATIVE = here('./no-native.cjs');
const HOPSSH_PEER = here('./hopssh-peer.ts');
const TSX = import.meta.resolve('tsx');

export interface PeerRun {
  peer: PeerName;
  route: Route;
  cipher: CipherCase;
  command: string;
  mode: 'setup' | 'stdio';
  /** For library peers: where they write their report. */
  report: string;
  rssTrace?: boolean;
  /** hopssh library peers: profile the run (node --cpu-prof) into this directory (profile.ts). */
  cpuProf?: string;
}

/** The argv that runs `r.peer` for one transfer or setup; hopssh from `build`, or through tsx from source without one. */
export function peerArgv(hosts: Hosts, build: HopsshBuild | undefined, r: PeerRun): string[] {
  const { route, cipher } = r;
  if (r.peer === 'ssh' || r.peer === 'hopssh-program') {
    const program = r.peer === 'ssh' ? [findSsh()] : [process.execPath, build?.program ?? HOPSSH_BIN];
    const jumps = route.jumps.map((j) => `${hosts.user}@${j.host}:${j.port}`).join(',');
    return [...program, '-F', hosts.sshConfig(cipher), ...(jumps ? ['-J', jumps] : []), '-p', String(route.target.port), `${hosts.user}@${route.target.host}`, r.command];
  }
  const spec: PeerSpec = {
    jumps: route.jumps,
    target: route.target,
    user: hosts.user,
    keyFile: hosts.keyFile,
    knownHosts: hosts.knownHosts,
    kex: KEX,
    hostKeyAlgorithm: HOST_KEY_ALGORITHM,
    cipher: cipher.cipher,
    mac: cipher.mac,
    command: r.command,
    mode: r.mode,
    report: r.report,
    ...(r.rssTrace && { rssTrace: true }),
  };
  switch (r.peer) {
    case 'ssh2-native':
      return [process.execPath, SSH2_PEER, JSON.stringify({ ...spec, native: true })];
    case 'ssh2-js':
      return [process.execPath, '--require', NO_NATIVE, SSH2_PEER, JSON.stringify({ ...spec, native: false })];
    case 'hopssh':
    case 'hopssh-noble': {
      const json = JSON.stringify(r.peer === 'hopssh' ? spec : { ...spec, crypto: 'noble' });
      // RELAY_NODE_ARGS='--trace-gc …': node options for every hopssh library-peer run (--profile profiles one run per case).
      const prof = [...(r.cpuProf ? cpuProfArgs(r.cpuProf) : []), ...(process.env.RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
      return build ? [process.execPath, ...prof, build.libraryPeer, json] : [process.execPath, ...prof, '--import', TSX, HOPSSH_PEER, json];
    }
  }
}
