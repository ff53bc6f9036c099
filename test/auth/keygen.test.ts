/**
 * Key generation (ssh-keygen -t/-b/-C) and key pair files: the private key
 * at 0600 and the .pub line at 0644, read back by hopssh and by ssh-keygen,
 * and a hopssh-written key used by OpenSSH's ssh to log in to sshd.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureTestUser, findSshKeygen, knownHostsLines, requireOpenSSH, runChecked, runSsh, startSshd, type SshdServer } from '../helpers/openssh.ts';
import { generateKeyPair, writeKeyPairFiles, type KeyGenType } from '../../src/auth/keygen.ts';
import { parsePrivateKey, type PrivateKey } from '../../src/auth/private-key.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import type { FileSystem } from '../../src/io/file-system.ts';
import { RsaSigningKey } from '../../src/crypto/signing-keys.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { fromUtf8, utf8 } from '../../src/wire/bytes.ts';

const describeOpenSSH = requireOpenSSH();

describe('generateKeyPair', () => {
  const cases: [KeyGenType, number | undefined, string, number?][] = [
    ['ed25519', undefined, 'ssh-ed25519'],
    ['ecdsa', undefined, 'ecdsa-sha2-nistp256'],
    ['ecdsa', 256, 'ecdsa-sha2-nistp256'],
    ['ecdsa', 384, 'ecdsa-sha2-nistp384'],
    ['ecdsa', 521, 'ecdsa-sha2-nistp521'],
    ['rsa', 2048, 'ssh-rsa', 2048],
    ['rsa', undefined, 'ssh-rsa', 3072],
  ];
  test.each(cases)('%s bits=%s → %s', (type, bits, keyType, rsaBits) => {
    const pair = generateKeyPair(type, { bits, comment: 'me@host' });
    expect(pair.key.type).toBe(keyType);
    expect(pair.comment).toBe('me@host');
    expect(pair.publicKeyLine).toBe(`${keyType} ${toBase64(pair.key.publicBlob)} me@host`);
    if (rsaBits !== undefined) expect((pair.key as RsaSigningKey).bits).toBe(rsaBits);
    const data = utf8('data');
    const alg = pair.key.algorithms[0]!;
    expect(verifySignature(alg, pair.key.publicBlob, pair.key.sign(alg, data), data)).toBe(true);
  });

  test('ed25519 ignores bits, as ssh-keygen; no comment gives a two-field line', () => {
    const pair = generateKeyPair('ed25519', { bits: 4096 });
    expect(pair.publicKeyLine.split(' ')).toHaveLength(2);
    expect(pair.comment).toBe('');
  });

  test('sizes ssh-keygen refuses, and a few it allows that hopssh does not generate, are RangeErrors', () => {
    for (const bits of [0, 255, 512, 1024]) expect(() => generateKeyPair('ecdsa', { bits })).toThrow(RangeError);
    for (const bits of [1024, 2047, 8193, 16384, 2048.5]) expect(() => generateKeyPair('rsa', { bits })).toThrow(RangeError);
    expect(() => generateKeyPair('dsa' as KeyGenType)).toThrow(TypeError);
    expect(() => generateKeyPair('ed25519', { comment: 'a\nb' })).toThrow(RangeError);
  });
});

/** A FileSystem in memory, recording each write's mode. */
function memoryFileSystem(home: string): FileSystem & { files: Map<string, { data: Uint8Array; mode: number }> } {
  const files = new Map<string, { data: Uint8Array; mode: number }>();
  return {
    files,
    async readFile(path) {
      const f = files.get(path);
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return f.data;
    },
    async writeFile(path, data, mode) {
      files.set(path, { data: data.slice(), mode });
    },
    async appendFile() {
      throw new Error('not used');
    },
    async stat(path) {
      const f = files.get(path);
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return { mode: f.mode, uid: 0, size: f.data.length };
    },
    expandHome(path) {
      return path.startsWith('~/') ? `${home}/${path.slice(2)}` : path;
    },
  };
}

