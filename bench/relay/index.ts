/**
 * Relay benchmark (issue 6): bytes through 0, 1 and 2 jump hosts with
 * OpenSSH's `ssh -J`, the ssh2 npm package (native binding and pure JS),
 * hopssh's library (default providers and `crypto: 'noble'`) and the hopssh
 * program, interleaved in one run, against OpenSSH's sshd — and with hopssh's
 * own server as the jump hosts — in network namespaces (hosts.ts).
 *
 *   npm run bench:relay                       the default run (about 20–30 min here)
 *   npm run bench:relay -- --render bench/results/relay.json    rewrite relay.md from a run's JSON
 *   npm run bench:relay -- --size 64M --reps 1 --setup-reps 3 --rss-size 64M    a quick check
 *
 * Flags (`--flag value` or `--flag=value`):
 *   --size N          bytes per transfer (K/M/G suffixes)          default 96M (issue: 1G)
 *   --reps N          timed runs per peer and case; median reported default 3
 *   --setup-reps N    setup runs (connect + exec `true`) per peer and route   default 10
 *   --peers a,b       ssh, ssh2-native, ssh2-js, hopssh, hopssh-noble, hopssh-program (default all)
 *   --ciphers a,b     chacha20-poly1305, aes128-gcm, aes256-gcm, aes128-ctr (+hmac-sha2-256-etm) (default all)
 *   --hops a,b        0, 1, 2                                       default all
 *   --dirs a,b        down, up                                      default both
 *   --jumps a,b       sshd, hopssh: which server the jump hosts run default both
 *   --jump-ciphers    ciphers for the hopssh-server jump routes     default aes128-gcm,chacha20-poly1305
 *   --rss-size N      the memory check: N bytes down and up through 2 sshd hops with hopssh's
 *                     library, its RSS traced (0 skips it)         default 1G
 *   --source          run hopssh from TypeScript through tsx (as bin/hopssh.js in a clone without
 *                     a build) instead of built first (build.ts: the program bundled, the library by tsc)
 *   --profile         after the timed runs of each case, one more transfer per route, cipher and direction
 *                     for hopssh's library (and hopssh-noble when selected) under node --cpu-prof (never timed);
 *                     the relay's self time by category (node:crypto, hopssh's crypto, GC, socket/pipe I/O,
 *                     hopssh's protocol code, other, idle; profile-categories.ts) at 0, 1 and 2 hops and
 *                     what each added hop costs, as a section of relay.md and `profiles` in relay.json
 *   --no-write        print only; do not write bench/results/relay.{json,md}
 * The full run of the issue: --size 1G --jump-ciphers chacha20-poly1305,aes128-gcm,aes256-gcm,aes128-ctr
 * (any smaller setting labels the results "reduced"); it would take about 4 hours on this machine
 * under load (each transfer is its own process: connect, move, verify), so run its rows in parts.
 *
 * Every peer is its own process tree in the client namespace (peers.ts),
 * measured from outside (measure.ts): wall time, CPU of the whole tree
 * (ssh -J's extra ssh processes included), peak RSS. Every transfer is
 * checked: a download byte for byte against the expected stream as it
 * arrives, an upload by `cmp` against the same stream on the target (data.ts);
 * a wrong byte, a short transfer or a non-zero exit fails the run.
 *
 * Reported per route, cipher, direction and peer (report.ts): MB/s (10^6
 * bytes/s) of the transfer itself (download: first byte to end of output;
 * upload: from the peer taking data to its exit), median (min–max); CPU
 * seconds per GiB of the client's processes beyond a setup run's (median of
 * the setup runs on that route subtracted); peak RSS; setup latency; ratios.
 * Needs root (namespaces), iproute2, OpenSSH's ssh and sshd (scripts/setup.sh).
 */
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cliEnv } from '../../test/helpers/hopssh-cli.ts';
import { netnsStatus } from '../../test/helpers/netns.ts';
import { benchEnvironment, loadAverage } from '../lib/environment.ts';
import { resultsPath, writeResults } from '../lib/results.ts';
import { buildHopssh, type HopsshBuild } from './build.ts';
import { startHosts, type CipherCase, type Hosts, type Route } from './hosts.ts';
import { runMeasured, type RunMeasure } from './measure.ts';
import { parseOptions, type Direction, type Options } from './options.ts';
import { isLibrary, peerArgv, unsupported, type PeerName } from './peers.ts';
import { PROFILED_PEERS, profileDir, readProfiles } from './profile.ts';
import { writeReport, type Meta, type ProfileSample, type RssCheck, type SetupSample, type TransferSample } from './report.ts';

