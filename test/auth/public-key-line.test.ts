import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { ALL_KEY_TYPES, generateKey, requireOpenSSH, type GeneratedKey } from '../helpers/openssh.ts';
import { findSshKeygen } from '../helpers/openssh-binaries.ts';
import { registerDir } from '../helpers/cleanup.ts';
import { decodeKeyField, formatPublicKeyLine, parseKeyBlob, parsePublicKeyLine } from '../../src/auth/public-key-line.ts';
import { KeyParseError, TruncatedKeyError, UnsupportedKeyError } from '../../src/auth/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { fingerprintMd5, fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { Writer } from '../../src/wire/writer.ts';

const ED = generateSigningKey('ssh-ed25519');
const ED_B64 = toBase64(ED.publicBlob);

describe('parsePublicKeyLine', () => {
  test('type, blob, comment (spaces and tabs, CR LF, comment with spaces)', () => {
    const p = parsePublicKeyLine(`ssh-ed25519 ${ED_B64} alice@laptop  work key\r\n`);
    expect(p.type).toBe('ssh-ed25519');
    expect(p.blob).toEqual(ED.publicBlob);
    expect(p.key.type).toBe('ssh-ed25519');
    expect(p.comment).toBe('alice@laptop  work key');
    expect(p.certificate).toBeUndefined();
    expect(parsePublicKeyLine(`\t ssh-ed25519\t${ED_B64}`).comment).toBe('');
    expect(parsePublicKeyLine(`ssh-ed25519 ${ED_B64}   `).comment).toBe('');
  });

  test('every key type round-trips through formatPublicKeyLine', () => {
    for (const t of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as const) {
      const k = generateSigningKey(t);
      const line = formatPublicKeyLine(k.publicBlob, 'c d');
      expect(line).toBe(`${t} ${toBase64(k.publicBlob)} c d`);
      expect(parsePublicKeyLine(line).blob).toEqual(k.publicBlob);
    }
    expect(formatPublicKeyLine(ED.publicBlob)).toBe(`ssh-ed25519 ${ED_B64}`);
    expect(() => formatPublicKeyLine(ED.publicBlob, 'a\nb')).toThrow(RangeError);
  });

  test('the key type must be the blob\'s own, and errors name the line', () => {
    expect(() => parsePublicKeyLine(`ssh-rsa ${ED_B64}`, 'id.pub')).toThrow(new KeyParseError('id.pub', 'key type ssh-rsa does not match the key\'s own type ssh-ed25519'));
    expect(() => parsePublicKeyLine('ssh-ed25519', 'x line 2')).toThrow('x line 2: key type ssh-ed25519 without a key');
    expect(() => parsePublicKeyLine('   ', 'x')).toThrow('x: no key');
    expect(() => parsePublicKeyLine('ssh-ed25519 AAAA*', 'x')).toThrow(/x: key is not valid base64/);
  });

  test('truncated, malformed and unsupported keys', () => {
    const cut = toBase64(ED.publicBlob.subarray(0, 40));
    expect(() => parsePublicKeyLine(`ssh-ed25519 ${cut}`, 'k')).toThrow(TruncatedKeyError);
    expect(() => parsePublicKeyLine('ssh-ed25519 AAAA', 'k')).toThrow(TruncatedKeyError);
    const badPoint = new Writer().string('ssh-ed25519').string(new Uint8Array(31)).bytes();
    expect(() => parseKeyBlob(badPoint, 'k')).toThrow(KeyParseError);
    const dss = new Writer().string('ssh-dss').string(new Uint8Array(8)).bytes();
    expect(() => parsePublicKeyLine(`ssh-dss ${toBase64(dss)}`, 'k')).toThrow(new UnsupportedKeyError('k', 'unsupported key type ssh-dss'));
    expect(() => decodeKeyField('@@', 'k')).toThrow(KeyParseError);
  });
});

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('.pub files made by ssh-keygen', () => {
  let dir: string;
  const keys: GeneratedKey[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-pub-'));
    registerDir(dir);
    for (const t of ALL_KEY_TYPES) keys.push(await generateKey(t, join(dir, t), `comment for ${t}`));
  }, 60_000);

  test('parse, keep the comment, and fingerprint as ssh-keygen -l (SHA256, MD5)', () => {
    for (const k of keys) {
      const text = readFileSync(`${k.path}.pub`, 'utf8');
      const p = parsePublicKeyLine(text, `${k.path}.pub`);
      expect(p.type).toBe(k.algorithm);
      expect(p.comment).toBe(`comment for ${k.type}`);
      expect(formatPublicKeyLine(p.blob, p.comment)).toBe(text.trim());
      const sha = execFileSync(findSshKeygen(), ['-l', '-f', `${k.path}.pub`], { encoding: 'utf8' }).split(' ')[1];
      const md5 = execFileSync(findSshKeygen(), ['-l', '-E', 'md5', '-f', `${k.path}.pub`], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintSha256(p.blob)).toBe(sha);
      expect(fingerprintMd5(p.blob)).toBe(md5);
    }
  });
});
