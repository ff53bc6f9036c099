/**
 * GHASH (NIST SP 800-38D §6.4) on WebAssembly, in constant time: carry-less
 * multiplication from integer multiplies with the operands' bits spread
 * four apart ("bmul": T. Pornin, BearSSL's constant-time GHASH), so the
 * carries of each integer product fall between the bits kept. No table
 * indexed by data, no data-dependent branch.
 *
 * Representation: a block loaded big-endian is the field element with its
 * bits reflected (x^0 is the most significant bit), so an ordinary
 * carry-less product of two such numbers is the reflected product shifted
 * right by one. A 64×64 product: bmul64 gives its low 64 bits; its high 64
 * bits are the low 64 bits of the product of the bit-reversed operands,
 * reversed, shifted right by one. 128×128: Karatsuba on 64-bit halves
 * (3 products, so 6 bmul64). Then one reduction modulo
 * x^128 + x^7 + x^2 + x + 1.
 *
 * ghash(p, n): Y ← (… ((Y ⊕ X_1)·H ⊕ X_2)·H … ⊕ X_n)·H over the n blocks at
 * p, Y being the 16 bytes at `yAt`; it writes 8 bytes of scratch at
 * `scratchAt`. Four blocks per step with H^4, H^3, H^2, H
 * (Y' = (Y ⊕ X_1)·H^4 ⊕ X_2·H^3 ⊕ X_3·H^2 ⊕ X_4·H): the products are
 * summed unreduced — reduction and the bit reversal of the high halves are
 * linear — and reduced once. `tableAt` holds, for H^1..H^4, the masked
 * pieces `ghashTable` writes.
 */
import {
  BR, BR_IF, EMPTY, END, FunctionBuilder, I32_ADD, I32_CONST, I32_LT_S, I32_SUB, I64, I64_AND, I64_CONST,
  I64_LOAD, I64_MUL, I64_OR, I64_SHL, I64_STORE, I64_SHR_U, I64_XOR, I64X2_EXTRACT_LANE, I64X2_REPLACE_LANE, I64X2_SHR_U,
  I64X2_SPLAT, I16X8_SHR_U, I8X16_SHUFFLE, I8X16_SPLAT, I8X16_SWIZZLE, LOOP, V128, V128_AND, V128_CONST,
  V128_LOAD, V128_OR, V128_STORE, V128_XOR, sleb, sleb64, uleb, type Code,
} from './wasm-emitter.ts';
import { BSWAP64 } from './aes-wasm-code.ts';

/** Bytes of the table for one power of H: 6 words (h0, h1, h0⊕h1 and their reversals) × 4 masked pieces. */
export const GHASH_TABLE_POWER = 6 * 4 * 8;
/** Powers of H in the table (H^1 first). */
export const GHASH_POWERS = 4;

const MASKS = [0, 1, 2, 3].map((k) => 0x1111111111111111n << BigInt(k));
const rev4 = (n: number): number => ((n & 1) << 3) | ((n & 2) << 1) | ((n & 4) >> 1) | ((n & 8) >> 3);
/** Nibble n → its bits reversed, in the high nibble (for a byte's low nibble) or the low one (for its high nibble). */
const REV_LOW_NIBBLE = Array.from({ length: 16 }, (_, n) => rev4(n) << 4);
const REV_HIGH_NIBBLE = Array.from({ length: 16 }, (_, n) => rev4(n));

