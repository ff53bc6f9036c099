/**
 * Sealing and opening 32 KiB packets per cipher and provider (benny).
 * AES-CTR runs with hmac-sha2-256-etm@openssh.com. The portable provider
 * (`noble`) runs AES on hopssh's WebAssembly AES; "noble-js" is the same
 * provider with @noble/ciphers' AES instead (what it used before, and still
 * uses without WebAssembly), timed in the same run. Before anything is timed,
 * every provider's output is cross-checked byte for byte (noble's style).
 * Both operations include writing the packet into the working buffer (the
 * codec writes the payload once; a received packet is already in place, so
 * open pays one extra 32 KiB copy that sealing in place would not).
 *
 * Run: npm run bench:cipher  → bench/results/cipher.json and cipher.md
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, machine } from 'node:os';
import b from 'benny';
import { CIPHERS, MACS } from '../src/crypto/cipher-registry.ts';
import { aesWasmAvailable } from '../src/crypto/aes-wasm.ts';
import { createOpener, createSealer } from '../src/crypto/packet-protection.ts';
import { NobleAesCtr, NobleAesGcm, nobleProvider } from '../src/crypto/providers/noble.ts';
import type { PrimitiveProvider } from '../src/crypto/providers/primitives.ts';
import { runtimeProvider } from '../src/crypto/providers/runtime.ts';
import { availableProviders, providerDetails, type ProviderName } from '../src/crypto/providers/select.ts';
import { AesGcmOpener, AesGcmSealer } from '../src/crypto/seal-aes-gcm.ts';
import { CtrMacOpener, CtrMacSealer } from '../src/crypto/seal-ctr-mac.ts';
import type { DirectionKeys, PacketOpener, PacketSealer } from '../src/crypto/types.ts';

const PAYLOAD = 32768;
const RING = 32;
const CASES: { cipher: string; mac: string }[] = [
  { cipher: 'chacha20-poly1305@openssh.com', mac: 'none' },
  { cipher: 'aes128-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes256-gcm@openssh.com', mac: 'none' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes192-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes256-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
];

const fill = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = s = (s * 1103515245 + 12345) >>> 16;
  return out;
};

function keysOf(cipher: string, mac: string): DirectionKeys {
  const c = CIPHERS[cipher]!;
  const m = MACS[mac]!;
  return { cipher, mac, encKey: fill(c.keyLength, 1), iv: fill(c.ivLength, 2), macKey: fill(m.keyLength, 3) };
}

/** An RFC 4253 §6 plaintext packet around a PAYLOAD-byte payload. */
function plainPacket(cipher: string, mac: string): Uint8Array {
  const block = Math.max(8, CIPHERS[cipher]!.blockSize);
  const excluded = CIPHERS[cipher]!.aead || MACS[mac]!.etm;
  let pad = block - ((PAYLOAD + 1 + (excluded ? 0 : 4)) % block);
  if (pad < 4) pad += block;
  const out = fill(4 + 1 + PAYLOAD + pad, 4);
  new DataView(out.buffer).setUint32(0, 1 + PAYLOAD + pad);
  out[4] = pad;
  return out;
}

/** A provider, or "noble-js": the portable provider with @noble/ciphers' AES (its AES before WebAssembly). */
type Provider = ProviderName | 'noble-js';

const NOBLE_JS_AES: PrimitiveProvider = {
  ...nobleProvider,
  aesCtr: (key, iv) => new NobleAesCtr(key, iv),
  aesGcm: (key) => new NobleAesGcm(key),
};

/** createSealer/createOpener, or for noble-js the same sealers built on NOBLE_JS_AES. */
function make(keys: DirectionKeys, p: Provider, role: 'seal'): PacketSealer;
function make(keys: DirectionKeys, p: Provider, role: 'open'): PacketOpener;
function make(keys: DirectionKeys, p: Provider, role: 'seal' | 'open'): PacketSealer | PacketOpener {
  if (p !== 'noble-js') return role === 'seal' ? createSealer(keys, p) : createOpener(keys, p);
  const c = CIPHERS[keys.cipher]!;
  const key = keys.encKey.slice(0, c.keyLength);
  const iv = keys.iv.slice(0, c.ivLength);
  if (c.aead) return role === 'seal' ? new AesGcmSealer(c.name, NOBLE_JS_AES, key, iv) : new AesGcmOpener(c.name, NOBLE_JS_AES, key, iv);
  const mac = MACS[keys.mac]!;
  if (mac.name !== 'hmac-sha2-256-etm@openssh.com') throw new Error(`noble-js: ${mac.name} not set up here`);
  const parts = {
    cipherName: c.name,
    mac,
    ctr: NOBLE_JS_AES.aesCtr!(key, iv),
    hmac: NOBLE_JS_AES.hmac!('sha256', keys.macKey.slice(0, mac.keyLength)),
    description: `${c.name} (noble-js) + ${mac.name}`,
  };
  return role === 'seal' ? new CtrMacSealer(parts) : new CtrMacOpener(parts);
}

