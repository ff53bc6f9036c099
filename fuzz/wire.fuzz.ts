/**
 * Fuzzing the wire layer (RFC 4251 §5): Reader on arbitrary bytes, the
 * KEXINIT and EXT_INFO decoders, base64, and Writer → Reader round trips.
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../src/wire/reader.ts';
import { Writer } from '../src/wire/writer.ts';
import { WireError } from '../src/wire/errors.ts';
import { mpintBytes } from '../src/wire/mpint.ts';
import { fromBase64, toBase64 } from '../src/wire/base64.ts';
import { decodeKexInit, encodeKexInit, type KexInit } from '../src/transport/kexinit.ts';
import { decodeExtInfo, encodeExtInfo } from '../src/transport/ext-info.ts';
import { LimitError } from '../src/transport/errors.ts';
import { check, concat, ensure, ensureBytes, outcome, sshString, timeoutFor, u32 } from './fuzz-config.ts';

const utf8 = new TextEncoder();

// ------------------------------------------------------------------ inputs

/** Byte strings that sit on the edges of the decoders: mpint sign bytes, UTF-8 BOM and bad UTF-8, commas. */
const DICTIONARY: Uint8Array[] = [
  Uint8Array.of(),
  Uint8Array.of(0),
  Uint8Array.of(0x80),
  Uint8Array.of(0, 0x80),
  Uint8Array.of(0, 0x7f),
  Uint8Array.of(0xff),
  Uint8Array.of(0xff, 0x80),
  Uint8Array.of(0xff, 0x7f),
  Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), // UTF-8 BOM then "a"
  Uint8Array.of(0xc0, 0x80), // overlong NUL
  Uint8Array.of(0xed, 0xa0, 0x80), // UTF-16 surrogate
  Uint8Array.of(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
  utf8.encode('a,b'),
  utf8.encode(',a'),
  utf8.encode('a,'),
  utf8.encode('a,,b'),
  utf8.encode('x'.repeat(64)),
  utf8.encode('x'.repeat(65)),
  utf8.encode('curve25519-sha256,ext-info-c'),
];

/** SSH-like byte soup: raw bytes, length-prefixed fields (sometimes lying), dictionary entries. */
const fieldArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 40 }).map(sshString),
  fc.constantFrom(...DICTIONARY).map(sshString),
  fc.constantFrom(...DICTIONARY),
  fc.tuple(fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 64 })), fc.uint8Array({ maxLength: 16 })).map(([len, b]) => concat([u32(len), b])),
);

const sshBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fieldArb, { maxLength: 12 }).map(concat),
);

type Op =
  | { kind: 'byte' | 'boolean' | 'uint32' | 'uint64' | 'string' | 'text' | 'ascii' | 'nameList' | 'mpint' | 'positiveMpint' | 'done' }
  | { kind: 'bytes'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>(
    { kind: 'byte' },
    { kind: 'boolean' },
    { kind: 'uint32' },
    { kind: 'uint64' },
    { kind: 'string' },
    { kind: 'text' },
    { kind: 'ascii' },
    { kind: 'nameList' },
    { kind: 'mpint' },
    { kind: 'positiveMpint' },
    { kind: 'done' },
  ),
  fc.nat({ max: 40 }).map((n): Op => ({ kind: 'bytes', n })),
);

/** One observable step: the value read (normalised for comparison) and the position after it, or the error. */
type Step = { value: unknown; pos: number } | { error: string; offset: number };

/**
 * Runs `ops` on a reader over [start, end) of `buf` and checks each value
 * against the definition of its type. Stops at the first WireError.
 */
