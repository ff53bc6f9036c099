/**
 * The client side of a session channel (RFC 4254 §6): ask for a pty, set
 * environment variables, start a shell, a command or a subsystem, then talk
 * to it — stdin out, stdout and stderr in — until it exits.
 *
 *   const s = await openSession(connection);
 *   s.onData = (d) => …;  s.onStderr = (d) => …;
 *   await s.exec('uname -a');
 *   s.end();
 *   const { exitStatus } = await s.done;
 */
import type { Connection } from './connection.ts';
import type { Channel, IncomingRequest } from './channel.ts';
import { utf8 } from '../wire/bytes.ts';
import { EXTENDED_DATA_STDERR, SessionChannel } from './session-channel.ts';
import {
  AUTH_AGENT_REQ,
  ENV,
  EXEC,
  EXIT_SIGNAL,
  EXIT_STATUS,
  PTY_REQ,
  SHELL,
  SIGNAL,
  SUBSYSTEM,
  WINDOW_CHANGE,
  XON_XOFF,
  terminalModes,
  type TerminalMode,
  type TerminalModeName,
} from './session-requests.ts';

export interface SessionOpenOptions {
  /** Our receive window and largest packet; default OpenSSH's session sizes (2 MiB, 32 KiB). */
  window?: number;
  maxPacket?: number;
  /** Bytes of stdin queued before write() returns false. */
  writeHighWater?: number;
}

/** Terminal modes, by name ({ ECHO: 0 }) or as opcode/value pairs. */
export type TerminalModesInput = Partial<Record<TerminalModeName, number>> | readonly TerminalMode[];

export interface PtyOptions {
  /** TERM of the remote side. Default "xterm" (ssh sends its own $TERM). */
  term?: string;
  /** Size in characters. Default 80 × 24. */
  cols?: number;
  rows?: number;
  /** Size in pixels; 0 when unknown (the default). */
  widthPx?: number;
  heightPx?: number;
  /** Terminal modes (RFC 4254 §8). Default none: the server's defaults. */
  modes?: TerminalModesInput;
}

/** The signal that ended the remote program (exit-signal, RFC 4254 §6.10). */
export interface ExitSignal {
  /** Signal name without "SIG", e.g. "TERM". */
  name: string;
  coreDumped: boolean;
  /** The server's message; often empty. */
  message: string;
}

/** How the remote program ended; neither field when the server said nothing (ssh then exits 255). */
export interface SessionExit {
  exitStatus?: number;
  exitSignal?: ExitSignal;
}

function modesOf(m: TerminalModesInput | undefined): TerminalMode[] {
  if (m === undefined) return [];
  return Array.isArray(m) ? [...(m as readonly TerminalMode[])] : terminalModes(m as Partial<Record<TerminalModeName, number>>);
}

/** Opens a session channel (RFC 4254 §6.1). Rejects with ChannelOpenError if the server refuses. */
export async function openSession(connection: Connection, opts: SessionOpenOptions = {}): Promise<Session> {
  return new Session(connection, await connection.openChannel('session', opts));
}

/**
 * A session channel seen from the client. Requests that want a reply return
 * a Promise that rejects with RequestFailedError when the server refuses;
 * several may be sent without waiting (replies come in order).
 *
 * Output handlers follow the channel's rules: a view valid only during the
 * call; what arrives before a handler is set is held (within the window).
 */
export class Session extends SessionChannel {
  /**
   * Resolves when the channel has closed, with how the program ended; rejects
   * if the connection ended first. Close comes after all output was delivered:
   * set onData and onStderr, or output is held and this waits.
   */
  readonly done: Promise<SessionExit>;
  /** exit-status or exit-signal arrived (before the channel closes). */
  onExit: ((exit: SessionExit) => void) | undefined;
  /** The server says whether the client may handle ^S/^Q itself (xon-xoff, §6.8). */
  onXonXoff: ((clientCanDo: boolean) => void) | undefined;

  private readonly exit: SessionExit = {};
  private stderrHandler: ((data: Uint8Array) => void) | undefined;
  private settle!: (error: Error | undefined) => void;

