/**
 * A bounded ASN.1 DER reader and writer (ITU-T X.690 §8, §10), only as much
 * as private keys need: SEQUENCE, INTEGER, OCTET STRING, BIT STRING, NULL,
 * OBJECT IDENTIFIER and explicit context-specific tags [n]. Definite lengths
 * only, minimal encodings only; every read is bounds-checked and throws
 * WireError naming the field and offset. Limits keep hostile input cheap:
 * nesting depth, INTEGER size (RSA moduli up to 16384 bits fit) and OID size.
 */
import { WireError } from './errors.ts';
import { concatBytes, toHex } from './bytes.ts';
import { mpintBytes } from './mpint.ts';

export const DER_TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
});

/** Deepest nesting of constructed values read (a PKCS#8 EC key needs 3). */
export const DER_MAX_DEPTH = 8;
/** Largest INTEGER read, in content bytes (a 16384-bit RSA modulus is 2049). */
export const DER_MAX_INTEGER_BYTES = 4096;
/** Largest OBJECT IDENTIFIER read, in content bytes. */
const MAX_OID_BYTES = 64;

/** Context-specific, constructed tag [n] (X.690 §8.1.2): 0xa0 | n for n < 31. */
function contextTag(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] out of range 0..30`);
  return 0xa0 | n;
}

/** Sequential reader of DER values over `buf[start..end)`. */
export class DerReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
    /** Name of the structure being read, for error messages. */
    readonly context = 'DER',
    private readonly depth = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private fail(what: string, at: number, detail: string): never {
    throw new WireError(`${this.context}.${what}`, at, detail);
  }

  /** The next tag byte, or undefined at the end. */
  peekTag(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  /** Reads one TLV with tag `tag` and returns its contents (a view). */
  element(tag: number, what: string): Uint8Array {
    const at = this.pos;
    if (this.pos >= this.end) this.fail(what, at, 'needs a value, 0 bytes left');
    const t = this.buf[this.pos]!;
    if (t !== tag) this.fail(what, at, `expected tag 0x${tag.toString(16)}, got 0x${t.toString(16)}`);
    if (this.pos + 1 >= this.end) this.fail(what, at, 'needs a length, 0 bytes left');
    let len = this.buf[this.pos + 1]!;
    let p = this.pos + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      // 0x80 is BER's indefinite length; DER has none, and 4 length bytes are plenty.
      if (n === 0 || n > 4) this.fail(what, at, n === 0 ? 'indefinite length is not DER' : `length of ${n} bytes is too large`);
      if (this.end - p < n) this.fail(what, at, `needs ${n} length bytes, ${this.end - p} left`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.buf[p + i]!;
      // X.690 §10.1: the minimum number of length octets.
      if (len < 0x80 || this.buf[p] === 0) this.fail(what, at, 'length is not minimally encoded');
      p += n;
    }
    if (len > this.end - p) this.fail(what, at, `length ${len} exceeds the ${this.end - p} bytes left`);
    this.pos = p + len;
    return this.buf.subarray(p, p + len);
  }

  /** A reader over the contents of a constructed value with tag `tag`. */
  private nested(tag: number, what: string): DerReader {
    const at = this.pos;
    if (this.depth >= DER_MAX_DEPTH) this.fail(what, at, `nested deeper than ${DER_MAX_DEPTH}`);
    const body = this.element(tag, what);
    const start = body.byteOffset - this.buf.byteOffset;
    return new DerReader(this.buf, start, start + body.length, `${this.context}.${what}`, this.depth + 1);
  }

  sequence(what: string): DerReader {
    return this.nested(DER_TAG.SEQUENCE, what);
  }

  /** [n] EXPLICIT, if it comes next (optional fields); otherwise undefined and nothing is read. */
  optionalExplicit(n: number, what: string): DerReader | undefined {
    return this.peekTag() === contextTag(n) ? this.nested(contextTag(n), what) : undefined;
  }

  /** INTEGER (X.690 §8.3), two's complement, minimal. */
  integer(what: string): bigint {
    const at = this.pos;
    const c = this.element(DER_TAG.INTEGER, what);
    if (c.length === 0) this.fail(what, at, 'INTEGER has no content');
    if (c.length > DER_MAX_INTEGER_BYTES) this.fail(what, at, `INTEGER of ${c.length} bytes exceeds ${DER_MAX_INTEGER_BYTES}`);
    if (c.length > 1 && ((c[0] === 0 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0))) {
      this.fail(what, at, 'INTEGER is not minimally encoded');
    }
    const magnitude = BigInt(`0x${toHex(c)}`);
    return c[0]! & 0x80 ? magnitude - (1n << BigInt(8 * c.length)) : magnitude;
  }

  /** INTEGER that must be a small non-negative number (versions). */
  smallInteger(what: string): number {
    const at = this.pos;
    const v = this.integer(what);
    if (v < 0n || v > 0xffffn) this.fail(what, at, `value ${v} out of range`);
    return Number(v);
  }

  octetString(what: string): Uint8Array {
    return this.element(DER_TAG.OCTET_STRING, what);
  }

  /** BIT STRING (X.690 §8.6) of whole bytes (no unused bits). */
  bitString(what: string): Uint8Array {
    const at = this.pos;
    const c = this.element(DER_TAG.BIT_STRING, what);
    if (c.length === 0) this.fail(what, at, 'BIT STRING has no content');
    if (c[0] !== 0) this.fail(what, at, `BIT STRING with ${c[0]} unused bits`);
    return c.subarray(1);
  }

  null(what: string): void {
    const at = this.pos;
    if (this.element(DER_TAG.NULL, what).length !== 0) this.fail(what, at, 'NULL has content');
  }

  /** OBJECT IDENTIFIER (X.690 §8.19) in dotted form, e.g. "1.2.840.10045.2.1". */
  oid(what: string): string {
    const at = this.pos;
    const c = this.element(DER_TAG.OID, what);
    if (c.length === 0 || c.length > MAX_OID_BYTES) this.fail(what, at, `OID of ${c.length} bytes`);
    const arcs: number[] = [];
    let v = 0;
    for (let i = 0; i < c.length; i++) {
      const b = c[i]!;
      if (v === 0 && b === 0x80) this.fail(what, at, 'OID arc is not minimally encoded');
      v = v * 128 + (b & 0x7f);
      if (v > Number.MAX_SAFE_INTEGER / 128) this.fail(what, at, 'OID arc too large');
      if ((b & 0x80) === 0) {
        arcs.push(v);
        v = 0;
      } else if (i === c.length - 1) {
        this.fail(what, at, 'OID ends inside an arc');
      }
    }
    // X.690 §8.19.4: the first subidentifier is 40·X + Y.
    const first = arcs[0]!;
    const x = first < 80 ? Math.floor(first / 40) : 2;
    return [x, first - 40 * x, ...arcs.slice(1)].join('.');
  }

  /** Throws unless every byte was read. */
  done(): void {
    if (this.pos !== this.end) this.fail('end', this.pos, `${this.end - this.pos} trailing bytes`);
  }
}

// ------------------------------------------------------------------ writing

function lengthBytes(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const out: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.of(0x80 | out.length, ...out);
}

/** One TLV: tag, minimal definite length, contents. */
export function derElement(tag: number, contents: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), lengthBytes(contents.length), contents);
}

export function derSequence(...children: Uint8Array[]): Uint8Array {
  return derElement(DER_TAG.SEQUENCE, concatBytes(...children));
}

/** INTEGER: minimal two's complement, as an SSH mpint's body except that zero is one byte. */
export function derInteger(v: bigint): Uint8Array {
  return derElement(DER_TAG.INTEGER, v === 0n ? Uint8Array.of(0) : mpintBytes(v));
}

export function derOctetString(b: Uint8Array): Uint8Array {
  return derElement(DER_TAG.OCTET_STRING, b);
}

/** BIT STRING of whole bytes. */
export function derBitString(b: Uint8Array): Uint8Array {
  return derElement(DER_TAG.BIT_STRING, concatBytes(Uint8Array.of(0), b));
}

export function derNull(): Uint8Array {
  return derElement(DER_TAG.NULL, new Uint8Array(0));
}

/** OBJECT IDENTIFIER from dotted form. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40)) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [40 * arcs[0]! + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    out.push(...groups);
  }
  return derElement(DER_TAG.OID, Uint8Array.from(out));
}

/** [n] EXPLICIT around one value. */
export function derExplicit(n: number, child: Uint8Array): Uint8Array {
  return derElement(contextTag(n), child);
}