const providersOf = (cipher: string, mac: string): Provider[] => [
  ...availableProviders(cipher).filter((p) => CIPHERS[cipher]!.aead || availableProviders(mac).includes(p)),
  ...(cipher.startsWith('aes') && aesWasmAvailable() ? (['noble-js'] as const) : []),
];

const hex = (u: Uint8Array): string => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');

/** Seals RING packets (seq 0..RING-1) on each provider; all providers must agree, and open each other's output. */
function crossCheck(cipher: string, mac: string, providers: Provider[]): Uint8Array[] {
  const keys = keysOf(cipher, mac);
  const plain = plainPacket(cipher, mac);
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
  const plain = plainPacket(cipher, mac);
  const label = CIPHERS[cipher]!.aead ? cipher : `${cipher} + ${mac}`;
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
 * The AES primitives alone (no packet, no MAC) on 32 KiB: AES-128-CTR keystream
 * and AES-128-GCM sealing, per implementation, outputs checked equal first.
 */
interface PrimitiveRow {
  primitive: 'aes128-ctr' | 'aes128-gcm seal';
  provider: Provider;
  mbPerSecMedian: number;
  rme: number;
}
const primitiveRows: PrimitiveRow[] = [];
{
  const key = fill(16, 5);
  const implementations: [Provider, PrimitiveProvider][] = [
    ['noble', nobleProvider],
    ['noble-js', NOBLE_JS_AES],
    ...(availableProviders('aes128-gcm').includes('runtime') ? ([['runtime', runtimeProvider]] as [Provider, PrimitiveProvider][]) : []),
  ];
  const outputs = implementations.map(([, p]) => {
    const buf = fill(PAYLOAD + 4 + 16, 6);
    p.aesGcm!(key).seal(fill(12, 7), buf, 0, 4, PAYLOAD);
    p.aesCtr!(key, fill(16, 8)).update(buf, 0, PAYLOAD);
    return hex(buf);
  });
  if (outputs.some((o) => o !== outputs[0])) throw new Error('AES primitives disagree');
  await b.suite(
    `AES primitives alone, ${PAYLOAD} bytes`,
    b.configure({ cases: { minTime: 0.5, maxTime: 2, minSamples: 5 } }),
    ...implementations.flatMap(([name, p]) => [
      b.add(`aes128-ctr ${name}`, () => {
        const s = p.aesCtr!(key, fill(16, 8));
        const buf = fill(PAYLOAD, 9);
        return () => s.update(buf, 0, PAYLOAD);
      }),
      b.add(`aes128-gcm-seal ${name}`, () => {
        const g = p.aesGcm!(key);
        const iv = fill(12, 7);
        const buf = fill(PAYLOAD + 4 + 16, 6);
        return () => g.seal(iv, buf, 0, 4, PAYLOAD);
      }),
    ]),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) {
        const [what, provider] = r.name.split(' ') as [string, Provider];
        primitiveRows.push({
          primitive: what === 'aes128-ctr' ? 'aes128-ctr' : 'aes128-gcm seal',
          provider,
          mbPerSecMedian: Math.round(PAYLOAD / r.details.median / 1e4) / 100,
          rme: r.margin,
        });
      }
    }),
  );
}

