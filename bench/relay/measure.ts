/**
 * One peer run as a process tree, measured from outside:
 *
 * - wall time of the peer's program (bash's $EPOCHREALTIME around it);
 * - CPU time (user + system) of every process in its tree, exactly, ones it
 *   left behind included: the tree runs in a PID namespace of its own
 *   (`unshare --pid --fork`) whose init is a small bash script; orphans (ssh
 *   -J's jump ssh, which the main ssh SIGHUPs without waiting for) are
 *   reparented to that init and reaped by it, so its cutime + cstime
 *   (proc(5) stat fields 16, 17) are the whole tree's;
 * - peak RSS of the tree: the sum over its processes of each one's VmHWM,
 *   sampled every 100 ms (VmHWM only grows, so this misses at most the last
 *   100 ms of a process), the init script not counted;
 * - the data: a download's stdout is compared with the expected stream as it
 *   arrives (first byte to end of file timed here); an upload's stdin is fed
 *   from the stream here (timed from when the peer has taken more than the
 *   pipe can buffer until the program exits).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { descendantsOf, registerPid, unregisterPid } from '../../test/helpers/cleanup.ts';
import { statCpuSeconds, statusBytes } from '../lib/proc.ts';
import { StreamChecker, streamChunks } from './data.ts';

/** pid 1 of the run's PID namespace: runs the peer, waits for what it left behind, writes its own stat line. */
const INIT = String.raw`
stat_file=$1; shift
start=$EPOCHREALTIME
"$@"
status=$?
end=$EPOCHREALTIME
for ((i = 0; i < 500; i++)); do kill -0 -1 2>/dev/null || break; sleep 0.01; done
kill -KILL -1 2>/dev/null
read -r stat < /proc/self/stat
printf '%s %s %s %s\n' "$status" "$start" "$end" "$stat" > "$stat_file"
exit $status
`;

/** Bytes an upload must have handed over before the peer has surely started reading (socketpair buffers both ways). */
const UPLOAD_BUFFERED = 1 << 20;

export interface RunSpec {
  /** Network namespace to run in. */
  netns: string;
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** 'download': stdout must be exactly `bytes` of the stream; 'upload': stdin gets them, stdout must stay empty; 'none': stdin empty. */
  data: 'download' | 'upload' | 'none';
  bytes: number;
  /** Scratch directory for the init's stat file. */
  dir: string;
  timeoutMs: number;
}

export interface RunMeasure {
  /** Wall time of the peer program, seconds. */
  wall: number;
  /** Seconds from the first byte to the end (download) or from the peer taking data to its exit (upload); 0 for 'none'. */
  transfer: number;
  /** Bytes the transfer time covers. */
  transferBytes: number;
  /** CPU seconds of the whole tree. */
  cpu: number;
  /** Sum of the tree's processes' peak RSS, bytes, and the largest single process (with its name). */
  peakRss: number;
  peakRssLargest: { comm: string; bytes: number };
  /** Processes seen in the tree: name → count. */
  processes: Record<string, number>;
  stderr: string;
}

let runCounter = 0;

function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Peaks of a process tree's members, sampled. */
class RssSampler {
  private readonly peaks = new Map<number, { comm: string; bytes: number }>();
  private members: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(private readonly root: number) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 100);
    this.sample();
  }

  private sample(): void {
    // Rescanning /proc costs ~3 ms: often at first (the tree forms), then once a second.
    const t = this.ticks++;
    if (t < 10 || t % 10 === 0) {
      // The root is unshare; its only child is the init script; the peer's tree is below that.
      const [init, ...rest] = descendantsOf(this.root);
      this.members = init === undefined ? [] : rest;
    }
    for (const pid of this.members) {
      const hwm = statusBytes(pid, 'VmHWM');
      if (hwm === undefined) continue;
      const comm = commOf(pid) ?? '?';
      if (comm === 'sleep') continue; // the init's own waiting
      const p = this.peaks.get(pid);
      if (p === undefined || hwm > p.bytes) this.peaks.set(pid, { comm, bytes: hwm });
    }
  }

  stop(): { sum: number; largest: { comm: string; bytes: number }; processes: Record<string, number> } {
    clearInterval(this.timer);
    let sum = 0;
    let largest = { comm: '', bytes: 0 };
    const processes: Record<string, number> = {};
    for (const p of this.peaks.values()) {
      sum += p.bytes;
      if (p.bytes > largest.bytes) largest = p;
      processes[p.comm] = (processes[p.comm] ?? 0) + 1;
    }
    return { sum, largest, processes };
  }
}

