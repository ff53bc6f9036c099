/**
 * AES (FIPS 197) in CTR mode (NIST SP 800-38A §6.5) on WebAssembly SIMD,
 * bitsliced: eight blocks at a time in eight 128-bit vectors, vector i
 * holding bit i of all 128 bytes (byte lane p = state byte p, bit k =
 * block k; E. Käsper and P. Schwabe, "Faster and timing-attack resistant
 * AES-GCM", CHES 2009, §4). SubBytes is the Boyar–Peralta circuit
 * (aes-sbox-circuit.ts) on whole vectors; ShiftRows and the column rotations
 * of MixColumns are byte shuffles. No memory access depends on key or
 * data, and there are no data-dependent branches: constant time.
 *
 * ctr(p, n, rounds): XORs the keystream E_K(c), E_K(c+1), … into the n
 * blocks at p, in place. c is the 16-byte big-endian counter block at
 * `counterAt`; only its last 64 bits are incremented (the caller splits a
 * call where they would wrap). The bitsliced round keys (aes-key-schedule.ts)
 * are at `keysAt`, 128 bytes per round key; AES_SHUFFLE_MASKS at `masksAt`.
 */
import { SBOX_CIRCUIT } from './aes-sbox-circuit.ts';
import {
  BR_IF, EMPTY, END, FunctionBuilder, I32, I32_ADD, I32_CONST, I32_GT_S, I32_SUB, I64X2_ADD, I64X2_SHL,
  I64X2_SHR_U, I8X16_SHUFFLE, I8X16_SPLAT, I8X16_SWIZZLE, IF, ELSE, LOOP, V128, V128_AND, V128_CONST, V128_LOAD, V128_STORE,
  V128_XOR, sleb, uleb, type Code,
} from './wasm-emitter.ts';

/** Byte lanes of a shuffle: out[i] = in[lanes[i]]. */
type Lanes = number[];

const range16 = Array.from({ length: 16 }, (_, i) => i);
/** Reverses the bytes of each 64-bit half: a big-endian counter ↔ two native i64 lanes. */
export const BSWAP64: Lanes = range16.map((i) => (i & 8) + 7 - (i & 7));
/** State byte p = row p % 4, column p / 4 (FIPS 197 §3.4). ShiftRows (§5.1.2): row r rotates left by r. */
const SHIFT_ROWS: Lanes = range16.map((p) => (p % 4) + 4 * ((Math.floor(p / 4) + (p % 4)) % 4));
/** Each column rotated up by k rows: out row r = in row r + k. */
const rotate = (k: number): Lanes => range16.map((p) => ((p % 4) + k) % 4 + 4 * Math.floor(p / 4));
const compose = (outer: Lanes, inner: Lanes): Lanes => outer.map((i) => inner[i]!);
const ROT1_SHIFT_ROWS = compose(rotate(1), SHIFT_ROWS);
const ROT2 = rotate(2);

/** The 32 bytes `ctrBody` reads at `masksAt`: the byte permutations ShiftRows and rot1∘ShiftRows. */
export const AES_SHUFFLE_MASKS = Uint8Array.from([...SHIFT_ROWS, ...ROT1_SHIFT_ROWS]);

