import { describe, expect, it } from 'vitest';
import { createHash, hashLength } from '../../src/crypto/hash.ts';
import { UnsupportedAlgorithmError } from '../../src/crypto/errors.ts';
import type { HashName } from '../../src/crypto/types.ts';
import { hex } from './cipher-helpers.ts';

const enc = new TextEncoder();

// FIPS 180-4 examples ("abc", and the two-block message) — published in the NIST example documents.
const ABC: Record<HashName, string> = {
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512:
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
};

describe('createHash', () => {
  for (const name of Object.keys(ABC) as HashName[]) {
    it(`${name}("abc") matches FIPS 180-4`, () => {
      expect(hex(createHash(name).update(enc.encode('abc')).digest())).toBe(ABC[name]);
    });
    it(`${name} is incremental`, () => {
      const h = createHash(name);
      h.update(enc.encode('a')).update(enc.encode('')).update(enc.encode('bc'));
      expect(hex(h.digest())).toBe(ABC[name]);
    });
    it(`hashLength(${name}) is the digest length`, () => {
      expect(hashLength(name)).toBe(ABC[name].length / 2);
    });
  }

  it('rejects unknown names with UnsupportedAlgorithmError', () => {
    expect(() => createHash('md5' as HashName)).toThrow(UnsupportedAlgorithmError);
    expect(() => hashLength('constructor' as HashName)).toThrow(UnsupportedAlgorithmError);
  });
});
