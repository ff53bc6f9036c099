/**
 * aes128-gcm@openssh.com, aes256-gcm@openssh.com: RFC 5647 as amended by
 * OpenSSH PROTOCOL §1.6. packet_length is sent in clear and is the AAD; the
 * rest of the packet is encrypted; the tag is 16 bytes. The 12-byte IV is a
 * 4-byte fixed field ‖ an 8-byte invocation counter, incremented (mod 2^64)
 * after every packet (RFC 5647 §7.1).
 */
import { readUint32 } from '../wire/bytes.ts';
import { MacError } from './errors.ts';
import { usedAfterDispose } from './disposed.ts';
import { PacketPieces } from './packet-pieces.ts';
import type { AesGcmKey, PrimitiveProvider } from './providers/primitives.ts';
import type { PacketOpener, PacketSealer } from './types.ts';

const TAG = 16;

/** Per-direction state: the keyed GCM and the IV with its invocation counter. */
class GcmCore {
  readonly gcm: AesGcmKey;
  readonly iv = new Uint8Array(12);

  constructor(p: PrimitiveProvider, key: Uint8Array, iv: Uint8Array) {
    this.gcm = p.aesGcm!(key);
    this.iv.set(iv.subarray(0, 12));
  }

  /** RFC 5647 §7.1: the invocation counter is the last 8 bytes, big-endian. */
  nextIv(): void {
    const iv = this.iv;
    for (let i = 11; i >= 4; i--) {
      iv[i] = (iv[i]! + 1) & 0xff;
      if (iv[i] !== 0) break;
    }
  }

  dispose(): void {
    this.gcm.dispose();
    this.iv.fill(0);
  }
}

export class AesGcmSealer implements PacketSealer {
  readonly description: string;
  private disposed = false;
  readonly blockSize = 16;
  readonly tagLength = TAG;
  readonly lengthExcludedFromPadding = true;
  private readonly core: GcmCore;

  constructor(name: string, p: PrimitiveProvider, key: Uint8Array, iv: Uint8Array) {
    this.core = new GcmCore(p, key, iv);
    this.description = `${name} (${p.name})`;
  }

  seal(_seq: number, buf: Uint8Array, off: number, len: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    this.core.gcm.seal(this.core.iv, buf, off, 4, len - 4);
    this.core.nextIv();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.dispose();
  }
}

export class AesGcmOpener implements PacketOpener {
  readonly description: string;
  private disposed = false;
  readonly blockSize = 16;
  readonly tagLength = TAG;
  readonly lengthBytes = 4;
  private readonly core: GcmCore;
  private readonly pieces: PacketPieces;

  constructor(
    private readonly name: string,
    p: PrimitiveProvider,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    this.core = new GcmCore(p, key, iv);
    this.description = `${name} (${p.name})`;
    this.pieces = new PacketPieces(this.description, TAG);
    if (this.core.gcm.openDetached) this.openDetached = this.openToOwnBuffer;
  }

  readonly openDetached?: (seq: number, buf: Uint8Array, off: number, packetLength: number) => Uint8Array;

  decryptLength(_seq: number, buf: Uint8Array, off: number): number {
    if (this.disposed) throw usedAfterDispose(this.description);
    return readUint32(buf, off);
  }

  open(seq: number, buf: Uint8Array, off: number, packetLength: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    if (!this.core.gcm.open(this.core.iv, buf, off, 4, packetLength)) throw new MacError(this.name, seq);
    this.core.nextIv();
  }

  /** packet_length is the AAD, as in `open`; the plaintext stays in the provider's own output buffer. */
  private openToOwnBuffer(seq: number, buf: Uint8Array, off: number, packetLength: number): Uint8Array {
    if (this.disposed) throw usedAfterDispose(this.description);
    const plain = this.core.gcm.openDetached!(this.core.iv, buf, off, 4, packetLength);
    if (!plain) throw new MacError(this.name, seq);
    this.core.nextIv();
    return plain;
  }

  /**
   * In pieces where the provider's GCM streams (beginOpen): packet_length is
   * the AAD, as in `open`. Not where it opens detached: its pieces would each
   * be copied back, no fewer copies than gathering the ciphertext first.
   */
  beginPieces(seq: number, head: Uint8Array, headOff: number, packetLength: number): boolean {
    if (this.disposed) throw usedAfterDispose(this.description);
    const gcm = this.core.gcm;
    if (!gcm.beginOpen || this.openDetached) return false;
    gcm.beginOpen(this.core.iv, head, headOff, 4);
    this.pieces.begin(seq, packetLength);
    return true;
  }

  piece(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const body = this.pieces.take(src, srcOff, len);
    if (body > 0) this.core.gcm.openPiece!(src, srcOff, body, dst, dstOff);
  }

  /** packet_length is never encrypted: the packet's buffer already holds it as received. */
  endPieces(_dst: Uint8Array, _dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const pieces = this.pieces;
    pieces.end();
    const ok = this.core.gcm.endOpen!(pieces.tag, 0);
    pieces.wipe();
    if (!ok) throw new MacError(this.name, pieces.seq);
    this.core.nextIv();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.dispose();
    this.pieces.wipe();
  }
}
