/**
 * ChaCha20 (RFC 8439 §2.4) on WebAssembly SIMD, four blocks at a time
 * (chacha20-wasm-code.ts), for the portable provider's ChaCha20 stream: the
 * keystream of chacha20-poly1305@openssh.com wherever node:crypto's is not
 * used (`crypto: 'noble'`, and Bun, whose node:crypto has no ChaCha20).
 * Where WebAssembly SIMD is unavailable or the module fails its known
 * answers, `chacha20WasmAvailable()` is false and the provider keeps
 * @noble/ciphers' JavaScript ChaCha20.
 *
 * One instance (two 64 KiB pages, never grown) serves every key in the
 * thread: each call copies the input block (key, counter, nonce) and the data
 * into the memory, XORs the keystream there in chunks of at most 64 KiB
 * (whole groups of four blocks: a tail is zero-padded, its padding becomes
 * keystream, kept for the next call), copies it out, and zeroes the block and
 * the data in the memory.
 */
import { fromHex, toHex } from '../wire/bytes.ts';
import { ChaCha20Block } from './chacha20-block.ts';
import { xorBody } from './chacha20-wasm-code.ts';
import type { ChaCha20Stream } from './providers/primitives.ts';
import { I32, checkSpan, engineOnce, moduleBytes } from './wasm-emitter.ts';

/** Memory layout (bytes): the input block, then data chunks of whole 256-byte groups. */
const STATE_AT = 0;
const DATA_AT = 256;
export const CHUNK = 65536;
const PAGES = 2;
/** Blocks of a group: one per vector lane. */
const GROUP = 256;

export function chacha20ModuleBytes(): Uint8Array {
  return moduleBytes({
    types: [{ params: [I32, I32], results: [] }], // xor(p, groups)
    functions: [{ type: 0, body: xorBody(STATE_AT) }],
    memoryPages: PAGES,
    exports: [
      { name: 'xor', kind: 'func', index: 0 },
      { name: 'memory', kind: 'memory', index: 0 },
    ],
  });
}

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

export class ChaCha20Engine {
  readonly m8: Uint8Array;
  private readonly m32: Uint32Array;
  private readonly xorFn: (p: number, groups: number) => void;

  constructor(exports: Record<string, unknown>) {
    const buffer = (exports['memory'] as { buffer: ArrayBuffer }).buffer;
    // The memory never grows (no memory.grow anywhere), so these views stay valid.
    this.m8 = new Uint8Array(buffer);
    this.m32 = new Uint32Array(buffer);
    this.xorFn = exports['xor'] as ChaCha20Engine['xorFn'];
  }

  /**
   * XORs the keystream from block `counter` of (`key`, `nonce`: eight and three
   * words) into `src[srcOff .. srcOff+len)`, written to `dst[dstOff ..)`, for
   * 0 < len ≤ CHUNK. Returns the keystream's bytes of the last block past `len`
   * (the padding of a partial last block) in `rest`, and zeroes the memory used.
   */
  xor(key: Uint32Array, nonce: Uint32Array, counter: number, src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number, rest: Uint8Array): void {
    const m8 = this.m8, m32 = this.m32;
    const s = STATE_AT / 4;
    for (let i = 0; i < 4; i++) m32[s + i] = SIGMA[i]!;
    for (let i = 0; i < 8; i++) m32[s + 4 + i] = key[i]!;
    m32[s + 12] = counter;
    for (let i = 0; i < 3; i++) m32[s + 13 + i] = nonce[i]!;
    if (len <= 32) for (let i = 0; i < len; i++) m8[DATA_AT + i] = src[srcOff + i]!;
    else m8.set(src.subarray(srcOff, srcOff + len), DATA_AT);
    const groups = Math.ceil(len / GROUP);
    const end = DATA_AT + GROUP * groups;
    m8.fill(0, DATA_AT + len, end);
    this.xorFn(DATA_AT, groups);
    if (len <= 32) for (let i = 0; i < len; i++) dst[dstOff + i] = m8[DATA_AT + i]!;
    else dst.set(m8.subarray(DATA_AT, DATA_AT + len), dstOff);
    const tail = len % 64;
    if (tail !== 0) rest.set(m8.subarray(DATA_AT + len, DATA_AT + len - tail + 64), tail);
    m32.fill(0, s, s + 16);
    m8.fill(0, DATA_AT, end);
  }
}

/** The engine, or null where WebAssembly SIMD is unavailable or the module fails its known answers. */
export const chacha20Engine = engineOnce(chacha20ModuleBytes, (exports) => new ChaCha20Engine(exports), knownAnswers);

