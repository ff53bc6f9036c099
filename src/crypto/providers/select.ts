/**
 * Chooses a provider per primitive at first use (DESIGN.md, "Crypto
 * providers"): a provider that fails its known-answer self-test (or throws, or
 * is absent) is never used; among those that pass, the faster one by a quick
 * measurement wins — the portable provider only by a clear margin
 * (PORTABLE_MARGIN). Decisions are cached for the process.
 */
import { aesWasmAvailable } from '../aes-wasm.ts';
import { UnsupportedAlgorithmError } from '../errors.ts';
import type { ProviderChoice } from '../types.ts';
import { nobleProvider } from './noble.ts';
import { nobleAesLoaded, nobleAesReady } from './noble-aes-loader.ts';
import type { PrimitiveId, PrimitiveProvider, ProviderName } from './primitives.ts';
import { runtimeLoaded, runtimeProvider, runtimeState } from './runtime.ts';
import { selfTest } from './self-test.ts';
import { measureThroughput } from './speed.ts';

export type { ProviderName, PrimitiveId } from './primitives.ts';

/** `auto`, `noble`, or `runtime` (forces node:crypto; throws where it is absent or fails its self-test). */
export type ProviderRequest = ProviderChoice | ProviderName;

export interface CandidateReport {
  provider: ProviderName;
  /** 'skipped': not needed, the runtime measured faster than the portable provider can be (PORTABLE_CEILING). */
  selfTest: 'passed' | 'failed' | 'unavailable' | 'skipped';
  /** Measured throughput, when more than one provider passed. */
  mbPerSec?: number;
}

export interface Selection {
  primitive: PrimitiveId;
  provider: ProviderName;
  readonly candidates: readonly CandidateReport[];
}

const PROVIDERS: Record<ProviderName, PrimitiveProvider> = { noble: nobleProvider, runtime: runtimeProvider };
const ORDER: ProviderName[] = ['runtime', 'noble'];

/**
 * How much faster than the runtime the portable provider must measure to be
 * chosen. The check times the bare primitive; in packets the WebAssembly
 * primitives also copy their input into and out of their memory, which the
 * runtime's detached opens do not (chacha20-poly1305 on 32 KiB packets: 1520
 * vs 820 MB/s, where the bare ChaCha20s measured 1.4–1.5 vs 1.2 GB/s). A
 * clear win still counts: Deno's HMAC-SHA-512 (~1.4× on WebAssembly).
 */
export const PORTABLE_MARGIN = 1.25;

/**
 * The most the portable provider's AES reaches, MB/s, with room for cores
 * faster than this one: it is bitsliced WebAssembly (no AES instructions),
 * 608 MB/s for AES-128-CTR and 409 for AES-128-GCM seal here
 * (bench/results/cipher.md), so twice that. A runtime measured above
 * PORTABLE_MARGIN × this cannot lose to it, so the portable candidate is
 * neither self-tested nor timed: building its WebAssembly module and timing
 * it cost ~45 ms at first use, on the first connection's critical path.
 * ChaCha20 and HMAC are always compared: the WebAssembly ones come close to,
 * or beat, some runtimes' (Deno's HMAC-SHA-512).
 */
export const PORTABLE_CEILING: Readonly<Partial<Record<PrimitiveId, number>>> = {
  'aes128-ctr': 1200,
  'aes192-ctr': 1200,
  'aes256-ctr': 1200,
  'aes128-gcm': 800,
  'aes256-gcm': 800,
};

const selfTests = new Map<string, boolean>();
const selections = new Map<PrimitiveId, Selection>();

/** The primitive an SSH cipher or MAC name runs on; undefined for `none`. */
const PRIMITIVE_OF: Record<string, PrimitiveId | null> = Object.assign(Object.create(null), {
  'chacha20-poly1305@openssh.com': 'chacha20',
  'aes128-gcm@openssh.com': 'aes128-gcm',
  'aes256-gcm@openssh.com': 'aes256-gcm',
  'aes128-ctr': 'aes128-ctr',
  'aes192-ctr': 'aes192-ctr',
  'aes256-ctr': 'aes256-ctr',
  'hmac-sha2-256-etm@openssh.com': 'hmac-sha256',
  'hmac-sha2-512-etm@openssh.com': 'hmac-sha512',
  'hmac-sha1-etm@openssh.com': 'hmac-sha1',
  'hmac-sha2-256': 'hmac-sha256',
  'hmac-sha2-512': 'hmac-sha512',
  'hmac-sha1': 'hmac-sha1',
  'chacha20': 'chacha20',
  'aes128-gcm': 'aes128-gcm',
  'aes256-gcm': 'aes256-gcm',
  'hmac-sha256': 'hmac-sha256',
  'hmac-sha512': 'hmac-sha512',
  none: null,
} satisfies Record<string, PrimitiveId | null>);

/** Maps an SSH cipher/MAC name (or a primitive id) to its primitive; null for `none`. */
export function primitiveOf(algorithm: string): PrimitiveId | null {
  const id = PRIMITIVE_OF[algorithm];
  if (id === undefined) throw new UnsupportedAlgorithmError('cipher or MAC', algorithm);
  return id;
}

const AES = new Set<PrimitiveId>(['aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm', 'aes256-gcm']);

