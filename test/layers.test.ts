import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

// DESIGN.md, "Layers": a folder imports only from folders listed above it.
const ORDER = ['wire', 'io', 'crypto', 'transport', 'auth', 'channel', 'jump', 'bastion', 'recorder', 'cli'];
const CORE = new Set(['wire', 'crypto', 'transport', 'auth', 'channel', 'jump']);
// The runtime crypto provider is the one place in a core folder allowed to load node:crypto.
const RUNTIME_PROVIDER = /^crypto\/(providers\/runtime|kex-modp-runtime)[^/]*\.ts$/;

const src = resolve(__dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m; (m = re.exec(text)); ) out.push(m[1] ?? m[2]!);
  return out;
}

describe('layering (DESIGN.md)', () => {
  const all = files(src).map((f) => relative(src, f));
  for (const file of all) {
    const layer = file.includes('/') ? file.split('/')[0]! : 'index';
    test(file, () => {
      const text = readFileSync(join(src, file), 'utf8');
      for (const spec of imports(text)) {
        if (spec.startsWith('.')) {
          const target = relative(src, resolve(dirname(join(src, file)), spec));
          const tl = target.includes('/') ? target.split('/')[0]! : 'index';
          if (layer === 'index' || tl === layer) continue;
          expect(ORDER.indexOf(tl), `${file} imports ${spec} (layer ${tl})`).toBeLessThan(ORDER.indexOf(layer));
        } else if (spec.startsWith('node:')) {
          const allowed = !CORE.has(layer) || RUNTIME_PROVIDER.test(file);
          expect(allowed, `${file} imports ${spec}, but ${layer} must run unchanged on every runtime`).toBe(true);
        }
      }
      if (CORE.has(layer)) {
        expect(/\b(Deno|Bun)\./.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')), `${file} uses a runtime-specific global`).toBe(false);
        expect(/\bBuffer\./.test(text), `${file} uses Node's Buffer`).toBe(false);
      }
    });
  }
});