  constructor(connection: Connection, channel: Channel) {
    super(connection, channel);
    this.done = new Promise<SessionExit>((resolve, reject) => (this.settle = (err) => (err ? reject(err) : resolve(this.exit))));
    // Whoever never awaits `done` must not get an unhandled rejection when the connection drops.
    this.done.catch(() => undefined);
  }

  protected override closed(error: Error | undefined): void {
    this.settle(error);
    super.closed(error);
  }

  // ------------------------------------------------------------ requests (§6)

  /** Request a pseudo-terminal (pty-req, §6.2). */
  pty(o: PtyOptions = {}): Promise<void> {
    return this.sendRequest(
      PTY_REQ,
      { term: o.term ?? 'xterm', cols: o.cols ?? 80, rows: o.rows ?? 24, widthPx: o.widthPx ?? 0, heightPx: o.heightPx ?? 0, modes: modesOf(o.modes) },
      true,
    );
  }

  /** Set an environment variable (env, §6.4); sshd accepts only names its AcceptEnv lists. */
  env(name: string, value: string): Promise<void> {
    return this.sendRequest(ENV, { name, value }, true);
  }

  /** Run a command (exec, §6.5). */
  exec(command: string | Uint8Array): Promise<void> {
    return this.sendRequest(EXEC, { command: typeof command === 'string' ? utf8(command) : command }, true);
  }

  /** Start the user's shell (shell, §6.5). */
  shell(): Promise<void> {
    return this.sendRequest(SHELL, {}, true);
  }

  /** Start a subsystem such as "sftp" (subsystem, §6.5). */
  subsystem(name: string): Promise<void> {
    return this.sendRequest(SUBSYSTEM, { name }, true);
  }

  /**
   * Ask the server to forward our agent (auth-agent-req@openssh.com). Never
   * sent unless called; from then on the connection lets the server open
   * auth-agent@openssh.com channels (served by acceptAgentForwarding).
   */
  requestAgentForwarding(): Promise<void> {
    this.connection.agentForwarding = true;
    return this.sendRequest(AUTH_AGENT_REQ, {}, true);
  }

  /** The terminal was resized (window-change, §6.7; no reply). */
  windowChange(cols: number, rows: number, widthPx = 0, heightPx = 0): void {
    void this.sendRequest(WINDOW_CHANGE, { cols, rows, widthPx, heightPx }, false);
  }

  /** Deliver a signal to the remote program (signal, §6.9: a name without "SIG", e.g. "INT"; no reply). */
  signal(name: string): void {
    void this.sendRequest(SIGNAL, { name }, false);
  }

  protected receiveRequest(req: IncomingRequest): boolean {
    switch (req.type) {
      case EXIT_STATUS.type:
        this.exit.exitStatus = EXIT_STATUS.decode(req.data).status;
        this.onExit?.(this.exit);
        return true;
      case EXIT_SIGNAL.type: {
        const s = EXIT_SIGNAL.decode(req.data);
        this.exit.exitSignal = { name: s.name, coreDumped: s.coreDumped, message: s.message };
        this.onExit?.(this.exit);
        return true;
      }
      case XON_XOFF.type:
        this.onXonXoff?.(XON_XOFF.decode(req.data).clientCanDo);
        return true;
    }
    // Anything else (keepalive@openssh.com from sshd's ClientAliveInterval among them) gets FAILURE, as from ssh.
    return false;
  }

  // ------------------------------------------------------------------ streams

  /** The program's stderr (extended data type 1). Other extended types are consumed and dropped. */
  set onStderr(fn: ((data: Uint8Array) => void) | undefined) {
    this.stderrHandler = fn;
    this.channel.onExtendedData = fn && ((type, d) => type === EXTENDED_DATA_STDERR && fn(d));
  }
  get onStderr(): ((data: Uint8Array) => void) | undefined {
    return this.stderrHandler;
  }

  /** exit-status, once received. */
  get exitStatus(): number | undefined {
    return this.exit.exitStatus;
  }

  /** exit-signal, once received. */
  get exitSignal(): ExitSignal | undefined {
    return this.exit.exitSignal;
  }
}
