export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { WireError } from './errors.ts';
export { MSG, DISCONNECT_REASON, disconnectReasonName } from './message-numbers.ts';
export { mpintBytes, mpintFromUnsigned, bytesToBigint, bigintToBytes } from './mpint.ts';
export * from './bytes.ts';
export { toBase64, fromBase64 } from './base64.ts';
