import { spawn, type ChildProcess } from 'node:child_process';
import type { ByteStream, ByteStreamHandler } from './byte-stream.ts';
import { ProcessExitError, type ProcessExit, type ProcessSpawner, type SpawnedProcess, type SpawnOptions } from './process.ts';

/** How long a command may take to die after SIGHUP before it gets SIGKILL. */
const KILL_GRACE_MS = 2_000;

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** The child's stdin and stdout as a ByteStream. */
class ChildStream implements ByteStream {
  private handler: ByteStreamHandler | undefined;
  private finished = false;
  /** close() was called: the end of the process is ours, not an error. */
  private closedByUs = false;

  constructor(
    private readonly process: NodeSpawnedProcess,
    private readonly child: ChildProcess,
  ) {
    // EPIPE once the command is gone: reported by `close`, from the exit.
    child.stdin!.on('error', () => undefined);
    child.stdout!.on('error', () => undefined);
  }

  start(handler: ByteStreamHandler): void {
    if (this.handler) throw new Error('process stream already started');
    this.handler = handler;
    const { stdin, stdout } = this.child;
    stdout!.on('data', (b: Buffer) => handler.data(view(b)));
    stdout!.on('end', () => handler.end());
    stdin!.on('drain', () => handler.drain());
    // Closed once the process has exited and its stdout is closed.
    this.child.on('close', () => void this.process.exited.then((e) => this.finish(e)));
    void this.process.exited.then((e) => e.error && this.finish(e));
  }

  private finish(exit: ProcessExit): void {
    if (this.finished) return;
    this.finished = true;
    const bad = exit.error !== undefined || exit.code !== 0;
    this.handler?.close(bad && !this.closedByUs ? new ProcessExitError(this.process.command, exit) : undefined);
  }

  write(data: Uint8Array): boolean {
    const stdin = this.child.stdin!;
    if (this.finished || stdin.destroyed || stdin.writableEnded) return false;
    return stdin.write(data);
  }

  pause(): void {
    this.child.stdout!.pause();
  }

  resume(): void {
    this.child.stdout!.resume();
  }

  end(): void {
    const stdin = this.child.stdin!;
    if (!stdin.destroyed) stdin.end();
  }

  close(error?: Error): void {
    this.closedByUs = true;
    this.child.stdin!.destroy();
    this.child.stdout!.destroy();
    this.process.kill();
    if (this.finished) return;
    this.finished = true;
    this.handler?.close(error);
  }
}

class NodeSpawnedProcess implements SpawnedProcess {
  readonly stream: ChildStream;
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(
    readonly command: string,
    options: SpawnOptions,
  ) {
    // ssh_config(5) ProxyCommand: "executed using the user's shell 'exec' directive".
    this.child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', options.onStderr ? 'pipe' : 'inherit'] });
    const onStderr = options.onStderr;
    if (onStderr) this.child.stderr!.on('data', (b: Buffer) => onStderr(view(b)));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.done = true;
        resolve({ code: null, signal: null, error });
      });
      this.child.once('exit', (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      });
    });
    this.stream = new ChildStream(this, this.child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(signal = 'SIGHUP'): void {
    if (this.done) return;
    this.child.kill(signal as NodeJS.Signals);
    if (signal === 'SIGKILL') return;
    const t = setTimeout(() => this.kill('SIGKILL'), KILL_GRACE_MS);
    t.unref();
    void this.exited.then(() => clearTimeout(t));
  }
}

/**
 * ProcessSpawner on node:child_process (also Bun's and Deno's Node
 * compatibility): `/bin/sh -c "exec <command>"`, stderr passed through. The
 * stream's close() ends the command with SIGHUP, as ssh(1) ends its
 * ProxyCommand, and SIGKILL if it is still there 2 s later.
 */
export const nodeProcessSpawner: ProcessSpawner = {
  spawn: (command, options = {}) => new NodeSpawnedProcess(command, options),
};