export function ctrBody(keysAt: number, counterAt: number, masksAt: number): Code {
  const f = new FunctionBuilder(3);
  const P = 0, N = 1, ROUNDS = 2;
  const RK = f.local(I32), LEFT = f.local(I32);
  const base = f.local(V128), tmp = f.local(V128);
  const s = Array.from({ length: 8 }, () => f.local(V128));
  const t = Array.from({ length: 8 }, () => f.local(V128));
  const r = Array.from({ length: 8 }, () => f.local(V128));

  const simd = f.simd.bind(f);
  const memarg = (offset: number) => [4, ...uleb(offset)];
  const bin = (d: number, a: number, b: number, opcode: number) => (f.get(a).get(b), simd(opcode), f.set(d));
  const shuffle = (d: number, a: number, lanes: Lanes) => (f.get(a).get(a), simd(I8X16_SHUFFLE, ...lanes), f.set(d));
  // ShiftRows and rot1∘ShiftRows match none of the engines' cheap shuffle forms; as constants, V8
  // builds their byte masks anew at every use. Read from memory once, they stay in registers.
  const shiftRowsMask = f.local(V128), rot1ShiftRowsMask = f.local(V128);
  const swizzle = (d: number, a: number, mask: number) => (f.get(a).get(mask), simd(I8X16_SWIZZLE), f.set(d));
  const constant = (bytes: number[]) => simd(V128_CONST, ...bytes);
  const i64x2 = (lo: number, hi: number): number[] => [...le64(lo), ...le64(hi)];
  /** s_i ^= the round key slice at (local `at` or constant address) + 16·i. */
  const addRoundKey = (at: number | null, offset: number) => {
    for (let i = 0; i < 8; i++) {
      f.get(s[i]!);
      if (at === null) f.op(I32_CONST, 0);
      else f.get(at);
      simd(V128_LOAD, ...memarg(offset + 16 * i));
      simd(V128_XOR);
      f.set(s[i]!);
    }
  };
  /**
   * Transposes the 8×8 bit matrix in each byte lane across s_0..s_7 (an
   * involution): three layers of swaps of bit j of the vector index with
   * bit j of the bit position (shift 2^j, masks 0x55, 0x33, 0x0f).
   */
  const transpose = () => {
    for (const [shift, mask] of [[1, 0x55], [2, 0x33], [4, 0x0f]] as const) {
      for (let i = 0; i < 8; i++) {
        if (i & shift) continue;
        const a = s[i]!, b = s[i + shift]!;
        // t = ((a >> shift) ^ b) & mask; b ^= t; a ^= t << shift
        f.get(a).op(I32_CONST, shift);
        simd(I64X2_SHR_U);
        f.get(b);
        simd(V128_XOR);
        f.op(I32_CONST, ...sleb(mask));
        simd(I8X16_SPLAT);
        simd(V128_AND);
        f.set(tmp);
        bin(b, b, tmp, V128_XOR);
        f.get(a).get(tmp).op(I32_CONST, shift);
        simd(I64X2_SHL);
        simd(V128_XOR);
        f.set(a);
      }
    }
  };
  /** SubBytes without the constant 0x63 (folded into the round keys). Wire U_j is bit 7-j. */
  const wires: number[] = [];
  for (let j = 0; j < 8; j++) wires.push(s[7 - j]!);
  for (let w = 8; w < SBOX_CIRCUIT.wires; w++) wires.push(f.local(V128));
  const subBytes = () => {
    for (const g of SBOX_CIRCUIT.gates) bin(wires[g.out]!, wires[g.a]!, wires[g.b]!, g.op === 'and' ? V128_AND : V128_XOR);
    SBOX_CIRCUIT.outputs.forEach((w, j) => f.get(wires[w]!).set(s[7 - j]!));
  };
  /**
   * ShiftRows then MixColumns (§5.1.3): with a = ShiftRows(s) and t = a ⊕ rot1(a),
   * a' = 2·a ⊕ 3·rot1(a) ⊕ rot2(a) ⊕ rot3(a) = 2·t ⊕ rot1(a) ⊕ rot2(t); 2·t on bit
   * slices: bit 0 ← t_7, bit i ← t_{i-1} (⊕ t_7 for i = 1, 3, 4: x^8 = x^4 + x^3 + x + 1).
   */
  const shiftRowsMixColumns = () => {
    for (let i = 0; i < 8; i++) {
      swizzle(tmp, s[i]!, shiftRowsMask);
      swizzle(r[i]!, s[i]!, rot1ShiftRowsMask);
      bin(t[i]!, tmp, r[i]!, V128_XOR);
    }
    for (let i = 0; i < 8; i++) {
      shuffle(tmp, t[i]!, ROT2);
      bin(tmp, tmp, r[i]!, V128_XOR);
      bin(s[i]!, tmp, i === 0 ? t[7]! : t[i - 1]!, V128_XOR);
      if (i === 1 || i === 3 || i === 4) bin(s[i]!, s[i]!, t[7]!, V128_XOR);
    }
  };

  // base = the counter as two native i64 lanes [high 64 bits, low 64 bits].
  f.op(I32_CONST, 0);
  simd(V128_LOAD, ...memarg(masksAt));
  f.set(shiftRowsMask);
  f.op(I32_CONST, 0);
  simd(V128_LOAD, ...memarg(masksAt + 16));
  f.set(rot1ShiftRowsMask);
  f.op(I32_CONST, 0);
  simd(V128_LOAD, ...memarg(counterAt));
  f.set(tmp);
  shuffle(base, tmp, BSWAP64);
  f.op(LOOP, EMPTY);
  {
    for (let k = 0; k < 8; k++) {
      f.get(base);
      constant(i64x2(0, k));
      simd(I64X2_ADD);
      f.set(tmp);
      shuffle(s[k]!, tmp, BSWAP64);
    }
    f.get(base);
    constant(i64x2(0, 8));
    simd(I64X2_ADD);
    f.set(base);
    transpose();
    addRoundKey(null, keysAt);
    f.op(I32_CONST, ...sleb(keysAt + 128)).set(RK);
    // Rounds 1 .. Nr-1, then the last round (no MixColumns, FIPS 197 §5.1).
    f.get(ROUNDS).op(I32_CONST, 1, I32_SUB).set(LEFT);
    f.op(LOOP, EMPTY);
    {
      subBytes();
      shiftRowsMixColumns();
      addRoundKey(RK, 0);
      f.get(RK).op(I32_CONST, ...sleb(128), I32_ADD).set(RK);
      f.get(LEFT).op(I32_CONST, 1, I32_SUB).set(LEFT);
      f.get(LEFT).op(BR_IF, 0);
    }
    f.op(END);
    subBytes();
    for (let i = 0; i < 8; i++) swizzle(s[i]!, s[i]!, shiftRowsMask);
    addRoundKey(RK, 0);
    transpose();
    // Block k of the group ^= keystream block k: all eight, or (the last group) those with k < n.
    const store = (k: number) => {
      f.get(P).get(P);
      simd(V128_LOAD, 0, ...uleb(16 * k));
      f.get(s[k]!);
      simd(V128_XOR);
      simd(V128_STORE, 0, ...uleb(16 * k));
    };
    f.get(N).op(I32_CONST, 7, I32_GT_S, IF, EMPTY);
    for (let k = 0; k < 8; k++) store(k);
    f.op(ELSE);
    for (let k = 0; k < 7; k++) {
      f.get(N).op(I32_CONST, k, I32_GT_S, IF, EMPTY);
      store(k);
      f.op(END);
    }
    f.op(END);
    f.get(P).op(I32_CONST, ...sleb(128), I32_ADD).set(P);
    f.get(N).op(I32_CONST, 8, I32_SUB).set(N);
    f.get(N).op(I32_CONST, 0, I32_GT_S, BR_IF, 0);
  }
  f.op(END);
  return f.body();
}

/** Little-endian bytes of a small non-negative integer as a 64-bit lane. */
function le64(v: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  return out;
}
