/**
 * Public-key operations per provider (src/crypto/providers/asymmetric.ts):
 * both providers pass the known-answer self-tests and give byte-identical
 * results on random inputs; a runtime that is absent, throws or answers
 * wrongly is never used (node:crypto simulated by mocking
 * runtime-asymmetric.ts); `crypto: 'noble'` keeps a whole handshake off the
 * runtime, `auto` uses it.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { asymmetricDetails, asymmetricProvider, type AsymmetricId } from '../../src/crypto/providers/asymmetric.ts';
import { nobleAsymmetric } from '../../src/crypto/providers/noble-asymmetric.ts';
import { runtimeAsymmetric } from '../../src/crypto/providers/runtime-asymmetric.ts';
import { asymmetricSelfTest } from '../../src/crypto/providers/self-test-asymmetric.ts';
import type { AsymmetricProvider, EcdsaCurve } from '../../src/crypto/providers/asymmetric-primitives.ts';
import { NIST_CURVES } from '../../src/crypto/kex-ecdh-nist.ts';
import { randomBytes } from '../../src/crypto/random.ts';
import { bigintToBytes, bytesToBigint } from '../../src/wire/mpint.ts';
import { hostKey, transportPair } from '../helpers/transport-pair.ts';

const IDS: AsymmetricId[] = ['x25519', 'ed25519', 'ecdsa-nistp256', 'ecdsa-nistp384', 'ecdsa-nistp521'];
const CURVES: EcdsaCurve[] = ['nistp256', 'nistp384', 'nistp521'];
const PROVIDERS: AsymmetricProvider[] = [nobleAsymmetric, runtimeAsymmetric];
const DIGEST = { sha256, sha384, sha512 } as const;

describe('self-tests and cross-checks', () => {
  test.each(IDS)('%s: both providers pass the known-answer self-test', (id) => {
    for (const p of PROVIDERS) expect(asymmetricSelfTest(p, id), `${p.name} ${id}`).toBe(true);
  });

  test('X25519: the same public keys and shared secrets on random keys', () => {
    for (let i = 0; i < 20; i++) {
      const a = randomBytes(32);
      const b = randomBytes(32);
      const pa = nobleAsymmetric.x25519PublicKey(a);
      const pb = nobleAsymmetric.x25519PublicKey(b);
      expect(runtimeAsymmetric.x25519PublicKey(a)).toEqual(pa);
      const k = nobleAsymmetric.x25519(a, pa, pb);
      expect(runtimeAsymmetric.x25519(a, pa, pb)).toEqual(k);
      expect(runtimeAsymmetric.x25519(b, pb, pa)).toEqual(k);
    }
  });

  test('X25519: a low-order peer is refused by both', () => {
    const a = randomBytes(32);
    const pa = nobleAsymmetric.x25519PublicKey(a);
    // u = 1 has order 1 on the twist-free Montgomery form: X25519 outputs zero.
    const one = new Uint8Array(32);
    one[0] = 1;
    for (const p of PROVIDERS) expect(() => p.x25519(a, pa, one), p.name).toThrow();
  });

  test('Ed25519: the same public keys and signatures; verdicts agree on good, tampered and foreign signatures', () => {
    for (let i = 0; i < 20; i++) {
      const seed = randomBytes(32);
      const data = randomBytes(1 + i * 7);
      const pub = nobleAsymmetric.ed25519PublicKey(seed);
      expect(runtimeAsymmetric.ed25519PublicKey(seed)).toEqual(pub);
      const sig = nobleAsymmetric.ed25519Sign(seed, pub, data);
      expect(runtimeAsymmetric.ed25519Sign(seed, pub, data)).toEqual(sig);
      const bad = sig.slice();
      bad[i % 64]! ^= 1;
      const other = ed25519.getPublicKey(randomBytes(32));
      for (const p of PROVIDERS) {
        expect(p.ed25519Verify(pub, sig, data), p.name).toBe(true);
        expect(p.ed25519Verify(pub, bad, data), p.name).toBe(false);
        expect(p.ed25519Verify(other, sig, data), p.name).toBe(false);
        expect(p.ed25519Verify(pub, sig.subarray(0, 63), data), p.name).toBe(false);
      }
    }
  });

  test.each(CURVES)('ECDSA %s: verdicts agree on signatures, their high-S twins and tampered data', (curve) => {
    const { curve: c, hash } = NIST_CURVES[curve];
    const fn = c.Point.Fn;
    for (let i = 0; i < 5; i++) {
      const d = c.utils.randomSecretKey();
      const point = c.getPublicKey(d, false);
      const data = randomBytes(10 + i);
      const sig = c.sign(DIGEST[hash as keyof typeof DIGEST](data), d, { prehash: false, format: 'compact' });
      const twin = sig.slice();
      twin.set(bigintToBytes(fn.ORDER - bytesToBigint(sig.subarray(fn.BYTES)), fn.BYTES), fn.BYTES);
      for (const p of PROVIDERS) {
        expect(p.ecdsaVerify(curve, point, sig, data), p.name).toBe(true);
        expect(p.ecdsaVerify(curve, point, twin, data), p.name).toBe(true);
        expect(p.ecdsaVerify(curve, point, sig, randomBytes(9)), p.name).toBe(false);
      }
    }
  });
});

describe('selection', () => {
  test("'noble' forces noble; 'auto' on Node takes the runtime, which passed and measured faster", () => {
    for (const id of IDS) {
      expect(asymmetricProvider(id, 'noble')).toBe(nobleAsymmetric);
      expect(asymmetricProvider(id, 'auto')).toBe(runtimeAsymmetric);
      const d = asymmetricDetails(id);
      expect(d.runtimeSelfTest).toBe('passed');
      expect(d.msPerOp!.runtime).toBeLessThan(d.msPerOp!.noble);
    }
    expect(() => asymmetricProvider('x25519', 'bogus' as never)).toThrow(TypeError);
  });

  test("a handshake with crypto 'noble' never calls the runtime; with 'auto' its kex and host-key check do", async () => {
    hostKey('ssh-ed25519'); // made (once per process) before counting: key generation is not the handshake
    const calls: string[] = [];
    const saved = { ...runtimeAsymmetric };
    const spied = runtimeAsymmetric as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [k, f] of Object.entries(saved)) if (typeof f === 'function') spied[k] = (...a: unknown[]) => (calls.push(k), (f as (...x: unknown[]) => unknown)(...a));
    try {
      for (const crypto of ['noble', 'auto'] as const) {
        calls.length = 0;
        const { client, server } = transportPair({ client: { crypto, kex: ['curve25519-sha256'] }, server: { crypto } });
        await client.ready;
        client.disconnect();
        await server.closed;
        if (crypto === 'noble') expect(calls).toEqual([]);
        else expect(new Set(calls)).toEqual(new Set(['x25519PublicKey', 'x25519', 'ed25519Sign', 'ed25519Verify']));
      }
    } finally {
      Object.assign(runtimeAsymmetric, saved);
    }
  });
});

describe('fallback to noble', () => {
  const RUNTIME = '../../src/crypto/providers/runtime-asymmetric.ts';
  afterEach(() => {
    vi.doUnmock(RUNTIME);
    vi.resetModules();
  });

  test('without node:crypto: noble, reported unavailable; forcing the runtime throws', async () => {
    vi.resetModules();
    vi.doMock(RUNTIME, async (importOriginal) => ({ ...(await importOriginal<typeof import('../../src/crypto/providers/runtime-asymmetric.ts')>()), runtimeAsymmetricLoaded: () => false }));
    const a = await import('../../src/crypto/providers/asymmetric.ts');
    const { nobleAsymmetric: noble } = await import('../../src/crypto/providers/noble-asymmetric.ts');
    for (const id of IDS) {
      expect(a.asymmetricProvider(id)).toBe(noble);
      expect(a.asymmetricDetails(id).runtimeSelfTest).toBe('unavailable');
      expect(() => a.asymmetricProvider(id, 'runtime')).toThrow(/unavailable or failed/);
    }
  });

  test('a runtime that throws, answers wrongly or accepts a non-canonical signature is never used', async () => {
    vi.resetModules();
    vi.doMock(RUNTIME, async (importOriginal) => {
      const real = await importOriginal<typeof import('../../src/crypto/providers/runtime-asymmetric.ts')>();
      const p = real.runtimeAsymmetric;
      const runtimeAsymmetric: AsymmetricProvider = {
        ...p,
        // One flipped bit of X25519 output.
        x25519: (...args) => {
          const k = p.x25519(...args).slice();
          k[0]! ^= 1;
          return k;
        },
        // A lax verifier: accepts S + L (ZIP-215-like leniency is not RFC 8032 §5.1.7).
        ed25519Verify: (pub, sig, data) => p.ed25519Verify(pub, sig, data) || sig.length === 64,
        ecdsaVerify: () => {
          throw new Error('Unsupported curve');
        },
      };
      return { ...real, runtimeAsymmetric };
    });
    const a = await import('../../src/crypto/providers/asymmetric.ts');
    for (const id of IDS) {
      expect(a.asymmetricProvider(id).name).toBe('noble');
      expect(a.asymmetricDetails(id).runtimeSelfTest).toBe('failed');
    }
  });
});
