/** The relay benchmark's results as Markdown (bench/results/relay.md); the samples go to relay.json as they are. */
import type { JumpServer } from './hosts.ts';
import { FULL, type Direction, type Options } from './options.ts';
import { PEER_LABELS, isLibrary, type PeerName } from './peers.ts';
import type { BenchEnvironment } from '../lib/environment.ts';
import { fmtSpread, median, spread } from '../lib/stats.ts';
import { CATEGORIES, CATEGORY_LABELS, type CategoryTimes } from './profile-categories.ts';
import { CPU_PROF_INTERVAL_US } from './profile.ts';

export interface Meta extends BenchEnvironment {
  kernel: string;
  ssh2: string;
  loadAtEnd: number;
  /** The flags of the run (re-parsed by --render). */
  argv: string[];
  options: Record<string, unknown>;
  user: string;
  seconds: number;
}

export interface SetupSample {
  route: string;
  hops: number;
  jumpServer: JumpServer;
  peer: PeerName;
  /** Seconds, the whole program. */
  wall: number;
  /** Libraries: connect through every hop + exec `true` + exit status, inside the process. */
  inProcessMs: number | undefined;
  cpu: number;
  peakRss: number;
}

export interface TransferSample {
  route: string;
  hops: number;
  jumpServer: JumpServer;
  cipher: string;
  dir: Direction;
  peer: PeerName;
  bytes: number;
  transfer: number;
  transferBytes: number;
  wall: number;
  cpu: number;
  peakRss: number;
  processes: Record<string, number>;
  implementation: string | undefined;
}

export interface RssCheck {
  route: string;
  cipher: string;
  bytes: number;
  runs: {
    dir: Direction;
    peakRssTree: number;
    peakRssProcess: number;
    trace: [bytes: number, rss: number][];
    mbPerSec: number;
    processes: Record<string, number>;
  }[];
}

/** --profile: one profiled transfer (profile.ts), its self time by category within the relay window; cpu as a timed run's. */
export interface ProfileSample extends CategoryTimes, Pick<TransferSample, 'route' | 'hops' | 'jumpServer' | 'cipher' | 'dir' | 'peer' | 'bytes' | 'cpu'> {
  /** The profiled run's rate (the profiler slows it: the timed runs are the measurement). */
  mbPerSec: number;
  /** Threads that wrote a profile (1: everything on the main thread). */
  threads: number;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Ratios the issue sets targets for: [numerator, denominator, column title]. */
const RATIOS: [PeerName, PeerName, string][] = [
  ['hopssh', 'ssh', 'hopssh / ssh'],
  ['hopssh', 'ssh2-native', 'hopssh / ssh2 native'],
  ['hopssh', 'ssh2-js', 'hopssh / ssh2 JS'],
  ['hopssh-noble', 'ssh2-js', 'noble / ssh2 JS'],
  ['hopssh-program', 'ssh', 'program / ssh'],
];

function table(head: string[], rows: string[][], rightFrom: number): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i >= rightFrom ? '---:' : '---')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '' : `${(a / b).toFixed(2)}×`);

