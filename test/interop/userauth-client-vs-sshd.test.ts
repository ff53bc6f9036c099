/**
 * hopssh's user-authentication client (RFC 4252, RFC 4256, RFC 8332,
 * PROTOCOL §2.5) against OpenSSH's sshd: every key type, RSA with each SHA-2
 * algorithm, a user certificate, a password, ssh-agent keys, partial success,
 * refusals, a banner, publickey-hostbound and a rekey after success.
 *
 * sshd runs with `UsePAM no` (the harness default). Its keyboard-interactive
 * then has no device: it lists the method and refuses every attempt, which is
 * what the test checks here; keyboard-interactive rounds are covered against
 * an in-memory server in test/auth/userauth-client.test.ts.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureTestUser, findSshKeygen, generateKey, requireOpenSSH, runChecked, startSshd, type GeneratedKey, type SshdOptions, type SshdServer } from '../helpers/openssh.ts';
import { startSshAgent, type SshAgentProcess } from '../helpers/ssh-agent.ts';
import { connectTcp, connectUnix } from '../../src/io/node-socket.ts';
import { ClientTransport } from '../../src/transport/transport.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { authenticateClient, type ClientAuthOptions } from '../../src/auth/userauth-client.ts';
import { AgentClient, agentCredentials } from '../../src/auth/agent-client.ts';
import { AuthenticationError } from '../../src/auth/errors.ts';
import type { Credential } from '../../src/auth/credentials.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';
import { parsePrivateKey } from '../../src/auth/private-key.ts';

const describeOpenSSH = requireOpenSSH();

/** Public-key logins use the account the tests run as; password logins a test account. */
const USER = userInfo().username;
const PW_USER = 'hoptest';
const PW = 'hop-Test-pw-1';

const KEYS = {
  ed25519: generateSigningKey('ssh-ed25519'),
  ecdsa256: generateSigningKey('ecdsa-sha2-nistp256'),
  ecdsa384: generateSigningKey('ecdsa-sha2-nistp384'),
  ecdsa521: generateSigningKey('ecdsa-sha2-nistp521'),
  rsa: generateSigningKey('ssh-rsa', { bits: 2048 }),
};

function line(key: SigningKey): string {
  return `${key.type} ${toBase64(key.publicBlob)}`;
}

/** A connected, keyed transport trusting exactly sshd's host keys. */
async function connect(sshd: SshdServer): Promise<ClientTransport> {
  const trusted = new Set(sshd.hostKeys.map((k) => k.publicKeyLine.split(' ')[1]));
  const t = new ClientTransport(await connectTcp({ host: sshd.host, port: sshd.port }), {
    verifyHostKey: ({ publicKey }) => trusted.has(toBase64(publicKey)),
  });
  await t.ready;
  return t;
}

/** Connects, authenticates, and always closes. */
async function login(sshd: SshdServer, opts: Partial<ClientAuthOptions> & { credentials: Credential[] }, after?: (t: ClientTransport) => Promise<void>) {
  const t = await connect(sshd);
  try {
    const res = await authenticateClient(t, { username: USER, ...opts });
    await after?.(t);
    return res;
  } finally {
    t.close();
  }
}

