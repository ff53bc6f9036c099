/**
 * A small WebAssembly binary emitter (WebAssembly Core Specification 2.0,
 * binary format §5): hopssh's WebAssembly modules (poly1305-wasm.ts,
 * aes-wasm-code.ts, ghash-wasm-code.ts, sha2-wasm-code.ts) are assembled
 * from instruction listings in TypeScript when first used — no build step,
 * no file or network fetch (DESIGN.md, "Crypto providers").
 */
import { concatBytes } from '../wire/bytes.ts';

/** Bytes of an instruction sequence, a type or a section. */
export type Code = number[];

// Types (§5.3).
export const I32 = 0x7f, I64 = 0x7e, V128 = 0x7b, EMPTY = 0x40, FUNC = 0x60;

// Instructions (§5.4): control, variables, memory, numeric.
export const LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
export const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
export const I32_LOAD = 0x28, I64_LOAD = 0x29, I64_LOAD32_U = 0x35, I32_STORE = 0x36, I64_STORE = 0x37, I64_STORE32 = 0x3e;
export const I32_CONST = 0x41, I64_CONST = 0x42;
export const I32_EQZ = 0x45, I32_NE = 0x47, I32_LT_S = 0x48, I32_LT_U = 0x49, I32_GT_S = 0x4a, I32_LE_S = 0x4c, I32_GE_S = 0x4e, I32_GE_U = 0x4f;
export const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHR_U = 0x76, I32_ROTR = 0x78;
export const I64_ADD = 0x7c, I64_MUL = 0x7e, I64_AND = 0x83, I64_OR = 0x84, I64_XOR = 0x85, I64_SHL = 0x86, I64_SHR_U = 0x88, I64_ROTR = 0x8a;
export const I64_EXTEND_I32_U = 0xad;

/** The SIMD prefix; each vector instruction is 0xfd then its opcode as unsigned LEB128 (§5.4.8). */
export const SIMD = 0xfd;
export const V128_LOAD = 0, V128_STORE = 11, V128_CONST = 12, I8X16_SHUFFLE = 13, I8X16_SWIZZLE = 14;
export const I8X16_SPLAT = 15, I32X4_SPLAT = 17, I64X2_SPLAT = 18, I64X2_EXTRACT_LANE = 29, I64X2_REPLACE_LANE = 30;
export const V128_NOT = 77, V128_AND = 78, V128_ANDNOT = 79, V128_OR = 80, V128_XOR = 81;
export const I16X8_SHR_U = 141, I64X2_SHL = 203, I64X2_SHR_U = 205, I64X2_ADD = 206;
// More control, conversion and vector instructions (i32x4 lanes, lane access, extended multiplies).
export const CALL = 0x10, I32_WRAP_I64 = 0xa7;
export const V128_LOAD32_ZERO = 92, I32X4_EXTRACT_LANE = 27, I32X4_REPLACE_LANE = 28;
export const I32X4_SHL = 171, I32X4_SHR_U = 173, I32X4_ADD = 174, I64X2_EXTMUL_LOW_I32X4_U = 222, I64X2_EXTMUL_HIGH_I32X4_U = 223;

