/**
 * Type-specific data of the session channel's requests (RFC 4254 §6, RFC 4335,
 * OpenSSH PROTOCOL §2.1 and §2.7), as declarative codecs: each request is a
 * list of fields from which both its encoder and its decoder are made. A
 * decoder takes the data after "want reply", copies what it keeps (the view
 * is only valid during a request handler) and rejects trailing bytes.
 *
 * Text fields are what OpenSSH reads as C strings: UTF-8 without NUL bytes.
 * A command (exec) is kept as bytes, as the shell gets it.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';

// --------------------------------------------------------- terminal modes (§8)

/** Opcodes of the encoded terminal modes (RFC 4254 §8; IUTF8 from RFC 8160). */
export const TERMINAL_MODE = {
  VINTR: 1,
  VQUIT: 2,
  VERASE: 3,
  VKILL: 4,
  VEOF: 5,
  VEOL: 6,
  VEOL2: 7,
  VSTART: 8,
  VSTOP: 9,
  VSUSP: 10,
  VDSUSP: 11,
  VREPRINT: 12,
  VWERASE: 13,
  VLNEXT: 14,
  VFLUSH: 15,
  VSWTCH: 16,
  VSTATUS: 17,
  VDISCARD: 18,
  IGNPAR: 30,
  PARMRK: 31,
  INPCK: 32,
  ISTRIP: 33,
  INLCR: 34,
  IGNCR: 35,
  ICRNL: 36,
  IUCLC: 37,
  IXON: 38,
  IXANY: 39,
  IXOFF: 40,
  IMAXBEL: 41,
  IUTF8: 42,
  ISIG: 50,
  ICANON: 51,
  XCASE: 52,
  ECHO: 53,
  ECHOE: 54,
  ECHOK: 55,
  ECHONL: 56,
  NOFLSH: 57,
  TOSTOP: 58,
  IEXTEN: 59,
  ECHOCTL: 60,
  ECHOKE: 61,
  PENDIN: 62,
  OPOST: 70,
  OLCUC: 71,
  ONLCR: 72,
  OCRNL: 73,
  ONOCR: 74,
  ONLRET: 75,
  CS7: 90,
  CS8: 91,
  PARENB: 92,
  PARODD: 93,
  TTY_OP_ISPEED: 128,
  TTY_OP_OSPEED: 129,
} as const;

export type TerminalModeName = keyof typeof TERMINAL_MODE;

/** One encoded terminal mode: an opcode (1..159) and its uint32 argument. */
export interface TerminalMode {
  opcode: number;
  value: number;
}

const TTY_OP_END = 0;
/** Opcodes 160..255 are undefined and stop parsing (RFC 4254 §8). */
const FIRST_UNDEFINED_OPCODE = 160;

const modeNames = new Map<number, TerminalModeName>(Object.entries(TERMINAL_MODE).map(([k, v]) => [v, k as TerminalModeName]));

/** The mnemonic of an opcode, or undefined for one RFC 4254 does not name. */
export function terminalModeName(opcode: number): TerminalModeName | undefined {
  return modeNames.get(opcode);
}

/** Modes by name ({ ECHO: 0, TTY_OP_ISPEED: 38400 }) as opcode/value pairs, in the object's order. */
export function terminalModes(byName: Partial<Record<TerminalModeName, number>>): TerminalMode[] {
  return Object.entries(byName).map(([name, value]) => {
    const opcode = TERMINAL_MODE[name as TerminalModeName];
    if (opcode === undefined) throw new RangeError(`unknown terminal mode ${name}`);
    return { opcode, value: value! };
  });
}

/** The value of a mode in a decoded list (the last one wins, as when applied in order), or undefined. */
export function terminalModeValue(modes: readonly TerminalMode[], name: TerminalModeName): number | undefined {
  const opcode = TERMINAL_MODE[name];
  let v: number | undefined;
  for (const m of modes) if (m.opcode === opcode) v = m.value;
  return v;
}

