/** Constant-time comparison for MACs and AEAD tags (DESIGN.md, "Security defaults"). */

/** True when `a[aOff .. aOff+n)` equals `b[bOff .. bOff+n)`; time depends only on `n`. */
export function equalAt(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[aOff + i]! ^ b[bOff + i]!;
  // An index past the end reads undefined, which XORs as 0: refuse it explicitly.
  return d === 0 && aOff + n <= a.length && bOff + n <= b.length;
}
