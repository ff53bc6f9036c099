/**
 * Sealing and opening 32 KiB packets per cipher and provider (benny).
 * AES-CTR runs with hmac-sha2-256-etm@openssh.com (and aes128-ctr with
 * hmac-sha2-512-etm too). The portable provider (`noble`) runs AES on
 * hopssh's WebAssembly AES, ChaCha20 on its WebAssembly SIMD ChaCha20 and
 * HMAC-SHA-256/512 on its WebAssembly SHA-2; "noble-js" is the same provider
 * with @noble/ciphers' AES and ChaCha20 and @noble/hashes' HMAC instead (what
 * it uses without WebAssembly), and "noble-hashes" the same provider with
 * only its HMAC on @noble/hashes (its HMAC before), all timed in the same
 * run; the AES, ChaCha20 and HMAC primitives alone follow. Before
 * anything is timed, every provider's output is cross-checked byte for byte
 * (noble's style).
 * Both operations include writing the packet into the working buffer (the
 * codec writes the payload once; a received packet is already in place, so
 * open pays one extra 32 KiB copy that sealing in place would not).
 *
 * Run: npm run bench:cipher  → bench/results/cipher.json and cipher.md
 * (`npm run bench:cipher -- --no-write` prints the tables without writing them)
 */
import { loadavg } from 'node:os';
import b from 'benny';
import { CIPHERS, MACS } from '../src/crypto/cipher-registry.ts';
import { aesWasmAvailable } from '../src/crypto/aes-wasm.ts';
import { chacha20WasmAvailable } from '../src/crypto/chacha20-wasm.ts';
import { createOpener, createSealer } from '../src/crypto/packet-protection.ts';
import { NobleChaCha20, NobleHmac, nobleProvider } from '../src/crypto/providers/noble.ts';
import { NobleAesCtr, NobleAesGcm } from '../src/crypto/providers/noble-aes.ts';
import type { HmacHash, PrimitiveProvider } from '../src/crypto/providers/primitives.ts';
import { runtimeProvider } from '../src/crypto/providers/runtime.ts';
import { availableProviders, providerDetails, type ProviderName } from '../src/crypto/providers/select.ts';
import { AesGcmOpener, AesGcmSealer } from '../src/crypto/seal-aes-gcm.ts';
import { ChaChaPolyOpener, ChaChaPolySealer } from '../src/crypto/seal-chacha20-poly1305.ts';
import { sha2WasmAvailable } from '../src/crypto/sha2-wasm.ts';
import { CtrMacOpener, CtrMacSealer } from '../src/crypto/seal-ctr-mac.ts';
import type { DirectionKeys, PacketOpener, PacketSealer } from '../src/crypto/types.ts';
import { toHex as hex } from '../src/wire/bytes.ts';
import { briefEnvironment, headerLine } from './lib/environment.ts';
import { fill, plainPacket } from './lib/inputs.ts';
import { writeResults } from './lib/results.ts';

