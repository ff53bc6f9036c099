/**
 * The WebAssembly engine behind AES-CTR and AES-GCM of the portable
 * provider (aes-ctr-wasm.ts, aes-gcm-wasm.ts): one module, assembled in
 * TypeScript when first used (wasm-emitter.ts), with the bitsliced AES-CTR
 * function (aes-wasm-code.ts), GHASH (ghash-wasm-code.ts) and both in one
 * pass (aes-gcm-wasm-code.ts), all constant time. It needs WebAssembly SIMD (Node ≥ 16.4, Deno, Bun); where the module
 * does not compile or fails its known answers, `aesWasmAvailable()` is false
 * and the provider keeps @noble/ciphers' AES (DESIGN.md, "Crypto providers").
 *
 * One instance (two 64 KiB pages, never grown) serves every key in the
 * thread. A key's bitsliced round keys and GHASH table are copied into the
 * memory when another key used it last; per-message state (counter, GHASH
 * accumulator) is copied in and out around each call. Data is copied in,
 * processed in place in chunks of at most 64 KiB, and copied out: one copy
 * each way. Chunks and per-message state are zeroed in the memory after each
 * operation; a key's schedule stays until another key or its dispose()
 * replaces it.
 */
import { fromHex, toHex } from '../wire/bytes.ts';
import { aesRounds, bitslicedRoundKeys, expandKey } from './aes-key-schedule.ts';
import { CTR_GHASH_SCRATCH, ctrGhashBody } from './aes-gcm-wasm-code.ts';
import { ctrBody } from './aes-wasm-code.ts';
import { GHASH_POWERS, GHASH_TABLE_POWER, ghashBody, ghashTable } from './ghash-wasm-code.ts';
import { I32, engineOnce, moduleBytes } from './wasm-emitter.ts';

// ------------------------------------------------------------ memory layout (bytes)

/** Bitsliced round keys: up to 15 round keys × 128 bytes. */
export const KEYS_AT = 0;
const MAX_KEYS = 15 * 128;
const COUNTER_AT = 1920;
const Y_AT = 1936;
/** The functions' scratch (masked pieces of a block, scheduling stores): per-call state, wiped after each call. */
const SCRATCH_AT = 1952;
export const TABLE_AT = SCRATCH_AT + CTR_GHASH_SCRATCH;
export const TABLE_BYTES = GHASH_POWERS * GHASH_TABLE_POWER;
/** One block of scratch: H, E_K(J0), a GCM lengths block, a completed partial block. */
export const BLOCK_AT = TABLE_AT + TABLE_BYTES;
/** Data chunks: DATA_AT .. DATA_AT + CHUNK. */
export const DATA_AT = 4096;
export const CHUNK = 65536;
const PAGES = 2;

export function aesWasmModuleBytes(): Uint8Array {
  return moduleBytes({
    types: [{ params: [I32, I32, I32], results: [] }, { params: [I32, I32], results: [] }, { params: [I32, I32, I32, I32], results: [] }],
    functions: [
      { type: 0, body: ctrBody(KEYS_AT, COUNTER_AT) }, // ctr(p, n, rounds)
      { type: 1, body: ghashBody(Y_AT, TABLE_AT, SCRATCH_AT) }, // ghash(p, n)
      { type: 2, body: ctrGhashBody(KEYS_AT, COUNTER_AT, Y_AT, TABLE_AT, SCRATCH_AT) }, // ctrGhash(pc, pg, groups, rounds)
    ],
    memoryPages: PAGES,
    exports: [
      { name: 'ctr', kind: 'func', index: 0 },
      { name: 'ghash', kind: 'func', index: 1 },
      { name: 'ctrGhash', kind: 'func', index: 2 },
      { name: 'memory', kind: 'memory', index: 0 },
    ],
  });
}

// ------------------------------------------------------------ the engine

