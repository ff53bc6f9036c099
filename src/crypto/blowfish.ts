/**
 * Blowfish (Schneier, "Description of a New Variable-Length Key, 64-Bit
 * Block Cipher", FSE 1993) and the expensive key schedule of bcrypt
 * (Provos & Mazières, "A Future-Adaptable Password Scheme", 1999, §4:
 * EksBlowfishSetup's ExpandKey), as bcrypt_pbkdf needs them. Encryption only.
 *
 * The initial P-array and S-boxes are the first 8336 hexadecimal digits of
 * the fractional part of π. They are computed on first use (Machin's
 * formula in BigInt fixed point: about 35 ms with Node 20) and cached,
 * instead of being pasted in as a table.
 */

/** Words in the P-array (16 rounds + 2) and in the four S-boxes. */
const P_WORDS = 18;
const S_WORDS = 4 * 256;

let piWords: Uint32Array | undefined;

/** arctan(1/x) · 2^bits, truncated (Taylor series; each term rounds down by < 1). */
function arctanInverse(x: bigint, bits: bigint): bigint {
  const x2 = x * x;
  let power = (1n << bits) / x;
  let sum = power;
  for (let k = 3n, negative = true; ; k += 2n, negative = !negative) {
    power /= x2;
    const term = power / k;
    if (term === 0n) return sum;
    sum += negative ? -term : term;
  }
}

/**
 * The first `count` 32-bit words of π's fractional part in hexadecimal
 * (0x243f6a88, 0x85a308d3, …), from π = 16·arctan(1/5) − 4·arctan(1/239)
 * (Machin) with 64 guard bits, far more than the series' accumulated
 * truncation error (a few thousand units in the last place).
 */
export function piFractionWords(count: number): Uint32Array {
  const guard = 64n;
  const bits = BigInt(count * 32) + guard;
  const pi = 16n * arctanInverse(5n, bits) - 4n * arctanInverse(239n, bits);
  let frac = (pi & ((1n << bits) - 1n)) >> guard;
  const out = new Uint32Array(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  return out;
}

/** P-array then S-boxes, as Blowfish starts from them. */
function initialWords(): Uint32Array {
  piWords ??= piFractionWords(P_WORDS + S_WORDS);
  return piWords;
}

/**
 * `count` big-endian 32-bit words read cyclically from `data` (OpenBSD's
 * Blowfish_stream2word, called repeatedly): the key schedule wraps short
 * keys around, mid-word if their length is not a multiple of 4.
 */
export function streamWords(data: Uint8Array, count: number): Uint32Array {
  if (data.length === 0) throw new RangeError('Blowfish: empty key stream');
  const out = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let k = 0; k < 4; k++) {
      w = (w << 8) | data[j]!;
      j = j + 1 === data.length ? 0 : j + 1;
    }
    out[i] = w;
  }
  return out;
}

/** Key-stream words ExpandKey takes from the key (one per P-array word). */
export const KEY_STREAM_WORDS = P_WORDS;
/** Key-stream words ExpandKey takes from the salt (two per encipherment). */
export const SALT_STREAM_WORDS = P_WORDS + S_WORDS;

/**
 * Enciphers the block [words[i], words[i + 1]] in place: 16 Feistel rounds
 * with F(x) = ((S0[a] + S1[b]) ^ S2[c]) + S3[d] (mod 2^32), then the swap.
 */
function encipherAt(p: Uint32Array, s: Uint32Array, words: Uint32Array, i: number): void {
  let l = words[i]! ^ p[0]!;
  let r = words[i + 1]!;
  for (let k = 1; k <= 16; k += 2) {
    r ^= (((s[l >>> 24]! + s[256 | ((l >>> 16) & 0xff)]!) ^ s[512 | ((l >>> 8) & 0xff)]!) + s[768 | (l & 0xff)]!) ^ p[k]!;
    l ^= (((s[r >>> 24]! + s[256 | ((r >>> 16) & 0xff)]!) ^ s[512 | ((r >>> 8) & 0xff)]!) + s[768 | (r & 0xff)]!) ^ p[k + 1]!;
  }
  words[i] = r ^ p[17]!;
  words[i + 1] = l;
}