export function writeReport(
  meta: Meta,
  opts: Options,
  setups: readonly SetupSample[],
  transfers: readonly TransferSample[],
  rss: RssCheck | undefined,
  skipped: ReadonlyMap<string, string>,
  profiles: readonly ProfileSample[] = [],
): string {
  const peers = opts.peers;
  const ratios = RATIOS.filter(([a, b]) => peers.includes(a) && peers.includes(b));
  const routes = [...new Set([...setups.map((s) => s.route), ...transfers.map((t) => t.route)])];
  const md: string[] = ['# Relay through jump hosts: hopssh vs OpenSSH `ssh -J` vs ssh2', ''];
  if (opts.reduced) {
    md.push(
      `**Reduced run** — ${opts.size / MiB} MiB per transfer, ${opts.reps} rep(s), ${opts.setupReps} setup rep(s), memory check ${opts.rssSize / MiB} MiB` +
        ` (the issue's full run: ${FULL.size / MiB} MiB, ${FULL.reps} reps, ${FULL.setupReps} setup reps, ${FULL.rssSize / MiB} MiB, every peer, cipher and route).` +
        ' It shows the format and that every path works; its figures are not the measurement.',
      '',
    );
  }
  md.push(
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC · \`uname -m\` ${meta.machine} · ${meta.cores} cores (${meta.cpu}) · Linux ${meta.kernel} · Node ${meta.node} · ${meta.openssh} · ssh2 ${meta.ssh2} · ` +
      `load average ${meta.loadAtStart} at the start, ${meta.loadAtEnd} at the end · ${Math.round(meta.seconds / 60)} min`,
    '',
    'Shared, noisy 2-core machine: compare peers within a row (interleaved in the same run, order rotating each repetition), not absolute rates.',
    '',
    '**Hosts.** Network namespaces client, jump1, jump2, target wired by veth; OpenSSH `sshd` on each (LogLevel ERROR), and hopssh\'s own server',
    '(`bench/relay/jump-server.ts`: userauth + direct-tcpip forwarding) as the alternative jump hosts. The client names the target by an address only',
    `the last jump host reaches. Every hop: kex curve25519-sha256, ssh-ed25519 host key checked against known_hosts, one ed25519 user key; target account \`${meta.user}\`.`,
    '',
    '**Peers**, each its own process tree in the client namespace: ' +
      peers.map((p) => `${PEER_LABELS[p]}`).join(', ') +
      '. ssh and the hopssh program get an ssh_config (`-F`) with the algorithms for every host (with `-J` the jump ssh processes read it too);',
    'the libraries the same in code — ssh2 chains hops with `forwardOut` + `sock`; its pure-JS run has the native binding made unloadable',
    '(`--require bench/relay/no-native.cjs`; each ssh2 run asserts which path it ran). The hopssh program has no option to force noble, so',
    '`crypto: \'noble\'` is measured with the library only. ' +
      (opts.source
        ? 'hopssh runs from TypeScript through tsx (`--source`: as bin/hopssh.js in a clone without a build).'
        : 'hopssh runs built first, as `npm run build` does (plain `node`; through tsx every process would pay ~0.3 s of CPU and ~35 MiB more): the program is the bundle bin/hopssh.js runs, the library peer imports the tsc output.'),
    '',
    `**Transfers.** download = \`cat FILE\` on the target (${opts.size / MiB} MiB of an AES-CTR keystream), the peer's stdout compared byte for byte with the`,
    'expected stream as it arrives; upload = the stream into the peer\'s stdin, `cmp - FILE` on the target (exit 0 only when identical and',
    'complete). MB/s = 10^6 bytes/s of the transfer itself: download from first byte to end of output, upload from the peer taking data (past',
    'the pipe\'s buffers) to its exit; median (min–max). CPU = user + system seconds of the client\'s whole process tree (exact, from a PID',
    'namespace whose init reaps everything: ssh -J\'s extra ssh per jump counted) minus the median of that peer\'s setup runs on the route, per GiB.',
    'Peak RSS = sum of the tree\'s processes\' VmHWM (sampled every 100 ms), MiB, largest over the repetitions.',
    '',
  );

  // ------------------------------------------------------------ setup latency
  const setupOf = (route: string, peer: PeerName): SetupSample[] => setups.filter((s) => s.route === route && s.peer === peer);
  const latency = (s: SetupSample): number => s.inProcessMs ?? s.wall * 1000;
  if (setups.length > 0) {
    md.push(
      `## Setup latency (connect through every hop + exec \`true\`), ms, median (min–max) of ${opts.setupReps}`,
      '',
      'ssh and the hopssh program: the whole program run. Libraries: from `connect` to the exit status, timed inside the process — its first',
      'connection (cold JIT, first use of each algorithm); the whole process, with Node\'s start-up and module loading, is in the next table.',
      '',
    );
    const rows = routes
      .filter((r) => setups.some((s) => s.route === r))
      .map((r) => {
        const med = (p: PeerName): number | undefined => (setupOf(r, p).length ? median(setupOf(r, p).map(latency)) : undefined);
        return [
          r,
          ...peers.map((p) => (setupOf(r, p).length ? fmtSpread(spread(setupOf(r, p).map(latency), 1), 0) : '')),
          ratio(med('hopssh'), med('ssh')),
          ratio(med('hopssh-program'), med('ssh')),
        ];
      });
    md.push(...table(['route', ...peers.map((p) => PEER_LABELS[p]), 'hopssh / ssh', 'program / ssh'], rows, 1), '');
    md.push('Whole process per setup run: wall ms · CPU ms · peak RSS MiB (medians).', '');
    const rows2 = routes
      .filter((r) => setups.some((s) => s.route === r))
      .map((r) => [
        r,
        ...peers.map((p) => {
          const xs = setupOf(r, p);
          if (xs.length === 0) return '';
          return `${median(xs.map((s) => s.wall * 1000)).toFixed(0)} · ${median(xs.map((s) => s.cpu * 1000)).toFixed(0)} · ${median(xs.map((s) => s.peakRss / MiB)).toFixed(0)}`;
        }),
      ]);
    md.push(...table(['route', ...peers.map((p) => PEER_LABELS[p])], rows2, 1), '');
  }

  // ------------------------------------------------------------ throughput
  const cell = (route: string, cipher: string, dir: Direction, peer: PeerName): TransferSample[] =>
    transfers.filter((t) => t.route === route && t.cipher === cipher && t.dir === dir && t.peer === peer);
  const mbps = (t: TransferSample): number => t.transferBytes / 1e6 / t.transfer;
  const setupCpu = (route: string, peer: PeerName): number => {
    const xs = setupOf(route, peer);
    return xs.length ? median(xs.map((s) => s.cpu)) : 0;
  };
  const cpuPerGiB = (t: Pick<TransferSample, 'cpu' | 'route' | 'peer' | 'bytes'>): number => Math.max(0, t.cpu - setupCpu(t.route, t.peer)) / (t.bytes / GiB);
  const combos = [...new Map(transfers.map((t) => [`${t.route}\0${t.cipher}`, [t.route, t.cipher] as const])).values()];

  for (const dir of opts.dirs) {
    const title = dir === 'down' ? 'Download (`cat FILE` on the target → stdout)' : 'Upload (stdin → `cmp - FILE` on the target)';
    md.push(`## ${title}: MB/s, median (min–max) of ${opts.reps}`, '');
    const rows = combos
      .filter(([r, c]) => peers.some((p) => cell(r, c, dir, p).length > 0))
      .map(([r, c]) => {
        const med = (p: PeerName): number | undefined => (cell(r, c, dir, p).length ? median(cell(r, c, dir, p).map(mbps)) : undefined);
        return [r, c, ...peers.map((p) => (cell(r, c, dir, p).length ? fmtSpread(spread(cell(r, c, dir, p).map(mbps), 1), 0) : '')), ...ratios.map(([a, b]) => ratio(med(a), med(b)))];
      });
    md.push(...table(['route', 'cipher', ...peers.map((p) => PEER_LABELS[p]), ...ratios.map(([, , t]) => t)], rows, 2), '');
  }

  if (transfers.length > 0) {
    md.push('## CPU seconds per GiB (client process tree, beyond setup), median', '');
    const rows = combos.flatMap(([r, c]) =>
      opts.dirs
        .filter((d) => peers.some((p) => cell(r, c, d, p).length > 0))
        .map((d) => [r, c, d, ...peers.map((p) => (cell(r, c, d, p).length ? median(cell(r, c, d, p).map(cpuPerGiB)).toFixed(2) : ''))]),
    );
    md.push(...table(['route', 'cipher', 'dir', ...peers.map((p) => PEER_LABELS[p])], rows, 3), '');
    md.push('## Peak RSS, MiB (client process tree, largest of the repetitions)', '');
    const rows2 = combos.flatMap(([r, c]) =>
      opts.dirs
        .filter((d) => peers.some((p) => cell(r, c, d, p).length > 0))
        .map((d) => [r, c, d, ...peers.map((p) => (cell(r, c, d, p).length ? Math.max(...cell(r, c, d, p).map((t) => t.peakRss / MiB)).toFixed(0) : ''))]),
    );
    md.push(...table(['route', 'cipher', 'dir', ...peers.map((p) => PEER_LABELS[p])], rows2, 3), '');
    const trees = peers.map((p) => {
      const t = transfers.find((x) => x.peer === p && x.hops === 2) ?? transfers.find((x) => x.peer === p);
      return t ? `${PEER_LABELS[p]}: ${Object.entries(t.processes).map(([k, v]) => `${v} × ${k}`).join(', ')}` : '';
    });
    md.push(`Processes in a tree (${transfers.some((x) => x.hops === 2) ? '2 hops' : 'as run'}): ${trees.filter(Boolean).join('; ')}.`, '');
    // Every hop of a chain protects its packets the same way; list each distinct description once.
    const impls = new Map<string, Set<string>>();
    for (const t of transfers) {
      if (t.implementation === undefined || !t.peer.startsWith('hopssh')) continue;
      const key = `${PEER_LABELS[t.peer]}, ${t.cipher}`;
      const set = impls.get(key) ?? new Set<string>();
      for (const hop of t.implementation.split(' / ')) set.add(hop);
      impls.set(key, set);
    }
    if (impls.size) md.push("What protects hopssh's packets (every hop):", '', ...[...impls].map(([k, v]) => `- ${k}: ${[...v].join(' / ')}`), '');
  }

  if (rss) {
    md.push(`## Memory: ${rss.bytes / MiB} MiB through ${rss.route} with hopssh's library (${rss.cipher})`, '');
    md.push('Peak RSS of the hopssh process (getrusage maxrss) and of its process tree; RSS when connected, then at each quarter of the bytes relayed.', '');
    const rows = rss.runs.map((r) => {
      const at = (f: number): string => {
        const target = f * rss.bytes;
        const p = r.trace.find(([b]) => b >= target) ?? r.trace[r.trace.length - 1]!;
        return (p[1] / MiB).toFixed(0);
      };
      return [r.dir, (r.peakRssProcess / MiB).toFixed(1), (r.peakRssTree / MiB).toFixed(1), at(0), at(0.25), at(0.5), at(0.75), at(1), r.mbPerSec.toFixed(0)];
    });
    md.push(...table(['dir', 'peak RSS, process', 'peak RSS, tree', 'connected', '¼', '½', '¾', 'end', 'MB/s'], rows, 1), '');
  }

  if (profiles.length > 0) md.push(...profileSection(profiles, cpuPerGiB));

  if (skipped.size > 0) md.push('Not run (blank cells):', '', ...[...skipped].map(([what, why]) => `- ${what}: ${why}.`), '');
  if (peers.some(isLibrary)) md.push('Raw samples (every run, with wall times and process lists): `bench/results/relay.json`.', '');
  return md.join('\n');
}