/** The AES key (a CTR stream or a GCM key) whose schedule is in the memory. */
export interface KeyOwner {
  readonly roundKeys: Uint8Array;
  /** Its GHASH table (TABLE_BYTES), for GCM keys. */
  readonly ghashTable?: Uint8Array;
}

export class AesEngine {
  readonly m8: Uint8Array;
  readonly view: DataView;
  private owner: KeyOwner | null = null;
  private readonly ctrFn: (p: number, n: number, rounds: number) => void;
  private readonly ghashFn: (p: number, n: number) => void;
  private readonly ctrGhashFn: (pc: number, pg: number, groups: number, rounds: number) => void;

  constructor(exports: Record<string, unknown>) {
    const buffer = (exports['memory'] as { buffer: ArrayBuffer }).buffer;
    // The memory never grows (no memory.grow anywhere), so these views stay valid.
    this.m8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.ctrFn = exports['ctr'] as AesEngine['ctrFn'];
    this.ghashFn = exports['ghash'] as AesEngine['ghashFn'];
    this.ctrGhashFn = exports['ctrGhash'] as AesEngine['ctrGhashFn'];
  }

  /** Puts `key`'s round keys (and GHASH table) in the memory unless they are there already. */
  use(key: KeyOwner): void {
    if (this.owner === key) return;
    const m8 = this.m8;
    m8.set(key.roundKeys, KEYS_AT);
    // A longer schedule (or a table) of the previous key must not linger.
    m8.fill(0, KEYS_AT + key.roundKeys.length, KEYS_AT + MAX_KEYS);
    if (key.ghashTable) m8.set(key.ghashTable, TABLE_AT);
    else m8.fill(0, TABLE_AT, TABLE_AT + TABLE_BYTES);
    this.owner = key;
  }

  /** Zeroes `key`'s schedule in the memory if it is there (its dispose). */
  release(key: KeyOwner): void {
    if (this.owner !== key) return;
    this.m8.fill(0, KEYS_AT, KEYS_AT + key.roundKeys.length);
    if (key.ghashTable) this.m8.fill(0, TABLE_AT, TABLE_AT + TABLE_BYTES);
    this.owner = null;
  }

  /**
   * XORs the keystream from `counter` (16 bytes, big-endian) into the `n`
   * blocks at `p` with the schedule in use; the caller keeps n within the
   * low 64 bits of the counter (CtrCounter).
   */
  ctr(p: number, n: number, rounds: number, counter: Uint8Array): void {
    this.m8.set(counter, COUNTER_AT);
    this.ctrFn(p, n, rounds);
  }

  /** y ← GHASH_H(y; the `n` blocks at `p`) with the table in use; `y` is 16 bytes, updated in place. */
  ghash(p: number, n: number, y: Uint8Array): void {
    const m8 = this.m8;
    m8.set(y, Y_AT);
    this.ghashFn(p, n);
    for (let i = 0; i < 16; i++) y[i] = m8[Y_AT + i]!;
  }

  /**
   * Both at once over `groups` groups of 8 blocks: the keystream XORed into
   * the blocks at `pc`, the blocks at `pg` hashed into `y` — each group hashed
   * before its keystream is stored, so `pg` may equal `pc` (opening).
   */
  ctrGhash(pc: number, pg: number, groups: number, rounds: number, counter: Uint8Array, y: Uint8Array): void {
    const m8 = this.m8;
    m8.set(counter, COUNTER_AT);
    m8.set(y, Y_AT);
    this.ctrGhashFn(pc, pg, groups, rounds);
    for (let i = 0; i < 16; i++) y[i] = m8[Y_AT + i]!;
  }