export function ghashBody(yAt: number, tableAt: number, scratchAt: number): Code {
  const f = new FunctionBuilder(2);
  const P = 0, N = 1;
  const y = f.local(V128), v = f.local(V128), be = f.local(V128), rb = f.local(V128);
  const x = Array.from({ length: 6 }, () => f.local(I64));
  const xm = Array.from({ length: 4 }, () => f.local(I64));
  const acc = Array.from({ length: 6 }, () => f.local(I64));
  const V = Array.from({ length: 4 }, () => f.local(I64));
  const zh = Array.from({ length: 3 }, () => f.local(I64));
  const hj = f.local(I64);
  const z = Array.from({ length: 4 }, () => f.local(I64));

  const simd = f.simd.bind(f);
  const i64k = (pattern: bigint) => f.op(I64_CONST, ...sleb64(pattern));
  /** Pushes the bytes of v reversed bit by bit within each byte (two nibble lookups). */
  const pushBitReversedBytes = (src: number) => {
    simd(V128_CONST, ...REV_LOW_NIBBLE);
    f.get(src).op(I32_CONST, 0x0f);
    simd(I8X16_SPLAT);
    simd(V128_AND);
    simd(I8X16_SWIZZLE);
    simd(V128_CONST, ...REV_HIGH_NIBBLE);
    f.get(src).op(I32_CONST, 4);
    simd(I16X8_SHR_U);
    f.op(I32_CONST, 0x0f);
    simd(I8X16_SPLAT);
    simd(V128_AND);
    simd(I8X16_SWIZZLE);
    simd(V128_OR);
  };
  /** Pushes the 64-bit reversal of each lane of local `src`. */
  const pushReversed64 = (src: number) => {
    pushBitReversedBytes(src);
    f.set(rb).get(rb).get(rb);
    simd(I8X16_SHUFFLE, ...BSWAP64);
  };
  /**
   * acc (set or ^=) the low 64 bits of the carry-less product of local `xv` and
   * the word whose masked pieces are at table offset `at`: x_i = x & M_i,
   * z_k = Σ_{i+j≡k (mod 4)} x_i·h_j, result = Σ z_k & M_k. Each piece h_j is
   * loaded once and multiplied by the four x_i.
   *
   * Scheduling: TurboFan issues a function's memory loads in program order
   * but places arithmetic as late as it can, so without a barrier the loads
   * of many products come first and every value in between is spilled to
   * the stack (measured: a third of the speed). Stores of partial sums to a
   * scratch word — after each of the first three h_j and after the result —
   * keep each load next to the multiplies that use it (and the result's
   * masking before the next product's loads).
   */
  const bmul64 = (dst: number, xv: number, at: number, first: boolean) => {
    for (let i = 0; i < 4; i++) {
      f.get(xv);
      i64k(MASKS[i]!);
      f.op(I64_AND).set(xm[i]!);
    }
    for (let j = 0; j < 4; j++) {
      f.op(I32_CONST, 0, I64_LOAD, 3, ...uleb(at + 8 * j)).set(hj);
      for (let i = 0; i < 4; i++) {
        const k = (i + j) % 4;
        f.get(xm[i]!).get(hj).op(I64_MUL);
        if (j > 0) f.get(z[k]!).op(I64_XOR);
        f.set(z[k]!);
      }
      if (j < 3) f.op(I32_CONST, 0).get(z[j]!).op(I64_STORE, 3, ...uleb(scratchAt));
    }
    for (let k = 0; k < 4; k++) {
      f.get(z[k]!);
      i64k(MASKS[k]!);
      f.op(I64_AND);
      if (k > 0) f.op(I64_OR);
    }
    if (!first) f.get(dst).op(I64_XOR);
    f.set(dst);
    f.op(I32_CONST, 0).get(dst).op(I64_STORE, 3, ...uleb(scratchAt));
  };
  /** The products of the block at p + offset with the power at table index q, into acc. */
  const block = (offset: number, q: number, first: boolean) => {
    f.get(P);
    simd(V128_LOAD, 0, ...uleb(offset));
    if (first) {
      f.get(y);
      simd(V128_XOR);
    }
    f.set(v).get(v).get(v);
    simd(I8X16_SHUFFLE, ...BSWAP64);
    f.set(be);
    pushBitReversedBytes(v);
    f.set(rb);
    // x0 = low word, x1 = high word, x2 = x0 ⊕ x1; x3..x5 their reversals.
    const lane = (src: number, l: number, dst: number) => (f.get(src), simd(I64X2_EXTRACT_LANE, l), f.set(dst));
    lane(be, 1, x[0]!), lane(be, 0, x[1]!), lane(rb, 1, x[3]!), lane(rb, 0, x[4]!);
    f.get(x[0]!).get(x[1]!).op(I64_XOR).set(x[2]!);
    f.get(x[3]!).get(x[4]!).op(I64_XOR).set(x[5]!);
    for (let w = 0; w < 6; w++) bmul64(acc[w]!, x[w]!, tableAt + q * GHASH_TABLE_POWER + 32 * w, first);
  };
  /** Y = the reduced sum of the products in acc. */
  const finish = () => {
    // High halves: reverse, shift right by one.
    f.get(acc[3]!);
    simd(I64X2_SPLAT);
    f.get(acc[4]!);
    simd(I64X2_REPLACE_LANE, 1);
    f.set(v);
    pushReversed64(v);
    f.op(I32_CONST, 1);
    simd(I64X2_SHR_U);
    f.set(v);
    f.get(v);
    simd(I64X2_EXTRACT_LANE, 0);
    f.set(zh[0]!);
    f.get(v);
    simd(I64X2_EXTRACT_LANE, 1);
    f.set(zh[1]!);
    f.get(acc[5]!);
    simd(I64X2_SPLAT);
    f.set(v);
    pushReversed64(v);
    f.op(I32_CONST, 1);
    simd(I64X2_SHR_U);
    simd(I64X2_EXTRACT_LANE, 0);
    f.set(zh[2]!);
    // Karatsuba middle term, and the 256-bit product V3:V2:V1:V0 (V3 most significant).
    const [V0, V1, V2, V3] = V as [number, number, number, number];
    const xor3 = (a: number, b: number, c: number) => f.get(a).get(b).op(I64_XOR).get(c).op(I64_XOR);
    xor3(zh[2]!, zh[0]!, zh[1]!).get(acc[1]!).op(I64_XOR).set(V2);
    xor3(acc[2]!, acc[0]!, acc[1]!).get(zh[0]!).op(I64_XOR).set(V1);
    f.get(zh[1]!).set(V3);
    f.get(acc[0]!).set(V0);
    // × x: shift the reflected 255-bit product left by one.
    const shl1 = (hi: number, lo: number) => f.get(hi).op(I64_CONST, 1, I64_SHL).get(lo).op(I64_CONST, 63, I64_SHR_U, I64_OR).set(hi);
    shl1(V3, V2), shl1(V2, V1), shl1(V1, V0);
    f.get(V0).op(I64_CONST, 1, I64_SHL).set(V0);
    // Reduce: the degrees 128 + d in `hi` (reflected) come back at d, d+1, d+2, d+7.
    const fold = (hi: number, mid: number, lo: number) => {
      f.get(mid).get(hi).op(I64_XOR);
      for (const sh of [1, 2, 7]) f.get(hi).op(I64_CONST, sh, I64_SHR_U, I64_XOR);
      f.set(mid);
      f.get(lo);
      for (const sh of [63, 62, 57]) f.get(hi).op(I64_CONST, sh, I64_SHL, I64_XOR);
      f.set(lo);
    };
    fold(V0, V2, V1);
    fold(V1, V3, V2);
    f.get(V3);
    simd(I64X2_SPLAT);
    f.get(V2);
    simd(I64X2_REPLACE_LANE, 1);
    f.set(v).get(v).get(v);
    simd(I8X16_SHUFFLE, ...BSWAP64);
    f.set(y);
  };
  const step = (blocks: number) => {
    // block { loop { if n < blocks break; …; p += 16·blocks; n -= blocks; continue } }
    f.op(0x02, EMPTY, LOOP, EMPTY);
    f.get(N).op(I32_CONST, blocks, I32_LT_S, BR_IF, 1);
    for (let b = 0; b < blocks; b++) block(16 * b, blocks - 1 - b, b === 0);
    finish();
    f.get(P).op(I32_CONST, ...sleb(16 * blocks), I32_ADD).set(P);
    f.get(N).op(I32_CONST, blocks, I32_SUB).set(N);
    f.op(BR, 0, END, END);
  };

  f.op(I32_CONST, 0);
  simd(V128_LOAD, 4, ...uleb(yAt));
  f.set(y);
  step(GHASH_POWERS);
  step(1);
  f.op(I32_CONST, 0).get(y);
  simd(V128_STORE, 4, ...uleb(yAt));
  return f.body();
}

