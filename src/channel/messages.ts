/**
 * Declarative encoders and decoders of the connection protocol's messages
 * (RFC 4254 §4, §5). Decoders reject trailing bytes, except where a message
 * ends in type-specific data, which is returned as a view for the type's own
 * decoder (which then rejects trailing bytes itself).
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { MSG } from '../wire/message-numbers.ts';

const EMPTY = new Uint8Array(0);

function reader(payload: Uint8Array, name: string): Reader {
  const r = new Reader(payload, 0, payload.length, name);
  r.byte('type');
  return r;
}

/** The rest of the payload, for type-specific data. */
function rest(r: Reader): Uint8Array {
  return r.bytes(r.remaining, 'type-specific data');
}

// ------------------------------------------------------------ global requests (§4)

export interface GlobalRequest {
  name: string;
  wantReply: boolean;
  data: Uint8Array;
}

export function encodeGlobalRequest(m: GlobalRequest): Uint8Array {
  return new Writer(64 + m.data.length).byte(MSG.GLOBAL_REQUEST).string(m.name).boolean(m.wantReply).raw(m.data).bytes();
}

export function decodeGlobalRequest(payload: Uint8Array): GlobalRequest {
  const r = reader(payload, 'GLOBAL_REQUEST');
  return { name: r.ascii('request name'), wantReply: r.boolean('want reply'), data: rest(r) };
}

/** REQUEST_SUCCESS may carry request-specific data (e.g. the bound port, RFC 4254 §7.1). */
export function encodeRequestSuccess(data: Uint8Array = EMPTY): Uint8Array {
  return new Writer(8 + data.length).byte(MSG.REQUEST_SUCCESS).raw(data).bytes();
}

// ------------------------------------------------------------ channel open (§5.1)

export interface ChannelOpen {
  channelType: string;
  sender: number;
  window: number;
  maxPacket: number;
  data: Uint8Array;
}

export function encodeChannelOpen(m: ChannelOpen): Uint8Array {
  return new Writer(64 + m.data.length)
    .byte(MSG.CHANNEL_OPEN)
    .string(m.channelType)
    .uint32(m.sender)
    .uint32(m.window)
    .uint32(m.maxPacket)
    .raw(m.data)
    .bytes();
}

export function decodeChannelOpen(payload: Uint8Array): ChannelOpen {
  const r = reader(payload, 'CHANNEL_OPEN');
  return {
    channelType: r.ascii('channel type'),
    sender: r.uint32('sender channel'),
    window: r.uint32('initial window size'),
    maxPacket: r.uint32('maximum packet size'),
    data: rest(r),
  };
}

export interface OpenConfirmation {
  recipient: number;
  sender: number;
  window: number;
  maxPacket: number;
  data: Uint8Array;
}

export function encodeOpenConfirmation(m: OpenConfirmation): Uint8Array {
  return new Writer(32 + m.data.length)
    .byte(MSG.CHANNEL_OPEN_CONFIRMATION)
    .uint32(m.recipient)
    .uint32(m.sender)
    .uint32(m.window)
    .uint32(m.maxPacket)
    .raw(m.data)
    .bytes();
}

export function decodeOpenConfirmation(payload: Uint8Array): OpenConfirmation {
  const r = reader(payload, 'CHANNEL_OPEN_CONFIRMATION');
  return {
    recipient: r.uint32('recipient channel'),
    sender: r.uint32('sender channel'),
    window: r.uint32('initial window size'),
    maxPacket: r.uint32('maximum packet size'),
    data: rest(r),
  };
}

export interface OpenFailure {
  recipient: number;
  reasonCode: number;
  description: string;
}

export function encodeOpenFailure(m: OpenFailure): Uint8Array {
  return new Writer(64).byte(MSG.CHANNEL_OPEN_FAILURE).uint32(m.recipient).uint32(m.reasonCode).string(m.description).string('').bytes();
}

export function decodeOpenFailure(payload: Uint8Array): OpenFailure {
  const r = reader(payload, 'CHANNEL_OPEN_FAILURE');
  const m = { recipient: r.uint32('recipient channel'), reasonCode: r.uint32('reason code'), description: r.text('description') };
  r.text('language tag');
  r.done();
  return m;
}

// ------------------------------------------------------------ channel requests (§5.4)

export interface ChannelRequest {
  recipient: number;
  requestType: string;
  wantReply: boolean;
  data: Uint8Array;
}

export function encodeChannelRequest(m: ChannelRequest): Uint8Array {
  return new Writer(64 + m.data.length)
    .byte(MSG.CHANNEL_REQUEST)
    .uint32(m.recipient)
    .string(m.requestType)
    .boolean(m.wantReply)
    .raw(m.data)
    .bytes();
}

export function decodeChannelRequest(payload: Uint8Array): ChannelRequest {
  const r = reader(payload, 'CHANNEL_REQUEST');
  return { recipient: r.uint32('recipient channel'), requestType: r.ascii('request type'), wantReply: r.boolean('want reply'), data: rest(r) };
}

// ------------------------------------- EOF, CLOSE, SUCCESS, FAILURE (§5.3, §5.4)

/** Messages made of the type and the recipient channel only. */
export function encodeRecipientOnly(type: number, recipient: number): Uint8Array {
  return new Writer(5).byte(type).uint32(recipient).bytes();
}

export function decodeRecipientOnly(payload: Uint8Array, name: string): number {
  const r = reader(payload, name);
  const recipient = r.uint32('recipient channel');
  r.done();
  return recipient;
}

// ------------------------------------------- data and window (§5.2), declarative form

export function encodeChannelData(recipient: number, data: Uint8Array): Uint8Array {
  return new Writer(9 + data.length).byte(MSG.CHANNEL_DATA).uint32(recipient).string(data).bytes();
}

export function encodeExtendedData(recipient: number, dataType: number, data: Uint8Array): Uint8Array {
  return new Writer(13 + data.length).byte(MSG.CHANNEL_EXTENDED_DATA).uint32(recipient).uint32(dataType).string(data).bytes();
}

export function decodeChannelData(payload: Uint8Array): { recipient: number; dataType?: number; data: Uint8Array } {
  const extended = payload[0] === MSG.CHANNEL_EXTENDED_DATA;
  const r = reader(payload, extended ? 'CHANNEL_EXTENDED_DATA' : 'CHANNEL_DATA');
  const recipient = r.uint32('recipient channel');
  const dataType = extended ? r.uint32('data type code') : undefined;
  const data = r.string('data');
  r.done();
  return dataType === undefined ? { recipient, data } : { recipient, dataType, data };
}

export function encodeWindowAdjust(recipient: number, bytes: number): Uint8Array {
  return new Writer(9).byte(MSG.CHANNEL_WINDOW_ADJUST).uint32(recipient).uint32(bytes).bytes();
}

export function decodeWindowAdjust(payload: Uint8Array): { recipient: number; bytes: number } {
  const r = reader(payload, 'CHANNEL_WINDOW_ADJUST');
  const m = { recipient: r.uint32('recipient channel'), bytes: r.uint32('bytes to add') };
  r.done();
  return m;
}