/** Whether ChaCha20 runs on WebAssembly here. */
export function chacha20WasmAvailable(): boolean {
  return chacha20Engine() !== null;
}

const le32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Blocks 0 .. 2^32−2 exist: like @noble/ciphers, block 2^32−1 is never used and the counter never wraps. */
const LAST_BLOCK = 2 ** 32 - 2;

/**
 * RFC 8439 §2.4 ChaCha20 under one key: 32-bit block counter, 96-bit nonce.
 * The keystream continues mid-block across calls (xorTo takes any length).
 * A call that would need block 2^32−1 or beyond throws a RangeError and
 * writes nothing (@noble/ciphers' chacha20, under NobleChaCha20, refuses
 * the same calls with an Error after writing the blocks before it).
 */
export class ChaCha20Wasm implements ChaCha20Stream {
  private readonly e: ChaCha20Engine;
  private readonly key = new Uint32Array(8);
  private readonly nonce = new Uint32Array(3);
  /** The next block to compute. */
  private counter = 0;
  /** Keystream of the block the last call ended inside; its last `left` bytes are unused. */
  private readonly ks = new Uint8Array(64);
  private left = 0;

  constructor(key: Uint8Array, e: ChaCha20Engine | null = chacha20Engine()) {
    if (e === null) throw new Error('chacha20: WebAssembly SIMD is unavailable in this runtime');
    if (key.length < 32) throw new RangeError(`chacha20: key of ${key.length} bytes, need 32`);
    this.e = e;
    for (let i = 0; i < 8; i++) this.key[i] = le32(key, 4 * i);
  }

  reset(nonce: Uint8Array, counter: number): void {
    if (nonce.length < 12) throw new RangeError(`chacha20: nonce of ${nonce.length} bytes, need 12`);
    if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError(`chacha20: block counter ${counter} is not a non-negative integer`);
    for (let i = 0; i < 3; i++) this.nonce[i] = le32(nonce, 4 * i);
    this.counter = counter;
    this.ks.fill(0);
    this.left = 0;
  }

  update(buf: Uint8Array, off: number, len: number): void {
    this.xorTo(buf, off, len, buf, off);
  }

  xorTo(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    checkSpan('chacha20 input', src, srcOff, len);
    checkSpan('chacha20 output', dst, dstOff, len);
    const fromKs = Math.min(len, this.left);
    const blocks = Math.ceil((len - fromKs) / 64);
    if (blocks > 0 && this.counter + blocks - 1 > LAST_BLOCK) {
      throw new RangeError(`chacha20: block ${this.counter + blocks - 1} is past the 32-bit counter's last block ${LAST_BLOCK}`);
    }
    // The rest of a block begun by the previous call.
    const ks = this.ks;
    for (let i = 0; i < fromKs; i++) {
      const at = 64 - this.left--;
      dst[dstOff++] = src[srcOff++]! ^ ks[at]!;
      ks[at] = 0;
    }
    len -= fromKs;
    for (let done = 0; done < len; ) {
      const n = Math.min(CHUNK, len - done);
      this.e.xor(this.key, this.nonce, this.counter, src, srcOff + done, n, dst, dstOff + done, ks);
      this.counter += Math.ceil(n / 64);
      done += n;
    }
    if (len % 64 !== 0) this.left = 64 - (len % 64);
  }

  dispose(): void {
    this.key.fill(0);
    this.nonce.fill(0);
    this.ks.fill(0);
    this.left = 0;
  }
}

/**
 * RFC 8439 §2.4.2 (114 bytes from block 1: lanes 0–2 of a group, the last
 * block partial), then every lane against the one-block JavaScript
 * ChaCha20 (chacha20-block.ts): blocks 254..261, two groups whose counter
 * lanes carry out of the low byte.
 */
function knownAnswers(e: ChaCha20Engine): boolean {
  const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = fromHex('000000000000004a00000000');
  const s = new ChaCha20Wasm(key, e);
  const buf = fromHex(
    '4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e',
  );
  s.reset(nonce, 1);
  s.update(buf, 0, buf.length);
  const vector = toHex(buf);
  const blocks = new Uint8Array(8 * 64);
  s.reset(nonce, 254);
  s.update(blocks, 0, blocks.length);
  s.dispose();
  const one = new ChaCha20Block(key);
  const each = new Uint8Array(8 * 64);
  for (let i = 0; i < 8; i++) one.xor(nonce, 254 + i, each, 64 * i, 64);
  one.dispose();
  return (
    vector ===
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d' &&
    toHex(blocks) === toHex(each)
  );
}
