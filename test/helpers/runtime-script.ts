/**
 * Runs a script of this repository on Node (through tsx), Bun or Deno and
 * returns the lines it printed, each parsed as JSON: how a test checks that
 * code runs unchanged on every runtime (DESIGN.md, "I/O and runtimes"). bun
 * and deno come from npm (devDependencies), so such a test never skips.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

export const RUNTIMES = ['node', 'bun', 'deno'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

const root = resolve(__dirname, '..', '..');
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

/** Runs `script` (a path from the repository's root) on `runtime`; fails the test unless it exits 0. */
export function runScript(runtime: RuntimeName, script: string): unknown[] {
  const argv = runtime === 'node' ? [bin('tsx'), script] : runtime === 'bun' ? [bin('bun'), script] : [bin('deno'), 'run', '--allow-all', script];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}
