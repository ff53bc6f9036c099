import { describe, expect, test } from 'vitest';
import { RUNTIMES, runScript } from './helpers/runtime-script.ts';

// The core folders run unchanged on Node, Bun and Deno (DESIGN.md, "I/O and runtimes").
// bun and deno come from npm (devDependencies), so this never skips.
describe('the transport runs on every runtime', () => {
  test.each(RUNTIMES)('%s: handshake, rekey and data for four algorithm sets', (name) => {
    const lines = runScript(name, 'scripts/runtime-smoke.ts') as Record<string, unknown>[];
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.runtime).toBe(name);
      expect(l.kexCount).toBe(2);
      expect(l.received).toEqual([1000, 3000]);
    }
    expect(lines.map((l) => l.kex)).toEqual(['mlkem768x25519-sha256', 'curve25519-sha256', 'ecdh-sha2-nistp384', 'diffie-hellman-group14-sha256']);
  });
});
