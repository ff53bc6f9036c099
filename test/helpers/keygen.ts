/**
 * Key pairs made by OpenSSH's `ssh-keygen`, for sshd host keys and for client
 * identities.
 */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDir } from './cleanup.ts';
import { findSshKeygen } from './openssh-binaries.ts';
import { runChecked } from './run.ts';

/** Key kinds the helpers can generate; ecdsa by curve size, rsa is 3072 bits. */
export type KeyType = 'ed25519' | 'ecdsa-256' | 'ecdsa-384' | 'ecdsa-521' | 'rsa';

export const ALL_KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa'];

/** A private key file and its public half. */
export interface GeneratedKey {
  type: KeyType;
  /** Absolute path of the private key (OpenSSH format, no passphrase, mode 0600). */
  path: string;
  /** The `.pub` line without its comment: "<key type> <base64>". */
  publicKeyLine: string;
  /** The key type name at the start of the public line, e.g. "ecdsa-sha2-nistp384". */
  algorithm: string;
}

function keygenArgs(type: KeyType): string[] {
  switch (type) {
    case 'ed25519':
      return ['-t', 'ed25519'];
    case 'ecdsa-256':
      return ['-t', 'ecdsa', '-b', '256'];
    case 'ecdsa-384':
      return ['-t', 'ecdsa', '-b', '384'];
    case 'ecdsa-521':
      return ['-t', 'ecdsa', '-b', '521'];
    case 'rsa':
      return ['-t', 'rsa', '-b', '3072'];
  }
}

async function readPublic(type: KeyType, path: string): Promise<GeneratedKey> {
  const [algorithm, blob] = (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/);
  if (!algorithm || !blob) throw new Error(`unexpected public key in ${path}.pub`);
  return { type, path, publicKeyLine: `${algorithm} ${blob}`, algorithm };
}

/** Generates a fresh key pair at `path` (and `path.pub`) with `ssh-keygen -q -N ''`. */
export async function generateKey(type: KeyType, path: string, comment = 'hopssh-test'): Promise<GeneratedKey> {
  await runChecked([findSshKeygen(), '-q', '-N', '', '-C', comment, ...keygenArgs(type), '-f', path]);
  return readPublic(type, path);
}

let cacheDir: Promise<string> | undefined;
const cached = new Map<KeyType, Promise<GeneratedKey>>();

/**
 * A key of `type` copied to `path` (and `path.pub`) from a per-process cache,
 * generating it on first use (RSA-3072 takes about half a second).
 * Every caller in one process gets the same key material.
 */
export async function cachedKey(type: KeyType, path: string): Promise<GeneratedKey> {
  cacheDir ??= mkdtemp(join(tmpdir(), 'hop-keys-')).then((d) => {
    registerDir(d);
    return d;
  });
  let master = cached.get(type);
  if (master === undefined) {
    master = cacheDir.then((d) => generateKey(type, join(d, type)));
    cached.set(type, master);
  }
  const m = await master;
  await copyFile(m.path, path);
  await copyFile(`${m.path}.pub`, `${path}.pub`);
  return { ...m, path };
}