/** Encoded terminal modes: opcode, uint32 argument, …, TTY_OP_END (RFC 4254 §8). */
export function encodeTerminalModes(modes: readonly TerminalMode[]): Uint8Array {
  const w = new Writer(5 * modes.length + 1);
  for (const m of modes) {
    if (!Number.isInteger(m.opcode) || m.opcode <= TTY_OP_END || m.opcode >= FIRST_UNDEFINED_OPCODE) {
      throw new RangeError(`terminal mode opcode ${m.opcode} is not in 1..159`);
    }
    w.byte(m.opcode).uint32(m.value);
  }
  return w.byte(TTY_OP_END).bytes();
}

/**
 * Decodes terminal modes as OpenSSH's sshd reads them: up to TTY_OP_END, an
 * opcode of 160 or more (RFC 4254 §8: parsing stops), or the end of the
 * string (a missing TTY_OP_END is tolerated); what follows is ignored.
 */
export function decodeTerminalModes(bytes: Uint8Array): TerminalMode[] {
  const r = new Reader(bytes, 0, bytes.length, 'terminal modes');
  const modes: TerminalMode[] = [];
  while (r.remaining > 0) {
    const opcode = r.byte('opcode');
    if (opcode === TTY_OP_END || opcode >= FIRST_UNDEFINED_OPCODE) break;
    modes.push({ opcode, value: r.uint32('argument') });
  }
  return modes;
}

// ------------------------------------------------------------ declarative codecs

/** Field kinds and the values they decode to. */
interface FieldValues {
  uint32: number;
  boolean: boolean;
  /** UTF-8 text without NUL (OpenSSH reads these as C strings). */
  text: string;
  /** Raw bytes (a copy). */
  bytes: Uint8Array;
  /** A string of encoded terminal modes. */
  modes: TerminalMode[];
}
type FieldKind = keyof FieldValues;
type Field = readonly [name: string, kind: FieldKind];
type FieldsValue<F extends readonly Field[]> = { [E in F[number] as E[0]]: FieldValues[E[1]] };

/** Encoder and decoder of one request's type-specific data. */
export interface RequestCodec<T> {
  readonly type: string;
  encode(value: T): Uint8Array;
  /** Throws WireError for malformed data, trailing bytes included. */
  decode(data: Uint8Array): T;
}

/** The value type of a codec. */
export type RequestValue<C> = C extends RequestCodec<infer T> ? T : never;

function readText(r: Reader, what: string): string {
  const at = r.pos;
  const s = r.text(what);
  if (s.includes('\0')) throw new WireError(`${r.context}.${what}`, at, 'contains a NUL byte');
  return s;
}

function writeText(w: Writer, s: string, what: string): void {
  if (typeof s !== 'string') throw new TypeError(`${what} must be a string`);
  if (s.includes('\0')) throw new RangeError(`${what} contains a NUL character`);
  w.string(s);
}

function readField(r: Reader, kind: FieldKind, name: string): FieldValues[FieldKind] {
  switch (kind) {
    case 'uint32':
      return r.uint32(name);
    case 'boolean':
      return r.boolean(name);
    case 'text':
      return readText(r, name);
    case 'bytes':
      return r.string(name).slice();
    case 'modes':
      return decodeTerminalModes(r.string(name));
  }
}

