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
 * Aggregated reduction: up to eight blocks per step with H^k..H^1
 * (Y' = (Y ⊕ X_1)·H^k ⊕ X_2·H^(k-1) ⊕ … ⊕ X_k·H): the products are summed
 * unreduced — reduction and the bit reversal of the high halves are linear —
 * and reduced once. The table holds, for H^1..H^8, the masked pieces
 * `ghashTable` writes.
 *
 * ghash(p, n): Y ← (… ((Y ⊕ X_1)·H ⊕ X_2)·H … ⊕ X_n)·H over the n blocks at
 * p, Y being the 16 bytes at `yAt`.
 */
import {
  BR, BR_IF, EMPTY, END, FunctionBuilder, IF, I32, I32_ADD, I32_CONST, I32_EQZ, I32_GT_S, I32_LT_S, I32_SUB, I64, I64_AND,
  I64_CONST, I64_LOAD, I64_MUL, I64_OR, I64_SHL, I64_STORE, I64_SHR_U, I64_XOR, I64X2_EXTRACT_LANE, I64X2_REPLACE_LANE,
  I64X2_SHR_U, I64X2_SPLAT, I16X8_SHR_U, I8X16_SHUFFLE, I8X16_SPLAT, I8X16_SWIZZLE, LOOP, V128, V128_AND, V128_CONST,
  V128_LOAD, V128_OR, V128_STORE, V128_XOR, sleb, sleb64, uleb, type Code,
} from './wasm-emitter.ts';
import { BSWAP64 } from './aes-wasm-code.ts';

/** Bytes of the table for one power of H: 6 words (h0, h1, h0⊕h1 and their reversals) × 4 masked pieces. */
export const GHASH_TABLE_POWER = 6 * 4 * 8;
/** Powers of H in the table (H^1 first): blocks per reduction. */
export const GHASH_POWERS = 8;
/** Bytes of scratch memory `GhashEmitter` uses: the block's masked pieces (12 vectors) and one word for scheduling stores (padded to 16). */
export const GHASH_SCRATCH = 12 * 16 + 16;

const MASKS = [0, 1, 2, 3].map((k) => 0x1111111111111111n << BigInt(k));
const rev4 = (n: number): number => ((n & 1) << 3) | ((n & 2) << 1) | ((n & 4) >> 1) | ((n & 8) >> 3);
/** Nibble n → its bits reversed, in the high nibble (for a byte's low nibble) or the low one (for its high nibble). */
const REV_LOW_NIBBLE = Array.from({ length: 16 }, (_, n) => rev4(n) << 4);
const REV_HIGH_NIBBLE = Array.from({ length: 16 }, (_, n) => rev4(n));
/** Where word w's masked pieces lie among the scratch vectors written by `prepare`: [vector, byte offset]. */
const PIECE: readonly (readonly [number, number])[] = [[0, 8], [0, 0], [2, 0], [1, 8], [1, 0], [2, 8]];

/**
 * Emits GHASH steps into `f`: `prepare` and `word` (or `products`, both)
 * add to six i64 accumulators the unreduced product of one block with a
 * power of H (its masked pieces in the table), `reduce` turns the
 * accumulators into Y. Uses GHASH_SCRATCH bytes of memory at `scratchAt`.
 */
export class GhashEmitter {
  private readonly v: number;
  private readonly be: number;
  private readonly rb: number;
  private readonly xm: number[];
  /** Low halves: x0·h0, x1·h1, x2·h2; the same of the reversed words (high halves, reversed). */
  private readonly acc: number[];
  private readonly V: number[];
  private readonly zh: number[];
  private readonly hj: number;
  private readonly z: number[];
  private readonly piecesAt: number;
  private readonly storeAt: number;

  constructor(
    private readonly f: FunctionBuilder,
    scratchAt: number,
  ) {
    this.piecesAt = scratchAt;
    this.storeAt = scratchAt + 12 * 16;
    this.v = f.local(V128);
    this.be = f.local(V128);
    this.rb = f.local(V128);
    this.xm = Array.from({ length: 4 }, () => f.local(I64));
    this.acc = Array.from({ length: 6 }, () => f.local(I64));
    this.V = Array.from({ length: 4 }, () => f.local(I64));
    this.zh = Array.from({ length: 3 }, () => f.local(I64));
    this.hj = f.local(I64);
    this.z = Array.from({ length: 4 }, () => f.local(I64));
  }

  /** Zeroes the accumulators. */
  clear(): void {
    for (const a of this.acc) this.f.op(I64_CONST, 0).set(a);
  }

  /** v128 local `block` = the block at local `p` ⊕ local `y`; then y = 0 (Y goes into a step's first block only). */
  loadBlock(p: number, y: number, block: number): void {
    const f = this.f;
    f.get(p);
    f.simd(V128_LOAD, 0, 0);
    f.get(y);
    f.simd(V128_XOR);
    f.set(block);
    f.simd(V128_CONST, ...new Array<number>(16).fill(0));
    f.set(y);
  }

  /**
   * Adds the products of the block in v128 local `block` (as loaded, Y
   * already XORed in where it belongs) with the power of H whose table entry
   * is at local `table` + `offset`.
   */
  products(block: number, table: number, offset: number): void {
    this.prepare(block);
    for (let w = 0; w < 6; w++) this.word(w, table, offset);
  }

  /**
   * The block's six words — x0 = low, x1 = high, x2 = x0 ⊕ x1, x3..x5 their
   * bit reversals — each cut into its four masked pieces x & M_i, stored to
   * scratch as 12 vectors: [x1, x0], [x4, x3], [x2, x5] & M_i for i = 0..3.
   */
  prepare(block: number): void {
    const { f, be, rb, v } = this;
    f.get(block).get(block);
    f.simd(I8X16_SHUFFLE, ...BSWAP64);
    f.set(be);
    this.pushBitReversedBytes(block);
    f.set(rb);
    f.get(be).get(rb);
    f.simd(I8X16_SHUFFLE, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    f.get(be).get(rb);
    f.simd(I8X16_SHUFFLE, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    f.simd(V128_XOR);
    f.set(v);
    for (let i = 0; i < 4; i++) {
      [be, rb, v].forEach((vec, idx) => {
        f.op(I32_CONST, 0).get(vec);
        f.simd(V128_CONST, ...le64(MASKS[i]!), ...le64(MASKS[i]!));
        f.simd(V128_AND);
        f.simd(V128_STORE, 4, ...uleb(this.piecesAt + 16 * (3 * i + idx)));
      });
    }
  }

  /** Adds the product of word w (0..5) of the prepared block with its counterpart in the table entry at local `table` + `offset`. */
  word(w: number, table: number, offset: number): void {
    const [vector, byte] = PIECE[w]!;
    this.bmul64(this.acc[w]!, (i) => this.piecesAt + 16 * (3 * i + vector) + byte, table, offset + 32 * w);
  }

  /** Y (v128 local `y`, in memory byte order) = the reduced sum of the products. */
  reduce(y: number): void {
    const { f, acc, zh, v } = this;
    // High halves: reverse, shift right by one.
    f.get(acc[3]!);
    f.simd(I64X2_SPLAT);
    f.get(acc[4]!);
    f.simd(I64X2_REPLACE_LANE, 1);
    f.set(v);
    this.pushReversed64(v);
    f.op(I32_CONST, 1);
    f.simd(I64X2_SHR_U);
    f.set(v);
    f.get(v);
    f.simd(I64X2_EXTRACT_LANE, 0);
    f.set(zh[0]!);
    f.get(v);
    f.simd(I64X2_EXTRACT_LANE, 1);
    f.set(zh[1]!);
    f.get(acc[5]!);
    f.simd(I64X2_SPLAT);
    f.set(v);
    this.pushReversed64(v);
    f.op(I32_CONST, 1);
    f.simd(I64X2_SHR_U);
    f.simd(I64X2_EXTRACT_LANE, 0);
    f.set(zh[2]!);
    // Karatsuba middle term, and the 256-bit product V3:V2:V1:V0 (V3 most significant).
    const [V0, V1, V2, V3] = this.V as [number, number, number, number];
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
    f.simd(I64X2_SPLAT);
    f.get(V2);
    f.simd(I64X2_REPLACE_LANE, 1);
    f.set(v).get(v).get(v);
    f.simd(I8X16_SHUFFLE, ...BSWAP64);
    f.set(y);
  }

  private i64k(pattern: bigint): void {
    this.f.op(I64_CONST, ...sleb64(pattern));
  }

  /** Pushes the bytes of v reversed bit by bit within each byte (two nibble lookups). */
  private pushBitReversedBytes(src: number): void {
    const f = this.f;
    f.simd(V128_CONST, ...REV_LOW_NIBBLE);
    f.get(src).op(I32_CONST, 0x0f);
    f.simd(I8X16_SPLAT);
    f.simd(V128_AND);
    f.simd(I8X16_SWIZZLE);
    f.simd(V128_CONST, ...REV_HIGH_NIBBLE);
    f.get(src).op(I32_CONST, 4);
    f.simd(I16X8_SHR_U);
    f.op(I32_CONST, 0x0f);
    f.simd(I8X16_SPLAT);
    f.simd(V128_AND);
    f.simd(I8X16_SWIZZLE);
    f.simd(V128_OR);
  }

  /** Pushes the 64-bit reversal of each lane of local `src`. */
  private pushReversed64(src: number): void {
    this.pushBitReversedBytes(src);
    this.f.set(this.rb).get(this.rb).get(this.rb);
    this.f.simd(I8X16_SHUFFLE, ...BSWAP64);
  }

  /**
   * dst ^= the low 64 bits of the carry-less product of the word whose masked
   * pieces x_i are at piece(i) and the word whose masked pieces h_j are at
   * local `table` + `at`: z_k = Σ_{i+j≡k (mod 4)} x_i·h_j, result = Σ z_k & M_k.
   * Each piece h_j is loaded once and multiplied by the four x_i.
   *
   * Scheduling: TurboFan issues a function's memory loads in program order
   * but places arithmetic as late as it can, so without a barrier the loads
   * of many products come first and every value in between is spilled to
   * the stack (measured: a third of the speed). Stores of partial sums to a
   * scratch word — after each of the first three h_j and after the result —
   * keep each load next to the multiplies that use it (and the result's
   * masking before the next product's loads).
   */
  private bmul64(dst: number, piece: (i: number) => number, table: number, at: number): void {
    const { f, xm, z, hj, storeAt } = this;
    for (let i = 0; i < 4; i++) f.op(I32_CONST, 0, I64_LOAD, 3, ...uleb(piece(i))).set(xm[i]!);
    for (let j = 0; j < 4; j++) {
      f.get(table).op(I64_LOAD, 3, ...uleb(at + 8 * j)).set(hj);
      for (let i = 0; i < 4; i++) {
        const k = (i + j) % 4;
        f.get(xm[i]!).get(hj).op(I64_MUL);
        if (j > 0) f.get(z[k]!).op(I64_XOR);
        f.set(z[k]!);
      }
      if (j < 3) f.op(I32_CONST, 0).get(z[j]!).op(I64_STORE, 3, ...uleb(storeAt));
    }
    for (let k = 0; k < 4; k++) {
      f.get(z[k]!);
      this.i64k(MASKS[k]!);
      f.op(I64_AND);
      if (k > 0) f.op(I64_OR);
    }
    f.get(dst).op(I64_XOR).set(dst);
    f.op(I32_CONST, 0).get(dst).op(I64_STORE, 3, ...uleb(storeAt));
  }
}

/**
 * ghash(p, n): steps of k = min(n, 8) blocks, the first XORed with Y, block
 * j multiplied by H^(k-j) (table entry k-1-j), one reduction per step.
 */
export function ghashBody(yAt: number, tableAt: number, scratchAt: number): Code {
  const f = new FunctionBuilder(2);
  const P = 0, N = 1;
  const g = new GhashEmitter(f, scratchAt);
  const y = f.local(V128), block = f.local(V128);
  const k = f.local(I32), t = f.local(I32), table = f.local(I32);
  f.op(I32_CONST, 0);
  f.simd(V128_LOAD, 4, ...uleb(yAt));
  f.set(y);
  // block { loop { if n == 0 break; k = min(n, 8); …; continue } }
  f.op(0x02, EMPTY, LOOP, EMPTY);
  {
    f.get(N).op(I32_EQZ, BR_IF, 1);
    // k = min(n, 8), table = the entry of H^k (the length is public: branches and a loop on it are constant time).
    f.op(I32_CONST, GHASH_POWERS).set(k);
    f.get(N).op(I32_CONST, GHASH_POWERS, I32_LT_S, IF, EMPTY).get(N).set(k).op(END);
    f.get(N).get(k).op(I32_SUB).set(N);
    f.op(I32_CONST, ...sleb(tableAt - GHASH_TABLE_POWER)).set(table);
    f.get(k).set(t);
    f.op(LOOP, EMPTY);
    f.get(table).op(I32_CONST, ...sleb(GHASH_TABLE_POWER), I32_ADD).set(table);
    f.get(t).op(I32_CONST, 1, I32_SUB).set(t);
    f.get(t).op(I32_CONST, 0, I32_GT_S, BR_IF, 0);
    f.op(END);
    g.clear();
    f.op(LOOP, EMPTY);
    {
      g.loadBlock(P, y, block);
      g.products(block, table, 0);
      f.get(P).op(I32_CONST, 16, I32_ADD).set(P);
      f.get(table).op(I32_CONST, ...sleb(GHASH_TABLE_POWER), I32_SUB).set(table);
      f.get(k).op(I32_CONST, 1, I32_SUB).set(k);
      f.get(k).op(I32_CONST, 0, I32_GT_S, BR_IF, 0);
    }
    f.op(END);
    g.reduce(y);
    f.op(BR, 0);
  }
  f.op(END, END);
  f.op(I32_CONST, 0).get(y);
  f.simd(V128_STORE, 4, ...uleb(yAt));
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

/** Little-endian bytes of a 64-bit pattern. */
function le64(v: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
}
