/**
 * Probable primes for RSA key generation: a small-prime sieve and
 * Miller–Rabin (HAC §4.2.3, Algorithm 4.24; FIPS 186-5 Appendix B.3).
 */
import { bitLength, modPow } from './modpow.ts';
import { randomBytes } from './random.ts';

/** Odd primes below 2^14 by the sieve of Eratosthenes. */
const SMALL_PRIMES: readonly number[] = (() => {
  const limit = 1 << 14;
  const composite = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 3; i < limit; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += 2 * i) composite[j] = 1;
  }
  return out;
})();

/** Uniform random bigint of exactly `bytes` bytes (not reduced). */
function randomBig(bytes: number): bigint {
  const b = randomBytes(bytes);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  b.fill(0);
  return v;
}

/** Uniform random bigint in [lo, hi] (rejection sampling). */
export function randomBetween(lo: bigint, hi: bigint): bigint {
  const range = hi - lo;
  if (range < 0n) throw new RangeError('randomBetween: empty range');
  const bits = bitLength(range);
  const bytes = (bits + 7) >> 3;
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const v = randomBig(bytes) & mask;
    if (v <= range) return lo + v;
  }
}

/**
 * Miller–Rabin rounds giving an error probability below 2^-128 for a random
 * odd candidate of `bits` bits, by the Damgård–Landrock–Pomerance bound (HAC
 * Fact 4.48): for k = 1024, t = 6 gives about 2^-133; for k = 2048, t = 3
 * about 2^-134. Small sizes (tests only) use a generous fixed count.
 */
export function millerRabinRounds(bits: number): number {
  if (bits >= 2048) return 3;
  if (bits >= 1024) return 6;
  if (bits >= 512) return 12;
  return 40;
}

/**
 * Miller–Rabin on odd n > 3 with base 2 then `rounds` random bases in
 * [2, n-2] (HAC Algorithm 4.24). Returns false for certain composites.
 */
export function millerRabin(n: bigint, rounds: number): boolean {
  const nm1 = n - 1n;
  let d = nm1;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const witness = (a: bigint): boolean => {
    let y = modPow(a, d, n);
    if (y === 1n || y === nm1) return false;
    for (let j = 1; j < s; j++) {
      y = (y * y) % n;
      if (y === nm1) return false;
      if (y === 1n) return true;
    }
    return true;
  };
  if (witness(2n)) return false;
  for (let i = 0; i < rounds; i++) {
    if (witness(randomBetween(2n, n - 2n))) return false;
  }
  return true;
}

/** Probable-prime test for any n (trial division, then Miller–Rabin). */
export function isProbablePrime(n: bigint, rounds = millerRabinRounds(bitLength(n))): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES.slice(0, 64)) {
    const bp = BigInt(p);
    if (n === bp) return true;
    if (n % bp === 0n) return false;
  }
  if (n === 2n) return true;
  if ((n & 1n) === 0n) return false;
  return millerRabin(n, rounds);
}

/**
 * A random probable prime p of exactly `bits` bits with the two top bits set
 * (so a product of two such primes has exactly the sum of their sizes, FIPS
 * 186-5 A.1.3 step 4.4) and p mod e ≠ 1 (so gcd(e, p-1) = 1 for a prime e).
 * Candidates are stepped by 2 from a random start; residues modulo the small
 * primes are kept as numbers so the sieve costs no BigInt work per step.
 */
export function randomRsaPrime(bits: number, e: bigint): bigint {
  if (bits < 64) throw new RangeError('randomRsaPrime: too few bits');
  const bytes = (bits + 7) >> 3;
  const excess = BigInt(bytes * 8 - bits);
  const top = 3n << BigInt(bits - 2);
  const eNum = e < 1n << 31n ? Number(e) : 0;
  const rounds = millerRabinRounds(bits);
  const residues = new Int32Array(SMALL_PRIMES.length);
  for (;;) {
    const base = (randomBig(bytes) >> excess) | top | 1n;
    for (let i = 0; i < SMALL_PRIMES.length; i++) residues[i] = Number(base % BigInt(SMALL_PRIMES[i]!));
    const eResidue = eNum > 0 ? Number(base % e) : 0;
    // Step through base, base+2, …; restart if the window runs past 2^bits.
    for (let delta = 0; delta < 1 << 20; delta += 2) {
      let ok = true;
      for (let i = 0; i < SMALL_PRIMES.length; i++) {
        if ((residues[i]! + delta) % SMALL_PRIMES[i]! === 0) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (eNum > 0 && (eResidue + delta) % eNum === 1) continue;
      const candidate = base + BigInt(delta);
      if (bitLength(candidate) !== bits) break;
      if (eNum === 0 && candidate % e === 1n) continue;
      if (millerRabin(candidate, rounds)) return candidate;
    }
  }
}