function runOps(buf: Uint8Array, start: number, end: number, ops: readonly Op[]): Step[] {
  const r = new Reader(buf, start, end, 'fuzz');
  const steps: Step[] = [];
  for (const op of ops) {
    const before = r.pos;
    const res = outcome([WireError], () => read(r, op), `Reader.${op.kind}`);
    if (!res.ok) {
      const e = res.error as WireError;
      ensure(e.offset >= start && e.offset <= end, `WireError offset ${e.offset} outside [${start}, ${end}]`);
      ensure(e.what.startsWith('fuzz'), `WireError does not name the context: ${e.what}`);
      steps.push({ error: e.what, offset: e.offset - start });
      break;
    }
    ensure(r.pos >= before && r.pos <= end, `${op.kind} moved pos from ${before} to ${r.pos} (end ${end})`);
    const consumed = buf.subarray(before, r.pos);
    verifyValue(op, res.value, consumed);
    steps.push({ value: normalise(res.value), pos: r.pos - start });
  }
  return steps;
}

function read(r: Reader, op: Op): unknown {
  switch (op.kind) {
    case 'bytes':
      return r.bytes(op.n);
    case 'done':
      r.done();
      return undefined;
    default:
      return r[op.kind]();
  }
}

function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}

/** Each value must be exactly what its bytes mean (RFC 4251 §5), so re-encoding gives the bytes back. */
function verifyValue(op: Op, v: unknown, consumed: Uint8Array): void {
  const w = new Writer();
  switch (op.kind) {
    case 'byte':
      ensure(typeof v === 'number' && v === consumed[0] && consumed.length === 1, 'byte');
      return;
    case 'boolean':
      ensure(v === (consumed[0] !== 0) && consumed.length === 1, 'boolean');
      return;
    case 'uint32':
      ensure(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `uint32 ${String(v)}`);
      w.uint32(v);
      break;
    case 'uint64':
      ensure(typeof v === 'bigint' && v >= 0n && v < 1n << 64n, `uint64 ${String(v)}`);
      w.uint64(v);
      break;
    case 'bytes':
      ensure(v instanceof Uint8Array && v.length === op.n, 'bytes length');
      w.raw(v);
      break;
    case 'string':
      ensure(v instanceof Uint8Array, 'string');
      w.string(v);
      break;
    case 'text':
      // Lossless: the decoded text must re-encode to exactly the bytes on the wire.
      ensure(typeof v === 'string', 'text');
      w.string(v);
      break;
    case 'ascii':
      ensure(typeof v === 'string' && /^[\x20-\x7e]*$/.test(v), `ascii ${JSON.stringify(v)}`);
      w.string(v);
      break;
    case 'nameList': {
      ensure(Array.isArray(v), 'nameList');
      for (const n of v as string[]) {
        ensure(n.length > 0 && n.length <= 64 && !n.includes(',') && /^[\x20-\x7e]+$/.test(n), `name ${JSON.stringify(n)}`);
      }
      w.nameList(v as string[]);
      break;
    }
    case 'mpint':
    case 'positiveMpint':
      // Minimal encoding (RFC 4251 §5) means exactly one encoding per value.
      ensure(typeof v === 'bigint', 'mpint');
      if (op.kind === 'positiveMpint') ensure(v > 0n, `positiveMpint ${v}`);
      w.mpint(v);
      break;
    case 'done':
      ensure(consumed.length === 0, 'done consumed bytes');
      return;
  }
  ensureBytes(w.bytes(), consumed, `re-encoding of ${op.kind} ${JSON.stringify(normalise(v))}`);
}

// ------------------------------------------------------------------ Reader

describe('fuzz: Reader', () => {
  test('any ops on any bytes: a value that re-encodes to the bytes read, or WireError', () => {
    check(
      fc.property(sshBytesArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), (bytes, ops) => {
        runOps(bytes, 0, bytes.length, ops);
      }),
    );
  }, timeoutFor());

  test('a reader over a window never looks outside it', () => {
    check(
      fc.property(fc.uint8Array({ maxLength: 16 }), sshBytesArb, fc.uint8Array({ maxLength: 16 }), fc.array(opArb, { minLength: 1, maxLength: 12 }), (pre, win, post, ops) => {
        const alone = runOps(win.slice(), 0, win.length, ops);
        const buf = concat([pre, win, post]);
        const inside = runOps(buf, pre.length, pre.length + win.length, ops);
        ensure(JSON.stringify(alone) === JSON.stringify(inside), () => `window result differs:\n${JSON.stringify(alone)}\n${JSON.stringify(inside)}`);
      }),
    );
  }, timeoutFor());
});

