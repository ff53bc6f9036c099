/**
 * bcrypt_pbkdf (OpenBSD libutil, 2013), the KDF of encrypted openssh-key-v1
 * private keys (OpenSSH PROTOCOL.key §2, kdfname "bcrypt"): a PBKDF2-like
 * construction whose PRF is bcrypt_hash, a bcrypt core over SHA-512 digests
 * of the passphrase and salt that enciphers "OxychromaticBlowfishSwatDynamite"
 * 64 times. Output bytes are spread across the blocks (stride), so that every
 * block must be computed to learn any part of the key.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { wipe, writeUint32 } from '../wire/bytes.ts';
import { Blowfish, KEY_STREAM_WORDS, SALT_STREAM_WORDS, streamWords } from './blowfish.ts';

/** bcrypt_hash output: 8 words. */
const HASH_BYTES = 32;
/** The 256-bit text bcrypt_hash enciphers, as 8 big-endian words. */
const MAGIC = new TextEncoder().encode('OxychromaticBlowfishSwatDynamite');

/**
 * bcrypt_hash(sha2pass, sha2salt): EksBlowfishSetup with cost 64 (the
 * salted ExpandKey once, then 64 × (ExpandKey(salt), ExpandKey(pass))), then
 * 64 ECB encryptions of MAGIC; the 8 words are output little-endian.
 */
function bcryptHash(passWords: Uint32Array, sha2salt: Uint8Array, out: Uint8Array): void {
  const saltWords = streamWords(sha2salt, SALT_STREAM_WORDS);
  const saltKeyWords = saltWords.subarray(0, KEY_STREAM_WORDS);
  const bf = Blowfish.initial();
  bf.expandKey(passWords, saltWords);
  for (let i = 0; i < 64; i++) {
    bf.expandKey(saltKeyWords, undefined);
    bf.expandKey(passWords, undefined);
  }
  const words = streamWords(MAGIC, 8);
  for (let i = 0; i < 64; i++) bf.encryptWords(words);
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, words[i]!, true);
  bf.dispose();
  wipe(words, saltWords);
}

/**
 * Derives `keyLength` bytes (1..1024) from `passphrase` and `salt`
 * (1 byte..1 MiB) with `rounds` iterations (>= 1), as OpenBSD's
 * bcrypt_pbkdf(3). Each round costs one bcrypt_hash per 32 output bytes
 * (about 3.5 ms each with Node 20: 16 rounds for a 48-byte key take ~115 ms). Throws RangeError for parameters
 * bcrypt_pbkdf rejects, including an empty passphrase.
 */
export function bcryptPbkdf(passphrase: Uint8Array, salt: Uint8Array, keyLength: number, rounds: number): Uint8Array {
  if (passphrase.length === 0) throw new RangeError('bcrypt_pbkdf: the passphrase is empty');
  if (salt.length === 0 || salt.length > 1 << 20) throw new RangeError(`bcrypt_pbkdf: salt of ${salt.length} bytes (1..1048576)`);
  if (!Number.isInteger(keyLength) || keyLength < 1 || keyLength > HASH_BYTES * HASH_BYTES) {
    throw new RangeError(`bcrypt_pbkdf: key length ${keyLength} (1..${HASH_BYTES * HASH_BYTES})`);
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`bcrypt_pbkdf: rounds ${rounds} (at least 1)`);

  const stride = Math.ceil(keyLength / HASH_BYTES);
  const perBlock = Math.ceil(keyLength / stride);
  const key = new Uint8Array(keyLength);
  const sha2pass = sha512(passphrase);
  const passWords = streamWords(sha2pass, KEY_STREAM_WORDS);
  const countSalt = new Uint8Array(salt.length + 4);
  countSalt.set(salt);
  const tmp = new Uint8Array(HASH_BYTES);
  const acc = new Uint8Array(HASH_BYTES);

  // Block b supplies the key bytes at positions ≡ b − 1 (mod stride).
  for (let block = 1; block <= stride; block++) {
    writeUint32(countSalt, salt.length, block);
    bcryptHash(passWords, sha512(countSalt), tmp);
    acc.set(tmp);
    for (let r = 1; r < rounds; r++) {
      bcryptHash(passWords, sha512(tmp), tmp);
      for (let i = 0; i < HASH_BYTES; i++) acc[i]! ^= tmp[i]!;
    }
    for (let i = 0; i < perBlock; i++) {
      const dest = i * stride + block - 1;
      if (dest >= keyLength) break;
      key[dest] = acc[i]!;
    }
  }
  wipe(sha2pass, passWords, countSalt, tmp, acc);
  return key;
}
