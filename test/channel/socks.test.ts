/**
 * The SOCKS server handshake (RFC 1928 SOCKS5 with "no authentication",
 * SOCKS4, SOCKS4a): requests of every address type, any chunking, the
 * refusal each bad input gets, and the bounds.
 */
import { describe, expect, test } from 'vitest';
import { SOCKS4_MAX_FIELD, SOCKS5_REPLY, SocksError, SocksHandshake, socksReply, type SocksStep } from '../../src/channel/socks.ts';

const b = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

/** Feed in chunks of `size` bytes; collect replies; return the final step merged. */
function run(bytes: Uint8Array, size = bytes.length): { replies: number[]; step: SocksStep } {
  const hs = new SocksHandshake();
  const replies: number[] = [];
  let last: SocksStep = {};
  for (let o = 0; o < bytes.length && !hs.done; o += size) {
    last = hs.feed(bytes.subarray(o, o + size));
    if (last.reply) replies.push(...last.reply);
  }
  return { replies, step: last };
}

function refusal(bytes: Uint8Array): SocksError {
  try {
    run(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SocksError);
    return e as SocksError;
  }
  throw new Error('no error');
}

describe('SOCKS5', () => {
  const greeting = [5, 2, 2, 0];
  const domain = b(greeting, [5, 1, 0, 3, 11], 'example.org', [0x01, 0xbb]);

  test('a domain-name CONNECT, whole or a byte at a time, with early data after it', () => {
    for (const size of [domain.length + 5, 1, 2, 3, 7]) {
      const { replies, step } = run(b([...domain], 'GET'), size);
      expect(replies).toEqual([5, 0]);
      expect(step.request).toEqual({ version: 5, host: 'example.org', port: 443, userId: '' });
      if (size > domain.length) expect([...step.rest!]).toEqual([...Buffer.from('GET')]);
    }
  });

  test('IPv4 and IPv6 addresses', () => {
    expect(run(b(greeting, [5, 1, 0, 1, 10, 0, 0, 7, 0, 22])).step.request!.host).toBe('10.0.0.7');
    const v6 = run(b(greeting, [5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80])).step.request!;
    expect(v6).toEqual({ version: 5, host: '2001:db8:0:0:0:0:0:1', port: 80, userId: '' });
  });

  test('refusals carry the reply to send: no acceptable method, BIND, UDP, unknown address type, empty or bad name', () => {
    expect([...refusal(b([5, 1, 2])).reply!]).toEqual([5, 0xff]);
    expect([...refusal(b([5, 0])).reply!]).toEqual([5, 0xff]);
    // The method selection already due comes first.
    expect([...refusal(b(greeting, [5, 2, 0, 1, 1, 2, 3, 4, 0, 1])).reply!]).toEqual([5, 0, ...socksReply(5, SOCKS5_REPLY.COMMAND_NOT_SUPPORTED)]);
    expect(refusal(b(greeting, [5, 3, 0, 1, 1, 2, 3, 4, 0, 1])).reply![3]).toBe(SOCKS5_REPLY.COMMAND_NOT_SUPPORTED);
    expect(refusal(b(greeting, [5, 1, 0, 9, 1, 2, 3, 4, 0, 1])).reply![3]).toBe(SOCKS5_REPLY.ADDRESS_TYPE_NOT_SUPPORTED);
    expect(refusal(b(greeting, [5, 1, 0, 3, 0, 0, 1])).reply![3]).toBe(SOCKS5_REPLY.GENERAL_FAILURE);
    expect(refusal(b(greeting, [5, 1, 0, 3, 2], 'a ', [0, 1])).message).toMatch(/printable/);
    expect(refusal(b(greeting, [4, 1, 0, 1, 1, 2, 3, 4, 0, 1])).reply![3]).toBe(SOCKS5_REPLY.GENERAL_FAILURE);
  });

  test('replies: success and failure codes, bound address zero', () => {
    expect([...socksReply(5, 0)]).toEqual([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect([...socksReply(5, SOCKS5_REPLY.CONNECTION_REFUSED)]).toEqual([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  test('SOCKS4 CONNECT with a user id; SOCKS4a with a host name', () => {
    expect(run(b([4, 1, 0, 80, 192, 168, 1, 2], 'alice', [0])).step.request).toEqual({ version: 4, host: '192.168.1.2', port: 80, userId: 'alice' });
    for (const size of [1, 4, 100]) {
      const { step, replies } = run(b([4, 1, 0x1f, 0x90, 0, 0, 0, 9], [0], 'localhost', [0], 'data'), size);
      expect(replies).toEqual([]);
      expect(step.request).toEqual({ version: 4, host: 'localhost', port: 8080, userId: '' });
      if (size === 100) expect(Buffer.from(step.rest!).toString()).toBe('data');
    }
  });

  test('refusals: BIND, empty 4a name, fields past the bound; replies are SOCKS4 "rejected"', () => {
    expect([...refusal(b([4, 2, 0, 80, 1, 2, 3, 4], [0])).reply!]).toEqual([0, 91, 0, 0, 0, 0, 0, 0]);
    expect(refusal(b([4, 1, 0, 80, 0, 0, 0, 1], [0, 0])).message).toMatch(/empty/);
    expect(refusal(b([4, 1, 0, 80, 1, 2, 3, 4], 'u'.repeat(SOCKS4_MAX_FIELD + 1))).message).toMatch(/too long/);
    expect(refusal(b([4, 1, 0, 80, 0, 0, 0, 1], [0], 'h'.repeat(SOCKS4_MAX_FIELD + 1))).message).toMatch(/too long/);
    // At the bound exactly: accepted.
    expect(run(b([4, 1, 0, 80, 1, 2, 3, 4], 'u'.repeat(SOCKS4_MAX_FIELD), [0])).step.request!.userId.length).toBe(SOCKS4_MAX_FIELD);
  });

  test('an over-long field fed a byte at a time fails at the bound, not later', () => {
    const hs = new SocksHandshake();
    hs.feed(b([4, 1, 0, 80, 1, 2, 3, 4]));
    let fed = 0;
    expect(() => {
      for (;;) {
        hs.feed(b('x'));
        fed++;
      }
    }).toThrow(SocksError);
    expect(fed).toBe(SOCKS4_MAX_FIELD);
    expect([...socksReply(4, 0)]).toEqual([0, 90, 0, 0, 0, 0, 0, 0]);
  });
});

test('unknown versions are refused without a reply; feeding after the request is misuse', () => {
  expect(refusal(b([0x16, 3, 1])).reply).toBeUndefined();
  const hs = new SocksHandshake();
  hs.feed(b([4, 1, 0, 80, 1, 2, 3, 4], [0]));
  expect(hs.done).toBe(true);
  expect(() => hs.feed(b([1]))).toThrow(/already complete/);
});
