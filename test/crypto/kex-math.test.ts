import { describe, expect, it, vi } from 'vitest';
import * as nodeCrypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KEX_NAMES, kexMath } from '../../src/crypto/kex-registry.ts';
import { Curve25519Agreement } from '../../src/crypto/kex-curve25519.ts';
import { EcdhAgreement, type NistCurveName } from '../../src/crypto/kex-ecdh-nist.ts';
import { chooseGexGroup, createGexMath, createModpMath, dhExponentBits } from '../../src/crypto/kex-modp.ts';
import {
  evaluateRuntimeModp,
  runtimeModpStatus,
  type NodeCryptoSubset,
  type NodeDiffieHellman,
} from '../../src/crypto/kex-modp-runtime.ts';
import { MODP_GROUPS, MODP_GROUP_14, MODP_GROUP_16, MODP_GROUP_18 } from '../../src/crypto/modp-groups.ts';
import { FixedBaseModPow, modPow, modInverse, bitLength } from '../../src/crypto/modpow.ts';
import { KexMathError, UnsupportedAlgorithmError } from '../../src/crypto/errors.ts';
import { Reader } from '../../src/wire/reader.ts';
import { bigintToBytes, bytesToBigint, mpintBytes } from '../../src/wire/mpint.ts';
import { concatBytes, fromHex, toHex } from '../../src/wire/bytes.ts';
import type { KexMath } from '../../src/crypto/types.ts';

const ALL = [
  'mlkem768x25519-sha256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
];

const MLKEM = await kexMath('mlkem768x25519-sha256');

function roundTrip(math: KexMath): { client: Uint8Array; server: Uint8Array } {
  const c = math.client();
  const s = math.server(c.publicValue);
  return { client: c.computeSecret(s.publicValue), server: s.computeSecret(c.publicValue) };
}

/** Decodes `mpint K` (with length) as the exchange hash sees it. */
function mpintK(k: Uint8Array): bigint {
  const r = new Reader(k, 0, k.length, 'K');
  const v = r.mpint('K');
  r.done();
  return v;
}

describe('registry', () => {
  it('names every method, and kexMath() finds both providers', async () => {
    expect([...KEX_NAMES].sort()).toEqual([...ALL].sort());
    for (const name of ALL) {
      const auto = await kexMath(name, 'auto');
      expect(auto.name).toBe(name);
      expect((await kexMath(name, 'noble')).name).toBe(name);
      expect(await kexMath(name, 'noble')).not.toBe(auto);
      expect(await kexMath(name, 'runtime')).toBe(auto);
      expect(kexMath(name, 'auto'), 'once loaded, at once').toBe(auto);
    }
    expect(() => kexMath('diffie-hellman-group1-sha1')).toThrow(UnsupportedAlgorithmError);
    expect(() => kexMath('toString')).toThrow(UnsupportedAlgorithmError);
  });

  it('loads ML-KEM and finite-field DH when first asked for; the curves are there from the start', async () => {
    vi.resetModules();
    const fresh = await import('../../src/crypto/kex-registry.ts');
    for (const name of ['curve25519-sha256', 'ecdh-sha2-nistp256']) expect(fresh.kexMath(name)).not.toBeInstanceOf(Promise);
    for (const name of ['mlkem768x25519-sha256', 'diffie-hellman-group14-sha256']) {
      const loading = fresh.kexMath(name);
      expect(loading, name).toBeInstanceOf(Promise);
      expect(fresh.kexMath(name), 'one load').toBe(loading);
      const math = await loading;
      expect(math.name).toBe(name);
      expect(fresh.kexMath(name)).toBe(math);
      const { client, server } = roundTrip(math);
      expect(client, name).toEqual(server);
    }
  });

  it('uses the hash of each method', async () => {
    const want: Record<string, string> = {
      'mlkem768x25519-sha256': 'sha256',
      'curve25519-sha256': 'sha256',
      'curve25519-sha256@libssh.org': 'sha256',
      'ecdh-sha2-nistp256': 'sha256',
      'ecdh-sha2-nistp384': 'sha384',
      'ecdh-sha2-nistp521': 'sha512',
      'diffie-hellman-group14-sha256': 'sha256',
      'diffie-hellman-group16-sha512': 'sha512',
      'diffie-hellman-group18-sha512': 'sha512',
    };
    for (const name of ALL) expect((await kexMath(name)).hash).toBe(want[name]);
  });

  for (const name of ALL) {
    for (const provider of ['auto', 'noble'] as const) {
      it(`${name} (${provider}): client and server agree, K well-formed`, async () => {
        const math = await kexMath(name, provider);
        const { client, server } = roundTrip(math);
        expect(toHex(client)).toBe(toHex(server));
        const r = new Reader(client, 0, client.length, 'K');
        if (name.startsWith('mlkem')) {
          expect(r.string('K').length).toBe(32);
        } else {
          expect(mpintK(client) > 0n).toBe(true);
        }
        // A second exchange gives a different secret.
        expect(toHex(roundTrip(math).client)).not.toBe(toHex(client));
      });
    }
  }
});

