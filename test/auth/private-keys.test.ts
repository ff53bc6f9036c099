/**
 * Private key files (PROTOCOL.key, PKCS#1, SEC1, PKCS#8): every key type and
 * format ssh-keygen writes, parsed and used to sign; the typed errors for a
 * missing or wrong passphrase, truncation, unsupported types, ciphers and
 * encrypted PEM; hopssh-written keys read back by `ssh-keygen -y`.
 */
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findSshKeygen, requireOpenSSH, run, runChecked } from '../helpers/openssh.ts';
import { inspectPrivateKey, parsePrivateKey, serializePrivateKey, type PrivateKey, type PrivateKeyFormat } from '../../src/auth/private-key.ts';
import { MAX_BCRYPT_ROUNDS, readOpenSshEnvelope, serializeOpenSshPrivateKey } from '../../src/auth/private-key-openssh.ts';
import { KeyParseError, PassphraseRequiredError, TruncatedKeyError, UnsupportedKeyError, WrongPassphraseError } from '../../src/auth/errors.ts';
import { writeArmor } from '../../src/auth/pem-armor.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import { Ed25519SigningKey, EcdsaSigningKey, RsaSigningKey, generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { encodeEd25519PublicKey } from '../../src/crypto/public-key.ts';
import { derInteger, derNull, derOctetString, derOid, derSequence } from '../../src/wire/der.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { concatBytes, utf8, writeUint32 } from '../../src/wire/bytes.ts';
import { Writer } from '../../src/wire/writer.ts';

const describeOpenSSH = requireOpenSSH();
const PASS = 'correct horse';

/** Signs with every algorithm of the key and checks the crypto layer verifies it. */
function expectSigns(key: PrivateKey): void {
  const data = utf8(`signed by ${key.type}`);
  for (const alg of key.algorithms) {
    expect(verifySignature(alg, key.publicBlob, key.sign(alg, data), data), alg).toBe(true);
  }
}

/** A small unencrypted ed25519 key in openssh-key-v1, made here. */
const SMALL = serializePrivateKey(Ed25519SigningKey.fromSeed(new Uint8Array(32).fill(7)), { comment: 'small key' });

function armoured(bin: Uint8Array): string {
  return writeArmor('OPENSSH PRIVATE KEY', bin, 70);
}

function body(text: string): Uint8Array {
  return fromBase64(text.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join(''));
}

function expectError(f: () => unknown, cls: abstract new (...a: never[]) => Error, message?: RegExp): Error {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  // The exact class, not a subclass of it (TruncatedKeyError is a KeyParseError).
  expect((err as Error).constructor).toBe(cls);
  if (message) expect((err as Error).message).toMatch(message);
  return err as Error;
}

