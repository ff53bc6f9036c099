/**
 * SHA-256 and SHA-512 (FIPS 180-4) on WebAssembly, streaming: the
 * compression functions (sha2-wasm-code.ts) in one module assembled when
 * first used (wasm-emitter.ts; no .wasm file, no fetch), and `Sha2Wasm`, a
 * hash state that reads its input in updates of any size. The portable
 * provider's HMAC-SHA-256/512 run on it (sha2-wasm-hmac.ts); where
 * WebAssembly is unavailable or the module fails its known answers,
 * `sha2WasmAvailable()` is false and the provider keeps @noble/hashes.
 *
 * One instance (one 64 KiB page, never grown) serves every state in the
 * thread: each Sha2Wasm keeps its chaining value and partial block itself;
 * input is copied into the page in chunks, compressed there, and the chunk
 * and chaining value are zeroed after each call.
 */
import { toHex, utf8 } from '../wire/bytes.ts';
import { compressBody, sha2Variant, type Sha2Hash, type Sha2Variant } from './sha2-wasm-code.ts';
import { I32, checkSpan, engineOnce, moduleBytes } from './wasm-emitter.ts';

export type { Sha2Hash } from './sha2-wasm-code.ts';

// ------------------------------------------------------------ the module

/** Memory layout (bytes): the chaining value H, then input blocks up to the end of the page. */
const STATE_AT = 0;
const DATA_AT = 128;
const DATA_END = 65536; // DATA_END - DATA_AT is a multiple of both block sizes

export function sha2ModuleBytes(): Uint8Array {
  return moduleBytes({
    types: [{ params: [I32, I32], results: [] }], // compress(p, n)
    functions: [{ type: 0, body: compressBody(sha2Variant('sha256'), STATE_AT) }, { type: 0, body: compressBody(sha2Variant('sha512'), STATE_AT) }],
    memoryPages: 1,
    exports: [
      { name: 'sha256', kind: 'func', index: 0 },
      { name: 'sha512', kind: 'func', index: 1 },
      { name: 'memory', kind: 'memory', index: 0 },
    ],
  });
}

// ------------------------------------------------------------ the engine

type Compress = (p: number, n: number) => void;

export class Sha2Engine {
  readonly m8: Uint8Array;
  readonly view: DataView;
  private readonly m32: Int32Array;
  private readonly fns: Record<Sha2Hash, Compress>;

  constructor(exports: Record<string, unknown>) {
    const buffer = (exports['memory'] as { buffer: ArrayBuffer }).buffer;
    // The memory never grows (no memory.grow anywhere), so these views stay valid.
    this.m8 = new Uint8Array(buffer);
    this.m32 = new Int32Array(buffer);
    this.view = new DataView(buffer);
    this.fns = { sha256: exports['sha256'] as Compress, sha512: exports['sha512'] as Compress };
  }

  /**
   * Compresses the `n` ≥ 1 blocks at DATA_AT..end into the chaining value `h`
   * (a state's words as the module stores them), then zeroes the chaining
   * value and the blocks in the memory.
   */
  compress(hash: Sha2Hash, h: Int32Array, end: number, n: number): void {
    const m32 = this.m32;
    m32.set(h, STATE_AT / 4);
    this.fns[hash](DATA_AT, n);
    for (let i = 0; i < h.length; i++) {
      h[i] = m32[STATE_AT / 4 + i]!;
      m32[STATE_AT / 4 + i] = 0;
    }
    this.m8.fill(0, DATA_AT, end);
  }
}

/** The engine, or null where WebAssembly is unavailable or the module fails its known answers. */
export const sha2Engine = engineOnce(sha2ModuleBytes, (exports) => new Sha2Engine(exports), knownAnswers);

/** Whether SHA-256 and SHA-512 run on WebAssembly here. */
export function sha2WasmAvailable(): boolean {
  return sha2Engine() !== null;
}

// ------------------------------------------------------------ the hash

/** The initial hash value as the module stores it: 32-bit words, each 64-bit word low half first (little-endian memory). */
function ivWords(v: Sha2Variant): Int32Array {
  if (v.wordBytes === 4) return Int32Array.from(v.iv, (h) => Number(BigInt.asIntN(32, h)));
  return Int32Array.from(v.iv.flatMap((h) => [h & 0xffffffffn, h >> 32n]), (x) => Number(BigInt.asIntN(32, x)));
}

/**
 * One SHA-256 or SHA-512 message at a time: start, update…, end, then
 * digestInto. Any split of a message into updates gives the same digest;
 * nothing is allocated per call beyond a view for copying a chunk in.
 */
export class Sha2Wasm {
  readonly blockBytes: number;
  readonly digestBytes: number;
  private readonly e: Sha2Engine;
  /** The initial hash value (module layout). */
  private readonly iv: Int32Array;
  /** The chaining value H (module layout). */
  private readonly h: Int32Array;
  /** Input past the last whole block. */
  private readonly tail: Uint8Array;
  private tailLen = 0;
  /** Message bytes so far (including any block absorbed before `start`). */
  private total = 0;

