/**
 * known_hosts parsing, lookup, hashing, formatting and removal (sshd(8)
 * "SSH_KNOWN_HOSTS FILE FORMAT"). The hashed-name vectors were made by
 * `ssh-keygen -H` (OpenSSH 9.2); test/interop/known-hosts-vs-ssh-keygen.test.ts
 * checks the same behaviour against ssh-keygen live.
 */
import { describe, expect, test } from 'vitest';
import {
  entryLocation,
  entryMatches,
  findKnownHosts,
  hashHostName,
  knownHostsLines,
  knownHostsName,
  lookupKnownHost,
  parseKnownHosts,
  removeKnownHost,
} from '../../src/auth/known-hosts.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { Writer } from '../../src/wire/writer.ts';

const ED = generateSigningKey('ssh-ed25519');
const ED2 = generateSigningKey('ssh-ed25519');
const EC = generateSigningKey('ecdsa-sha2-nistp256');
const keyText = (k: { publicBlob: Uint8Array; type: string }): string => `${k.type} ${toBase64(k.publicBlob)}`;

/** The first entry of a one-line file, or a failure naming the problem. */
function one(line: string) {
  const f = parseKnownHosts(line);
  expect(f.problems).toEqual([]);
  expect(f.entries).toHaveLength(1);
  return f.entries[0]!;
}

describe('parseKnownHosts', () => {
  test('plain, marked, hashed and commented lines; comments and blank lines skipped', () => {
    const text = [
      '# a comment',
      '',
      `alpha,beta.example.com ${keyText(ED)} my comment  here `,
      `   [alpha]:2222\t${keyText(EC)}`,
      `@cert-authority *.example.org ${keyText(ED2)}`,
      `@revoked * ${keyText(ED2)}`,
      `|1|V3sOxRqzjF08RsfncJF8BEPF/9s=|EfBqrfPiC0XzrA9MPr8D/0W1kY8= ${keyText(ED)}`,
      '   # indented comment',
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text, '/home/u/.ssh/known_hosts');
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, 'alpha,beta.example.com', 'ssh-ed25519'],
      [4, undefined, '[alpha]:2222', 'ecdsa-sha2-nistp256'],
      [5, 'cert-authority', '*.example.org', 'ssh-ed25519'],
      [6, 'revoked', '*', 'ssh-ed25519'],
      [7, undefined, '|1|V3sOxRqzjF08RsfncJF8BEPF/9s=|EfBqrfPiC0XzrA9MPr8D/0W1kY8=', 'ssh-ed25519'],
    ]);
    expect(entries[0]!.comment).toBe('my comment  here');
    expect(entries[0]!.publicKey).toEqual(ED.publicBlob);
    expect(entries[4]!.hashed?.salt).toHaveLength(20);
    expect(entryLocation(entries[1]!)).toBe('/home/u/.ssh/known_hosts:4');
  });

  test('CRLF line endings', () => {
    const { entries, problems } = parseKnownHosts(`a ${keyText(ED)}\r\nb ${keyText(EC)} c\r\n`);
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.hosts, e.comment])).toEqual([
      ['a', ''],
      ['b', 'c'],
    ]);
  });

  test('malformed lines are reported with their line numbers and skipped, the rest still parsed', () => {
    const dss = new Writer(64).string('ssh-dss').string(new Uint8Array([1, 2, 3])).bytes();
    const lines = [
      `good ${keyText(ED)}`,
      'garbage line',
      `@bogus host ${keyText(ED)}`,
      '@revoked',
      `host ssh-ed25519 not*base64`,
      `host ecdsa-sha2-nistp256 ${toBase64(ED.publicBlob)}`,
      `|1|abc|def ${keyText(ED)}`,
      `|1|V3sOxRqzjF08RsfncJF8BEPF/9s=|EfBq ${keyText(ED)}`,
      `host ssh-ed25519 ${toBase64(new Writer(64).string('ssh-ed25519').string(new Uint8Array(31)).bytes())}`,
      `host ssh-dss ${toBase64(dss)}`,
      `host`,
    ];
    const { entries, problems } = parseKnownHosts(lines.join('\n'), 'kh');
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 11]);
    expect(problems.every((p) => p.source === 'kh' && p.detail.length > 0)).toBe(true);
    expect(problems[1]!.detail).toContain('@bogus');
    expect(problems[4]!.detail).toContain('does not match');
    // A key type hopssh does not implement is kept as a blob: it still counts as a known key.
    expect(entries.map((e) => [e.line, e.keyType])).toEqual([
      [1, 'ssh-ed25519'],
      [10, 'ssh-dss'],
    ]);
  });
});