const PAYLOAD = 32768;
const RING = 32;
const CASES: { cipher: string; mac: string }[] = [
  { cipher: 'chacha20-poly1305@openssh.com', mac: 'none' },
  { cipher: 'aes128-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes256-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-512-etm@openssh.com' },
  { cipher: 'aes192-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes256-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
];

function keysOf(cipher: string, mac: string): DirectionKeys {
  const c = CIPHERS[cipher]!;
  const m = MACS[mac]!;
  return { cipher, mac, encKey: fill(c.keyLength, 1), iv: fill(c.ivLength, 2), macKey: fill(m.keyLength, 3) };
}

/** An RFC 4253 §6 plaintext packet around a PAYLOAD-byte payload. */
const packetOf = (cipher: string, mac: string): Uint8Array =>
  plainPacket(PAYLOAD, CIPHERS[cipher]!.blockSize, CIPHERS[cipher]!.aead || MACS[mac]!.etm);

/**
 * A provider, or a variant of the portable one: "noble-js" without its
 * WebAssembly (@noble/ciphers' AES and ChaCha20, @noble/hashes' HMAC), "noble-hashes" with
 * its WebAssembly AES but @noble/hashes' HMAC (its HMAC before WebAssembly SHA-2).
 */
type Variant = 'noble-js' | 'noble-hashes';
type Provider = ProviderName | Variant;

const nobleHashesHmac = (hash: HmacHash, key: Uint8Array) => new NobleHmac(hash, key);
const VARIANTS: Record<Variant, PrimitiveProvider> = {
  'noble-js': {
    ...nobleProvider,
    aesCtr: (key, iv) => new NobleAesCtr(key, iv),
    aesGcm: (key) => new NobleAesGcm(key),
    chacha20: (key) => new NobleChaCha20(key),
    hmac: nobleHashesHmac,
  },
  'noble-hashes': { ...nobleProvider, hmac: nobleHashesHmac },
};

/** createSealer/createOpener, or for a variant the same sealers built on its primitives. */
function make(keys: DirectionKeys, p: Provider, role: 'seal'): PacketSealer;
function make(keys: DirectionKeys, p: Provider, role: 'open'): PacketOpener;
function make(keys: DirectionKeys, p: Provider, role: 'seal' | 'open'): PacketSealer | PacketOpener {
  if (p === 'noble' || p === 'runtime') return role === 'seal' ? createSealer(keys, p) : createOpener(keys, p);
  const v = VARIANTS[p];
  const c = CIPHERS[keys.cipher]!;
  const key = keys.encKey.slice(0, c.keyLength);
  if (c.name.startsWith('chacha20')) return role === 'seal' ? new ChaChaPolySealer(v, key) : new ChaChaPolyOpener(v, key);
  const iv = keys.iv.slice(0, c.ivLength);
  if (c.aead) return role === 'seal' ? new AesGcmSealer(c.name, v, key, iv) : new AesGcmOpener(c.name, v, key, iv);
  const mac = MACS[keys.mac]!;
  const parts = {
    cipherName: c.name,
    mac,
    ctr: v.aesCtr!(key, iv),
    hmac: v.hmac!(mac.length === 64 ? 'sha512' : 'sha256', keys.macKey.slice(0, mac.keyLength)),
    description: `${c.name} (${p}) + ${mac.name}`,
  };
  return role === 'seal' ? new CtrMacSealer(parts) : new CtrMacOpener(parts);
}

const providersOf = (cipher: string, mac: string): Provider[] => [
  ...availableProviders(cipher).filter((p) => CIPHERS[cipher]!.aead || availableProviders(mac).includes(p)),
  ...((cipher.startsWith('aes') && aesWasmAvailable()) || (cipher.startsWith('chacha20') && chacha20WasmAvailable()) ? (['noble-js'] as const) : []),
  ...(!CIPHERS[cipher]!.aead && sha2WasmAvailable() ? (['noble-hashes'] as const) : []),
];

/** A case's name in the tables: the cipher, with its MAC unless it is an AEAD. */
const labelOf = (cipher: string, mac: string): string => (CIPHERS[cipher]!.aead ? cipher : `${cipher} + ${mac}`);

/** Seals RING packets (seq 0..RING-1) on each provider; all providers must agree, and open each other's output. */
function crossCheck(cipher: string, mac: string, providers: Provider[]): Uint8Array[] {
  const keys = keysOf(cipher, mac);
  const plain = packetOf(cipher, mac);
  const runs = providers.map((p) => {
    const s = make(keys, p, 'seal');
    return Array.from({ length: RING }, (_, seq) => {
      const buf = new Uint8Array(plain.length + s.tagLength);
      buf.set(plain);
      s.seal(seq, buf, 0, plain.length);
      return buf;
    });
  });
  for (let i = 1; i < runs.length; i++) {
    for (let seq = 0; seq < RING; seq++) {
      if (hex(runs[i]![seq]!) !== hex(runs[0]![seq]!)) {
        throw new Error(`${cipher}: ${providers[i]} and ${providers[0]} disagree on packet ${seq}`);
      }
    }
  }
  providers.forEach((p, i) => {
    const o = make(keys, p, 'open');
    const other = runs[(i + 1) % runs.length]!;
    for (let seq = 0; seq < RING; seq++) {
      const buf = other[seq]!.slice();
      o.open(seq, buf, 0, o.decryptLength(seq, buf, 0));
      if (hex(buf.subarray(0, plain.length)) !== hex(plain)) throw new Error(`${cipher} on ${p}: open gave the wrong plaintext`);
    }
  });
  return runs[0]!;
}

interface Row {
  cipher: string;
  mac: string;
  provider: Provider;
  op: 'seal' | 'open';
  opsPerSec: number;
  mbPerSec: number;
  /** From the median sample (the table's figure). */
  mbPerSecMedian: number;
  rme: number;
}

const rows: Row[] = [];

for (const { cipher, mac } of CASES) {
  const providers = providersOf(cipher, mac);
  const sealed = crossCheck(cipher, mac, providers);
  const keys = keysOf(cipher, mac);
  const plain = packetOf(cipher, mac);
  const label = labelOf(cipher, mac);
  const cases = providers.flatMap((p) => [
    b.add(`seal ${p}`, () => {
      const s = make(keys, p, 'seal');
      const buf = new Uint8Array(plain.length + s.tagLength);
      let seq = 0;
      return () => {
        buf.set(plain);
        s.seal(seq, buf, 0, plain.length);
        seq = (seq + 1) >>> 0;
      };
    }),
    b.add(`open ${p}`, () => {
      // Replays the RING cross-checked packets; a fresh opener restarts the CTR/GCM counters at each lap.
      let o: PacketOpener = make(keys, p, 'open');
      const buf = new Uint8Array(sealed[0]!.length);
      let seq = 0;
      return () => {
        if (seq === RING) {
          o = make(keys, p, 'open');
          seq = 0;
        }
        buf.set(sealed[seq]!);
        o.open(seq, buf, 0, o.decryptLength(seq, buf, 0));
        seq++;
      };
    }),
  ]);
  await b.suite(
    `${label}, ${PAYLOAD}-byte payload`,
    b.configure({ cases: { minTime: 0.5, maxTime: 2, minSamples: 5 } }),
    ...cases,
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) {
        const [op, provider] = r.name.split(' ') as ['seal' | 'open', Provider];
        rows.push({
          cipher,
          mac: CIPHERS[cipher]!.aead ? '-' : mac,
          provider,
          op,
          opsPerSec: r.ops,
          mbPerSec: Math.round((r.ops * PAYLOAD) / 1e4) / 100,
          mbPerSecMedian: Math.round(PAYLOAD / r.details.median / 1e4) / 100,
          rme: r.margin,
        });
      }
    }),
  );
}

