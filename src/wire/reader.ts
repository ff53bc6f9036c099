import { WireError } from './errors.ts';

// ignoreBOM: a leading U+FEFF is text like any other, not dropped (decoding stays lossless).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Sequential reader of SSH data types (RFC 4251 §5) over a byte view.
 * Strings are returned as subarrays (no copy): they are valid only as long as
 * the underlying buffer is. Every read is bounds-checked and throws WireError.
 */
export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** Name of the structure being read, used in error messages. */
  context: string;

  constructor(buf: Uint8Array, start = 0, end = buf.length, context = 'message') {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.context = context;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new WireError(`${this.context}.${what}`, this.pos, `needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  byte(what = 'byte'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  /** boolean: any non-zero byte is true (RFC 4251 §5). */
  boolean(what = 'boolean'): boolean {
    return this.byte(what) !== 0;
  }

  uint32(what = 'uint32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  uint64(what = 'uint64'): bigint {
    const hi = this.uint32(what);
    const lo = this.uint32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Raw bytes of fixed length, as a view. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** string (RFC 4251 §5): uint32 length then bytes, as a view. */
  string(what = 'string'): Uint8Array {
    const start = this.pos;
    const len = this.uint32(what);
    if (len > this.end - this.pos) {
      throw new WireError(`${this.context}.${what}`, start, `length ${len} exceeds the ${this.end - this.pos} bytes left`);
    }
    return this.bytes(len, what);
  }

  /** string holding UTF-8 text. */
  text(what = 'text'): string {
    const start = this.pos;
    const raw = this.string(what);
    try {
      return utf8.decode(raw);
    } catch {
      throw new WireError(`${this.context}.${what}`, start, 'is not valid UTF-8');
    }
  }

  /** string holding US-ASCII (algorithm names, name-lists). */
  ascii(what = 'ascii'): string {
    const start = this.pos;
    const raw = this.string(what);
    let s = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c < 0x20 || c > 0x7e) {
        throw new WireError(`${this.context}.${what}`, start + 4 + i, `byte 0x${c.toString(16)} is not printable ASCII`);
      }
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** name-list (RFC 4251 §5): comma-separated, no empty names. */
  nameList(what = 'name-list'): string[] {
    const start = this.pos;
    const s = this.ascii(what);
    if (s.length === 0) return [];
    const names = s.split(',');
    for (const n of names) {
      if (n.length === 0) throw new WireError(`${this.context}.${what}`, start, 'contains an empty name');
      if (n.length > 64) throw new WireError(`${this.context}.${what}`, start, `name longer than 64 characters`);
    }
    return names;
  }

  /** mpint (RFC 4251 §5): two's complement, big-endian, minimal. */
  mpint(what = 'mpint'): bigint {
    const start = this.pos;
    const raw = this.string(what);
    if (raw.length === 0) return 0n;
    // RFC 4251 §5: zero MUST be stored as a string with zero bytes of data.
    if (raw.length === 1 && raw[0] === 0) throw new WireError(`${this.context}.${what}`, start, 'mpint zero must have no bytes');
    if (raw.length > 1 && ((raw[0] === 0 && (raw[1]! & 0x80) === 0) || (raw[0] === 0xff && (raw[1]! & 0x80) !== 0))) {
      throw new WireError(`${this.context}.${what}`, start, 'mpint has unnecessary leading bytes');
    }
    let v = 0n;
    for (const b of raw) v = (v << 8n) | BigInt(b);
    if (raw[0]! & 0x80) v -= 1n << BigInt(raw.length * 8);
    return v;
  }

  /** mpint that must be positive (DH values, RSA numbers). */
  positiveMpint(what = 'mpint'): bigint {
    const start = this.pos;
    const v = this.mpint(what);
    if (v <= 0n) throw new WireError(`${this.context}.${what}`, start, 'must be positive');
    return v;
  }

  /** Throws unless every byte was consumed (declarative messages reject trailing bytes). */
  done(): void {
    if (this.pos !== this.end) {
      throw new WireError(this.context, this.pos, `${this.end - this.pos} trailing bytes`);
    }
  }
}