describe('curve25519-sha256 (RFC 8731)', () => {
  // RFC 7748 §5.2
  it('matches the RFC 7748 §5.2 scalar-multiplication vectors', () => {
    const vectors = [
      [
        'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
        'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
        'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      ],
      [
        '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
        'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
        '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      ],
    ] as const;
    for (const [k, u, out] of vectors) {
      const a = new Curve25519Agreement('curve25519-sha256', fromHex(k));
      const K = a.computeSecret(fromHex(u));
      const body = mpintBytes(bytesToBigint(fromHex(out)));
      expect(toHex(K)).toBe(toHex(concatBytes(new Uint8Array([0, 0, 0, body.length]), body)));
      expect(mpintK(K)).toBe(bytesToBigint(fromHex(out)));
    }
  });

  it('matches the RFC 7748 §5.2 iterated vector (1 and 1000 iterations)', () => {
    let k: Uint8Array = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const next = x25519.scalarMult(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('matches the RFC 7748 §6.1 Diffie-Hellman example, K = mpint of the shared secret', () => {
    const alice = new Curve25519Agreement('curve25519-sha256', fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const bob = new Curve25519Agreement('curve25519-sha256', fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(toHex(alice.publicValue)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(bob.publicValue)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    // 0x4a < 0x80: no sign byte; uint32 length 32.
    expect(toHex(alice.computeSecret(bob.publicValue))).toBe('00000020' + shared);
    expect(toHex(bob.computeSecret(alice.publicValue))).toBe('00000020' + shared);
  });

  it('encodes K as a minimal mpint (sign byte when the top bit is set, leading zeros stripped)', () => {
    let sawSign = false;
    let sawShort = false;
    for (let i = 0; i < 400 && !(sawSign && sawShort); i++) {
      const a = new Curve25519Agreement('curve25519-sha256');
      const b = new Curve25519Agreement('curve25519-sha256');
      const K = a.computeSecret(b.publicValue);
      const body = new Reader(K, 0, K.length).string();
      if (body.length === 33) {
        expect(body[0]).toBe(0);
        expect(body[1]! & 0x80).toBe(0x80);
        sawSign = true;
      }
      if (body.length < 32) sawShort = true;
      expect(mpintBytes(mpintK(K))).toEqual(body);
    }
    expect(sawSign).toBe(true);
  });

  it('rejects low-order and malformed peer keys with KexMathError', async () => {
    const math = await kexMath('curve25519-sha256');
    const c = math.client();
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const h of lowOrder) {
      expect(() => c.computeSecret(fromHex(h)), h).toThrow(KexMathError);
    }
    expect(() => c.computeSecret(new Uint8Array(31))).toThrow(KexMathError);
    expect(() => c.computeSecret(new Uint8Array(33))).toThrow(KexMathError);
    expect(() => math.server(new Uint8Array(31))).toThrow(KexMathError);
    expect(() => math.server(new Uint8Array(0))).toThrow(KexMathError);
  });
});

describe('ecdh-sha2-nistp* (RFC 5656 §4)', () => {
  const curves: [NistCurveName, string, number][] = [
    ['nistp256', 'prime256v1', 32],
    ['nistp384', 'secp384r1', 48],
    ['nistp521', 'secp521r1', 66],
  ];
  for (const [curve, nodeName, len] of curves) {
    it(`${curve}: agrees with node:crypto ECDH (x-coordinate as mpint)`, () => {
      for (let i = 0; i < 4; i++) {
        const peer = nodeCrypto.createECDH(nodeName);
        peer.generateKeys();
        const peerPub = new Uint8Array(peer.getPublicKey(null, 'uncompressed'));
        const ours = nodeCrypto.createECDH(nodeName);
        ours.generateKeys();
        const priv = new Uint8Array(ours.getPrivateKey());
        const a = new EcdhAgreement(`ecdh-sha2-${curve}`, curve, bigintToBytes(bytesToBigint(priv), len));
        expect(toHex(a.publicValue)).toBe(toHex(new Uint8Array(ours.getPublicKey(null, 'uncompressed'))));
        const expected = bytesToBigint(new Uint8Array(ours.computeSecret(peerPub)));
        expect(mpintK(a.computeSecret(peerPub))).toBe(expected);
      }
    });

    it(`${curve}: rejects invalid peer points with KexMathError`, async () => {
      const math = await kexMath(`ecdh-sha2-${curve}`);
      const c = math.client();
      const good = math.client().publicValue;
      const offCurve = good.slice();
      offCurve[offCurve.length - 1]! ^= 1;
      const compressed = nodeCrypto.ECDH.convertKey(good, nodeName, undefined, undefined, 'compressed') as Buffer;
      const bad: [string, Uint8Array][] = [
        ['off-curve', offCurve],
        ['compressed', new Uint8Array(compressed)],
        ['all-zero (point at infinity)', new Uint8Array(1 + 2 * len)],
        ['infinity octet', new Uint8Array([0])],
        ['wrong prefix', concatBytes(new Uint8Array([6]), good.subarray(1))],
        ['short', good.subarray(0, good.length - 1)],
        ['long', concatBytes(good, new Uint8Array(1))],
        ['empty', new Uint8Array(0)],
        ['x >= p', concatBytes(new Uint8Array([4]), new Uint8Array(2 * len).fill(0xff))],
      ];
      for (const [what, v] of bad) {
        expect(() => c.computeSecret(v), what).toThrow(KexMathError);
        expect(() => math.server(v), what).toThrow(KexMathError);
      }
    });
  }
});

describe('finite-field DH (RFC 4253 §8, RFC 8268, RFC 3526)', () => {
  it('has the RFC 3526 primes (same as node:crypto modp14..18, and the pi formula)', () => {
    // floor(2^bits * pi) by Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239).
    const atanInv = (x: bigint, one: bigint): bigint => {
      let sum = 0n;
      let term = one / x;
      let n = 1n;
      let sign = 1n;
      while (term !== 0n) {
        sum += (sign * term) / n;
        term /= x * x;
        n += 2n;
        sign = -sign;
      }
      return sum;
    };
    const piBits = (bits: bigint): bigint => {
      const one = 1n << (bits + 64n);
      return (16n * atanInv(5n, one) - 4n * atanInv(239n, one)) >> 64n;
    };
    const offsets: Record<number, bigint> = { 14: 124476n, 15: 1690314n, 16: 240904n, 17: 929484n, 18: 4743158n };
    for (const grp of MODP_GROUPS) {
      const nodePrime = bytesToBigint(new Uint8Array(nodeCrypto.getDiffieHellman(`modp${grp.id}`).getPrime()));
      expect(grp.p).toBe(nodePrime);
      expect(grp.g).toBe(2n);
      expect(bitLength(grp.p)).toBe(grp.bits);
      const N = BigInt(grp.bits);
      const formula = (1n << N) - (1n << (N - 64n)) - 1n + (1n << 64n) * (piBits(N - 130n) + offsets[grp.id]!);
      expect(grp.p).toBe(formula);
    }
  });

  it('chooses the private exponent size from the hash and the group', () => {
    expect(dhExponentBits(2048, 'sha256')).toBe(512);
    expect(dhExponentBits(4096, 'sha512')).toBe(1024);
    expect(dhExponentBits(8192, 'sha512')).toBe(1024);
    expect(dhExponentBits(8192, 'sha1')).toBe(384);
    expect(dhExponentBits(2048, 'sha1')).toBe(320);
  });

  const cases: [string, typeof MODP_GROUP_14, 'sha256' | 'sha512'][] = [
    ['diffie-hellman-group14-sha256', MODP_GROUP_14, 'sha256'],
    ['diffie-hellman-group16-sha512', MODP_GROUP_16, 'sha512'],
    ['diffie-hellman-group18-sha512', MODP_GROUP_18, 'sha512'],
  ];
  for (const [name, group, hash] of cases) {
    for (const provider of ['noble', 'auto'] as const) {
      it(`${name} (${provider}): e and K agree with node:crypto getDiffieHellman('modp${group.id}')`, () => {
        const math = createModpMath(name, group, hash, provider);
        const node = nodeCrypto.getDiffieHellman(`modp${group.id}`);
        node.generateKeys();
        const f = new Uint8Array(node.getPublicKey());
        const xBits = dhExponentBits(group.bits, hash);
        const x = bytesToBigint(nodeCrypto.randomBytes(xBits / 8)) | (1n << BigInt(xBits - 1));
        const a = math.withPrivateExponent(x);
        const ref = nodeCrypto.createDiffieHellman(bigintToBytes(group.p, group.bits / 8), new Uint8Array([2]));
        ref.setPrivateKey(bigintToBytes(x, xBits / 8));
        expect(bytesToBigint(a.publicValue)).toBe(bytesToBigint(new Uint8Array(ref.generateKeys())));
        expect(a.publicValue).toEqual(mpintBytes(bytesToBigint(a.publicValue)));
        const K = a.computeSecret(mpintBytes(bytesToBigint(f)));
        expect(mpintK(K)).toBe(bytesToBigint(new Uint8Array(ref.computeSecret(f))));
        // And the node side computes the same K from our e.
        expect(bytesToBigint(new Uint8Array(node.computeSecret(bigintToBytes(bytesToBigint(a.publicValue), group.bits / 8))))).toBe(mpintK(K));
      });
    }
  }

  it('rejects out-of-range and malformed peer values with KexMathError', async () => {
    const math = await kexMath('diffie-hellman-group14-sha256');
    const p = MODP_GROUP_14.p;
    const c = math.client();
    const bad: [string, Uint8Array][] = [
      ['f = 0', new Uint8Array(0)],
      ['f = 1', mpintBytes(1n)],
      ['f = p-1', mpintBytes(p - 1n)],
      ['f = p', mpintBytes(p)],
      ['f = p+1', mpintBytes(p + 1n)],
      ['f = 2^2048', mpintBytes(1n << 2048n)],
      ['f negative', mpintBytes(-5n)],
      ['f with a superfluous zero byte', concatBytes(new Uint8Array([0]), mpintBytes(12345n))],
      ['f far too long', new Uint8Array(600).fill(0x11)],
    ];
    for (const [what, v] of bad) {
      expect(() => c.computeSecret(v), what).toThrow(KexMathError);
      expect(() => math.server(v), what).toThrow(KexMathError);
    }
    // The boundary values inside the range are accepted.
    expect(() => c.computeSecret(mpintBytes(2n))).not.toThrow();
    expect(() => c.computeSecret(mpintBytes(p - 2n))).not.toThrow();
  });

  it('never uses a runtime DH that answers wrongly, throws, or keeps a stale key', () => {
    const real = nodeCrypto as unknown as NodeCryptoSubset;
    const wrapped = (patch: (dh: NodeDiffieHellman) => NodeDiffieHellman): NodeCryptoSubset => ({
      createDiffieHellman: (p, g) => patch(real.createDiffieHellman(p, g)),
    });
    const wrong = evaluateRuntimeModp(
      wrapped((dh) => ({
        setPrivateKey: (k) => dh.setPrivateKey(k),
        generateKeys: () => dh.generateKeys(),
        computeSecret: (y) => {
          const out = new Uint8Array(dh.computeSecret(y));
          out[out.length - 1]! ^= 1;
          return out;
        },
      })),
    );
    expect(wrong.engine).toBeUndefined();
    expect(wrong.status.detail).toMatch(/known-answer/);
    const throwing = evaluateRuntimeModp({
      createDiffieHellman: () => {
        throw new Error('DiffieHellman is not supported');
      },
    });
    expect(throwing.engine).toBeUndefined();
    expect(throwing.status.detail).toMatch(/threw/);
    let first: Uint8Array | undefined;
    const stale = evaluateRuntimeModp(
      wrapped((dh) => ({
        setPrivateKey: (k) => dh.setPrivateKey(k),
        generateKeys: () => (first ??= new Uint8Array(dh.generateKeys())),
        computeSecret: (y) => dh.computeSecret(y),
      })),
    );
    expect(stale.engine).toBeUndefined();
    const good = evaluateRuntimeModp(real);
    expect(good.engine, good.status.detail).toBeDefined();
  });

  it('reports whether the runtime provider passed its self-test', () => {
    const status = runtimeModpStatus();
    expect(typeof status.detail).toBe('string');
    // Node has node:crypto with OpenSSL: the self-test must pass here.
    expect(status.available, status.detail).toBe(true);
  });
});

describe('diffie-hellman-group-exchange-sha256 (RFC 4419)', () => {
  it('round-trips over each RFC 3526 group and over a group given by the peer', () => {
    for (const grp of [MODP_GROUP_14, MODP_GROUPS[1]!]) {
      for (const provider of ['noble', 'auto'] as const) {
        const math = createGexMath(grp.p, grp.g, 'sha256', provider);
        expect(math.name).toBe('diffie-hellman-group-exchange-sha256');
        expect(math.hash).toBe('sha256');
        const { client, server } = roundTrip(math);
        expect(client).toEqual(server);
      }
    }
    // A generator other than 2 (and a group outside the cached tables).
    const math = createGexMath(MODP_GROUP_14.p, 5n, 'sha256', 'noble');
    const { client, server } = roundTrip(math);
    expect(client).toEqual(server);
    expect(createGexMath(MODP_GROUP_14.p, 2n, 'sha1').name).toBe('diffie-hellman-group-exchange-sha1');
  });

  it.skipIf(!existsSync('/etc/ssh/moduli') && process.env.CI !== 'true')('stays fast on a server-chosen group (no runtime safe-prime check)', () => {
    const line = readFileSync('/etc/ssh/moduli', 'utf8')
      .split('\n')
      .find((l) => l.split(/\s+/)[4] === '4095');
    expect(line).toBeDefined();
    const f = line!.split(/\s+/);
    const p = BigInt('0x' + f[6]);
    const t0 = performance.now();
    const { client, server } = roundTrip(createGexMath(p, BigInt(f[5]!), 'sha256', 'auto'));
    expect(client).toEqual(server);
    // node:crypto would spend seconds testing this unknown prime; noble takes tens of ms.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('validates the group', () => {
    const p1024 = bytesToBigint(new Uint8Array(nodeCrypto.getDiffieHellman('modp2').getPrime()));
    expect(() => createGexMath(p1024, 2n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath((1n << 8192n) + 1n, 2n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_14.p + 1n, 2n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_14.p, 1n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_14.p, 0n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_14.p, MODP_GROUP_14.p - 1n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_14.p, MODP_GROUP_14.p, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(0n, 2n, 'sha256')).toThrow(KexMathError);
    expect(() => createGexMath(MODP_GROUP_18.p, 2n, 'sha256')).not.toThrow();
  });

  it('chooses a server group for (min, n, max)', () => {
    const bits = (r: { p: bigint } | undefined) => (r === undefined ? undefined : bitLength(r.p));
    expect(bits(chooseGexGroup(2048, 2048, 8192))).toBe(2048);
    expect(bits(chooseGexGroup(2048, 3072, 8192))).toBe(3072);
    expect(bits(chooseGexGroup(2048, 3500, 8192))).toBe(4096);
    expect(bits(chooseGexGroup(2048, 7680, 8192))).toBe(8192);
    expect(bits(chooseGexGroup(2048, 8192, 8192))).toBe(8192);
    expect(bits(chooseGexGroup(1024, 1024, 8192))).toBe(2048);
    expect(bits(chooseGexGroup(2048, 8192, 5000))).toBe(4096); // largest below n within max
    expect(bits(chooseGexGroup(3000, 3500, 3500))).toBe(3072);
    expect(chooseGexGroup(1024, 1024, 1536)).toBeUndefined();
    expect(chooseGexGroup(8193, 9000, 16384)).toBeUndefined();
    expect(chooseGexGroup(4096, 2048, 2048)).toBeUndefined();
    expect(chooseGexGroup(2048, 2048, 8192)!.g).toBe(2n);
  });
});

describe('mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex)', () => {
  const math = MLKEM;

  it('has the wire sizes of the draft: C_INIT 1216 bytes, S_REPLY 1120 bytes, K a 32-byte string', () => {
    const c = math.client();
    expect(c.publicValue.length).toBe(1184 + 32);
    const s = math.server(c.publicValue);
    expect(s.publicValue.length).toBe(1088 + 32);
    const K = c.computeSecret(s.publicValue);
    expect(K.length).toBe(4 + 32);
    expect(toHex(K.subarray(0, 4))).toBe('00000020');
    expect(K).toEqual(s.computeSecret(c.publicValue));
  });

  it('client K = SHA-256(ML-KEM secret ‖ X25519 secret), against a server built from noble directly', () => {
    const c = math.client();
    const kem = ml_kem768.encapsulate(c.publicValue.subarray(0, 1184));
    const xs = x25519.keygen();
    const xShared = x25519.getSharedSecret(xs.secretKey, c.publicValue.subarray(1184));
    const reply = concatBytes(kem.cipherText, xs.publicKey);
    const expected = sha256(concatBytes(kem.sharedSecret, xShared));
    expect(toHex(c.computeSecret(reply))).toBe('00000020' + toHex(expected));
  });

  it('server K matches a client built from noble directly', () => {
    const kem = ml_kem768.keygen();
    const xc = x25519.keygen();
    const cInit = concatBytes(kem.publicKey, xc.publicKey);
    const s = math.server(cInit);
    const ss = ml_kem768.decapsulate(s.publicValue.subarray(0, 1088), kem.secretKey);
    const xShared = x25519.getSharedSecret(xc.secretKey, s.publicValue.subarray(1088));
    expect(toHex(s.computeSecret(cInit))).toBe('00000020' + toHex(sha256(concatBytes(ss, xShared))));
  });

  it('gives a different K (or KexMathError) when any byte of S_REPLY changes', () => {
    const c = math.client();
    const s = math.server(c.publicValue);
    const K = toHex(c.computeSecret(s.publicValue));
    for (let i = 0; i < s.publicValue.length; i++) {
      const tampered = s.publicValue.slice();
      // Any bit but the top bit of the last byte, which X25519 ignores (RFC 7748 §5);
      // that one still changes H, which hashes S_REPLY as sent.
      tampered[i]! ^= 1 << (i === s.publicValue.length - 1 ? i % 7 : i % 8);
      let k2: string | undefined;
      try {
        k2 = toHex(c.computeSecret(tampered));
      } catch (e) {
        expect(e).toBeInstanceOf(KexMathError);
      }
      expect(k2, `byte ${i}`).not.toBe(K);
    }
  });

  it('gives a different K on the server when bytes of C_INIT change', () => {
    const c = math.client();
    const K = toHex(c.computeSecret(math.server(c.publicValue).publicValue));
    for (let i = 0; i < c.publicValue.length; i += 37) {
      const tampered = c.publicValue.slice();
      tampered[i]! ^= 0x40;
      try {
        const s = math.server(tampered);
        expect(toHex(s.computeSecret(tampered)), `byte ${i}`).not.toBe(K);
        // The untampered client does not derive the server's K either.
        let k3: string | undefined;
        try {
          k3 = toHex(c.computeSecret(s.publicValue));
        } catch (e) {
          expect(e).toBeInstanceOf(KexMathError);
        }
        expect(k3).not.toBe(toHex(s.computeSecret(tampered)));
      } catch (e) {
        expect(e).toBeInstanceOf(KexMathError);
      }
    }
  });

  it('rejects wrong lengths, invalid keys and a low-order X25519 half with KexMathError', () => {
    const c = math.client();
    const s = math.server(c.publicValue);
    for (const n of [0, 32, 1088, 1119, 1121, 1216]) {
      expect(() => c.computeSecret(new Uint8Array(n)), `S_REPLY ${n}`).toThrow(KexMathError);
    }
    for (const n of [0, 32, 1184, 1215, 1217, 1120]) {
      expect(() => math.server(new Uint8Array(n)), `C_INIT ${n}`).toThrow(KexMathError);
    }
    // An ML-KEM key whose coefficients are not reduced mod q (FIPS 203 §7.2 modulus check).
    const unreduced = c.publicValue.slice();
    unreduced.fill(0xff, 0, 384);
    expect(() => math.server(unreduced)).toThrow(KexMathError);
    // A low-order X25519 half on either side.
    const zeroX = c.publicValue.slice();
    zeroX.fill(0, 1184);
    expect(() => math.server(zeroX)).toThrow(KexMathError);
    const zeroReply = s.publicValue.slice();
    zeroReply.fill(0, 1088);
    expect(() => c.computeSecret(zeroReply)).toThrow(KexMathError);
    // The server's computeSecret is bound to the C_INIT it answered.
    expect(() => s.computeSecret(math.client().publicValue)).toThrow(KexMathError);
  });
});

describe('modpow', () => {
  it('matches node:crypto and simple cases', () => {
    const p = MODP_GROUP_14.p;
    expect(modPow(2n, 0n, p)).toBe(1n);
    expect(modPow(0n, 5n, p)).toBe(0n);
    expect(modPow(5n, 1n, 7n)).toBe(5n);
    expect(modPow(3n, 200n, 1000000007n)).toBe(modPowNaive(3n, 200n, 1000000007n));
    expect(modPow(-3n, 3n, 7n)).toBe(1n); // (-3)^3 = -27 ≡ 1 (mod 7)
    expect(modPow(12n, 34n, 1n)).toBe(0n);
    for (const bits of [1, 7, 64, 300, 512, 1024, 2047]) {
      const e = bytesToBigint(nodeCrypto.randomBytes(Math.ceil(bits / 8))) >> BigInt(Math.ceil(bits / 8) * 8 - bits);
      const b = bytesToBigint(nodeCrypto.randomBytes(256)) % p;
      expect(modPow(b, e, p)).toBe(modPowNaive(b, e, p));
    }
    const table = new FixedBaseModPow(2n, p, 512);
    for (const bits of [1, 2, 100, 511, 512, 513, 1000]) {
      const e = bytesToBigint(nodeCrypto.randomBytes(Math.ceil(bits / 8))) >> BigInt(Math.ceil(bits / 8) * 8 - bits);
      expect(table.pow(e)).toBe(modPowNaive(2n, e, p));
    }
    expect(table.pow(0n)).toBe(1n);
    expect(modInverse(3n, 7n)).toBe(5n);
    expect(() => modInverse(6n, 9n)).toThrow(RangeError);
  });
});

function modPowNaive(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
