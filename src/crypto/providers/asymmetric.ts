/**
 * Chooses the provider of each public-key operation group at first use
 * (DESIGN.md, "Crypto providers"): the runtime's node:crypto where it is
 * present and passes its known-answer self-test (self-test-asymmetric.ts),
 * noble otherwise, and always with `crypto: 'noble'`.
 *
 * Unlike the bulk ciphers (select.ts), these are not timed on their own:
 * timing noble costs its cold start (its first Ed25519 signature builds
 * tables: about 40 ms and 7 MiB that stay), the very cost the runtime saves,
 * and a timer after first use landed in the middle of long relays. Every
 * runtime measured (Node, Bun, Deno: asymmetricDetails, bench/setup) is
 * several times faster than noble. `asymmetricDetails` times both on request
 * and, should noble be faster there, uses it from then on (both give the
 * same bytes: the self-test and test/crypto check it). Decisions are cached
 * for the process.
 */
import type { ProviderChoice } from '../types.ts';
import type { ProviderName } from './primitives.ts';
import type { AsymmetricId, AsymmetricProvider, EcdsaCurve } from './asymmetric-primitives.ts';
import { nobleAsymmetric } from './noble-asymmetric.ts';
import { runtimeAsymmetric, runtimeAsymmetricLoaded } from './runtime-asymmetric.ts';
import { ED25519_VECTOR, X25519_VECTOR, asymmetricSelfTest, ecdsaVector } from './self-test-asymmetric.ts';

export type { AsymmetricId, AsymmetricProvider, EcdsaCurve } from './asymmetric-primitives.ts';

export interface AsymmetricSelection {
  id: AsymmetricId;
  provider: ProviderName;
  runtimeSelfTest: 'passed' | 'failed' | 'unavailable';
  /** Measured ms per operation (X25519; Ed25519 sign + verify; ECDSA verify); absent until measured. */
  msPerOp?: Readonly<Record<ProviderName, number>>;
}

const selfTests = new Map<AsymmetricId, boolean>();
const selections = new Map<AsymmetricId, AsymmetricSelection>();

function runtimePasses(id: AsymmetricId): boolean | 'unavailable' {
  if (!runtimeAsymmetricLoaded()) return 'unavailable';
  let ok = selfTests.get(id);
  if (ok === undefined) {
    ok = asymmetricSelfTest(runtimeAsymmetric, id);
    selfTests.set(id, ok);
  }
  return ok;
}

const perf = (globalThis as { performance?: { now(): number } }).performance;
const now: () => number = perf ? () => perf.now() : () => Date.now();

/** One representative operation of `id`. */
function workload(p: AsymmetricProvider, id: AsymmetricId): () => void {
  switch (id) {
    case 'x25519': {
      const v = X25519_VECTOR;
      return () => p.x25519(v.secretKey, v.publicKey, v.peer);
    }
    case 'ed25519': {
      const v = ED25519_VECTOR;
      return () => p.ed25519Verify(v.publicKey, p.ed25519Sign(v.seed, v.publicKey, v.message), v.message);
    }
    default: {
      const curve = id.slice('ecdsa-'.length) as EcdsaCurve;
      const v = ecdsaVector(curve);
      return () => p.ecdsaVerify(curve, v.point, v.signature, v.message);
    }
  }
}

/** Best ms per op over two short rounds each (about 1 ms per round), alternating, after one warm-up call. */
function measure(id: AsymmetricId): Record<ProviderName, number> {
  const runs = { runtime: workload(runtimeAsymmetric, id), noble: workload(nobleAsymmetric, id) };
  const best: Record<ProviderName, number> = { runtime: Infinity, noble: Infinity };
  for (const run of Object.values(runs)) run();
  for (let round = 0; round < 2; round++) {
    for (const name of ['runtime', 'noble'] as const) {
      let n = 0;
      const t0 = now();
      let t = t0;
      do {
        runs[name]();
        n++;
        t = now();
      } while (t - t0 < 1);
      best[name] = Math.min(best[name], (t - t0) / n);
    }
  }
  return best;
}

function measured(id: AsymmetricId): AsymmetricSelection {
  const msPerOp = Object.freeze(measure(id));
  const selection = Object.freeze({ id, provider: msPerOp.runtime < msPerOp.noble ? 'runtime' : 'noble', runtimeSelfTest: 'passed', msPerOp } as const);
  selections.set(id, selection);
  return selection;
}

function select(id: AsymmetricId): AsymmetricSelection {
  const cached = selections.get(id);
  if (cached) return cached;
  const r = runtimePasses(id);
  if (r !== true) {
    const selection = Object.freeze({ id, provider: 'noble', runtimeSelfTest: r === 'unavailable' ? 'unavailable' : 'failed' } as const);
    selections.set(id, selection);
    return selection;
  }
  const selection = Object.freeze({ id, provider: 'runtime', runtimeSelfTest: 'passed' } as const);
  selections.set(id, selection);
  return selection;
}

/** The provider of `id`'s operations for the caller's choice ('runtime' throws where it is absent or fails its self-test). */
export function asymmetricProvider(id: AsymmetricId, choice: ProviderChoice = 'auto'): AsymmetricProvider {
  switch (choice) {
    case 'auto':
      return select(id).provider === 'runtime' ? runtimeAsymmetric : nobleAsymmetric;
    case 'noble':
      return nobleAsymmetric;
    case 'runtime':
      if (runtimePasses(id) !== true) throw new Error(`${id}: the runtime provider is unavailable or failed its self-test`);
      return runtimeAsymmetric;
    default:
      throw new TypeError(`unknown crypto provider choice: ${String(choice)}`);
  }
}

/** The selection record of `id` (self-test result, ms per op), measuring now if it was not yet. */
export function asymmetricDetails(id: AsymmetricId): AsymmetricSelection {
  const s = select(id);
  return s.runtimeSelfTest === 'passed' && s.msPerOp === undefined ? measured(id) : s;
}
