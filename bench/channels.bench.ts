/**
 * Channel throughput: one session channel and 16 at once, per cipher, with
 * peak memory, and OpenSSH's `ssh` as the peer measured in the same run.
 *
 * Transfers (every run's byte count is checked before it counts):
 *   download  `head -c N /dev/zero` on the server, the client takes the output;
 *   upload    the client writes N bytes to `wc -c` on the server, which must print N
 *             (`wc -c` reads its stdin as `cat > /dev/null` does, and reports the count).
 * With 16 channels, 16 sessions on one connection each move N/16 at once.
 *
 * Peers:
 *   pair       hopssh client ↔ hopssh server (serveSessions answering the two commands
 *              in process) over the in-memory pair: client and server on one thread.
 *   hopssh     hopssh's client against OpenSSH's sshd on 127.0.0.1 (publickey login).
 *   ssh        OpenSSH's `ssh` against the same sshd: one master connection per cipher
 *              (ControlMaster, `-c`/`-m`), each transfer a `ssh -S ctl host CMD` multiplexed
 *              session whose stdout is /dev/null (download) or whose stdin is a file of N
 *              bytes in the page cache (upload); the master moves the data itself.
 *   Both clients thus time a session on an already-authenticated connection: open,
 *   exec, transfer, exit-status, close. `ssh` also pays its mux client's process start,
 *   measured separately as an empty session (`true`) for both.
 *
 * hopssh, ssh and (for the pair) the in-process pair run interleaved, RUNS times per
 * case, order rotating, so load from other processes hits them alike. Reported: MB/s
 * (10^6 bytes/s) median (min–max), the hopssh/ssh ratio of medians, CPU seconds per GB
 * (hopssh: this process; ssh: the master process), and peak RSS (VmHWM, reset with
 * /proc/<pid>/clear_refs before each run; hopssh: this whole Node process, the pair's
 * both ends included).
 *
 * Run: npm run bench:channels  → bench/results/channels.json and channels.md
 *      npm run bench:channels -- --quick                 (small, writes nothing)
 *      npm run bench:channels -- --only=hopssh:download:1 --cipher=aes128-gcm@openssh.com
 *        (one case, no peer, writes nothing)
 *      … --only=… --cpu-profile=/tmp/x.cpuprofile
 *        (V8 CPU profile of the timed runs only, through node:inspector; prints where the main
 *        thread's time went by layer: src/transport, src/channel, crypto, GC, socket I/O, …)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session as InspectorSession } from 'node:inspector';
import { startSshd, type SshdServer } from '../test/helpers/sshd.ts';
import { loginToSshd } from '../test/helpers/sshd-login.ts';
import { generateKey } from '../test/helpers/keygen.ts';
import { ensureTestUser } from '../test/helpers/test-user.ts';
import { findSsh } from '../test/helpers/openssh-binaries.ts';
import { knownHostsLines, writeKnownHosts } from '../test/helpers/ssh-client.ts';
import { transportPair } from '../test/helpers/transport-pair.ts';
import { Connection } from '../src/channel/connection.ts';
import { openSession } from '../src/channel/session-client.ts';
import { serveSessions } from '../src/channel/session-server.ts';
import type { Transport } from '../src/transport/transport.ts';
import { benchMachine, loadAverage, machineLine } from './lib/environment.ts';
import { resetPeak, statCpuSeconds, statusBytes } from './lib/proc.ts';
import { resultsPath, writeResults } from './lib/results.ts';
import { fmtSpread, round, spread, type Spread } from './lib/stats.ts';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = process.argv.includes('--quick');
const ONLY = arg('only');
const CIPHER_FILTER = arg('cipher');
const CPU_PROFILE = arg('cpu-profile');
const MiB = 1024 * 1024;
/** Bytes per transfer (split over the channels when there are 16). */
const N = Number(arg('bytes') ?? (QUICK ? 32 * MiB : 256 * MiB));
const RUNS = Number(arg('runs') ?? (QUICK ? 2 : 5));
const CONCURRENT = 16;
const WRITE_CHUNK = 256 * 1024;
const EMPTY_RUNS = QUICK ? 3 : 15;

