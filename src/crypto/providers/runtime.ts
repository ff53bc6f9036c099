/**
 * The runtime provider: the built-in `node:crypto` of Node, Bun and Deno
 * (OpenSSL/BoringSSL/Rust backends), far faster than pure JS for bulk ciphers.
 * Support is uneven (Bun has no ChaCha20 in createCipheriv), so every
 * primitive is self-tested before use (select.ts). This is one of the few
 * files under src/crypto allowed to touch `node:*` (DESIGN.md, "Layers").
 *
 * node:crypto has no "update into a target" API: each call returns a fresh
 * buffer that is copied back in place (or, for the src → dst methods, into
 * the target). Its ciphers are streams, so those methods take pieces of any
 * length. Poly1305 is not exposed, so chacha20-poly1305@openssh.com pairs
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
 * `cipher.update(src[srcOff .. srcOff+len))` written to `dst[dstOff ..)`: a
 * stream cipher's output is as long as its input (a runtime that held some
 * back would corrupt the packet, so that is an error).
 */
function updateTo(cipher: NodeCipher, what: string, src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
  if (len === 0) return;
  const out = cipher.update(view(src, srcOff, len));
  if (out.length !== len) throw new Error(`${what}: the runtime returned ${out.length} bytes for ${len}`);
  dst.set(out, dstOff);
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
  /** The open in pieces under way (beginOpen … endOpen). */
  private decipher: NodeCipher | undefined;

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
    const tagOff = off + aadLen + len;
    const d = lib().createDecipheriv(this.algorithm, this.key, iv.subarray(0, 12), { authTagLength: 16 });
    d.setAuthTag(buf.subarray(tagOff, tagOff + 16));
    if (aadLen > 0) d.setAAD(buf.subarray(off, off + aadLen));
    // The plaintext goes to a fresh buffer and reaches `buf` only once final() has verified the tag.
    const plain = len > 0 ? d.update(buf.subarray(off + aadLen, tagOff)) : undefined;
    try {
      d.final();
    } catch {
      plain?.fill(0);
      return false;
    }
    if (plain) {
      buf.set(plain, off + aadLen);
      plain.fill(0);
    }
    return true;
  }

  /** node's Decipheriv is a stream: update() gives the plaintext of each piece, final() checks the tag (set late, as GCM allows). */
  beginOpen(iv: Uint8Array, aad: Uint8Array, aadOff: number, aadLen: number): void {
    const d = lib().createDecipheriv(this.algorithm, this.key, iv.subarray(0, 12), { authTagLength: 16 });
    if (aadLen > 0) d.setAAD(aad.subarray(aadOff, aadOff + aadLen));
    this.decipher = d;
  }

  openPiece(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    updateTo(this.decipher!, this.algorithm, src, srcOff, len, dst, dstOff);
  }

  endOpen(tag: Uint8Array, tagOff: number): boolean {
    const d = this.decipher!;
    this.decipher = undefined;
    d.setAuthTag(tag.subarray(tagOff, tagOff + 16));
    try {
      d.final();
    } catch {
      return false;
    }
    return true;
  }

  dispose(): void {
    this.key.fill(0);
    this.decipher = undefined;
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

  xorTo(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    updateTo(this.cipher!, 'chacha20', src, srcOff, len, dst, dstOff);
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
