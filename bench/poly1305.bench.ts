/**
 * Poly1305 (RFC 8439 §2.5): hopssh's own (src/crypto/poly1305.ts, WebAssembly
 * and the plain-JS fallback) against noble's, and what it does to
 * chacha20-poly1305@openssh.com: sealing and opening 32 KiB packets per
 * ChaCha20 provider, before (noble's Poly1305, used as the sealer used it
 * until then: a fresh state per packet, its input copied) and after. On Node,
 * and on Bun and Deno (this file again, as a child, `--child`).
 *
 * Before anything is timed, every candidate's output is cross-checked: the
 * tags of all three Poly1305s agree, and every (provider, Poly1305) pair seals
 * byte-identical packets and opens the others'.
 *
 * Timing: ROUNDS rounds of ROUND_MS per candidate, candidates interleaved in an
 * order rotating each round (load from other processes hits them alike), one
 * warm-up round first. MB/s = 10^6 message (or payload) bytes per second of
 * wall time; reported as median (min–max) and ratios of medians of the same run.
 *
 * Run: npm run bench:poly1305  → bench/results/poly1305.json and poly1305.md
 *      … -- --child            this runtime only, JSON on stdout, writes nothing
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { createPoly1305, type Poly1305 } from '../src/crypto/poly1305.ts';
import { ChaChaPolyOpener, ChaChaPolySealer } from '../src/crypto/seal-chacha20-poly1305.ts';
import { availableProviders, cryptoProvidersReady, selectProvider, type ProviderName } from '../src/crypto/providers/select.ts';
import { toHex as hex } from '../src/wire/bytes.ts';
import { hardware, headerLine, type Hardware } from './lib/environment.ts';
import { fill, plainPacket } from './lib/inputs.ts';
import { writeResults } from './lib/results.ts';
import { fmtSpread, spread, type Spread } from './lib/stats.ts';

const ROUNDS = 9;
const ROUND_MS = 80;
const MAC_SIZES = [64, 1024, 32768];
const PAYLOAD = 32768;
const RING = 16;
const CIPHER = 'chacha20-poly1305@openssh.com';

type MacName = 'wasm' | 'js' | 'noble';
const MAC_NAMES: MacName[] = ['wasm', 'js', 'noble'];

/** noble's Poly1305 behind hopssh's interface, called as seal-chacha20-poly1305.ts called it before. */
class NoblePoly1305 implements Poly1305 {
  private mac: ReturnType<typeof noblePoly1305.create> | null = null;
  init(key: Uint8Array, keyOff: number): void {
    this.mac = noblePoly1305.create(key.subarray(keyOff, keyOff + 32));
  }
  update(buf: Uint8Array, off: number, len: number): void {
    this.mac!.update(buf.subarray(off, off + len));
  }
  finish(out: Uint8Array, outOff: number): void {
    this.mac!.digestInto(out.subarray(outOff, outOff + 16));
    this.mac = null;
  }
  dispose(): void {
    this.mac = null;
  }
}

const macOf = (name: MacName): Poly1305 => (name === 'noble' ? new NoblePoly1305() : createPoly1305(name));

// ------------------------------------------------------------------ timing

interface Candidate {
  label: string;
  bytes: number;
  op: () => void;
}

function round(c: Candidate): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    for (let i = 0; i < 8; i++) c.op();
    n += 8;
    t = performance.now();
  }
  return (n * c.bytes) / ((t - t0) * 1e3);
}

