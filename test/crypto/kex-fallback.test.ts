/**
 * Finite-field DH when the runtime provider is absent (browsers, or a failed
 * self-test): 'auto' runs on noble and still interoperates with node:crypto.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nodeCrypto from 'node:crypto';

const RUNTIME = '../../src/crypto/kex-modp-runtime.ts';

afterEach(() => {
  vi.doUnmock(RUNTIME);
  vi.resetModules();
});

describe('kex without a runtime DH provider', () => {
  it("'auto' falls back to noble for every MODP method", async () => {
    vi.resetModules();
    const engine = vi.fn(() => undefined);
    vi.doMock(RUNTIME, () => ({
      runtimeModpEngine: engine,
      runtimeModpStatus: () => ({ available: false, detail: 'node:crypto is not available in this runtime' }),
    }));
    const { kexMath } = await import('../../src/crypto/kex-registry.ts');
    const { MODP_GROUP_14 } = await import('../../src/crypto/modp-groups.ts');
    const { bytesToBigint, bigintToBytes, mpintBytes } = await import('../../src/wire/mpint.ts');
    for (const name of ['diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512']) {
      const math = await kexMath(name, 'auto');
      const c = math.client();
      const s = math.server(c.publicValue);
      expect(c.computeSecret(s.publicValue)).toEqual(s.computeSecret(c.publicValue));
    }
    // And against node:crypto as the peer.
    const peer = nodeCrypto.getDiffieHellman('modp14');
    peer.generateKeys();
    const c = (await kexMath('diffie-hellman-group14-sha256', 'auto')).client();
    const K = c.computeSecret(mpintBytes(bytesToBigint(new Uint8Array(peer.getPublicKey()))));
    const theirs = bytesToBigint(new Uint8Array(peer.computeSecret(bigintToBytes(bytesToBigint(c.publicValue), 256))));
    expect(K.subarray(4)).toEqual(mpintBytes(theirs));
    expect(MODP_GROUP_14.bits).toBe(2048);
    expect(engine).toHaveBeenCalled();
  });
});
