/**
 * Deterministic test bytes for the runtime scripts (runtime-*.ts): the
 * same draws on Node, Bun and Deno, so a mismatch names a case that can be
 * replayed. SHA-512 of a draw counter, repeated (@noble/hashes).
 */
import { sha512 } from '@noble/hashes/sha2.js';

let draws = 0;

/** The next `n` bytes. */
export function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 64) {
    const d = ++draws;
    out.set(sha512(Uint8Array.of(d >>> 24, d >>> 16, d >>> 8, d)).subarray(0, Math.min(64, n - at)), at);
  }
  return out;
}

/** The next number in [0, n). */
export const below = (n: number): number => new DataView(random(4).buffer).getUint32(0) % n;