interface CipherCase {
  cipher: string;
  mac: string;
  label: string;
}
const CIPHERS: CipherCase[] = [
  { cipher: 'chacha20-poly1305@openssh.com', mac: 'hmac-sha2-256-etm@openssh.com', label: 'chacha20-poly1305' },
  { cipher: 'aes128-gcm@openssh.com', mac: 'hmac-sha2-256-etm@openssh.com', label: 'aes128-gcm' },
  { cipher: 'aes256-gcm@openssh.com', mac: 'hmac-sha2-256-etm@openssh.com', label: 'aes256-gcm' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com', label: 'aes128-ctr + hmac-sha2-256-etm' },
].filter((c) => !CIPHER_FILTER || c.cipher === CIPHER_FILTER || c.label === CIPHER_FILTER);
const isAead = (c: CipherCase): boolean => c.cipher.includes('gcm') || c.cipher.includes('chacha');

type Peer = 'pair' | 'hopssh' | 'ssh';
type Direction = 'download' | 'upload';
const DIRECTIONS: Direction[] = ['download', 'upload'];
const MODES = [1, CONCURRENT];

// ------------------------------------------------------------------ helpers

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | 'self'): number {
  if (pid === 'self') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8')).own;
}
const gc = (globalThis as { gc?: () => void }).gc;

interface RunResult {
  seconds: number;
  bytes: number;
  cpu: number;
  /** RSS at the start of the run (after a full GC for this process) and its peak during the run. */
  before: number | undefined;
  peak: number | undefined;
}

/** Times fn with this process's CPU and peak RSS (or another pid's). */
async function measure(pid: number | 'self', fn: () => Promise<number>): Promise<RunResult> {
  gc?.();
  resetPeak(pid);
  const before = statusBytes(pid, 'VmRSS');
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const bytes = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, bytes, cpu: cpuSeconds(pid) - cpu0, before, peak: statusBytes(pid, 'VmHWM') };
}

// -------------------------------------------------------- hopssh transfers

const chunk = (() => {
  const c = new Uint8Array(WRITE_CHUNK);
  for (let i = 0; i < c.length; i++) c[i] = (i * 131 + 7) & 0xff;
  return c;
})();

/** `head -c n /dev/zero` on the server; resolves with the bytes received (checked). */
async function hopDownload(conn: Connection, n: number): Promise<number> {
  const s = await openSession(conn);
  let got = 0;
  let err = '';
  s.onData = (d) => (got += d.length);
  s.onStderr = (d) => (err += new TextDecoder().decode(d));
  await s.exec(`head -c ${n} /dev/zero`);
  const exit = await s.done;
  if (exit.exitStatus !== 0 || got !== n) throw new Error(`download: exit ${exit.exitStatus}, ${got} of ${n} bytes ${err}`);
  return got;
}

/** n bytes to `wc -c` on the server, as fast as write()/onDrain allow; resolves with the count it printed (checked). */
async function hopUpload(conn: Connection, n: number): Promise<number> {
  const s = await openSession(conn);
  let out = '';
  s.onData = (d) => (out += new TextDecoder().decode(d));
  // Without a stderr handler, stderr would be held (and the channel with it): the remote shell's
  // start-up files may print there (on this machine pyenv's rehash, when sessions start at once).
  s.onStderr = () => undefined;
  await s.exec('wc -c');
  await new Promise<void>((resolve) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < n) {
        const k = Math.min(chunk.length, n - sent);
        sent += k;
        if (!s.write(k === chunk.length ? chunk : chunk.subarray(0, k))) return;
      }
      s.onDrain = undefined;
      s.end();
      resolve();
    };
    s.onDrain = pump;
    pump();
  });
  const exit = await s.done;
  const count = Number(out.trim());
  if (exit.exitStatus !== 0 || count !== n) throw new Error(`upload: exit ${exit.exitStatus}, wc -c printed ${JSON.stringify(out)} for ${n} bytes`);
  return count;
}