// ------------------------------------------------------- Writer → Reader

/** Printable names a name-list may carry (RFC 4251 §6: no comma, at most 64 characters). */
const nameArb = fc.stringMatching(/^[\x21-\x2b\x2d-\x7e]{1,64}$/);

/** Text with an occasional dictionary prefix (BOM, NUL, non-BMP). */
const textArb = fc.tuple(fc.constantFrom('', '', '', '\uFEFF', '\u0000', '\u{1F600}', '\u00e9'), fc.string({ unit: 'binary', maxLength: 40 })).map(([a, b]) => a + b);

const bigArb = fc.oneof(
  fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
  fc.bigInt({ min: -(1n << 4200n), max: 1n << 4200n }),
  fc.tuple(fc.nat({ max: 4200 }), fc.constantFrom(-1n, 0n, 1n), fc.boolean()).map(([bits, d, neg]) => {
    const v = (1n << BigInt(bits)) + d;
    return neg ? -v : v;
  }),
);

type Field =
  | { t: 'byte'; v: number }
  | { t: 'boolean'; v: boolean }
  | { t: 'uint32'; v: number }
  | { t: 'uint64'; v: bigint }
  | { t: 'string'; v: Uint8Array }
  | { t: 'text'; v: string }
  | { t: 'nameList'; v: string[] }
  | { t: 'mpint'; v: bigint };

const fieldValueArb: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((v): Field => ({ t: 'byte', v })),
  fc.boolean().map((v): Field => ({ t: 'boolean', v })),
  fc.oneof(fc.nat(), fc.constantFrom(0, 0x7fffffff, 0x80000000, 0xffffffff)).map((v): Field => ({ t: 'uint32', v })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v): Field => ({ t: 'uint64', v })),
  fc.uint8Array({ maxLength: 64 }).map((v): Field => ({ t: 'string', v })),
  textArb.map((v): Field => ({ t: 'text', v })),
  fc.array(nameArb, { maxLength: 8 }).map((v): Field => ({ t: 'nameList', v })),
  bigArb.map((v): Field => ({ t: 'mpint', v })),
);

describe('fuzz: Writer → Reader round trips', () => {
  test('mpint of any bigint: read back equal, minimal encoding', () => {
    check(
      fc.property(bigArb, (v) => {
        const bytes = new Writer().mpint(v).bytes();
        const r = new Reader(bytes);
        const back = outcome([], () => r.mpint(), 'Reader.mpint');
        ensure(back.ok && back.value === v, () => `mpint ${v} read back as ${back.ok ? back.value : back.error}`);
        r.done();
        // Minimal: no redundant 0x00/0xff lead byte (RFC 4251 §5).
        const body = mpintBytes(v);
        if (body.length > 1) {
          ensure(!(body[0] === 0 && (body[1]! & 0x80) === 0) && !(body[0] === 0xff && (body[1]! & 0x80) !== 0), `mpint ${v} is not minimal`);
        }
        ensure(v !== 0n || body.length === 0, 'zero must have an empty body');
      }),
    );
  }, timeoutFor());

  test('name-lists of valid names round-trip', () => {
    check(
      fc.property(fc.array(nameArb, { maxLength: 20 }), (names) => {
        const r = new Reader(new Writer().nameList(names).bytes());
        const back = outcome([], () => r.nameList(), 'Reader.nameList');
        ensure(back.ok && JSON.stringify(back.value) === JSON.stringify(names), () => `name-list ${JSON.stringify(names)} read back differently`);
        r.done();
      }),
    );
  }, timeoutFor());

  test('any sequence of fields round-trips and nothing is left over', () => {
    check(
      fc.property(fc.array(fieldValueArb, { maxLength: 16 }), fc.nat({ max: 32 }), (fields, headroom) => {
        const w = new Writer(8, headroom);
        for (const f of fields) {
          // Text goes out as a string of its UTF-8 bytes (Writer.string encodes it).
          const method = f.t === 'text' ? 'string' : f.t;
          (w[method] as (v: unknown) => Writer).call(w, f.v);
        }
        const r = new Reader(w.bytes().slice());
        for (const f of fields) {
          const back = outcome([], () => (f.t === 'string' ? r.string() : r[f.t]()), `Reader.${f.t}`);
          ensure(back.ok, `${f.t} failed`);
          ensure(JSON.stringify(normalise(back.value)) === JSON.stringify(normalise(f.v)), () => `${f.t}: wrote ${JSON.stringify(normalise(f.v))}, read ${JSON.stringify(normalise(back.value))}`);
        }
        r.done();
      }),
    );
  }, timeoutFor());
});

