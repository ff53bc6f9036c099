/**
 * The `none` cipher with the `none` MAC (RFC 4253 §6.3, §6.4): packets before
 * the first NEWKEYS. Nothing is encrypted, no MAC is appended; packets are
 * still padded to 8 bytes with the length included (RFC 4253 §6).
 */
import { readUint32 } from '../wire/bytes.ts';
import type { PacketOpener, PacketSealer } from './types.ts';

export class NoneSealer implements PacketSealer {
  readonly description = 'none';
  readonly blockSize = 8;
  readonly tagLength = 0;
  readonly lengthExcludedFromPadding = false;
  seal(_seq: number, _buf: Uint8Array, _off: number, _len: number): void {}
  dispose(): void {}
}

export class NoneOpener implements PacketOpener {
  readonly description = 'none';
  readonly blockSize = 8;
  readonly tagLength = 0;
  readonly lengthBytes = 4;
  decryptLength(_seq: number, buf: Uint8Array, off: number): number {
    return readUint32(buf, off);
  }
  open(_seq: number, _buf: Uint8Array, _off: number, _packetLength: number): void {}
  dispose(): void {}
}