/** LEB128 (§5.2.2): unsigned for sizes and indices, signed for constants. */
export function uleb(v: number): Code {
  const out: Code = [];
  do {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    out.push(v === 0 ? b : b | 0x80);
  } while (v !== 0);
  return out;
}
export function sleb(v: number): Code {
  const out: Code = [];
  for (;;) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
/** Signed LEB128 of a 64-bit pattern given as an unsigned bigint (an i64.const operand). */
export function sleb64(pattern: bigint): Code {
  let v = BigInt.asIntN(64, pattern);
  const out: Code = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
export const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
export const name = (s: string): Code => vec([...s].map((ch) => [ch.charCodeAt(0)]));

export const get = (x: number): Code => [LOCAL_GET, ...uleb(x)];
export const set = (x: number, v: Code): Code => [...v, LOCAL_SET, ...uleb(x)];

/** A function's body (§5.5.13): its locals as runs of one type, the instructions, `end`. */
export function functionBody(locals: [count: number, type: number][], code: Code): Code {
  return [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code, END];
}

/**
 * Builds one large function body imperatively: locals allocated as needed,
 * instructions appended to one array (the expression helpers above copy
 * arrays, which suits short listings only).
 */
export class FunctionBuilder {
  readonly code: Code = [];
  private readonly localTypes: number[] = [];

  /** `params`: how many parameters the function's type has (they are locals 0..params-1). */
  constructor(private readonly params: number) {}

  /** A new local of `type`; returns its index. */
  local(type: number): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }

  /** Appends instruction bytes. */
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  get(x: number): this {
    return this.op(LOCAL_GET, ...uleb(x));
  }

  /** A vector instruction with its immediates. */
  simd(opcode: number, ...immediates: number[]): this {
    return this.op(SIMD, ...uleb(opcode), ...immediates);
  }

  set(x: number): this {
    return this.op(LOCAL_SET, ...uleb(x));
  }

  /** The finished body: the locals in runs of one type, in the order allocated. */
  body(): Code {
    const runs: [number, number][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    return functionBody(runs, this.code);
  }
}

export interface ModuleSpec {
  /** Function types: parameter and result value types. */
  types: { params: number[]; results: number[] }[];
  /** Functions in index order: a type index and a body from `functionBody`. */
  functions: { type: number; body: Code }[];
  /** Pages (64 KiB) of the one memory, which has no maximum. */
  memoryPages: number;
  exports: { name: string; kind: 'func' | 'memory'; index: number }[];
}

/** The module (§5.5): type, function, memory, export and code sections. */
export function moduleBytes(spec: ModuleSpec): Uint8Array {
  const types = spec.types.map((t) => [FUNC, ...vec(t.params.map((p) => [p])), ...vec(t.results.map((r) => [r]))]);
  const exports = spec.exports.map((e) => [...name(e.name), e.kind === 'func' ? 0x00 : 0x02, ...uleb(e.index)]);
  const parts: Code[] = [
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    section(1, vec(types)),
    section(3, vec(spec.functions.map((f) => uleb(f.type)))),
    section(5, vec([[0x00, ...uleb(spec.memoryPages)]])),
    section(7, vec(exports)),
    section(10, vec(spec.functions.map((f) => [...uleb(f.body.length), ...f.body]))),
  ];
  return concatBytes(...parts.map((p) => Uint8Array.from(p)));
}

/** The few WebAssembly JS API members used (not in this project's TypeScript lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Compiles and instantiates `bytes` synchronously (no imports). Null where
 * this runtime has no WebAssembly or refuses the module (a CSP, --jitless,
 * an engine without the instructions it uses): callers fall back to JavaScript.
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    return new wasm.Instance(new wasm.Module(bytes), {}).exports;
  } catch {
    return null;
  }
}

/**
 * An engine built once per thread, on first use: the module `bytes()`
 * assembled and instantiated, `wrap` over its exports, then `knownAnswers`.
 * The returned function gives the engine, or null where the module does not
 * instantiate or gets an answer wrong (callers fall back to JavaScript).
 */
export function engineOnce<E>(bytes: () => Uint8Array, wrap: (exports: Record<string, unknown>) => E, knownAnswers: (engine: E) => boolean): () => E | null {
  let engine: E | null | undefined;
  return () => {
    if (engine !== undefined) return engine;
    engine = null;
    const exports = instantiate(bytes());
    if (exports === null) return null;
    const e = wrap(exports);
    if (knownAnswers(e)) engine = e;
    return engine;
  };
}

/** Throws a RangeError unless `[off, off+len)` lies inside `buf` (a copy would silently clamp). */
export function checkSpan(what: string, buf: Uint8Array, off: number, len: number): void {
  if (!(Number.isInteger(off) && Number.isInteger(len) && off >= 0 && len >= 0 && off + len <= buf.length)) {
    throw new RangeError(`${what}: [${off}, ${off}+${len}) is outside a ${buf.length}-byte buffer`);
  }
}
