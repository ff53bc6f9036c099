/**
 * The server side of session channels (RFC 4254 §6): `serveSessions` accepts
 * the client's "session" opens and hands each to a handler as a
 * ServerSession, which turns the client's requests into calls of its on…
 * handlers. A request whose handler is unset gets FAILURE, as sshd answers
 * what it does not support; so does a second pty or program.
 *
 *   serveSessions(connection, (s) => {
 *     s.onExec = (command) => { s.write(`ran ${command}\n`); s.exit(0); return true; };
 *   });
 */
import type { Connection, IncomingChannelOpen } from './connection.ts';
import type { Channel, IncomingRequest } from './channel.ts';
import { OPEN_FAILURE } from './errors.ts';
import { fromUtf8, utf8 } from '../wire/bytes.ts';
import { EXTENDED_DATA_STDERR, SessionChannel } from './session-channel.ts';
import {
  AUTH_AGENT_REQ,
  BREAK,
  ENV,
  EXEC,
  EXIT_SIGNAL,
  EXIT_STATUS,
  PTY_REQ,
  SHELL,
  SIGNAL,
  SUBSYSTEM,
  WINDOW_CHANGE,
  type PtyRequest,
  type WindowChange,
} from './session-requests.ts';

/** sshd's MaxSessions default: sessions open at once on one connection. */
export const DEFAULT_MAX_SESSIONS = 10;

export interface ServeSessionsOptions {
  /** Most sessions open at once on the connection (sshd's MaxSessions). Default 10. */
  maxSessions?: number;
  /** Our receive window and largest packet; default OpenSSH's session sizes. */
  window?: number;
  maxPacket?: number;
  /** Bytes of output queued before write() returns false. */
  writeHighWater?: number;
}

/** What the client asked the session to run. */
export type SessionProgram =
  | { kind: 'shell' }
  | { kind: 'exec'; command: string; commandBytes: Uint8Array }
  | { kind: 'subsystem'; name: string };

/** A handler's answer: true accepts (SUCCESS), false refuses (FAILURE). */
export type Decision = boolean | Promise<boolean>;

/**
 * Serve "session" channels on `connection`: each accepted one is given to
 * `handler`, which sets the session's on… handlers before returning (requests
 * arrive right after the open). Beyond `maxSessions` opens are refused as
 * sshd refuses them. Returns a function that stops serving.
 */
export function serveSessions(connection: Connection, handler: (session: ServerSession) => void, opts: ServeSessionsOptions = {}): () => void {
  const max = opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
  let open = 0;
  const accept = (o: IncomingChannelOpen): void => {
    if (open >= max) {
      o.reject(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED, 'open failed');
      return;
    }
    const s = new ServerSession(connection, o.accept({ window: opts.window, maxPacket: opts.maxPacket, writeHighWater: opts.writeHighWater }), () => open--);
    open++;
    handler(s);
  };
  connection.channelOpenHandlers.set('session', accept);
  return () => {
    if (connection.channelOpenHandlers.get('session') === accept) connection.channelOpenHandlers.delete('session');
  };
}

/**
 * One session channel seen from the server: the client's requests as
 * handlers, the program's stdin as `onData`/`onEnd`, its stdout and stderr
 * as `write`/`writeStderr`, and its end as `exit` or `exitSignal`.
 */
export class ServerSession extends SessionChannel {
  /** The pty the client asked for and the handler accepted; its size follows window-change. */
  pty: PtyRequest | undefined;
  /** Environment variables accepted by onEnv, in the order received. */
  readonly env = new Map<string, string>();
  /** The program accepted (exec, shell or subsystem), once accepted. */
  program: SessionProgram | undefined;
  /** Whether onAgentForwarding accepted auth-agent-req@openssh.com. */
  agentForwarding = false;

  /** pty-req (§6.2). Unset: refused. */
  onPty: ((pty: PtyRequest) => Decision) | undefined;
  /** env (§6.4). Unset: refused (sshd without AcceptEnv). */
  onEnv: ((name: string, value: string) => Decision) | undefined;
  /** exec (§6.5): the command as text (invalid UTF-8 replaced) and as the client's bytes. */
  onExec: ((command: string, commandBytes: Uint8Array) => Decision) | undefined;
  /** shell (§6.5). */
  onShell: (() => Decision) | undefined;
  /** subsystem (§6.5), e.g. "sftp". */
  onSubsystem: ((name: string) => Decision) | undefined;
  /** window-change (§6.7), after `pty` has been updated; only with a pty. */
  onWindowChange: ((size: WindowChange) => void) | undefined;
  /** signal (§6.9): a name without "SIG". */
  onSignal: ((name: string) => Decision) | undefined;
  /** break (RFC 4335), its length in milliseconds. */
  onBreak: ((lengthMs: number) => Decision) | undefined;
  /** auth-agent-req@openssh.com. Unset: refused (agent forwarding is off by default). */
  onAgentForwarding: (() => Decision) | undefined;
  /** Any other request (x11-req among them). Unset: refused. */
  onRequest: ((req: IncomingRequest) => Decision) | undefined;

