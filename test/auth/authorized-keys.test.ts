/**
 * authorized_keys (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): the man page's
 * examples, option edge cases, errors naming the line, and matching with
 * from=, expiry-time, cert-authority and principals=, with the restrictions
 * the server is left to apply.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { requireOpenSSH } from '../helpers/openssh.ts';
import { findSshKeygen } from '../helpers/openssh-binaries.ts';
import { registerDir } from '../helpers/cleanup.ts';
import { signTestCertificate } from '../helpers/test-certificates.ts';
import {
  matchAuthorizedKeys,
  parseAuthorizedKeyLine,
  parseAuthorizedKeys,
  parseExpiryTime,
  readAuthorizedKeys,
  type AuthorizedKey,
  type AuthorizedKeysRequest,
} from '../../src/auth/authorized-keys.ts';
import { KeyParseError, UnsupportedKeyError } from '../../src/auth/errors.ts';
import { UNRESTRICTED } from '../../src/auth/key-restrictions.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import { parseCertificate, type CertificateFields } from '../../src/crypto/certificate-blob.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { Writer } from '../../src/wire/writer.ts';

const RSA = generateSigningKey('ssh-rsa', { bits: 2048 });
const ED = generateSigningKey('ssh-ed25519');
const EC = generateSigningKey('ecdsa-sha2-nistp256');
const CA = generateSigningKey('ssh-ed25519');
const rsa = `ssh-rsa ${toBase64(RSA.publicBlob)}`;
const ed = `ssh-ed25519 ${toBase64(ED.publicBlob)}`;
const ec = `ecdsa-sha2-nistp256 ${toBase64(EC.publicBlob)}`;
const ca = `ssh-ed25519 ${toBase64(CA.publicBlob)}`;

const one = (line: string): AuthorizedKey => parseAuthorizedKeyLine(line, 1)!;

describe('sshd(8) examples', () => {
  const file = [
    '# Comments are allowed at start of line. Blank lines are allowed.',
    '# Plain key, no restrictions',
    `${rsa}`,
    '# Forced command, disable PTY and all forwarding',
    `restrict,command="dump /home" ${rsa}`,
    '# Restriction of ssh -L forwarding destinations',
    `permitopen="192.0.2.1:80",permitopen="192.0.2.2:25" ${rsa}`,
    '# Restriction of ssh -R forwarding listeners',
    `permitlisten="localhost:8080",permitlisten="[::1]:22000" ${rsa}`,
    '# Configuration for tunnel forwarding',
    `tunnel="0",command="sh /etc/netstart tun0" ${rsa} jane@example.net`,
    '# Override of restriction to allow PTY allocation',
    `restrict,pty,command="nethack" ${rsa}`,
    '# Trust CA key, allow touch-less FIDO if requested in certificate',
    `cert-authority,no-touch-required,principals="user_a" ${rsa}`,
    '',
    `from="*.sales.example.net,!pc.sales.example.net" ${rsa} john@example.net`,
    `command="dump /home",no-pty,no-port-forwarding ${rsa} example.net`,
  ].join('\n');
  const entries = parseAuthorizedKeys(file);

  test('every key line is read, with its line number', () => {
    expect(entries.map((e) => e.line)).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 18]);
    for (const e of entries) {
      expect(e.keyType).toBe('ssh-rsa');
      expect(e.keyBlob).toEqual(RSA.publicBlob);
      expect(e.source).toBe('authorized_keys');
    }
  });

  test('plain key: everything permitted', () => {
    expect(entries[0]!.options).toMatchObject({ ...UNRESTRICTED, restrict: false, certAuthority: false });
  });

  test('restrict with a forced command', () => {
    expect(entries[1]!.options).toMatchObject({
      restrict: true,
      forceCommand: 'dump /home',
      permitPty: false,
      permitPortForwarding: false,
      permitAgentForwarding: false,
      permitX11Forwarding: false,
      permitUserRc: false,
    });
  });

  test('permitopen and permitlisten, several of each', () => {
    expect(entries[2]!.options.permitOpen).toEqual(['192.0.2.1:80', '192.0.2.2:25']);
    expect(entries[3]!.options.permitListen).toEqual(['localhost:8080', '[::1]:22000']);
  });

  test('tunnel, command with spaces, comment', () => {
    expect(entries[4]!.options).toMatchObject({ tunnel: 0, forceCommand: 'sh /etc/netstart tun0' });
    expect(entries[4]!.comment).toBe('jane@example.net');
  });

  test('positive forms after restrict re-enable', () => {
    expect(entries[5]!.options).toMatchObject({ restrict: true, permitPty: true, permitPortForwarding: false, forceCommand: 'nethack' });
  });

  test('cert-authority with principals', () => {
    expect(entries[6]!.options).toMatchObject({ certAuthority: true, noTouchRequired: true, principals: 'user_a' });
  });

  test('from= and the negative flags', () => {
    expect(entries[7]!.options.from).toBe('*.sales.example.net,!pc.sales.example.net');
    expect(entries[8]!.options).toMatchObject({ forceCommand: 'dump /home', permitPty: false, permitPortForwarding: false, permitAgentForwarding: true });
  });

  test('FIDO keys are recognised as keys, and refused as unsupported naming the line', () => {
    const sk = `no-touch-required sk-ecdsa-sha2-nistp256@openssh.com ${toBase64(new Writer().string('sk-ecdsa-sha2-nistp256@openssh.com').string('nistp256').bytes())}`;
    expect(() => parseAuthorizedKeyLine(sk, 4)).toThrow(new UnsupportedKeyError('authorized_keys line 4', 'unsupported key type sk-ecdsa-sha2-nistp256@openssh.com'));
  });
});

describe('options: quoting and edge cases', () => {
  test('escaped quotes and spaces inside command=', () => {
    expect(one(`command="echo \\"hello, world\\"; ls  -l" ${ed}`).options.forceCommand).toBe('echo "hello, world"; ls  -l');
    // Only \" is an escape; other backslashes stay.
    expect(one(`command="a\\\\b\\n" ${ed}`).options.forceCommand).toBe('a\\\\b\\n');
    expect(one(`command="" ${ed}`).options.forceCommand).toBe('');
  });

  test('option names are case-insensitive', () => {
    expect(one(`NO-PTY,Command="x",No-X11-Forwarding,RESTRICT,Port-Forwarding ${ed}`).options).toMatchObject({
      permitPty: false,
      forceCommand: 'x',
      permitX11Forwarding: false,
      restrict: true,
      permitPortForwarding: true,
    });
  });

  test('every flag and its negation', () => {
    const o = one(`restrict,port-forwarding,agent-forwarding,x11-forwarding,pty,user-rc,verify-required,no-touch-required ${ed}`).options;
    expect(o).toMatchObject({ permitPortForwarding: true, permitAgentForwarding: true, permitX11Forwarding: true, permitPty: true, permitUserRc: true, requireUserVerification: true, noTouchRequired: true });
    const n = one(`no-port-forwarding,no-agent-forwarding,no-x11-forwarding,no-pty,no-user-rc,no-verify-required,touch-required ${ed}`).options;
    expect(n).toMatchObject({ permitPortForwarding: false, permitAgentForwarding: false, permitX11Forwarding: false, permitPty: false, permitUserRc: false, requireUserVerification: false, noTouchRequired: false });
  });

  test('environment: NAME=value, the first setting of a name wins', () => {
    expect(one(`environment="A=1",environment="B=x y",environment="A=2" ${ed}`).options.environment).toEqual(['A=1', 'B=x y']);
  });

  test('expiry-time: YYYYMMDD[HHMM[SS]], Z or UTC for UTC, the earliest of several', () => {
    expect(one(`expiry-time="20300101Z" ${ed}`).options.expiryTime).toBe(Date.UTC(2030, 0, 1) / 1000);
    expect(one(`expiry-time="203001020304UTC" ${ed}`).options.expiryTime).toBe(Date.UTC(2030, 0, 2, 3, 4) / 1000);
    expect(one(`expiry-time="20300102030405z",expiry-time="20290101Z" ${ed}`).options.expiryTime).toBe(Date.UTC(2029, 0, 1) / 1000);
  });

  describe('expiry-time without Z is local time, as sshd reads it', () => {
    const saved = process.env.TZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });
    test('in America/New_York, 20300101 is 05:00 UTC', () => {
      process.env.TZ = 'America/New_York';
      expect(parseExpiryTime('20300101')).toBe(Date.UTC(2030, 0, 1, 5) / 1000);
      expect(parseExpiryTime('20300701120000')).toBe(Date.UTC(2030, 6, 1, 16) / 1000);
      expect(parseExpiryTime('20300101Z')).toBe(Date.UTC(2030, 0, 1) / 1000);
    });
  });

  test('permitopen/permitlisten forms', () => {
    expect(one(`permitopen="*:*",permitopen="[2001:db8::1]:443",permitopen="host:22" ${ed}`).options.permitOpen).toEqual(['*:*', '[2001:db8::1]:443', 'host:22']);
    expect(one(`permitlisten="8080" ${ed}`).options.permitListen).toEqual(['*:8080']);
  });

  test('tunnel="any"', () => {
    expect(one(`tunnel="any" ${ed}`).options.tunnel).toBe('any');
  });

  test('leading blanks, CR LF, comments and blank lines', () => {
    const entries = parseAuthorizedKeys(`\r\n   # comment\r\n\t  ${ed} me\r\n  \n${ec}`, { source: '~/.ssh/authorized_keys' });
    expect(entries.map((e) => [e.line, e.keyType, e.comment, e.source])).toEqual([
      [3, 'ssh-ed25519', 'me', '~/.ssh/authorized_keys'],
      [5, 'ecdsa-sha2-nistp256', '', '~/.ssh/authorized_keys'],
    ]);
  });

  test.each([
    [`restrict,command="x"`, 'options without a key'],
    [`restrict,command="x"   `, 'options without a key'],
    [`frobnicate ${ed}`, 'unknown option "frobnicate"'],
    [`ssh-foo ${ed}`, 'unknown option "ssh-foo"'],
    [`pty="yes" ${ed}`, 'unknown option "pty"'],
    [`command=x ${ed}`, 'option command= needs a double-quoted value'],
    [`command="never closed ${ed}`, 'option command= is missing its closing quote'],
    [`no-pty, ${ed}`, 'options end with a comma'],
    [`no-pty,,pty ${ed}`, 'empty option at column 8'],
    [`command="a"x ${ed}`, 'unexpected "x" after option command'],
    [`command="a",command="b" ${ed}`, 'multiple "command" clauses'],
    [`from="a",from="b" ${ed}`, 'multiple "from" clauses'],
    [`principals="a",principals="b" ${ed}`, 'multiple "principals" clauses'],
    [`expiry-time="2030" ${ed}`, 'expiry-time "2030" is not YYYYMMDD[HHMM[SS]][Z]'],
    [`expiry-time="20301301" ${ed}`, 'expiry-time "20301301" is out of range'],
    [`expiry-time="19000101Z" ${ed}`, 'expiry-time "19000101Z" is not after 1970'],
    [`environment="1A" ${ed}`, 'invalid environment string "1A"'],
    [`environment="A-B=1" ${ed}`, 'invalid environment string "A-B=1"'],
    [`permitopen="host" ${ed}`, 'permitopen="host": invalid permission port'],
    [`permitopen="host:0" ${ed}`, 'permitopen="host:0": invalid permission port'],
    [`permitopen="host:65536" ${ed}`, 'permitopen="host:65536": invalid permission port'],
    [`permitopen=":22" ${ed}`, 'permitopen=":22": invalid permission hostname'],
    [`permitopen="[::1:22" ${ed}`, 'permitopen="[::1:22": invalid permission hostname'],
    [`tunnel="tun0" ${ed}`, 'invalid tun device "tun0"'],
    [`ssh-rsa ${toBase64(ED.publicBlob)}`, "key type ssh-rsa does not match the key's own type ssh-ed25519"],
  ])('%s → %s', (line, message) => {
    const file = `# first\n\n${line}\n${ed}`;
    expect(() => parseAuthorizedKeys(file)).toThrow(new KeyParseError('authorized_keys line 3', message));
  });

  test('a certificate is not an authorized key', () => {
    const cert = signTestCertificate(CA, ED.publicBlob);
    expect(() => one(`ssh-ed25519-cert-v01@openssh.com ${toBase64(cert)}`)).toThrow(/cannot be an authorized key; list its CA with cert-authority/);
  });

  test('onInvalidLine reports bad lines and keeps the others, as sshd skips them', () => {
    const bad: string[] = [];
    const entries = parseAuthorizedKeys(`${ed}\nbogus ${ed}\n${ec}\nssh-ed25519 AAAA`, { source: 'ak', onInvalidLine: (e) => bad.push(e.message) });
    expect(entries.map((e) => e.line)).toEqual([1, 3]);
    expect(bad).toEqual(['ak line 2: unknown option "bogus"', expect.stringMatching(/^ak line 4: /)]);
  });
});

// ------------------------------------------------------------------ matching

const NOW = new Date(Date.UTC(2030, 5, 1, 12));
const base: AuthorizedKeysRequest = { keyBlob: ED.publicBlob, clientAddress: '192.0.2.10', now: NOW, username: 'alice' };

function userCert(fields: Partial<CertificateFields> = {}): Uint8Array {
  return signTestCertificate(CA, ED.publicBlob, { kind: 'user', keyId: 'alice-cert', principals: ['alice'], ...fields });
}
const str = (s: string) => new Writer().string(s).bytes().slice();

describe('matchAuthorizedKeys: plain keys', () => {
  test('the line with the same key matches, with its restrictions', () => {
    const entries = parseAuthorizedKeys(`${ec}\nrestrict,command="backup",permitopen="db:5432" ${ed} alice`);
    const m = matchAuthorizedKeys(entries, base)!;
    expect(m.entry.line).toBe(2);
    expect(m.restrictions).toEqual({ ...UNRESTRICTED, permitPty: false, permitPortForwarding: false, permitAgentForwarding: false, permitX11Forwarding: false, permitUserRc: false, forceCommand: 'backup', permitOpen: ['db:5432'] });
    expect(m.certificate).toBeUndefined();
    expect(matchAuthorizedKeys(entries, { ...base, keyBlob: RSA.publicBlob })).toBeUndefined();
  });

  test('a cert-authority line never matches its CA key used as a plain key', () => {
    const entries = parseAuthorizedKeys(`cert-authority ${ca}`);
    expect(matchAuthorizedKeys(entries, { ...base, keyBlob: CA.publicBlob })).toBeUndefined();
  });

  test('from=: CIDR, negation, host names (when resolved) and refusals reported', () => {
    const refused: string[] = [];
    const req = { ...base, onRefused: (e: AuthorizedKey, why: string) => refused.push(`${e.line}: ${why}`) };
    const at = (from: string, extra: Partial<AuthorizedKeysRequest> = {}) => matchAuthorizedKeys(parseAuthorizedKeys(`from="${from}" ${ed}`), { ...req, ...extra });
    expect(at('192.0.2.0/24')).toBeDefined();
    expect(at('10.0.0.0/8,!192.0.2.0/28')).toBeUndefined();
    expect(at('192.0.2.0/24,!192.0.2.10')).toBeUndefined();
    expect(at('2001:db8::/32', { clientAddress: '2001:db8::7' })).toBeDefined();
    expect(at('*.example.com', { clientHostname: 'ws1.Example.COM' })).toBeDefined();
    expect(at('*.example.com')).toBeUndefined(); // no name resolved: the address is the name, as sshd's UseDNS no
    expect(at('*.example.com,!ws1.example.com', { clientHostname: 'ws1.example.com' })).toBeUndefined();
    expect(at('192.0.2.1/8')).toBeUndefined();
    expect(refused).toContain('1: client 192.0.2.10 (192.0.2.10) is not permitted by from="10.0.0.0/8,!192.0.2.0/28"');
    expect(refused.at(-1)).toMatch(/^1: invalid from= criteria: .*host bits/);
  });

  test('expiry-time: the line applies up to and including its second', () => {
    const entries = parseAuthorizedKeys(`expiry-time="20300601120000Z" ${ed}`);
    expect(matchAuthorizedKeys(entries, { ...base, now: new Date(Date.UTC(2030, 5, 1, 12, 0, 0, 999)) })).toBeDefined();
    const refused: string[] = [];
    expect(matchAuthorizedKeys(entries, { ...base, now: new Date(Date.UTC(2030, 5, 1, 12, 0, 1)), onRefused: (_, w) => refused.push(w) })).toBeUndefined();
    expect(refused).toEqual(['entry expired at 2030-06-01T12:00:00.000Z']);
  });

  test('principals= on a plain key refuses (sshd: "principals on non-CA key")', () => {
    expect(matchAuthorizedKeys(parseAuthorizedKeys(`principals="alice" ${ed}`), base)).toBeUndefined();
  });

  test('a refusing line does not stop the search: a later line for the same key may match', () => {
    const entries = parseAuthorizedKeys(`from="10.0.0.0/8" ${ed}\ncommand="ok" ${ed}`);
    expect(matchAuthorizedKeys(entries, base)!.entry.line).toBe(2);
  });
});

describe('matchAuthorizedKeys: certificates through cert-authority', () => {
  const lines = (opts: string) => parseAuthorizedKeys(`${ed}\n${opts ? `${opts},` : ''}cert-authority ${ca}`);

  test('a user certificate from the CA, listing the user, matches; restrictions merge line and certificate', () => {
    const cert = userCert({ extensions: [{ name: 'permit-pty', data: new Uint8Array(0) }, { name: 'permit-port-forwarding', data: new Uint8Array(0) }] });
    const m = matchAuthorizedKeys(lines('no-port-forwarding,permitopen="a:1"'), { ...base, keyBlob: cert })!;
    expect(m.entry.line).toBe(2);
    expect(m.certificate!.certificate.keyId).toBe('alice-cert');
    // A permission holds only if both grant it.
    expect(m.restrictions).toMatchObject({ permitPty: true, permitPortForwarding: false, permitAgentForwarding: false, permitOpen: ['a:1'] });
    // Passing the parsed certificate works the same.
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: cert, certificate: parseCertificate(cert) })!.entry.line).toBe(2);
  });

  test('the certificate must list the user, unless principals= names one it lists', () => {
    const cert = userCert({ principals: ['ops', 'deploy'] });
    const refused: string[] = [];
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: cert, onRefused: (_, w) => refused.push(w) })).toBeUndefined();
    expect(refused).toEqual(['certificate "alice-cert": "alice" is not a listed principal (ops,deploy)']);
    expect(matchAuthorizedKeys(lines('principals="admin,deploy"'), { ...base, keyBlob: cert })).toBeDefined();
    refused.length = 0;
    expect(matchAuthorizedKeys(lines('principals="admin,alice"'), { ...base, keyBlob: cert, onRefused: (_, w) => refused.push(w) })).toBeUndefined();
    expect(refused).toEqual(['certificate "alice-cert" lists none of principals="admin,alice"']);
  });

  test('a certificate from another CA, an expired one, a host certificate: no match', () => {
    const other = generateSigningKey('ssh-ed25519');
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: signTestCertificate(other, ED.publicBlob, { kind: 'user', principals: ['alice'] }) })).toBeUndefined();
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: userCert({ validBefore: 1000n }) })).toBeUndefined();
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: signTestCertificate(CA, ED.publicBlob, { principals: ['alice'] }) })).toBeUndefined();
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: Uint8Array.of(0, 0, 0, 32, ...new TextEncoder().encode('ssh-ed25519-cert-v01@openssh.com')) })).toBeUndefined();
  });

  test('force-command: the same in both is fine, different ones refuse', () => {
    const cert = userCert({ criticalOptions: [{ name: 'force-command', data: str('backup') }] });
    expect(matchAuthorizedKeys(lines('command="backup"'), { ...base, keyBlob: cert })!.restrictions.forceCommand).toBe('backup');
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: cert })!.restrictions.forceCommand).toBe('backup');
    const refused: string[] = [];
    expect(matchAuthorizedKeys(lines('command="rm -rf"'), { ...base, keyBlob: cert, onRefused: (_, w) => refused.push(w) })).toBeUndefined();
    expect(refused).toEqual(['forced command options do not match']);
  });

  test("the certificate's source-address and the line's from= both apply", () => {
    const cert = userCert({ criticalOptions: [{ name: 'source-address', data: str('192.0.2.0/24') }] });
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: cert })).toBeDefined();
    expect(matchAuthorizedKeys(lines(''), { ...base, keyBlob: cert, clientAddress: '198.51.100.1' })).toBeUndefined();
    expect(matchAuthorizedKeys(lines('from="10.0.0.0/8"'), { ...base, keyBlob: cert })).toBeUndefined();
  });

  test('an RSA CA signature with SHA-1 is refused unless the algorithms allow it', () => {
    const caRsa = RSA;
    const cert = signTestCertificate(caRsa, ED.publicBlob, { kind: 'user', principals: ['alice'] }, 'ssh-rsa');
    const entries = parseAuthorizedKeys(`cert-authority ${rsa}`);
    expect(matchAuthorizedKeys(entries, { ...base, keyBlob: cert })).toBeUndefined();
    expect(matchAuthorizedKeys(entries, { ...base, keyBlob: cert, caSignatureAlgorithms: ['ssh-rsa'] })).toBeDefined();
  });
});

describe('readAuthorizedKeys', () => {
  test('reads a file through the FileSystem; a missing file holds no keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hop-ak-'));
    registerDir(dir);
    await writeFile(join(dir, 'authorized_keys'), `# keys\n${ed}\n`);
    const entries = await readAuthorizedKeys(nodeFileSystem, join(dir, 'authorized_keys'));
    expect(entries.map((e) => [e.source, e.line])).toEqual([[join(dir, 'authorized_keys'), 2]]);
    expect(await readAuthorizedKeys(nodeFileSystem, join(dir, 'missing'))).toEqual([]);
    await writeFile(join(dir, 'bad'), 'nonsense\n');
    await expect(readAuthorizedKeys(nodeFileSystem, join(dir, 'bad'))).rejects.toThrow(`${join(dir, 'bad')} line 1: unknown option "nonsense"`);
  });
});

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('against ssh-keygen', () => {
  test('the key of each line (options, quotes with spaces) is the one ssh-keygen -l reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hop-ak-'));
    registerDir(dir);
    const text = [`restrict,command="echo \\"a b\\"" ${rsa} one`, `from="10.0.0.0/8",no-pty ${ed} two`, `${ec} three`].join('\n');
    await writeFile(join(dir, 'authorized_keys'), text + '\n');
    const out = execFileSync(findSshKeygen(), ['-l', '-f', join(dir, 'authorized_keys')], { encoding: 'utf8' }).trim().split('\n');
    expect(parseAuthorizedKeys(text).map((e) => fingerprintSha256(e.keyBlob))).toEqual(out.map((l) => l.split(' ')[1]));
  });
});
