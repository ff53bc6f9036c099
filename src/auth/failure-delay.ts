/**
 * The minimum time before the server answers an authentication request, as
 * sshd enforces it: every request but "none" is answered no sooner than a
 * per-user delay after it arrived, so that response times do not tell which
 * user names exist or how far a check went. The delay is 5 ms plus a per-user
 * 0–4 ms derived from a keyed hash of the user name; a request that took
 * longer is answered at the next doubling of the delay.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../wire/bytes.ts';
import { randomBytes } from '../crypto/random.ts';

const BASE_MS = 5;
const SPREAD_MS = 4;

/** One random key per process: the per-user delay is stable for a user across connections. */
let processKey: Uint8Array | undefined;

/** sshd's per-user minimum response time (ms) for `username`: between 5 and 9 ms. */
export function sshdFailureDelayMs(username: string): number {
  processKey ??= randomBytes(32);
  const name = utf8(username);
  const input = new Uint8Array(processKey.length + name.length);
  input.set(processKey, 0);
  input.set(name, processKey.length);
  const h = sha256(input);
  const fraction = (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0) / 2 ** 32;
  return BASE_MS + fraction * SPREAD_MS;
}

/**
 * How long to wait (ms) before answering a request that arrived `elapsedMs`
 * ago, for a minimum of `minimumMs`: the minimum, doubled until it exceeds
 * the time already spent, minus that time. 0 when `minimumMs` is 0.
 */
export function remainingDelayMs(minimumMs: number, elapsedMs: number): number {
  if (!(minimumMs > 0)) return 0;
  let target = minimumMs;
  while (target < elapsedMs) target *= 2;
  return target - elapsedMs;
}
