/** Hash functions for the exchange hash and key derivation (RFC 4253 §7.2, §8). noble only. */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { UnsupportedAlgorithmError } from './errors.ts';
import type { Hash, HashName } from './types.ts';

const HASHES = { sha1, sha256, sha384, sha512 } as const;

function lookup(name: HashName) {
  if (!Object.hasOwn(HASHES, name)) throw new UnsupportedAlgorithmError('hash', String(name));
  return HASHES[name];
}

/** A fresh incremental hash. Throws UnsupportedAlgorithmError for an unknown name. */
export function createHash(name: HashName): Hash {
  return lookup(name).create();
}

/** Digest length in bytes: sha1 20, sha256 32, sha384 48, sha512 64. */
export function hashLength(name: HashName): number {
  return lookup(name).outputLen;
}
