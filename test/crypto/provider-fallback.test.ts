/**
 * Selection when node:crypto is absent (browsers) or incomplete (Bun has no
 * ChaCha20 in createCipheriv): the runtime provider is simulated by mocking
 * providers/runtime.ts, and select.ts is loaded fresh for each case.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const RUNTIME = '../../src/crypto/providers/runtime.ts';

afterEach(() => {
  vi.doUnmock(RUNTIME);
  vi.resetModules();
});

describe('provider fallback', () => {
  it('without node:crypto, everything runs on noble and the runtime is reported unavailable', async () => {
    vi.resetModules();
    vi.doMock(RUNTIME, () => ({
      runtimeState: () => 'absent',
      runtimeLoaded: Promise.resolve(),
      runtimeProvider: { name: 'runtime' },
    }));
    const select = await import('../../src/crypto/providers/select.ts');
    const { createSealer } = await import('../../src/crypto/packet-protection.ts');
    for (const name of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'hmac-sha2-512']) {
      expect(select.providerFor(name)).toBe('noble');
      const d = select.providerDetails(name)!;
      expect(d.candidates.find((c) => c.provider === 'runtime')!.selfTest).toBe('unavailable');
      expect(select.availableProviders(name)).toEqual(['noble']);
    }
    expect(() => select.providerFor('aes128-gcm@openssh.com', 'runtime')).toThrow(/unavailable or failed/);
    const keys = { cipher: 'aes128-gcm@openssh.com', mac: 'none', encKey: new Uint8Array(16), iv: new Uint8Array(12), macKey: new Uint8Array(0) };
    expect(createSealer(keys).description).toBe('aes128-gcm@openssh.com (noble)');
  });

  it('a runtime primitive that throws or answers wrongly is never used; the others still are', async () => {
    vi.resetModules();
    vi.doMock(RUNTIME, async (importOriginal) => {
      const real = await importOriginal<typeof import('../../src/crypto/providers/runtime.ts')>();
      const p = real.runtimeProvider;
      return {
        ...real,
        runtimeProvider: {
          ...p,
          // Like Bun: createCipheriv('chacha20') throws.
          chacha20: () => {
            throw new Error('Unsupported cipher: chacha20');
          },
          // A broken AES-CTR: one flipped keystream bit.
          aesCtr: (key: Uint8Array, iv: Uint8Array) => {
            const s = p.aesCtr!(key, iv);
            return { update: (b: Uint8Array, o: number, n: number) => (s.update(b, o, n), void (b[o]! ^= 1)), dispose: () => s.dispose() };
          },
        },
      };
    });
    const select = await import('../../src/crypto/providers/select.ts');
    expect(select.providerFor('chacha20-poly1305@openssh.com')).toBe('noble');
    expect(select.providerDetails('chacha20-poly1305@openssh.com')!.candidates.find((c) => c.provider === 'runtime')!.selfTest).toBe('failed');
    expect(select.providerFor('aes128-ctr')).toBe('noble');
    expect(select.providerDetails('aes128-ctr')!.candidates.find((c) => c.provider === 'runtime')!.selfTest).toBe('failed');
    expect(select.providerFor('aes128-gcm@openssh.com')).toBe('runtime');
  });
});
