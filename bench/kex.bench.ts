/**
 * Key-exchange math and host-key signatures (benny).
 *
 * One kex op = client(), server(client value), and both computeSecret calls:
 * the whole math of one key exchange for both ends. Each method runs with
 * provider "noble" and "auto" (they differ only for finite-field DH, where
 * "auto" uses node:crypto's DiffieHellman for the operations its self-test
 * measured faster). Group exchange runs over RFC 3526 groups (the ones our
 * server offers, with cached fixed-base tables) and over a group from
 * /etc/ssh/moduli (what an OpenSSH server sends a client), if present.
 * Every case is cross-checked (both ends derive the same K) before timing.
 *
 * Signatures: sign and verify of a 32-byte exchange hash per host key type.
 *
 * Run: npm run bench:kex  → bench/results/kex.json and kex.md
 */
import { existsSync, readFileSync } from 'node:fs';
import b from 'benny';
import { KEX_NAMES, kexMath } from '../src/crypto/kex-registry.ts';
import { createGexMath } from '../src/crypto/kex-modp.ts';
import { runtimeModpStatus } from '../src/crypto/kex-modp-runtime.ts';
import { MODP_GROUP_14, MODP_GROUP_16, MODP_GROUP_18 } from '../src/crypto/modp-groups.ts';
import { verifySignature } from '../src/crypto/signature.ts';
import { generateSigningKey, type SigningKeyType } from '../src/crypto/signing-keys.ts';
import { generateRsaKey } from '../src/crypto/rsa.ts';
import type { KexMath, ProviderChoice, SigningKey } from '../src/crypto/types.ts';
import { toHex as hex } from '../src/wire/bytes.ts';
import { briefEnvironment, headerLine, loadAverage } from './lib/environment.ts';
import { writeResults } from './lib/results.ts';
import { round } from './lib/stats.ts';

function fullKex(math: KexMath): Uint8Array {
  const c = math.client();
  const s = math.server(c.publicValue);
  s.computeSecret(c.publicValue);
  return c.computeSecret(s.publicValue);
}

function crossCheck(math: KexMath, label: string): void {
  for (let i = 0; i < 2; i++) {
    const c = math.client();
    const s = math.server(c.publicValue);
    if (hex(c.computeSecret(s.publicValue)) !== hex(s.computeSecret(c.publicValue))) {
      throw new Error(`${label}: client and server disagree on K`);
    }
  }
}

/** A 4096-bit group from OpenSSH's moduli file (fields: time type tests tries size generator modulus). */
function moduliGroup(size: number): { p: bigint; g: bigint } | undefined {
  const path = '/etc/ssh/moduli';
  if (!existsSync(path)) return undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 7 && !f[0]!.startsWith('#') && Number(f[4]) === size - 1) {
      return { p: BigInt('0x' + f[6]), g: BigInt(f[5]!) };
    }
  }
  return undefined;
}

interface KexRow {
  kex: string;
  provider: ProviderChoice;
  msPerOp: number;
  opsPerSec: number;
  rme: number;
}
interface SigRow {
  key: string;
  algorithm: string;
  op: 'sign' | 'verify';
  msPerOp: number;
  opsPerSec: number;
  rme: number;
}

const loadStart = loadAverage();
const kexRows: KexRow[] = [];
const sigRows: SigRow[] = [];
const PROVIDERS: ProviderChoice[] = ['noble', 'auto'];
const isModp = (name: string) => name.startsWith('diffie-hellman');

// The runtime self-test runs on first 'auto' DH use; run it before timing anything.
const status = runtimeModpStatus();
console.log(`runtime DH provider: ${status.available ? 'selected' : 'not used'} — ${status.detail}`);

type KexCase = { label: string; make: (p: ProviderChoice) => KexMath; modp: boolean };
const kexCases: KexCase[] = [];
for (const name of KEX_NAMES) {
  const maths = new Map<ProviderChoice, KexMath>();
  for (const p of PROVIDERS) maths.set(p, await kexMath(name, p)); // ML-KEM and finite-field DH load on first use
  kexCases.push({ label: name, make: (p) => maths.get(p)!, modp: isModp(name) });
}
for (const grp of [MODP_GROUP_14, MODP_GROUP_16, MODP_GROUP_18]) {
  kexCases.push({
    label: `diffie-hellman-group-exchange-sha256 (RFC 3526 ${grp.bits})`,
    make: (p) => createGexMath(grp.p, grp.g, 'sha256', p),
    modp: true,
  });
}
const peerGroup = moduliGroup(4096);
if (peerGroup) {
  kexCases.push({
    label: 'diffie-hellman-group-exchange-sha256 (/etc/ssh/moduli 4096)',
    make: (p) => createGexMath(peerGroup.p, peerGroup.g, 'sha256', p),
    modp: true,
  });
}

for (const kc of kexCases) {
  const providers = kc.modp ? PROVIDERS : (['noble'] as ProviderChoice[]);
  for (const p of providers) crossCheck(kc.make(p), `${kc.label} (${p})`);
  // Tables, JIT and the runtime self-test are warmed before timing.
  for (const p of providers) fullKex(kc.make(p));
  await b.suite(
    `kex ${kc.label}`,
    b.configure({ cases: { minTime: 1, maxTime: 3, minSamples: 5 } }),
    ...providers.map((p) =>
      b.add(p, () => {
        const math = kc.make(p);
        return () => {
          fullKex(math);
        };
      }),
    ),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) {
        const provider = r.name as ProviderChoice;
        const row = { kex: kc.label, msPerOp: round(r.details.mean * 1000), opsPerSec: round(1 / r.details.mean, 1), rme: r.margin };
        kexRows.push({ ...row, provider });
        // For non-DH methods 'auto' is the same code as 'noble'.
        if (!kc.modp) kexRows.push({ ...row, provider: 'auto' });
      }
    }),
  );
}