describeOpenSSH('keys written by ssh-keygen', () => {
  let dir: string;
  const keygen = findSshKeygen();

  interface Case {
    name: string;
    args: string[];
    format: PrivateKeyFormat;
    passphrase?: string;
    type: string;
    bits?: number;
    cipher?: string;
    rounds?: number;
  }
  const TYPES: [string, string[], string, number?][] = [
    ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519'],
    ['ecdsa-256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256'],
    ['ecdsa-384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384'],
    ['ecdsa-521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
    ['rsa-2048', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa', 2048],
    ['rsa-3072', ['-t', 'rsa', '-b', '3072'], 'ssh-rsa', 3072],
    ['rsa-4096', ['-t', 'rsa', '-b', '4096'], 'ssh-rsa', 4096],
  ];
  const cases: Case[] = [];
  for (const [name, args, type, bits] of TYPES) {
    const base = { type, ...(bits !== undefined ? { bits } : {}) };
    cases.push({ name: `${name} openssh`, args, format: 'openssh-key-v1', ...base });
    if (!name.startsWith('ed25519')) {
      cases.push({ name: `${name} -m PEM`, args: [...args, '-m', 'PEM'], format: type === 'ssh-rsa' ? 'pkcs1' : 'sec1', ...base });
      cases.push({ name: `${name} -m PKCS8`, args: [...args, '-m', 'PKCS8'], format: 'pkcs8', ...base });
    }
    if (name === 'rsa-3072' || name === 'rsa-4096') continue;
    cases.push({ name: `${name} -N (aes256-ctr)`, args: [...args, '-a', '4'], format: 'openssh-key-v1', passphrase: PASS, cipher: 'aes256-ctr', rounds: 4, ...base });
    cases.push({ name: `${name} -Z aes256-gcm`, args: [...args, '-a', '4', '-Z', 'aes256-gcm@openssh.com'], format: 'openssh-key-v1', passphrase: PASS, cipher: 'aes256-gcm@openssh.com', rounds: 4, ...base });
  }
  // Default rounds (16), a higher count, and the other AES ciphers ssh-keygen -Z offers.
  cases.push({ name: 'ed25519 -N default rounds', args: ['-t', 'ed25519'], format: 'openssh-key-v1', passphrase: PASS, type: 'ssh-ed25519', cipher: 'aes256-ctr', rounds: 16 });
  cases.push({ name: 'ed25519 -a 100', args: ['-t', 'ed25519', '-a', '100'], format: 'openssh-key-v1', passphrase: PASS, type: 'ssh-ed25519', cipher: 'aes256-ctr', rounds: 100 });
  for (const cipher of ['aes128-ctr', 'aes192-ctr', 'aes128-gcm@openssh.com']) {
    cases.push({ name: `ed25519 -Z ${cipher}`, args: ['-t', 'ed25519', '-a', '2', '-Z', cipher], format: 'openssh-key-v1', passphrase: PASS, type: 'ssh-ed25519', cipher, rounds: 2 });
  }

  const made = new Map<string, { text: string; pub: string }>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-privkeys-'));
    await Promise.all(
      cases.map(async (c, i) => {
        const path = join(dir, `k${i}`);
        await runChecked([keygen, '-q', '-C', `comment ${c.name}`, '-N', c.passphrase ?? '', ...c.args, '-f', path], { timeoutMs: 120_000 });
        made.set(c.name, { text: await readFile(path, 'utf8'), pub: (await readFile(`${path}.pub`, 'utf8')).trim() });
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s: parses, public key equals the .pub, signs', (_, c) => {
    const { text, pub } = made.get(c.name)!;
    const [pubType, pubB64] = pub.split(' ');
    const parsed = parsePrivateKey(text, c.passphrase !== undefined ? { passphrase: c.passphrase } : {});
    expect(parsed.format).toBe(c.format);
    expect(parsed.encrypted).toBe(c.passphrase !== undefined);
    expect(parsed.key.type).toBe(c.type);
    expect(pubType).toBe(c.type);
    expect(toBase64(parsed.key.publicBlob)).toBe(pubB64);
    // ssh-keygen stores the comment only in its own format.
    expect(parsed.comment).toBe(c.format === 'openssh-key-v1' ? `comment ${c.name}` : '');
    if (c.bits !== undefined) expect((parsed.key as RsaSigningKey).bits).toBe(c.bits);
    if (c.format === 'openssh-key-v1') {
      const env = readOpenSshEnvelope(body(text));
      expect(env.cipher).toBe(c.cipher ?? 'none');
      expect(env.rounds).toBe(c.rounds);
    }
    expectSigns(parsed.key);
    // Without the passphrase, the public half is still readable.
    const info = inspectPrivateKey(text);
    expect(info.encrypted).toBe(c.passphrase !== undefined);
    if (c.format === 'openssh-key-v1') expect(toBase64(info.publicBlob!)).toBe(pubB64);
  });

  test('missing or empty passphrase: PassphraseRequiredError (aes256-ctr and aes256-gcm)', () => {
    for (const name of ['ed25519 -N (aes256-ctr)', 'ed25519 -Z aes256-gcm', 'rsa-2048 -N (aes256-ctr)']) {
      const { text } = made.get(name)!;
      expectError(() => parsePrivateKey(text), PassphraseRequiredError, /passphrase is required/);
      expectError(() => parsePrivateKey(text, { passphrase: '' }), PassphraseRequiredError);
    }
  });

  test('wrong passphrase: WrongPassphraseError (check integers for CTR, the tag for GCM)', () => {
    expectError(() => parsePrivateKey(made.get('ecdsa-256 -N (aes256-ctr)')!.text, { passphrase: 'wrong' }), WrongPassphraseError, /check integers/);
    expectError(() => parsePrivateKey(made.get('ecdsa-256 -Z aes256-gcm')!.text, { passphrase: 'wrong' }), WrongPassphraseError, /tag/);
    expectError(() => parsePrivateKey(made.get('ed25519 -Z aes128-gcm@openssh.com')!.text, { passphrase: utf8('wrong') }), WrongPassphraseError);
  });

  test('the passphrase may be bytes', () => {
    expect(parsePrivateKey(made.get('ed25519 -N (aes256-ctr)')!.text, { passphrase: utf8(PASS) }).key.type).toBe('ssh-ed25519');
  });

  test('encrypted PEM and encrypted PKCS#8 from ssh-keygen: UnsupportedKeyError', async () => {
    for (const [args, re] of [
      [['-t', 'rsa', '-b', '2048', '-m', 'PEM'], /encrypted PEM.*AES-128-CBC/],
      [['-t', 'ecdsa', '-m', 'PEM'], /encrypted PEM/],
      [['-t', 'rsa', '-b', '2048', '-m', 'PKCS8'], /encrypted PKCS#8/],
    ] as const) {
      const path = join(dir, `enc-${args.join('')}`);
      await runChecked([keygen, '-q', '-N', PASS, ...args, '-f', path]);
      const text = await readFile(path, 'utf8');
      expectError(() => parsePrivateKey(text, { passphrase: PASS }), UnsupportedKeyError, re);
    }
  });

  test('ssh-dss (ssh-keygen -t dsa): UnsupportedKeyError, even before the passphrase', async () => {
    const path = join(dir, 'dsa');
    const r = await run([keygen, '-q', '-N', '', '-t', 'dsa', '-f', path]);
    // OpenSSH 9.8+ no longer makes DSA keys at all; then a hand-made one stands in below.
    if (r.code !== 0) return;
    const plain = await readFile(path, 'utf8');
    expectError(() => parsePrivateKey(plain), UnsupportedKeyError, /ssh-dss/);
    await runChecked([keygen, '-q', '-p', '-N', PASS, '-P', '', '-f', path]);
    const encrypted = await readFile(path, 'utf8');
    expectError(() => parsePrivateKey(encrypted), UnsupportedKeyError, /ssh-dss/);
  });

  test('ciphers ssh-keygen -Z offers that hopssh does not read: UnsupportedKeyError naming the cipher', async () => {
    for (const cipher of ['aes256-cbc', 'chacha20-poly1305@openssh.com']) {
      const path = join(dir, `z-${cipher}`);
      const r = await run([keygen, '-q', '-N', PASS, '-a', '2', '-t', 'ed25519', '-Z', cipher, '-f', path]);
      if (r.code !== 0) continue; // this ssh-keygen does not offer it
      const text = await readFile(path, 'utf8');
      expectError(() => parsePrivateKey(text, { passphrase: PASS }), UnsupportedKeyError, new RegExp(`cipher ${cipher.replace(/[.@]/g, '\\$&')}`));
    }
  });

  test('the armour is as ssh-keygen writes it: 70-column lines', () => {
    const ours = serializePrivateKey(generateSigningKey('ecdsa-sha2-nistp256'), { comment: 'x' }).split('\n');
    const theirs = made.get('ecdsa-256 openssh')!.text.split('\n');
    expect(ours[0]).toBe(theirs[0]);
    expect(ours.at(-2)).toBe(theirs.at(-2));
    expect(ours.at(-1)).toBe('');
    for (const l of ours.slice(1, -3)) expect(l).toHaveLength(70);
  });
});

describeOpenSSH('keys written by hopssh, read by ssh-keygen -y', () => {
  let dir: string;
  const keygen = findSshKeygen();
  const keys: [string, () => PrivateKey][] = [
    ['ed25519', () => generateSigningKey('ssh-ed25519')],
    ['ecdsa-256', () => generateSigningKey('ecdsa-sha2-nistp256')],
    ['ecdsa-384', () => generateSigningKey('ecdsa-sha2-nistp384')],
    ['ecdsa-521', () => generateSigningKey('ecdsa-sha2-nistp521')],
    ['rsa-2048', () => generateSigningKey('ssh-rsa', { bits: 2048 })],
  ];
  const variants = [
    { name: 'unencrypted', opts: {} },
    { name: 'aes256-ctr', opts: { passphrase: PASS, rounds: 4 } },
    { name: 'aes256-gcm', opts: { passphrase: PASS, rounds: 4, cipher: 'aes256-gcm@openssh.com' as const } },
    { name: 'aes256-ctr, default rounds', opts: { passphrase: PASS } },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-ourkeys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const generated = new Map<string, PrivateKey>();
  const keyOf = (name: string, make: () => PrivateKey): PrivateKey => {
    let k = generated.get(name);
    if (k === undefined) generated.set(name, (k = make()));
    return k;
  };

  for (const [name, make] of keys) {
    for (const v of variants) {
      if (v.name.includes('default') && name !== 'ed25519') continue;
      test(`${name}, ${v.name}`, async () => {
        const key = keyOf(name, make);
        const text = serializePrivateKey(key, { comment: `hopssh ${name}`, ...v.opts });
        const path = join(dir, `${name}-${v.name.replace(/\W+/g, '_')}`);
        await writeFile(path, text, { mode: 0o600 });
        const out = await runChecked([keygen, '-y', '-P', v.opts.passphrase ?? '', '-f', path]);
        expect(out.trim().split(' ').slice(0, 2).join(' ')).toBe(`${key.type} ${toBase64(key.publicBlob)}`);
        // And back: the same key, comment and encryption.
        const back = parsePrivateKey(text, { passphrase: v.opts.passphrase });
        expect(back.comment).toBe(`hopssh ${name}`);
        expect(back.encrypted).toBe(v.opts.passphrase !== undefined);
        expect(toBase64(back.key.publicBlob)).toBe(toBase64(key.publicBlob));
        expectSigns(back.key);
        if (v.opts.passphrase !== undefined) {
          // ssh-keygen refuses the wrong passphrase too.
          const wrong = await run([keygen, '-y', '-P', 'wrong passphrase', '-f', path]);
          expect(wrong.code).not.toBe(0);
        }
      });
    }
  }

  for (const [name, make] of keys) {
    const formats = (['pkcs1', 'sec1', 'pkcs8'] as const).filter((f) => (f === 'pkcs1' ? name.startsWith('rsa') : f === 'sec1' ? name.startsWith('ecdsa') : true));
    for (const format of formats) {
      test(`${name} as ${format} (ssh-keygen -m ${format === 'pkcs8' ? 'PKCS8' : 'PEM'})`, async () => {
        const key = keyOf(name, make);
        const text = serializePrivateKey(key, { format });
        const path = join(dir, `${name}-${format}`);
        await writeFile(path, text, { mode: 0o600 });
        // OpenSSH 9.2 reads PEM Ed25519 keys through OpenSSL only in newer versions; RSA and ECDSA always.
        const r = await run([keygen, '-y', '-P', '', '-f', path]);
        if (name !== 'ed25519' || r.code === 0) {
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout.trim().split(' ').slice(0, 2).join(' ')).toBe(`${key.type} ${toBase64(key.publicBlob)}`);
        }
        const back = parsePrivateKey(text);
        expect(back.format).toBe(format);
        expect(toBase64(back.key.publicBlob)).toBe(toBase64(key.publicBlob));
      });
    }
  }

  test('ssh-keygen -p re-encrypts a hopssh key (reads our aes256-gcm, writes its own)', async () => {
    const key = keyOf('ed25519', keys[0]![1]);
    const path = join(dir, 'reencrypt');
    await writeFile(path, serializePrivateKey(key, { comment: 'c', passphrase: PASS, cipher: 'aes256-gcm@openssh.com', rounds: 2 }), { mode: 0o600 });
    await runChecked([keygen, '-q', '-p', '-P', PASS, '-N', 'another one', '-a', '3', '-f', path]);
    const back = parsePrivateKey(await readFile(path), { passphrase: 'another one' });
    expect(toBase64(back.key.publicBlob)).toBe(toBase64(key.publicBlob));
    expect(back.comment).toBe('c');
  });
});

describe('PEM and PKCS#8 from OpenSSL (node:crypto)', () => {
  test('Ed25519 PKCS#8 (RFC 8410), RSA PKCS#1 and PKCS#8, EC SEC1 and PKCS#8', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const cases: [KeyPairKeyObjectResult, 'pkcs1' | 'sec1' | 'pkcs8', string][] = [
      [ed, 'pkcs8', 'ssh-ed25519'],
      [rsa, 'pkcs1', 'ssh-rsa'],
      [rsa, 'pkcs8', 'ssh-rsa'],
      [ec, 'sec1', 'ecdsa-sha2-nistp384'],
      [ec, 'pkcs8', 'ecdsa-sha2-nistp384'],
    ];
    for (const [{ privateKey, publicKey }, format, type] of cases) {
      const pem = privateKey.export({ type: format, format: 'pem' }) as string;
      const parsed = parsePrivateKey(pem);
      expect(parsed.format).toBe(format);
      expect(parsed.key.type).toBe(type);
      const jwk = publicKey.export({ format: 'jwk' });
      if (type === 'ssh-ed25519') expect(toBase64(parsed.key.publicBlob)).toBe(toBase64(encodeEd25519PublicKey(fromBase64Url(jwk.x!))));
      if (type === 'ssh-rsa') expect((parsed.key as RsaSigningKey).n).toBe(BigInt(`0x${Buffer.from(fromBase64Url(jwk.n!)).toString('hex')}`));
      if (type.startsWith('ecdsa')) expect(toBase64((parsed.key as EcdsaSigningKey).publicPoint.subarray(1, 49))).toBe(toBase64(fromBase64Url(jwk.x!)));
      expectSigns(parsed.key);
      // Our PEM writer produces what OpenSSL writes, byte for byte.
      expect(serializePrivateKey(parsed.key, { format })).toBe(pem);
    }
  });

  test('an "EC PARAMETERS" block before the key (openssl ecparam -genkey) is skipped', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const parsed = parsePrivateKey(`-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${pem}`);
    expect(parsed.key.type).toBe('ecdsa-sha2-nistp256');
  });

  test('CRLF line ends and text before BEGIN are accepted', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(parsePrivateKey(`Bag Attributes\r\n${pem.replace(/\n/g, '\r\n')}`).key.type).toBe('ssh-ed25519');
    expect(parsePrivateKey(SMALL.replace(/\n/g, '\r\n')).comment).toBe('small key');
  });
});

function fromBase64Url(s: string): Uint8Array {
  return fromBase64(s.replace(/-/g, '+').replace(/_/g, '/'));
}

describe('typed errors', () => {
  test('every prefix of a key file: TruncatedKeyError until the END line is complete', () => {
    const endAt = SMALL.indexOf('-----END OPENSSH PRIVATE KEY-----') + '-----END OPENSSH PRIVATE KEY-----'.length;
    for (let n = 0; n < SMALL.length; n++) {
      const prefix = SMALL.slice(0, n);
      if (n < endAt) expectError(() => parsePrivateKey(prefix), TruncatedKeyError);
      else expect(parsePrivateKey(prefix).comment).toBe('small key');
    }
  });

  test('every prefix of the binary key, re-armoured: TruncatedKeyError', () => {
    const bin = body(SMALL);
    for (let n = 0; n < bin.length; n++) expectError(() => parsePrivateKey(armoured(bin.subarray(0, n))), TruncatedKeyError);
  });

  test('every prefix of a PKCS#8 DER body: TruncatedKeyError', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const der = body(pem);
    for (let n = 0; n < der.length; n++) expectError(() => parsePrivateKey(writeArmor('PRIVATE KEY', der.subarray(0, n), 64)), TruncatedKeyError);
  });

  test('an unknown key type (hand-made): UnsupportedKeyError naming it', () => {
    const pub = new Writer().string('ssh-foo@example.com').string(new Uint8Array(32)).bytes().slice();
    const section = new Writer().uint32(1).uint32(1).string('ssh-foo@example.com').string(new Uint8Array(32)).string('c').bytes();
    const bin = new Writer().raw(utf8('openssh-key-v1\0')).string('none').string('none').string(new Uint8Array(0)).uint32(1).string(pub).string(pad(section, 8)).bytes();
    expectError(() => parsePrivateKey(armoured(bin)), UnsupportedKeyError, /ssh-foo@example\.com/);
    // The same type only in the private section.
    const real = Ed25519SigningKey.fromSeed(new Uint8Array(32).fill(1));
    const bin2 = new Writer().raw(utf8('openssh-key-v1\0')).string('none').string('none').string(new Uint8Array(0)).uint32(1).string(real.publicBlob).string(pad(section, 8)).bytes();
    expectError(() => parsePrivateKey(armoured(bin2)), UnsupportedKeyError, /ssh-foo@example\.com/);
  });

  test('ssh-dss and sk-* keys (hand-made headers): UnsupportedKeyError', () => {
    for (const type of ['ssh-dss', 'sk-ssh-ed25519@openssh.com', 'ssh-ed25519-cert-v01@openssh.com']) {
      const pub = new Writer().string(type).string(new Uint8Array(40)).bytes().slice();
      const bin = new Writer().raw(utf8('openssh-key-v1\0')).string('aes256-ctr').string('bcrypt').string(new Writer().string(new Uint8Array(16)).uint32(16).bytes()).uint32(1).string(pub).string(new Uint8Array(32)).bytes();
      expectError(() => parsePrivateKey(armoured(bin)), UnsupportedKeyError, new RegExp(type.slice(0, 6)));
    }
  });

  test('unknown cipher or KDF: UnsupportedKeyError; mismatched none: KeyParseError', () => {
    const key = Ed25519SigningKey.fromSeed(new Uint8Array(32).fill(2));
    const header = (cipher: string, kdf: string, opts: Uint8Array) =>
      armoured(new Writer().raw(utf8('openssh-key-v1\0')).string(cipher).string(kdf).string(opts).uint32(1).string(key.publicBlob).string(new Uint8Array(64)).bytes());
    const bcryptOpts = new Writer().string(new Uint8Array(16)).uint32(16).bytes();
    expectError(() => parsePrivateKey(header('3des-cbc', 'bcrypt', bcryptOpts), { passphrase: 'x' }), UnsupportedKeyError, /cipher 3des-cbc/);
    expectError(() => parsePrivateKey(header('aes256-ctr', 'scrypt', bcryptOpts), { passphrase: 'x' }), UnsupportedKeyError, /KDF scrypt/);
    expectError(() => parsePrivateKey(header('aes256-ctr', 'none', new Uint8Array(0)), { passphrase: 'x' }), KeyParseError, /both or neither/);
  });

  test('bcrypt rounds above the limit: UnsupportedKeyError saying so, without running the KDF', () => {
    const bin = serializeOpenSshPrivateKey(Ed25519SigningKey.fromSeed(new Uint8Array(32).fill(3)), { passphrase: 'x', rounds: 1 });
    const env = readOpenSshEnvelope(bin);
    // rounds is the uint32 right after the salt inside kdfoptions.
    const at = indexOf(bin, env.salt!) + env.salt!.length;
    writeUint32(bin, at, 0xffffffff);
    const t0 = performance.now();
    expectError(() => parsePrivateKey(armoured(bin), { passphrase: 'x' }), UnsupportedKeyError, new RegExp(`rounds 4294967295 exceed the limit of ${MAX_BCRYPT_ROUNDS}`));
    expect(performance.now() - t0).toBeLessThan(500);
    writeUint32(bin, at, 200);
    expectError(() => parsePrivateKey(armoured(bin), { passphrase: 'x', maxRounds: 100 }), UnsupportedKeyError, /limit of 100/);
    writeUint32(bin, at, 0);
    expectError(() => parsePrivateKey(armoured(bin), { passphrase: 'x' }), KeyParseError, /rounds is 0/);
  });

  test('corruption of an unencrypted key: KeyParseError naming what', () => {
    const bin = body(SMALL);
    const env = readOpenSshEnvelope(bin);
    const sectionAt = bin.length - env.sealed.length;
    const flipped = bin.slice();
    flipped[sectionAt] ^= 1; // first check integer
    expectError(() => parsePrivateKey(armoured(flipped)), KeyParseError, /check integers differ/);
    const badPad = bin.slice();
    badPad[bin.length - 1] ^= 0x40;
    expectError(() => parsePrivateKey(armoured(badPad)), KeyParseError, /padding/);
    // Header public key of another key.
    const other = Ed25519SigningKey.fromSeed(new Uint8Array(32).fill(9)).publicBlob;
    const swapped = bin.slice();
    swapped.set(other, indexOf(bin, env.publicBlob));
    expectError(() => parsePrivateKey(armoured(swapped)), KeyParseError, /does not match/);
    // Two keys in one file.
    const two = bin.slice();
    writeUint32(two, indexOf(bin, env.publicBlob) - 8, 2);
    expectError(() => parsePrivateKey(armoured(two)), KeyParseError, /2 keys/);
    // Trailing bytes after the private section.
    expectError(() => parsePrivateKey(armoured(concatBytes(bin, new Uint8Array(1)))), KeyParseError, /trailing/);
    // Bad magic.
    const magic = bin.slice();
    magic[0] = 0x4f;
    expectError(() => parsePrivateKey(armoured(magic)), KeyParseError, /openssh-key-v1/);
  });

  test('not a private key: a .pub line, PuTTY, random text, a public PEM', () => {
    expectError(() => parsePrivateKey(`ssh-ed25519 ${toBase64(new Uint8Array(51))} me`), KeyParseError, /public key line/);
    expectError(() => parsePrivateKey('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n'), UnsupportedKeyError, /puttygen/);
    expectError(() => parsePrivateKey('hello\nworld\n'), KeyParseError, /not an OpenSSH or PEM private key/);
    expectError(() => parsePrivateKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), KeyParseError, /no private key/);
    expectError(() => parsePrivateKey('-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n'), UnsupportedKeyError, /DSA/);
    expectError(() => parsePrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n'), KeyParseError, /base64/);
    expectError(() => parsePrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n'), KeyParseError, /closed by END RSA/);
  });

  test('PKCS#8 with another algorithm, explicit EC parameters, multi-prime RSA: UnsupportedKeyError', () => {
    const pkcs8 = (alg: Uint8Array, inner: Uint8Array) => writeArmor('PRIVATE KEY', derSequence(derInteger(0n), alg, derOctetString(inner)), 64);
    expectError(() => parsePrivateKey(pkcs8(derSequence(derOid('1.3.101.113')), derOctetString(new Uint8Array(57)))), UnsupportedKeyError, /Ed448/);
    expectError(() => parsePrivateKey(pkcs8(derSequence(derOid('1.2.3.4')), derOctetString(new Uint8Array(57)))), UnsupportedKeyError, /1\.2\.3\.4/);
    expectError(() => parsePrivateKey(pkcs8(derSequence(derOid('1.2.840.10045.2.1'), derSequence(derInteger(1n))), new Uint8Array(0))), UnsupportedKeyError, /explicit curve/);
    expectError(() => parsePrivateKey(pkcs8(derSequence(derOid('1.2.840.10045.2.1'), derOid('1.3.132.0.10')), new Uint8Array(0))), UnsupportedKeyError, /1\.3\.132\.0\.10/);
    const multi = writeArmor('RSA PRIVATE KEY', derSequence(derInteger(1n), ...Array.from({ length: 8 }, () => derInteger(3n))), 64);
    expectError(() => parsePrivateKey(multi), UnsupportedKeyError, /multi-prime/);
    const smallRsa = writeArmor('PRIVATE KEY', derSequence(derInteger(0n), derSequence(derOid('1.2.840.113549.1.1.1'), derNull()), derOctetString(derSequence(...[0n, 3233n, 17n, 2753n, 61n, 53n, 53n, 49n, 38n].map(derInteger)))), 64);
    expectError(() => parsePrivateKey(smallRsa), UnsupportedKeyError, /12 bits/);
  });

  test('inconsistent key material: KeyParseError', () => {
    const rsa = generateSigningKey('ssh-rsa', { bits: 2048 });
    const badRsa = writeArmor('RSA PRIVATE KEY', derSequence(...[0n, rsa.n, rsa.e, rsa.d + 2n, rsa.p, rsa.q, rsa.dp, rsa.dq, rsa.qInv].map(derInteger)), 64);
    expectError(() => parsePrivateKey(badRsa), KeyParseError, /inconsistent RSA/);
    const ec = generateSigningKey('ecdsa-sha2-nistp256');
    const other = generateSigningKey('ecdsa-sha2-nistp256');
    const sec1 = serializePrivateKey(ec, { format: 'sec1' });
    const swapped = body(sec1);
    swapped.set(other.publicPoint, swapped.length - 65);
    expectError(() => parsePrivateKey(writeArmor('EC PRIVATE KEY', swapped, 64)), KeyParseError, /does not match/);
  });

  test('serializing: PEM formats only unencrypted and for their key types; bad rounds', () => {
    const ed = generateSigningKey('ssh-ed25519');
    expect(() => serializePrivateKey(ed, { format: 'pkcs1' })).toThrow(TypeError);
    expect(() => serializePrivateKey(ed, { format: 'sec1' })).toThrow(TypeError);
    expect(() => serializePrivateKey(ed, { format: 'pkcs8', passphrase: 'x' })).toThrow(TypeError);
    expect(() => serializePrivateKey(ed, { passphrase: 'x', rounds: 0 })).toThrow(RangeError);
    expect(() => serializePrivateKey(ed, { passphrase: 'x', rounds: MAX_BCRYPT_ROUNDS + 1 })).toThrow(RangeError);
    // No passphrase: unencrypted, whatever the cipher option (as ssh-keygen -N '').
    expect(parsePrivateKey(serializePrivateKey(ed, { cipher: 'aes256-gcm@openssh.com', passphrase: '' })).encrypted).toBe(false);
  });

  test('round trip of every type through openssh-key-v1 keeps the private key', () => {
    for (const key of [generateSigningKey('ssh-ed25519'), generateSigningKey('ecdsa-sha2-nistp521'), generateSigningKey('ssh-rsa', { bits: 2048 })]) {
      const back = parsePrivateKey(serializePrivateKey(key, { comment: 'ünïcode comment', passphrase: 'p', rounds: 1 }), { passphrase: 'p' });
      expect(back.comment).toBe('ünïcode comment');
      if (key instanceof RsaSigningKey) expect((back.key as RsaSigningKey).d).toBe(key.d);
      if (key instanceof EcdsaSigningKey) expect((back.key as EcdsaSigningKey).d).toBe(key.d);
      if (key instanceof Ed25519SigningKey) expect((back.key as Ed25519SigningKey).seed).toEqual(key.seed);
    }
  });
});

function pad(b: Uint8Array, block: number): Uint8Array {
  const w = new Writer().raw(b);
  for (let i = 1; w.length % block !== 0; i++) w.byte(i);
  return w.bytes().slice();
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