if (process.argv[2] === '--render') {
  // Re-renders relay.md from a run's JSON (the text of the report changed, not the measurement).
  const saved = JSON.parse(readFileSync(process.argv[3] ?? resultsPath('relay.json'), 'utf8')) as Meta & {
    setups: SetupSample[];
    transfers: TransferSample[];
    rssCheck: RssCheck | undefined;
    skipped: Record<string, string>;
    profiles?: ProfileSample[];
  };
  const md = writeReport(saved, parseOptions(saved.argv), saved.setups, saved.transfers, saved.rssCheck, new Map(Object.entries(saved.skipped)), saved.profiles ?? []);
  writeResults('relay', undefined, md);
  process.exit(0);
}
const opts: Options = parseOptions(process.argv.slice(2));
const ns = netnsStatus();
if (!ns.available) throw new Error(`bench:relay needs network namespaces: ${ns.reason}`);
if (opts.peers.includes('ssh2-native') && !(createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable) {
  throw new Error(
    "ssh2's native binding is not built (node_modules/ssh2/lib/protocol/crypto/build): its install script compiles it with node-gyp, " +
      "which needs python3, make, a C++ compiler and Node's headers (npm's nodedir, or a download from nodejs.org). " +
      'Fix that and run `npm rebuild ssh2`, or leave the peer out: --peers ssh,ssh2-js,hopssh,hopssh-noble,hopssh-program',
  );
}

interface LibraryReport {
  connectMs: number;
  setupMs: number;
  implementation: string;
  rssTrace?: [number, number][];
  peakRss?: number;
  /** hopssh-peer.ts: exec request to exit status, µs on process.hrtime's clock. */
  relayUs?: [number, number];
}

const env = cliEnv();
let counter = 0;

/** One measured run of a peer; library peers' own report read back. */
async function runPeer(
  hosts: Hosts,
  peer: PeerName,
  route: Route,
  cipher: CipherCase,
  data: 'none' | Direction,
  bytes: number,
  extra: { rssTrace?: boolean; cpuProf?: string } = {},
): Promise<{ m: RunMeasure; report: LibraryReport | undefined }> {
  const report = join(hosts.dir, `report-${counter++}.json`);
  const file = data === 'none' ? '' : hosts.dataFile(bytes);
  const command = data === 'none' ? 'true' : data === 'down' ? `cat ${file}` : `cmp - ${file}`;
  const argv = peerArgv(hosts, build, { peer, route, cipher, command, mode: data === 'none' ? 'setup' : 'stdio', report, ...extra });
  const m = await runMeasured({
    netns: hosts.clientNetns,
    argv,
    env,
    data: data === 'none' ? 'none' : data === 'down' ? 'download' : 'upload',
    bytes,
    dir: hosts.dir,
    timeoutMs: 120_000 + bytes / 1000, // at least 1 MB/s
  });
  let lib: LibraryReport | undefined;
  if (isLibrary(peer)) {
    if (!existsSync(report)) throw new Error(`${peer} wrote no report: ${argv.join(' ')}\n${m.stderr}`);
    lib = JSON.parse(readFileSync(report, 'utf8')) as LibraryReport;
    rmSync(report);
  }
  return { m, report: lib };
}

/** Rotates the peers' order each repetition, so load from elsewhere hits them alike. */
const rotated = <T>(xs: readonly T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]!);

