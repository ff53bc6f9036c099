import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// The core folders run unchanged on Node, Bun and Deno (DESIGN.md, "I/O and runtimes").
// bun and deno come from npm (devDependencies), so this never skips.
const root = resolve(__dirname, '..');
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

const runtimes: [string, string[]][] = [
  ['node', [bin('tsx'), 'scripts/runtime-smoke.ts']],
  ['bun', [bin('bun'), 'scripts/runtime-smoke.ts']],
  ['deno', [bin('deno'), 'run', '--allow-all', 'scripts/runtime-smoke.ts']],
];

describe('the transport runs on every runtime', () => {
  test.each(runtimes)('%s: handshake, rekey and data for four algorithm sets', (name, argv) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.runtime).toBe(name);
      expect(l.kexCount).toBe(2);
      expect(l.received).toEqual([1000, 3000]);
    }
    expect(lines.map((l) => l.kex)).toEqual(['mlkem768x25519-sha256', 'curve25519-sha256', 'ecdh-sha2-nistp384', 'diffie-hellman-group14-sha256']);
  });
});