/**
 * The primitives alone on 32 KiB, per implementation, outputs checked equal
 * first: AES-128-CTR keystream, AES-128-GCM sealing and the ChaCha20
 * keystream (no packet, no MAC), and HMAC-SHA-256/512 (begin, one update,
 * finish; no cipher).
 */
const PRIMITIVES = ['aes128-ctr', 'aes128-gcm-seal', 'chacha20', 'hmac-sha256', 'hmac-sha512'] as const;
type Primitive = (typeof PRIMITIVES)[number];
interface PrimitiveRow {
  primitive: Primitive;
  provider: Provider;
  mbPerSecMedian: number;
  rme: number;
}
const primitiveRows: PrimitiveRow[] = [];
{
  const key = fill(16, 5);
  const macKey = fill(64, 10);
  const chachaKey = fill(32, 14);
  /** One run of `what` on `p` over PAYLOAD bytes, set up once. */
  const workload = (what: Primitive, p: PrimitiveProvider): (() => void) => {
    switch (what) {
      case 'aes128-ctr': {
        const s = p.aesCtr!(key, fill(16, 8));
        const buf = fill(PAYLOAD, 9);
        return () => s.update(buf, 0, PAYLOAD);
      }
      case 'aes128-gcm-seal': {
        const g = p.aesGcm!(key);
        const iv = fill(12, 7);
        const buf = fill(PAYLOAD + 4 + 16, 6);
        return () => g.seal(iv, buf, 0, 4, PAYLOAD);
      }
      case 'chacha20': {
        const s = p.chacha20!(chachaKey);
        const nonce = fill(12, 12);
        const buf = fill(PAYLOAD, 13);
        return () => {
          s.reset(nonce, 1);
          s.update(buf, 0, PAYLOAD);
        };
      }
      case 'hmac-sha256':
      case 'hmac-sha512': {
        const h = p.hmac!(what === 'hmac-sha256' ? 'sha256' : 'sha512', macKey);
        const buf = fill(PAYLOAD + 64, 11);
        return () => {
          h.begin();
          h.update(buf, 0, PAYLOAD);
          h.finish(buf, PAYLOAD);
        };
      }
    }
  };
  const implementations: [Provider, PrimitiveProvider][] = [
    ['noble', nobleProvider],
    ['noble-js', VARIANTS['noble-js']],
    ...(availableProviders('aes128-gcm').includes('runtime') ? ([['runtime', runtimeProvider]] as [Provider, PrimitiveProvider][]) : []),
  ];
  const outputs = implementations.map(([, p]) => {
    const buf = fill(PAYLOAD + 4 + 16, 6);
    p.aesGcm!(key).seal(fill(12, 7), buf, 0, 4, PAYLOAD);
    p.aesCtr!(key, fill(16, 8)).update(buf, 0, PAYLOAD);
    // ChaCha20 where the provider has it (Bun's node:crypto has none).
    const cc = (p.chacha20 ?? nobleProvider.chacha20!)(chachaKey);
    cc.reset(fill(12, 12), 1);
    cc.update(buf, 0, PAYLOAD);
    const macs = (['sha256', 'sha512'] as const).map((hash) => {
      const h = p.hmac!(hash, macKey);
      const out = new Uint8Array(h.length);
      h.begin();
      h.update(buf, 0, buf.length);
      h.finish(out, 0);
      return hex(out);
    });
    return hex(buf) + macs.join('');
  });
  if (outputs.some((o) => o !== outputs[0])) throw new Error('AES, ChaCha20 or HMAC primitives disagree');
  await b.suite(
    `AES, ChaCha20 and HMAC primitives alone, ${PAYLOAD} bytes`,
    b.configure({ cases: { minTime: 0.5, maxTime: 2, minSamples: 5 } }),
    ...implementations.flatMap(([name, p]) => PRIMITIVES.filter((what) => what !== 'chacha20' || p.chacha20).map((what) => b.add(`${what} ${name}`, () => workload(what, p)))),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) {
        const [primitive, provider] = r.name.split(' ') as [Primitive, Provider];
        primitiveRows.push({ primitive, provider, mbPerSecMedian: Math.round(PAYLOAD / r.details.median / 1e4) / 100, rme: r.margin });
      }
    }),
  );
}

