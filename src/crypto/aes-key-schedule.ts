/**
 * The AES key schedule (FIPS 197 §5.2) for the bitsliced WebAssembly cipher
 * (aes-wasm-code.ts): KeyExpansion with SubWord through the S-box circuit
 * (aes-sbox-circuit.ts, no table lookups), then each round key spread into
 * the cipher's bitsliced layout.
 */
import { subWord } from './aes-sbox-circuit.ts';

/** Rounds for a key of 16, 24 or 32 bytes (FIPS 197 §5, Figure 4). */
export function aesRounds(keyLength: number): number {
  if (keyLength !== 16 && keyLength !== 24 && keyLength !== 32) throw new RangeError(`aes: key of ${keyLength} bytes (need 16, 24 or 32)`);
  return keyLength / 4 + 6;
}

/** KeyExpansion (FIPS 197 §5.2): the Nr+1 round keys, 16 bytes each, in order. */
export function expandKey(key: Uint8Array): Uint8Array {
  const nk = key.length / 4;
  const nr = aesRounds(key.length);
  // Words with the first byte in the low 8 bits, so RotWord is a rotation right by 8.
  const w = new Uint32Array(4 * (nr + 1));
  for (let i = 0; i < nk; i++) w[i] = key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24);
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1]!;
    if (i % nk === 0) {
      t = subWord((t >>> 8) | (t << 24)) ^ rcon;
      rcon = (rcon << 1) ^ ((rcon >>> 7) * 0x11b);
    } else if (nk > 6 && i % nk === 4) {
      t = subWord(t);
    }
    w[i] = w[i - nk]! ^ t;
  }
  const out = new Uint8Array(16 * (nr + 1));
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    out[4 * i] = x;
    out[4 * i + 1] = x >>> 8;
    out[4 * i + 2] = x >>> 16;
    out[4 * i + 3] = x >>> 24;
  }
  w.fill(0);
  return out;
}

/**
 * The round keys in the bitsliced layout: per round 8 slices of 16 bytes,
 * slice i byte p = 0xff when bit i of round-key byte p is set (the key is the
 * same for the 8 blocks sliced together, one block per bit). Round keys 1..Nr
 * also carry the S-box's affine constant 0x63, which the cipher's S-box
 * circuit leaves out (aes-sbox-circuit.ts; ShiftRows keeps a constant state
 * constant, and so does MixColumns, as 2 ⊕ 3 ⊕ 1 ⊕ 1 = 1).
 */
export function bitslicedRoundKeys(roundKeys: Uint8Array): Uint8Array {
  const rounds = roundKeys.length / 16;
  const out = new Uint8Array(128 * rounds);
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < 16; p++) {
      const byte = roundKeys[16 * r + p]! ^ (r === 0 ? 0 : 0x63);
      for (let i = 0; i < 8; i++) out[128 * r + 16 * i + p] = -((byte >>> i) & 1) & 0xff;
    }
  }
  return out;
}
