/**
 * The hopssh program as one JavaScript file (dist/hopssh.js, run by
 * bin/hopssh.js when present): src/cli/hopssh.ts with every module it
 * imports, @noble/* included, bundled by esbuild. Node's ESM loader resolves,
 * reads and compiles each module of the tsc build (dist/, about 180 files)
 * one by one; one file starts in about half the time and 10 MiB less
 * (bench/results/startup.md). Identifiers are kept (stack traces stay
 * readable); whitespace and comments go, which halves the text V8 parses.
 *
 * Run: `npm run build` (tsc, then this), or `tsx scripts/bundle-cli.ts [outfile]`.
 */
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = new URL('../', import.meta.url);

/** Default output: beside tsc's dist/cli/, where bin/hopssh.js looks first. */
export const CLI_BUNDLE = fileURLToPath(new URL('dist/hopssh.js', ROOT));

/** Bundles src/cli/hopssh.ts into `outfile` (an ES module for Node ≥ 20, with a linked source map). */
export async function bundleCli(outfile: string = CLI_BUNDLE): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('src/cli/hopssh.ts', ROOT))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleCli(process.argv[2]);
}
