/**
 * Blowfish and bcrypt_pbkdf known answers: Schneier's Blowfish vectors
 * (counterpane vectors.txt), OpenBSD's bcrypt_pbkdf regress vectors, and the
 * π digits the cipher starts from, checked against an independent formula.
 */
import { describe, expect, test } from 'vitest';
import { Blowfish, piFractionWords } from '../../src/crypto/blowfish.ts';
import { bcryptPbkdf } from '../../src/crypto/bcrypt-pbkdf.ts';
import { fromHex, toHex, utf8 } from '../../src/wire/bytes.ts';

/**
 * Hex digits n+1.. of π's fraction by the Bailey–Borwein–Plouffe formula
 * (digit extraction, independent of the Machin series the module uses);
 * the first 6 digits of the result are exact in double precision.
 */
function bbpDigits(n: number): number {
  const series = (j: number): number => {
    let s = 0;
    for (let k = 0; k <= n; k++) {
      const m = 8 * k + j;
      let r = 1;
      // 16^(n-k) mod m by square-and-multiply in exact integers.
      for (let e = n - k, b = 16 % m; e > 0; e >>= 1, b = (b * b) % m) if (e & 1) r = (r * b) % m;
      s = (s + r / m) % 1;
    }
    for (let k = n + 1, t = 1 / 16; t > 1e-17; k++, t /= 16) s += t / (8 * k + j);
    return s;
  };
  const x = (4 * series(1) - 2 * series(4) - series(5) - series(6)) % 1;
  return Math.floor((x < 0 ? x + 1 : x) * 2 ** 24);
}

describe('Blowfish initial state: hexadecimal digits of π', () => {
  const words = piFractionWords(18 + 1024);

  test('P-array and S-box corners are the published constants', () => {
    expect(words[0]).toBe(0x243f6a88);
    expect(words[1]).toBe(0x85a308d3);
    expect(words[17]).toBe(0x8979fb1b);
    expect(words[18]).toBe(0xd1310ba6); // S0[0]
    expect(words[18 + 1023]).toBe(0x3ac372e6); // S3[255]
  });

  test('sampled words agree with BBP digit extraction', () => {
    for (const w of [0, 1, 2, 17, 18, 100, 273, 530, 786, 900, 1000, 1041]) {
      expect((words[w]! >>> 8).toString(16), `word ${w}`).toBe(bbpDigits(8 * w).toString(16));
    }
  });

  test('more words extend the same digits (guard bits suffice)', () => {
    expect(piFractionWords(1100).subarray(0, words.length)).toEqual(words);
  });
});

describe('Blowfish (Schneier vectors)', () => {
  const vectors: [key: string, plain: string, cipher: string][] = [
    ['0000000000000000', '0000000000000000', '4ef997456198dd78'],
    ['ffffffffffffffff', 'ffffffffffffffff', '51866fd5b85ecb8a'],
    ['3000000000000000', '1000000000000001', '7d856f9a613063f2'],
    ['1111111111111111', '1111111111111111', '2466dd878b963c9d'],
    ['0123456789abcdef', '1111111111111111', '61f9c3802281b096'],
    ['fedcba9876543210', '0123456789abcdef', '0aceab0fc6a0a28d'],
    ['7ca110454a1a6e57', '01a1d6d039776742', '59c68245eb05282b'],
  ];
  test.each(vectors)('key %s: %s → %s', (key, plain, cipher) => {
    expect(toHex(Blowfish.withKey(fromHex(key)).encryptBlock(fromHex(plain)))).toBe(cipher);
  });

  test('key length is 1..72 bytes', () => {
    expect(() => Blowfish.withKey(new Uint8Array(0))).toThrow(RangeError);
    expect(() => Blowfish.withKey(new Uint8Array(73))).toThrow(RangeError);
  });
});

describe('bcrypt_pbkdf (OpenBSD regress vectors)', () => {
  const lorem =
    'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ' +
    'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ' +
    'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ' +
    'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.';
  const vectors: [pass: string, salt: string, rounds: number, out: string][] = [
    ['password', 'salt', 4, '5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9'],
    ['password', '\0', 4, 'c12b566235eee04c212598970a579a67'],
    ['\0', 'salt', 4, '6051be18c2f4f82cbf0efee5471b4bb9'],
    ['password\0', 'salt\0', 4, '7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050'],
    ['pass\0wor', 'sa\0l', 4, 'c2bffd9db38f6569efef4372f4de83c0'],
    ['pass\0word', 'sa\0lt', 4, '4ba4ac3925c0e8d7f0cdb6bb1684a56f'],
    ['password', 'salt', 8, 'e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d'],
    ['password', 'salt', 42, '833cf0dcf56db65608e8f0dc0ce882bd'],
    [lorem, 'salis\0', 8, '10978b07253df57f71a162eb0e8ad30a'],
  ];
  test.each(vectors)('%j / %j, %d rounds', (pass, salt, rounds, out) => {
    expect(toHex(bcryptPbkdf(utf8(pass), utf8(salt), out.length / 2, rounds))).toBe(out);
  });

  test('a key length that does not divide evenly is spread over every block (stride)', () => {
    // Byte i of block b lands at i·stride + b − 1: a 33-byte key's even bytes
    // come from block 1, as do the first 17 bytes of a 34-byte key's evens.
    const k33 = bcryptPbkdf(utf8('password'), utf8('salt'), 33, 2);
    const k34 = bcryptPbkdf(utf8('password'), utf8('salt'), 34, 2);
    for (let i = 0; i < 33; i += 2) expect(k33[i]).toBe(k34[i]);
    expect(bcryptPbkdf(utf8('password'), utf8('salt'), 1024, 1)).toHaveLength(1024);
  });

  test('parameters bcrypt_pbkdf rejects are RangeErrors', () => {
    const p = utf8('password');
    const s = utf8('salt');
    expect(() => bcryptPbkdf(new Uint8Array(0), s, 32, 4)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, new Uint8Array(0), 32, 4)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 0, 4)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 1025, 4)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 32, 0)).toThrow(RangeError);
    expect(() => bcryptPbkdf(p, s, 32, 1.5)).toThrow(RangeError);
  });
});
