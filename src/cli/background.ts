/**
 * -f / ForkAfterAuthentication (ssh(1): "go to background just before
 * command execution", after passwords and passphrases were asked). A
 * JavaScript runtime cannot fork, so hopssh starts itself again: the copy
 * connects, asks what it must on the terminal (it keeps the controlling
 * terminal), and once logged in (and its forwards set up) says so on file
 * descriptor 3; then this process exits 0. Until then the copy's stderr is
 * passed through; afterwards, as ssh(1) puts stdin and stdout (and stderr
 * unless debugging) on /dev/null, the copy writes nothing, and a hangup of
 * the terminal does not end it.
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import type { Log } from './log.ts';

/** Set in the copy's environment. */
const FORKED = 'HOPSSH_FORKED';

/** Whether this process is the background copy. */
export function isBackgroundCopy(): boolean {
  return process.env[FORKED] === '1';
}

/** argv that runs this program again under the same runtime. */
function selfArgv(args: readonly string[]): string[] {
  const script = process.argv[1]!;
  if ((globalThis as { Deno?: unknown }).Deno !== undefined) return [process.execPath, 'run', '-A', script, ...args];
  return [process.execPath, ...process.execArgv, script, ...args];
}

/** Runs the background copy; resolves with this process's exit status: 0 once the copy is logged in, else the copy's. */
export function runInBackground(args: readonly string[]): Promise<number> {
  const [cmd, ...rest] = selfArgv(args);
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, [FORKED]: '1' } });
  const stderr = child.stdio[2]!;
  const ready = child.stdio[3]!;
  stderr.pipe(process.stderr, { end: false });
  return new Promise((resolve) => {
    ready.once('data', () => {
      stderr.unpipe(process.stderr);
      stderr.destroy();
      ready.destroy();
      child.unref();
      resolve(0);
    });
    child.once('error', (e) => {
      process.stderr.write(`hopssh: cannot start in the background: ${e.message}\n`);
      resolve(255);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 255 : 0)));
  });
}

/** In the copy, once logged in: tell the parent, then go quiet and survive the terminal's hangup. */
export function detach(log: Log): void {
  if (!isBackgroundCopy()) return;
  log.debug('forking to background');
  try {
    writeSync(3, '1');
    closeSync(3);
  } catch {
    // the parent is gone already
  }
  if (!log.enabled('DEBUG1')) log.level = 'QUIET';
  // The parent stopped reading our stderr: writing there may fail, which must not end us.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  process.removeAllListeners('SIGHUP');
  process.on('SIGHUP', () => undefined);
}
