/**
 * The portable provider's JavaScript AES (@noble/ciphers, whose import
 * builds 1.3 MiB of tables) is loaded only where hopssh's WebAssembly AES
 * does not run (src/crypto/providers/noble-aes-loader.ts): never on a runtime
 * with WebAssembly SIMD; at start-up without WebAssembly (as under
 * --jitless), ready once cryptoProvidersReady() resolves; and at first use
 * where the WebAssembly AES is refused, AES counting as unavailable (not
 * failed) until then. Each case loads the crypto modules fresh.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

const NOBLE_AES = '../../src/crypto/providers/noble-aes.ts';
const AES_WASM = '../../src/crypto/aes-wasm.ts';

afterEach(() => {
  vi.doUnmock(NOBLE_AES);
  vi.doUnmock(AES_WASM);
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** Records whether noble-aes.ts is ever imported (the module itself, unchanged). */
function watchNobleAes(): { loaded: boolean } {
  const seen = { loaded: false };
  vi.doMock(NOBLE_AES, async (importOriginal) => {
    seen.loaded = true;
    return importOriginal();
  });
  return seen;
}

/** AES-128-CTR of `data` by the portable provider, and by node:crypto. */
async function ctrBoth(data: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  const { nobleProvider } = await import('../../src/crypto/providers/noble.ts');
  const key = randomBytes(16);
  const iv = randomBytes(16);
  const ours = new Uint8Array(data); // a copy (Buffer's slice would be a view)
  nobleProvider.aesCtr!(key, iv).update(ours, 0, ours.length);
  const c = createCipheriv('aes-128-ctr', key, iv);
  return [ours, new Uint8Array(Buffer.concat([c.update(data), c.final()]))];
}

describe('the JavaScript AES loads only where it is needed', () => {
  it('with WebAssembly SIMD (Node): AES-CTR and AES-GCM run, selected and self-tested, without it ever loading', async () => {
    vi.resetModules();
    const seen = watchNobleAes();
    const select = await import('../../src/crypto/providers/select.ts');
    await select.cryptoProvidersReady();
    for (const name of ['aes128-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
      expect(select.providerFor(name, 'noble'), name).toBe('noble');
      expect(select.availableProviders(name), name).toContain('noble');
    }
    const [ours, theirs] = await ctrBoth(randomBytes(4096));
    expect(ours).toEqual(theirs);
    expect(seen.loaded).toBe(false);
  });

  it('without WebAssembly (as under --jitless): loaded at start-up, and AES runs on it once cryptoProvidersReady() resolves', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    const seen = watchNobleAes();
    const select = await import('../../src/crypto/providers/select.ts');
    await select.cryptoProvidersReady();
    expect(seen.loaded).toBe(true);
    const { aesWasmAvailable } = await import(AES_WASM);
    expect(aesWasmAvailable()).toBe(false);
    for (const name of ['aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
      expect(select.providerFor(name, 'noble'), name).toBe('noble');
      // Compared with node:crypto, or not needed where node:crypto measured beyond it (PORTABLE_CEILING); never failed.
      const noble = select.providerDetails(name)!.candidates.find((c) => c.provider === 'noble')!;
      expect(['passed', 'skipped'], name).toContain(noble.selfTest);
    }
    const { NobleAesCtr } = await import(NOBLE_AES);
    const { nobleProvider } = await import('../../src/crypto/providers/noble.ts');
    expect(nobleProvider.aesCtr!(new Uint8Array(16), new Uint8Array(16))).toBeInstanceOf(NobleAesCtr);
    const [ours, theirs] = await ctrBoth(randomBytes(4096));
    expect(ours).toEqual(theirs);
  });

  it('where the WebAssembly AES is refused though SIMD validates: unavailable (not failed) until loaded at first use, then self-tested and used', async () => {
    vi.resetModules();
    vi.doMock(AES_WASM, async (importOriginal) => ({ ...(await importOriginal<typeof import('../../src/crypto/aes-wasm.ts')>()), aesWasmAvailable: () => false }));
    const seen = watchNobleAes();
    const select = await import('../../src/crypto/providers/select.ts');
    await select.cryptoProvidersReady();
    expect(seen.loaded, 'not at start-up: SIMD validates').toBe(false);
    const before = select.providerDetails('aes128-ctr')!;
    const nobleBefore = before.candidates.find((c) => c.provider === 'noble')!.selfTest;
    // Unavailable while loading — or not needed at all where node:crypto measured beyond the portable AES (PORTABLE_CEILING).
    expect(['unavailable', 'skipped']).toContain(nobleBefore);
    expect(before.provider).toBe('runtime');
    expect(() => select.providerFor('aes128-ctr', 'noble')).toThrow(/unavailable or failed/);
    const { loadNobleAes } = await import('../../src/crypto/providers/noble-aes-loader.ts');
    await loadNobleAes();
    expect(seen.loaded).toBe(true);
    const after = select.providerDetails('aes128-ctr')!;
    if (nobleBefore === 'unavailable') expect(after.candidates.find((c) => c.provider === 'noble')!.selfTest, 'decided again, not cached').toBe('passed');
    else expect(after, 'decided for good').toBe(before);
    expect(select.providerFor('aes128-ctr', 'noble')).toBe('noble');
    const [ours, theirs] = await ctrBoth(randomBytes(4096));
    expect(ours).toEqual(theirs);
  });
});
