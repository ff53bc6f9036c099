/**
 * The SHA-256 and SHA-512 compression functions (FIPS 180-4 §6.2.2, §6.4.2)
 * as WebAssembly instruction listings, for the engine in sha2-wasm.ts. SHA-512
 * runs on i64, which JavaScript lacks (@noble/hashes splits each word in two
 * 32-bit halves). The constants are computed here from their definitions
 * (§4.2.2, §4.2.3, §5.3.2, §5.3.5) rather than listed.
 *
 * compress(p, n): for each of the n ≥ 1 blocks at p (big-endian words),
 * H ← H + rounds(H, block), H being the eight words at `stateAt` (native
 * little-endian, i32 or i64). Fully unrolled: the working variables a..h
 * rotate through eight locals (no moves), and the message schedule W_t lives
 * in sixteen locals, W_t overwriting W_{t-16}.
 */
import {
  BR_IF, EMPTY, END, FunctionBuilder, I32, I32_ADD, I32_AND, I32_CONST, I32_LOAD, I32_OR, I32_ROTR, I32_SHR_U,
  I32_STORE, I32_SUB, I32_XOR, I64, I64_ADD, I64_AND, I64_CONST, I64_LOAD, I64_OR, I64_ROTR, I64_SHL, I64_SHR_U,
  I64_STORE, I64_XOR, LOCAL_TEE, LOOP, sleb, sleb64, uleb, type Code,
} from './wasm-emitter.ts';

const MASK64 = (1n << 64n) - 1n;

/** The first `n` primes. */
function primes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((q) => c % q !== 0)) out.push(c);
  return out;
}

/** ⌊x^(1/r)⌋ by Newton's iteration from above. */
function iroot(x: bigint, r: bigint): bigint {
  let y = 1n << BigInt(Math.ceil(x.toString(2).length / Number(r)));
  for (;;) {
    const next = ((r - 1n) * y + x / y ** (r - 1n)) / r;
    if (next >= y) return y;
    y = next;
  }
}

/** The first 64 bits of the fractional part of p^(1/r): ⌊(p·2^(64r))^(1/r)⌋ mod 2^64. */
const fraction64 = (p: number, r: bigint): bigint => iroot(BigInt(p) << (64n * r), r) & MASK64;

export type Sha2Hash = 'sha256' | 'sha512';

/** One of the two hashes: word size, rounds and the rotation amounts of Σ0, Σ1, σ0, σ1 (§4.1.2, §4.1.3). */
export interface Sha2Variant {
  readonly wordBytes: 4 | 8;
  readonly blockBytes: 64 | 128;
  readonly digestBytes: 32 | 64;
  readonly rounds: number;
  readonly k: readonly bigint[];
  readonly iv: readonly bigint[];
  /** ROTR amounts of Σ0 and Σ1; ROTR, ROTR, SHR amounts of σ0 and σ1. */
  readonly bigSigma0: readonly number[];
  readonly bigSigma1: readonly number[];
  readonly smallSigma0: readonly number[];
  readonly smallSigma1: readonly number[];
}

let variants: Record<Sha2Hash, Sha2Variant> | undefined;

/** The parameters of `hash`; the constants are computed on first use, not when a program starts. */
export function sha2Variant(hash: Sha2Hash): Sha2Variant {
  if (variants === undefined) {
    // §4.2.3: the cube roots of the first eighty primes; SHA-256 (§4.2.2) takes the first 32 bits of the first 64.
    const k = primes(80).map((p) => fraction64(p, 3n));
    // §5.3.5: the square roots of the first eight primes; SHA-256's (§5.3.2) are their first 32 bits.
    const iv = primes(8).map((p) => fraction64(p, 2n));
    variants = {
      sha256: {
        wordBytes: 4, blockBytes: 64, digestBytes: 32, rounds: 64,
        k: k.slice(0, 64).map((x) => x >> 32n),
        iv: iv.map((h) => h >> 32n),
        bigSigma0: [2, 13, 22], bigSigma1: [6, 11, 25], smallSigma0: [7, 18, 3], smallSigma1: [17, 19, 10],
      },
      sha512: {
        wordBytes: 8, blockBytes: 128, digestBytes: 64, rounds: 80,
        k,
        iv,
        bigSigma0: [28, 34, 39], bigSigma1: [14, 18, 41], smallSigma0: [1, 8, 7], smallSigma1: [19, 61, 6],
      },
    };
  }
  return variants[hash];
}

/** The instructions of one word size. */
const WORD_OPS = {
  4: { type: I32, add: I32_ADD, and: I32_AND, or: I32_OR, xor: I32_XOR, shr: I32_SHR_U, rotr: I32_ROTR, load: I32_LOAD, store: I32_STORE, align: 2,
    konst: (v: bigint): Code => [I32_CONST, ...sleb(Number(BigInt.asIntN(32, v)))] },
  8: { type: I64, add: I64_ADD, and: I64_AND, or: I64_OR, xor: I64_XOR, shr: I64_SHR_U, rotr: I64_ROTR, load: I64_LOAD, store: I64_STORE, align: 3,
    konst: (v: bigint): Code => [I64_CONST, ...sleb64(v)] },
} as const;

