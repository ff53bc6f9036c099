/**
 * The WebAssembly SHA-256/SHA-512 (src/crypto/sha2-wasm.ts) and the HMAC on
 * it (sha2-wasm-hmac.ts) that the portable provider uses: FIPS 180-4
 * examples, RFC 4231 test cases, @noble/hashes for every length and split,
 * state hygiene in the shared memory, bad spans, and the fallback to
 * @noble/hashes where WebAssembly is unavailable.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SHA256_IV as NOBLE_SHA256_IV, SHA512_IV as NOBLE_SHA512_IV } from '@noble/hashes/_md.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { nobleProvider } from '../../src/crypto/providers/noble.ts';
import { selfTest } from '../../src/crypto/providers/self-test.ts';
import { sha2Variant } from '../../src/crypto/sha2-wasm-code.ts';
import { HmacSha2Wasm } from '../../src/crypto/sha2-wasm-hmac.ts';
import { Sha2Wasm, sha2Engine, sha2WasmAvailable, type Sha2Hash } from '../../src/crypto/sha2-wasm.ts';
import { fromHex, toHex, utf8 } from '../../src/wire/bytes.ts';
import { rng } from './cipher-helpers.ts';

const NOBLE = { sha256, sha512 };
const HASHES: Sha2Hash[] = ['sha256', 'sha512'];

/** Feeds `msg` to `target` in pieces of the given sizes (cycled), the rest in one update. */
function feed(target: { update(buf: Uint8Array, off: number, len: number): void }, msg: Uint8Array, pieces: number[]): void {
  let at = 0;
  for (let i = 0; pieces.length > 0 && at < msg.length; i++) {
    const n = Math.min(pieces[i % pieces.length]!, msg.length - at);
    target.update(msg, at, n);
    at += n;
  }
  target.update(msg, at, msg.length - at);
}

function digestOf(s: Sha2Wasm, msg: Uint8Array, pieces: number[] = []): string {
  s.start();
  feed(s, msg, pieces);
  s.end();
  const out = new Uint8Array(s.digestBytes);
  s.digestInto(out, 0);
  return toHex(out);
}

/** The MAC, written at an offset of 3 into a larger buffer. */
function macOf(h: HmacSha2Wasm, msg: Uint8Array, pieces: number[] = []): string {
  h.begin();
  feed(h, msg, pieces);
  const out = new Uint8Array(h.length + 3);
  h.finish(out, 3);
  return toHex(out.subarray(3));
}

describe('the constants (FIPS 180-4 §4.2, §5.3), computed from their definitions', () => {
  it('initial hash values equal @noble/hashes\' tables; first and last round constants as published', () => {
    const [s256, s512] = [sha2Variant('sha256'), sha2Variant('sha512')];
    expect(s256.iv.map(Number)).toEqual([...NOBLE_SHA256_IV]);
    expect(s512.iv.map((h) => [Number(h >> 32n), Number(h & 0xffffffffn)]).flat()).toEqual([...NOBLE_SHA512_IV]);
    expect([s256.k[0], s256.k[63]]).toEqual([0x428a2f98n, 0xc67178f2n]);
    expect([s512.k[0], s512.k[79]]).toEqual([0x428a2f98d728ae22n, 0x6c44198c4a475817n]);
  });
});