const meta: Meta = {
  ...benchEnvironment(),
  kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
  ssh2: (JSON.parse(readFileSync('node_modules/ssh2/package.json', 'utf8')) as { version: string }).version,
  loadAtEnd: 0,
  argv: process.argv.slice(2),
  options: { ...opts, peers: opts.peers, ciphers: opts.ciphers.map((c) => c.name), jumpCiphers: opts.jumpCiphers.map((c) => c.name) },
  user: '',
  seconds: 0,
};
console.log(`${meta.date} · ${meta.machine} · ${meta.cores} cores · ${meta.cpu} · Node ${meta.node} · ${meta.openssh} · ssh2 ${meta.ssh2} · load ${meta.loadAtStart}`);
console.log(`size ${opts.size} B, ${opts.reps} reps, ${opts.setupReps} setup reps, peers ${opts.peers.join(',')}${opts.reduced ? ' (reduced)' : ''}`);

const started = Date.now();
const build: HopsshBuild | undefined = opts.source ? undefined : await buildHopssh();
const hosts = await startHosts();
meta.user = hosts.user;
const setups: SetupSample[] = [];
const transfers: TransferSample[] = [];
const profiles: ProfileSample[] = [];
let rssCheck: RssCheck | undefined;
/** Peer and case → why it was not run. */
const skipped = new Map<string, string>();
try {
  const routes: Route[] = [];
  for (const h of opts.hops) {
    if (h === 0) routes.push(hosts.route(0, 'sshd'));
    else for (const j of opts.jumps) routes.push(hosts.route(h, j));
  }
  // Setup runs use a cipher every peer can nest.
  const setupCipher = opts.ciphers.find((c) => c.name === 'aes128-gcm') ?? opts.ciphers[0]!;
  const runs = (route: Route, cipher: CipherCase, r: number): PeerName[] =>
    rotated(opts.peers, r).filter((peer) => {
      const why = unsupported(peer, route.hops, cipher);
      if (why !== undefined) skipped.set(`${peer} with ${cipher.name} through jump hosts`, why);
      return why === undefined;
    });

  // Warm-up, untimed: tsx's transform cache, the page cache, each peer's first start.
  for (const peer of opts.peers) await runPeer(hosts, peer, routes[0]!, setupCipher, 'none', 0);

  for (const route of routes) {
    for (let r = 0; r < opts.setupReps; r++) {
      for (const peer of runs(route, setupCipher, r)) {
        const { m, report } = await runPeer(hosts, peer, route, setupCipher, 'none', 0);
        setups.push({ route: route.label, hops: route.hops, jumpServer: route.jumpServer, peer, wall: m.wall, inProcessMs: report?.setupMs, cpu: m.cpu, peakRss: m.peakRss });
      }
    }
    const mine = setups.filter((s) => s.route === route.label);
    console.log(
      `setup ${route.label}: ` +
        opts.peers
          .map((p) => {
            const xs = mine.filter((s) => s.peer === p);
            const ms = xs.map((s) => s.inProcessMs ?? s.wall * 1000).sort((a, b) => a - b);
            return ms.length ? `${p} ${ms[ms.length >> 1]!.toFixed(0)} ms` : `${p} -`;
          })
          .join(', '),
    );
  }

  for (const route of routes) {
    const ciphers = route.jumpServer === 'hopssh' ? opts.jumpCiphers : opts.ciphers;
    for (const cipher of ciphers) {
      for (const dir of opts.dirs) {
        for (let r = 0; r < opts.reps; r++) {
          for (const peer of runs(route, cipher, r)) {
            const { m, report } = await runPeer(hosts, peer, route, cipher, dir, opts.size);
            transfers.push({
              route: route.label,
              hops: route.hops,
              jumpServer: route.jumpServer,
              cipher: cipher.name,
              dir,
              peer,
              bytes: opts.size,
              transfer: m.transfer,
              transferBytes: m.transferBytes,
              wall: m.wall,
              cpu: m.cpu,
              peakRss: m.peakRss,
              processes: m.processes,
              implementation: report?.implementation,
            });
            console.log(
              `${route.label.padEnd(22)} ${cipher.name.padEnd(18)} ${dir.padEnd(4)} ${peer.padEnd(14)} ` +
                `${(m.transferBytes / 1e6 / m.transfer).toFixed(0).padStart(5)} MB/s  cpu ${m.cpu.toFixed(2)} s  rss ${(m.peakRss / 2 ** 20).toFixed(0)} MiB  ${Object.entries(m.processes).map(([k, v]) => `${v}×${k}`).join(' ')}`,
            );
          }
        }
        // --profile: after the timed runs, so the profiler never touches their numbers.
        for (const peer of opts.profile ? runs(route, cipher, 0).filter((p) => PROFILED_PEERS.includes(p)) : []) {
          const cpuProf = profileDir(hosts.dir, counter);
          const { m, report } = await runPeer(hosts, peer, route, cipher, dir, opts.size, { cpuProf });
          if (report?.relayUs === undefined) throw new Error(`${peer} reported no relay window for its profile`);
          const p = readProfiles(cpuProf, report.relayUs);
          const mbPerSec = m.transferBytes / 1e6 / m.transfer;
          profiles.push({ route: route.label, hops: route.hops, jumpServer: route.jumpServer, cipher: cipher.name, dir, peer, bytes: opts.size, mbPerSec, cpu: m.cpu, ...p });
          const busy = 1 - p.us.idle / p.wallUs;
          console.log(`${route.label.padEnd(22)} ${cipher.name.padEnd(18)} ${dir.padEnd(4)} ${peer.padEnd(14)} ${mbPerSec.toFixed(0).padStart(5)} MB/s  profiled: ${(busy * 100).toFixed(0)}% busy, top ${p.top.filter((f) => f.category !== 'idle').slice(0, 3).map((f) => `${f.name} ${((f.us / p.wallUs) * 100).toFixed(0)}%`).join(', ')}`);
        }
      }
    }
  }

  if (opts.rssSize > 0) {
    const route = hosts.route(2, 'sshd');
    const cipher = opts.ciphers.find((c) => c.name === 'aes128-gcm') ?? opts.ciphers[0]!;
    const memRuns: RssCheck['runs'] = [];
    for (const dir of ['down', 'up'] as const) {
      const { m, report } = await runPeer(hosts, 'hopssh', route, cipher, dir, opts.rssSize, { rssTrace: true });
      memRuns.push({ dir, peakRssTree: m.peakRss, peakRssProcess: report!.peakRss!, trace: report!.rssTrace!, mbPerSec: m.transferBytes / 1e6 / m.transfer, processes: m.processes });
      console.log(`memory check ${dir}: ${opts.rssSize} B through ${route.label}, peak RSS ${(report!.peakRss! / 2 ** 20).toFixed(1)} MiB (process), ${(m.peakRss / 2 ** 20).toFixed(1)} MiB (tree)`);
    }
    rssCheck = { route: route.label, cipher: cipher.name, bytes: opts.rssSize, runs: memRuns };
  }
} finally {
  await hosts.teardown();
}
meta.loadAtEnd = loadAverage();
meta.seconds = Math.round((Date.now() - started) / 1000);

const md = writeReport(meta, opts, setups, transfers, rssCheck, skipped, profiles);
console.log('\n' + md);
if (opts.write) {
  writeResults('relay', { ...meta, reduced: opts.reduced, skipped: Object.fromEntries(skipped), setups, transfers, rssCheck, ...(opts.profile && { profiles }) }, md);
} else console.log('(--no-write: results not written)');
process.exit(0);
