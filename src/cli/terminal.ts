/**
 * The local terminal of an interactive session: its size (sent with the pty
 * request, and again on every SIGWINCH as window-change, RFC 4254 §6.7), and
 * raw mode while the remote pty does the line editing — restored however the
 * process ends, as ssh(1) leaves raw mode before it exits.
 */
import { spawnSync } from 'node:child_process';
import type { ReadStream, WriteStream } from 'node:tty';

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A terminal write stream, for its size. */
function ttyOut(): WriteStream | undefined {
  for (const s of [process.stdout, process.stderr]) if ((s as WriteStream).isTTY) return s as WriteStream;
  return undefined;
}

/**
 * The terminal's size in characters, read afresh; 0 × 0 when no output is a
 * terminal (ssh(1) sends what TIOCGWINSZ gives, zeros when it fails).
 */
export function terminalSize(): TerminalSize {
  const out = ttyOut() as (WriteStream & { _refreshSize?: () => void }) | undefined;
  if (out === undefined) return { cols: 0, rows: 0 };
  // Node caches the size and refreshes it on its own SIGWINCH handler; refresh here too so the order of handlers does not matter.
  out._refreshSize?.();
  const [cols, rows] = out.getWindowSize?.() ?? [out.columns ?? 0, out.rows ?? 0];
  return { cols, rows };
}

/** Calls `onResize` with the new size on each SIGWINCH; returns the function that stops it. */
export function watchResize(onResize: (size: TerminalSize) => void): () => void {
  let last = terminalSize();
  const handler = (): void => {
    const now = terminalSize();
    if (now.cols === last.cols && now.rows === last.rows) return;
    last = now;
    onResize(now);
  };
  process.on('SIGWINCH', handler);
  return () => process.removeListener('SIGWINCH', handler);
}

let rawRestore: (() => void) | undefined;

/** Whether stdin is a terminal. */
export function stdinIsTerminal(): boolean {
  return (process.stdin as ReadStream).isTTY === true;
}

/** Puts stdin's terminal in raw mode (ssh(1)'s: no echo, no signals, no output processing) until leaveRawMode() or process exit. No-op when stdin is not a terminal. */
export function enterRawMode(): boolean {
  const stdin = process.stdin as ReadStream;
  if (!stdin.isTTY || rawRestore !== undefined) return false;
  stdin.setRawMode(true);
  // Node's raw mode keeps output processing (LF → CR LF); ssh(1) turns it off, so the remote pty's bytes arrive as sent.
  spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  const restore = (): void => {
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
  };
  rawRestore = restore;
  process.once('exit', leaveRawMode);
  return true;
}

/** Restores the terminal mode saved by enterRawMode(). */
export function leaveRawMode(): void {
  const r = rawRestore;
  rawRestore = undefined;
  r?.();
}
