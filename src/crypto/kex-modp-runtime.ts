/**
 * Optional runtime provider for finite-field DH (RFC 4253 §8): the modular
 * exponentiation of `node:crypto`'s DiffieHellman (OpenSSL in Node, BoringSSL
 * in Bun, Deno's node compatibility layer). This is the only file of the kex
 * code that touches a runtime module; it is loaded lazily, so runtimes without
 * `node:crypto` simply never select it (DESIGN.md, "Crypto providers").
 *
 * It is used only after a known-answer self-test against the noble path
 * (modpow.ts), and only if it then measures faster than noble's sliding-window
 * exponentiation. noble's fixed-base tables for the RFC 3526 generators are
 * not replaced: measured, they are within 0.2 ms of the runtime at 2048 bits
 * and ~30% faster at 8192 (0.57 vs 0.40 ms; 8.2 vs 11.7 ms), so g^x uses them.
 */
import { bigintToBytes, bytesToBigint } from '../wire/mpint.ts';
import { MODP_GROUP_14 } from './modp-groups.ts';
import { bitLength, modPow } from './modpow.ts';
import { runtimeModule } from './providers/runtime-module.ts';

/** The subset of node:crypto used here (src/crypto is compiled without @types/node). */
export interface NodeDiffieHellman {
  setPrivateKey(key: Uint8Array): void;
  generateKeys(): Uint8Array;
  computeSecret(otherPublicKey: Uint8Array): Uint8Array;
}
export interface NodeCryptoSubset {
  createDiffieHellman(prime: Uint8Array, generator: Uint8Array): NodeDiffieHellman;
}

function isNodeCryptoSubset(m: unknown): m is NodeCryptoSubset {
  return typeof (m as Partial<NodeCryptoSubset> | undefined)?.createDiffieHellman === 'function';
}

/**
 * Modular exponentiation by the runtime. Use it only for well-known groups
 * (RFC 3526): for other primes the runtime may first test p for safe
 * primality, which costs seconds.
 */
export interface RuntimeModpEngine {
  /** Human-readable, e.g. "node:crypto DiffieHellman". */
  readonly description: string;
  /** g^x mod p. */
  publicValue(p: bigint, g: bigint, x: bigint): bigint;
  /** y^x mod p; y must already be range-checked (1 < y < p-1). */
  sharedSecret(p: bigint, g: bigint, x: bigint, y: bigint): bigint;
}

function byteLen(v: bigint): number {
  return (bitLength(v) + 7) >> 3;
}

function makeEngine(crypto: NodeCryptoSubset): RuntimeModpEngine {
  // One DiffieHellman object per group: creating one checks the group, which
  // OpenSSL skips only for the primes it knows (an unknown 4096-bit prime
  // took 7 s here). Each use sets its private key and computes synchronously.
  const cache = new Map<bigint, NodeDiffieHellman>();
  const dhFor = (p: bigint, g: bigint, x: bigint): NodeDiffieHellman => {
    let dh = cache.get(p);
    if (dh === undefined) {
      dh = crypto.createDiffieHellman(bigintToBytes(p, byteLen(p)), bigintToBytes(g, byteLen(g)));
      if (g === 2n) cache.set(p, dh);
    }
    dh.setPrivateKey(bigintToBytes(x, byteLen(x)));
    return dh;
  };
  return {
    description: 'node:crypto DiffieHellman',
    publicValue(p, g, x) {
      return bytesToBigint(dhFor(p, g, x).generateKeys());
    },
    sharedSecret(p, g, x, y) {
      return bytesToBigint(dhFor(p, g, x).computeSecret(bigintToBytes(y, byteLen(p))));
    },
  };
}

/** Fastest of `runs` timings of `f`, in milliseconds. */
function fastest(runs: number, f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Outcome of the self-test, kept for diagnostics and benchmarks. */
export interface RuntimeModpStatus {
  available: boolean;
  /** Why the runtime provider is not used, or the measured timings (ms, group 14, 512-bit exponent). */
  detail: string;
}

let checked: { engine: RuntimeModpEngine | undefined; status: RuntimeModpStatus } | undefined;

/**
 * The runtime engine, if `node:crypto` is present, reproduces noble's results
 * on a fixed known answer, and is faster than noble's sliding window; else
 * undefined. The test runs once per process (a few milliseconds).
 */
export function runtimeModpEngine(): RuntimeModpEngine | undefined {
  if (checked !== undefined) return checked.engine;
  const m = runtimeModule();
  const crypto = isNodeCryptoSubset(m) ? m : undefined;
  if (crypto === undefined) {
    // Not cached: an asynchronous import may still deliver the module.
    return undefined;
  }
  checked = evaluateRuntimeModp(crypto);
  return checked.engine;
}

/** The self-test's verdict (runs it if needed). */
export function runtimeModpStatus(): RuntimeModpStatus {
  runtimeModpEngine();
  return checked?.status ?? { available: false, detail: 'node:crypto is not available in this runtime' };
}

/**
 * Self-test and speed check of a node:crypto-like module (exported for tests,
 * which feed it broken implementations).
 */
export function evaluateRuntimeModp(crypto: NodeCryptoSubset): { engine: RuntimeModpEngine | undefined; status: RuntimeModpStatus } {
  const { p, g } = MODP_GROUP_14;
  // Fixed 512-bit exponents and base: x = 0xA5A5…, 0x5A5A…, y = 0x1234… (all < p).
  const x = BigInt('0x' + 'a5'.repeat(64));
  const x2 = BigInt('0x' + '5a'.repeat(64));
  const y = BigInt('0x' + '123456789abcdef0'.repeat(30));
  try {
    const candidate = makeEngine(crypto);
    // Twice, with different keys: the DiffieHellman object is reused.
    for (const k of [x, x2]) {
      if (candidate.publicValue(p, g, k) !== modPow(g, k, p) || candidate.sharedSecret(p, g, k, y) !== modPow(y, k, p)) {
        return { engine: undefined, status: { available: false, detail: 'known-answer test failed' } };
      }
    }
    const noble = fastest(3, () => modPow(y, x, p));
    const runtime = fastest(3, () => candidate.sharedSecret(p, g, x, y));
    const detail = `y^x mod p: runtime ${runtime.toFixed(3)} ms, noble ${noble.toFixed(3)} ms`;
    if (runtime >= noble) return { engine: undefined, status: { available: false, detail: `slower than noble (${detail})` } };
    return { engine: candidate, status: { available: true, detail } };
  } catch (e) {
    return { engine: undefined, status: { available: false, detail: `self-test threw: ${(e as Error).message}` } };
  }
}