describe('names and hashing', () => {
  test('knownHostsName: port 22 (and 0) is the bare host, others are [host]:port; lower-cased', () => {
    expect(knownHostsName('Example.COM')).toBe('example.com');
    expect(knownHostsName('example.com', 22)).toBe('example.com');
    expect(knownHostsName('example.com', 0)).toBe('example.com');
    expect(knownHostsName('Example.com', 2222)).toBe('[example.com]:2222');
    expect(knownHostsName('::1', 2222)).toBe('[::1]:2222');
    expect(() => knownHostsName('a', 65536)).toThrow(RangeError);
    expect(() => knownHostsName('a', 1.5)).toThrow(RangeError);
  });

  test('hashHostName reproduces ssh-keygen -H output for a given salt', () => {
    // From `ssh-keygen -H` on lines for alpha, [alpha]:2222 and Foo.Example.COM (hashed lower-cased).
    const vectors: [string, string][] = [
      ['alpha', '|1|V3sOxRqzjF08RsfncJF8BEPF/9s=|EfBqrfPiC0XzrA9MPr8D/0W1kY8='],
      ['[alpha]:2222', '|1|NwVuyseQiLtJcqDbYEBDpVTcUhk=|ThYbzphwyS21tdq9o1rzo+XjZeQ='],
      ['foo.example.com', '|1|ZV9Or+eu32ijbNPXOx1IKmcWdvI=|YZOqXVQdE+3ocBTyx2zU2i695Tk='],
    ];
    for (const [name, hashed] of vectors) {
      const salt = fromBase64(hashed.split('|')[2]!);
      expect(hashHostName(name, salt)).toBe(hashed);
      expect(entryMatches(one(`${hashed} ${keyText(ED)}`), name)).toBe(true);
      expect(entryMatches(one(`${hashed} ${keyText(ED)}`), name + 'x')).toBe(false);
    }
    expect(() => hashHostName('a', new Uint8Array(16))).toThrow(RangeError);
    expect(hashHostName('a')).not.toBe(hashHostName('a')); // fresh salt each time
  });
});

describe('lookup', () => {
  const text = [
    `alpha,beta.example.com ${keyText(ED)}`,
    `[alpha]:2222 ${keyText(EC)}`,
    `*.wild.com,!bad.wild.com ${keyText(ED2)}`,
    `Foo.Example.COM ${keyText(EC)}`,
    `@cert-authority *.ca.com ${keyText(ED)}`,
    `@revoked alpha ${keyText(ED2)}`,
    `10.0.0.?,[10.0.0.1]:2222 ${keyText(ED)}`,
    `${hashHostName('hashed.example')} ${keyText(EC)}`,
  ].join('\n');
  const { entries } = parseKnownHosts(text, 'kh');
  const lines = (name: string): number[] => findKnownHosts(entries, name).map((e) => e.line);

  test.each([
    ['alpha', [1, 6]],
    ['beta.example.com', [1]],
    ['[alpha]:2222', [2]],
    ['[alpha]:22', []],
    ['x.wild.com', [3]],
    ['bad.wild.com', []],
    ['wild.com', []],
    ['foo.example.com', [4]],
    ['y.ca.com', [5]],
    ['10.0.0.1', [7]],
    ['[10.0.0.1]:2222', [7]],
    ['[10.0.0.2]:2222', []],
    ['hashed.example', [8]],
    ['nowhere', []],
  ])('%s', (name, expected) => {
    expect(lines(name)).toEqual(expected);
  });

  test('lookupKnownHost: by host and port, and by address (CheckHostIP); host names are lower-cased', () => {
    const r = lookupKnownHost(entries, { host: 'ALPHA', port: 2222, address: '10.0.0.1' });
    expect(r.host.map((e) => e.line)).toEqual([2]);
    expect(r.address.map((e) => e.line)).toEqual([7]);
    expect(lookupKnownHost(entries, { host: 'Hashed.Example' }).host.map((e) => e.line)).toEqual([8]);
    expect(lookupKnownHost(entries, { host: 'alpha' }).address).toEqual([]);
  });
});