const meta = {
  date: new Date().toISOString(),
  machine: machine?.() ?? arch(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadAverage1m: loadavg()[0],
  payloadBytes: PAYLOAD,
  note: 'MB/s = 10^6 payload bytes per second; each op includes one 32 KiB buffer copy; mbPerSecMedian from the median sample, mbPerSec from the mean',
};
const chosen = Object.fromEntries(CASES.flatMap(({ cipher, mac }) => {
  const entries: [string, unknown][] = [[cipher, providerDetails(cipher)]];
  if (!CIPHERS[cipher]!.aead) entries.push([mac, providerDetails(mac)]);
  return entries;
}));

const outDir = new URL('./results/', import.meta.url);
mkdirSync(outDir, { recursive: true });
writeFileSync(new URL('cipher.json', outDir), JSON.stringify({ ...meta, results: rows, primitives: primitiveRows, selection: chosen }, null, 2) + '\n');

const cell = (cipher: string, provider: Provider, op: string): string => {
  const r = rows.find((x) => x.cipher === cipher && x.provider === provider && x.op === op);
  return r ? r.mbPerSecMedian.toFixed(0) : 'n/a';
};
const ratio = (cipher: string, op: string): string => {
  const after = rows.find((x) => x.cipher === cipher && x.provider === 'noble' && x.op === op);
  const before = rows.find((x) => x.cipher === cipher && x.provider === 'noble-js' && x.op === op);
  return after && before ? `${(after.mbPerSecMedian / before.mbPerSecMedian).toFixed(1)}×` : '';
};
const md = [
  '# Cipher benchmark',
  '',
  `${meta.date.slice(0, 10)} · \`uname -m\` ${meta.machine} · ${meta.cpu} × ${cpus().length} · Node ${meta.node} · load average ${meta.loadAverage1m.toFixed(1)} at the end`,
  '',
  `Sealing and opening packets with a ${PAYLOAD}-byte payload; MB/s = 10^6 payload bytes per second, from the median sample.`,
  'AES-CTR runs with hmac-sha2-256-etm@openssh.com. "auto" is the provider chosen by self-test and speed.',
  '"noble" is the portable provider (`crypto: \'noble\'`): AES on hopssh\'s WebAssembly AES (bitsliced, constant time);',
  '"noble-js" is the same provider with @noble/ciphers\' AES, its AES before (and without WebAssembly), in the same run.',
  '',
  '| cipher | noble seal | noble open | noble-js seal | noble-js open | noble ÷ noble-js (seal, open) | runtime seal | runtime open | auto |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...CASES.map(({ cipher, mac }) => {
    const auto = CIPHERS[cipher]!.aead
      ? providerDetails(cipher)!.provider
      : `${providerDetails(cipher)!.provider} + ${providerDetails(mac)!.provider}`;
    const gain = ratio(cipher, 'seal') ? `${ratio(cipher, 'seal')}, ${ratio(cipher, 'open')}` : '';
    return `| ${cipher} | ${cell(cipher, 'noble', 'seal')} | ${cell(cipher, 'noble', 'open')} | ${cell(cipher, 'noble-js', 'seal')} | ${cell(cipher, 'noble-js', 'open')} | ${gain} | ${cell(cipher, 'runtime', 'seal')} | ${cell(cipher, 'runtime', 'open')} | ${auto} |`;
  }),
  '',
  'chacha20-poly1305@openssh.com: ChaCha20 on the provider named, Poly1305 hopssh\'s own (src/crypto/poly1305.ts; node:crypto has none); bench/results/poly1305.md has it alone and before/after.',
  '',
  `AES alone on ${PAYLOAD} bytes (no packet, no MAC; MB/s from the median sample). On the noble provider the AES-CTR rows above are`,
  'mostly HMAC-SHA-256 (@noble/hashes, JavaScript): the cipher alone is several times faster.',
  '',
  '| primitive | noble (WebAssembly) | noble-js (@noble/ciphers) | noble ÷ noble-js | runtime |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...(['aes128-ctr', 'aes128-gcm seal'] as const).map((what) => {
    const get = (p: Provider) => primitiveRows.find((r) => r.primitive === what && r.provider === p)?.mbPerSecMedian;
    const [w, j, r] = [get('noble'), get('noble-js'), get('runtime')];
    return `| ${what} | ${w?.toFixed(0) ?? 'n/a'} | ${j?.toFixed(0) ?? 'n/a'} | ${w && j ? `${(w / j).toFixed(1)}×` : ''} | ${r?.toFixed(0) ?? 'n/a'} |`;
  }),
  '',
];
writeFileSync(new URL('cipher.md', outDir), md.join('\n'));
console.log(md.join('\n'));