/** Wall-clock seconds since the epoch, as bash's $EPOCHREALTIME. */
const epochSeconds = (): number => (performance.timeOrigin + performance.now()) / 1000;

/** Feeds `bytes` of the stream into `w`; resolves with the time (epoch seconds) the peer had taken more than the pipe buffers. */
function feed(w: Writable, bytes: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const chunks = streamChunks(bytes);
    let accepted = 0;
    let started: number | undefined;
    w.on('error', () => resolve(started)); // the peer died: its exit status says so
    const pump = (): void => {
      for (;;) {
        const next = chunks.next();
        if (next.done) {
          w.end(() => resolve(started));
          return;
        }
        const n = next.value.length;
        const more = w.write(next.value, () => {
          accepted += n;
          if (started === undefined && accepted > UPLOAD_BUFFERED) started = epochSeconds();
        });
        if (!more) {
          w.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** Runs one peer program and measures it; rejects (loudly) on a wrong exit status, wrong bytes or a timeout. */
export async function runMeasured(spec: RunSpec): Promise<RunMeasure> {
  const statFile = join(spec.dir, `init-${process.pid}-${runCounter++}.stat`);
  const argv = ['ip', 'netns', 'exec', spec.netns, 'unshare', '--pid', '--fork', '--kill-child', 'bash', '-c', INIT, 'relay-init', statFile, ...spec.argv];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: [spec.data === 'upload' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: spec.env ?? process.env,
  });
  registerPid(child.pid!);
  const sampler = new RssSampler(child.pid!);
  sampler.start();
  const checker = spec.data === 'download' ? new StreamChecker(spec.bytes) : undefined;
  let firstByte: number | undefined;
  let firstChunk = 0;
  let lastByte: number | undefined;
  let stdoutText = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (checker) {
      if (firstByte === undefined) {
        firstByte = epochSeconds();
        firstChunk = d.length;
      }
      checker.push(d);
    } else if (stdoutText.length < 4096) stdoutText += d.toString('latin1');
  });
  child.stdout!.on('end', () => (lastByte = epochSeconds()));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8192)));
  const fed = spec.data === 'upload' ? feed(child.stdin!, spec.bytes) : Promise.resolve(undefined);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL'); // unshare --kill-child takes the namespace with it
  }, spec.timeoutMs);
  const [code] = await Promise.all([
    new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c))),
    fed,
  ]);
  clearTimeout(timer);
  unregisterPid(child.pid!);
  const rss = sampler.stop();
  const uploadStart = await fed;

  const what = `${spec.argv.join(' ')}`;
  if (timedOut) throw new Error(`timed out after ${spec.timeoutMs} ms: ${what}\n${stderr}`);
  let line: string;
  try {
    line = readFileSync(statFile, 'utf8');
    rmSync(statFile);
  } catch {
    throw new Error(`exit ${code} and no measurement from the init script: ${what}\n${stderr}`);
  }
  const [status, start, end] = line.split(' ');
  const cpu = statCpuSeconds(line).children;
  if (code !== 0 || status !== '0') throw new Error(`exit ${code} (peer ${status}): ${what}\n${stderr}${stdoutText}`);
  if (checker?.verdict() !== undefined) throw new Error(`download check failed (${checker.verdict()}): ${what}\n${stderr}`);
  if (spec.data !== 'download' && stdoutText !== '') throw new Error(`unexpected output ${JSON.stringify(stdoutText.slice(0, 200))}: ${what}`);
  let transfer = 0;
  let transferBytes = 0;
  if (spec.data === 'download') {
    transfer = lastByte! - firstByte!;
    transferBytes = spec.bytes - firstChunk;
  } else if (spec.data === 'upload') {
    if (uploadStart === undefined) throw new Error(`upload of ${spec.bytes} bytes: the peer never took more than ${UPLOAD_BUFFERED}: ${what}`);
    transfer = Number(end) - uploadStart; // to the peer's exit (its remote cmp has checked everything)
    transferBytes = spec.bytes - UPLOAD_BUFFERED;
  }
  return {
    wall: Number(end) - Number(start),
    transfer,
    transferBytes,
    cpu,
    peakRss: rss.sum,
    peakRssLargest: rss.largest,
    processes: rss.processes,
    stderr,
  };
}