function measure(cands: Candidate[]): Map<string, Spread> {
  for (const c of cands) round(c);
  const runs = new Map<string, number[]>(cands.map((c) => [c.label, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < cands.length; i++) {
      const c = cands[(i + r) % cands.length]!;
      runs.get(c.label)!.push(round(c));
    }
  }
  return new Map([...runs].map(([label, v]) => [label, spread(v)]));
}

// ------------------------------------------------------------------ one runtime

interface MacRow {
  size: number;
  mac: MacName;
  mbPerSec: Spread;
}
interface SealRow {
  provider: ProviderName;
  poly1305: MacName;
  op: 'seal' | 'open';
  mbPerSec: Spread;
}
interface RuntimeResult {
  runtime: string;
  version: string;
  poly1305: MacRow[];
  packets: SealRow[];
}

function runtimeName(): { runtime: string; version: string } {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return { runtime: 'deno', version: g.Deno.version.deno };
  if (g.Bun) return { runtime: 'bun', version: g.Bun.version };
  return { runtime: 'node', version: process.version };
}

function macCandidates(): Candidate[] {
  const key = fill(32, 9);
  const out = new Uint8Array(16);
  const cands: Candidate[] = [];
  for (const size of MAC_SIZES) {
    // An odd offset: the input is wherever the packet put it.
    const buf = fill(size + 3, size);
    const want = hex(noblePoly1305(buf.subarray(3), key));
    for (const name of MAC_NAMES) {
      const mac = macOf(name);
      const op = () => {
        mac.init(key, 0);
        mac.update(buf, 3, size);
        mac.finish(out, 0);
      };
      op();
      if (hex(out) !== want) throw new Error(`Poly1305 ${name}, ${size} bytes: tag ${hex(out)}, noble ${want}`);
      cands.push({ label: `${name} ${size}`, bytes: size, op });
    }
  }
  return cands;
}

function packetCandidates(): Candidate[] {
  const key = fill(64, 1);
  const plain = plainPacket(PAYLOAD, 8, true); // chacha20-poly1305: length not encrypted with the payload
  const providers = availableProviders(CIPHER);
  const sealed = new Map<string, Uint8Array[]>();
  for (const p of providers) {
    for (const m of MAC_NAMES) {
      const s = new ChaChaPolySealer(selectProvider('chacha20', p), key, macOf(m));
      sealed.set(`${p} ${m}`, Array.from({ length: RING }, (_, seq) => {
        const buf = new Uint8Array(plain.length + 16);
        buf.set(plain);
        s.seal(seq, buf, 0, plain.length);
        return buf;
      }));
    }
  }
  const all = [...sealed.entries()];
  const [refName, ref] = all[0]!;
  for (const [name, packets] of all) {
    for (let seq = 0; seq < RING; seq++) {
      if (hex(packets[seq]!) !== hex(ref[seq]!)) throw new Error(`${CIPHER}: ${name} and ${refName} disagree on packet ${seq}`);
    }
  }
  const cands: Candidate[] = [];
  for (const p of providers) {
    for (const m of MAC_NAMES) {
      const s = new ChaChaPolySealer(selectProvider('chacha20', p), key, macOf(m));
      const sbuf = new Uint8Array(plain.length + 16);
      let sseq = 0;
      cands.push({
        label: `${p} ${m} seal`,
        bytes: PAYLOAD,
        op: () => {
          sbuf.set(plain);
          s.seal(sseq, sbuf, 0, plain.length);
          sseq = (sseq + 1) % RING;
        },
      });
      const o = new ChaChaPolyOpener(selectProvider('chacha20', p), key, macOf(m));
      const obuf = new Uint8Array(plain.length + 16);
      let oseq = 0;
      const open = () => {
        obuf.set(ref[oseq]!);
        o.open(oseq, obuf, 0, o.decryptLength(oseq, obuf, 0));
        oseq = (oseq + 1) % RING;
      };
      for (let i = 0; i < RING; i++) {
        open();
        if (hex(obuf.subarray(0, plain.length)) !== hex(plain)) throw new Error(`${CIPHER} on ${p} with ${m}: open gave the wrong plaintext`);
      }
      cands.push({ label: `${p} ${m} open`, bytes: PAYLOAD, op: open });
    }
  }
  return cands;
}

async function runHere(): Promise<RuntimeResult> {
  await cryptoProvidersReady();
  const macs = measure(macCandidates());
  const packets = measure(packetCandidates());
  return {
    ...runtimeName(),
    poly1305: MAC_SIZES.flatMap((size) => MAC_NAMES.map((mac) => ({ size, mac, mbPerSec: macs.get(`${mac} ${size}`)! }))),
    packets: [...packets].map(([label, mbPerSec]) => {
      const [provider, poly1305, op] = label.split(' ') as [ProviderName, MacName, 'seal' | 'open'];
      return { provider, poly1305, op, mbPerSec };
    }),
  };
}

// ------------------------------------------------------------------ all runtimes, report

function runChild(runtime: 'bun' | 'deno'): RuntimeResult {
  const self = fileURLToPath(import.meta.url);
  const bin = fileURLToPath(new URL(`../node_modules/.bin/${runtime}`, import.meta.url));
  const argv = runtime === 'deno' ? ['run', '--allow-all', self, '--child'] : [self, '--child'];
  const r = spawnSync(bin, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${runtime}: exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RuntimeResult;
}

const cell = (s: Spread | undefined): string => (s ? fmtSpread(s, 0) : 'n/a');
const ratio = (a: Spread | undefined, b: Spread | undefined): string => (a && b ? `${(a.median / b.median).toFixed(2)}×` : 'n/a');

function report(results: RuntimeResult[], meta: { date: string } & Hardware): string {
  const lines = [
    '# Poly1305 benchmark',
    '',
    headerLine(meta, `${meta.cpu} × ${meta.cores}`, ...results.map((r) => `${r.runtime} ${r.version}`), `load average ${loadavg()[0]!.toFixed(1)} at the end`),
    '',
    `MB/s = 10^6 message bytes per second (wall time), median (min–max) of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms; ratios are of medians in the same run.`,
    'hopssh wasm is src/crypto/poly1305-wasm.ts (what runs wherever WebAssembly does), hopssh js its plain-JS fallback (poly1305-js.ts),',
    'noble is @noble/ciphers\' Poly1305 as hopssh called it before (a new state per message; its update copies the input).',
    '',
    '## Poly1305 alone (init, one update, finish; input at an odd offset)',
    '',
    '| runtime | bytes | hopssh wasm | hopssh js | noble | wasm / noble | js / noble |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    for (const size of MAC_SIZES) {
      const get = (m: MacName) => r.poly1305.find((x) => x.size === size && x.mac === m)?.mbPerSec;
      lines.push(`| ${r.runtime} | ${size} | ${cell(get('wasm'))} | ${cell(get('js'))} | ${cell(get('noble'))} | ${ratio(get('wasm'), get('noble'))} | ${ratio(get('js'), get('noble'))} |`);
    }
  }
  lines.push(
    '',
    `## ${CIPHER}, ${PAYLOAD}-byte payload, per ChaCha20 provider`,
    '',
    'Before: noble\'s Poly1305; after: hopssh\'s (wasm, and the js fallback). Each op includes one copy of the packet into the working buffer,',
    'as in bench/cipher.bench.ts. Bun\'s node:crypto has no ChaCha20, so Bun runs only "noble".',
    '',
    '| runtime | ChaCha20 | op | before: noble Poly1305 | after: hopssh wasm | after: hopssh js | wasm / before | js / before |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    for (const p of ['noble', 'runtime'] as ProviderName[]) {
      for (const op of ['seal', 'open'] as const) {
        const get = (m: MacName) => r.packets.find((x) => x.provider === p && x.poly1305 === m && x.op === op)?.mbPerSec;
        if (!get('noble')) continue;
        lines.push(`| ${r.runtime} | ${p} | ${op} | ${cell(get('noble'))} | ${cell(get('wasm'))} | ${cell(get('js'))} | ${ratio(get('wasm'), get('noble'))} | ${ratio(get('js'), get('noble'))} |`);
      }
    }
  }
  lines.push('');
  return lines.join('\n');
}

if (process.argv.includes('--child')) {
  console.log(JSON.stringify(await runHere()));
} else {
  const results = [await runHere()];
  for (const rt of ['bun', 'deno'] as const) {
    console.error(`running on ${rt}…`);
    results.push(runChild(rt));
  }
  const { machine, cores, cpu } = hardware();
  const meta = { date: new Date().toISOString(), machine, cpu, cores, loadAverage1m: loadavg()[0], rounds: ROUNDS, roundMs: ROUND_MS };
  const md = report(results, meta);
  writeResults('poly1305', { ...meta, results }, md);
  console.log(md);
}
