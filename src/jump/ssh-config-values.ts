/**
 * Argument types of ssh_config(5): yes/no flags and the other fixed word
 * sets (compared case-insensitively, as OpenSSH), integers, and time
 * intervals (sshd_config(5) TIME FORMATS).
 */
import { asciiLowerCase } from '../auth/patterns.ts';

const INT_MAX = 2 ** 31 - 1;

/**
 * One of a fixed set of words, case-insensitive: the word's value from
 * `words`, or undefined. `words` maps each accepted spelling to its value.
 */
export function parseWord<T>(text: string, words: Readonly<Record<string, T>>): T | undefined {
  const key = asciiLowerCase(text);
  return Object.hasOwn(words, key) ? words[key] : undefined;
}

/** yes/no (and true/false): the boolean flags of ssh_config(5). */
export const FLAG_WORDS: Readonly<Record<string, boolean>> = { yes: true, true: true, no: false, false: false };

/** A non-negative decimal integer up to 2^31-1 (OpenSSH atoi_err), or undefined. */
export function parseInteger(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= INT_MAX ? n : undefined;
}

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A time interval in seconds (sshd_config(5) TIME FORMATS): a sequence of
 * `number[unit]`, unit s, m, h, d or w in either case (none: seconds), the
 * parts added: `90`, `1h30m`. Undefined when malformed or above 2^31-1.
 */
export function parseTimeInterval(text: string): number | undefined {
  if (text === '') return undefined;
  let total = 0;
  const re = /([0-9]+)([smhdwSMHDW]?)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return undefined;
    total += Number(m[1]) * TIME_UNITS[m[2]!.toLowerCase()]!;
    if (total > INT_MAX) return undefined;
    at = re.lastIndex;
  }
  return total;
}
