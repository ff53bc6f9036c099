import { describe, expect, test } from 'vitest';
import { RUNTIMES, runScript } from '../helpers/runtime-script.ts';

// The portable provider's WebAssembly AES compiles and agrees with @noble/ciphers on Node, Bun and Deno
// (scripts/runtime-aes-wasm.ts on each). bun and deno come from npm (devDependencies), so this never skips.
describe('WebAssembly AES on every runtime', () => {
  test.each(RUNTIMES)('%s: compiles (SIMD), known answers, GCM and CTR equal @noble/ciphers', (name) => {
    expect(runScript(name, 'scripts/runtime-aes-wasm.ts')).toEqual([{
      runtime: name,
      available: true,
      // GCM spec test case 16's tag; SP 800-38A F.5.5's first ciphertext block.
      vectors: ['76fc6ece0f4e1768cddf8853bb2d551b', '601ec313775789a5b7a7f504bbf3d228'],
      cases: 60,
      mismatches: [],
    }]);
  }, 150_000);
});
