/**
 * Test hosts as Linux network namespaces wired by veth pairs, so a jump-host
 * test can prove the path: with the default routing a host reaches only the
 * hosts it shares a link with (client → jump → target: the client cannot
 * reach the target).
 *
 * Needs root and iproute2's `ip`. Addresses are 10.250.<link>.1 and .2 (/24)
 * and exist only inside the namespaces; nothing is added to the machine's own
 * network namespace, so no traffic can leave. Namespaces are named
 * `hop-<pid>-<n>-<host>` and deleted by teardown() or at process exit.
 */
import { inCI } from './openssh-binaries.ts';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';
import { deleteNetnsSync, registerNetns, unregisterNetns } from './cleanup.ts';
import { gatedDescribe, type GatedDescribe } from './openssh-binaries.ts';
import { run, runChecked, type RunOptions, type RunResult } from './run.ts';
import { startSshd, type SshdOptions, type SshdServer } from './sshd.ts';

export interface NetworkSpec {
  /** Host names (letters and digits, at most 20), one namespace each. */
  hosts: readonly string[];
  /** Point-to-point links; link i gets subnet 10.250.i.0/24 (first host .1, second .2). */
  links: readonly (readonly [string, string])[];
  /**
   * 'adjacent' (default): no routes and no forwarding, so only hosts sharing a
   * link reach each other. 'full': forwarding on and shortest-path routes, so
   * every host reaches every other.
   */
  routing?: 'adjacent' | 'full';
}