/** Whether the portable provider's AES for `id` waits on its JavaScript fallback, still loading (noble-aes-loader.ts). */
function nobleAesLoading(id: PrimitiveId): boolean {
  return AES.has(id) && !aesWasmAvailable() && nobleAesLoaded() === undefined;
}

/** Self-test result of `provider` for `id`; cached except while node:crypto or the JavaScript AES is still loading. */
function passes(provider: ProviderName, id: PrimitiveId): boolean | 'unavailable' {
  if (provider === 'runtime' && runtimeState() !== 'loaded') return 'unavailable';
  if (provider === 'noble' && nobleAesLoading(id)) return 'unavailable';
  const k = `${provider}:${id}`;
  let ok = selfTests.get(k);
  if (ok === undefined) {
    ok = selfTest(PROVIDERS[provider], id);
    selfTests.set(k, ok);
  }
  return ok;
}

const report = (provider: ProviderName, r: boolean | 'unavailable'): CandidateReport => ({
  provider,
  selfTest: r === 'unavailable' ? 'unavailable' : r ? 'passed' : 'failed',
});

/** The runtime alone, when it passes and measures beyond what the portable provider can reach (PORTABLE_CEILING); else undefined. */
function runtimeBeyondPortable(id: PrimitiveId): CandidateReport[] | undefined {
  const ceiling = PORTABLE_CEILING[id];
  if (ceiling === undefined || passes('runtime', id) !== true) return undefined;
  const [mbPerSec] = measureThroughput([runtimeProvider], id);
  if (!(mbPerSec! >= ceiling * PORTABLE_MARGIN)) return undefined;
  return [{ provider: 'runtime', selfTest: 'passed', mbPerSec }, { provider: 'noble', selfTest: 'skipped' }];
}

function select(id: PrimitiveId): Selection {
  const cached = selections.get(id);
  if (cached) return cached;
  let candidates = runtimeBeyondPortable(id);
  let best: CandidateReport;
  // Decided for good unless a candidate is still loading: node:crypto (runtimes without getBuiltinModule) or the JavaScript AES.
  let final = true;
  if (candidates) {
    best = candidates[0]!;
  } else {
    final = runtimeState() !== 'loading' && !nobleAesLoading(id);
    candidates = ORDER.map((provider) => report(provider, passes(provider, id)));
    const passed = candidates.filter((c) => c.selfTest === 'passed');
    if (passed.length === 0) throw new Error(`${id}: no crypto provider passed its self-test`);
    best = passed[0]!;
    if (passed.length > 1) {
      const speeds = measureThroughput(passed.map((c) => PROVIDERS[c.provider]), id);
      passed.forEach((c, i) => (c.mbPerSec = speeds[i]));
      const score = (c: CandidateReport): number => c.mbPerSec! / (c.provider === 'runtime' ? 1 : PORTABLE_MARGIN);
      for (const c of passed) if (score(c) > score(best)) best = c;
    }
  }
  const selection: Selection = Object.freeze({ primitive: id, provider: best.provider, candidates: Object.freeze(candidates.map((c) => Object.freeze(c))) });
  if (final) selections.set(id, selection);
  return selection;
}

/** The provider to run primitive `id` on, per the caller's choice. */
export function selectProvider(id: PrimitiveId, choice: ProviderRequest = 'auto'): PrimitiveProvider {
  if (choice === 'auto') return PROVIDERS[select(id).provider];
  if (choice !== 'noble' && choice !== 'runtime') throw new TypeError(`unknown crypto provider choice: ${String(choice)}`);
  if (passes(choice, id) !== true) throw new Error(`${id}: the ${choice} provider is unavailable or failed its self-test`);
  return PROVIDERS[choice];
}

/**
 * Which provider runs `algorithm` (an SSH cipher or MAC name such as
 * "aes128-gcm@openssh.com" or "hmac-sha2-256-etm@openssh.com"): runs the
 * selection if it has not run yet. `none` runs on no provider; reported as "noble".
 * For chacha20-poly1305@openssh.com this is the ChaCha20 provider; Poly1305 is hopssh's own (poly1305.ts).
 */
export function providerFor(algorithm: string, choice: ProviderRequest = 'auto'): ProviderName {
  const id = primitiveOf(algorithm);
  if (id === null) return 'noble';
  return selectProvider(id, choice).name;
}

/** The full selection record for `algorithm` (self-test results and measured MB/s); null for `none`. */
export function providerDetails(algorithm: string): Selection | null {
  const id = primitiveOf(algorithm);
  return id === null ? null : select(id);
}

/** Providers that pass the self-test for `algorithm` (for tests and benchmarks that run every provider). */
export function availableProviders(algorithm: string): ProviderName[] {
  const id = primitiveOf(algorithm);
  if (id === null) return ['noble'];
  return ORDER.filter((p) => passes(p, id) === true);
}

/**
 * Resolves when provider selection no longer waits on node:crypto or, where
 * WebAssembly SIMD is missing, the JavaScript AES loading (immediate on
 * current Node, Bun, Deno).
 */
export function cryptoProvidersReady(): Promise<void> {
  return nobleAesReady === undefined ? runtimeLoaded : Promise.all([runtimeLoaded, nobleAesReady]).then(() => undefined);
}