  private starting = false;
  private exited = false;

  constructor(
    connection: Connection,
    channel: Channel,
    /** Called once when the channel has closed, before onClose (serveSessions counts sessions with it). */
    private readonly onGone?: () => void,
  ) {
    super(connection, channel);
    // A client sends no extended data; sshd drops it ("bad ext data"). Consumed, so it neither holds stdin up nor the window.
    channel.onExtendedData = () => undefined;
  }

  protected override closed(error: Error | undefined): void {
    this.onGone?.();
    super.closed(error);
  }

  protected receiveRequest(req: IncomingRequest): Decision {
    switch (req.type) {
      case PTY_REQ.type: {
        if (this.pty || this.program || this.starting) return false;
        const pty = PTY_REQ.decode(req.data);
        return decide(this.onPty?.(pty), () => (this.pty = pty));
      }
      case ENV.type: {
        const { name, value } = ENV.decode(req.data);
        return decide(this.onEnv?.(name, value), () => this.env.set(name, value));
      }
      case EXEC.type: {
        const { command } = EXEC.decode(req.data);
        const text = fromUtf8(command);
        return this.start(this.onExec && (() => this.onExec!(text, command)), { kind: 'exec', command: text, commandBytes: command });
      }
      case SHELL.type:
        SHELL.decode(req.data);
        return this.start(this.onShell, { kind: 'shell' });
      case SUBSYSTEM.type: {
        const { name } = SUBSYSTEM.decode(req.data);
        return this.start(this.onSubsystem && (() => this.onSubsystem!(name)), { kind: 'subsystem', name });
      }
      case WINDOW_CHANGE.type: {
        const size = WINDOW_CHANGE.decode(req.data);
        if (!this.pty) return false;
        Object.assign(this.pty, size);
        this.onWindowChange?.(size);
        return true;
      }
      case SIGNAL.type: {
        const { name } = SIGNAL.decode(req.data);
        return decide(this.onSignal?.(name));
      }
      case BREAK.type: {
        const { lengthMs } = BREAK.decode(req.data);
        return decide(this.onBreak?.(lengthMs));
      }
      case AUTH_AGENT_REQ.type:
        AUTH_AGENT_REQ.decode(req.data);
        return decide(this.onAgentForwarding?.(), () => (this.agentForwarding = true));
    }
    return decide(this.onRequest?.(req));
  }

  /** One program per session: a second exec/shell/subsystem, or one while the first is being decided, is refused. */
  private start(handler: (() => Decision) | undefined, program: SessionProgram): Decision {
    if (this.program || this.starting || !handler) return false;
    this.starting = true;
    let result: Decision;
    try {
      result = handler();
    } catch (e) {
      this.starting = false;
      throw e;
    }
    return decide(
      result,
      () => (this.program = program),
      () => (this.starting = false),
    );
  }

  // ------------------------------------------------------------------- output

  /** Write to the program's stderr (extended data type 1). False: wait for onDrain. */
  writeStderr(data: Uint8Array | string): boolean {
    return this.channel.writeExtended(EXTENDED_DATA_STDERR, typeof data === 'string' ? utf8(data) : data);
  }

  /**
   * The program exited: send exit-status (§6.10), then EOF and CLOSE once
   * queued output has gone. Later calls of exit/exitSignal do nothing.
   */
  exit(status: number): void {
    if (this.exited) return;
    const data = EXIT_STATUS.encode({ status });
    this.exited = true;
    this.channel.request(EXIT_STATUS.type, data, false).catch(() => undefined);
    this.channel.close();
  }

  /** The program was killed by a signal (name without "SIG"): exit-signal (§6.10), then EOF and CLOSE. */
  exitSignal(name: string, opts: { coreDumped?: boolean; message?: string } = {}): void {
    if (this.exited) return;
    const data = EXIT_SIGNAL.encode({ name, coreDumped: opts.coreDumped ?? false, message: opts.message ?? '', language: '' });
    this.exited = true;
    this.channel.request(EXIT_SIGNAL.type, data, false).catch(() => undefined);
    this.channel.close();
  }
}

/** A handler's answer as the channel's reply; `onAccept` runs when it is yes, `always` once it is known. */
function decide(result: Decision | undefined, onAccept?: () => unknown, always?: () => void): Decision {
  if (result === undefined) {
    always?.();
    return false;
  }
  const settle = (ok: boolean): boolean => {
    always?.();
    if (ok === true) onAccept?.();
    return ok === true;
  };
  if (typeof result === 'boolean') return settle(result);
  return result.then(settle, (e: unknown) => {
    always?.();
    throw e;
  });
}
