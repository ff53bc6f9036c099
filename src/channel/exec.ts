/**
 * Run one command and collect what it printed, as `ssh host command` does
 * (RFC 4254 §6.5): open a session, optionally a pty and environment
 * variables, exec, feed stdin (none: EOF at once, as `ssh -n`), and wait
 * for the channel to close. Output is bounded: past `maxOutput` bytes on
 * either stream the session is closed and OutputLimitError is thrown.
 */
import type { Connection } from './connection.ts';
import { OutputLimitError } from './errors.ts';
import { utf8 } from '../wire/bytes.ts';
import { openSession, type ExitSignal, type PtyOptions, type Session, type SessionOpenOptions } from './session-client.ts';

/** Default bound on each of stdout and stderr. */
export const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

export interface ExecOptions {
  /** The command's input; ended when exhausted. Default: none (EOF at once). */
  stdin?: Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Environment variables (env, §6.4). Ones the server refuses are ignored, as ssh ignores them. */
  env?: Readonly<Record<string, string>>;
  /** Ask for a pty first (pty-req, §6.2); a refusal rejects with RequestFailedError. */
  pty?: boolean | PtyOptions;
  /** Most bytes kept of each of stdout and stderr. Default 16 MiB. */
  maxOutput?: number;
  /** Window and packet sizes of the session channel. */
  session?: SessionOpenOptions;
}

export interface ExecResult {
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** exit-status, when the server sent one. */
  exitStatus?: number;
  /** exit-signal, when the program was killed by a signal. */
  exitSignal?: ExitSignal;
}

/** Output of one stream, kept up to a limit (one copy per chunk, one to join them). */
class Collector {
  private parts: Uint8Array[] = [];
  size = 0;
  /** `keep`: the data of the call as a buffer of our own (Session.keep). */
  constructor(
    private readonly limit: number,
    private readonly keep: (view: Uint8Array) => Uint8Array,
  ) {}

  /** False when `data` would go past the limit (nothing is kept then). */
  push(data: Uint8Array): boolean {
    if (this.size + data.length > this.limit) return false;
    this.parts.push(this.keep(data));
    this.size += data.length;
    return true;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    this.parts = [out];
    return out;
  }
}

/**
 * Runs `command` on the server of `connection` and resolves with its output
 * and how it ended. Rejects with ChannelOpenError or RequestFailedError when
 * the server refuses the session, pty or command, OutputLimitError past
 * `maxOutput`, ChannelClosedError when the connection ends first, or the
 * error the stdin iterable threw.
 */
export async function exec(connection: Connection, command: string | Uint8Array, opts: ExecOptions = {}): Promise<ExecResult> {
  const limit = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  if (!(limit >= 0)) throw new RangeError(`maxOutput must be a non-negative number, got ${limit}`);
  const session = await openSession(connection, opts.session);
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
    session.channel.destroy();
  };
  const keep = (view: Uint8Array): Uint8Array => session.keep(view);
  const stdout = new Collector(limit, keep);
  const stderr = new Collector(limit, keep);
  session.onData = (d) => {
    if (!failure && !stdout.push(d)) fail(new OutputLimitError('stdout', limit));
  };
  session.onStderr = (d) => {
    if (!failure && !stderr.push(d)) fail(new OutputLimitError('stderr', limit));
  };
  try {
    const pty = opts.pty ? session.pty(opts.pty === true ? {} : opts.pty) : undefined;
    for (const [name, value] of Object.entries(opts.env ?? {})) session.env(name, value).catch(() => undefined);
    await pty;
    await session.exec(command);
  } catch (e) {
    session.close();
    throw e;
  }
  // Not awaited: the command may finish before its input is used up (stdin is then dropped, as by ssh).
  feedStdin(session, opts.stdin).catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
  let exit: Awaited<typeof session.done>;
  try {
    exit = await session.done;
  } catch (e) {
    throw failure ?? e;
  }
  if (failure) throw failure;
  return { stdout: stdout.bytes(), stderr: stderr.bytes(), ...exit };
}

/** Writes stdin with backpressure, then EOF; stops early if the program stops reading (eow) or the channel closes. */
async function feedStdin(session: Session, input: ExecOptions['stdin']): Promise<void> {
  if (input !== undefined) {
    let wake: (() => void) | undefined;
    session.onDrain = () => wake?.();
    session.done.then(
      () => wake?.(),
      () => wake?.(),
    );
    const chunks = typeof input === 'string' ? [utf8(input)] : input instanceof Uint8Array ? [input] : input;
    for await (const chunk of chunks) {
      if (!session.writable) break;
      if (!session.write(chunk)) await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  session.end();
}
