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
 * blocks at p, in place, sixteen blocks (two groups of eight, interleaved)
 * per step while more than eight are left, then eight. c is the 16-byte
 * big-endian counter block at `counterAt`; only its last 64 bits are
 * incremented (the caller splits a call where they would wrap). The
 * bitsliced round keys (aes-key-schedule.ts) are at `keysAt`, 128 bytes per
 * round key.
 */
import { SBOX_CIRCUIT } from './aes-sbox-circuit.ts';
import {
  BR, BR_IF, EMPTY, END, FunctionBuilder, I32, I32_ADD, I32_CONST, I32_GT_S, I32_LE_S, I32_SUB, I64X2_ADD, I64X2_SHL,
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

/** Code run inside rounds 1..8 (see `AesEmitter.encrypt`). */
export interface InRound {
  /** How many parts SubBytes is cut into; `emit(k)` runs after part k. */
  parts: number;
  emit(part: number): void;
  /** 16 bytes of scratch memory for the stores that keep each part of SubBytes before its `emit`. */
  anchorAt: number;
}

/**
 * Emits bitsliced AES over 8·`ways` blocks into `f` (its locals, and code
 * appended as each method is called): `ways` independent groups of eight,
 * interleaved gate by gate, so the core has independent work while one
 * group waits on a result. The round keys are at `keysAt`; `rounds` is the
 * local holding Nr.
 */
export class AesEmitter {
  /** The state of group w: s[w][i] holds bit i of all 128 bytes. */
  readonly s: number[][];
  private readonly t: number[][];
  private readonly r: number[][];
  private readonly tmp: number[];
  private readonly key: number;
  private readonly rk: number;
  private readonly left: number;
  private readonly wires: number[][];

  constructor(
    private readonly f: FunctionBuilder,
    private readonly keysAt: number,
    private readonly rounds: number,
    readonly ways = 1,
  ) {
    this.rk = f.local(I32);
    this.left = f.local(I32);
    this.key = f.local(V128);
    const perWay = () => Array.from({ length: ways }, () => Array.from({ length: 8 }, () => f.local(V128)));
    this.tmp = Array.from({ length: ways }, () => f.local(V128));
    this.s = perWay();
    this.t = perWay();
    this.r = perWay();
    // S-box wire U_j is bit 7-j.
    this.wires = this.s.map((s) => {
      const w: number[] = [];
      for (let j = 0; j < 8; j++) w.push(s[7 - j]!);
      for (let i = 8; i < SBOX_CIRCUIT.wires; i++) w.push(f.local(V128));
      return w;
    });
  }

  /**
   * Block 8w + k (in slot k of group w) = the counter + 8w + k (`base`: the
   * counter as two native i64 lanes [high, low]); then the counter += 8·ways.
   */
  counters(base: number): void {
    const f = this.f;
    for (let w = 0; w < this.ways; w++) {
      for (let k = 0; k < 8; k++) {
        f.get(base);
        f.simd(V128_CONST, ...i64x2(0, 8 * w + k));
        f.simd(I64X2_ADD);
        f.set(this.tmp[w]!);
        this.shuffle(this.s[w]![k]!, this.tmp[w]!, BSWAP64);
      }
    }
    f.get(base);
    f.simd(V128_CONST, ...i64x2(0, 8 * this.ways));
    f.simd(I64X2_ADD);
    f.set(base);
  }

  /**
   * Encrypts the blocks in s (as `counters` leaves them) and leaves the
   * results there likewise. With `inRound`, rounds 1..8 run its code too, in
   * a loop of their own (no branch inside), then rounds 9..Nr-1 run without.
   */
  encrypt(inRound?: InRound): void {
    const f = this.f;
    this.transpose();
    this.addRoundKey(null, this.keysAt);
    f.op(I32_CONST, ...sleb(this.keysAt + 128)).set(this.rk);
    // Rounds 1 .. Nr-1 (Nr ≥ 10), then the last round (no MixColumns, FIPS 197 §5.1).
    let plain = 1;
    if (inRound !== undefined) {
      f.op(I32_CONST, 8).set(this.left);
      this.roundLoop(inRound);
      plain = 9;
    }
    f.get(this.rounds).op(I32_CONST, plain, I32_SUB).set(this.left);
    this.roundLoop();
    this.subBytes(0, SBOX_CIRCUIT.gates.length);
    for (const s of this.s) for (let i = 0; i < 8; i++) this.swizzle(s[i]!, s[i]!, SHIFT_ROWS);
    this.addRoundKey(this.rk, 0);
    this.transpose();
  }

  /** Block b at local `p` + 16·b ^= its keystream: all 8·ways, or (`n` < 8·ways) those with b < n. */
  xorInto(p: number, n: number): void {
    const f = this.f;
    const all = 8 * this.ways;
    const store = (b: number) => {
      f.get(p).get(p);
      f.simd(V128_LOAD, 0, ...uleb(16 * b));
      f.get(this.s[b >> 3]![b & 7]!);
      f.simd(V128_XOR);
      f.simd(V128_STORE, 0, ...uleb(16 * b));
    };
    f.get(n).op(I32_CONST, all - 1, I32_GT_S, IF, EMPTY);
    for (let b = 0; b < all; b++) store(b);
    f.op(ELSE);
    for (let b = 0; b < all - 1; b++) {
      f.get(n).op(I32_CONST, b, I32_GT_S, IF, EMPTY);
      store(b);
      f.op(END);
    }
    f.op(END);
  }

  /** Runs `left` (≥ 1) rounds with MixColumns. */
  private roundLoop(inRound?: InRound): void {
    const f = this.f;
    const gates = SBOX_CIRCUIT.gates.length;
    f.op(LOOP, EMPTY);
    if (inRound === undefined) this.subBytes(0, gates);
    else {
      // TurboFan keeps memory accesses in program order but places arithmetic as late as it can:
      // storing the last wire of each part of SubBytes keeps that part ahead of the code emitted after it.
      for (let k = 0; k < inRound.parts; k++) {
        const to = Math.floor(((k + 1) * gates) / inRound.parts);
        this.subBytes(Math.floor((k * gates) / inRound.parts), to);
        if (to < gates) {
          for (const w of this.wires) {
            f.op(I32_CONST, 0).get(w[SBOX_CIRCUIT.gates[to - 1]!.out]!);
            f.simd(V128_STORE, 4, ...uleb(inRound.anchorAt));
          }
        }
        inRound.emit(k);
      }
    }
    this.shiftRowsMixColumns();
    this.addRoundKey(this.rk, 0);
    f.get(this.rk).op(I32_CONST, ...sleb(128), I32_ADD).set(this.rk);
    f.get(this.left).op(I32_CONST, 1, I32_SUB).set(this.left);
    f.get(this.left).op(BR_IF, 0);
    f.op(END);
  }

  private bin(d: number, a: number, b: number, opcode: number): void {
    this.f.get(a).get(b);
    this.f.simd(opcode);
    this.f.set(d);
  }
  private shuffle(d: number, a: number, lanes: Lanes): void {
    this.f.get(a).get(a);
    this.f.simd(I8X16_SHUFFLE, ...lanes);
    this.f.set(d);
  }
  /**
   * A byte permutation as i8x16.swizzle with a constant mask: V8 materializes
   * the constant once, outside the loop, and emits one pshufb per use (as a
   * shuffle it rebuilds the mask at every use; as a swizzle by a variable, it
   * adds a saturating add per use).
   */
  private swizzle(d: number, a: number, lanes: Lanes): void {
    this.f.get(a);
    this.f.simd(V128_CONST, ...lanes);
    this.f.simd(I8X16_SWIZZLE);
    this.f.set(d);
  }

  /** s_i ^= the round key slice at (local `at` or constant address) + 16·i, in every group. */
  private addRoundKey(at: number | null, offset: number): void {
    const f = this.f;
    for (let i = 0; i < 8; i++) {
      if (at === null) f.op(I32_CONST, 0);
      else f.get(at);
      f.simd(V128_LOAD, 4, ...uleb(offset + 16 * i));
      f.set(this.key);
      for (const s of this.s) this.bin(s[i]!, s[i]!, this.key, V128_XOR);
    }
  }

  /**
   * Transposes the 8×8 bit matrix in each byte lane across s_0..s_7 (an
   * involution): three layers of swaps of bit j of the vector index with
   * bit j of the bit position (shift 2^j, masks 0x55, 0x33, 0x0f).
   */
  private transpose(): void {
    const f = this.f;
    for (const [shift, mask] of [[1, 0x55], [2, 0x33], [4, 0x0f]] as const) {
      for (let i = 0; i < 8; i++) {
        if (i & shift) continue;
        for (let w = 0; w < this.ways; w++) {
          const s = this.s[w]!, tmp = this.tmp[w]!;
          const a = s[i]!, b = s[i + shift]!;
          // t = ((a >> shift) ^ b) & mask; b ^= t; a ^= t << shift
          f.get(a).op(I32_CONST, shift);
          f.simd(I64X2_SHR_U);
          f.get(b);
          f.simd(V128_XOR);
          f.op(I32_CONST, ...sleb(mask));
          f.simd(I8X16_SPLAT);
          f.simd(V128_AND);
          f.set(tmp);
          this.bin(b, b, tmp, V128_XOR);
          f.get(a).get(tmp).op(I32_CONST, shift);
          f.simd(I64X2_SHL);
          f.simd(V128_XOR);
          f.set(a);
        }
      }
    }
  }

  /** Gates [from, to) of SubBytes (without the constant 0x63, folded into the round keys); the outputs into s after the last. */
  private subBytes(from: number, to: number): void {
    const gates = SBOX_CIRCUIT.gates;
    for (let i = from; i < to; i++) {
      const g = gates[i]!;
      for (const w of this.wires) this.bin(w[g.out]!, w[g.a]!, w[g.b]!, g.op === 'and' ? V128_AND : V128_XOR);
    }
    if (to < gates.length) return;
    this.wires.forEach((w, way) => SBOX_CIRCUIT.outputs.forEach((o, j) => this.f.get(w[o]!).set(this.s[way]![7 - j]!)));
  }

  /**
   * ShiftRows then MixColumns (§5.1.3): with a = ShiftRows(s) and t = a ⊕ rot1(a),
   * a' = 2·a ⊕ 3·rot1(a) ⊕ rot2(a) ⊕ rot3(a) = 2·t ⊕ rot1(a) ⊕ rot2(t); 2·t on bit
   * slices: bit 0 ← t_7, bit i ← t_{i-1} (⊕ t_7 for i = 1, 3, 4: x^8 = x^4 + x^3 + x + 1).
   */
  private shiftRowsMixColumns(): void {
    for (let i = 0; i < 8; i++) {
      for (let w = 0; w < this.ways; w++) {
        const s = this.s[w]!, t = this.t[w]!, r = this.r[w]!, tmp = this.tmp[w]!;
        this.swizzle(tmp, s[i]!, SHIFT_ROWS);
        this.swizzle(r[i]!, s[i]!, ROT1_SHIFT_ROWS);
        this.bin(t[i]!, tmp, r[i]!, V128_XOR);
      }
    }
    for (let i = 0; i < 8; i++) {
      for (let w = 0; w < this.ways; w++) {
        const s = this.s[w]!, t = this.t[w]!, r = this.r[w]!, tmp = this.tmp[w]!;
        this.shuffle(tmp, t[i]!, ROT2);
        this.bin(tmp, tmp, r[i]!, V128_XOR);
        this.bin(s[i]!, tmp, i === 0 ? t[7]! : t[i - 1]!, V128_XOR);
        if (i === 1 || i === 3 || i === 4) this.bin(s[i]!, s[i]!, t[7]!, V128_XOR);
      }
    }
  }
}

/** The counter at `counterAt` (16 bytes, big-endian) as two native i64 lanes [high 64 bits, low 64 bits], into local `base`. */
export function loadCounter(f: FunctionBuilder, counterAt: number, base: number): void {
  f.op(I32_CONST, 0);
  f.simd(V128_LOAD, 4, ...uleb(counterAt));
  f.set(base).get(base).get(base);
  f.simd(I8X16_SHUFFLE, ...BSWAP64);
  f.set(base);
}

export function ctrBody(keysAt: number, counterAt: number): Code {
  const f = new FunctionBuilder(3);
  const P = 0, N = 1, ROUNDS = 2;
  const two = new AesEmitter(f, keysAt, ROUNDS, 2);
  const one = new AesEmitter(f, keysAt, ROUNDS, 1);
  const base = f.local(V128);
  loadCounter(f, counterAt, base);
  // Sixteen blocks per step while more than eight are left, then (if any are) eight.
  f.op(0x02, EMPTY, LOOP, EMPTY);
  {
    f.get(N).op(I32_CONST, 8, I32_LE_S, BR_IF, 1);
    two.counters(base);
    two.encrypt();
    two.xorInto(P, N);
    f.get(P).op(I32_CONST, ...sleb(256), I32_ADD).set(P);
    f.get(N).op(I32_CONST, 16, I32_SUB).set(N);
    f.op(BR, 0);
  }
  f.op(END, END);
  f.get(N).op(I32_CONST, 0, I32_GT_S, IF, EMPTY);
  one.counters(base);
  one.encrypt();
  one.xorInto(P, N);
  f.op(END);
  return f.body();
}

const i64x2 = (lo: number, hi: number): number[] => [...le64(lo), ...le64(hi)];

/** Little-endian bytes of a small non-negative integer as a 64-bit lane. */
function le64(v: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  return out;
}
