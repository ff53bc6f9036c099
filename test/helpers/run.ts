/**
 * Running a command to completion with a timeout, for test helpers.
 *
 * The child is always killed (SIGKILL) when the timeout passes; the result then
 * has `timedOut: true` and `code: null`. Output is decoded as UTF-8.
 */
import { spawn } from 'node:child_process';

/** What a finished (or timed-out) command produced. */
export interface RunResult {
  /** Exit status, or null when the process ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. Default: empty stdin. */
  input?: string | Uint8Array;
  /** Kill the child after this many milliseconds. Default 30 000. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `argv[0]` with `argv.slice(1)` (no shell) and collects its output. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new TypeError('run: empty argv');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the child may exit without reading its input
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`run: cannot start ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: timedOut ? null : code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a command and throws (with its stderr) unless it exits 0; returns stdout. */
export async function runChecked(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? 'timed out' : r.code === null ? `killed by ${r.signal}` : `exited ${r.code}`;
    throw new Error(`${argv.join(' ')} ${why}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}
