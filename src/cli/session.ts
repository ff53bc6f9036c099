/**
 * The remote shell, command or subsystem of `hopssh host [command]`
 * (RFC 4254 §6), wired to this process as ssh(1) wires it: stdin to the
 * channel (EOF passed on; -n: none), the channel's data to stdout and its
 * extended data to stderr, with backpressure both ways (a full stdout or
 * stderr pauses the channel, so the server stops at our window; a full
 * channel pauses stdin). With a pty: the local terminal in raw mode, its
 * size sent on SIGWINCH, and escape sequences (~. …). The result is what
 * ssh(1) exits with: the remote exit status, 255 when there is none (the
 * program was killed by a signal, or the connection ended first).
 */
import type { Readable, Writable } from 'node:stream';
import { acceptAgentForwarding } from '../channel/forward-client.ts';
import type { PtyOptions, Session } from '../channel/session-client.ts';
import { connectUnix } from '../io/node-socket.ts';
import type { SshClient } from '../jump/client.ts';
import { EscapeFilter, escapeHelp } from './escape.ts';
import { EXIT_ERROR } from './exit-codes.ts';
import type { Log } from './log.ts';
import { enterRawMode, leaveRawMode, terminalSize, watchResize } from './terminal.ts';

export interface SessionPlan {
  /** What to start: a shell, a command, or a subsystem (`-s`). */
  readonly kind: 'shell' | 'exec' | 'subsystem';
  /** The command line or subsystem name. */
  readonly command: string;
  /** Ask for a pty with these settings (size from the terminal). */
  readonly pty: Omit<PtyOptions, 'cols' | 'rows'> | undefined;
  /** Environment variables to send (SendEnv, SetEnv). */
  readonly env: readonly (readonly [string, string])[];
  /** Agent socket to forward (ForwardAgent), if any. */
  readonly agentSocket: string | undefined;
  /** -n / StdinNull: send EOF at once, read nothing. */
  readonly stdinNull: boolean;
  /** The escape character (with a pty only), undefined for none. */
  readonly escapeChar: number | undefined;
  /** The host as the user named it, for "Connection to … closed." */
  readonly hostLabel: string;
}

export interface Stdio {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Relays the session's output to `out`, pausing the channel while any
 * output stream is backlogged. A stream that fails (EPIPE) is dropped; when
 * stdout does, the server is told to stop sending (eow@openssh.com).
 */
function relayOutput(session: Session, io: Stdio, log: Log): void {
  const blocked = new Set<Writable>();
  const dead = new Set<Writable>();
  const deliver = (target: Writable, view: Uint8Array): void => {
    if (dead.has(target)) return;
    // Kept (Session.keep): the view is valid only during this call, and a pipe may keep the buffer queued.
    const data = session.keep(view);
    if (!target.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) && !blocked.has(target)) {
      blocked.add(target);
      session.pause();
      target.once('drain', () => {
        blocked.delete(target);
        if (blocked.size === 0) session.resume();
      });
    }
  };
  const fail = (target: Writable, name: string) => (e: Error) => {
    if (dead.has(target)) return;
    dead.add(target);
    if (blocked.delete(target) && blocked.size === 0) session.resume();
    log.debug(`${name}: ${e.message}`);
    if (target === io.stdout) session.closeRead();
  };
  io.stdout.on('error', fail(io.stdout, 'stdout'));
  io.stderr.on('error', fail(io.stderr, 'stderr'));
  session.onData = (d) => deliver(io.stdout, d);
  session.onStderr = (d) => deliver(io.stderr, d);
}

/** Feeds stdin to the session (through the escape filter when there is one); EOF becomes channel EOF. */
function relayInput(session: Session, io: Stdio, escape: EscapeFilter | undefined, onEscape: (action: 'disconnect' | 'help' | 'rekey') => void): () => void {
  const { stdin } = io;
  const onData = (chunk: Buffer): void => {
    let data: Uint8Array = chunk;
    if (escape) {
      const f = escape.filter(chunk);
      data = f.data;
      for (const a of f.actions) onEscape(a);
    }
    if (data.length === 0 || !session.writable) return;
    if (!session.write(data)) stdin.pause();
  };
  const onEnd = (): void => {
    if (session.writable) session.end();
  };
  session.onDrain = () => stdin.resume();
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.on('error', onEnd);
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
  };
}

/** Runs the session; resolves with the exit code. */
export async function runSession(client: SshClient, plan: SessionPlan, io: Stdio, log: Log): Promise<number> {
  const session = await client.openSession();
  const connection = client.connection;
  if (plan.agentSocket !== undefined) {
    const path = plan.agentSocket;
    acceptAgentForwarding(connection, () => connectUnix(path));
    session.requestAgentForwarding().then(
      () => log.debug('agent forwarding accepted'),
      () => log.debug('agent forwarding refused by the server'),
    );
  }
  let pty = false;
  if (plan.pty !== undefined) {
    try {
      await session.pty({ ...plan.pty, ...terminalSize() });
      pty = true;
    } catch {
      log.error('PTY allocation request failed on channel 0');
    }
  }
  for (const [name, value] of plan.env) {
    log.debug(`Sending env ${name} = ${value}`);
    session.env(name, value).catch(() => log.debug(`env ${name} refused by the server`));
  }
  relayOutput(session, io, log);
  try {
    if (plan.kind === 'shell') await session.shell();
    else if (plan.kind === 'exec') await session.exec(plan.command);
    else await session.subsystem(plan.command);
  } catch {
    log.error(plan.kind === 'subsystem' ? `Request for subsystem '${plan.command}' failed on channel 0` : `${plan.kind} request failed on channel 0`);
    session.close();
    return EXIT_ERROR;
  }

  let disconnected = false;
  let stopResize: (() => void) | undefined;
  if (pty) {
    stopResize = watchResize(({ cols, rows }) => session.windowChange(cols, rows));
    if (enterRawMode()) log.raw = true;
  }
  const escape = pty && plan.escapeChar !== undefined ? new EscapeFilter(plan.escapeChar) : undefined;
  const onEscape = (action: 'disconnect' | 'help' | 'rekey'): void => {
    const char = String.fromCharCode(plan.escapeChar ?? 0x7e);
    if (action === 'help') log.write(escapeHelp(char));
    else if (action === 'rekey') void client.transport.rekey().catch(() => undefined);
    else {
      disconnected = true;
      session.channel.destroy();
    }
  };
  const stopInput = plan.stdinNull ? undefined : relayInput(session, io, escape, onEscape);
  if (plan.stdinNull) session.end();

  let exit;
  try {
    exit = await session.done;
  } catch (e) {
    exit = undefined;
    if (!disconnected) log.debug(`session: ${(e as Error).message}`);
  } finally {
    stopInput?.();
    stopResize?.();
    leaveRawMode();
    log.raw = false;
  }
  if (pty && !disconnected && exit !== undefined) log.info(`Connection to ${plan.hostLabel} closed.`);
  if (disconnected) {
    log.info(`Connection to ${plan.hostLabel} closed.`);
    return EXIT_ERROR;
  }
  if (exit === undefined) return EXIT_ERROR;
  if (exit.exitSignal !== undefined) log.debug(`remote command killed by signal ${exit.exitSignal.name}`);
  // ssh(1) exits with the remote exit status; with none (killed by a signal), 255.
  return exit.exitStatus ?? EXIT_ERROR;
}