async function hopTransfer(conn: Connection, dir: Direction, channels: number): Promise<number> {
  const each = N / channels;
  const one = dir === 'download' ? hopDownload : hopUpload;
  const counts = await Promise.all(Array.from({ length: channels }, () => one(conn, each)));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * In-process hopssh server answering the two commands as the programs would:
 * `head -c N /dev/zero` writes N zeros (with backpressure), `wc -c` counts
 * stdin and prints the count at EOF.
 */
function serveBenchCommands(conn: Connection): void {
  const zeros = new Uint8Array(WRITE_CHUNK);
  serveSessions(
    conn,
    (s) => {
      s.onExec = (command) => {
        const head = /^head -c (\d+) \/dev\/zero$/.exec(command);
        if (head) {
          let left = Number(head[1]);
          const pump = (): void => {
            while (left > 0) {
              const k = Math.min(zeros.length, left);
              left -= k;
              if (!s.write(k === zeros.length ? zeros : zeros.subarray(0, k))) return;
            }
            s.onDrain = undefined;
            s.exit(0);
          };
          s.onDrain = pump;
          setImmediate(pump);
          return true;
        }
        if (command === 'wc -c') {
          let count = 0;
          s.onData = (d) => (count += d.length);
          s.onEnd = () => {
            s.write(`${count}\n`);
            s.exit(0);
          };
          return true;
        }
        return false;
      };
    },
    { maxSessions: 64 },
  );
}

async function pairConnection(c: CipherCase): Promise<{ client: Connection; transport: Transport }> {
  const algs = { ciphers: [c.cipher], macs: [c.mac] };
  const { client, server } = transportPair({ client: algs, server: algs });
  await Promise.all([client.ready, server.ready]);
  const conn = new Connection(client);
  serveBenchCommands(new Connection(server));
  return { client: conn, transport: client };
}

function checkNegotiated(t: Transport, c: CipherCase, what: string): string {
  const n = t.negotiated!;
  const macOk = isAead(c) || (n.macCtoS === c.mac && n.macStoC === c.mac);
  if (n.cipherCtoS !== c.cipher || n.cipherStoC !== c.cipher || !macOk) {
    throw new Error(`${what}: negotiated ${n.cipherCtoS}/${n.macCtoS}, wanted ${c.cipher}/${c.mac}`);
  }
  return t.cipherDescription.send;
}

// ---------------------------------------------------------------- profile

async function startProfiler(): Promise<InspectorSession> {
  const s = new InspectorSession();
  s.connect();
  const post = (m: string, p?: object) => new Promise<unknown>((res, rej) => s.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return s;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Stops the profiler, writes the profile, and prints self time by layer (main thread). */
async function stopProfiler(s: InspectorSession, file: string): Promise<void> {
  const { profile } = await new Promise<{ profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }>((res, rej) =>
    s.post('Profiler.stop', (e, r) => (e ? rej(e) : res(r as never))),
  );
  s.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  const layer = (n: ProfileNode): string => {
    const { functionName: f, url: u } = n.callFrame;
    if (f === '(idle)') return 'idle (waiting for I/O)';
    if (f === '(garbage collector)') return 'GC';
    if (f === '(program)') return 'native, unattributed';
    if (f === 'writeBuffer' || f === 'writev' || f === 'writeUtf8String') return 'socket write syscalls';
    if (u.includes('/src/')) return u.replace(/^.*\/src\//, 'src/');
    if (u.includes('@noble/')) return 'noble ' + u.replace(/^.*@noble\//, '');
    // node:crypto's JS wrapper and the C++ functions it calls (OpenSSL's cipher work is in update/final).
    if (u.startsWith('node:internal/crypto') || (!u && /^(update|final|initiv|CipherBase|setAAD|getAuthTag|setAuthTag|digest)$/.test(f))) {
      return 'node:crypto (OpenSSL)';
    }
    if (/node:net|stream|node:buffer|node:events/.test(u)) return 'node net/streams/buffers';
    if (u.includes('/bench/') || u.includes('/test/')) return 'bench harness';
    return u || `native ${f}`;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const d = profile.timeDeltas[i] ?? 0;
    total += d;
    self.set(layer(n), (self.get(layer(n)) ?? 0) + d);
    const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    fns.set(k, (fns.get(k) ?? 0) + d);
  });
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  console.log(`\nCPU profile of the timed runs (${(total / 1e6).toFixed(2)} s of main-thread wall time) → ${file}\nby layer (self time):`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${pct(v)}  ${(v / 1e6).toFixed(2)} s  ${k}`);
  console.log('top functions:');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${pct(v)}  ${k}`);
}

// -------------------------------------------------------------- ssh peer

const ssh = findSsh();

interface SshMaster {
  proc: ChildProcess;
  ctl: string;
  log: string;
}

function isolation(khFile: string): string[] {
  const o: Record<string, string> = {
    UserKnownHostsFile: khFile,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
    UpdateHostKeys: 'no',
    BatchMode: 'yes',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
  };
  return ['-F', '/dev/null', ...Object.entries(o).flatMap(([k, v]) => ['-o', `${k}=${v}`])];
}

// ------------------------------------------------------------------- main

const meta = {
  ...benchMachine(),
  user: '',
  bytesPerTransfer: N,
  runs: RUNS,
  concurrentChannels: CONCURRENT,
  writeChunk: WRITE_CHUNK,
  peakRssMethod: resetPeak('self') ? 'VmHWM reset per run via /proc/<pid>/clear_refs' : 'VmHWM since process start (clear_refs not writable)',
  gcBetweenRuns: gc !== undefined,
  loadAverageStart: loadAverage(),
  loadAverageEnd: 0,
};
console.log(`${meta.date} · ${meta.machine} · ${meta.cores} cores · ${meta.cpu} · Node ${meta.node} · ${meta.openssh} · load ${meta.loadAverageStart}`);
console.log(`N = ${N} bytes per transfer, ${RUNS} runs per case; ${meta.peakRssMethod}; gc between runs: ${meta.gcBetweenRuns}`);

const tmp = mkdtempSync(join(tmpdir(), 'hop-bench-channels-'));
const devNull = openSync('/dev/null', 'w');
let sshd: SshdServer | undefined;
/** The account both clients log in as (see ensureTestUser below). */
const BENCH_USER = 'hopbench';
let user = 'root';
const masters: SshMaster[] = [];

interface CaseRow {
  peer: Peer;
  cipher: string;
  /** What sealed our packets (hopssh: provider; ssh: OpenSSL via OpenSSH). */
  implementation: string;
  direction: Direction;
  channels: number;
  mbPerSec: Spread;
  cpuSecondsPerGB: Spread;
  peakRssMiB: number | undefined;
  /** Largest growth of RSS over its value at the start of a run (the transfer's own memory, roughly). */
  peakGrowthMiB: number | undefined;
  runs: number;
  bytesChecked: number;
}
const rows: CaseRow[] = [];
const empty: { peer: Peer; ms: Spread }[] = [];

try {
  sshd = await startSshd({
    hostKeys: ['ed25519'],
    config: ['LogLevel ERROR', 'MaxSessions 64', `Ciphers ${CIPHERS.map((c) => c.cipher).join(',')}`, 'MACs hmac-sha2-256-etm@openssh.com'],
  });
  // A plain account: root's shell start-up files here run pyenv's init, ~0.1 s of CPU per session,
  // which 16 sessions starting at once would pay on these two cores. Root when accounts cannot be made.
  const account = await ensureTestUser(BENCH_USER, `hop-${process.pid}-${Date.now()}`);
  user = account.ok ? account.name : 'root';
  const key = await generateKey('ed25519', join(tmp, 'id_ed25519'));
  await sshd.authorize(user, key.publicKeyLine);
  const kh = join(tmp, 'known_hosts');
  await writeKnownHosts(kh, knownHostsLines(sshd));
  const dest = `${user}@127.0.0.1`;
  const base = [...isolation(kh), '-p', String(sshd.port)];

  // Upload sources for ssh: files of N and N/16 bytes (read from the page cache after the first run).
  const files = new Map<number, string>();
  for (const n of ONLY && !ONLY.startsWith('ssh') ? [] : MODES.map((m) => N / m)) {
    const p = join(tmp, `up-${n}`);
    const fd = openSync(p, 'w');
    for (let off = 0; off < n; off += chunk.length) writeFileSync(fd, chunk.subarray(0, Math.min(chunk.length, n - off)));
    closeSync(fd);
    files.set(n, p);
  }

  const startMaster = async (c: CipherCase): Promise<SshMaster> => {
    const ctl = join(tmp, `ctl-${masters.length}`);
    const log = join(tmp, `master-${masters.length}.log`);
    const proc = spawn(ssh, [...base, '-i', key.path, '-c', c.cipher, '-m', c.mac, '-o', 'ControlMaster=yes', '-o', `ControlPath=${ctl}`, '-N', '-v', '-E', log, dest], {
      stdio: 'ignore',
    });
    const m = { proc, ctl, log };
    masters.push(m);
    for (let i = 0; ; i++) {
      const r = spawnSync(ssh, [...base, '-S', ctl, '-O', 'check', dest], { encoding: 'utf8' });
      if (r.status === 0) break;
      if (i > 100 || proc.exitCode !== null) throw new Error(`ssh master for ${c.cipher} did not start: ${readFileSync(log, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = readFileSync(log, 'utf8');
    for (const d of ['server->client', 'client->server']) {
      const m2 = new RegExp(`kex: ${d} cipher: (\\S+) MAC: (\\S+)`).exec(text);
      const macOk = isAead(c) ? m2?.[2] === '<implicit>' : m2?.[2] === c.mac;
      if (m2?.[1] !== c.cipher || !macOk) throw new Error(`ssh master negotiated ${m2?.[1]} / ${m2?.[2]} (${d}), wanted ${c.cipher}`);
    }
    return m;
  };

  /** One mux session per channel; resolves with the bytes moved (counted when `count`). */
  const sshTransfer = (m: SshMaster, dir: Direction, channels: number, count: boolean): Promise<number> => {
    const each = N / channels;
    return Promise.all(
      Array.from({ length: channels }, () => {
        const cmd = dir === 'download' ? `head -c ${each} /dev/zero` : 'wc -c';
        const inFd = dir === 'upload' ? openSync(files.get(each)!, 'r') : 'ignore';
        const out = dir === 'download' && !count ? devNull : 'pipe';
        const p = spawn(ssh, [...base, '-S', m.ctl, '-o', 'ControlMaster=no', dest, cmd], { stdio: [inFd, out, 'pipe'] });
        if (typeof inFd === 'number') closeSync(inFd);
        let got = 0;
        let text = '';
        let err = '';
        p.stdout?.on('data', (b: Buffer) => (dir === 'download' ? (got += b.length) : (text += b.toString())));
        p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
        return new Promise<number>((resolve, reject) =>
          p.on('close', (code) => {
            const bytes = dir === 'upload' ? Number(text.trim()) : count ? got : each;
            if (code !== 0 || bytes !== each) reject(new Error(`ssh ${dir}: exit ${code}, ${bytes} of ${each} bytes: ${err}`));
            else resolve(bytes);
          }),
        );
      }),
    ).then((xs) => xs.reduce((a, b) => a + b, 0));
  };

  const only = ONLY?.split(':') as [Peer, Direction, string] | undefined;
  for (const c of CIPHERS) {
    const peers: Peer[] = only ? [only[0]] : ['pair', 'hopssh', 'ssh'];
    const pair = peers.includes('pair') ? await pairConnection(c) : undefined;
    const hop = peers.includes('hopssh') ? await loginToSshd(sshd, { user, transport: { ciphers: [c.cipher], macs: [c.mac] } }) : undefined;
    const master = peers.includes('ssh') ? await startMaster(c) : undefined;
    const impl: Record<Peer, string> = {
      pair: pair ? checkNegotiated(pair.transport, c, 'pair') : '',
      hopssh: hop ? checkNegotiated(hop.transport, c, 'hopssh') : '',
      ssh: `OpenSSH (${meta.openssh.split(',')[1]?.trim() ?? 'libcrypto'})`,
    };
    const run = (peer: Peer, dir: Direction, channels: number, count = false): Promise<RunResult> =>
      peer === 'ssh'
        ? measure(master!.proc.pid!, () => sshTransfer(master!, dir, channels, count))
        : measure('self', () => hopTransfer(peer === 'pair' ? pair!.client : hop!.connection, dir, channels));

    if (!only && c === CIPHERS[0]) {
      // The fixed cost of one session: open, exec `true`, exit-status, close (ssh: plus its mux client's start).
      for (const peer of ['hopssh', 'ssh'] as const) {
        const ms: number[] = [];
        for (let i = 0; i < EMPTY_RUNS; i++) {
          const t0 = process.hrtime.bigint();
          if (peer === 'hopssh') {
            const s = await openSession(hop!.connection);
            await s.exec('true');
            await s.done;
          } else {
            const r = spawnSync(ssh, [...base, '-S', master!.ctl, '-o', 'ControlMaster=no', dest, 'true'], { stdio: 'ignore' });
            if (r.status !== 0) throw new Error('ssh true failed');
          }
          ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        empty.push({ peer, ms: spread(ms, 1) });
        console.log(`empty session ${peer}: ${fmtSpread(spread(ms, 1), 1)} ms`);
      }
    }

    for (const dir of DIRECTIONS) {
      for (const channels of MODES) {
        if (only && (only[1] !== dir || Number(only[2]) !== channels)) continue;
        // Warm-up and cross-check: one untimed run each, ssh's download output counted through a pipe.
        const checked = new Map<Peer, number>();
        for (const peer of peers) checked.set(peer, (await run(peer, dir, channels, true)).bytes);
        const results = new Map<Peer, RunResult[]>(peers.map((p) => [p, []]));
        const profiler = only && CPU_PROFILE ? await startProfiler() : undefined;
        for (let r = 0; r < RUNS; r++) {
          const order = peers.map((_, i) => peers[(i + r) % peers.length]!);
          for (const peer of order) results.get(peer)!.push(await run(peer, dir, channels));
        }
        if (profiler) await stopProfiler(profiler, CPU_PROFILE!);
        for (const peer of peers) {
          const rs = results.get(peer)!;
          const peaks = rs.map((x) => x.peak).filter((x): x is number => x !== undefined);
          const growth = rs.filter((x) => x.peak !== undefined && x.before !== undefined).map((x) => x.peak! - x.before!);
          const row: CaseRow = {
            peer,
            cipher: c.label,
            implementation: impl[peer],
            direction: dir,
            channels,
            mbPerSec: spread(rs.map((x) => x.bytes / 1e6 / x.seconds), 1),
            cpuSecondsPerGB: spread(
              rs.map((x) => x.cpu / (x.bytes / 1e9)),
              2,
            ),
            peakRssMiB: peaks.length ? round(Math.max(...peaks) / MiB, 1) : undefined,
            peakGrowthMiB: growth.length ? round(Math.max(...growth) / MiB, 1) : undefined,
            runs: rs.length,
            bytesChecked: checked.get(peer)! + rs.reduce((a, x) => a + x.bytes, 0),
          };
          rows.push(row);
          console.log(
            `${c.label.padEnd(32)} ${dir.padEnd(8)} ${String(channels).padStart(2)} ch  ${peer.padEnd(6)} ${fmtSpread(row.mbPerSec, 0).padEnd(18)} MB/s  ` +
              `cpu ${row.cpuSecondsPerGB.median.toFixed(2)} s/GB  peak RSS ${row.peakRssMiB ?? '?'} MiB (+${row.peakGrowthMiB ?? '?'})`,
          );
        }
      }
    }
    pair?.client.close();
    hop?.connection.close();
    if (master) master.proc.kill('SIGTERM');
  }
} finally {
  for (const m of masters) if (m.proc.exitCode === null) m.proc.kill('SIGTERM');
  await sshd?.stop();
  closeSync(devNull);
  rmSync(tmp, { recursive: true, force: true });
}
meta.loadAverageEnd = loadAverage();
meta.user = user;

// ----------------------------------------------------------------- report

const find = (peer: Peer, cipher: string, dir: Direction, channels: number) =>
  rows.find((r) => r.peer === peer && r.cipher === cipher && r.direction === dir && r.channels === channels);
const ratio = (a?: CaseRow, b?: CaseRow): string => (a && b ? `${(a.mbPerSec.median / b.mbPerSec.median).toFixed(2)}×` : 'n/a');
const mib = (r?: CaseRow): string => (r?.peakRssMiB === undefined ? 'n/a' : `${r.peakRssMiB.toFixed(0)} (+${r.peakGrowthMiB?.toFixed(0) ?? '?'})`);

const md: string[] = [
  '# Channel throughput',
  '',
  `${machineLine(meta)} · load average ${meta.loadAverageStart} at the start, ${meta.loadAverageEnd} at the end`,
  '',
  'Shared, noisy machine: read the ratios (hopssh and ssh interleaved in the same run), not the absolute rates.',
  '',
  `Each transfer moves ${N / MiB} MiB through session channels on one already-authenticated connection: over 1 channel,`,
  `or ${CONCURRENT} channels of ${N / CONCURRENT / MiB} MiB at once. download = \`head -c N /dev/zero\` on the server; upload = the client`,
  'writes N bytes to `wc -c` (checked against N every run). MB/s = 10^6 bytes per second of wall time from opening the',
  `session(s) to their close: median (min–max) of ${RUNS} runs, after one untimed run that also cross-checks the byte counts`,
  "(ssh's download output counted through a pipe). CPU = CPU seconds per 10^9 bytes of the client process (hopssh: this",
  'Node process; ssh: its ControlMaster process, which moves the data of every multiplexed session). Peak RSS = VmHWM of',
  'that process over the runs, reset before each run, and in parentheses its largest growth over the RSS at the start of',
  "a run (after a full GC for hopssh): the transfer's own memory. For hopssh it is the whole Node process (for the pair:",
  "client and server, both in it). sshd's own cost is the same for both clients and not shown.",
  '',
  '## hopssh client vs OpenSSH `ssh`, against the same sshd',
  '',
  `sshd: ${meta.openssh.split(',')[0]} on 127.0.0.1 (loopback TCP), MaxSessions 64, user ${user} (bash). hopssh: loginToSshd, then \`openSession\` + \`exec\`;`,
  `it writes ${WRITE_CHUNK / 1024} KiB chunks from memory as fast as write()/onDrain allow. ssh: one \`ssh -M\` master per cipher`,
  '(`-c`, `-m`; the negotiated algorithms are checked in its `-v` log) and a `ssh -S ctl host CMD` mux client per session',
  '(stdout /dev/null, or stdin a file in the page cache). ratio = hopssh MB/s ÷ ssh MB/s (> 1: hopssh is faster).',
  '',
  ...(empty.length
    ? [
        `Fixed cost of one empty session (\`true\`), median (min–max) of ${EMPTY_RUNS}: hopssh ${fmtSpread(empty.find((e) => e.peer === 'hopssh')!.ms, 1)} ms,`,
        `ssh mux client ${fmtSpread(empty.find((e) => e.peer === 'ssh')!.ms, 1)} ms (includes starting the ssh process). Every run includes it`,
        '(16 times, at once, in the 16-channel runs): sshd forks a session and runs the command through the user\'s shell.',
        '',
      ]
    : []),
];
for (const dir of DIRECTIONS) {
  md.push(`### ${dir === 'download' ? 'Download (`head -c N /dev/zero`)' : 'Upload (N bytes to `wc -c`)'}`, '');
  md.push('| cipher | channels | hopssh MB/s | ssh MB/s | hopssh/ssh | hopssh CPU s/GB | ssh CPU s/GB | hopssh peak RSS MiB | ssh peak RSS MiB |');
  md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of CIPHERS) {
    for (const ch of MODES) {
      const h = find('hopssh', c.label, dir, ch);
      const s = find('ssh', c.label, dir, ch);
      if (!h && !s) continue;
      md.push(
        `| ${c.label} | ${ch} | ${h ? fmtSpread(h.mbPerSec, 0) : 'n/a'} | ${s ? fmtSpread(s.mbPerSec, 0) : 'n/a'} | ${ratio(h, s)} | ` +
          `${h?.cpuSecondsPerGB.median.toFixed(2) ?? 'n/a'} | ${s?.cpuSecondsPerGB.median.toFixed(2) ?? 'n/a'} | ${mib(h)} | ${mib(s)} |`,
      );
    }
  }
  md.push('');
}
const impls = [...new Set(rows.filter((r) => r.peer !== 'ssh').map((r) => `${r.cipher}: ${r.implementation}`))];
md.push(`hopssh's packet protection ("auto" provider): ${impls.join('; ')}.`, '');

md.push('## hopssh client ↔ hopssh server, in one process (in-memory pair)', '');
md.push(
  'Both ends on one thread (each byte is sealed and opened by the same core), `serveSessions` answering the two commands',
  'in process. Default session sizes (2 MiB window, 32 KiB packets) both ways.',
  '',
  '| cipher | direction | channels | MB/s | CPU s/GB | peak RSS MiB |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
);
for (const c of CIPHERS) {
  for (const dir of DIRECTIONS) {
    for (const ch of MODES) {
      const p = find('pair', c.label, dir, ch);
      if (p) md.push(`| ${c.label} | ${dir} | ${ch} | ${fmtSpread(p.mbPerSec, 0)} | ${p.cpuSecondsPerGB.median.toFixed(2)} | ${mib(p)} |`);
    }
  }
}
md.push('');

// Notes written by hand below this marker in channels.md (profile findings) are kept across runs.
const MARKER = '<!-- notes below are kept when the bench rewrites this file -->';
let notes = '';
try {
  const prev = readFileSync(resultsPath('channels.md'), 'utf8');
  if (prev.includes(MARKER)) notes = prev.slice(prev.indexOf(MARKER) + MARKER.length).trim();
} catch {
  // First run.
}
md.push(MARKER, '');
if (notes) md.push(notes, '');

console.log('\n' + md.join('\n'));
if (QUICK || ONLY) {
  console.log('(--quick / --only: results not written)');
} else {
  writeResults('channels', { ...meta, empty, results: rows }, md.join('\n'));
}
process.exit(0);