function writeField(w: Writer, kind: FieldKind, name: string, v: unknown): void {
  switch (kind) {
    case 'uint32':
      w.uint32(v as number);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean`);
      w.boolean(v);
      return;
    case 'text':
      writeText(w, v as string, name);
      return;
    case 'bytes':
      if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
      w.string(v);
      return;
    case 'modes':
      w.string(encodeTerminalModes(v as TerminalMode[]));
      return;
  }
}

function requestCodec<const F extends readonly Field[]>(type: string, fields: F): RequestCodec<FieldsValue<F>> {
  return {
    type,
    encode(value) {
      const w = new Writer(64);
      for (const [name, kind] of fields) writeField(w, kind, name, (value as Record<string, unknown>)[name]);
      return w.bytes();
    },
    decode(data) {
      const r = new Reader(data, 0, data.length, type);
      const out: Record<string, unknown> = {};
      for (const [name, kind] of fields) out[name] = readField(r, kind, name);
      r.done();
      return out as FieldsValue<F>;
    },
  };
}

// ------------------------------------------------------------------- requests

/** pty-req (§6.2): terminal type, size in characters and pixels, terminal modes. */
export const PTY_REQ = requestCodec('pty-req', [
  ['term', 'text'],
  ['cols', 'uint32'],
  ['rows', 'uint32'],
  ['widthPx', 'uint32'],
  ['heightPx', 'uint32'],
  ['modes', 'modes'],
]);
/** env (§6.4): one environment variable. */
export const ENV = requestCodec('env', [
  ['name', 'text'],
  ['value', 'text'],
]);
/** shell (§6.5): the user's default shell. */
export const SHELL = requestCodec('shell', []);
/** exec (§6.5): a command line, as bytes. */
export const EXEC = requestCodec('exec', [['command', 'bytes']]);
/** subsystem (§6.5): a predefined subsystem such as "sftp". */
export const SUBSYSTEM = requestCodec('subsystem', [['name', 'text']]);
/** window-change (§6.7): the terminal's new size. */
export const WINDOW_CHANGE = requestCodec('window-change', [
  ['cols', 'uint32'],
  ['rows', 'uint32'],
  ['widthPx', 'uint32'],
  ['heightPx', 'uint32'],
]);
/** xon-xoff (§6.8, server to client): whether the client may do flow control with ^S/^Q. */
export const XON_XOFF = requestCodec('xon-xoff', [['clientCanDo', 'boolean']]);
/** signal (§6.9): a signal name without "SIG" ("TERM", "INT", …). */
export const SIGNAL = requestCodec('signal', [['name', 'text']]);
/** exit-status (§6.10). */
export const EXIT_STATUS = requestCodec('exit-status', [['status', 'uint32']]);
/** exit-signal (§6.10): signal name without "SIG", whether a core was dumped, a message and its language tag. */
export const EXIT_SIGNAL = requestCodec('exit-signal', [
  ['name', 'text'],
  ['coreDumped', 'boolean'],
  ['message', 'text'],
  ['language', 'text'],
]);
/** break (RFC 4335 §3): a BREAK of this many milliseconds. */
export const BREAK = requestCodec('break', [['lengthMs', 'uint32']]);
/** eow@openssh.com (PROTOCOL §2.1): the server will read no more of the session's input. */
export const EOW = requestCodec('eow@openssh.com', []);
/** auth-agent-req@openssh.com (OpenSSH PROTOCOL.agent): forward the client's agent to this session. */
export const AUTH_AGENT_REQ = requestCodec('auth-agent-req@openssh.com', []);

export type PtyRequest = RequestValue<typeof PTY_REQ>;
export type EnvRequest = RequestValue<typeof ENV>;
export type ExecRequest = RequestValue<typeof EXEC>;
export type WindowChange = RequestValue<typeof WINDOW_CHANGE>;
export type ExitSignalRequest = RequestValue<typeof EXIT_SIGNAL>;

/** Every session request hopssh knows, by request type. */
export const SESSION_REQUESTS = {
  'pty-req': PTY_REQ,
  env: ENV,
  shell: SHELL,
  exec: EXEC,
  subsystem: SUBSYSTEM,
  'window-change': WINDOW_CHANGE,
  'xon-xoff': XON_XOFF,
  signal: SIGNAL,
  'exit-status': EXIT_STATUS,
  'exit-signal': EXIT_SIGNAL,
  break: BREAK,
  'eow@openssh.com': EOW,
  'auth-agent-req@openssh.com': AUTH_AGENT_REQ,
} as const;

export type SessionRequestType = keyof typeof SESSION_REQUESTS;