describe('SHA-256 and SHA-512 on WebAssembly', () => {
  it('WebAssembly runs it under Node, and the portable provider\'s HMAC-SHA-256/512 use it', () => {
    expect(sha2WasmAvailable()).toBe(true);
    expect(nobleProvider.hmac!('sha256', new Uint8Array(32))).toBeInstanceOf(HmacSha2Wasm);
    expect(nobleProvider.hmac!('sha512', new Uint8Array(64))).toBeInstanceOf(HmacSha2Wasm);
    expect(nobleProvider.hmac!('sha1', new Uint8Array(20))).not.toBeInstanceOf(HmacSha2Wasm);
  });

  // FIPS 180-4 examples (NIST's "Example Algorithm" values): empty, "abc", the two-block messages, a million "a".
  const MILLION_A = new Uint8Array(1_000_000).fill(0x61);
  const EXAMPLES: [Sha2Hash, Uint8Array, string][] = [
    ['sha256', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['sha256', utf8('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256', utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['sha256', MILLION_A, 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
    ['sha512', new Uint8Array(0),
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'],
    ['sha512', utf8('abc'),
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
    ['sha512', utf8('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
      '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909'],
    ['sha512', MILLION_A,
      'e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b'],
  ];
  it.each(EXAMPLES)('%s: FIPS 180-4 example of %#', (hash, msg, want) => {
    const s = new Sha2Wasm(hash);
    expect(digestOf(s, msg)).toBe(want);
    expect(digestOf(s, msg, [1, 3, 63, 64, 65, 127, 128, 129]), 'uneven pieces').toBe(want);
    expect(toHex(NOBLE[hash](msg)), '@noble/hashes agrees').toBe(want);
  });

  it.each(HASHES)('%s: every length 0..700 equals @noble/hashes, one state reused', (hash) => {
    const rand = rng(11);
    const s = new Sha2Wasm(hash);
    for (let n = 0; n <= 700; n++) {
      const msg = rand(n);
      const got = digestOf(s, msg, n % 3 === 0 ? [] : [n % 7, 1 + (n % 130)]);
      if (got !== toHex(NOBLE[hash](msg))) expect(got, `length ${n}`).toBe(toHex(NOBLE[hash](msg)));
    }
  });

  it.each(HASHES)('%s: every split of a message into three updates', (hash) => {
    const rand = rng(12);
    const msg = rand(260);
    const want = toHex(NOBLE[hash](msg));
    const s = new Sha2Wasm(hash);
    const out = new Uint8Array(s.digestBytes);
    for (let i = 0; i <= msg.length; i += 3) {
      for (let j = i; j <= msg.length; j++) {
        s.start();
        s.update(msg, 0, i);
        s.update(msg, i, j - i);
        s.update(msg, j, msg.length - j);
        s.end();
        s.digestInto(out, 0);
        if (toHex(out) !== want) expect(toHex(out), `split at ${i}, ${j}`).toBe(want);
      }
    }
  });

  it.each(HASHES)('%s: the length field past 2^32 bits and 2^32 bytes (a state counted as having absorbed that much)', (hash) => {
    const rand = rng(14);
    const s = new Sha2Wasm(hash);
    const iv = new Int32Array(hash === 'sha256' ? 8 : 16);
    s.save(iv);
    for (const absorbed of [2 ** 29, 2 ** 32 + 128, 2 ** 41 - 128, 2 ** 50]) {
      const msg = rand(absorbed % 7 === 0 ? 70 : 130);
      s.start(iv, absorbed);
      s.update(msg, 0, msg.length);
      s.end();
      const out = new Uint8Array(s.digestBytes);
      s.digestInto(out, 0);
      // @noble/hashes with the same byte count: its `length` field is what its padding encodes.
      const n = NOBLE[hash].create() as unknown as { length: number; update(m: Uint8Array): void; digest(): Uint8Array };
      n.length = absorbed;
      n.update(msg);
      expect(toHex(out), `${absorbed} bytes before`).toBe(toHex(n.digest()));
    }
  });

  it.each(HASHES)('%s: long messages across the memory\'s 65408-byte chunks, whole and in random pieces', (hash) => {
    const rand = rng(13);
    const s = new Sha2Wasm(hash);
    for (const n of [65408 - 1, 65408, 65408 + 1, 65408 + 4, 2 * 65408 + 127, 200_000]) {
      const msg = rand(n);
      const want = toHex(NOBLE[hash](msg));
      expect(digestOf(s, msg), `length ${n}`).toBe(want);
      expect(digestOf(s, msg, [4, 65408, 3, 70000, 129]), `length ${n} in pieces`).toBe(want);
      const sizes = Array.from(rand(12), (b) => 1 + b * 97);
      expect(digestOf(s, msg, sizes), `length ${n} in random pieces`).toBe(want);
    }
  });
});

// RFC 4231 §4.2–§4.8, test cases 1–7 (case 5: output truncated to 128 bits).
const RFC4231: { key: Uint8Array; data: Uint8Array; sha256: string; sha512: string }[] = [
  { key: new Uint8Array(20).fill(0x0b), data: utf8('Hi There'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha512: '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854' },
  { key: utf8('Jefe'), data: utf8('what do ya want for nothing?'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737' },
  { key: new Uint8Array(20).fill(0xaa), data: new Uint8Array(50).fill(0xdd),
    sha256: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    sha512: 'fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb' },
  { key: Uint8Array.from({ length: 25 }, (_, i) => i + 1), data: new Uint8Array(50).fill(0xcd),
    sha256: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    sha512: 'b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd' },
  { key: new Uint8Array(20).fill(0x0c), data: utf8('Test With Truncation'),
    sha256: 'a3b6167473100ee06e0c796c2955552b', sha512: '415fad6271580a531d4179bc891d87a6' },
  { key: new Uint8Array(131).fill(0xaa), data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha512: '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598' },
  { key: new Uint8Array(131).fill(0xaa),
    data: utf8('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    sha256: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    sha512: 'e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58' },
];

describe('HMAC-SHA-256/512 on WebAssembly', () => {
  it.each(HASHES)('%s: RFC 4231 test cases 1–7, twice per key, whole and a byte at a time', (hash) => {
    RFC4231.forEach((c, i) => {
      const h = new HmacSha2Wasm(hash, c.key);
      expect(h.length).toBe(hash === 'sha256' ? 32 : 64);
      for (const pieces of [[], [1], []]) {
        const got = macOf(h, c.data, pieces).slice(0, c[hash].length);
        expect(got, `case ${i + 1}`).toBe(c[hash]);
      }
      expect(toHex(hmac(NOBLE[hash], c.key, c.data)).slice(0, c[hash].length), `case ${i + 1}: @noble/hashes agrees`).toBe(c[hash]);
      h.dispose();
    });
  });

  it.each(HASHES)('%s: random keys (0..300 bytes), messages and pieces equal @noble/hashes', (hash) => {
    const rand = rng(21);
    for (let round = 0; round < 300; round++) {
      const key = rand(rand(2)[0]! + (round % 3 === 0 ? 45 : 0));
      const len = round % 25 === 0 ? 32768 + 4 + 12 : (rand(2)[0]! << 2) | (rand(1)[0]! & 3);
      const msg = rand(len);
      const h = new HmacSha2Wasm(hash, key);
      const sizes = Array.from(rand(1 + (round % 6)), (b) => b + (round % 4 === 0 ? 0 : 1));
      const want = toHex(hmac(NOBLE[hash], key, msg));
      const got = macOf(h, msg, sizes);
      if (got !== want) expect(got, `key ${key.length} bytes, message ${len} bytes, pieces ${sizes}`).toBe(want);
      // The keyed state is reused: a second message under the same key.
      if (macOf(h, msg.subarray(1)) !== toHex(hmac(NOBLE[hash], key, msg.subarray(1)))) expect.fail(`second message, key ${key.length} bytes`);
    }
  });

  it('several keys interleaved in one thread (one shared memory) each keep their own message', () => {
    const rand = rng(22);
    const keys = [rand(32), rand(64), rand(100)];
    const macs = [new HmacSha2Wasm('sha256', keys[0]!), new HmacSha2Wasm('sha512', keys[1]!), new HmacSha2Wasm('sha256', keys[2]!)];
    const msgs = [rand(5000), rand(7001), rand(333)];
    macs.forEach((h) => h.begin());
    for (let at = 0; at < 7001; at += 61) {
      macs.forEach((h, i) => {
        const m = msgs[i]!;
        if (at < m.length) h.update(m, at, Math.min(61, m.length - at));
      });
    }
    macs.forEach((h, i) => {
      const out = new Uint8Array(h.length);
      h.finish(out, 0);
      expect(toHex(out), `mac ${i}`).toBe(toHex(hmac(i === 1 ? sha512 : sha256, keys[i]!, msgs[i]!)));
    });
  });

  it('the SSH etm MAC as the sealers feed it: uint32(seq), then the packet, then again in pieces', () => {
    const rand = rng(23);
    const key = rand(32);
    const packet = rand(4 + 32768 + 12);
    const seq = Uint8Array.of(0, 0, 1, 2);
    const want = toHex(hmac(sha256, key, Uint8Array.from([...seq, ...packet])));
    const h = nobleProvider.hmac!('sha256', key);
    const out = new Uint8Array(32);
    h.begin();
    h.update(seq, 0, 4);
    h.update(packet, 0, packet.length);
    h.finish(out, 0);
    expect(toHex(out)).toBe(want);
    h.begin();
    h.update(seq, 0, 4);
    h.update(packet, 0, 4);
    for (let at = 4; at < packet.length; at += 1500) h.update(packet, at, Math.min(1500, packet.length - at));
    h.finish(out, 0);
    expect(toHex(out)).toBe(want);
  });

  it('leaves neither chaining value nor message in the WebAssembly memory', () => {
    const h = new HmacSha2Wasm('sha512', fromHex('0102030405'));
    const msg = new Uint8Array(40000).fill(0x5a);
    h.begin();
    h.update(msg, 0, 3);
    h.update(msg, 3, msg.length - 3);
    const m8 = sha2Engine()!.m8;
    expect(m8.every((b) => b === 0), 'between updates').toBe(true);
    h.finish(new Uint8Array(64), 0);
    expect(m8.every((b) => b === 0), 'after finish').toBe(true);
  });

  it('spans outside the buffers are RangeErrors, not silently shortened', () => {
    const h = new HmacSha2Wasm('sha256', new Uint8Array(32));
    const buf = new Uint8Array(64);
    h.begin();
    expect(() => h.update(buf, 60, 8)).toThrow(RangeError);
    expect(() => h.update(buf, -1, 4)).toThrow(RangeError);
    expect(() => h.update(buf, 0, -1)).toThrow(RangeError);
    expect(() => h.finish(buf, 40)).toThrow(RangeError);
    expect(() => new Sha2Wasm('sha512').digestInto(buf, 1)).toThrow(RangeError);
  });
});

describe('without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('the portable provider\'s HMAC runs on @noble/hashes and still passes its self-test', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const wasm = await import('../../src/crypto/sha2-wasm.ts');
    const noble = await import('../../src/crypto/providers/noble.ts');
    const tests = await import('../../src/crypto/providers/self-test.ts');
    expect(wasm.sha2WasmAvailable()).toBe(false);
    const h = noble.nobleProvider.hmac!('sha512', utf8('Jefe'));
    expect(h).toBeInstanceOf(noble.NobleHmac);
    expect(tests.selfTest(noble.nobleProvider, 'hmac-sha256')).toBe(true);
    expect(tests.selfTest(noble.nobleProvider, 'hmac-sha512')).toBe(true);
    expect(selfTest(nobleProvider, 'hmac-sha512'), 'the WebAssembly one loaded before still passes').toBe(true);
  });
});
