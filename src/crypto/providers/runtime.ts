/**
 * The runtime provider: the built-in `node:crypto` of Node, Bun and Deno
 * (OpenSSL/BoringSSL/Rust backends), far faster than pure JS for bulk ciphers.
 * Support is uneven (Bun has no ChaCha20 in createCipheriv), so every
 * primitive is self-tested before use (select.ts). This is one of the few
 * files under src/crypto allowed to touch `node:*` (DESIGN.md, "Layers").
 *
 * node:crypto has no "update into a target" API: each call returns a fresh
 * buffer, which the detached methods (openDetached, xorDetached) hand over as
 * it is and the others copy back in place (or, for xorTo, into the target).
 * Packets that straddle reads are gathered and opened detached, rather than
 * in pieces each copied back: the same one copy, one runtime call less. Poly1305 is not exposed, so chacha20-poly1305@openssh.com pairs
 * this ChaCha20 with hopssh's own Poly1305 (poly1305.ts).
 */
import type {
  AesCtrStream,
  AesGcmKey,
  ChaCha20Stream,
  HmacHash,
  HmacKey,
  PrimitiveProvider,
} from './primitives.ts';
import { runtimeModule, runtimeModuleLoaded, runtimeModuleState, type RuntimeModuleState } from './runtime-module.ts';

/** The part of node:crypto used here, typed structurally so src needs no @types/node. */
interface NodeCipher {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  setAAD(aad: Uint8Array): unknown;
  getAuthTag(): Uint8Array;
  setAuthTag(tag: Uint8Array): unknown;
}
interface NodeHmac {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}
interface NodeCrypto {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options?: { authTagLength: number }): NodeCipher;
  createHmac(algorithm: string, key: Uint8Array): NodeHmac;
}

type LoadState = RuntimeModuleState;

/** Resolves once node:crypto has been loaded or found absent (runtime-module.ts). */
export const runtimeLoaded: Promise<void> = runtimeModuleLoaded;

function isNodeCrypto(m: unknown): m is NodeCrypto {
  const c = m as Partial<NodeCrypto> | undefined;
  return typeof c?.createCipheriv === 'function' && typeof c.createDecipheriv === 'function' && typeof c.createHmac === 'function';
}

/** Whether node:crypto (with the ciphers used here) is loaded, still loading, or absent on this runtime. */
export function runtimeState(): LoadState {
  const s = runtimeModuleState();
  return s === 'loaded' && !isNodeCrypto(runtimeModule()) ? 'absent' : s;
}

let nodeCrypto: NodeCrypto | undefined;

function lib(): NodeCrypto {
  if (nodeCrypto) return nodeCrypto;
  const m = runtimeModule();
  if (!isNodeCrypto(m)) throw new Error('node:crypto is not available on this runtime');
  return (nodeCrypto = m);
}

const view = (buf: Uint8Array, off: number, len: number): Uint8Array =>
  off === 0 && len === buf.length ? buf : buf.subarray(off, off + len);

/**
 * `cipher.update(input)`: a stream cipher's output is as long as its input (a
 * runtime that held some back would corrupt the packet, so that is an error).
 */
function updated(cipher: NodeCipher, what: string, input: Uint8Array): Uint8Array {
  if (input.length === 0) return new Uint8Array(0);
  const out = cipher.update(input);
  if (out.length !== input.length) throw new Error(`${what}: the runtime returned ${out.length} bytes for ${input.length}`);
  return out;
}

/**
 * The output as a plain Uint8Array: a node Buffer's slice() is a view, not
 * the copy the layers above take with it (as io/node-socket.ts hands them plain views too).
 */
const handedOver = (out: Uint8Array): Uint8Array => new Uint8Array(out.buffer, out.byteOffset, out.length);

/** `cipher.update(src[srcOff .. srcOff+len))` written to `dst[dstOff ..)`. */
function updateTo(cipher: NodeCipher, what: string, src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
  if (len > 0) dst.set(updated(cipher, what, view(src, srcOff, len)), dstOff);
}

/** AES-CTR: one stateful OpenSSL context per direction; the keystream continues across packets. */
class RuntimeAesCtr implements AesCtrStream {
  private cipher: NodeCipher | undefined;

  constructor(bits: number, key: Uint8Array, iv: Uint8Array) {
    this.cipher = lib().createCipheriv(`aes-${bits}-ctr`, key, iv.subarray(0, 16));
  }

  update(buf: Uint8Array, off: number, len: number): void {
    if (len % 16 !== 0) throw new RangeError(`aes-ctr: length ${len} is not a multiple of 16`);
    updateTo(this.cipher!, 'aes-ctr', buf, off, len, buf, off);
  }

  xorTo(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    updateTo(this.cipher!, 'aes-ctr', src, srcOff, len, dst, dstOff);
  }

