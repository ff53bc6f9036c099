/**
 * ChaCha20 (RFC 8439 §2.3–2.4) four blocks at a time as a WebAssembly SIMD
 * instruction listing, for the engine in chacha20-wasm.ts.
 *
 * xor(p, groups): the sixteen input words of block `counter` are at
 * `stateAt` (little-endian, §2.3's layout: constants, key, counter, nonce).
 * For each of `groups` groups of 256 bytes at p, the keystream of blocks
 * counter..counter+3 is XORed into them and the counter advances by 4 (mod
 * 2^32; the caller never uses a wrapped block). State word i of the four
 * blocks is one i32x4 (lane j: block counter+j), so each quarter round (§2.1)
 * is vector adds, xors and rotations: by 16 and 8 a byte shuffle, by 12 and
 * 7 two shifts and an or. Only add, xor, shift and shuffle: constant time.
 * The sixteen vectors are transposed back to four blocks of sixteen words
 * (§2.3's serialization) with byte shuffles before the XOR.
 */
import {
  BR_IF, EMPTY, END, FunctionBuilder, I32, I32_ADD, I32_CONST, I32_LOAD, I32_SUB, I32X4_ADD, I32X4_SHL, I32X4_SHR_U,
  I32X4_SPLAT, I8X16_SHUFFLE, LOCAL_TEE, LOOP, V128, V128_CONST, V128_LOAD, V128_OR, V128_STORE, V128_XOR, sleb,
  uleb, type Code,
} from './wasm-emitter.ts';

/** Byte lanes of a 32-bit left rotation by 16 and by 8, within each lane (little-endian). */
const ROTL16 = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];
const ROTL8 = [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14];
/** (a0, b0, a1, b1) and (a2, b2, a3, b3) of two i32x4; (a.lo64, b.lo64) and (a.hi64, b.hi64). */
const ZIP_LO32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const ZIP_HI32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const LO64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HI64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/** The quarter rounds of one double round (§2.3): four columns, then four diagonals. */
const DOUBLE_ROUND = [
  [0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
  [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14],
];

/** The `xor(p, groups)` function body; `stateAt` holds the 64-byte input block. */
export function xorBody(stateAt: number): Code {
  const f = new FunctionBuilder(2);
  const P = 0, GROUPS = 1;
  const x = Array.from({ length: 16 }, () => f.local(V128));
  const counter = f.local(V128);
  const t = Array.from({ length: 4 }, () => f.local(V128));
  const round = f.local(I32);
  const i32 = (v: number) => f.op(I32_CONST, ...sleb(v));
  /** Pushes state word w of the input block in every lane. */
  const word = (w: number) => {
    i32(0).op(I32_LOAD, 2, ...uleb(stateAt + 4 * w));
    f.simd(I32X4_SPLAT);
  };

  // counter ← (c, c+1, c+2, c+3)
  word(12);
  f.simd(V128_CONST, ...[0, 1, 2, 3].flatMap((j) => [j, 0, 0, 0]));
  f.simd(I32X4_ADD).set(counter);

  f.op(LOOP, EMPTY);
  for (let w = 0; w < 16; w++) {
    if (w === 12) f.get(counter);
    else word(w);
    f.set(x[w]!);
  }
  // Ten double rounds.
  i32(10).set(round);
  f.op(LOOP, EMPTY);
  for (let h = 0; h < 8; h += 4) quarterRounds(f, DOUBLE_ROUND.slice(h, h + 4).map((q) => q.map((w) => x[w]!)));
  f.get(round);
  i32(1).op(I32_SUB, LOCAL_TEE, ...uleb(round), BR_IF, 0, END);
  // Plus the input block (§2.3), then transposed and XORed into the data.
  for (let w = 0; w < 16; w++) {
    f.get(x[w]!);
    if (w === 12) f.get(counter);
    else word(w);
    f.simd(I32X4_ADD).set(x[w]!);
  }
  for (let g = 0; g < 4; g++) {
    const [a, b, c, d] = [x[4 * g]!, x[4 * g + 1]!, x[4 * g + 2]!, x[4 * g + 3]!];
    shuffle(f, a, b, ZIP_LO32, t[0]!);
    shuffle(f, a, b, ZIP_HI32, t[1]!);
    shuffle(f, c, d, ZIP_LO32, t[2]!);
    shuffle(f, c, d, ZIP_HI32, t[3]!);
    // Block j's words 4g..4g+3, at p + 64j + 16g.
    const blocks: [number, number, number[]][] = [[t[0]!, t[2]!, LO64], [t[0]!, t[2]!, HI64], [t[1]!, t[3]!, LO64], [t[1]!, t[3]!, HI64]];
    blocks.forEach(([lo, hi, lanes], j) => {
      const at = 64 * j + 16 * g;
      f.get(P).get(P).simd(V128_LOAD, 0, ...uleb(at));
      f.get(lo).get(hi).simd(I8X16_SHUFFLE, ...lanes);
      f.simd(V128_XOR).simd(V128_STORE, 0, ...uleb(at));
    });
  }
  // counter += 4; p += 256; loop while --groups.
  f.get(counter);
  i32(4).simd(I32X4_SPLAT).simd(I32X4_ADD).set(counter);
  f.get(P);
  i32(256).op(I32_ADD).set(P);
  f.get(GROUPS);
  i32(1).op(I32_SUB, LOCAL_TEE, ...uleb(GROUPS), BR_IF, 0, END);
  return f.body();
}

/** out ← shuffle(a, b, lanes). */
function shuffle(f: FunctionBuilder, a: number, b: number, lanes: number[], out: number): void {
  f.get(a).get(b).simd(I8X16_SHUFFLE, ...lanes).set(out);
}

/**
 * Four independent quarter rounds of §2.1 (the columns, or the diagonals),
 * each on four vectors (four blocks at once), one after the other (measured
 * a little faster than interleaving their steps: fewer values live at once).
 */
function quarterRounds(f: FunctionBuilder, qs: number[][]): void {
  // a += b; d ^= a; d <<<= 16 / 8.
  const addXorShuffle = (s: number, t: number, u: number, lanes: number[]) => {
    f.get(s).get(t).simd(I32X4_ADD).op(LOCAL_TEE, ...uleb(s));
    f.get(u).simd(V128_XOR).op(LOCAL_TEE, ...uleb(u)).get(u).simd(I8X16_SHUFFLE, ...lanes).set(u);
  };
  // c += d; b ^= c; b <<<= 12 / 7.
  const addXorRotate = (s: number, t: number, u: number, r: number) => {
    f.get(s).get(t).simd(I32X4_ADD).op(LOCAL_TEE, ...uleb(s));
    f.get(u).simd(V128_XOR).op(LOCAL_TEE, ...uleb(u));
    f.op(I32_CONST, ...sleb(r)).simd(I32X4_SHL).get(u).op(I32_CONST, ...sleb(32 - r)).simd(I32X4_SHR_U).simd(V128_OR).set(u);
  };
  for (const [a, b, c, d] of qs) {
    addXorShuffle(a!, b!, d!, ROTL16);
    addXorRotate(c!, d!, b!, 12);
    addXorShuffle(a!, b!, d!, ROTL8);
    addXorRotate(c!, d!, b!, 7);
  }
}
