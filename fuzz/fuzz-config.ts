/**
 * Shared settings and assertions of the fuzz targets (DESIGN.md, "Tests"):
 * every decoder and state machine, given any input, gives a typed error or a
 * result — never a crash, a hang or unbounded memory.
 *
 * FUZZ_RUNS   runs per property (default small, for `npm test`; `npm run fuzz` raises it)
 * FUZZ_SEED   replay: the seed fast-check printed for a failure
 * FUZZ_PATH   replay: the path fast-check printed for a failure
 * FUZZ_BUDGET_MS  longest one call may take before it counts as a hang (default 2000)
 * FUZZ_NO_SHRINK=1  report the first failing input as is (shrinking slow inputs takes long)
 * FUZZ_STATS=1      print how often each outcome occurred
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll } from 'vitest';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

/** Runs per property at weight 1. */
export const FUZZ_RUNS = envInt('FUZZ_RUNS', 200);

/** Longest a single decoder call may take (ms): slower counts as a hang. */
export const BUDGET_MS = envInt('FUZZ_BUDGET_MS', 2000);

/**
 * Runs for a property of the given weight: expensive properties (real key
 * exchanges, whole transports) use a fraction of FUZZ_RUNS; at least `min`.
 */
export function runs(weight = 1, min = 5): number {
  return Math.max(min, Math.round(FUZZ_RUNS * weight));
}

/**
 * Vitest timeout for a property of this weight: scales with FUZZ_RUNS;
 * `perRunMs` is a generous estimate of one run. Pass the same numbers to
 * `check`/`checkAsync`, which stop (and report any failure found, shrunk as
 * far as time allowed) a little before this.
 */
export function timeoutFor(weight = 1, perRunMs = 20): number {
  return Math.max(60_000, runs(weight) * perRunMs * 5);
}

/**
 * fast-check parameters: the run count; a time limit below the test's
 * timeout, so that shrinking a slow counterexample cannot outlast it; and
 * FUZZ_SEED/FUZZ_PATH to replay a reported failure.
 */
export function params<T>(weight = 1, perRunMs = 20, min = 5): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns: runs(weight, min), interruptAfterTimeLimit: timeoutFor(weight, perRunMs) - 10_000 };
  if (process.env['FUZZ_NO_SHRINK'] === '1') p.endOnFailure = true;
  const seed = process.env['FUZZ_SEED'];
  if (seed !== undefined && seed !== '') {
    p.seed = Number(seed);
    const path = process.env['FUZZ_PATH'];
    if (path !== undefined && path !== '') p.path = path;
  }
  return p;
}

/** Check a synchronous property; fast-check prints the shrunk counterexample (the input) on failure. */
export function check<Ts extends [unknown, ...unknown[]]>(prop: fc.IPropertyWithHooks<Ts>, weight = 1, perRunMs = 20, min = 5): void {
  fc.assert(prop, params<Ts>(weight, perRunMs, min));
}

/** Check an asynchronous property. */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(prop: fc.IAsyncPropertyWithHooks<Ts>, weight = 1, perRunMs = 20, min = 5): Promise<void> {
  await fc.assert(prop, params<Ts>(weight, perRunMs, min));
}

// ------------------------------------------------------------------ outcomes

/** A class of errors a target may throw for bad input. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** What a target did with one input. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Thrown (and so reported by fast-check with the input) when a target misbehaves. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}\n${e.stack ?? ''}`;
  return `a non-Error value ${typeof e}: ${String(e)}`;
}

/** Whether `e` is an instance of one of the allowed classes. */
export function isAllowed(e: unknown, allowed: readonly ErrorClass[]): e is Error {
  return allowed.some((cls) => e instanceof cls);
}

function names(allowed: readonly ErrorClass[]): string {
  return allowed.map((c) => c.name).join(', ') || '(none)';
}

/** Fails unless `e` is one of the allowed classes. */
export function expectAllowed(e: unknown, allowed: readonly ErrorClass[], what = 'target'): asserts e is Error {
  if (!isAllowed(e, allowed)) {
    throw new FuzzFailure(`${what} threw ${describeThrown(e)}\nallowed: ${names(allowed)}`, { cause: e });
  }
}

/**
 * "Typed error or result": runs `f`; a result or an error of an allowed class
 * is returned as an Outcome. Anything else — a TypeError or RangeError from a
 * bug, a plain Error, a thrown non-Error — or a call slower than BUDGET_MS
 * fails the property, and fast-check prints the input that caused it.
 */
export function outcome<T>(allowed: readonly ErrorClass[], f: () => T, what = 'target', budgetMs = BUDGET_MS): Outcome<T> {
  const t0 = performance.now();
  let res: Outcome<T>;
  try {
    res = { ok: true, value: f() };
  } catch (e) {
    expectAllowed(e, allowed, what);
    res = { ok: false, error: e };
  }
  const ms = performance.now() - t0;
  if (ms > budgetMs) throw new FuzzFailure(`${what} took ${ms.toFixed(0)} ms (budget ${budgetMs} ms): treated as a hang`);
  return res;
}