const signed = (x: number): string => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(0)}`;

/**
 * --profile: per peer, cipher and direction, the relay's time by category at
 * 0, 1 and 2 hops, and what each added hop costs (every hop runs the same
 * code, so the difference is one layer's cost).
 */
function profileSection(profiles: readonly ProfileSample[], cpuPerGiB: (p: ProfileSample) => number): string[] {
  const md: string[] = [
    `## Where hopssh's time goes: CPU profile per layer (--profile)`,
    '',
    `One more transfer per case after the timed ones, under \`node --cpu-prof\` (a sample every ${CPU_PROF_INTERVAL_US} µs), of the relay only (exec request to exit status).`,
    'Self time of the main thread by what was on top of its stack (bench/relay/profile-categories.ts): node:crypto = node\'s crypto internals',
    '(Cipheriv contexts, update/final, AAD and tags); hopssh crypto = src/crypto, its WebAssembly and @noble/*; GC = V8\'s collector;',
    'socket/pipe I/O = node:net and stream internals (writeBuffer, onStreamRead); hopssh protocol = the rest of src/ (wire, io, transport,',
    'channel, jump); other = the peer\'s relay loop, events, timers, native code with no JavaScript on the stack; idle = waiting in the event loop.',
    'Cells: % of the relay\'s wall time · ms per GiB relayed. busy = everything but idle (wall time with work on the stack: on a loaded machine',
    'it includes time the OS kept the thread waiting); CPU = the process tree\'s CPU measured from outside, beyond setup, ms per GiB (it also',
    'counts V8\'s helper threads: concurrent GC, compilers). Every hop runs the same code, so a row "+ hop n" — the route one hop shorter',
    'subtracted, ms per GiB — is what that layer costs. One run per case: noisy; MB/s is the profiled run\'s (the profiler slows it).',
    '',
  ];
    const busyUs = (p: ProfileSample): number => p.wallUs - p.us.idle;
  const msPerGiB = (us: number, p: ProfileSample): number => us / 1000 / (p.bytes / GiB);
  const cols = (p: ProfileSample): string[] => [
    p.mbPerSec.toFixed(0),
    ...CATEGORIES.map((c) => `${((p.us[c] / p.wallUs) * 100).toFixed(0)}% · ${msPerGiB(p.us[c], p).toFixed(0)}`),
    `${((busyUs(p) / p.wallUs) * 100).toFixed(0)}% · ${msPerGiB(busyUs(p), p).toFixed(0)}`,
    (cpuPerGiB(p) * 1000).toFixed(0),
  ];
  const delta = (a: ProfileSample, b: ProfileSample): string[] => [
    '',
    ...CATEGORIES.map((c) => signed(msPerGiB(a.us[c], a) - msPerGiB(b.us[c], b))),
    signed(msPerGiB(busyUs(a), a) - msPerGiB(busyUs(b), b)),
    signed((cpuPerGiB(a) - cpuPerGiB(b)) * 1000),
  ];
  const head = ['cipher', 'dir', 'route', 'MB/s', ...CATEGORIES.map((c) => CATEGORY_LABELS[c]), 'busy', 'CPU'];
  for (const peer of [...new Set(profiles.map((p) => p.peer))]) {
    const mine = profiles.filter((p) => p.peer === peer);
    const rows: string[][] = [];
    for (const key of [...new Set(mine.map((p) => `${p.cipher}\0${p.dir}`))]) {
      const [cipher, dir] = key.split('\0') as [string, Direction];
      const at = (hops: number, server: JumpServer): ProfileSample | undefined =>
        mine.find((p) => p.cipher === cipher && p.dir === dir && p.hops === hops && (hops === 0 || p.jumpServer === server));
      const zero = at(0, 'sshd');
      if (zero) rows.push([cipher, dir, zero.route, ...cols(zero)]);
      for (const server of ['sshd', 'hopssh'] as const) {
        const chain = [zero, at(1, server), at(2, server)];
        for (const p of chain.slice(1)) if (p) rows.push([cipher, dir, p.route, ...cols(p)]);
        for (let h = 1; h <= 2; h++) {
          const [a, b] = [chain[h], chain[h - 1]];
          if (a && b) rows.push([cipher, dir, `+ hop ${h}${server === 'sshd' ? '' : ' (hopssh server)'}`, ...delta(a, b)]);
        }
      }
    }
    md.push(`### ${PEER_LABELS[peer]}`, '', ...table(head, rows, 3), '');
    const deepest = Math.max(...mine.map((p) => p.hops));
    md.push(`Largest self time at ${deepest} hop${deepest === 1 ? '' : 's'} (% of wall; every function in \`profiles[].top\` of relay.json):`, '');
    for (const p of mine.filter((x) => x.hops === deepest)) {
      // (idle) has its column; "(garbage collector)", "(program)" name themselves.
      const top = p.top
        .filter((f) => f.category !== 'idle')
        .slice(0, 5)
        .map((f) => `${f.name}${f.url === '' && f.name.startsWith('(') ? '' : ` (${CATEGORY_LABELS[f.category]})`} ${((f.us / p.wallUs) * 100).toFixed(0)}%`);
      md.push(`- ${p.route}, ${p.cipher} ${p.dir}: ${top.join(', ')}`);
    }
    if (mine.some((p) => p.threads > 1)) md.push('', 'Some runs profiled more than one thread: their categories sum over threads (over 100% of wall).');
    md.push('');
  }
  return md;
}