describe('knownHostsLines', () => {
  test('plain: one line with every name; parses back', () => {
    const lines = knownHostsLines(['[h]:2222', '[10.1.1.1]:2222'], EC.publicBlob, { comment: 'added' });
    expect(lines).toEqual([`[h]:2222,[10.1.1.1]:2222 ${keyText(EC)} added`]);
    const e = one(lines[0]!);
    expect(entryMatches(e, '[h]:2222') && entryMatches(e, '[10.1.1.1]:2222')).toBe(true);
  });

  test('hashed: one line per name, each found by its name only', () => {
    const lines = knownHostsLines(['h', '10.1.1.1'], ED.publicBlob, { hash: true });
    expect(lines).toHaveLength(2);
    const { entries } = parseKnownHosts(lines.join('\n'));
    expect(findKnownHosts(entries, 'h').map((e) => e.line)).toEqual([1]);
    expect(findKnownHosts(entries, '10.1.1.1').map((e) => e.line)).toEqual([2]);
    expect(entries[0]!.hosts.startsWith('|1|')).toBe(true);
  });

  test('markers', () => {
    expect(knownHostsLines(['*.example.com'], ED.publicBlob, { marker: 'cert-authority' })[0]).toBe(`@cert-authority *.example.com ${keyText(ED)}`);
    expect(one(knownHostsLines(['*'], ED.publicBlob, { marker: 'revoked' })[0]!).marker).toBe('revoked');
  });

  test('refuses names that would corrupt the line', () => {
    for (const bad of ['', 'a b', 'a,b', 'a\nb', '|1|x']) expect(() => knownHostsLines([bad], ED.publicBlob)).toThrow(RangeError);
    expect(() => knownHostsLines([], ED.publicBlob)).toThrow(RangeError);
  });
});

describe('removeKnownHost (as ssh-keygen -R)', () => {
  const text = [
    '# keep me',
    `alpha,beta ${keyText(ED)}`,
    `[alpha]:2222 ${keyText(EC)}`,
    `*.wild.com,!bad.wild.com ${keyText(ED2)}`,
    `@revoked alpha ${keyText(ED2)}`,
    `@cert-authority alpha ${keyText(ED2)}`,
    'garbage',
    `${hashHostName('alpha')} ${keyText(EC)}`,
    '',
  ].join('\r\n');

  test('removes every unmarked line matching the name, whole; keeps markers, comments, unreadable lines and line endings', () => {
    const r = removeKnownHost(text, 'alpha');
    expect(r.removed).toEqual([2, 8]);
    const left = r.text.split('\r\n');
    expect(left).toEqual(['# keep me', `[alpha]:2222 ${keyText(EC)}`, `*.wild.com,!bad.wild.com ${keyText(ED2)}`, `@revoked alpha ${keyText(ED2)}`, `@cert-authority alpha ${keyText(ED2)}`, 'garbage', '']);
  });

  test('pattern lines go when the name matches them, not when it is negated', () => {
    expect(removeKnownHost(text, 'x.wild.com').removed).toEqual([4]);
    expect(removeKnownHost(text, 'bad.wild.com')).toEqual({ text, removed: [] });
    expect(removeKnownHost(text, '[alpha]:2222').removed).toEqual([3]);
  });
});