const H = new Uint8Array(32).map((_, i) => i * 7 + 1);
const sigCases: { label: string; key: SigningKey; algorithm: string }[] = [];
for (const t of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as SigningKeyType[]) {
  sigCases.push({ label: t, key: generateSigningKey(t), algorithm: t });
}
for (const bits of [2048, 3072, 4096]) {
  const key = generateSigningKey('ssh-rsa', { bits });
  sigCases.push({ label: `ssh-rsa ${bits}`, key, algorithm: 'rsa-sha2-512' });
  if (bits === 2048) sigCases.push({ label: `ssh-rsa ${bits}`, key, algorithm: 'rsa-sha2-256' });
}

for (const sc of sigCases) {
  const blob = sc.key.sign(sc.algorithm, H);
  if (!verifySignature(sc.algorithm, sc.key.publicBlob, blob, H)) throw new Error(`${sc.label}: signature does not verify`);
  await b.suite(
    `${sc.label} / ${sc.algorithm}`,
    b.configure({ cases: { minTime: 0.5, maxTime: 2, minSamples: 5 } }),
    b.add('sign', () => {
      sc.key.sign(sc.algorithm, H);
    }),
    b.add('verify', () => {
      verifySignature(sc.algorithm, sc.key.publicBlob, blob, H);
    }),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) {
        sigRows.push({
          key: sc.label,
          algorithm: sc.algorithm,
          op: r.name as 'sign' | 'verify',
          msPerOp: round(r.details.mean * 1000),
          opsPerSec: round(1 / r.details.mean, 1),
          rme: r.margin,
        });
      }
    }),
  );
}

// RSA key generation is too variable for benny's sampling: a plain loop.
const keygen: { bits: number; runs: number; meanMs: number; minMs: number; maxMs: number }[] = [];
for (const [bits, runs] of [
  [2048, 10],
  [3072, 4],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    generateRsaKey(bits);
    times.push(performance.now() - t0);
  }
  const mean = times.reduce((a, x) => a + x, 0) / runs;
  keygen.push({ bits, runs, meanMs: round(mean, 1), minMs: round(Math.min(...times), 1), maxMs: round(Math.max(...times), 1) });
  console.log(`RSA ${bits} keygen: mean ${mean.toFixed(0)} ms over ${runs}`);
}

const meta = {
  ...briefEnvironment(),
  /** 1-minute load average at the start and the end: other processes skew the timings. */
  loadAverage: [loadStart, loadAverage()],
  runtimeDh: status,
  note: 'kex op = client() + server() + both computeSecret(); ms per op = mean sample time',
};

const kexCell = (kex: string, p: ProviderChoice): string => {
  const r = kexRows.find((x) => x.kex === kex && x.provider === p);
  return r ? r.msPerOp.toFixed(2) : 'n/a';
};
const sigCell = (key: string, alg: string, op: string): string => {
  const r = sigRows.find((x) => x.key === key && x.algorithm === alg && x.op === op);
  return r ? r.msPerOp.toFixed(3) : 'n/a';
};
const md = [
  '# Key exchange and signature benchmark',
  '',
  headerLine(meta, `${meta.cpu} (${meta.cores} cores)`, `Node ${meta.node}`, `load average ${meta.loadAverage.join(' → ')}`),
  '',
  'One kex op is the whole math of one key exchange for both ends: client(), server(), and both computeSecret().',
  '"auto" differs from "noble" only for finite-field DH (node:crypto DiffieHellman where its self-test measured it faster).',
  `Runtime DH self-test: ${status.available ? 'passed' : 'not used'} — ${status.detail}.`,
  '',
  '| kex | noble ms/op | auto ms/op |',
  '| --- | ---: | ---: |',
  ...kexCases.map((kc) => `| ${kc.label} | ${kexCell(kc.label, 'noble')} | ${kexCell(kc.label, 'auto')} |`),
  '',
  'Signatures over a 32-byte exchange hash (noble for Ed25519/ECDSA; BigInt RSA, CRT with blinding).',
  '',
  '| key | algorithm | sign ms | verify ms |',
  '| --- | --- | ---: | ---: |',
  ...sigCases.map((sc) => `| ${sc.label} | ${sc.algorithm} | ${sigCell(sc.label, sc.algorithm, 'sign')} | ${sigCell(sc.label, sc.algorithm, 'verify')} |`),
  '',
  'RSA key generation (pure BigInt: sieve + Miller–Rabin), plain loop:',
  '',
  '| bits | runs | mean ms | min ms | max ms |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...keygen.map((k) => `| ${k.bits} | ${k.runs} | ${k.meanMs} | ${k.minMs} | ${k.maxMs} |`),
  '',
];
writeResults('kex', { ...meta, kex: kexRows, signatures: sigRows, rsaKeygen: keygen }, md.join('\n'));
console.log(md.join('\n'));
