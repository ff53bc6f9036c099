#!/usr/bin/env node
// The hopssh program (src/cli/hopssh.ts). Runs the build when present — the
// bundle dist/hopssh/hopssh.js (scripts/bundle-cli.ts: it starts in about half
// the time of tsc's one file per module), else tsc's dist/cli/hopssh.js;
// otherwise the TypeScript source — as is under Bun and Deno, and under Node
// through tsx's ESM loader registered in this process (a fresh clone works
// after `npm ci`, no build step).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const built = [new URL('dist/hopssh/hopssh.js', root), new URL('dist/cli/hopssh.js', root)].find((u) => existsSync(fileURLToPath(u)));
const source = new URL('src/cli/hopssh.ts', root);

if (built !== undefined) {
  await import(built.href);
} else if (globalThis.Bun !== undefined || globalThis.Deno !== undefined) {
  await import(source.href);
} else {
  const module = await import('node:module');
  if (typeof module.register !== 'function') {
    process.stderr.write(`hopssh: Node ${process.version} cannot load TypeScript in-process (needs 20.6 or later); build with "npm run build" or run "node --import tsx/esm ${fileURLToPath(source)}"\n`);
    process.exit(255);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
}
