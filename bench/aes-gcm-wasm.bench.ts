/**
 * The portable provider's WebAssembly AES-GCM taken apart (src/crypto/aes-wasm.ts):
 * on 32 KiB, the AES-128-CTR keystream alone (the engine's ctr), GHASH alone
 * (the engine's ghash), and AES-128-GCM seal and open through AesGcmWasm — so
 * the split between the CTR and GHASH work can be read off, and what doing
 * both in one pass gains over their sum.
 *
 * `--before DIR` also loads the same files from another checkout (e.g.
 * `git worktree add /tmp/before <commit>`, with node_modules linked) and
 * times both in the same run, interleaved, after checking that they seal
 * the same bytes. Runs on Node, Bun and Deno (`bun bench/…`, `deno run -A bench/…`).
 *
 * Timing: ROUNDS rounds per candidate, candidates interleaved in an order
 * rotating each round; a round is as many calls as fill ROUND_MS of this
 * process's CPU time (the machine is shared: wall time would count other
 * processes' turns). MB/s = 10^6 bytes per CPU second; median (min–max).
 *
 * Run: npx tsx bench/aes-gcm-wasm.bench.ts [--before DIR]   (prints; writes nothing)
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { fmtSpread, spread } from './lib/stats.ts';

const ROUNDS = Number(process.env['ROUNDS'] ?? 15);
const ROUND_MS = 60;
const SIZE = 32768;

interface Engine {
  use(key: object): void;
  ctr(p: number, n: number, rounds: number, counter: Uint8Array): void;
  ghash(p: number, n: number, y: Uint8Array): void;
  wipe(n: number): void;
}
interface GcmKey {
  seal(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): void;
  open(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): boolean;
}
interface Tree {
  engine: Engine;
  dataAt: number;
  gcm: (key: Uint8Array) => GcmKey & object;
}

async function load(root: string): Promise<Tree> {
  const at = (file: string) => pathToFileURL(resolve(root, 'src/crypto', file)).href;
  const wasm = await import(at('aes-wasm.ts'));
  const { AesGcmWasm } = await import(at('aes-gcm-wasm.ts'));
  const engine = wasm.aesEngine() as Engine | null;
  if (engine === null) throw new Error(`${root}: no WebAssembly AES here`);
  return { engine, dataAt: wasm.DATA_AT as number, gcm: (key) => new AesGcmWasm(key) };
}

// One input for every tree: the same key, IV, counter and text.
const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n)); // not a Buffer: its slice() is a view
const key = bytes(16), iv = bytes(12), counter = bytes(16), text = bytes(SIZE + 4 + 16);

/** The four operations on one tree, and the 32 KiB message it seals. */
function operations(name: string, t: Tree): { ops: [string, () => void][]; sealed: string } {
  const { engine: e, dataAt } = t;
  const g = t.gcm(key);
  const sealBuf = text.slice();
  g.seal(iv, sealBuf, 0, 4, SIZE);
  const sealed = Buffer.from(sealBuf).toString('hex');
  const received = sealBuf.slice(), openBuf = sealBuf.slice();
  const y = new Uint8Array(16);
  const ops: [string, () => void][] = [
    [`${name} ctr`, () => (e.use(g), e.ctr(dataAt, SIZE / 16, 10, counter))],
    [`${name} ghash`, () => (e.use(g), e.ghash(dataAt, SIZE / 16, y))],
    [`${name} gcm seal`, () => g.seal(iv, sealBuf, 0, 4, SIZE)],
    [
      `${name} gcm open`,
      () => {
        openBuf.set(received);
        if (!g.open(iv, openBuf, 0, 4, SIZE)) throw new Error(`${name}: open refused its own message`);
      },
    ],
  ];
  return { ops, sealed };
}

/** MB/s over calls of `op` filling ROUND_MS of CPU time. */
function cpuRound(op: () => void): number {
  const start = process.cpuUsage();
  let calls = 0, micros = 0;
  do {
    op();
    op();
    calls += 2;
    const used = process.cpuUsage(start);
    micros = used.user + used.system;
  } while (micros < ROUND_MS * 1000);
  return (calls * SIZE) / micros;
}

const trees: [string, string][] = [['after', resolve(import.meta.dirname ?? '.', '..')]];
const flag = process.argv.indexOf('--before');
if (flag > 0) trees.unshift(['before', resolve(process.argv[flag + 1]!)]);

const all: [string, () => void][] = [];
const seals = new Set<string>();
for (const [name, root] of trees) {
  const { ops, sealed } = operations(name, await load(root));
  all.push(...ops);
  seals.add(sealed);
}
if (seals.size !== 1) throw new Error('the trees seal different bytes');

const samples = new Map<string, number[]>(all.map(([label]) => [label, []]));
for (const [, op] of all) cpuRound(op); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  all.forEach((_, i) => {
    const [label, op] = all[(i + r) % all.length]!;
    samples.get(label)!.push(cpuRound(op));
  });
}
console.log(`${SIZE} bytes; MB/s per CPU second, median (min–max) of ${ROUNDS} rounds`);
for (const [label, mbs] of samples) console.log(`${label.padEnd(16)} ${fmtSpread(spread(mbs), 0)}`);
