/**
 * The known_hosts host-key policy (ssh_config(5) StrictHostKeyChecking,
 * CheckHostIP, HostKeyAlias, HashKnownHosts) on an in-memory file system,
 * host certificates made by `ssh-keygen -s` (sshd(8) @cert-authority), and
 * the host-key algorithm order ssh(1) derives from known_hosts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  checkHostKey,
  hostKeyAlgorithmsFor,
  knownHostsAlgorithmOrder,
  knownHostsVerifier,
  type HostKeyWarning,
  type KnownHostsVerifierOptions,
} from '../../src/auth/host-key-policy.ts';
import { hashHostName, parseKnownHosts, removeKnownHostFromFile, appendKnownHosts, loadKnownHosts } from '../../src/auth/known-hosts.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import { encodeRsaPublicKey } from '../../src/crypto/public-key.ts';
import { HostKeyError } from '../../src/transport/errors.ts';
import { nobleAsymmetric } from '../../src/crypto/providers/noble-asymmetric.ts';
import { runtimeAsymmetric } from '../../src/crypto/providers/runtime-asymmetric.ts';
import type { HostKeyInfo } from '../../src/transport/kex-exchange.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { utf8 } from '../../src/wire/bytes.ts';
import { Writer } from '../../src/wire/writer.ts';
import { findSshKeygen, generateKey, requireOpenSSH, runChecked } from '../helpers/openssh.ts';
import { MemoryFileSystem } from '../helpers/memory-file-system.ts';

const USER = '/home/u/.ssh/known_hosts';
const GLOBAL = '/etc/ssh/ssh_known_hosts';
const ED = generateSigningKey('ssh-ed25519');
const ED2 = generateSigningKey('ssh-ed25519');
const EC = generateSigningKey('ecdsa-sha2-nistp256');
const keyText = (blob: Uint8Array, type: string): string => `${type} ${toBase64(blob)}`;
const ed = keyText(ED.publicBlob, 'ssh-ed25519');
const ed2 = keyText(ED2.publicBlob, 'ssh-ed25519');
const ec = keyText(EC.publicBlob, 'ecdsa-sha2-nistp256');

function offer(blob: Uint8Array, algorithm = 'ssh-ed25519'): HostKeyInfo {
  return { algorithm, publicKey: blob, fingerprint: fingerprintSha256(blob) };
}

function setup(files: Record<string, string>, options: Partial<KnownHostsVerifierOptions> = {}) {
  const fs = new MemoryFileSystem(files);
  const warnings: HostKeyWarning[] = [];
  const verify = knownHostsVerifier({ fs, host: 'server.example', port: 2222, onWarning: (w) => warnings.push(w), ...options });
  return { fs, warnings, verify };
}

async function refusal(p: boolean | Promise<boolean>): Promise<HostKeyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HostKeyError);
    return e as HostKeyError;
  }
  throw new Error('the host key was accepted');
}

describe('StrictHostKeyChecking', () => {
  test('known key: accepted in every mode, nothing written', async () => {
    for (const strict of ['yes', 'accept-new', 'no', 'off'] as const) {
      const { fs, warnings, verify } = setup({ [USER]: `[server.example]:2222 ${ed}\n` }, { strict });
      expect(await verify(offer(ED.publicBlob))).toBe(true);
      expect(fs.text(USER)).toBe(`[server.example]:2222 ${ed}\n`);
      expect(warnings).toEqual([]);
    }
  });

  test('default is yes: an unknown host is refused and nothing is written', async () => {
    const { fs, verify } = setup({ [USER]: `other ${ed}\n` });
    const err = await refusal(verify(offer(ED.publicBlob)));
    expect(err.message).toContain('no host key is known for [server.example]:2222');
    expect(err.message).toContain('StrictHostKeyChecking yes');
    expect(err.fingerprint).toBe(fingerprintSha256(ED.publicBlob));
    expect(fs.text(USER)).toBe(`other ${ed}\n`);
  });

  test.each(['accept-new', 'no', 'off'] as const)('%s: an unknown host is added to the first user file and accepted', async (strict) => {
    const { fs, warnings, verify } = setup({ [USER]: `other ${ed}` }, { strict });
    expect(await verify(offer(EC.publicBlob, 'ecdsa-sha2-nistp256'))).toBe(true);
    // The file lacked a final newline: one is added before the new line.
    expect(fs.text(USER)).toBe(`other ${ed}\n[server.example]:2222 ${ec}\n`);
    expect(warnings.map((w) => w.kind)).toEqual(['added']);
    expect(warnings[0]!.message).toContain("Permanently added '[server.example]:2222' (ecdsa-sha2-nistp256)");
    // A second connection finds it under yes.
    const again = knownHostsVerifier({ fs, host: 'Server.Example', port: 2222 });
    expect(await again(offer(EC.publicBlob, 'ecdsa-sha2-nistp256'))).toBe(true);
  });

  test('accept-new with hashKnownHosts writes a hashed line that is found again; a missing file is created 0600', async () => {
    const { fs, verify } = setup({}, { strict: 'accept-new', hashKnownHosts: true, host: 'h.example', port: 22 });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    const text = fs.text(USER)!;
    expect(text).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(text).not.toContain('h.example');
    expect(fs.files.get(USER)!.mode).toBe(0o600);
    expect(checkHostKey(parseKnownHosts(text).entries, 'h.example', ED.publicBlob).status).toBe('known');
  });

  test.each(['yes', 'accept-new'] as const)('%s: a changed key is refused, naming both fingerprints, the known type and file:line', async (strict) => {
    const { fs, verify } = setup({ [USER]: `# header\n[server.example]:2222 ${ec}\n`, [GLOBAL]: `[*.example]:* ${ed2}\n` }, { strict });
    const err = await refusal(verify(offer(ED.publicBlob)));
    expect(err.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED for [server.example]:2222');
    expect(err.message).toContain(`the server offers ssh-ed25519 key ${fingerprintSha256(ED.publicBlob)}`);
    expect(err.message).toContain(`ecdsa-sha2-nistp256 key ${fingerprintSha256(EC.publicBlob)} at ${USER}:2`);
    expect(err.message).toContain(`ssh-ed25519 key ${fingerprintSha256(ED2.publicBlob)} at ${GLOBAL}:1`);
    expect(err.message).toContain(`ssh-keygen -R "[server.example]:2222" -f "${USER}"`);
    expect(err.algorithm).toBe('ssh-ed25519');
    expect(fs.text(USER)).toBe(`# header\n[server.example]:2222 ${ec}\n`);
  });

  test.each(['no', 'off'] as const)('%s: a changed key proceeds (ssh_config(5)) with a warning naming the restrictions; nothing written', async (strict) => {
    const { fs, warnings, verify } = setup({ [USER]: `[server.example]:2222 ${ed2}\n` }, { strict });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(warnings.map((w) => w.kind)).toEqual(['changed-key-accepted']);
    expect(warnings[0]!.message).toContain(fingerprintSha256(ED2.publicBlob));
    expect(warnings[0]!.message).toContain('password');
    expect(fs.text(USER)).toBe(`[server.example]:2222 ${ed2}\n`);
  });

  test.each(['yes', 'accept-new', 'no', 'off'] as const)('%s: a @revoked key is refused, even if also listed as known', async (strict) => {
    const { verify } = setup({ [USER]: `[server.example]:2222 ${ed}\n`, [GLOBAL]: `@revoked * ${ed}\n` }, { strict });
    const err = await refusal(verify(offer(ED.publicBlob)));
    expect(err.message).toContain(`marked @revoked at ${GLOBAL}:1`);
  });

  test('a key known only in a global file is accepted; new keys go to the first user file only', async () => {
    const { fs, verify } = setup({ [GLOBAL]: `[server.example]:2222 ${ed}\n` }, { strict: 'accept-new' });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(fs.text(USER)).toBeUndefined();
    const other = knownHostsVerifier({ fs, host: 'new.example', strict: 'accept-new', files: ['~/kh-a', '~/kh-b'] });
    expect(await other(offer(ED.publicBlob))).toBe(true);
    expect(fs.text('/home/u/kh-a')).toBe(`new.example ${ed}\n`);
    expect(fs.text('/home/u/kh-b')).toBeUndefined();
  });

  test('malformed lines and unreadable files are warnings, not failures', async () => {
    const { fs, warnings, verify } = setup({ [USER]: `garbage\n[server.example]:2222 ${ed}\n@bogus x ${ed}\n` });
    fs.files.set(GLOBAL, { data: utf8(''), mode: 0 });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(warnings.map((w) => [w.kind, w.message.slice(0, USER.length + 2)])).toEqual([
      ['unreadable-file', `cannot read ${GLOBAL}`.slice(0, USER.length + 2)],
      ['malformed-line', `${USER}:1`],
      ['malformed-line', `${USER}:3`],
    ]);
  });

  test('a failed write is a warning and the connection goes on, as with ssh(1)', async () => {
    const { fs, warnings, verify } = setup({}, { strict: 'accept-new' });
    fs.failAppend = true;
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(warnings.map((w) => w.kind)).toEqual(['add-failed']);
    const none = knownHostsVerifier({ fs, host: 'h', strict: 'accept-new', files: [], onWarning: (w) => warnings.push(w) });
    expect(await none(offer(ED.publicBlob))).toBe(true);
    expect(warnings.map((w) => w.kind)).toEqual(['add-failed', 'add-failed']);
  });

  test('a rekey offering the accepted key does not read the files again; another key is checked afresh', async () => {
    const { fs, verify } = setup({ [USER]: `[server.example]:2222 ${ed}\n` });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    const reads = fs.reads;
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(fs.reads).toBe(reads);
    await refusal(verify(offer(ED2.publicBlob)));
  });

  test('HostKeyAlias: looked up and recorded as the alias, without the port', async () => {
    const { fs, verify } = setup({}, { strict: 'accept-new', hostKeyAlias: 'MyAlias' });
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(fs.text(USER)).toBe(`myalias ${ed}\n`);
  });

  test('option checks', () => {
    expect(() => knownHostsVerifier({ fs: new MemoryFileSystem(), host: 'h', strict: 'ask' as never })).toThrow(TypeError);
    expect(() => knownHostsVerifier({ fs: new MemoryFileSystem(), host: 'h', port: 70000 })).toThrow(RangeError);
  });
});

describe('CheckHostIP', () => {
  const opts = { checkHostIp: '192.0.2.7', port: 22 } as const;

  test('host known, address new: the address is added even under yes', async () => {
    const { fs, warnings, verify } = setup({ [USER]: `server.example ${ed}\n` }, opts);
    expect(await verify(offer(ED.publicBlob))).toBe(true);
    expect(fs.text(USER)).toBe(`server.example ${ed}\n192.0.2.7 ${ed}\n`);
    expect(warnings.map((w) => w.kind)).toEqual(['address-added']);
  });

  test('new host under accept-new: one line for host and address; hashed, one line each', async () => {
    const plain = setup({}, { ...opts, strict: 'accept-new' });
    expect(await plain.verify(offer(ED.publicBlob))).toBe(true);
    expect(plain.fs.text(USER)).toBe(`server.example,192.0.2.7 ${ed}\n`);
    const hashed = setup({}, { ...opts, strict: 'accept-new', hashKnownHosts: true });
    expect(await hashed.verify(offer(ED.publicBlob))).toBe(true);
    const { entries } = parseKnownHosts(hashed.fs.text(USER)!);
    expect(entries).toHaveLength(2);
    expect(checkHostKey(entries, 'server.example', ED.publicBlob).status).toBe('known');
    expect(checkHostKey(entries, '192.0.2.7', ED.publicBlob).status).toBe('known');
  });

  test('the address has another key: refused under yes and accept-new, a warning under no', async () => {
    const files = { [USER]: `server.example ${ed}\n192.0.2.7 ${ed2}\n` };
    for (const strict of ['yes', 'accept-new'] as const) {
      const err = await refusal(setup(files, { ...opts, strict }).verify(offer(ED.publicBlob)));
      expect(err.message).toContain("differs from the key for the IP address '192.0.2.7'");
      expect(err.message).toContain(`${USER}:2`);
      expect(err.message).toContain(`matching host key at ${USER}:1`);
    }
    const lenient = setup(files, { ...opts, strict: 'no' });
    expect(await lenient.verify(offer(ED.publicBlob))).toBe(true);
    expect(lenient.warnings.map((w) => w.kind)).toEqual(['address-changed']);
  });

  test('not done for a loopback address or when the host is the address', async () => {
    for (const [host, ip] of [
      ['server.example', '127.0.0.1'],
      ['server.example', '::1'],
      ['192.0.2.7', '192.0.2.7'],
    ] as const) {
      const { fs, verify } = setup({ [USER]: `${host} ${ed}\n` }, { host, checkHostIp: ip, port: 22 });
      expect(await verify(offer(ED.publicBlob))).toBe(true);
      expect(fs.text(USER)).toBe(`${host} ${ed}\n`);
    }
  });
});

describe('known_hosts file helpers', () => {
  test('removeKnownHostFromFile keeps the mode; appendKnownHosts and loadKnownHosts', async () => {
    const fs = new MemoryFileSystem({ [USER]: `a ${ed}\nb ${ec}\n` });
    fs.files.get(USER)!.mode = 0o640;
    expect(await removeKnownHostFromFile(fs, '~/.ssh/known_hosts', 'a')).toEqual([1]);
    expect(fs.text(USER)).toBe(`b ${ec}\n`);
    expect(fs.files.get(USER)!.mode).toBe(0o640);
    expect(await removeKnownHostFromFile(fs, '/missing', 'a')).toEqual([]);
    await appendKnownHosts(fs, '~/.ssh/known_hosts', [`${hashHostName('c')} ${ed}`]);
    const loaded = await loadKnownHosts(fs, ['~/.ssh/known_hosts', '/missing']);
    expect(loaded.entries.map((e) => [e.source, e.line])).toEqual([
      [USER, 1],
      [USER, 2],
    ]);
    expect(loaded.unreadable).toEqual([]);
  });
});

describe('hostKeyAlgorithmsFor (ssh(1) order_hostkeyalgs)', () => {
  // OpenSSH 9.2's default HostKeyAlgorithms; the expected front parts are what
  // `ssh -vvv` printed as "order_hostkeyalgs: prefer hostkeyalgs: …" for each file.
  const DEFAULTS = [
    'ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521-cert-v01@openssh.com',
    'sk-ssh-ed25519-cert-v01@openssh.com',
    'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-256-cert-v01@openssh.com',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ssh-ed25519@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ];
  // Only the key type matters here: a structurally valid RSA public key is enough.
  const rsa = keyText(encodeRsaPublicKey(65537n, (1n << 2047n) + 1n), 'ssh-rsa');
  const CERTS = DEFAULTS.slice(0, 8);
  const skType = 'sk-ssh-ed25519@openssh.com';
  const sk = keyText(new Writer(96).string(skType).string(new Uint8Array(32).fill(7)).string('ssh:').bytes(), skType);
  const order = (text: string): string[] => hostKeyAlgorithmsFor(parseKnownHosts(text).entries, 'h', 2222, DEFAULTS);
  const front = (text: string, n: number): string[] => order(text).slice(0, n);

  test.each([
    ['ecdsa-sha2-nistp256 known', `[h]:2222 ${ec}`, ['ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp256']],
    ['ssh-rsa known', `[h]:2222 ${rsa}`, ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512', 'rsa-sha2-256']],
    ['a @cert-authority', `@cert-authority [h]:2222 ${ed2}`, CERTS],
    ['sk-ssh-ed25519 known (a type hopssh only compares)', `[h]:2222 ${sk}`, ['sk-ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com']],
    ['a @cert-authority and ecdsa', `@cert-authority [h]:2222 ${ed2}\n[h]:2222 ${ec}`, [...CERTS, 'ecdsa-sha2-nistp256']],
  ])('%s', (_, text, expected) => {
    const got = order(text);
    expect(got.slice(0, expected.length)).toEqual(expected);
    expect([...got].sort()).toEqual([...DEFAULTS].sort()); // nothing removed
    expect(got.slice(expected.length)).toEqual(DEFAULTS.filter((a) => !expected.includes(a)));
  });

  test('the first algorithm\'s key type known, nothing known, only revoked, other hosts: the list as it is', () => {
    expect(order(`[h]:2222 ${ed}\n[h]:2222 ${ec}`)).toEqual(DEFAULTS);
    expect(order(`@cert-authority [h]:2222 ${ed2}\n[h]:2222 ${ed}`)).toEqual(DEFAULTS);
    expect(order('')).toEqual(DEFAULTS);
    expect(order(`@revoked [h]:2222 ${ec}`)).toEqual(DEFAULTS);
    expect(order(`[h]:2222 ${ec}\n@revoked * ${ec}`)).toEqual(DEFAULTS);
    expect(order(`h ${ec}\n[h]:22 ${ec}`)).toEqual(DEFAULTS);
  });

  test('knownHostsAlgorithmOrder reads the verifier\'s files; a HostKeyAlias is looked up without the port', async () => {
    const fs = new MemoryFileSystem({ [USER]: `[h]:2222 ${ec}\n`, [GLOBAL]: `alias ${rsa}\n` });
    expect((await knownHostsAlgorithmOrder({ fs, host: 'h', port: 2222 }, DEFAULTS)).slice(0, 2)).toEqual(['ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp256']);
    expect((await knownHostsAlgorithmOrder({ fs, host: 'h', port: 2222, hostKeyAlias: 'Alias' }, DEFAULTS))[0]).toBe('rsa-sha2-512-cert-v01@openssh.com');
    expect(await knownHostsAlgorithmOrder({ fs, host: 'h', port: 2222, files: [], globalFiles: [] }, DEFAULTS)).toEqual(DEFAULTS);
  });

  test('hopssh\'s own default list', () => {
    const plain = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];
    expect(hostKeyAlgorithmsFor(parseKnownHosts(`h ${ec}`).entries, 'H', 22, plain)).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
    expect(front(`[h]:2222 ${ec}`, 1)).toEqual(['ecdsa-sha2-nistp256-cert-v01@openssh.com']);
  });
});

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('@cert-authority: host certificates from ssh-keygen -s', () => {
  let dir: string;
  let caLine: string;
  let otherCaLine: string;
  let hostKeyBlob: Uint8Array;
  const certs: Record<string, Uint8Array> = {};

  async function sign(name: string, args: string[]): Promise<void> {
    await runChecked([findSshKeygen(), '-q', '-s', join(dir, 'ca'), '-I', `id-${name}`, ...args, join(dir, `host-${name}.pub`)]);
    certs[name] = fromBase64((await readFile(join(dir, `host-${name}-cert.pub`), 'utf8')).split(' ')[1]!);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-hkp-'));
    caLine = (await generateKey('ed25519', join(dir, 'ca'))).publicKeyLine;
    otherCaLine = (await generateKey('ed25519', join(dir, 'other-ca'))).publicKeyLine;
    const host = await generateKey('ed25519', join(dir, 'host'));
    hostKeyBlob = fromBase64(host.publicKeyLine.split(' ')[1]!);
    for (const n of ['good', 'expired', 'user', 'wild']) {
      await runChecked(['cp', join(dir, 'host.pub'), join(dir, `host-${n}.pub`)]);
    }
    await sign('good', ['-h', '-n', 'server.example,alias.example']);
    await sign('expired', ['-h', '-n', 'server.example', '-V', '20200101:20200102']);
    await sign('user', ['-n', 'server.example']);
    await sign('wild', ['-h', '-n', '*.example']);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const certOffer = (name: string): HostKeyInfo => offer(certs[name]!, 'ssh-ed25519-cert-v01@openssh.com');

  test('a certificate from a listed CA for a matching host, with the host as principal, is accepted; nothing written', async () => {
    for (const [host, port] of [
      ['server.example', 22],
      ['server.example', 2222],
      ['a.example', 22],
    ] as const) {
      const { fs, warnings, verify } = setup({ [USER]: `@cert-authority *.example,[*.example]:* ${caLine}\n` }, { host, port, strict: 'accept-new' });
      const ok = host === 'a.example' ? 'wild' : 'good';
      expect(await verify(certOffer(ok)), `${host}:${port}`).toBe(true);
      expect(warnings).toEqual([]);
      expect(fs.text(USER)).toBe(`@cert-authority *.example,[*.example]:* ${caLine}\n`);
    }
  });

  test("crypto: 'noble': the CA's signature is verified by noble, not node:crypto", async () => {
    const spies = [vi.spyOn(nobleAsymmetric, 'ed25519Verify'), vi.spyOn(runtimeAsymmetric, 'ed25519Verify')] as const;
    try {
      const { verify } = setup({ [USER]: `@cert-authority *.example ${caLine}\n` }, { host: 'server.example', port: 22, crypto: 'noble' });
      expect(await verify(certOffer('good'))).toBe(true);
      expect(spies[0].mock.calls.length).toBe(1);
      expect(spies[1].mock.calls.length).toBe(0);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  test('HostKeyAlias is the principal', async () => {
    const { verify } = setup({ [USER]: `@cert-authority alias.example ${caLine}\n` }, { host: '10.1.1.1', hostKeyAlias: 'alias.example' });
    expect(await verify(certOffer('good'))).toBe(true);
  });

  test.each([
    ['a host name not among the principals', 'good', 'other.example', /not a listed principal/],
    ['an expired certificate', 'expired', 'server.example', /expired/],
    ['a user certificate', 'user', 'server.example', /not a host certificate/],
  ])('refused: %s (the CA is listed, so there is no fallback)', async (_, cert, host, why) => {
    const { verify } = setup({ [USER]: `@cert-authority *.example ${caLine}\n*.example ${keyText(hostKeyBlob, 'ssh-ed25519')}\n` }, { host, port: 22, strict: 'no' });
    const err = await refusal(verify(certOffer(cert)));
    expect(err.message).toMatch(why);
    expect(err.message).toContain(`${USER}:1`);
  });

  test('a revoked CA is refused', async () => {
    const { verify } = setup({ [USER]: `@cert-authority *.example ${caLine}\n@revoked * ${caLine}\n` }, { host: 'server.example', port: 22, strict: 'no' });
    expect((await refusal(verify(certOffer('good')))).message).toContain(`@revoked at ${USER}:2`);
  });

  test('no CA listed for the host: the certified key is checked as a plain key, as ssh(1) retries', async () => {
    const files = { [USER]: `@cert-authority other.example ${caLine}\n@cert-authority *.example ${otherCaLine}\n` };
    const strictly = setup(files, { host: 'server.example', port: 22 });
    expect((await refusal(strictly.verify(certOffer('good')))).message).toMatch(/no host key is known for server\.example.*@cert-authority/);
    const tofu = setup(files, { host: 'server.example', port: 22, strict: 'accept-new' });
    expect(await tofu.verify(certOffer('good'))).toBe(true);
    // The plain key is what gets recorded, and then it is known.
    expect(tofu.fs.text(USER)!.split('\n')[2]).toBe(`server.example ${keyText(hostKeyBlob, 'ssh-ed25519')}`);
    const known = setup({ [USER]: `server.example ${keyText(hostKeyBlob, 'ssh-ed25519')}\n` }, { host: 'server.example', port: 22 });
    expect(await known.verify(certOffer('good'))).toBe(true);
  });
});