  /**
   * The GHASH table for a GCM key (TABLE_BYTES): H = E_K(0^128), then H^1 from H
   * and each next power as GHASH of one zero block from Y = the previous power
   * with the table built so far. Leaves no key material in the memory.
   */
  ghashKey(roundKeys: Uint8Array, rounds: number): Uint8Array {
    const m8 = this.m8;
    const key = { roundKeys };
    const power = new Uint8Array(16);
    this.use(key);
    m8.fill(0, BLOCK_AT, BLOCK_AT + 16);
    this.ctr(BLOCK_AT, 1, rounds, power); // counter 0: H = E_K(0^128)
    power.set(m8.subarray(BLOCK_AT, BLOCK_AT + 16));
    this.release(key);
    const table = new Uint8Array(TABLE_BYTES);
    const tv = new DataView(table.buffer);
    ghashTable(power, 0, tv, 0);
    for (let q = 1; q < GHASH_POWERS; q++) {
      m8.set(table.subarray(0, GHASH_TABLE_POWER), TABLE_AT);
      m8.fill(0, BLOCK_AT, BLOCK_AT + 16);
      this.ghash(BLOCK_AT, 1, power); // (power ⊕ 0)·H
      ghashTable(power, 0, tv, q * GHASH_TABLE_POWER);
    }
    power.fill(0);
    m8.fill(0, TABLE_AT, TABLE_AT + GHASH_TABLE_POWER);
    this.wipe(0);
    return table;
  }

  /** Copies `src[srcOff .. srcOff+n)` to DATA_AT and zeroes the rest of its last block. */
  load(src: Uint8Array, srcOff: number, n: number): void {
    const m8 = this.m8;
    if (n <= 32) for (let i = 0; i < n; i++) m8[DATA_AT + i] = src[srcOff + i]!;
    else m8.set(src.subarray(srcOff, srcOff + n), DATA_AT);
    for (let i = DATA_AT + n; (i & 15) !== 0; i++) m8[i] = 0;
  }

  /** Copies `n` bytes from DATA_AT to `dst[dstOff ..)`. */
  unload(dst: Uint8Array, dstOff: number, n: number): void {
    const m8 = this.m8;
    if (n <= 32) for (let i = 0; i < n; i++) dst[dstOff + i] = m8[DATA_AT + i]!;
    else dst.set(m8.subarray(DATA_AT, DATA_AT + n), dstOff);
  }

  /** Zeroes the first `n` data bytes (rounded up to whole blocks) and the per-call state. */
  wipe(n: number): void {
    const end = DATA_AT + ((n + 15) & ~15);
    if (n > 64) this.m8.fill(0, DATA_AT, end);
    else for (let i = DATA_AT; i < end; i++) this.m8[i] = 0;
    this.m8.fill(0, COUNTER_AT, TABLE_AT);
    this.m8.fill(0, BLOCK_AT, BLOCK_AT + 16);
  }
}

/** A big-endian counter block, advanced as the keystream is used. */
export class CtrCounter {
  readonly block = new Uint8Array(16);