/**
 * Writes the table entry for power index q (0 for H^1) from the 16 bytes of
 * H^(q+1) at `h[off ..)` into `m` at `at`: for h0 (bytes 8..15 big-endian),
 * h1 (bytes 0..7), h0 ⊕ h1 and the 64-bit reversals of the three, the four
 * pieces w & 0x1111…·2^j, each a little-endian i64.
 */
export function ghashTable(h: Uint8Array, off: number, m: DataView, at: number): void {
  const word = (i: number) => [readBe32(h, off + i), readBe32(h, off + i + 4)] as const; // [high 32, low 32]
  const [a1, b1] = word(0);
  const [a0, b0] = word(8);
  const words: (readonly [number, number])[] = [[a0, b0], [a1, b1], [a0 ^ a1, b0 ^ b1]];
  for (const [hi, lo] of words.slice()) words.push([rev32(lo), rev32(hi)]);
  words.forEach(([hi, lo], w) => {
    for (let j = 0; j < 4; j++) {
      const mask = (0x11111111 << j) >>> 0;
      m.setUint32(at + 32 * w + 8 * j, (lo & mask) >>> 0, true);
      m.setUint32(at + 32 * w + 8 * j + 4, (hi & mask) >>> 0, true);
    }
  });
}

const readBe32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function rev32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}
