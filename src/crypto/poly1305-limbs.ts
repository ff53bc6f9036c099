/**
 * What the Poly1305 implementations (poly1305-js.ts, poly1305-wasm.ts) share
 * (RFC 8439 §2.5): reading 16 little-endian bytes as four 32-bit words,
 * clamping r, and the final reduction of the accumulator h mod p = 2^130 - 5
 * plus s, mod 2^128. Both keep h in limbs of `width` bits (the top limb
 * holds what is left up to bit 130); only the limb width differs.
 */

/** The little-endian uint32 at `b[o .. o+4)` (as an int32: the top bit may be the sign). */
export function le32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/**
 * Reads the one-time key (RFC 8439 §2.5.1): r = key[0..16) little-endian,
 * clamped, as four 32-bit words into `r`; s = key[16..32) as four words into `s`.
 */
export function readKey(key: Uint8Array, off: number, r: Int32Array, s: Int32Array): void {
  r[0] = le32(key, off) & 0x0fffffff;
  r[1] = le32(key, off + 4) & 0x0ffffffc;
  r[2] = le32(key, off + 8) & 0x0ffffffc;
  r[3] = le32(key, off + 12) & 0x0ffffffc;
  for (let i = 0; i < 4; i++) s[i] = le32(key, off + 16 + 4 * i);
}

/** Checks that `[off, off+len)` lies inside `buf`: reading past the end would silently MAC zeros. */
export function checkRange(what: string, buf: Uint8Array, off: number, len: number): void {
  if (!(off >= 0 && len >= 0 && off + len <= buf.length)) {
    throw new RangeError(`Poly1305 ${what}: [${off}, ${off}+${len}) is outside a ${buf.length}-byte buffer`);
  }
}

/** Zeroes a small typed array (a loop: `fill` costs more on 16 bytes). */
export function zero(a: Int32Array | Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i] = 0;
}

/**
 * RFC 8439 §2.5.1's last step: tag = ((h mod p) + s) mod 2^128 into
 * `out[outOff .. outOff+16)`. `h[0 .. n)` holds `n` limbs of `width` bits (the
 * top one up to bit 130), each below 2^31; `h[n .. 2n)` is scratch. All of `h`
 * is overwritten (the caller wipes it).
 * `s` is key[16..32) as four little-endian words. No branch or index depends on h or s.
 */
export function writeTag(h: Int32Array, n: number, width: number, s: Int32Array, out: Uint8Array, outOff: number): void {
  const top = 130 - width * (n - 1);
  const m = (1 << width) - 1;
  const mTop = (1 << top) - 1;
  // Two full carry passes, 2^130 ≡ 5: every limb normalized, h < 2^130 (< 2p).
  for (let pass = 0; pass < 2; pass++) {
    let c = 0;
    for (let i = 0; i < n - 1; i++) {
      const v = h[i]! + c;
      h[i] = v & m;
      c = v >>> width;
    }
    const v = h[n - 1]! + c;
    h[n - 1] = v & mTop;
    h[0] = h[0]! + 5 * (v >>> top);
  }
  // g = h + 5 - 2^130; h ≥ p exactly when g ≥ 0: then h mod p = g.
  let c = 5;
  for (let i = 0; i < n - 1; i++) {
    const v = h[i]! + c;
    h[n + i] = v & m;
    c = v >>> width;
  }
  const gTop = h[n - 1]! + c - (1 << top);
  h[2 * n - 1] = gTop & mTop;
  const useG = ~(gTop >> 31); // all ones when g ≥ 0
  for (let i = 0; i < n; i++) h[i] = (h[i]! & ~useG) | (h[n + i]! & useG);
  // The low 128 bits of h as four 32-bit words (in h[n .. n+4)), plus s, with carry.
  for (let i = 0; i < 4; i++) h[n + i] = 0;
  for (let i = 0; i < n; i++) {
    const at = i * width;
    const word = at >>> 5;
    const shift = at & 31;
    if (word < 4) h[n + word] |= h[i]! << shift;
    if (word < 3 && shift + width > 32) h[n + word + 1] |= h[i]! >>> (32 - shift);
  }
  let carry = 0;
  for (let i = 0; i < 4; i++) {
    const t = (h[n + i]! >>> 0) + (s[i]! >>> 0) + carry;
    const lo = t >>> 0;
    carry = (t - lo) / 2 ** 32;
    const o = outOff + 4 * i;
    out[o] = lo;
    out[o + 1] = lo >>> 8;
    out[o + 2] = lo >>> 16;
    out[o + 3] = lo >>> 24;
  }
}
