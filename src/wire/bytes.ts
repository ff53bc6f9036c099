/** Small byte helpers shared by every layer. */

const utf8e = new TextEncoder();
const utf8d = new TextDecoder();

export function utf8(s: string): Uint8Array {
  return utf8e.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return utf8d.decode(b);
}

/** Concatenation for handshake-time code only (never on the data path). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality: time depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError('invalid hex string');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Overwrite secrets (any typed arrays) with zeros. */
/** Whether `view` lies wholly inside `outer` (the same memory, not merely equal bytes). */
export function isViewInside(view: Uint8Array, outer: Uint8Array): boolean {
  return view.buffer === outer.buffer && view.byteOffset >= outer.byteOffset && view.byteOffset + view.byteLength <= outer.byteOffset + outer.byteLength;
}

export function wipe(...bufs: (Uint8Array | Uint32Array | undefined)[]): void {
  for (const b of bufs) b?.fill(0);
}

export function writeUint32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

export function readUint32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}