  dispose(): void {
    this.cipher = undefined;
  }
}

/** AES-GCM (NIST SP 800-38D): one OpenSSL context per message (the IV changes every packet). */
class RuntimeAesGcm implements AesGcmKey {
  private readonly key: Uint8Array;
  private readonly algorithm: string;

  constructor(key: Uint8Array) {
    this.key = key.slice();
    this.algorithm = `aes-${key.length * 8}-gcm`;
  }

  seal(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): void {
    const c = lib().createCipheriv(this.algorithm, this.key, iv.subarray(0, 12), { authTagLength: 16 });
    if (aadLen > 0) c.setAAD(buf.subarray(off, off + aadLen));
    if (len > 0) buf.set(c.update(buf.subarray(off + aadLen, off + aadLen + len)), off + aadLen);
    c.final();
    buf.set(c.getAuthTag(), off + aadLen + len);
  }

  open(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): boolean {
    const plain = this.openDetached(iv, buf, off, aadLen, len);
    if (!plain) return false;
    buf.set(plain, off + aadLen);
    plain.fill(0);
    return true;
  }

  /** node's output is a fresh buffer: handed over as it is, once final() has verified the tag. */
  openDetached(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): Uint8Array | undefined {
    const tagOff = off + aadLen + len;
    const d = lib().createDecipheriv(this.algorithm, this.key, iv.subarray(0, 12), { authTagLength: 16 });
    d.setAuthTag(buf.subarray(tagOff, tagOff + 16));
    if (aadLen > 0) d.setAAD(buf.subarray(off, off + aadLen));
    const plain = handedOver(updated(d, this.algorithm, buf.subarray(off + aadLen, tagOff)));
    try {
      d.final();
    } catch {
      plain.fill(0);
      return undefined;
    }
    return plain;
  }

  dispose(): void {
    this.key.fill(0);
  }
}

/**
 * ChaCha20 as OpenSSL exposes it: the 16-byte IV is the initial state words
 * 12..15, i.e. the 32-bit little-endian block counter ‖ the 96-bit nonce (RFC 8439 §2.3).
 */
class RuntimeChaCha20 implements ChaCha20Stream {
  private readonly key: Uint8Array;
  private readonly iv = new Uint8Array(16);
  private cipher: NodeCipher | undefined;

  constructor(key: Uint8Array) {
    this.key = key.slice(0, 32);
  }

  reset(nonce: Uint8Array, counter: number): void {
    const iv = this.iv;
    iv[0] = counter;
    iv[1] = counter >>> 8;
    iv[2] = counter >>> 16;
    iv[3] = counter >>> 24;
    iv.set(nonce.subarray(0, 12), 4);
    this.cipher = lib().createCipheriv('chacha20', this.key, iv);
  }

  update(buf: Uint8Array, off: number, len: number): void {
    updateTo(this.cipher!, 'chacha20', buf, off, len, buf, off);
  }

  xorDetached(src: Uint8Array, srcOff: number, len: number): Uint8Array {
    return handedOver(updated(this.cipher!, 'chacha20', view(src, srcOff, len)));
  }

  dispose(): void {
    this.key.fill(0);
    this.iv.fill(0);
    this.cipher = undefined;
  }
}

/** RFC 2104 HMAC: one OpenSSL context per message. */
class RuntimeHmac implements HmacKey {
  readonly length: number;
  private readonly key: Uint8Array;
  private h: NodeHmac | undefined;

  constructor(
    private readonly hash: HmacHash,
    key: Uint8Array,
  ) {
    this.key = key.slice();
    this.length = hash === 'sha1' ? 20 : hash === 'sha256' ? 32 : 64;
  }

  begin(): void {
    this.h = lib().createHmac(this.hash, this.key);
  }

  update(buf: Uint8Array, off: number, len: number): void {
    this.h!.update(view(buf, off, len));
  }

  finish(out: Uint8Array, outOff: number): void {
    const d = this.h!.digest();
    this.h = undefined;
    if (d.length !== this.length) throw new Error(`hmac-${this.hash}: unexpected digest length ${d.length}`);
    out.set(d, outOff);
  }

  dispose(): void {
    this.key.fill(0);
    this.h = undefined;
  }
}

/** The node:crypto provider. Its constructors throw when node:crypto is absent; select.ts self-tests them first. */
export const runtimeProvider: PrimitiveProvider = {
  name: 'runtime',
  aesCtr: (key, iv) => new RuntimeAesCtr(key.length * 8, key, iv),
  aesGcm: (key) => new RuntimeAesGcm(key),
  chacha20: (key) => new RuntimeChaCha20(key),
  hmac: (hash, key) => new RuntimeHmac(hash, key),
};
