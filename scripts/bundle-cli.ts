/**
 * The hopssh program bundled (dist/hopssh/, run by bin/hopssh.js when
 * present): src/cli/hopssh.ts with every module it imports, @noble/*
 * included, bundled by esbuild. Node's ESM loader resolves, reads and
 * compiles each module of the tsc build (dist/, about 180 files) one by one;
 * the bundle starts in about half the time and 10 MiB less
 * (bench/results/startup.md). Identifiers are kept (stack traces stay
 * readable); whitespace and comments go, which halves the text V8 parses.
 *
 * Code loaded on first use (src/crypto/kex-registry.ts: ML-KEM, finite-field
 * DH) goes to chunk files of its own beside the entry, and what it shares
 * with the rest to a chunk the entry imports at once (esbuild's code
 * splitting). Without splitting esbuild wraps every module those share in an
 * initializer, and `-V` measured 3 ms more CPU than with both loaded at start.
 *
 * Run: `npm run build` (tsc, then this), or `tsx scripts/bundle-cli.ts [outdir]`.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = new URL('../', import.meta.url);

/** Default output directory, where bin/hopssh.js looks first (its entry: hopssh.js). */
export const CLI_BUNDLE_DIR = fileURLToPath(new URL('dist/hopssh/', ROOT));

/**
 * Bundles src/cli/hopssh.ts into `outdir` (ES modules for Node ≥ 20 with
 * linked source maps), first removing the .js and .js.map files a previous
 * build left there (chunk names change with their contents). Returns the
 * entry's path.
 */
export async function bundleCli(outdir: string = CLI_BUNDLE_DIR): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  for (const f of readdirSync(outdir)) if (f.endsWith('.js') || f.endsWith('.js.map')) rmSync(join(outdir, f));
  await build({
    entryPoints: [fileURLToPath(new URL('src/cli/hopssh.ts', ROOT))],
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return join(outdir, 'hopssh.js');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleCli(process.argv[2]);
}