describeOpenSSH('interop: hopssh userauth client against OpenSSH sshd', () => {
  const servers: SshdServer[] = [];
  let dir: string;
  const start = async (o: SshdOptions): Promise<SshdServer> => {
    const s = await startSshd(o);
    servers.push(s);
    return s;
  };
  let pubkey: SshdServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-userauth-'));
    pubkey = await start({ authorizedKeys: { [USER]: Object.values(KEYS).map(line) } });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.each([
    ['ed25519', 'ED25519'],
    ['ecdsa256', 'ECDSA'],
    ['ecdsa384', 'ECDSA'],
    ['ecdsa521', 'ECDSA'],
  ] as const)('publickey %s', async (name, logType) => {
    const key = KEYS[name];
    const res = await login(pubkey, { credentials: [{ type: 'publickey', key }] });
    expect(res.methods).toEqual(['publickey']);
    await pubkey.waitForLog(new RegExp(`Accepted publickey for ${USER} .* ${logType} ${escapeRe(fingerprintSha256(key.publicBlob))}`));
  });

  test('publickey-hostbound-v00@openssh.com: sshd announces it in EXT_INFO and the signed request uses it', async () => {
    const key = KEYS.ed25519;
    await login(pubkey, { credentials: [{ type: 'publickey', key }] }, async (t) => {
      expect(new TextDecoder().decode(t.peerExtensions.get('publickey-hostbound@openssh.com'))).toBe('0');
    });
    await pubkey.waitForLog(/userauth-request for user \S+ service ssh-connection method publickey-hostbound-v00@openssh\.com/);
  });

  test('after success a rekey completes and automatic rekeying is on', async () => {
    await login(pubkey, { credentials: [{ type: 'publickey', key: KEYS.ed25519 }] }, async (t) => {
      expect(t.authenticated).toBe(true);
      await t.rekey();
      expect(t.kexCount).toBe(2);
    });
  });

  test.each(['rsa-sha2-256', 'rsa-sha2-512'])('RSA forced to %s by sshd PubkeyAcceptedAlgorithms', async (alg) => {
    // sshd 9.2 lists every algorithm in server-sig-algs whatever PubkeyAcceptedAlgorithms says, so for
    // rsa-sha2-256 the client's rsa-sha2-512 query is refused first (publickey-algorithms.ts).
    const sshd = await start({ authorizedKeys: { [USER]: line(KEYS.rsa) }, config: [`PubkeyAcceptedAlgorithms ${alg}`] });
    const res = await login(sshd, { credentials: [{ type: 'publickey', key: KEYS.rsa }] });
    expect(res.methods).toEqual(['publickey']);
    expect(res.attempted.at(-1)).toMatch(new RegExp(`^publickey-hostbound-v00@openssh.com ${alg} SHA256:`));
    await sshd.waitForLog(`publickey RSA signature using ${alg} verified`);
  });

  test('keys made by ssh-keygen, read with parsePrivateKey (one with a passphrase)', async () => {
    const files: GeneratedKey[] = [];
    for (const t of ['ed25519', 'ecdsa-256', 'rsa'] as const) files.push(await generateKey(t, join(dir, `file_${t}`), `file-${t}`));
    const encrypted = join(dir, 'file_encrypted');
    await runChecked([findSshKeygen(), '-q', '-t', 'ed25519', '-N', 'pass phrase', '-C', 'file-encrypted', '-f', encrypted]);
    const encryptedLine = (await readFile(`${encrypted}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const sshd = await start({ authorizedKeys: { [USER]: [...files.map((f) => f.publicKeyLine), encryptedLine] } });
    for (const f of files) {
      const { key, comment } = parsePrivateKey(await readFile(f.path, 'utf8'));
      expect(comment).toBe(`file-${f.type}`);
      expect((await login(sshd, { credentials: [{ type: 'publickey', key, comment }] })).methods).toEqual(['publickey']);
    }
    const { key } = parsePrivateKey(await readFile(encrypted, 'utf8'), { passphrase: 'pass phrase' });
    expect((await login(sshd, { credentials: [{ type: 'publickey', key }] })).methods).toEqual(['publickey']);
  });

  describe('certificates (ssh-keygen -s, sshd TrustedUserCAKeys)', () => {
    let sshd: SshdServer;
    const certs = new Map<string, Uint8Array>();

    beforeAll(async () => {
      const ca = await generateKey('ed25519', join(dir, 'user_ca'), 'hopssh test CA');
      for (const [name, key] of [
        ['ed25519', KEYS.ed25519],
        ['rsa', KEYS.rsa],
        ['ecdsa384', KEYS.ecdsa384],
      ] as const) {
        const pub = join(dir, `cert_${name}.pub`);
        await writeFile(pub, `${line(key)} ${name}\n`);
        await runChecked([findSshKeygen(), '-q', '-s', ca.path, '-I', `hopssh-${name}`, '-n', USER, '-V', '-5m:+1h', pub]);
        const certLine = await readFile(join(dir, `cert_${name}-cert.pub`), 'utf8');
        certs.set(name, fromBase64(certLine.split(' ')[1]!));
      }
      sshd = await start({ config: [`TrustedUserCAKeys ${ca.path}.pub`] });
    });

    test.each([
      ['ed25519', 'ssh-ed25519-cert-v01@openssh.com'],
      ['rsa', 'rsa-sha2-512-cert-v01@openssh.com'],
      ['ecdsa384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com'],
    ] as const)('a %s user certificate is offered as %s', async (name, alg) => {
      const res = await login(sshd, { credentials: [{ type: 'publickey', key: new CertifiedSigningKey(KEYS[name], certs.get(name)!) }] });
      expect(res.methods).toEqual(['publickey']);
      expect(res.attempted.at(-1)).toContain(` ${alg} `);
      await sshd.waitForLog(new RegExp(`Accepted certificate ID "hopssh-${name}" .* signed by ED25519 CA`));
    });

    test('the bare key, without its certificate, is refused (no authorized_keys)', async () => {
      const err = await login(sshd, { credentials: [{ type: 'publickey', key: KEYS.ed25519 }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
    });
  });

  describe('password and keyboard-interactive (test account)', () => {
    let sshd: SshdServer;
    let chain: SshdServer;
    beforeAll(async () => {
      const u = await ensureTestUser(PW_USER, PW);
      if (!u.ok) throw new Error(`password tests need a test account: ${u.skipped}`);
      sshd = await start({ passwordAuthentication: true, kbdInteractiveAuthentication: true, authorizedKeys: { [PW_USER]: line(KEYS.ed25519) } });
      chain = await start({ passwordAuthentication: true, authorizedKeys: { [PW_USER]: line(KEYS.ed25519) }, config: ['AuthenticationMethods publickey,password'] });
    });

    test('a password', async () => {
      const res = await login(sshd, { username: PW_USER, credentials: [{ type: 'password', password: PW }] });
      expect(res.methods).toEqual(['password']);
      await sshd.waitForLog(`Accepted password for ${PW_USER}`);
    });

    test('an asked-for password, right at the second prompt', async () => {
      const asked: number[] = [];
      const res = await login(sshd, { username: PW_USER, credentials: [{ type: 'password', password: (n) => (asked.push(n), n === 2 ? PW : 'nope') }] });
      expect(asked).toEqual([1, 2]);
      expect(res.attempted).toEqual(['none', 'password', 'password']);
    });

    test('a wrong password and a wrong key: AuthenticationError listing the methods left', async () => {
      const err = (await login(sshd, {
        username: PW_USER,
        credentials: [
          { type: 'publickey', key: KEYS.ecdsa256 },
          { type: 'password', password: 'wrong' },
        ],
      }).catch((e: unknown) => e)) as AuthenticationError;
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.methodsLeft).toEqual(['publickey', 'password', 'keyboard-interactive']);
      // The in-process key signed at once (no query): sshd 9.2 announces publickey-hostbound.
      expect(err.attempted).toEqual(['none', expect.stringMatching(/^publickey-hostbound-v00@openssh.com ecdsa-sha2-nistp256 SHA256:\S+$/), 'password']);
      expect(err.message).toMatch(/server allows: publickey,password,keyboard-interactive/);
    });

    test('keyboard-interactive without PAM: sshd lists it but has no device, so every attempt fails and password follows', async () => {
      let prompted = 0;
      const res = await login(sshd, {
        username: PW_USER,
        credentials: [
          { type: 'keyboard-interactive', respond: (_n, _i, p) => (prompted++, p.map(() => PW)) },
          { type: 'password', password: PW },
        ],
      });
      expect(prompted).toBe(0);
      expect(res.methods).toEqual(['password']);
      expect(res.attempted).toEqual(['none', 'keyboard-interactive', 'keyboard-interactive', 'keyboard-interactive', 'password']);
    });

    test('partial success: AuthenticationMethods publickey,password', async () => {
      const res = await login(chain, {
        username: PW_USER,
        credentials: [
          { type: 'password', password: PW },
          { type: 'publickey', key: KEYS.ed25519 },
        ],
      });
      expect(res.methods).toEqual(['publickey', 'password']);
      await chain.waitForLog(/Partial publickey for hoptest/);
      await chain.waitForLog(`Accepted password for ${PW_USER}`);
    });

    test('partial success and then no password: AuthenticationError with password left', async () => {
      const err = (await login(chain, { username: PW_USER, credentials: [{ type: 'publickey', key: KEYS.ed25519 }] }).catch((e: unknown) => e)) as AuthenticationError;
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.methodsLeft).toEqual(['password']);
    });
  });

  test('the banner (sshd Banner) reaches onBanner', async () => {
    const file = join(dir, 'banner.txt');
    await writeFile(file, 'Authorized access only.\nSecond line.\n');
    const sshd = await start({ authorizedKeys: { [USER]: line(KEYS.ed25519) }, config: [`Banner ${file}`] });
    const banners: string[] = [];
    await login(sshd, { credentials: [{ type: 'publickey', key: KEYS.ed25519 }], onBanner: (m) => banners.push(m) });
    expect(banners.join('')).toContain('Authorized access only.\nSecond line.');
  });

  describe('through ssh-agent', () => {
    let agent: SshAgentProcess;
    const agentKeys: GeneratedKey[] = [];
    beforeAll(async () => {
      agent = await startSshAgent();
      for (const t of ['rsa', 'ed25519'] as const) {
        const k = await generateKey(t, join(dir, `agent_${t}`), `agent-${t}`);
        await agent.add(k.path);
        agentKeys.push(k);
      }
    });
    afterAll(async () => {
      await agent?.stop();
    });

    test.each(['rsa-sha2-256', 'rsa-sha2-512'])('an RSA agent key signs with %s (SSH_AGENT_RSA_SHA2 flags)', async (alg) => {
      const sshd = await start({ authorizedKeys: { [USER]: agentKeys[0]!.publicKeyLine }, config: [`PubkeyAcceptedAlgorithms ${alg}`] });
      const client = new AgentClient(await connectUnix(agent.socket));
      try {
        const creds = await agentCredentials(client);
        expect(creds.map((c) => c.comment)).toEqual(['agent-rsa', 'agent-ed25519']);
        const res = await login(sshd, { credentials: creds });
        expect(res.methods).toEqual(['publickey']);
        await sshd.waitForLog(`publickey RSA signature using ${alg} verified`);
      } finally {
        client.close();
      }
    });

    test('the second agent key when the first is not authorized', async () => {
      const sshd = await start({ authorizedKeys: { [USER]: agentKeys[1]!.publicKeyLine } });
      const client = new AgentClient(await connectUnix(agent.socket));
      try {
        const res = await login(sshd, { credentials: await agentCredentials(client) });
        expect(res.attempted).toEqual(['none', expect.stringMatching(/^publickey rsa-sha2-512 .*refused/), expect.stringMatching(/^publickey rsa-sha2-256 .*refused/), expect.stringMatching(/^publickey-hostbound-v00@openssh.com ssh-ed25519 /)]);
        await sshd.waitForLog(/Accepted publickey for \S+ .* ED25519/);
      } finally {
        client.close();
      }
    });
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

