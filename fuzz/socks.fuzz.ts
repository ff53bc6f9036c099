/**
 * Fuzzing the SOCKS handshake (src/channel/socks.ts): any bytes in any
 * chunking give a request or a SocksError — never another error, a hang, or
 * an answer that depends on how the bytes were cut — and well-formed
 * SOCKS5/4/4a requests parse to exactly what was encoded.
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { SocksError, SocksHandshake, type SocksConnect } from '../src/channel/socks.ts';
import { check, chunk, concat, cutsArb, ensure, ensureBytes, outcome, timeoutFor } from './fuzz-config.ts';

interface Result {
  /** Everything the server would send: method selection, then the refusal reply if any. */
  sent: Uint8Array;
  request: SocksConnect | undefined;
  /** Bytes after the request (from its chunk and the chunks not fed). */
  rest: Uint8Array;
  error: SocksError | undefined;
}

/** Feed chunks until the request is complete or an error; "what the server does" in one value. */
function drive(chunks: Uint8Array[]): Result {
  const hs = new SocksHandshake();
  const sent: Uint8Array[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const r = outcome([SocksError], () => hs.feed(chunks[i]!), 'SocksHandshake.feed');
    if (!r.ok) {
      const e = r.error as SocksError;
      if (e.reply) sent.push(e.reply);
      ensure(!hs.done, 'done after an error');
      return { sent: concat(sent), request: undefined, rest: new Uint8Array(0), error: e };
    }
    if (r.value.reply) sent.push(r.value.reply);
    ensure(r.value.reply === undefined || r.value.reply.length === 2, 'a mid-handshake reply is the 2-byte method selection');
    if (r.value.request) {
      ensure(hs.done, 'request without done');
      return { sent: concat(sent), request: r.value.request, rest: concat([r.value.rest!, ...chunks.slice(i + 1)]), error: undefined };
    }
    ensure(r.value.rest === undefined, 'rest without a request');
  }
  return { sent: concat(sent), request: undefined, rest: new Uint8Array(0), error: undefined };
}

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const printable = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-'.split('')), minLength: 1, maxLength: 255 });

/** Well-formed requests with what they must parse to. */
const validArb: fc.Arbitrary<{ bytes: Uint8Array; want: SocksConnect }> = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 6 }), printable, fc.nat({ max: 65535 })).map(([methods, host, port]) => ({
    bytes: Uint8Array.from([5, methods.length + 1, ...methods, 0, 5, 1, 0, 3, host.length, ...Buffer.from(host), ...u16(port)]),
    want: { version: 5 as const, host, port, userId: '' },
  })),
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat({ max: 65535 })).map(([ip, port]) => ({
    bytes: Uint8Array.from([5, 1, 0, 5, 1, 0, 1, ...ip, ...u16(port)]),
    want: { version: 5 as const, host: [...ip].join('.'), port, userId: '' },
  })),
  fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat({ max: 65535 })).map(([ip, port]) => ({
    bytes: Uint8Array.from([5, 1, 0, 5, 1, 0, 4, ...ip, ...u16(port)]),
    want: { version: 5 as const, host: Array.from({ length: 8 }, (_, i) => ((ip[2 * i]! << 8) | ip[2 * i + 1]!).toString(16)).join(':'), port, userId: '' },
  })),
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat({ max: 65535 }), fc.uint8Array({ maxLength: 255 }).map((u) => u.map((x) => x || 1)), printable).map(([ip, port, user, host]) => {
    const socks4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
    return {
      bytes: Uint8Array.from([4, 1, ...u16(port), ...ip, ...user, 0, ...(socks4a ? [...Buffer.from(host), 0] : [])]),
      want: { version: 4 as const, host: socks4a ? host : [...ip].join('.'), port, userId: Buffer.from(user).toString('latin1') },
    };
  }),
);

/** Inputs near the grammar: valid requests cut short, with bytes flipped, or followed by noise; and plain noise. */
const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.tuple(fc.constantFrom(4, 5), fc.uint8Array({ maxLength: 600 })).map(([v, b]) => Uint8Array.from([v, ...b])),
  fc.tuple(validArb, fc.nat(), fc.nat({ max: 255 }), fc.uint8Array({ maxLength: 16 })).map(([v, at, x, tail]) => {
    const b = v.bytes.slice();
    b[at % b.length] = x;
    return concat([b, tail]);
  }),
  fc.tuple(validArb, fc.nat()).map(([v, n]) => v.bytes.subarray(0, n % (v.bytes.length + 1))),
);

describe('fuzz: SOCKS handshake', () => {
  test(
    'any bytes: a request or a SocksError, the same whatever the chunking',
    () => {
      check(
        fc.property(bytesArb, cutsArb, (bytes, cuts) => {
          const whole = drive([bytes]);
          const parts = drive(chunk(bytes, cuts));
          ensure((whole.error === undefined) === (parts.error === undefined), 'chunking changed whether the input is refused');
          ensureBytes(parts.sent, whole.sent, 'bytes sent to the client');
          ensure(JSON.stringify(parts.request) === JSON.stringify(whole.request), 'chunking changed the request');
          ensureBytes(parts.rest, whole.rest, 'bytes after the request');
          // Bounded: a request is never longer than the largest well-formed one.
          if (whole.request) ensure(bytes.length - whole.rest.length <= 2 + 255 + 4 + 1 + 255 + 2 + 8 + 2 * 256, 'request too long');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'well-formed SOCKS5, SOCKS4 and SOCKS4a requests parse to what was encoded',
    () => {
      check(
        fc.property(validArb, cutsArb, fc.uint8Array({ maxLength: 8 }), (v, cuts, tail) => {
          const r = drive(chunk(concat([v.bytes, tail]), cuts));
          ensure(r.error === undefined, () => `refused: ${r.error!.message}`);
          ensure(JSON.stringify(r.request) === JSON.stringify(v.want), () => `got ${JSON.stringify(r.request)}, want ${JSON.stringify(v.want)}`);
          ensureBytes(r.rest, tail, 'early data');
          ensureBytes(r.sent, v.want.version === 5 ? Uint8Array.of(5, 0) : new Uint8Array(0), 'method selection');
        }),
      );
    },
    timeoutFor(),
  );
});
