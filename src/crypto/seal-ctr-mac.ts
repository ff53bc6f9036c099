/**
 * aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344 §4) with an HMAC (RFC 4253
 * §6.4, RFC 6668) in one of two arrangements:
 * - etm (OpenSSH PROTOCOL §1.5): packet_length in clear, the rest encrypted,
 *   MAC over uint32(seq) ‖ packet_length ‖ ciphertext; verified before decryption.
 * - classic: the whole packet encrypted, MAC over uint32(seq) ‖ plaintext
 *   packet; the first block is decrypted to read the length, and the MAC can
 *   only be checked after decryption.
 * The CTR keystream continues from packet to packet (RFC 4344 §4), so every
 * encrypted span is a whole number of 16-byte blocks.
 */
import { readUint32, writeUint32 } from '../wire/bytes.ts';
import { equalAt } from './constant-time.ts';
import { MacError } from './errors.ts';
import { usedAfterDispose } from './disposed.ts';
import { PacketPieces } from './packet-pieces.ts';
import type { AesCtrStream, HmacKey, PrimitiveProvider } from './providers/primitives.ts';
import type { MacInfo, PacketOpener, PacketSealer } from './types.ts';

const BLOCK = 16;

/** The parts of a CTR+MAC direction: cipher stream, keyed MAC and scratch. */
export interface CtrMacParts {
  cipherName: string;
  mac: MacInfo;
  ctr: AesCtrStream;
  hmac: HmacKey;
  description: string;
}

/** Starts MAC(seq ‖ …) and absorbs `buf[off .. off+n)`. */
function beginMac(h: HmacKey, seqBuf: Uint8Array, seq: number, buf: Uint8Array, off: number, n: number): void {
  writeUint32(seqBuf, 0, seq >>> 0);
  h.begin();
  h.update(seqBuf, 0, 4);
  h.update(buf, off, n);
}

/** Computes MAC(seq ‖ buf[off .. off+n)) into `out[outOff ..)`. */
function computeMac(h: HmacKey, seqBuf: Uint8Array, seq: number, buf: Uint8Array, off: number, n: number, out: Uint8Array, outOff: number): void {
  beginMac(h, seqBuf, seq, buf, off, n);
  h.finish(out, outOff);
}

function checkAligned(name: string, n: number): void {
  if (n % BLOCK !== 0) throw new RangeError(`${name}: encrypted length ${n} is not a multiple of ${BLOCK}`);
}

export class CtrMacSealer implements PacketSealer {
  readonly description: string;
  private disposed = false;
  readonly blockSize = BLOCK;
  readonly tagLength: number;
  readonly lengthExcludedFromPadding: boolean;
  private readonly seqBuf = new Uint8Array(4);

  constructor(private readonly parts: CtrMacParts) {
    this.description = parts.description;
    this.tagLength = parts.mac.length;
    this.lengthExcludedFromPadding = parts.mac.etm;
  }

  seal(seq: number, buf: Uint8Array, off: number, len: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const { ctr, hmac, mac, cipherName } = this.parts;
    if (mac.etm) {
      checkAligned(cipherName, len - 4);
      ctr.update(buf, off + 4, len - 4);
      computeMac(hmac, this.seqBuf, seq, buf, off, len, buf, off + len);
    } else {
      checkAligned(cipherName, len);
      computeMac(hmac, this.seqBuf, seq, buf, off, len, buf, off + len);
      ctr.update(buf, off, len);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.ctr.dispose();
    this.parts.hmac.dispose();
  }
}

export class CtrMacOpener implements PacketOpener {
  readonly description: string;
  private disposed = false;
  readonly blockSize = BLOCK;
  readonly tagLength: number;
  readonly lengthBytes: number;
  private readonly seqBuf = new Uint8Array(4);
  private readonly expected: Uint8Array;
  /** Classic mode: decryptLength already decrypted the first block of the current packet. */
  private firstBlockDecrypted = false;
  private readonly pieces: PacketPieces;

  constructor(private readonly parts: CtrMacParts) {
    this.description = parts.description;
    this.tagLength = parts.mac.length;
    this.lengthBytes = parts.mac.etm ? 4 : BLOCK;
    this.expected = new Uint8Array(parts.mac.length);
    this.pieces = new PacketPieces(parts.description, parts.mac.length);
  }

  decryptLength(_seq: number, buf: Uint8Array, off: number): number {
    if (this.disposed) throw usedAfterDispose(this.description);
    if (this.parts.mac.etm) return readUint32(buf, off);
    if (!this.firstBlockDecrypted) {
      this.parts.ctr.update(buf, off, BLOCK);
      this.firstBlockDecrypted = true;
    }
    return readUint32(buf, off);
  }

  open(seq: number, buf: Uint8Array, off: number, packetLength: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const { ctr, hmac, mac, cipherName } = this.parts;
    const n = 4 + packetLength;
    const expected = this.expected;
    if (mac.etm) {
      checkAligned(cipherName, packetLength);
      computeMac(hmac, this.seqBuf, seq, buf, off, n, expected, 0);
      const ok = equalAt(expected, 0, buf, off + n, mac.length);
      expected.fill(0);
      if (!ok) throw new MacError(mac.name, seq);
      ctr.update(buf, off + 4, packetLength);
      return;
    }
    checkAligned(cipherName, n);
    if (n < BLOCK) throw new RangeError(`${cipherName}: packet of ${n} bytes is shorter than one block`);
    const done = this.firstBlockDecrypted ? BLOCK : 0;
    this.firstBlockDecrypted = false;
    ctr.update(buf, off + done, n - done);
    computeMac(hmac, this.seqBuf, seq, buf, off, n, expected, 0);
    const ok = equalAt(expected, 0, buf, off + n, mac.length);
    expected.fill(0);
    if (!ok) throw new MacError(mac.name, seq);
  }

  /**
   * etm only, where the CTR stream takes pieces of any length (xorTo): the MAC
   * runs over the ciphertext pieces as they arrive and each is decrypted into
   * the packet. Classic mode MACs the plaintext, so its packets are gathered.
   * Unlike `open`, a packet whose MAC fails has advanced the keystream; the
   * MacError ends the connection either way.
   */
  beginPieces(seq: number, head: Uint8Array, headOff: number, packetLength: number): boolean {
    if (this.disposed) throw usedAfterDispose(this.description);
    const { ctr, hmac, mac, cipherName } = this.parts;
    if (!mac.etm || !ctr.xorTo) return false;
    checkAligned(cipherName, packetLength);
    beginMac(hmac, this.seqBuf, seq, head, headOff, 4);
    this.pieces.begin(seq, packetLength);
    return true;
  }

  piece(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    this.pieces.macThenDecrypt(src, srcOff, len, dst, dstOff, this.parts.hmac, this.parts.ctr);
  }

  /** packet_length is in clear in etm mode: the packet's buffer already holds it as received. */
  endPieces(_dst: Uint8Array, _dstOff: number): void {
    if (this.disposed) throw usedAfterDispose(this.description);
    const { hmac, mac } = this.parts;
    const { pieces, expected } = this;
    pieces.end();
    hmac.finish(expected, 0);
    const ok = equalAt(expected, 0, pieces.tag, 0, mac.length);
    expected.fill(0);
    pieces.wipe();
    if (!ok) throw new MacError(mac.name, pieces.seq);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.ctr.dispose();
    this.parts.hmac.dispose();
    this.pieces.wipe();
  }
}
