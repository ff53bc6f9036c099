import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// Packets straddling received chunks, on each runtime's own ciphers
// (node:crypto in Node, Bun and Deno; noble's ChaCha20 where Bun has none):
// node:crypto's AEADs gather them and hand over the runtime's output
// (openDetached), other AEAD and etm openers take pieces, a classic MAC
// gathers: scripts/runtime-pieces.ts on each. bun and deno come from npm.
const root = resolve(__dirname, '..', '..');
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

const runtimes: [string, string[]][] = [
  ['node', [bin('tsx'), 'scripts/runtime-pieces.ts']],
  ['bun', [bin('bun'), 'scripts/runtime-pieces.ts']],
  ['deno', [bin('deno'), 'run', '--allow-all', 'scripts/runtime-pieces.ts']],
];

describe('straddling packets on every runtime', () => {
  test.each(runtimes)('%s: every packet intact; runtime AEADs detached, other AEAD and etm openers in pieces, a classic MAC gathered', (name, argv) => {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.cipher)).toEqual(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes256-ctr']);
    for (const l of lines) {
      expect(l.runtime).toBe(name);
      expect(l.error, JSON.stringify(l)).toBeUndefined();
      expect(l.delivered, JSON.stringify(l)).toBe(60);
      const aead = l.mac === 'none';
      expect(l.detached, JSON.stringify(l)).toBe(aead && l.provider === 'runtime');
      expect(l.pieces, JSON.stringify(l)).toBe(!l.detached && (aead || String(l.mac).endsWith('-etm@openssh.com')));
    }
  }, 150_000);
});