const { cores, ...env } = briefEnvironment();
const meta = {
  ...env,
  loadAverage1m: loadavg()[0],
  payloadBytes: PAYLOAD,
  note: 'MB/s = 10^6 payload bytes per second; each op includes one 32 KiB buffer copy; mbPerSecMedian from the median sample, mbPerSec from the mean',
};
const chosen = Object.fromEntries(CASES.flatMap(({ cipher, mac }) => {
  const entries: [string, unknown][] = [[cipher, providerDetails(cipher)]];
  if (!CIPHERS[cipher]!.aead) entries.push([mac, providerDetails(mac)]);
  return entries;
}));

const cell = (c: { cipher: string; mac: string }, provider: Provider, op: string): string => {
  const r = rows.find((x) => x.cipher === c.cipher && (x.mac === c.mac || x.mac === '-') && x.provider === provider && x.op === op);
  return r ? r.mbPerSecMedian.toFixed(0) : 'n/a';
};
/** after ÷ before for seal and open, e.g. "1.7×, 1.8×"; empty where either is missing. */
const gain = (c: { cipher: string; mac: string }, after: Provider, before: Provider): string => {
  const r = (op: string) => Number(cell(c, after, op)) / Number(cell(c, before, op));
  return Number.isFinite(r('seal')) ? `${r('seal').toFixed(1)}×, ${r('open').toFixed(1)}×` : '';
};
const md = [
  '# Cipher benchmark',
  '',
  headerLine(meta, `${meta.cpu} × ${cores}`, `Node ${meta.node}`, `load average ${meta.loadAverage1m.toFixed(1)} at the end`),
  '',
  `Sealing and opening packets with a ${PAYLOAD}-byte payload; MB/s = 10^6 payload bytes per second, from the median sample.`,
  '"auto" is the provider chosen by self-test and speed. "noble" is the portable provider (`crypto: \'noble\'`):',
  'AES on hopssh\'s WebAssembly AES (bitsliced, constant time), ChaCha20 on hopssh\'s WebAssembly SIMD ChaCha20, HMAC-SHA-256/512 on hopssh\'s WebAssembly SHA-2;',
  '"noble-js" is the same provider with @noble/ciphers\' AES and ChaCha20 and @noble/hashes\' HMAC (as without WebAssembly), in the same run.',
  '',
  '| cipher | noble seal | noble open | noble-js seal | noble-js open | noble ÷ noble-js (seal, open) | runtime seal | runtime open | auto |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...CASES.map((c) => {
    const auto = CIPHERS[c.cipher]!.aead
      ? providerDetails(c.cipher)!.provider
      : `${providerDetails(c.cipher)!.provider} + ${providerDetails(c.mac)!.provider}`;
    return `| ${labelOf(c.cipher, c.mac)} | ${cell(c, 'noble', 'seal')} | ${cell(c, 'noble', 'open')} | ${cell(c, 'noble-js', 'seal')} | ${cell(c, 'noble-js', 'open')} | ${gain(c, 'noble', 'noble-js')} | ${cell(c, 'runtime', 'seal')} | ${cell(c, 'runtime', 'open')} | ${auto} |`;
  }),
  '',
  'chacha20-poly1305@openssh.com: ChaCha20 on the provider named, Poly1305 hopssh\'s own (src/crypto/poly1305.ts; node:crypto has none); bench/results/poly1305.md has it alone and before/after.',
  '',
  'AES-CTR with HMAC on the portable provider: HMAC on WebAssembly SHA-2 ("noble") and on @noble/hashes ("noble-hashes": its HMAC before; AES on WebAssembly in both), same run.',
  '',
  '| cipher + MAC | noble seal | noble open | noble-hashes seal | noble-hashes open | noble ÷ noble-hashes (seal, open) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...CASES.filter((c) => !CIPHERS[c.cipher]!.aead).map((c) =>
    `| ${labelOf(c.cipher, c.mac)} | ${cell(c, 'noble', 'seal')} | ${cell(c, 'noble', 'open')} | ${cell(c, 'noble-hashes', 'seal')} | ${cell(c, 'noble-hashes', 'open')} | ${gain(c, 'noble', 'noble-hashes')} |`),
  '',
  `The primitives alone on ${PAYLOAD} bytes (MB/s from the median sample): AES and ChaCha20 without packet or MAC, HMAC without cipher.`,
  '',
  '| primitive | noble (WebAssembly) | noble-js (@noble/ciphers, @noble/hashes) | noble ÷ noble-js | runtime |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...PRIMITIVES.map((what) => {
    const get = (p: Provider) => primitiveRows.find((r) => r.primitive === what && r.provider === p)?.mbPerSecMedian;
    const [w, j, r] = [get('noble'), get('noble-js'), get('runtime')];
    return `| ${what.replace('-seal', ' seal')} | ${w?.toFixed(0) ?? 'n/a'} | ${j?.toFixed(0) ?? 'n/a'} | ${w && j ? `${(w / j).toFixed(1)}×` : ''} | ${r?.toFixed(0) ?? 'n/a'} |`;
  }),
  '',
];
// --no-write: print only (bench/results/cipher.* stay as they are).
if (!process.argv.includes('--no-write')) {
  writeResults('cipher', { ...meta, results: rows, primitives: primitiveRows, selection: chosen }, md.join('\n'));
}
console.log(md.join('\n'));
