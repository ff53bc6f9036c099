/**
 * Start-up cost of hopssh's processes (issue 6: the hopssh program's setup is
 * mostly its start-up): wall time, CPU time and peak RSS of
 *
 * - `node` running an empty module (the floor any Node program pays);
 * - importing the library (its index.js as tsc compiles it);
 * - `hopssh -V` and `hopssh <loopback sshd> true` (one connection, Ed25519
 *   keys, known_hosts checked), the program as tsc compiles it (one file per
 *   module: what `npm run build` used to give bin/hopssh.js) and as the
 *   bundle `npm run build` now writes (scripts/bundle-cli.ts);
 * - OpenSSH's `ssh <same sshd> true` for reference (wall time only).
 *
 * Every case runs once per round, rounds interleaved, N rounds after a
 * warm-up. Node processes report their own peak RSS and CPU time at exit
 * through a preloaded CommonJS hook (process.resourceUsage); wall time is
 * spawn to exit, measured here.
 *
 * Run: npm run bench:startup  → bench/results/startup.json and startup.md
 *      npm run bench:startup -- --quick   (3 rounds, writes nothing)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHopssh } from './relay/build.ts';
import { benchEnvironment, environmentLine } from './lib/environment.ts';
import { writeResults } from './lib/results.ts';
import { fmtSpread, spread, type Spread } from './lib/stats.ts';
import { findSsh } from '../test/helpers/openssh-binaries.ts';
import { cliEnv, startCliHost } from '../test/helpers/hopssh-cli.ts';
import { registerDir } from '../test/helpers/cleanup.ts';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 15;
const WARMUP = 2;

interface Sample {
  wallMs: number;
  /** User + system CPU of the process; undefined for a non-Node program. */
  cpuMs?: number;
  /** Peak RSS in MiB; undefined for a non-Node program. */
  rssMiB?: number;
}

interface Case {
  label: string;
  argv: string[];
  /** Measured through the preload (a Node process). */
  node: boolean;
}

const env = benchEnvironment();
console.log(environmentLine(env));
const dir = mkdtempSync(join(tmpdir(), 'hopssh-bench-startup-'));
registerDir(dir);
const report = join(dir, 'rusage.json');
const preload = join(dir, 'rusage.cjs');
writeFileSync(
  preload,
  `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.HOPSSH_BENCH_RUSAGE, JSON.stringify({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime })); });\n`,
);
const empty = join(dir, 'empty.mjs');
writeFileSync(empty, '');

console.log('building: tsc (bench/relay/build.ts), esbuild (scripts/bundle-cli.ts)…');
const { program: bundle, tscProgram, tscLibrary } = await buildHopssh();
const importer = join(dir, 'import-library.mjs');
writeFileSync(importer, `await import(${JSON.stringify(pathToFileURL(tscLibrary).href)});\n`);

const host = await startCliHost();
const node = (label: string, ...args: string[]): Case => ({ label, argv: [process.execPath, '--require', preload, ...args], node: true });
const CASES: Case[] = [
  node('node: empty module', empty),
  node('import the library (tsc build)', importer),
  node('hopssh -V (tsc build)', tscProgram, '-V'),
  node('hopssh -V (bundle)', bundle, '-V'),
  node('hopssh host true (tsc build)', tscProgram, ...host.target, 'true'),
  node('hopssh host true (bundle)', bundle, ...host.target, 'true'),
  { label: 'OpenSSH ssh host true', argv: [findSsh(), ...host.target, 'true'], node: false },
];

function once(c: Case): Promise<Sample> {
  rmSync(report, { force: true });
  const t0 = performance.now();
  const child = spawn(c.argv[0]!, c.argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: cliEnv({ HOPSSH_BENCH_RUSAGE: report }) });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${c.label}: exit ${code}\n${stderr}`));
      if (!c.node) return resolve({ wallMs });
      const u = JSON.parse(readFileSync(report, 'utf8')) as { maxRSS: number; cpu: number };
      resolve({ wallMs, cpuMs: u.cpu / 1000, rssMiB: u.maxRSS / 1024 });
    });
  });
}

const samples = new Map<string, Sample[]>(CASES.map((c) => [c.label, []]));
try {
  for (let i = 0; i < WARMUP; i++) for (const c of CASES) await once(c);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 === 0 ? CASES : [...CASES].reverse()) samples.get(c.label)!.push(await once(c));
    process.stdout.write(`round ${r + 1}/${ROUNDS}\r`);
  }
} finally {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
}

interface Row {
  case: string;
  wallMs: Spread;
  cpuMs?: Spread;
  rssMiB?: Spread;
}
const rows: Row[] = CASES.map((c) => {
  const s = samples.get(c.label)!;
  const row: Row = { case: c.label, wallMs: spread(s.map((x) => x.wallMs), 1) };
  if (c.node) {
    row.cpuMs = spread(s.map((x) => x.cpuMs!), 1);
    row.rssMiB = spread(s.map((x) => x.rssMiB!), 1);
  }
  return row;
});
const byLabel = new Map(rows.map((r) => [r.case, r]));
/** Median of `what` in the bundle's row ÷ the tsc build's, same task. */
const ratio = (task: string, what: 'wallMs' | 'cpuMs' | 'rssMiB'): string =>
  (byLabel.get(`${task} (bundle)`)![what]!.median / byLabel.get(`${task} (tsc build)`)![what]!.median).toFixed(2);

const md = [
  '# Start-up benchmark',
  '',
  environmentLine(env),
  '',
  'Shared, noisy machine: read the medians and the ratios (measured in the same run).',
  '',
  'Each case is a fresh process; cases interleaved per round (order reversed every other round),',
  `N = ${ROUNDS} after ${WARMUP} warm-up rounds; median (min–max). Wall: spawn to exit. CPU: user + system of the`,
  'process. Peak RSS: the process\'s maxRSS. Both from process.resourceUsage() at exit (a preloaded hook), so Node only.',
  '"host": OpenSSH sshd on 127.0.0.1 (test/helpers/hopssh-cli.ts: Ed25519 host and user keys, known_hosts checked);',
  'most of that wall time is sshd\'s (its fork and re-exec, authentication, running `true`).',
  '"tsc build": tsc\'s output, one file per module (bench/relay/build.ts). "bundle": what `npm run build` writes to',
  'dist/hopssh/ and bin/hopssh.js runs (scripts/bundle-cli.ts: esbuild, @noble/* included; code loaded on first use in chunks).',
  '',
  '| case | wall ms | CPU ms | peak RSS MiB |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.case} | ${fmtSpread(r.wallMs)} | ${r.cpuMs ? fmtSpread(r.cpuMs) : '—'} | ${r.rssMiB ? fmtSpread(r.rssMiB) : '—'} |`),
  '',
  `Bundle ÷ tsc build (medians): \`-V\` wall ${ratio('hopssh -V', 'wallMs')}×, CPU ${ratio('hopssh -V', 'cpuMs')}×, RSS ${ratio('hopssh -V', 'rssMiB')}×;`,
  `\`host true\` wall ${ratio('hopssh host true', 'wallMs')}×, CPU ${ratio('hopssh host true', 'cpuMs')}×, RSS ${ratio('hopssh host true', 'rssMiB')}×.`,
  '',
];
console.log('\n' + md.join('\n'));
if (!QUICK) {
  writeResults('startup', { ...env, rounds: ROUNDS, warmup: WARMUP, rows, samples: Object.fromEntries(samples) }, md.join('\n'));
}
