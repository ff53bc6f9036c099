/**
 * Poly1305 (RFC 8439 §2.5) on WebAssembly: the block function runs on 64-bit
 * integer multiplies, which JavaScript lacks. The module is assembled here,
 * from the instruction listing in `blocksBody`, by the shared emitter
 * (wasm-emitter.ts; WebAssembly Core Specification 2.0, binary format §5),
 * when first used: no build step, no file or network fetch (DESIGN.md,
 * "Crypto providers").
 *
 * Arithmetic (poly1305-donna's 32-bit scheme): h, r and r^2 in five 26-bit
 * limbs; 2^130 ≡ 5 (mod p), so products past 2^130 use 5·r_j. Two blocks
 * per step, h = (h + m1)·r^2 + m2·r: with h_i + m_i < 2^27.01, a block's
 * limbs < 2^26, r and r^2 limbs < 2^26.01 (5× that < 2^28.33), one output
 * limb is below 2^57.7 + 2^56.7 < 2^58.3: exact in i64 (unsigned).
 *
 * One module instance (one 64 KiB memory page) serves every Poly1305Wasm in
 * the thread: each object keeps its own state and copies it in and out
 * around each call, and the memory's key state is zeroed after every call.
 * Input is copied into the page (it cannot be read where it lies) in chunks.
 */
import type { Poly1305 } from './poly1305.ts';
import { checkRange, readKey, writeTag, zero } from './poly1305-limbs.ts';
import {
  BR_IF, EMPTY, END, I32, I32_ADD, I32_CONST, I32_GE_U, I32_LT_U, I32_SUB, I64, I64_ADD, I64_AND, I64_CONST,
  I64_EXTEND_I32_U, I64_LOAD32_U, I64_MUL, I64_OR, I64_SHR_U, I64_STORE32, IF, LOCAL_GET, LOCAL_SET, LOOP,
  functionBody, get, instantiate, moduleBytes, set, sleb, uleb, type Code,
} from './wasm-emitter.ts';

// ------------------------------------------------------------ the module

/** Memory layout (bytes): h0..h4 then r0..r4 as uint32; input blocks from DATA to the end of the page. */
const H_AT = 0;
const R_AT = 20;
const DATA = 64;
const PAGE = 65536;

// Expressions: each pushes one i64.
const k = (v: number): Code => [I64_CONST, ...sleb(v)];
const op = (code: number) => (a: Code, b: Code): Code => [...a, ...b, code];
const add = op(I64_ADD), mul = op(I64_MUL), and = op(I64_AND), or = op(I64_OR), shr = op(I64_SHR_U);
const sum = (...xs: Code[]): Code => xs.reduce((a, b) => add(a, b));
/** i64.load32_u from local `p` + `offset` (alignment hint 1 byte: input may be anywhere). */
const load = (p: number, offset: number): Code => [LOCAL_GET, p, I64_LOAD32_U, 0, ...uleb(offset)];
/** i64.load32_u / i64.store32 of the state word at `at` (alignment 4). */
const loadState = (at: number): Code => [I32_CONST, 0, I64_LOAD32_U, 2, ...uleb(at)];
const storeState = (at: number, v: Code): Code => [I32_CONST, 0, ...v, I64_STORE32, 2, ...uleb(at)];

const M26 = 0x3ffffff;

/** d = a·b mod p, unreduced: d_k = Σ_{i+j=k} a_i·b_j + Σ_{i+j=k+5} a_i·(5·b_j). */
function product(a: (i: number) => Code, b: (j: number) => Code, b5: (j: number) => Code): Code[] {
  const d: Code[] = [];
  for (let kk = 0; kk < 5; kk++) {
    const terms: Code[] = [];
    for (let i = 0; i < 5; i++) {
      const j = kk - i;
      terms.push(j >= 0 ? mul(a(i), b(j)) : mul(a(i), b5(j + 5)));
    }
    d.push(sum(...terms));
  }
  return d;
}

/**
 * Carries the five locals `d` (each below 2^59) into 26-bit limbs in the locals `out`:
 * two chains side by side, d0→d1→d2→d3→d4 and d3→d4→(×5)d0→d1, so each
 * step is independent of the other's. out1 and out4 may exceed 26 bits by
 * a few bits of carry, which every bound here allows.
 */
function carry(d: number[], out: number[]): Code[] {
  const c = (x: Code) => shr(x, k(26));
  const lo = (x: Code) => and(x, k(M26));
  const [d0, d1, d2, d3, d4] = d.map(get) as [Code, Code, Code, Code, Code];
  const [o0, o1, o2, o3, o4] = out as [number, number, number, number, number];
  return [
    set(o0, lo(d0)), set(d[1]!, add(d1, c(d0))), set(o3, lo(d3)), set(d[4]!, add(d4, c(d3))),
    set(o1, lo(d1)), set(d[2]!, add(d2, c(d1))), set(o4, lo(d4)), set(o0, add(get(o0), mul(c(d4), k(5)))),
    set(o2, lo(d2)), set(o3, add(get(o3), c(d2))), set(o1, add(get(o1), c(get(o0)))), set(o0, lo(get(o0))),
    set(o4, add(get(o4), c(get(o3)))), set(o3, lo(get(o3))),
  ];
}