// -------------------------------------------------------------- KEXINIT

const nameListArb = fc.array(fc.oneof(nameArb, fc.constantFrom('curve25519-sha256', 'ssh-ed25519', 'aes128-ctr', 'none', 'ext-info-c')), { maxLength: 6 });
const kexInitArb: fc.Arbitrary<KexInit> = fc.record({
  cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  kex: nameListArb,
  hostKey: nameListArb,
  cipherCtoS: nameListArb,
  cipherStoC: nameListArb,
  macCtoS: nameListArb,
  macStoC: nameListArb,
  compressionCtoS: nameListArb,
  compressionStoC: nameListArb,
  languagesCtoS: nameListArb,
  languagesStoC: nameListArb,
  firstKexPacketFollows: fc.boolean(),
});

/** Edits to a valid message: flip, truncate, insert, overwrite a length. */
type Mutation = { kind: 'flip' | 'truncate' | 'insert' | 'length'; at: number; v: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'truncate', 'insert', 'length'),
  at: fc.nat(),
  v: fc.nat(),
});

function mutate(b: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out: Uint8Array = b.slice();
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip' && out.length > 0) out[at] ^= 1 + (m.v % 255);
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = concat([out.subarray(0, at), Uint8Array.of(m.v & 0xff), out.subarray(at)]);
    else if (m.kind === 'length' && out.length >= 4) out.set(u32([0, 1, 0x7fffffff, 0xffffffff, m.v][m.v % 5]! >>> 0), Math.min(at, out.length - 4));
  }
  return out;
}

function sameKexInit(a: KexInit, b: KexInit): boolean {
  return JSON.stringify({ ...a, cookie: Array.from(a.cookie) }) === JSON.stringify({ ...b, cookie: Array.from(b.cookie) });
}

describe('fuzz: KEXINIT (RFC 4253 §7.1)', () => {
  test('decodeKexInit on any bytes: a KexInit that re-encodes consistently, or WireError', () => {
    const withHeader = fc.tuple(fc.uint8Array({ minLength: 17, maxLength: 17 }), sshBytesArb).map(([h, b]) => concat([h, b]));
    check(
      fc.property(fc.oneof(sshBytesArb, withHeader), (bytes) => {
        const res = outcome([WireError], () => decodeKexInit(bytes), 'decodeKexInit');
        if (!res.ok) return;
        const again = encodeKexInit(res.value);
        ensure(again.length === bytes.length, 'a decoded KEXINIT re-encodes to a different length');
        ensure(sameKexInit(decodeKexInit(again), res.value), 'decode(encode(k)) differs from k');
      }),
    );
  }, timeoutFor());

  test('valid KEXINITs decode to what was encoded; mutated ones give a KexInit or WireError', () => {
    check(
      fc.property(kexInitArb, fc.array(mutationArb, { maxLength: 3 }), (k, ms) => {
        const bytes = encodeKexInit(k);
        const back = outcome([], () => decodeKexInit(bytes), 'decodeKexInit');
        ensure(back.ok && sameKexInit(back.value, k), 'a valid KEXINIT did not round-trip');
        outcome([WireError], () => decodeKexInit(mutate(bytes, ms)), 'decodeKexInit (mutated)');
      }),
    );
  }, timeoutFor());
});