/** The body of compress(p: i32, n: i32) for `v`, with H at `stateAt`. */
export function compressBody(v: Sha2Variant, stateAt: number): Code {
  const f = new FunctionBuilder(2);
  const P = 0, N = 1;
  const o = WORD_OPS[v.wordBytes];
  const L = Array.from({ length: 8 }, () => f.local(o.type));
  const W = Array.from({ length: 16 }, () => f.local(o.type));
  const T = f.local(o.type);
  /** a ^ b of this round and of the previous one (= this round's b ^ c), alternating. */
  const AB = [f.local(o.type), f.local(o.type)];
  const konst = (x: bigint | number) => f.op(...o.konst(BigInt(x)));
  const tee = (x: number) => f.op(LOCAL_TEE, ...uleb(x));
  /** Pushes rotr(x, a) ^ rotr(x, b) ^ (rotr or shr)(x, c). */
  const sigma = (x: number, [a, b, c]: readonly number[], lastIsShift: boolean) => {
    f.get(x), konst(a!), f.op(o.rotr);
    f.get(x), konst(b!), f.op(o.rotr, o.xor);
    f.get(x), konst(c!), f.op(lastIsShift ? o.shr : o.rotr, o.xor);
  };
  /** W[j] ← the word at `p + at`, stored big-endian (§3.1): its bytes reversed. */
  const loadBigEndian = (w: number, at: number) => {
    f.get(P).op(o.load, o.align, ...uleb(at)).set(w);
    if (v.wordBytes === 4) {
      // [b0 b1 b2 b3] → (rotl 8 & 0x00ff00ff) | (rotr 8 & 0xff00ff00).
      f.get(w), konst(24), f.op(o.rotr), konst(0x00ff00ff), f.op(o.and);
      f.get(w), konst(8), f.op(o.rotr), konst(0xff00ff00), f.op(o.and, o.or).set(w);
      return;
    }
    // Swap adjacent bytes, then adjacent 16-bit halves, then the two 32-bit halves.
    for (const [shift, mask] of [[8n, 0x00ff00ff00ff00ffn], [16n, 0x0000ffff0000ffffn]] as const) {
      f.get(w), konst(mask), f.op(o.and), konst(shift), f.op(I64_SHL);
      f.get(w), konst(shift), f.op(o.shr), konst(mask), f.op(o.and, o.or).set(w);
    }
    f.get(w), konst(32), f.op(o.rotr).set(w);
  };
  /** H_k, at stateAt + k·wordBytes: the address operand, then the load. */
  const stateAddress = () => f.op(I32_CONST, 0);
  const loadState = (k: number) => (stateAddress(), f.op(o.load, o.align, ...uleb(stateAt + k * v.wordBytes)));

  f.op(LOOP, EMPTY);
  for (let j = 0; j < 16; j++) loadBigEndian(W[j]!, j * v.wordBytes);
  for (let k = 0; k < 8; k++) (loadState(k), f.set(L[k]!));
  for (let t = 0; t < v.rounds; t++) {
    // In round t, working variable k (a = 0 … h = 7) is in L[(k - t) mod 8].
    const [a, b, c, d, e, ff, g, h] = Array.from({ length: 8 }, (_, k) => L[(((k - t) % 8) + 8) % 8]!) as [number, number, number, number, number, number, number, number];
    const w = W[t % 16]!;
    if (t >= 16) {
      // §6.2.2 step 1: W_t = σ1(W_{t-2}) + W_{t-7} + σ0(W_{t-15}) + W_{t-16}.
      sigma(W[(t - 2) % 16]!, v.smallSigma1, true);
      f.get(W[(t - 7) % 16]!).op(o.add);
      sigma(W[(t - 15) % 16]!, v.smallSigma0, true);
      f.op(o.add).get(w).op(o.add).set(w);
    }
    // T1 = h + Σ1(e) + Ch(e, f, g) + K_t + W_t, with Ch(e, f, g) = g ^ (e & (f ^ g)).
    f.get(h);
    sigma(e, v.bigSigma1, false);
    f.op(o.add).get(g).get(e).get(ff).get(g).op(o.xor, o.and, o.xor, o.add);
    konst(v.k[t]!);
    f.op(o.add).get(w).op(o.add);
    tee(T);
    // d ← d + T1; h ← T1 + T2 (the next round's a), T2 = Σ0(a) + Maj(a, b, c),
    // Maj = b ^ ((a ^ b) & (b ^ c)), where b ^ c is the previous round's a ^ b.
    f.get(d).op(o.add).set(d);
    f.get(T);
    sigma(a, v.bigSigma0, false);
    f.op(o.add);
    const ab = AB[t & 1]!, bc = AB[(t + 1) & 1]!;
    if (t === 0) f.get(b).get(c).op(o.xor).set(bc);
    f.get(b).get(a).get(b).op(o.xor);
    tee(ab);
    f.get(bc).op(o.and, o.xor, o.add).set(h);
  }
  // §6.2.2 step 4 (v.rounds is a multiple of 8: variable k is back in L[k]).
  for (let k = 0; k < 8; k++) {
    stateAddress(), loadState(k), f.get(L[k]!).op(o.add, o.store, o.align, ...uleb(stateAt + k * v.wordBytes));
  }
  f.get(P).op(I32_CONST, ...sleb(v.blockBytes), I32_ADD).set(P);
  f.get(N).op(I32_CONST, 1, I32_SUB);
  tee(N).op(BR_IF, 0, END);
  return f.body();
}
