/**
 * Sealing and opening 32 KiB packets per cipher and provider (benny).
 * AES-CTR runs with hmac-sha2-256-etm@openssh.com. Before anything is timed,
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
import { createOpener, createSealer } from '../src/crypto/packet-protection.ts';
import { availableProviders, providerDetails, type ProviderName } from '../src/crypto/providers/select.ts';
import type { DirectionKeys, PacketOpener } from '../src/crypto/types.ts';

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

const providersOf = (cipher: string, mac: string): ProviderName[] =>
  availableProviders(cipher).filter((p) => CIPHERS[cipher]!.aead || availableProviders(mac).includes(p));

const hex = (u: Uint8Array): string => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');

/** Seals RING packets (seq 0..RING-1) on each provider; all providers must agree, and open each other's output. */
function crossCheck(cipher: string, mac: string, providers: ProviderName[]): Uint8Array[] {
  const keys = keysOf(cipher, mac);
  const plain = plainPacket(cipher, mac);
  const runs = providers.map((p) => {
    const s = createSealer(keys, p);
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
    const o = createOpener(keys, p);
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
  provider: ProviderName;
  op: 'seal' | 'open';
  opsPerSec: number;
  mbPerSec: number;
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
      const s = createSealer(keys, p);
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
      let o: PacketOpener = createOpener(keys, p);
      const buf = new Uint8Array(sealed[0]!.length);
      let seq = 0;
      return () => {
        if (seq === RING) {
          o = createOpener(keys, p);
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
        const [op, provider] = r.name.split(' ') as ['seal' | 'open', ProviderName];
        rows.push({
          cipher,
          mac: CIPHERS[cipher]!.aead ? '-' : mac,
          provider,
          op,
          opsPerSec: r.ops,
          mbPerSec: Math.round((r.ops * PAYLOAD) / 1e4) / 100,
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
  note: 'MB/s = 10^6 payload bytes per second; each op includes one 32 KiB buffer copy',
};
const chosen = Object.fromEntries(CASES.flatMap(({ cipher, mac }) => {
  const entries: [string, unknown][] = [[cipher, providerDetails(cipher)]];
  if (!CIPHERS[cipher]!.aead) entries.push([mac, providerDetails(mac)]);
  return entries;
}));

const outDir = new URL('./results/', import.meta.url);
mkdirSync(outDir, { recursive: true });
writeFileSync(new URL('cipher.json', outDir), JSON.stringify({ ...meta, results: rows, selection: chosen }, null, 2) + '\n');

const cell = (cipher: string, provider: ProviderName, op: string): string => {
  const r = rows.find((x) => x.cipher === cipher && x.provider === provider && x.op === op);
  return r ? r.mbPerSec.toFixed(0) : 'n/a';
};
const md = [
  '# Cipher benchmark',
  '',
  `${meta.date.slice(0, 10)} · \`uname -m\` ${meta.machine} · ${meta.cpu} × ${cpus().length} · Node ${meta.node} · load average ${meta.loadAverage1m.toFixed(1)} at the end`,
  '',
  `Sealing and opening packets with a ${PAYLOAD}-byte payload; MB/s = 10^6 payload bytes per second.`,
  'AES-CTR runs with hmac-sha2-256-etm@openssh.com. "auto" is the provider chosen by self-test and speed.',
  '',
  '| cipher | noble seal | noble open | runtime seal | runtime open | auto |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...CASES.map(({ cipher, mac }) => {
    const auto = CIPHERS[cipher]!.aead
      ? providerDetails(cipher)!.provider
      : `${providerDetails(cipher)!.provider} + ${providerDetails(mac)!.provider}`;
    return `| ${cipher} | ${cell(cipher, 'noble', 'seal')} | ${cell(cipher, 'noble', 'open')} | ${cell(cipher, 'runtime', 'seal')} | ${cell(cipher, 'runtime', 'open')} | ${auto} |`;
  }),
  '',
  'chacha20-poly1305@openssh.com: ChaCha20 on the provider named, Poly1305 hopssh\'s own (src/crypto/poly1305.ts; node:crypto has none); bench/results/poly1305.md has it alone and before/after.',
  '',
];
writeFileSync(new URL('cipher.md', outDir), md.join('\n'));
console.log(md.join('\n'));
