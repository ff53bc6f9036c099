/**
 * Fuzzing the session request codecs (src/channel/session-requests.ts): every
 * decoder on any bytes — arbitrary, or a valid encoding cut, extended or with
 * bytes changed — gives a value or a WireError, in bounded time; a decoded
 * value encodes back to the same bytes (pty-req: to bytes that decode to the
 * same value, since terminal modes after TTY_OP_END are ignored); and every
 * valid value survives encode → decode.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { WireError } from '../src/wire/errors.ts';
import {
  SESSION_REQUESTS,
  TERMINAL_MODE,
  decodeTerminalModes,
  encodeTerminalModes,
  type RequestCodec,
  type SessionRequestType,
  type TerminalMode,
} from '../src/channel/session-requests.ts';
import { check, ensure, ensureBytes, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(printStats);

const ALLOWED = [WireError];

// ------------------------------------------------------------ value arbitraries

/** Text as OpenSSH reads it: any Unicode but NUL. */
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\0', ''));
const u32 = fc.nat({ max: 0xffffffff });
const mode: fc.Arbitrary<TerminalMode> = fc.record({
  opcode: fc.oneof(fc.constantFrom(...Object.values(TERMINAL_MODE)), fc.integer({ min: 1, max: 159 })),
  value: u32,
});

const VALUES: { [K in SessionRequestType]: fc.Arbitrary<unknown> } = {
  'pty-req': fc.record({ term: text, cols: u32, rows: u32, widthPx: u32, heightPx: u32, modes: fc.array(mode, { maxLength: 20 }) }),
  env: fc.record({ name: text, value: text }),
  shell: fc.constant({}),
  exec: fc.record({ command: fc.uint8Array({ maxLength: 200 }) }),
  subsystem: fc.record({ name: text }),
  'window-change': fc.record({ cols: u32, rows: u32, widthPx: u32, heightPx: u32 }),
  'xon-xoff': fc.record({ clientCanDo: fc.boolean() }),
  signal: fc.record({ name: text }),
  'exit-status': fc.record({ status: u32 }),
  'exit-signal': fc.record({ name: text, coreDumped: fc.boolean(), message: text, language: text }),
  break: fc.record({ lengthMs: u32 }),
  'eow@openssh.com': fc.constant({}),
  'auth-agent-req@openssh.com': fc.constant({}),
};

const TYPES = Object.keys(SESSION_REQUESTS) as SessionRequestType[];

/**
 * Requests whose decoding is idempotent but not byte-exact: terminal modes
 * after TTY_OP_END are dropped (as sshd), and any non-zero boolean byte is
 * true (RFC 4251 §5) but encodes as 1.
 */
const NOT_CANONICAL = new Set<SessionRequestType>(['pty-req', 'xon-xoff', 'exit-signal']);

/** Deep equality of decoded values (byte arrays compared by content). */
function same(a: unknown, b: unknown): boolean {
  const plain = (_k: string, x: unknown) => (x instanceof Uint8Array ? [...x] : x);
  return JSON.stringify(a, plain) === JSON.stringify(b, plain);
}

/** Bytes a decoder is given: arbitrary, or a valid encoding mutated. */
function inputs(type: SessionRequestType): fc.Arbitrary<Uint8Array> {
  const codec = SESSION_REQUESTS[type] as RequestCodec<unknown>;
  const valid = VALUES[type].map((v) => codec.encode(v).slice());
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    valid,
    fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
    fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([b, extra]) => Uint8Array.from([...b, ...extra])),
    fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([b, edits]) => {
      const out = b.slice();
      if (out.length > 0) for (const [at, v] of edits) out[at % out.length] = v;
      return out;
    }),
  );
}

describe('session request decoders on any bytes', () => {
  for (const type of TYPES) {
    const codec = SESSION_REQUESTS[type] as RequestCodec<unknown>;
    test(`${type}: a value or a WireError; a value encodes back`, () => {
      check(
        fc.property(inputs(type), (bytes) => {
          const r = outcome(ALLOWED, () => codec.decode(bytes), `decode ${type}`);
          stat(`decode ${type}`, r.ok ? 'value' : (r.error as WireError).what);
          if (!r.ok) return;
          const again = codec.encode(r.value);
          if (NOT_CANONICAL.has(type)) ensure(same(codec.decode(again), r.value), () => `${type}: decode(encode(decode(x))) differs`);
          else ensureBytes(again, bytes, `${type}: encode(decode(x))`);
        }),
      );
    }, timeoutFor());
  }

  test('terminal modes: a list or a WireError; re-encoded, the same list', () => {
    check(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(mode, { maxLength: 30 }).map(encodeTerminalModes)), (bytes) => {
        const r = outcome(ALLOWED, () => decodeTerminalModes(bytes), 'terminal modes');
        stat('terminal modes', r.ok ? `${r.value.length > 0 ? 'some' : 'no'} modes` : 'WireError');
        if (!r.ok) return;
        for (const m of r.value) ensure(m.opcode >= 1 && m.opcode <= 159, `opcode ${m.opcode} decoded`);
        ensure(same(decodeTerminalModes(encodeTerminalModes(r.value)), r.value), 'modes do not round-trip');
      }),
    );
  }, timeoutFor());
});

describe('session request values round-trip', () => {
  for (const type of TYPES) {
    const codec = SESSION_REQUESTS[type] as RequestCodec<unknown>;
    test(`${type}: decode(encode(v)) = v`, () => {
      check(
        fc.property(VALUES[type], (v) => {
          const back = codec.decode(codec.encode(v));
          ensure(same(back, v), () => `${type}: ${JSON.stringify(back)}`);
        }),
      );
    }, timeoutFor());
  }
});
