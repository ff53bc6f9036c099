/**
 * The session requests' declarative codecs (src/channel/session-requests.ts)
 * against the byte layouts of RFC 4254 §6 and §8, RFC 4335 and OpenSSH
 * PROTOCOL §2.1, written out field by field with the wire Writer.
 */
import { describe, expect, test } from 'vitest';
import { Writer } from '../../src/wire/writer.ts';
import { WireError } from '../../src/wire/errors.ts';
import {
  AUTH_AGENT_REQ,
  BREAK,
  ENV,
  EOW,
  EXEC,
  EXIT_SIGNAL,
  EXIT_STATUS,
  PTY_REQ,
  SESSION_REQUESTS,
  SHELL,
  SIGNAL,
  SUBSYSTEM,
  TERMINAL_MODE,
  WINDOW_CHANGE,
  XON_XOFF,
  decodeTerminalModes,
  encodeTerminalModes,
  terminalModeName,
  terminalModeValue,
  terminalModes,
  type RequestCodec,
} from '../../src/channel/session-requests.ts';

const w = () => new Writer(64);
const te = new TextEncoder();

/** A codec's encoding equals the hand-written layout, and decoding the layout gives the value back. */
function agrees<T>(codec: RequestCodec<T>, value: T, layout: Uint8Array): void {
  expect(codec.encode(value)).toEqual(layout);
  expect(codec.decode(layout)).toEqual(value);
  // Declarative decoders reject trailing bytes and truncation.
  const longer = new Uint8Array(layout.length + 1);
  longer.set(layout);
  expect(() => codec.decode(longer)).toThrow(WireError);
  if (layout.length > 0) expect(() => codec.decode(layout.subarray(0, layout.length - 1))).toThrow(WireError);
}

