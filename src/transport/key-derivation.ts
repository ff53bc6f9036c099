import type { HashName } from '../crypto/types.ts';
import { createHash, hashLength } from '../crypto/hash.ts';

/**
 * Key derivation (RFC 4253 §7.2): K1 = HASH(K ‖ H ‖ X ‖ session_id),
 * K(n+1) = HASH(K ‖ H ‖ K1 ‖ … ‖ Kn), truncated to `length`.
 * `encodedK` is K as encoded for the exchange hash (mpint or string, length prefix included).
 */
export function deriveKey(hash: HashName, encodedK: Uint8Array, H: Uint8Array, letter: string, sessionId: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (length === 0) return out;
  const first = createHash(hash).update(encodedK).update(H).update(new Uint8Array([letter.charCodeAt(0)])).update(sessionId).digest();
  let have = Math.min(first.length, length);
  out.set(first.subarray(0, have));
  const hl = hashLength(hash);
  while (have < length) {
    const next = createHash(hash).update(encodedK).update(H).update(out.subarray(0, have)).digest();
    const take = Math.min(hl, length - have);
    out.set(next.subarray(0, take), have);
    have += take;
  }
  return out;
}
