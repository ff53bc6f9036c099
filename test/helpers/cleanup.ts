/**
 * The process-wide registry of things test helpers start or create: server
 * processes, temp directories and network namespaces. Whatever is still
 * registered when this process ends is removed:
 *
 * - on a normal exit and on SIGINT/SIGTERM/SIGHUP, synchronously, by this
 *   process ('exit' handler);
 * - if this process is killed without running handlers (SIGKILL, a crash of
 *   the runtime), by a small detached bash "reaper" that holds the read end of
 *   a pipe from us and cleans up when that pipe reaches end-of-file.
 *
 * Only what was registered here is ever killed or deleted — by pid, path or
 * namespace name — never anything found by name matching.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';

const pids = new Set<number>();
const dirs = new Set<string>();
const namespaces = new Set<string>();
let reaper: ChildProcess | undefined;
let handlersInstalled = false;

const REAPER_SCRIPT = `
declare -A pids dirs nss
while IFS= read -r line; do
  v="\${line#* }"
  case "$line" in
    "pid "*) pids["$v"]=1 ;;  "-pid "*) unset 'pids["$v"]' ;;
    "dir "*) dirs["$v"]=1 ;;  "-dir "*) unset 'dirs["$v"]' ;;
    "ns "*)  nss["$v"]=1 ;;   "-ns "*)  unset 'nss["$v"]' ;;
  esac
done
for p in "\${!pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
sleep 0.5
for p in "\${!pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
for n in "\${!nss[@]}"; do
  for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$n" 2>/dev/null
done
for d in "\${!dirs[@]}"; do rm -rf -- "$d"; done
`;

function tell(line: string): void {
  if (reaper === undefined) {
    try {
      reaper = spawn('bash', ['-c', REAPER_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    } catch {
      return; // no bash: the in-process exit handler still runs in every ordinary case
    }
    reaper.on('error', () => {});
    reaper.stdin!.on('error', () => {});
    reaper.unref();
    (reaper.stdin as Socket).unref();
  }
  reaper.stdin!.write(line + '\n');
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupAllSync();
      // Behave as if we had not been listening: die of the signal, unless
      // someone else (e.g. the test runner) handles it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** Registers a process to kill (with its descendants) when this process ends. */
export function registerPid(pid: number): void {
  installHandlers();
  pids.add(pid);
  tell(`pid ${pid}`);
}
export function unregisterPid(pid: number): void {
  if (pids.delete(pid)) tell(`-pid ${pid}`);
}

/** Registers a directory to remove recursively when this process ends. */
export function registerDir(path: string): void {
  installHandlers();
  dirs.add(path);
  tell(`dir ${path}`);
}
export function unregisterDir(path: string): void {
  if (dirs.delete(path)) tell(`-dir ${path}`);
}

/** Registers a network namespace to delete (killing what runs in it) when this process ends. */
export function registerNetns(name: string): void {
  installHandlers();
  namespaces.add(name);
  tell(`ns ${name}`);
}
export function unregisterNetns(name: string): void {
  if (namespaces.delete(name)) tell(`-ns ${name}`);
}

/**
 * Every descendant of `pid` (children, grandchildren, …), read from /proc.
 * Empty where /proc is not available. Collect these *before* killing `pid`:
 * once it dies its children are re-parented and the link is lost.
 */
export function descendantsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..." — comm may contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(e));
    else children.set(ppid, [Number(e)]);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** True while a process with this pid exists (signal 0 succeeds) and is not a zombie awaiting its reaper. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux'; // no /proc entry: gone (on Linux)
  }
}

/** Sends `signal` to each pid, ignoring ones already gone. */
export function signalAll(list: readonly number[], signal: NodeJS.Signals): void {
  for (const p of list) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

/** Deletes a network namespace after killing every process inside it. Synchronous. */
export function deleteNetnsSync(name: string): void {
  try {
    const inside = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    signalAll(inside.split(/\s+/).filter(Boolean).map(Number), 'SIGKILL');
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Removes everything still registered, synchronously. Runs at process exit. */
export function cleanupAllSync(): void {
  for (const pid of pids) signalAll([...descendantsOf(pid), pid], 'SIGKILL');
  pids.clear();
  for (const ns of namespaces) deleteNetnsSync(ns);
  namespaces.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
  if (reaper?.pid !== undefined) {
    // We cleaned up ourselves; the reaper must not act on recycled pids or names.
    signalAll([reaper.pid], 'SIGKILL');
    reaper = undefined;
  }
}