export interface TestNetwork {
  /** `hop-<pid>-<n>`: the prefix of every namespace of this network. */
  readonly prefix: string;
  /** The namespace name of `host`. */
  netns(host: string): string;
  /** `host`'s address on its link to `peer` (default: its first link). */
  address(host: string, peer?: string): string;
  /** `argv` prefixed to run inside `host` (`ip netns exec <ns> …`). */
  argv(host: string, argv: readonly string[]): string[];
  /** Runs a command inside `host` to completion. */
  exec(host: string, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Whether a TCP connection from inside `host` to address:port succeeds within `timeoutMs` (default 3 000). */
  canConnect(host: string, address: string, port: number, timeoutMs?: number): Promise<boolean>;
  /**
   * argv of a process, inside `host`, whose stdin/stdout are a TCP connection
   * to address:port (a ProxyCommand-style bridge made of bash's /dev/tcp and cat).
   */
  tcpBridgeArgv(host: string, address: string, port: number): string[];
  /** Starts sshd inside `host`, listening on all its addresses, port 22 unless given. `host` of the result is the host's first address. */
  startSshd(host: string, opts?: Omit<SshdOptions, 'netns' | 'host'>): Promise<SshdServer>;
  /** Stops the servers started through this network and deletes its namespaces. Idempotent. */
  teardown(): Promise<void>;
}

function hasIp(): boolean {
  for (const d of ['/usr/sbin', '/sbin', '/usr/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter)]) {
    try {
      accessSync(join(d, 'ip'), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** Whether namespaces can be made here: running as root with `ip` installed. */
export function netnsStatus(): { available: true } | { available: false; reason: string; notRoot: boolean } {
  if (process.platform !== 'linux') return { available: false, reason: 'network namespaces need Linux', notRoot: false };
  if (process.getuid?.() !== 0) return { available: false, reason: 'network namespaces need root', notRoot: true };
  if (!hasIp()) return { available: false, reason: "iproute2's `ip` is not installed", notRoot: false };
  return { available: true };
}

/**
 * A `describe` for suites that need {@link createTestNetwork}. Outside CI, not
 * being root or lacking `ip` skips with the reason; under CI=true it fails.
 */
export function requireNetns(): GatedDescribe {
  const s = netnsStatus();
  // Outside CI, not being root skips; under CI=true every unmet need fails the run.
  if (!s.available && s.notRoot && !inCI()) return (name, body) => describeSkip(name, body, s.reason);
  return gatedDescribe(s, 'network namespaces (root + iproute2)');
}

function describeSkip(name: string, body: () => void, reason: string): void {
  describe.skip(`${name} [skipped: ${reason}]`, body);
}

let networkCounter = 0;

/** Creates the namespaces and links of `spec`. Throws (after cleaning up) when that fails. */
export async function createTestNetwork(spec: NetworkSpec): Promise<TestNetwork> {
  const status = netnsStatus();
  if (!status.available) throw new Error(`createTestNetwork: ${status.reason}`);
  const hosts = [...spec.hosts];
  for (const h of hosts) if (!/^[A-Za-z0-9]{1,20}$/.test(h)) throw new RangeError(`createTestNetwork: bad host name ${JSON.stringify(h)}`);
  if (new Set(hosts).size !== hosts.length) throw new RangeError('createTestNetwork: duplicate host name');
  if (spec.links.length > 255) throw new RangeError('createTestNetwork: at most 255 links');
  for (const [a, b] of spec.links) {
    if (!hosts.includes(a) || !hosts.includes(b) || a === b) throw new RangeError(`createTestNetwork: bad link ${a}–${b}`);
  }

  const prefix = `hop-${process.pid}-${networkCounter++}`;
  const ns = (h: string): string => {
    if (!hosts.includes(h)) throw new RangeError(`unknown test host ${JSON.stringify(h)}`);
    return `${prefix}-${h}`;
  };
  const links = spec.links.map(([a, b], i) => ({ a, b, i, addrA: `10.250.${i}.1`, addrB: `10.250.${i}.2`, dev: `hl${i}` }));
  const created: string[] = [];
  const servers: SshdServer[] = [];
  const ip = (...args: string[]): Promise<string> => runChecked(['ip', ...args]);

  const address = (host: string, peer?: string): string => {
    ns(host);
    for (const l of links) {
      if (l.a === host && (peer === undefined || l.b === peer)) return l.addrA;
      if (l.b === host && (peer === undefined || l.a === peer)) return l.addrB;
    }
    throw new RangeError(peer === undefined ? `test host ${host} has no link` : `no link between ${host} and ${peer}`);
  };

  let tornDown: Promise<void> | undefined;
  const teardown = (): Promise<void> => {
    tornDown ??= (async () => {
      await Promise.allSettled(servers.map((s) => s.stop()));
      for (const n of created) {
        deleteNetnsSync(n);
        unregisterNetns(n);
      }
    })();
    return tornDown;
  };

  try {
    for (const h of hosts) {
      const name = ns(h);
      registerNetns(name); // before creating: an interrupted setup still gets cleaned
      await ip('netns', 'add', name);
      created.push(name);
      await ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    for (const l of links) {
      await ip('link', 'add', l.dev, 'netns', ns(l.a), 'type', 'veth', 'peer', 'name', l.dev, 'netns', ns(l.b));
      for (const [h, addr] of [[l.a, l.addrA], [l.b, l.addrB]] as const) {
        await ip('-n', ns(h), 'addr', 'add', `${addr}/24`, 'dev', l.dev);
        await ip('-n', ns(h), 'link', 'set', l.dev, 'up');
      }
    }
    if (spec.routing === 'full') await addRoutes(hosts, links, ns, ip);
  } catch (e) {
    await teardown();
    throw e;
  }

  const argv = (host: string, a: readonly string[]): string[] => ['ip', 'netns', 'exec', ns(host), ...a];
  return {
    prefix,
    netns: ns,
    address,
    argv,
    exec: (host, a, opts) => run(argv(host, a), opts),
    canConnect: async (host, addr, port, timeoutMs = 3_000) => {
      const r = await run(argv(host, ['bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'connect', addr, String(port)]), { timeoutMs });
      return r.code === 0;
    },
    tcpBridgeArgv: (host, addr, port) =>
      argv(host, ['bash', '-c', 'exec 3<>"/dev/tcp/$1/$2" || exit 1; cat <&3 & cat >&3; wait', 'bridge', addr, String(port)]),
    startSshd: async (host, opts = {}) => {
      const s = await startSshd({ ...opts, netns: ns(host), host: '0.0.0.0', port: opts.port ?? 22 });
      servers.push(s);
      return { ...s, host: address(host) };
    },
    teardown,
  };
}

/** Turns on forwarding everywhere and adds, per host, a route to every subnet it is not on, via the BFS next hop. */
async function addRoutes(
  hosts: readonly string[],
  links: readonly { a: string; b: string; i: number; addrA: string; addrB: string }[],
  ns: (h: string) => string,
  ip: (...args: string[]) => Promise<string>,
): Promise<void> {
  const neighbours = new Map<string, { peer: string; peerAddr: string }[]>(hosts.map((h) => [h, []]));
  for (const l of links) {
    neighbours.get(l.a)!.push({ peer: l.b, peerAddr: l.addrB });
    neighbours.get(l.b)!.push({ peer: l.a, peerAddr: l.addrA });
  }
  for (const h of hosts) {
    await runChecked(['ip', 'netns', 'exec', ns(h), 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    // BFS: for each reachable host, the gateway (first hop's address) from h.
    const via = new Map<string, string>([[h, '']]);
    const queue = [h];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const { peer, peerAddr } of neighbours.get(cur)!) {
        if (via.has(peer)) continue;
        via.set(peer, cur === h ? peerAddr : via.get(cur)!);
        queue.push(peer);
      }
    }
    for (const l of links) {
      if (l.a === h || l.b === h) continue;
      const gw = via.get(l.a) ?? via.get(l.b);
      if (gw === undefined || gw === '') continue; // unreachable component
      // The nearer endpoint decides the hop; both give a valid gateway on a shortest path tree.
      await ip('-n', ns(h), 'route', 'add', `10.250.${l.i}.0/24`, 'via', gw);
    }
  }
}
