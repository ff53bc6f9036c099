/**
 * hopssh compiled to JavaScript for the benchmark (tsc with the project's
 * tsconfig.json, as `npm run build` does), with the library peer beside it,
 * so hopssh's processes start as ssh2's do — plain `node`, no TypeScript
 * loader — and what is measured is hopssh, not tsx (which adds ~0.3 s of
 * CPU and ~35 MiB to every process it starts). The output goes under
 * node_modules/.cache (so `@noble/*` resolve from the project's
 * node_modules), one directory per run, removed at exit. The program is
 * the bundle `npm run build` makes (scripts/bundle-cli.ts), which
 * bin/hopssh.js runs first; the library peer imports the tsc output, as a
 * program importing the package does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerDir } from '../../test/helpers/cleanup.ts';
import { run } from '../../test/helpers/run.ts';
import { bundleCli } from '../../scripts/bundle-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HopsshBuild {
  /** The library peer (hopssh-peer.ts) as JavaScript. */
  libraryPeer: string;
  /** The hopssh program bundled (src/cli/hopssh.ts and what it imports): what bin/hopssh.js runs when dist/ is built. */
  program: string;
  /** The tsc output of the program (src/cli/hopssh.ts) and of the library's entry (src/index.ts), unbundled (bench:startup). */
  tscProgram: string;
  tscLibrary: string;
}

export async function buildHopssh(): Promise<HopsshBuild> {
  const dir = join(ROOT, 'node_modules', '.cache', `hopssh-bench-relay-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  registerDir(dir);
  const out = join(dir, 'out');
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir: out, declaration: false, sourceMap: false, noEmitOnError: true },
      include: [join(ROOT, 'src'), join(ROOT, 'bench', 'relay', 'hopssh-peer.ts')],
    }),
  );
  const r = await run([process.execPath, join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`compiling hopssh for the benchmark failed:\n${r.stdout}${r.stderr}`);
  return {
    libraryPeer: join(out, 'bench', 'relay', 'hopssh-peer.js'),
    program: await bundleCli(join(dir, 'bundle')),
    tscProgram: join(out, 'src', 'cli', 'hopssh.js'),
    tscLibrary: join(out, 'src', 'index.js'),
  };
}
