import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { MSG } from '../wire/message-numbers.ts';
import { LimitError } from './errors.ts';

/** Most extensions accepted in one EXT_INFO (RFC 8308 §2.3 sets no limit; we do). */
const MAX_EXTENSIONS = 64;

/** SSH_MSG_EXT_INFO (RFC 8308 §2.3): extension name → raw value. */
export function encodeExtInfo(extensions: ReadonlyMap<string, Uint8Array | string>): Uint8Array {
  const w = new Writer(256).byte(MSG.EXT_INFO).uint32(extensions.size);
  for (const [name, value] of extensions) w.string(name).string(value);
  return w.bytes().slice();
}

export function decodeExtInfo(payload: Uint8Array): Map<string, Uint8Array> {
  const r = new Reader(payload, 0, payload.length, 'EXT_INFO');
  r.byte('type');
  const n = r.uint32('nr-extensions');
  if (n > MAX_EXTENSIONS) throw new LimitError('EXT_INFO', `${n} extensions, more than ${MAX_EXTENSIONS}`);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const name = r.ascii('extension-name');
    out.set(name, r.string('extension-value').slice());
  }
  r.done();
  return out;
}