describe('writeKeyPairFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-keygen-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('on disk: private key 0600, .pub 0644 with "<type> <base64> <comment>\\n"', async () => {
    const pair = generateKeyPair('ecdsa', { bits: 384 });
    const path = join(dir, 'id_ecdsa');
    await writeKeyPairFiles(nodeFileSystem, path, pair.key, { comment: 'alice@example' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.pub`)).mode & 0o777).toBe(0o644);
    expect(await readFile(`${path}.pub`, 'utf8')).toBe(`ecdsa-sha2-nistp384 ${toBase64(pair.key.publicBlob)} alice@example\n`);
    const back = parsePrivateKey(await readFile(path));
    expect(back).toMatchObject({ format: 'openssh-key-v1', encrypted: false, comment: 'alice@example' });
    expect(back.key.publicBlob).toEqual(pair.key.publicBlob);
  });

  test('with a passphrase (and ssh-keygen -Z / -a options) the private key is encrypted; ~ is expanded', async () => {
    const fs = memoryFileSystem('/home/alice');
    const pair = generateKeyPair('ed25519');
    await writeKeyPairFiles(fs, '~/.ssh/id_ed25519', pair.key, { comment: 'c', passphrase: 'secret', cipher: 'aes256-gcm@openssh.com', rounds: 2 });
    const priv = fs.files.get('/home/alice/.ssh/id_ed25519')!;
    const pub = fs.files.get('/home/alice/.ssh/id_ed25519.pub')!;
    expect(priv.mode).toBe(0o600);
    expect(pub.mode).toBe(0o644);
    expect(fromUtf8(pub.data)).toBe(`ssh-ed25519 ${toBase64(pair.key.publicBlob)} c\n`);
    expect(fromUtf8(priv.data)).toContain('-----BEGIN OPENSSH PRIVATE KEY-----\n');
    const back = parsePrivateKey(priv.data, { passphrase: 'secret' });
    expect(back.encrypted).toBe(true);
    expect(back.key.publicBlob).toEqual(pair.key.publicBlob);
  });

  test('an existing file is replaced', async () => {
    const path = join(dir, 'replace');
    await writeKeyPairFiles(nodeFileSystem, path, generateKeyPair('ed25519').key);
    const second = generateKeyPair('ed25519').key;
    await writeKeyPairFiles(nodeFileSystem, path, second);
    expect(parsePrivateKey(await readFile(path)).key.publicBlob).toEqual(second.publicBlob);
    expect((await readFile(`${path}.pub`, 'utf8')).trim()).toBe(`ssh-ed25519 ${toBase64(second.publicBlob)}`);
  });
});

describeOpenSSH('hopssh-generated keys with OpenSSH', () => {
  let dir: string;
  let sshd: SshdServer;
  let user: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-keygen-ossh-'));
    // sshd with UsePAM no wants an unlocked account: a test user as root, else our own (a non-root sshd logs in only its own user).
    // Its own name: other suites set hoptest's password concurrently.
    const t = await ensureTestUser('hopkeygen', 'hopkeygen-unused-pw-1');
    user = t.ok ? t.name : userInfo().username;
    sshd = await startSshd();
  }, 60_000);

  afterAll(async () => {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const types: [KeyGenType, number | undefined][] = [
    ['ed25519', undefined],
    ['ecdsa', 256],
    ['ecdsa', 384],
    ['ecdsa', 521],
    ['rsa', 2048],
  ];

  test.each(types)('ssh-keygen -y and -l read the %s (%s) key files', async (type, bits) => {
    const pair = generateKeyPair(type, { bits });
    const path = join(dir, `id_${type}${bits ?? ''}`);
    await writeKeyPairFiles(nodeFileSystem, path, pair.key, { comment: 'from hopssh' });
    const keygen = findSshKeygen();
    const derived = await runChecked([keygen, '-y', '-P', '', '-f', path]);
    expect(derived.trim().split(' ').slice(0, 2)).toEqual(pair.publicKeyLine.split(' ').slice(0, 2));
    // -l on the .pub: fingerprint and comment as ssh-keygen reads them.
    const listing = await runChecked([keygen, '-l', '-f', `${path}.pub`]);
    expect(listing).toContain('from hopssh');
  });

  async function login(key: PrivateKey, name: string): Promise<void> {
    const path = join(dir, name);
    await writeKeyPairFiles(nodeFileSystem, path, key, { comment: name });
    await sshd.authorize(user, (await readFile(`${path}.pub`, 'utf8')).trim());
    const r = await runSsh(['-l', user, sshd.host, 'echo logged-in'], { port: sshd.port, identityFile: path, knownHosts: knownHostsLines(sshd) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('logged-in');
  }

  test('ssh logs in to sshd with a hopssh-written ed25519 key', async () => {
    await login(generateKeyPair('ed25519').key, 'login_ed25519');
  });

  test('ssh logs in to sshd with a hopssh-written ecdsa-521 and rsa-2048 key', async () => {
    await login(generateKeyPair('ecdsa', { bits: 521 }).key, 'login_ecdsa');
    await login(generateKeyPair('rsa', { bits: 2048 }).key, 'login_rsa');
  });

  test('the .pub line decodes to the key blob', async () => {
    const path = join(dir, 'blob');
    const pair = generateKeyPair('ed25519');
    await writeKeyPairFiles(nodeFileSystem, path, pair.key);
    const [, b64] = (await readFile(`${path}.pub`, 'utf8')).trim().split(' ');
    expect(fromBase64(b64!)).toEqual(pair.key.publicBlob);
  });
});
