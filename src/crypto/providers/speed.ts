/**
 * A quick throughput measurement of one primitive on one provider, used to
 * pick between providers that both passed their self-test (DESIGN.md,
 * "Crypto providers"). About 3 ms per provider, once per process.
 */
import type { PrimitiveId, PrimitiveProvider } from './primitives.ts';

const perf = (globalThis as { performance?: { now(): number } }).performance;
const now: () => number = perf ? () => perf.now() : () => Date.now();

/**
 * Bulk packets dominate relaying: 32 KiB is the usual maximum packet (OpenSSH's
 * channels, RFC 4253 §6.1's 32768-byte payload). Per-packet costs weigh as
 * they do there: node:crypto's new cipher object per packet against the
 * WebAssembly ChaCha20's cheap reset measured 1.1–1.3 GB/s each at 16 KiB,
 * where whole 32 KiB packets open at 1520 vs 820 MB/s.
 */
const SIZE = 32768;
const ROUNDS = 4;
const ROUND_MS = 0.75;

/** One unit of work: process SIZE bytes the way a sealer would. */
function workload(p: PrimitiveProvider, id: PrimitiveId): { run(): void; dispose(): void } {
  const buf = new Uint8Array(SIZE + 64);
  const key = new Uint8Array(32).fill(7);
  switch (id) {
    case 'aes128-ctr':
    case 'aes192-ctr':
    case 'aes256-ctr': {
      const bytes = id === 'aes128-ctr' ? 16 : id === 'aes192-ctr' ? 24 : 32;
      const s = p.aesCtr!(key.subarray(0, bytes), new Uint8Array(16));
      return { run: () => s.update(buf, 0, SIZE), dispose: () => s.dispose() };
    }
    case 'aes128-gcm':
    case 'aes256-gcm': {
      const g = p.aesGcm!(key.subarray(0, id === 'aes128-gcm' ? 16 : 32));
      const iv = new Uint8Array(12);
      return { run: () => g.seal(iv, buf, 0, 4, SIZE - 4), dispose: () => g.dispose() };
    }
    case 'chacha20': {
      const s = p.chacha20!(key);
      const nonce = new Uint8Array(12);
      return {
        run: () => {
          s.reset(nonce, 1);
          s.update(buf, 0, SIZE);
        },
        dispose: () => s.dispose(),
      };
    }
    case 'hmac-sha1':
    case 'hmac-sha256':
    case 'hmac-sha512': {
      const h = p.hmac!(id === 'hmac-sha1' ? 'sha1' : id === 'hmac-sha256' ? 'sha256' : 'sha512', key);
      return {
        run: () => {
          h.begin();
          h.update(buf, 0, SIZE);
          h.finish(buf, SIZE);
        },
        dispose: () => h.dispose(),
      };
    }
  }
}

/**
 * Measured throughput of `id` on each provider, in MB/s (10^6 bytes per
 * second). Providers are timed in alternating short rounds and each keeps its
 * best round, so a preemption or a GC pause during one round does not decide
 * the choice.
 */
export function measureThroughput(providers: PrimitiveProvider[], id: PrimitiveId): number[] {
  const works = providers.map((p) => workload(p, id));
  const best = providers.map(() => 0);
  try {
    for (const w of works) {
      w.run();
      w.run();
    }
    for (let round = 0; round < ROUNDS; round++) {
      works.forEach((w, i) => {
        let n = 0;
        const t0 = now();
        let t = t0;
        do {
          w.run();
          n++;
          t = now();
        } while (t - t0 < ROUND_MS);
        best[i] = Math.max(best[i]!, (n * SIZE) / ((t - t0) * 1000));
      });
    }
    return best;
  } finally {
    for (const w of works) w.dispose();
  }
}
