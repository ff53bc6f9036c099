/** The bounded DER reader and writer (X.690): encodings, strictness, limits. */
import { describe, expect, test } from 'vitest';
import {
  DER_MAX_DEPTH,
  DER_MAX_INTEGER_BYTES,
  DerReader,
  derBitString,
  derElement,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
} from '../../src/wire/der.ts';
import { WireError } from '../../src/wire/errors.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';

const read = (hex: string) => new DerReader(fromHex(hex), 0, undefined, 'test');

describe('DER writer', () => {
  test('INTEGER: minimal two\'s complement (X.690 §8.3)', () => {
    expect(toHex(derInteger(0n))).toBe('020100');
    expect(toHex(derInteger(127n))).toBe('02017f');
    expect(toHex(derInteger(128n))).toBe('02020080');
    expect(toHex(derInteger(256n))).toBe('02020100');
    expect(toHex(derInteger(-1n))).toBe('0201ff');
    expect(toHex(derInteger(-128n))).toBe('020180');
    expect(toHex(derInteger(-129n))).toBe('0202ff7f');
  });

  test('lengths: short form below 128, minimal long form above', () => {
    expect(toHex(derOctetString(new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(toHex(derOctetString(new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(toHex(derOctetString(new Uint8Array(256))).slice(0, 8)).toBe('04820100');
  });

  test('OID, NULL, BIT STRING, [n], SEQUENCE', () => {
    expect(toHex(derOid('1.2.840.10045.3.1.7'))).toBe('06082a8648ce3d030107');
    expect(toHex(derOid('1.3.101.112'))).toBe('06032b6570');
    expect(toHex(derOid('2.999.3'))).toBe('0603883703');
    expect(toHex(derNull())).toBe('0500');
    expect(toHex(derBitString(Uint8Array.of(0xab)))).toBe('030200ab');
    expect(toHex(derExplicit(1, derNull()))).toBe('a1020500');
    expect(toHex(derSequence(derInteger(1n), derNull()))).toBe('3005020101' + '0500');
    expect(() => derOid('3.1')).toThrow(RangeError);
    expect(() => derOid('1.40')).toThrow(RangeError);
    expect(() => derOid('1.x')).toThrow(RangeError);
    expect(() => derExplicit(31, derNull())).toThrow(RangeError);
  });
});

describe('DER reader', () => {
  test('reads back what the writer writes', () => {
    const der = derSequence(derInteger(-129n), derInteger(1n << 300n), derOctetString(Uint8Array.of(1, 2)), derBitString(Uint8Array.of(9)), derNull(), derOid('1.2.840.113549.1.1.1'), derExplicit(0, derOid('2.999.3')));
    const outer = new DerReader(der);
    const r = outer.sequence('seq');
    outer.done();
    expect(r.integer('a')).toBe(-129n);
    expect(r.integer('b')).toBe(1n << 300n);
    expect(toHex(r.octetString('c'))).toBe('0102');
    expect(toHex(r.bitString('d'))).toBe('09');
    r.null('e');
    expect(r.oid('f')).toBe('1.2.840.113549.1.1.1');
    expect(r.optionalExplicit(1, 'absent')).toBeUndefined();
    const tagged = r.optionalExplicit(0, 'g')!;
    expect(tagged.oid('h')).toBe('2.999.3');
    tagged.done();
    expect(r.remaining).toBe(0);
    r.done();
  });

  const seq = (r: DerReader) => r.sequence('x');
  const octets = (r: DerReader) => r.octetString('x');
  const int = (r: DerReader) => r.integer('x');
  const oid = (r: DerReader) => r.oid('x');
  const bad: [string, string, (r: DerReader) => unknown, RegExp][] = [
    ['indefinite length', '3080', seq, /indefinite/],
    ['non-minimal long length', '04810100', octets, /minimally/],
    ['length with a leading zero byte', '0482000100', octets, /minimally/],
    ['five length bytes', '04850000000001', octets, /too large/],
    ['length past the end', '0405aabb', octets, /exceeds the 2 bytes left/],
    ['no length', '04', octets, /0 bytes left/],
    ['empty INTEGER', '0200', int, /no content/],
    ['non-minimal INTEGER', '02020001', int, /minimally/],
    ['non-minimal negative INTEGER', '0202ff80', int, /minimally/],
    ['BIT STRING with unused bits', '03020180', (r) => r.bitString('x'), /unused bits/],
    ['NULL with content', '050100', (r) => r.null('x'), /NULL has content/],
    ['OID arc with a leading 0x80', '0603808001', oid, /minimally/],
    ['OID ending inside an arc', '06022a86', oid, /ends inside/],
    ['wrong tag', '0400', int, /expected tag 0x2, got 0x4/],
  ];
  test.each(bad)('%s: WireError', (_, hex, readIt, re) => {
    const f = (): unknown => readIt(read(hex));
    expect(f).toThrow(WireError);
    expect(f).toThrow(re);
  });

  test('trailing bytes are refused by done()', () => {
    const r = read('0500ff');
    r.null('n');
    expect(() => r.done()).toThrow(/1 trailing bytes/);
  });

  test('limits: nesting depth and INTEGER size', () => {
    let v = derNull();
    for (let i = 0; i <= DER_MAX_DEPTH; i++) v = derSequence(v);
    let r = new DerReader(v);
    expect(() => {
      for (;;) r = r.sequence('s');
    }).toThrow(/nested deeper than 8/);
    const big = new Uint8Array(DER_MAX_INTEGER_BYTES + 1);
    big[0] = 1;
    expect(() => new DerReader(derElement(0x02, big)).integer('n')).toThrow(/exceeds 4096/);
    const max = big.subarray(1);
    max[0] = 1;
    expect(new DerReader(derElement(0x02, max)).integer('n')).toBe(1n << BigInt(8 * DER_MAX_INTEGER_BYTES - 8));
  });

  test('errors name the structure, field and offset', () => {
    const r = new DerReader(fromHex('3003020100'), 0, undefined, 'PKCS#8').sequence('PrivateKeyInfo');
    r.integer('version');
    expect(() => r.integer('algorithm')).toThrow('PKCS#8.PrivateKeyInfo.algorithm at offset 5: needs a value, 0 bytes left');
  });
});