/**
 * blocks(p: i32, end: i32, hibit: i32): for each 16-byte block at p < end,
 * h = (h + block + hibit·2^128) · r mod p (partially reduced), with h and r
 * read from and written back to the state words. Two blocks per step where
 * it can, h = (h + m1)·r^2 + m2·r: the same multiplies, half the carry
 * chains, and the two products independent of each other. (Measured on
 * V8: four blocks per step, and sums as balanced trees, were slower.)
 */
function blocksBody(): Code {
  // Locals: params p, end, hibit (i32); then i64s.
  const P = 0, E = 1, HIBIT = 2;
  let next = 3;
  const five = () => [next++, next++, next++, next++, next++];
  const R = five(), S = five(), R2 = five(), S2 = five(), H = five(), M = five(), D = five();
  const HB = next++;
  const i64Locals = next - 3;
  const at = (xs: number[]) => (i: number) => get(xs[i]!);
  const code: Code[] = [];
  for (let j = 0; j < 5; j++) code.push(set(R[j]!, loadState(R_AT + 4 * j)), set(S[j]!, mul(get(R[j]!), k(5))));
  for (let i = 0; i < 5; i++) code.push(set(H[i]!, loadState(H_AT + 4 * i)));
  code.push(set(HB, [LOCAL_GET, HIBIT, I64_EXTEND_I32_U]));
  /** The block at p + offset as 26-bit limbs at bits 0, 26, 52, 78, 104, plus the 2^128 bit. */
  const limbs = (offset: number): Code[] => [
    and(load(P, offset), k(M26)),
    and(shr(load(P, offset + 3), k(2)), k(M26)),
    and(shr(load(P, offset + 6), k(4)), k(M26)),
    and(shr(load(P, offset + 9), k(6)), k(M26)),
    or(shr(load(P, offset + 12), k(8)), get(HB)),
  ];
  const absorb = (offset: number): Code[] => limbs(offset).map((m, i) => set(H[i]!, add(get(H[i]!), m)));
  // Pairs of blocks, while end - p ≥ 32.
  code.push([LOCAL_GET, E, LOCAL_GET, P, I32_SUB, I32_CONST, 32, I32_GE_U, IF, EMPTY]);
  product(at(R), at(R), at(S)).forEach((x, i) => code.push(set(D[i]!, x)));
  code.push(...carry(D, R2));
  for (let j = 0; j < 5; j++) code.push(set(S2[j]!, mul(get(R2[j]!), k(5))));
  code.push([LOOP, EMPTY]);
  code.push(...absorb(0));
  code.push(...limbs(16).map((m, i) => set(M[i]!, m)));
  const hr2 = product(at(H), at(R2), at(S2));
  const mr = product(at(M), at(R), at(S));
  for (let i = 0; i < 5; i++) code.push(set(D[i]!, add(hr2[i]!, mr[i]!)));
  code.push(...carry(D, H));
  code.push([LOCAL_GET, P, I32_CONST, 32, I32_ADD, LOCAL_SET, P, LOCAL_GET, E, LOCAL_GET, P, I32_SUB, I32_CONST, 32, I32_GE_U, BR_IF, 0, END]);
  code.push([END]);
  // One block left.
  code.push([LOCAL_GET, P, LOCAL_GET, E, I32_LT_U, IF, EMPTY]);
  code.push(...absorb(0));
  product(at(H), at(R), at(S)).forEach((x, i) => code.push(set(D[i]!, x)));
  code.push(...carry(D, H));
  code.push([END]);
  for (let i = 0; i < 5; i++) code.push(storeState(H_AT + 4 * i, get(H[i]!)));
  return functionBody([[i64Locals, I64]], code.flat());
}

/** The whole module: one function `blocks`, one exported memory page. */
export function poly1305ModuleBytes(): Uint8Array {
  return moduleBytes({
    types: [{ params: [I32, I32, I32], results: [] }], // (p, end, hibit) → ()
    functions: [{ type: 0, body: blocksBody() }],
    memoryPages: 1,
    exports: [{ name: 'blocks', kind: 'func', index: 0 }, { name: 'memory', kind: 'memory', index: 0 }],
  });
}

// ------------------------------------------------------------ the engine

interface Engine {
  blocks: (p: number, end: number, hibit: number) => void;
  m8: Uint8Array;
  m32: Int32Array;
}

