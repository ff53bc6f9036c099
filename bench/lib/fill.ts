/** Deterministic filler bytes for bench inputs and keys: the same for a seed on every runtime (an LCG's high bits). */
export function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = s = (s * 1103515245 + 12345) >>> 16;
  return out;
}
