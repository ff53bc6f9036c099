import type { ByteStream } from './byte-stream.ts';

/**
 * Running a local command whose stdin/stdout carry a connection, as ssh(1)
 * runs a ProxyCommand (ssh_config(5)); injected so that src/jump stays free
 * of runtime-specific APIs. `nodeProcessSpawner` (node-process.ts) implements
 * it on node:child_process.
 */
export interface ProcessSpawner {
  /**
   * Runs `command` with the shell's `exec` directive (`sh -c "exec <command>"`,
   * as ssh_config(5) ProxyCommand: no shell lingers). The command's stdin and
   * stdout become `stream` (not started: nothing is read before `start()`);
   * its stderr goes to ours unless `onStderr` takes it.
   */
  spawn(command: string, options?: SpawnOptions): SpawnedProcess;
}

export interface SpawnOptions {
  /** Receives the command's stderr instead of passing it through. The view is valid only during the call. */
  onStderr?: (chunk: Uint8Array) => void;
}

/** How a process ended: an exit code, or the signal that killed it; `error` when it could not be started. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: Error;
}

export interface SpawnedProcess {
  /** The command line given to spawn(). */
  readonly command: string;
  /** The process id, where the runtime has one and the process started. */
  readonly pid: number | undefined;
  /** stdin (write, end) and stdout (data, end). close() also ends the process (see kill). */
  readonly stream: ByteStream;
  /** Resolves once the process has exited, or failed to start. */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal (default SIGHUP, as ssh(1) ends its ProxyCommand) if it still runs. */
  kill(signal?: string): void;
}

/** A command ended badly (non-zero status, a signal) or could not be started. */
export class ProcessExitError extends Error {
  override name = 'ProcessExitError';
  constructor(
    readonly command: string,
    readonly exit: ProcessExit,
  ) {
    super(`${JSON.stringify(command)} ${describeExit(exit)}`, exit.error ? { cause: exit.error } : undefined);
  }
}

/** "exited with status 255", "was killed by SIGKILL", "could not be started: …". */
export function describeExit(exit: ProcessExit): string {
  if (exit.error) return `could not be started: ${exit.error.message}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with status ${exit.code}`;
}
