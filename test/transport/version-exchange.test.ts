import { describe, expect, test } from 'vitest';
import { VersionParser, identificationLine } from '../../src/transport/version-exchange.ts';
import { LimitError, ProtocolError } from '../../src/transport/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('version exchange (RFC 4253 §4.2)', () => {
  test('client accepts lines before the identification and returns the offset of the binary protocol', () => {
    const p = new VersionParser(true);
    const input = enc('Welcome\r\nsecond line\nSSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\x00\x00\x01');
    const r = p.feed(input)!;
    expect(r.identification).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2');
    expect(r.preBanner).toEqual(['Welcome', 'second line']);
    expect(input.subarray(r.consumed)).toEqual(Uint8Array.of(0, 0, 1));
  });

  test('byte-at-a-time feeding gives the same result', () => {
    const p = new VersionParser(true);
    const input = enc('hi\r\nSSH-1.99-Foo\r\n');
    let r;
    for (let i = 0; i < input.length && !r; i++) r = p.feed(input.subarray(i, i + 1));
    expect(r!.identification).toBe('SSH-1.99-Foo');
  });

  test('server refuses anything before the identification', () => {
    expect(() => new VersionParser(false).feed(enc('GET / HTTP/1.1\r\n'))).toThrow(ProtocolError);
  });

  test('SSH-1 peers get a clear error', () => {
    expect(() => new VersionParser(true).feed(enc('SSH-1.5-old\r\n'))).toThrow(/SSH protocol 1.5, not 2.0/);
  });

  test('line length and pre-banner limits', () => {
    expect(() => new VersionParser(true).feed(enc('SSH-2.0-' + 'x'.repeat(300)))).toThrow(LimitError);
    const p = new VersionParser(true, { maxLineLength: 255, maxPreBannerLines: 3, maxPreBannerBytes: 1000 });
    expect(() => p.feed(enc('a\nb\nc\nd\n'))).toThrow(LimitError);
  });

  test('identification without software version, or with control bytes, is refused', () => {
    expect(() => new VersionParser(true).feed(enc('SSH-2.0-\r\n'))).toThrow(ProtocolError);
    expect(() => new VersionParser(true).feed(enc('SSH-2.0-a\x01b\r\n'))).toThrow(ProtocolError);
  });

  test('our identification line is validated', () => {
    expect(identificationLine('hopssh_0.1')).toBe('SSH-2.0-hopssh_0.1');
    expect(() => identificationLine('bad-dash')).toThrow(TypeError);
  });
});
