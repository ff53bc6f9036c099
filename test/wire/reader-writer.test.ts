import { describe, expect, test } from 'vitest';
import { Reader, Writer, WireError, mpintBytes, toBase64, fromBase64, toHex } from '../../src/wire/index.ts';

describe('SSH data types (RFC 4251 §5)', () => {
  test('mpint examples from RFC 4251 §5', () => {
    expect(toHex(new Writer().mpint(0n).bytes())).toBe('00000000');
    expect(toHex(new Writer().mpint(0x9a378f9b2e332a7n).bytes())).toBe('0000000809a378f9b2e332a7');
    expect(toHex(new Writer().mpint(0x80n).bytes())).toBe('000000020080');
    expect(toHex(new Writer().mpint(-0x1234n).bytes())).toBe('00000002edcc');
    expect(toHex(new Writer().mpint(-0xdeadbeefn).bytes())).toBe('00000005ff21524111');
    for (const v of [0n, 1n, -1n, 0x80n, -0x80n, 0x7fn, -0xdeadbeefn, 2n ** 521n - 1n]) {
      expect(new Reader(new Writer().mpint(v).bytes()).mpint()).toBe(v);
    }
  });

  test('non-minimal mpints are refused', () => {
    expect(() => new Reader(Uint8Array.of(0, 0, 0, 2, 0, 1)).mpint()).toThrow(WireError);
    expect(() => new Reader(Uint8Array.of(0, 0, 0, 2, 0xff, 0xff)).mpint()).toThrow(WireError);
  });

  test('name-list round trip and errors', () => {
    const b = new Writer().nameList(['zlib', 'none']).bytes();
    expect(new Reader(b).nameList()).toEqual(['zlib', 'none']);
    expect(new Reader(new Writer().nameList([]).bytes()).nameList()).toEqual([]);
    expect(() => new Reader(new Writer().string('a,,b').bytes()).nameList()).toThrow(/empty name/);
    expect(() => new Reader(new Writer().string('a\x00').bytes()).nameList()).toThrow(/printable ASCII/);
  });

  test('string length beyond the buffer names the field and offset', () => {
    const r = new Reader(Uint8Array.of(0, 0, 0, 9, 1, 2), 0, 6, 'KEXINIT');
    expect(() => r.string('cookie')).toThrow(/KEXINIT\.cookie at offset 0: length 9 exceeds/);
  });

  test('uint64, boolean, trailing bytes', () => {
    const b = new Writer().uint64(2n ** 64n - 1n).boolean(true).bytes();
    const r = new Reader(b);
    expect(r.uint64()).toBe(2n ** 64n - 1n);
    expect(r.boolean()).toBe(true);
    r.done();
    const r2 = new Reader(Uint8Array.of(1, 2));
    r2.byte();
    expect(() => r2.done()).toThrow(/1 trailing bytes/);
  });

  test('mpintBytes keeps a sign byte when needed', () => {
    expect(toHex(mpintBytes(0xffn))).toBe('00ff');
  });

  test('base64 round trip', () => {
    for (let n = 0; n < 40; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(fromBase64(toBase64(b))).toEqual(b);
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }
    expect(() => fromBase64('ab$c')).toThrow(TypeError);
  });
});
