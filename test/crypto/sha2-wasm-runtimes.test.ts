import { describe, expect, test } from 'vitest';
import { RUNTIMES, runScript } from '../helpers/runtime-script.ts';

// The portable provider's WebAssembly HMAC-SHA-256/512 compiles, passes the provider self-test and
// agrees with @noble/hashes on Node, Bun and Deno (scripts/runtime-sha2-wasm.ts on each).
describe('WebAssembly HMAC-SHA-256/512 on every runtime', () => {
  test.each(RUNTIMES)('%s: compiles, self-test and selection pass, RFC 4231 and @noble/hashes agree', (name) => {
    expect(runScript(name, 'scripts/runtime-sha2-wasm.ts')).toEqual([{
      runtime: name,
      available: true,
      usesWasm: true,
      selfTests: [true, true],
      selected: ['noble', 'noble'],
      // RFC 4231 §4.3 (test case 2).
      vectors: [
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
        '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      ],
      cases: 60,
      mismatches: [],
    }]);
  }, 150_000);
});