/** A keyed Blowfish state: P-array and S-boxes. */
export class Blowfish {
  /** P[0..17]. */
  private readonly p: Uint32Array;
  /** S-boxes 0..3, 256 words each, one after another. */
  private readonly s: Uint32Array;
  /** The block being enciphered: [left, right]. */
  private readonly lr = new Uint32Array(2);

  private constructor() {
    const init = initialWords();
    this.p = init.slice(0, P_WORDS);
    this.s = init.slice(P_WORDS);
  }

  /** The unkeyed state (π digits), for EksBlowfishSetup. */
  static initial(): Blowfish {
    return new Blowfish();
  }

  /** Blowfish keyed with `key` (1..72 bytes; Schneier's key schedule). */
  static withKey(key: Uint8Array): Blowfish {
    if (key.length < 1 || key.length > 72) throw new RangeError(`a Blowfish key is 1..72 bytes, got ${key.length}`);
    const bf = new Blowfish();
    bf.expandKey(streamWords(key, KEY_STREAM_WORDS), undefined);
    return bf;
  }

  /**
   * ExpandKey(state, salt, key) of the bcrypt paper §4, with key and salt
   * given as key streams (`streamWords(key, KEY_STREAM_WORDS)`,
   * `streamWords(salt, SALT_STREAM_WORDS)`): XOR the key into the P-array,
   * then replace P and S, in order, with successive encipherments of a block
   * that has the next 64 salt bits XORed in before each one. Without a salt
   * (OpenBSD's Blowfish_expand0state) this is Blowfish's own key schedule.
   */
  expandKey(keyWords: Uint32Array, saltWords: Uint32Array | undefined): void {
    if (keyWords.length !== KEY_STREAM_WORDS || (saltWords !== undefined && saltWords.length !== SALT_STREAM_WORDS)) {
      throw new RangeError('Blowfish: key stream lengths');
    }
    const p = this.p;
    const s = this.s;
    for (let i = 0; i < P_WORDS; i++) p[i] = p[i]! ^ keyWords[i]!;
    const lr = this.lr;
    lr[0] = 0;
    lr[1] = 0;
    for (let i = 0; i < P_WORDS + S_WORDS; i += 2) {
      if (saltWords !== undefined) {
        lr[0] = lr[0]! ^ saltWords[i]!;
        lr[1] = lr[1]! ^ saltWords[i + 1]!;
      }
      encipherAt(p, s, lr, 0);
      const table = i < P_WORDS ? p : s;
      const at = i < P_WORDS ? i : i - P_WORDS;
      table[at] = lr[0]!;
      table[at + 1] = lr[1]!;
    }
  }

  /** Enciphers each pair of words [left, right] of `words` in place (ECB). */
  encryptWords(words: Uint32Array): void {
    if (words.length % 2 !== 0) throw new RangeError('Blowfish blocks are pairs of 32-bit words');
    for (let i = 0; i < words.length; i += 2) encipherAt(this.p, this.s, words, i);
  }

  /** Enciphers one 8-byte block (big-endian words, as Schneier's test vectors). */
  encryptBlock(block: Uint8Array): Uint8Array {
    if (block.length !== 8) throw new RangeError('a Blowfish block is 8 bytes');
    const words = streamWords(block, 2);
    this.encryptWords(words);
    const out = new Uint8Array(8);
    for (let i = 0; i < 8; i++) out[i] = words[i >> 2]! >>> (24 - 8 * (i & 3));
    return out;
  }

  /** Overwrites the keyed state. */
  dispose(): void {
    this.p.fill(0);
    this.s.fill(0);
    this.lr.fill(0);
  }
}