  /**
   * Blocks left before the low 64 bits wrap (at least 1), or Infinity when
   * over 2^32: the engine increments only those bits.
   */
  room(): number {
    const b = this.block;
    if ((b[8]! & b[9]! & b[10]! & b[11]!) !== 0xff) return Infinity;
    return 2 ** 32 - (((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0);
  }

  /** Adds `n` (< 2^32) to the counter: all 128 bits, or (inc32, SP 800-38D §6.2) the last 32 only. */
  add(n: number, lastWordOnly: boolean): void {
    const b = this.block;
    let carry = n;
    const stop = lastWordOnly ? 12 : 0;
    for (let i = 15; i >= stop && carry !== 0; i--) {
      const v = b[i]! + (carry % 256);
      b[i] = v & 0xff;
      carry = Math.floor(carry / 256) + (v >> 8);
    }
  }

  wipe(): void {
    this.block.fill(0);
  }
}


/** The engine, or null where WebAssembly SIMD is unavailable or the module fails its known answers. */
export const aesEngine = engineOnce(aesWasmModuleBytes, (exports) => new AesEngine(exports), knownAnswers);

/** The engine and a key's bitsliced schedule, for a mode's constructor; throws where the engine is unavailable. */
export function keyOnEngine(mode: string, key: Uint8Array): { e: AesEngine; rounds: number; roundKeys: Uint8Array } {
  const e = aesEngine();
  if (e === null) throw new Error(`${mode}: WebAssembly SIMD is unavailable in this runtime`);
  const rounds = aesRounds(key.length);
  const expanded = expandKey(key);
  const roundKeys = bitslicedRoundKeys(expanded);
  expanded.fill(0);
  return { e, rounds, roundKeys };
}

/** Whether AES-CTR and AES-GCM run on WebAssembly here. */
export function aesWasmAvailable(): boolean {
  return aesEngine() !== null;
}

/**
 * FIPS 197 Appendix C.1 and C.3 (AES-128 and AES-256 on one block: the
 * keystream for counter = the plaintext), then GHASH under the AES-128 key
 * of the GCM specification's test case 2 (H = E_K(0^128)) over its
 * ciphertext and lengths; over eleven blocks at once (a step of eight, one
 * of three) against one at a time; and ctrGhash over two groups against
 * ghash then ctr over the same sixteen blocks.
 */
function knownAnswers(e: AesEngine): boolean {
  const block = new Uint8Array(16);
  const counter = new CtrCounter();
  const encrypt = (key: string, plain: string): string => {
    const owner = { roundKeys: bitslicedRoundKeys(expandKey(fromHex(key))) };
    e.use(owner);
    counter.block.set(fromHex(plain));
    e.m8.fill(0, DATA_AT, DATA_AT + 16);
    e.ctr(DATA_AT, 1, aesRounds(fromHex(key).length), counter.block);
    block.set(e.m8.subarray(DATA_AT, DATA_AT + 16));
    e.release(owner);
    return toHex(block);
  };
  const ok =
    encrypt('000102030405060708090a0b0c0d0e0f', '00112233445566778899aabbccddeeff') === '69c4e0d86a7b0430d8cdb78070b4c55a' &&
    encrypt('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '00112233445566778899aabbccddeeff') === '8ea2b7ca516745bfeafc49904b496089';
  if (!ok) return false;
  // GCM spec test case 2: K = 0^128, so H = 66e94bd4…; GHASH_H(C ‖ lengths) before E_K(J0) is f38cbb1a….
  const key = { roundKeys: bitslicedRoundKeys(expandKey(new Uint8Array(16))) };
  Object.assign(key, { ghashTable: e.ghashKey(key.roundKeys, 10) });
  e.use(key);
  const y = new Uint8Array(16);
  e.m8.set(fromHex('0388dace60b6a392f328c2b971b2fe78' + '00000000000000000000000000000080'), DATA_AT);
  e.ghash(DATA_AT, 2, y);
  const one = toHex(y);
  const fill = (blocks: number) => {
    for (let i = 0; i < 16 * blocks; i++) e.m8[DATA_AT + i] = (i * 157 + 11) & 0xff;
  };
  // Eleven blocks at once against one at a time.
  fill(11);
  y.fill(0);
  e.ghash(DATA_AT, 11, y);
  const eleven = toHex(y);
  y.fill(0);
  for (let i = 0; i < 11; i++) e.ghash(DATA_AT + 16 * i, 1, y);
  const elevenOneByOne = toHex(y);
  // Two groups hashed and decrypted in one pass against the two passes.
  const start = fromHex('000102030405060708090a0bfffffff0');
  fill(16);
  y.fill(0);
  e.ghash(DATA_AT, 16, y);
  e.ctr(DATA_AT, 16, 10, start);
  const twoPasses = toHex(y) + toHex(e.m8.subarray(DATA_AT, DATA_AT + 256));
  fill(16);
  y.fill(0);
  e.ctrGhash(DATA_AT, DATA_AT, 2, 10, start, y);
  const onePass = toHex(y) + toHex(e.m8.subarray(DATA_AT, DATA_AT + 256));
  e.release(key);
  e.wipe(256);
  return one === 'f38cbb1ad69223dcc3457ae5b6b0f885' && eleven === elevenOneByOne && onePass === twoPasses;
}