let engine: Engine | null | undefined;

function getEngine(): Engine | null {
  if (engine !== undefined) return engine;
  // Null where compiling is disallowed (a CSP, --jitless, an embedder's policy): the JS implementation serves.
  const exports = instantiate(poly1305ModuleBytes());
  engine = null;
  if (exports === null) return null;
  const buffer = (exports['memory'] as { buffer: ArrayBuffer }).buffer;
  // The memory never grows (no memory.grow anywhere), so these views stay valid.
  engine = { blocks: exports['blocks'] as Engine['blocks'], m8: new Uint8Array(buffer), m32: new Int32Array(buffer) };
  return engine;
}

/** Whether this runtime can compile and run the module. */
export function wasmPoly1305Available(): boolean {
  return getEngine() !== null;
}

// ------------------------------------------------------------ the MAC

const HIBIT = 1 << 24;

export class Poly1305Wasm implements Poly1305 {
  private readonly e: Engine;
  /** h0..h4 then r0..r4 (the module's layout); h5..h9 double as writeTag's scratch. */
  private readonly st = new Int32Array(10);
  private readonly s = new Int32Array(4);
  private readonly words = new Int32Array(4);
  private readonly tail = new Uint8Array(16);
  private tailLen = 0;

  constructor() {
    const e = getEngine();
    if (e === null) throw new Error('Poly1305: WebAssembly is unavailable in this runtime');
    this.e = e;
  }

  init(key: Uint8Array, keyOff: number): void {
    checkRange('key', key, keyOff, 32);
    const w = this.words;
    const st = this.st;
    readKey(key, keyOff, w, this.s);
    for (let i = 0; i < 5; i++) st[i] = 0;
    st[5] = w[0]! & M26;
    st[6] = ((w[0]! >>> 26) | (w[1]! << 6)) & M26;
    st[7] = ((w[1]! >>> 20) | (w[2]! << 12)) & M26;
    st[8] = ((w[2]! >>> 14) | (w[3]! << 18)) & M26;
    st[9] = w[3]! >>> 8;
    zero(w);
    this.tailLen = 0;
  }

  update(buf: Uint8Array, off: number, len: number): void {
    checkRange('input', buf, off, len);
    const m8 = this.e.m8;
    const tail = this.tail;
    let p = DATA;
    if (this.tailLen > 0) {
      while (this.tailLen < 16 && len > 0) {
        tail[this.tailLen++] = buf[off++]!;
        len--;
      }
      if (this.tailLen < 16) return;
      m8.set(tail, p);
      p += 16;
      this.tailLen = 0;
    }
    while (len >= 16) {
      const n = Math.min(len & ~15, PAGE - p);
      copyIn(m8, p, buf, off, n);
      p += n;
      off += n;
      len -= n;
      if (p === PAGE) {
        this.run(p, HIBIT);
        p = DATA;
      }
    }
    if (p > DATA) this.run(p, HIBIT);
    for (let i = 0; i < len; i++) tail[this.tailLen++] = buf[off + i]!;
  }

  finish(out: Uint8Array, outOff: number): void {
    checkRange('output', out, outOff, 16);
    if (this.tailLen > 0) {
      // RFC 8439 §2.5.1: a short last block gets its 0x01 byte right after the data, no 2^128 bit.
      const m8 = this.e.m8;
      m8.set(this.tail, DATA);
      m8[DATA + this.tailLen] = 1;
      for (let i = DATA + this.tailLen + 1; i < DATA + 16; i++) m8[i] = 0;
      this.tailLen = 0;
      this.run(DATA + 16, 0);
    }
    writeTag(this.st, 5, 26, this.s, out, outOff);
    this.dispose();
  }

  dispose(): void {
    zero(this.st);
    zero(this.s);
    zero(this.tail);
    this.tailLen = 0;
  }

  /** Runs the blocks at DATA..end on this object's state; leaves no key state in the shared memory. */
  private run(end: number, hibit: number): void {
    const { m32, blocks } = this.e;
    const st = this.st;
    m32.set(st, 0);
    blocks(DATA, end, hibit);
    for (let i = 0; i < 5; i++) st[i] = m32[i]!;
    for (let i = 0; i < 10; i++) m32[i] = 0;
  }
}

/**
 * Copies `src[off .. off+n)` to `m8[at ..)`: a byte loop for one or two blocks,
 * else one memcpy through a view (a short-lived object, measured cheaper from
 * 48 bytes on than any copy without one: bench/results/poly1305.md).
 */
function copyIn(m8: Uint8Array, at: number, src: Uint8Array, off: number, n: number): void {
  if (n <= 32) for (let i = 0; i < n; i++) m8[at + i] = src[off + i]!;
  else m8.set(src.subarray(off, off + n), at);
}
