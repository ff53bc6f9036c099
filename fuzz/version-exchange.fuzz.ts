/**
 * Fuzzing the identification-string exchange (RFC 4253 §4.2): VersionParser
 * in both roles, on arbitrary bytes and on valid lines cut at arbitrary
 * points. A result or ProtocolError/LimitError, decided within the limits.
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_VERSION_LIMITS, VersionParser, type VersionLimits, type VersionResult } from '../src/transport/version-exchange.ts';
import { LimitError, ProtocolError } from '../src/transport/errors.ts';
import { check, chunk, concat, cutsArb, ensure, ensureBytes, outcome, timeoutFor, type Outcome } from './fuzz-config.ts';

const ALLOWED = [ProtocolError, LimitError];
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Fed {
  /** The parser's answer: a result, or the error it threw. */
  out: Outcome<VersionResult | undefined>;
  /** Bytes fed before the answer (for a result: up to and including its line feed). */
  fed: number;
  /** Bytes the caller still holds after a result: the rest of that chunk and the chunks not fed. */
  rest: Uint8Array;
}

/** Feeds chunks until a result or an error; checks that nothing is decided late. */
function feedAll(parser: VersionParser, chunks: readonly Uint8Array[], limits: VersionLimits, server: boolean): Fed {
  let fed = 0;
  // Decision bound: the pre-banner bytes (client only), then one line of maxLineLength plus its LF.
  const bound = (server ? 0 : limits.maxPreBannerBytes) + limits.maxLineLength + 1;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    const out = outcome(ALLOWED, () => parser.feed(c), 'VersionParser.feed');
    if (!out.ok) return { out, fed: fed + c.length, rest: new Uint8Array(0) };
    if (out.value) {
      const r = out.value;
      ensure(Number.isInteger(r.consumed) && r.consumed >= 1 && r.consumed <= c.length, `consumed ${r.consumed} outside the chunk of ${c.length}`);
      ensure(c[r.consumed - 1] === 0x0a, 'the identification does not end at a line feed');
      ensure(fed + r.consumed <= bound, `a result after ${fed + r.consumed} bytes, more than the limits allow (${bound})`);
      return { out, fed: fed + r.consumed, rest: concat([c.subarray(r.consumed), ...chunks.slice(i + 1)]) };
    }
    fed += c.length;
    // Still undecided: it can hold no more than the limits allow (this bounds its memory).
    ensure(fed <= bound, `still undecided after ${fed} bytes; the limits allow ${bound}`);
  }
  return { out: { ok: true, value: undefined }, fed, rest: new Uint8Array(0) };
}

function verifyResult(r: VersionResult, limits: VersionLimits, server: boolean): void {
  ensure(/^SSH-(2\.0|1\.99)-[\x20-\x7e]+$/.test(r.identification), () => `accepted identification ${JSON.stringify(r.identification)}`);
  ensure(r.identification.length <= limits.maxLineLength, 'identification longer than the limit');
  ensure(!server || r.preBanner.length === 0, 'a server accepted lines before the identification');
  ensure(r.preBanner.length <= limits.maxPreBannerLines, 'more pre-banner lines than the limit');
  for (const l of r.preBanner) ensure(!l.startsWith('SSH-') && !l.includes('\n'), () => `pre-banner line ${JSON.stringify(l)}`);
}

/** Small limits, so that fuzzing reaches them; sometimes the defaults. */
const limitsArb: fc.Arbitrary<VersionLimits> = fc.oneof(
  fc.constant(DEFAULT_VERSION_LIMITS),
  fc.record({
    maxLineLength: fc.integer({ min: 4, max: 300 }),
    maxPreBannerLines: fc.integer({ min: 0, max: 12 }),
    maxPreBannerBytes: fc.integer({ min: 0, max: 400 }),
  }),
);

const softwareArb = fc.stringMatching(/^[\x21-\x2c\x2e-\x7e]{1,30}$/);
const commentArb = fc.option(fc.stringMatching(/^[\x20-\x7e]{0,30}$/), { nil: undefined });
const idLineArb = fc
  .tuple(fc.constantFrom('2.0', '2.0', '1.99'), softwareArb, commentArb, fc.constantFrom('\r\n', '\n'))
  .map(([v, sw, c, eol]) => ({ id: `SSH-${v}-${sw}${c === undefined ? '' : ' ' + c}`, eol }));

/** Lines a server may send before its identification: anything without LF not starting "SSH-". */
const preLineArb = fc
  .tuple(fc.uint8Array({ maxLength: 60 }).map((b) => b.filter((x) => x !== 0x0a)), fc.constantFrom('\r\n', '\n'))
  .filter(([b]) => !(b[0] === 0x53 && b[1] === 0x53 && b[2] === 0x48 && b[3] === 0x2d))
  // A line "...\r" + "\r\n" would lose only the last CR; keep lines unambiguous.
  .filter(([b, eol]) => !(eol === '\n' && b[b.length - 1] === 0x0d));

