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

/** Computes MAC(seq ‖ buf[off .. off+n)) into `out[outOff ..)`. */
function computeMac(h: HmacKey, seqBuf: Uint8Array, seq: number, buf: Uint8Array, off: number, n: number, out: Uint8Array, outOff: number): void {
  writeUint32(seqBuf, 0, seq >>> 0);
  h.begin();
  h.update(seqBuf, 0, 4);
  h.update(buf, off, n);
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

  constructor(private readonly parts: CtrMacParts) {
    this.description = parts.description;
    this.tagLength = parts.mac.length;
    this.lengthBytes = parts.mac.etm ? 4 : BLOCK;
    this.expected = new Uint8Array(parts.mac.length);
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

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.ctr.dispose();
    this.parts.hmac.dispose();
  }
}
