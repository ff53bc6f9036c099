import { mpintBytes } from './mpint.ts';

const utf8 = new TextEncoder();

/**
 * Growable writer of SSH data types (RFC 4251 §5), for the many rare messages.
 * `headroom` bytes are left free in front so that a packet header can be
 * written there without copying the payload (see DESIGN.md, the byte path).
 */
export class Writer {
  buf: Uint8Array;
  pos: number;
  readonly start: number;

  constructor(capacity = 256, headroom = 0) {
    this.buf = new Uint8Array(headroom + capacity);
    this.start = headroom;
    this.pos = headroom;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  get length(): number {
    return this.pos - this.start;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  boolean(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  uint32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uint32 out of range: ${v}`);
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
    return this;
  }

  uint64(v: bigint): this {
    if (v < 0n || v >= 1n << 64n) throw new RangeError(`uint64 out of range: ${v}`);
    this.uint32(Number(v >> 32n));
    return this.uint32(Number(v & 0xffffffffn));
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  string(bytes: Uint8Array | string): this {
    const b = typeof bytes === 'string' ? utf8.encode(bytes) : bytes;
    this.uint32(b.length);
    return this.raw(b);
  }

  nameList(names: readonly string[]): this {
    return this.string(names.join(','));
  }

  mpint(v: bigint): this {
    return this.string(mpintBytes(v));
  }

  /** The written bytes (a view, excluding headroom). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.start, this.pos);
  }
}