// -------------------------------------------------------------- EXT_INFO

const extNameArb = fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,30}$/), fc.constantFrom('server-sig-algs', 'ping@openssh.com', 'no-flow-control'));
const extMapArb = fc.uniqueArray(fc.tuple(extNameArb, fc.uint8Array({ maxLength: 40 })), { selector: ([n]) => n, maxLength: 10 }).map((e) => new Map(e));

describe('fuzz: EXT_INFO (RFC 8308 §2.3)', () => {
  test('decodeExtInfo on any bytes: a map, WireError or LimitError', () => {
    const withCount = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.oneof(fc.nat({ max: 70 }), fc.nat()), sshBytesArb).map(([t, n, b]) => concat([Uint8Array.of(t), u32(n), b]));
    check(
      fc.property(fc.oneof(sshBytesArb, withCount), (bytes) => {
        const res = outcome([WireError, LimitError], () => decodeExtInfo(bytes), 'decodeExtInfo');
        if (res.ok) ensure(res.value.size <= 64, 'more extensions than the limit');
      }),
    );
  }, timeoutFor());

  test('valid EXT_INFO round-trips; mutated ones give a map, WireError or LimitError', () => {
    check(
      fc.property(extMapArb, fc.array(mutationArb, { maxLength: 3 }), (m, ms) => {
        const bytes = encodeExtInfo(m);
        const back = outcome([], () => decodeExtInfo(bytes), 'decodeExtInfo');
        ensure(back.ok && back.value.size === m.size, 'EXT_INFO size differs');
        for (const [k, v] of m) ensureBytes(back.value.get(k) ?? Uint8Array.of(), v, `extension ${k}`);
        outcome([WireError, LimitError], () => decodeExtInfo(mutate(bytes, ms)), 'decodeExtInfo (mutated)');
      }),
    );
  }, timeoutFor());
});

// -------------------------------------------------------------- base64

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Strings near base64: its alphabet, padding, and look-alikes (URL-safe, whitespace, Latin-1 and beyond). */
const b64ishArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...B64, '=', '-', '_', ' ', '\n', '\u00c1', '\u0100', '\u0141', '\u{1F600}', '\uFF21'), maxLength: 24 }),
  fc.uint8Array({ maxLength: 30 }).map((b) => toBase64(b)),
);

describe('fuzz: base64 (RFC 4648 §4)', () => {
  test('fromBase64 on any string: the bytes the string spells, or TypeError', () => {
    check(
      fc.property(b64ishArb, (s) => {
        const res = outcome([TypeError], () => fromBase64(s), 'fromBase64');
        if (!res.ok) return;
        const body = s.replace(/=+$/, '');
        // Only the alphabet, then at most two '=' (RFC 4648 §4).
        ensure(/^[A-Za-z0-9+/]*={0,2}$/.test(s), () => `accepted ${JSON.stringify(s)}, which is not base64`);
        ensure(body.length % 4 !== 1, `accepted a body of length ${body.length}`);
        ensure(res.value.length === Math.floor((body.length * 6) / 8), 'wrong decoded length');
        // The first bits of each character are the bits of the output.
        ensure(toBase64(res.value, false).slice(0, Math.max(0, body.length - 1)) === body.slice(0, Math.max(0, body.length - 1)), () => `decoded ${JSON.stringify(s)} to other bytes`);
      }),
    );
  }, timeoutFor());

  test('toBase64 → fromBase64 round-trips, padded or not', () => {
    check(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, pad) => {
        const s = toBase64(b, pad);
        ensure(!pad || s.length % 4 === 0, 'padded output length');
        ensureBytes(fromBase64(s), b, `fromBase64(${s})`);
      }),
    );
  }, timeoutFor());
});
