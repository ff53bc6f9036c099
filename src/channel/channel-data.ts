/**
 * Hand-written fixed-offset codecs for the three messages on the data path
 * (DESIGN.md, "Two tiers of message encoding"): CHANNEL_DATA, CHANNEL_EXTENDED_DATA
 * and CHANNEL_WINDOW_ADJUST (RFC 4254 §5.2). No allocation: headers are written
 * into the transport's packet buffer, and incoming data is returned as offsets
 * into the payload. test/channel/channel-data.test.ts checks them against the
 * declarative encoders of messages.ts.
 */
import { MSG } from '../wire/message-numbers.ts';
import { readUint32, writeUint32 } from '../wire/bytes.ts';

/** Bytes of the CHANNEL_DATA header: type, recipient, data length. */
export const DATA_HEADER = 9;
/** Bytes of the CHANNEL_EXTENDED_DATA header: type, recipient, data type code, data length. */
export const EXTENDED_DATA_HEADER = 13;

/** Write a CHANNEL_DATA header at `off`; the `length` data bytes follow at `off + DATA_HEADER`. */
export function writeDataHeader(buf: Uint8Array, off: number, recipient: number, length: number): void {
  buf[off] = MSG.CHANNEL_DATA;
  writeUint32(buf, off + 1, recipient);
  writeUint32(buf, off + 5, length);
}

/** Write a CHANNEL_EXTENDED_DATA header at `off`; data follows at `off + EXTENDED_DATA_HEADER`. */
export function writeExtendedDataHeader(buf: Uint8Array, off: number, recipient: number, dataType: number, length: number): void {
  buf[off] = MSG.CHANNEL_EXTENDED_DATA;
  writeUint32(buf, off + 1, recipient);
  writeUint32(buf, off + 5, dataType);
  writeUint32(buf, off + 9, length);
}

/** Write a whole CHANNEL_WINDOW_ADJUST (9 bytes) at `off`. */
export function writeWindowAdjust(buf: Uint8Array, off: number, recipient: number, bytes: number): void {
  buf[off] = MSG.CHANNEL_WINDOW_ADJUST;
  writeUint32(buf, off + 1, recipient);
  writeUint32(buf, off + 5, bytes);
}

/**
 * Parse CHANNEL_DATA / CHANNEL_EXTENDED_DATA in place. Returns the data's
 * start offset in `payload`, or -1 when malformed (length field disagreeing
 * with the payload size: trailing bytes or truncation).
 */
export function dataOffset(payload: Uint8Array): number {
  const header = payload[0] === MSG.CHANNEL_DATA ? DATA_HEADER : EXTENDED_DATA_HEADER;
  if (payload.length < header) return -1;
  const len = readUint32(payload, header - 4);
  return len === payload.length - header ? header : -1;
}

/** Recipient channel of any channel message (bytes 1..4). Caller checks length ≥ 5. */
export function recipientOf(payload: Uint8Array): number {
  return readUint32(payload, 1);
}
