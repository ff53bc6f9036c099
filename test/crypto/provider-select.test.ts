/** Provider selection per algorithm: self-test gate, speed choice, forced choices (DESIGN.md, "Crypto providers"). */
import { describe, expect, it } from 'vitest';
import { UnsupportedAlgorithmError } from '../../src/crypto/errors.ts';
import { createSealer } from '../../src/crypto/packet-protection.ts';
import {
  PORTABLE_CEILING,
  PORTABLE_MARGIN,
  availableProviders,
  cryptoProvidersReady,
  primitiveOf,
  providerDetails,
  providerFor,
  selectProvider,
} from '../../src/crypto/providers/select.ts';
import { CIPHER_NAMES, MAC_NAMES, isRealNode, keysFor, rng } from './cipher-helpers.ts';

const ALL = [...CIPHER_NAMES, ...MAC_NAMES];

describe('provider selection', () => {
  it('is ready at once on this runtime', async () => {
    await expect(cryptoProvidersReady()).resolves.toBeUndefined();
  });

  it('reports a provider for every cipher and MAC, consistent with the details and the sealer', () => {
    for (const name of ALL) {
      const chosen = providerFor(name);
      expect(['noble', 'runtime']).toContain(chosen);
      const d = providerDetails(name)!;
      expect(d.provider).toBe(chosen);
      expect(d.primitive).toBe(primitiveOf(name));
      // The chosen provider passed its self-test; a failed or unavailable one is never chosen.
      expect(d.candidates.find((c) => c.provider === chosen)!.selfTest).toBe('passed');
      expect(availableProviders(name)).toContain(chosen);
    }
    for (const cipher of CIPHER_NAMES) {
      const keys = keysFor(cipher, 'hmac-sha2-256-etm@openssh.com', rng(1));
      expect(createSealer(keys).description).toContain(`${cipher} (${providerFor(cipher)})`);
    }
  });

  it('caches the decision', () => {
    for (const name of ALL) expect(providerDetails(name)).toBe(providerDetails(name));
  });

  it.runIf(isRealNode)('under Node, picks node:crypto for every bulk cipher and MAC (the portable provider never measures 1.25× faster, or cannot)', () => {
    for (const name of ALL) {
      expect(providerFor(name), name).toBe('runtime');
      const d = providerDetails(name)!;
      const [runtime, noble] = ['runtime', 'noble'].map((p) => d.candidates.find((c) => c.provider === p)!);
      if (noble!.selfTest === 'skipped') {
        // Not built nor timed: the runtime measured beyond the most the portable AES reaches.
        const ceiling = PORTABLE_CEILING[d.primitive];
        expect(ceiling, `${name}: only AES has a ceiling`).toBeDefined();
        expect(runtime!.mbPerSec!, name).toBeGreaterThanOrEqual(ceiling! * PORTABLE_MARGIN);
        expect(noble!.mbPerSec, name).toBeUndefined();
      } else {
        expect(runtime!.mbPerSec! * PORTABLE_MARGIN, name).toBeGreaterThan(noble!.mbPerSec!);
      }
    }
  });

  it("'noble' forces noble; 'runtime' forces node:crypto where available", () => {
    for (const name of ALL) {
      expect(providerFor(name, 'noble')).toBe('noble');
      if (availableProviders(name).includes('runtime')) expect(providerFor(name, 'runtime')).toBe('runtime');
    }
    expect(createSealer(keysFor('aes128-gcm@openssh.com', 'none', rng(2)), 'noble').description).toBe(
      'aes128-gcm@openssh.com (noble)',
    );
  });

  it('none runs on no primitive', () => {
    expect(primitiveOf('none')).toBeNull();
    expect(providerDetails('none')).toBeNull();
    expect(providerFor('none')).toBe('noble');
  });

  it('rejects unknown names and choices', () => {
    expect(() => providerFor('aes128-cbc')).toThrow(UnsupportedAlgorithmError);
    expect(() => providerFor('__proto__')).toThrow(UnsupportedAlgorithmError);
    expect(() => selectProvider('chacha20', 'wasm' as 'noble')).toThrow(TypeError);
  });
});