  constructor(
    private readonly hash: Sha2Hash,
    e: Sha2Engine | null = sha2Engine(),
  ) {
    if (e === null) throw new Error(`${hash}: WebAssembly is unavailable in this runtime`);
    this.e = e;
    const v = sha2Variant(hash);
    this.blockBytes = v.blockBytes;
    this.digestBytes = v.digestBytes;
    this.iv = ivWords(v);
    this.h = new Int32Array(this.iv.length);
    this.tail = new Uint8Array(v.blockBytes);
    this.start();
  }

  /** Starts a message from the initial hash value (§5.3), or from `saved` (`save`) after `absorbed` bytes (whole blocks). */
  start(saved: Int32Array = this.iv, absorbed = 0): void {
    this.h.set(saved);
    this.tailLen = 0;
    this.total = absorbed;
  }

  /** Copies the chaining value (after whole blocks only: HMAC's keyed states). */
  save(into: Int32Array): void {
    into.set(this.h);
  }

  update(buf: Uint8Array, off: number, len: number): void {
    checkSpan(`${this.hash} input`, buf, off, len);
    this.total += len;
    const b = this.blockBytes;
    const tail = this.tail;
    const m8 = this.e.m8;
    let p = DATA_AT;
    if (this.tailLen > 0) {
      const n = Math.min(len, b - this.tailLen);
      for (let i = 0; i < n; i++) tail[this.tailLen + i] = buf[off + i]!;
      this.tailLen += n;
      off += n;
      len -= n;
      if (this.tailLen < b) return;
      m8.set(tail, p);
      p += b;
      this.tailLen = 0;
    }
    while (len >= b) {
      const n = Math.min(len - (len % b), DATA_END - p);
      m8.set(off === 0 && n === buf.length ? buf : buf.subarray(off, off + n), p);
      p += n;
      off += n;
      len -= n;
      if (p === DATA_END) {
        this.run(p);
        p = DATA_AT;
      }
    }
    if (p > DATA_AT) this.run(p);
    for (let i = 0; i < len; i++) tail[i] = buf[off + i]!;
    this.tailLen = len;
  }

  /** Pads the message (§5.1.1, §5.1.2) and compresses its last block(s): the state is then the digest. */
  end(): void {
    const { m8, view } = this.e;
    const b = this.blockBytes;
    const r = this.tailLen;
    for (let i = 0; i < r; i++) m8[DATA_AT + i] = this.tail[i]!;
    m8[DATA_AT + r] = 0x80;
    // The length field is 64 (SHA-256) or 128 (SHA-512) bits: b/8 bytes.
    const end = DATA_AT + (r + 1 + b / 8 > b ? 2 * b : b);
    m8.fill(0, DATA_AT + r + 1, end - 8);
    // The message length in bits, big-endian, in the last 8 bytes (exact for any byte count below 2^53).
    view.setUint32(end - 8, Math.floor(this.total / 2 ** 29));
    view.setUint32(end - 4, (this.total % 2 ** 29) * 8);
    this.run(end);
    this.tail.fill(0, 0, r);
    this.tailLen = 0;
  }

  /** Writes the digest (after `end`) big-endian to `out[outOff ..)`. */
  digestInto(out: Uint8Array, outOff: number): void {
    checkSpan(`${this.hash} output`, out, outOff, this.digestBytes);
    // A 64-bit word's high half is the following 32-bit word in the module layout.
    const swap = this.hash === 'sha512' ? 1 : 0;
    for (let i = 0; i < this.digestBytes / 4; i++) {
      const w = this.h[i ^ swap]!;
      const o = outOff + 4 * i;
      out[o] = w >>> 24;
      out[o + 1] = w >>> 16;
      out[o + 2] = w >>> 8;
      out[o + 3] = w;
    }
  }

  /** Compresses the blocks at DATA_AT..end. */
  private run(end: number): void {
    this.e.compress(this.hash, this.h, end, (end - DATA_AT) / this.blockBytes);
  }

  /** Zeroes the chaining value and buffered input. */
  wipe(): void {
    this.h.fill(0);
    this.tail.fill(0);
    this.tailLen = 0;
    this.total = 0;
  }
}

/**
 * FIPS 180-4 examples (NIST's "Example Algorithm" values): "abc" (one block)
 * and the 448/896-bit messages (two blocks after padding), in uneven updates.
 */
function knownAnswers(e: Sha2Engine): boolean {
  const digest = (hash: Sha2Hash, msg: string): string => {
    const s = new Sha2Wasm(hash, e);
    const bytes = utf8(msg);
    s.update(bytes, 0, 1);
    s.update(bytes, 1, bytes.length - 1);
    s.end();
    const out = new Uint8Array(s.digestBytes);
    s.digestInto(out, 0);
    s.wipe();
    return toHex(out);
  };
  return (
    digest('sha256', 'abc') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' &&
    digest('sha256', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq') === '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1' &&
    digest('sha512', 'abc') === ABC_512 &&
    digest('sha512', 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu') === TWO_BLOCKS_512
  );
}
const ABC_512 =
  'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
const TWO_BLOCKS_512 =
  '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909';
