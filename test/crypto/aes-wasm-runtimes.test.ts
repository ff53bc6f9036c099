import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// The portable provider's WebAssembly AES compiles and agrees with @noble/ciphers on Node, Bun and Deno
// (scripts/runtime-aes-wasm.ts on each). bun and deno come from npm (devDependencies), so this never skips.
const root = resolve(__dirname, '..', '..');
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

const runtimes: [string, string[]][] = [
  ['node', [bin('tsx'), 'scripts/runtime-aes-wasm.ts']],
  ['bun', [bin('bun'), 'scripts/runtime-aes-wasm.ts']],
  ['deno', [bin('deno'), 'run', '--allow-all', 'scripts/runtime-aes-wasm.ts']],
];

describe('WebAssembly AES on every runtime', () => {
  test.each(runtimes)('%s: compiles (SIMD), known answers, GCM and CTR equal @noble/ciphers', (name, argv) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out).toEqual({
      runtime: name,
      available: true,
      // GCM spec test case 16's tag; SP 800-38A F.5.5's first ciphertext block.
      vectors: ['76fc6ece0f4e1768cddf8853bb2d551b', '601ec313775789a5b7a7f504bbf3d228'],
      cases: 60,
      mismatches: [],
    });
  }, 150_000);
});
