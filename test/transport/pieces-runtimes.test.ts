import { describe, expect, test } from 'vitest';
import { RUNTIMES, runScript } from '../helpers/runtime-script.ts';

// Packets straddling received chunks, on each runtime's own ciphers
// (node:crypto in Node, Bun and Deno; the portable provider's ChaCha20 where Bun has none):
// node:crypto's AEADs gather them and hand over the runtime's output
// (openDetached), other AEAD and etm openers take pieces, a classic MAC
// gathers: scripts/runtime-pieces.ts on each. bun and deno come from npm.
describe('straddling packets on every runtime', () => {
  test.each(RUNTIMES)('%s: every packet intact; runtime AEADs detached, other AEAD and etm openers in pieces, a classic MAC gathered', (name) => {
    const lines = runScript(name, 'scripts/runtime-pieces.ts') as Record<string, unknown>[];
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