/** Bytes near the grammar: fragments of identifications, CR/LF, and random bytes. */
const soupArb = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom('SSH-', 'SSH-2.0-', 'SSH-1.99-', 'SSH-1.5-', 'SSH-2.0', 'SSH-2.0-x', '\r\n', '\n', '\r', '-', ' ', '\x00').map(latin1),
      idLineArb.map(({ id, eol }) => latin1(id + eol)),
    ),
    { maxLength: 12 },
  )
  .map(concat);

describe('fuzz: VersionParser (RFC 4253 §4.2)', () => {
  test('any bytes, any chunking, both roles: a valid result or ProtocolError/LimitError, decided within the limits', () => {
    check(
      fc.property(fc.boolean(), limitsArb, soupArb, cutsArb, (server, limits, bytes, cuts) => {
        const res = feedAll(new VersionParser(!server, limits), chunk(bytes, cuts), limits, server);
        if (res.out.ok && res.out.value) verifyResult(res.out.value, limits, server);
      }),
    );
  }, timeoutFor());

  test('the answer does not depend on how the bytes are chunked', () => {
    check(
      fc.property(fc.boolean(), limitsArb, soupArb, cutsArb, (server, limits, bytes, cuts) => {
        const whole = feedAll(new VersionParser(!server, limits), [bytes.slice()], limits, server);
        const cut = feedAll(new VersionParser(!server, limits), chunk(bytes, cuts), limits, server);
        const describe = (f: Fed) =>
          f.out.ok ? JSON.stringify(f.out.value ? { ...f.out.value, consumed: f.fed } : 'pending') : f.out.error.constructor.name;
        ensure(describe(whole) === describe(cut), () => `whole: ${describe(whole)}; chunked: ${describe(cut)}`);
        if (whole.out.ok && whole.out.value) ensureBytes(cut.rest, whole.rest, 'bytes after the identification');
      }),
    );
  }, timeoutFor());

  test('valid pre-banner lines, identification and packet bytes, cut anywhere: exactly that identification, lines and rest', () => {
    check(
      fc.property(
        fc.boolean(),
        fc.array(preLineArb, { maxLength: 6 }),
        idLineArb,
        fc.uint8Array({ maxLength: 64 }),
        cutsArb,
        (server, pre, { id, eol }, after, cuts) => {
          const lines = server ? [] : pre;
          const input = concat([...lines.map(([b, e]) => concat([b, latin1(e)])), latin1(id + eol), after]);
          const res = feedAll(new VersionParser(!server), chunk(input, cuts), DEFAULT_VERSION_LIMITS, server);
          ensure(res.out.ok && res.out.value, () => `no result: ${res.out.ok ? 'pending' : res.out.error.message}`);
          const r = res.out.value;
          ensure(r.identification === id, `identification ${JSON.stringify(r.identification)}, expected ${JSON.stringify(id)}`);
          const expected = lines.map(([b]) => String.fromCharCode(...b));
          ensure(JSON.stringify(r.preBanner) === JSON.stringify(expected), () => `pre-banner ${JSON.stringify(r.preBanner)}, expected ${JSON.stringify(expected)}`);
          ensureBytes(res.rest, after, 'bytes after the identification');
        },
      ),
    );
  }, timeoutFor());

  test('1 MB without a line feed, or of short lines, or of empty lines: LimitError within the limits, quickly', () => {
    const MB = 1 << 20;
    const streams: [string, (i: number) => number][] = [
      [
        'pseudo-random bytes without LF',
        (i) => {
          const b = Math.imul(i + 1, 2654435761) >>> 24;
          return b === 0x0a ? 0x0b : b;
        },
      ],
      ['SSH-2.0- then x', (i) => (i < 8 ? 'SSH-2.0-'.charCodeAt(i) : 0x78)],
      ['short lines', (i) => (i % 10 === 9 ? 0x0a : 0x61)],
      ['empty lines', () => 0x0a],
      ['CR LF only', (i) => (i % 2 === 0 ? 0x0d : 0x0a)],
    ];
    check(
      fc.property(fc.constantFrom(...streams), fc.boolean(), fc.integer({ min: 1, max: 64 * 1024 }), ([, byteAt], server, chunkSize) => {
        const big = new Uint8Array(MB);
        for (let i = 0; i < MB; i++) big[i] = byteAt(i);
        const chunks: Uint8Array[] = [];
        for (let o = 0; o < MB; o += chunkSize) chunks.push(big.subarray(o, o + chunkSize));
        const t0 = performance.now();
        const res = feedAll(new VersionParser(!server), chunks, DEFAULT_VERSION_LIMITS, server);
        const ms = performance.now() - t0;
        ensure(!res.out.ok, 'no error after 1 MB without an identification');
        ensure(res.out.error instanceof LimitError || (server && res.out.error instanceof ProtocolError), () => `unexpected ${res.out.ok ? '' : res.out.error.constructor.name}`);
        const bound = (server ? 0 : DEFAULT_VERSION_LIMITS.maxPreBannerBytes) + DEFAULT_VERSION_LIMITS.maxLineLength + 1;
        ensure(res.fed <= bound + chunkSize, `the error came after ${res.fed} bytes`);
        ensure(ms < 1000, `took ${ms.toFixed(0)} ms`);
      }),
      0.05,
      200,
      10,
    );
  }, timeoutFor(0.05, 200));
});
