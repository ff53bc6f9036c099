import { describe, expect, test } from 'vitest';
import { RUNTIMES, runScript } from '../helpers/runtime-script.ts';

// The portable provider's WebAssembly ChaCha20 compiles (SIMD), passes the provider self-test and
// agrees with @noble/ciphers on Node, Bun and Deno (scripts/runtime-chacha20-wasm.ts on each).
describe('WebAssembly ChaCha20 on every runtime', () => {
  test.each(RUNTIMES)('%s: compiles, self-test and selection pass, RFC 8439 and @noble/ciphers agree', (name) => {
    expect(runScript(name, 'scripts/runtime-chacha20-wasm.ts')).toEqual([{
      runtime: name,
      available: true,
      usesWasm: true,
      selfTest: true,
      selected: 'noble',
      // RFC 8439 §2.4.2's ciphertext, first 16 bytes.
      vector: '6e2e359a2568f98041ba0728dd0d6981',
      cases: 60,
      mismatches: [],
    }]);
  }, 150_000);
});