describe('session request codecs agree with the RFC layouts', () => {
  test('pty-req (§6.2) with encoded terminal modes (§8)', () => {
    const modes = [
      { opcode: TERMINAL_MODE.VINTR, value: 3 },
      { opcode: TERMINAL_MODE.ECHO, value: 1 },
      { opcode: TERMINAL_MODE.IUTF8, value: 1 },
      { opcode: TERMINAL_MODE.TTY_OP_ISPEED, value: 38400 },
      { opcode: TERMINAL_MODE.TTY_OP_OSPEED, value: 38400 },
    ];
    const modeBytes = w().byte(1).uint32(3).byte(53).uint32(1).byte(42).uint32(1).byte(128).uint32(38400).byte(129).uint32(38400).byte(0).bytes();
    const layout = w().string('xterm-256color').uint32(120).uint32(40).uint32(960).uint32(640).string(modeBytes).bytes();
    agrees(PTY_REQ, { term: 'xterm-256color', cols: 120, rows: 40, widthPx: 960, heightPx: 640, modes }, layout);
    // No modes: just TTY_OP_END.
    agrees(PTY_REQ, { term: 'vt100', cols: 80, rows: 24, widthPx: 0, heightPx: 0, modes: [] }, w().string('vt100').uint32(80).uint32(24).uint32(0).uint32(0).string(Uint8Array.of(0)).bytes());
  });

  test('env, exec, subsystem, signal (§6.4, §6.5, §6.9)', () => {
    agrees(ENV, { name: 'LANG', value: 'fr_FR.UTF-8' }, w().string('LANG').string('fr_FR.UTF-8').bytes());
    const cmd = Uint8Array.of(0x6c, 0x73, 0x20, 0xff, 0xfe); // "ls " then bytes that are not UTF-8: kept as they are
    agrees(EXEC, { command: cmd }, w().string(cmd).bytes());
    agrees(SUBSYSTEM, { name: 'sftp' }, w().string('sftp').bytes());
    agrees(SIGNAL, { name: 'TERM' }, w().string('TERM').bytes());
  });

  test('requests without data: shell, eow@openssh.com, auth-agent-req@openssh.com', () => {
    for (const c of [SHELL, EOW, AUTH_AGENT_REQ]) agrees(c as RequestCodec<object>, {}, new Uint8Array(0));
  });

  test('window-change, xon-xoff, exit-status, exit-signal, break', () => {
    agrees(WINDOW_CHANGE, { cols: 132, rows: 43, widthPx: 0, heightPx: 0 }, w().uint32(132).uint32(43).uint32(0).uint32(0).bytes());
    agrees(XON_XOFF, { clientCanDo: true }, Uint8Array.of(1));
    agrees(EXIT_STATUS, { status: 255 }, w().uint32(255).bytes());
    agrees(EXIT_SIGNAL, { name: 'SEGV', coreDumped: true, message: 'Segmentation fault', language: '' }, w().string('SEGV').boolean(true).string('Segmentation fault').string('').bytes());
    agrees(BREAK, { lengthMs: 500 }, w().uint32(500).bytes());
  });

  test('the registry holds every codec under its request type', () => {
    for (const [type, codec] of Object.entries(SESSION_REQUESTS)) expect(codec.type).toBe(type);
    expect(Object.keys(SESSION_REQUESTS).sort()).toEqual(
      ['auth-agent-req@openssh.com', 'break', 'env', 'eow@openssh.com', 'exec', 'exit-signal', 'exit-status', 'pty-req', 'shell', 'signal', 'subsystem', 'window-change', 'xon-xoff'].sort(),
    );
  });

  test('text fields are C strings as OpenSSH reads them: UTF-8 without NUL', () => {
    expect(() => ENV.decode(w().string('A\0B').string('x').bytes())).toThrow(/NUL/);
    expect(() => SIGNAL.decode(w().string(Uint8Array.of(0xc3, 0x28)).bytes())).toThrow(/UTF-8/);
    expect(() => ENV.encode({ name: 'A\0', value: '' })).toThrow(RangeError);
    expect(ENV.decode(w().string('GREETING').string('grüß dich').bytes()).value).toBe('grüß dich');
    // exec keeps bytes: a NUL or invalid UTF-8 is the server's business.
    expect(EXEC.decode(w().string(Uint8Array.of(0, 0xff)).bytes()).command).toEqual(Uint8Array.of(0, 0xff));
  });

  test('decoded byte fields are copies (the request view is reused after the handler)', () => {
    const layout = w().string(te.encode('uptime')).bytes();
    const { command } = EXEC.decode(layout);
    layout.fill(0);
    expect(new TextDecoder().decode(command)).toBe('uptime');
  });

  test('encoders refuse values that do not fit the fields', () => {
    expect(() => EXIT_STATUS.encode({ status: -1 })).toThrow(RangeError);
    expect(() => WINDOW_CHANGE.encode({ cols: 2 ** 32, rows: 1, widthPx: 0, heightPx: 0 })).toThrow(RangeError);
    expect(() => XON_XOFF.encode({ clientCanDo: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => EXEC.encode({ command: 'ls' as unknown as Uint8Array })).toThrow(TypeError);
  });
});

describe('terminal modes (RFC 4254 §8)', () => {
  test('by name, in order; values looked up by name', () => {
    const modes = terminalModes({ ECHO: 0, ICANON: 1, TTY_OP_OSPEED: 9600 });
    expect(modes).toEqual([
      { opcode: 53, value: 0 },
      { opcode: 51, value: 1 },
      { opcode: 129, value: 9600 },
    ]);
    expect(encodeTerminalModes(modes)).toEqual(w().byte(53).uint32(0).byte(51).uint32(1).byte(129).uint32(9600).byte(0).bytes());
    expect(terminalModeValue(modes, 'ECHO')).toBe(0);
    expect(terminalModeValue(modes, 'ISIG')).toBeUndefined();
    expect(terminalModeValue([...modes, { opcode: 53, value: 1 }], 'ECHO')).toBe(1);
    expect(terminalModeName(42)).toBe('IUTF8');
    expect(terminalModeName(100)).toBeUndefined();
    expect(() => terminalModes({ NOPE: 1 } as never)).toThrow(RangeError);
  });

  test('an opcode of 160 or more stops parsing, as does TTY_OP_END; what follows is ignored (as sshd)', () => {
    expect(decodeTerminalModes(w().byte(53).uint32(1).byte(160).byte(1).byte(2).bytes())).toEqual([{ opcode: 53, value: 1 }]);
    expect(decodeTerminalModes(w().byte(53).uint32(1).byte(0).byte(99).bytes())).toEqual([{ opcode: 53, value: 1 }]);
  });

  test('undefined opcodes below 160 keep their uint32 argument; a missing TTY_OP_END is tolerated', () => {
    expect(decodeTerminalModes(w().byte(100).uint32(7).byte(53).uint32(0).bytes())).toEqual([
      { opcode: 100, value: 7 },
      { opcode: 53, value: 0 },
    ]);
    expect(decodeTerminalModes(new Uint8Array(0))).toEqual([]);
  });

  test('a truncated argument is a WireError; opcodes outside 1..159 cannot be encoded', () => {
    expect(() => decodeTerminalModes(Uint8Array.of(53, 0, 0))).toThrow(WireError);
    expect(() => encodeTerminalModes([{ opcode: 0, value: 0 }])).toThrow(RangeError);
    expect(() => encodeTerminalModes([{ opcode: 160, value: 0 }])).toThrow(RangeError);
    expect(() => encodeTerminalModes([{ opcode: 53, value: 2 ** 32 }])).toThrow(RangeError);
  });
});
