import { randomBytes as nobleRandom } from '@noble/hashes/utils.js';

/** Cryptographically secure random bytes (Web Crypto getRandomValues, present on every runtime). */
export function randomBytes(n: number): Uint8Array {
  return nobleRandom(n);
}
