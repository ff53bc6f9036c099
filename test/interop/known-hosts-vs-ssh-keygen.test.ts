/**
 * hopssh's known_hosts lookups and removals against OpenSSH's own: for a file
 * with several hosts, ports, key types, patterns, negations and markers, in
 * plain form and hashed by `ssh-keygen -H`, every lookup agrees with
 * `ssh-keygen -F` on the lines found, and every removal leaves the same file
 * as `ssh-keygen -R`. Lines hopssh writes (plain and hashed) are found by
 * `ssh-keygen -F`.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cachedKey, findSshKeygen, generateKey, requireOpenSSH, run, runChecked, type GeneratedKey } from '../helpers/openssh.ts';
import { findKnownHosts, knownHostsLines, knownHostsName, parseKnownHosts, removeKnownHost } from '../../src/auth/known-hosts.ts';
import { fromBase64 } from '../../src/wire/base64.ts';

const describeOpenSSH = requireOpenSSH();

/** Names looked up and removed; ssh-keygen takes them literally, so they are given lower-cased and in [host]:port form. */
const NAMES = [
  'alpha',
  'beta.example.com',
  '[alpha]:2222',
  '[alpha]:22',
  'gamma',
  'x.wild.com',
  'bad.wild.com',
  '10.0.0.1',
  '10.0.0.9',
  '[10.0.0.1]:2222',
  'foo.example.com',
  'y.ca.com',
  'delta',
  '[delta]:2200',
  'nowhere',
];

/** Line numbers `ssh-keygen -F name -f file` reports ("# Host name found: line N …"). */
async function keygenFind(file: string, name: string): Promise<number[]> {
  const r = await run([findSshKeygen(), '-F', name, '-f', file]);
  // Exit status 1 is "not found"; anything else is a failure of the test setup.
  if (r.code !== 0 && r.code !== 1) throw new Error(`ssh-keygen -F ${name}: ${r.stderr}`);
  return [...r.stdout.matchAll(/^# Host \S+ found: line (\d+)/gm)].map((m) => Number(m[1]));
}

describeOpenSSH('known_hosts: hopssh vs ssh-keygen', () => {
  let dir: string;
  let plainFile: string;
  let hashedFile: string;
  let keys: Record<string, GeneratedKey>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-kh-'));
    keys = {
      ed: await cachedKey('ed25519', join(dir, 'ed')),
      ec256: await cachedKey('ecdsa-256', join(dir, 'ec256')),
      ec384: await cachedKey('ecdsa-384', join(dir, 'ec384')),
      rsa: await cachedKey('rsa', join(dir, 'rsa')),
      ed2: await generateKey('ed25519', join(dir, 'ed2')),
    };
    const k = (n: string): string => keys[n]!.publicKeyLine;
    const text = [
      '# a fleet',
      `alpha,beta.example.com ${k('ed')}`,
      `[alpha]:2222 ${k('ec256')}`,
      `[alpha]:2222 ${k('rsa')}`,
      `gamma ${k('ec384')} a comment`,
      `*.wild.com,!bad.wild.com ${k('ed2')}`,
      `10.0.0.?,!10.0.0.9 ${k('ed')}`,
      `[10.0.0.1]:2222 ${k('ec256')}`,
      `foo.example.com ${k('ed2')}`,
      `@cert-authority *.ca.com ${k('ed')}`,
      `@revoked alpha ${k('ed2')}`,
      '',
      `delta,[delta]:2200 ${k('rsa')}`,
      `gamma ${k('ed')}`,
      '',
    ].join('\n');
    plainFile = join(dir, 'known_hosts');
    await writeFile(plainFile, text);
    hashedFile = join(dir, 'known_hosts.hashed');
    await copyFile(plainFile, hashedFile);
    await runChecked([findSshKeygen(), '-H', '-f', hashedFile]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('ssh-keygen -H hashed the plain names and left patterns and markers alone', async () => {
    const { entries, problems } = parseKnownHosts(await readFile(hashedFile, 'utf8'), hashedFile);
    expect(problems).toEqual([]);
    expect(entries.filter((e) => e.hashed !== undefined).length).toBeGreaterThan(8);
    expect(entries.filter((e) => e.hashed === undefined).map((e) => e.hosts)).toEqual(['*.wild.com,!bad.wild.com', '10.0.0.?,!10.0.0.9', '*.ca.com', 'alpha']);
  });

  for (const form of ['plain', 'hashed'] as const) {
    test(`lookups agree with ssh-keygen -F (${form})`, async () => {
      const file = form === 'plain' ? plainFile : hashedFile;
      const { entries } = parseKnownHosts(await readFile(file, 'utf8'), file);
      for (const name of NAMES) {
        const ours = findKnownHosts(entries, name).map((e) => e.line);
        expect(ours, `lines for ${name}`).toEqual(await keygenFind(file, name));
      }
    });

    test(`removals agree with ssh-keygen -R (${form})`, async () => {
      const file = form === 'plain' ? plainFile : hashedFile;
      const original = await readFile(file, 'utf8');
      for (const name of NAMES) {
        const copy = join(dir, `rm-${form}`);
        await writeFile(copy, original);
        await runChecked([findSshKeygen(), '-R', name, '-f', copy]);
        const theirs = await readFile(copy, 'utf8');
        const ours = removeKnownHost(original, name, copy);
        expect(ours.text, `file after removing ${name}`).toBe(theirs);
        expect(ours.removed.length > 0, `something removed for ${name}`).toBe(theirs !== original);
      }
    });
  }

  test('lines hopssh writes, plain and hashed, are found by ssh-keygen -F', async () => {
    const blob = fromBase64(keys['ec384']!.publicKeyLine.split(' ')[1]!);
    const names = [knownHostsName('New.Example', 2222), knownHostsName('192.0.2.7', 2222), knownHostsName('plain.example')];
    const file = join(dir, 'written');
    const lines = [...knownHostsLines(names.slice(0, 2), blob, { hash: true }), ...knownHostsLines(names.slice(2), blob)];
    await writeFile(file, lines.join('\n') + '\n');
    expect(await keygenFind(file, '[new.example]:2222')).toEqual([1]);
    expect(await keygenFind(file, '[192.0.2.7]:2222')).toEqual([2]);
    expect(await keygenFind(file, 'plain.example')).toEqual([3]);
    expect(await keygenFind(file, 'new.example')).toEqual([]);
  });
});