/** Like `outcome`, for a Promise-returning target; a Promise still pending after `budgetMs` is a hang. */
export async function outcomeAsync<T>(allowed: readonly ErrorClass[], f: () => Promise<T>, what = 'target', budgetMs = BUDGET_MS): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFailure(`${what} did not settle within ${budgetMs} ms: treated as a hang`)), budgetMs);
  });
  try {
    const value = await Promise.race([f(), hang]);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof FuzzFailure) throw e;
    expectAllowed(e, allowed, what);
    return { ok: false, error: e };
  } finally {
    clearTimeout(timer);
  }
}

/** Fails with `message` unless `cond`. */
export function ensure(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new FuzzFailure(typeof message === 'string' ? message : message());
}

// ------------------------------------------------------------ stray errors

/**
 * Collects unhandled rejections and uncaught exceptions while a file's
 * properties run (call at the top level of a fuzz file); `assertNone`
 * fails with them, after letting pending ones surface. With these listeners
 * installed vitest no longer reports such errors itself, so any left over
 * after a test fail that test (afterEach).
 */
export function watchStrayErrors(): { assertNone(what: string): Promise<void>; report(e: unknown): void } {
  const stray: unknown[] = [];
  const onStray = (e: unknown) => void stray.push(e);
  beforeAll(() => {
    process.on('unhandledRejection', onStray);
    process.on('uncaughtException', onStray);
  });
  afterEach(async () => {
    await new Promise<void>((r) => setImmediate(r));
    if (stray.length > 0) throw new FuzzFailure(`after the test: ${stray.length} unhandled error(s): ${stray.splice(0).map(describeThrown).join('\n')}`);
  });
  afterAll(() => {
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
  });
  return {
    /** A failure noticed outside the property's own call chain (e.g. in a fake peer's handler). */
    report: onStray,
    async assertNone(what) {
      await new Promise<void>((r) => setImmediate(r));
      if (stray.length === 0) return;
      const e = stray.splice(0);
      throw new FuzzFailure(`${what}: ${e.length} unhandled error(s): ${e.map(describeThrown).join('\n')}`);
    },
  };
}

// ------------------------------------------------------------ shared helpers

/** Byte-wise equality (with a readable failure). */
export function ensureBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  let same = actual.length === expected.length;
  for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i];
  if (!same) throw new FuzzFailure(`${what}: got ${hex(actual, 64)}, expected ${hex(expected, 64)}`);
}

export function hex(b: Uint8Array, max = Infinity): string {
  let s = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) s += b[i]!.toString(16).padStart(2, '0');
  return b.length > n ? `${s}… (${b.length} bytes)` : s;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Cuts `bytes` into chunks at the given points (taken modulo length+1, sorted):
 * any chunking of a byte stream, as a socket might deliver it. Chunks are copies.
 */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.slice(prev, p));
    prev = p;
  }
  return out;
}

/** Cut points for `splitAt`: none (one chunk), a few random ones, or one byte at a time. */
export const cutsArb: fc.Arbitrary<number[] | 'bytewise'> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<number[]>([]) },
  { weight: 6, arbitrary: fc.array(fc.nat(), { maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant<'bytewise'>('bytewise') },
);

/** Applies a `cutsArb` value. */
export function chunk(bytes: Uint8Array, cuts: number[] | 'bytewise'): Uint8Array[] {
  if (cuts === 'bytewise') {
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(bytes.slice(i, i + 1));
    return out;
  }
  return splitAt(bytes, cuts);
}

/** A uint32 big-endian. */
export function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, v >>> 16, v >>> 8, v);
}

/** An SSH `string`: uint32 length then the bytes. */
export function sshString(b: Uint8Array | string): Uint8Array {
  const bytes = typeof b === 'string' ? new TextEncoder().encode(b) : b;
  return concat([u32(bytes.length), bytes]);
}

// ---------------------------------------------------------------- statistics

/** FUZZ_STATS=1 prints how often each outcome occurred, to see what the inputs reach. */
const statsOn = process.env['FUZZ_STATS'] === '1';
const counts = new Map<string, Map<string, number>>();

/** Count one outcome of `group` (only when FUZZ_STATS=1). */
export function stat(group: string, label: string): void {
  if (!statsOn) return;
  let g = counts.get(group);
  if (!g) counts.set(group, (g = new Map()));
  g.set(label, (g.get(label) ?? 0) + 1);
}

/** Print and reset the counts (call from afterAll). */
export function printStats(): void {
  if (!statsOn) return;
  for (const [group, g] of counts) {
    const total = [...g.values()].reduce((a, b) => a + b, 0);
    const lines = [...g].sort((a, b) => b[1] - a[1]).map(([l, n]) => `  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${l}`);
    console.log(`${group} (${total}):\n${lines.join('\n')}`);
  }
  counts.clear();
}
