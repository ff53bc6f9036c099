/**
 * OpenSSH's `ssh` authenticating to hopssh's serveUserAuth (RFC 4252, RFC
 * 4256, PROTOCOL §2.5) over TCP: every key type (keys and certificates made by
 * ssh-keygen, authorized_keys text through the built-in), RSA with
 * rsa-sha2-256 and -512, keyboard-interactive and password (ssh's prompts
 * answered by an SSH_ASKPASS script), refusals with ssh's "Permission denied
 * (…)" listing exactly the configured methods, partial success, MaxAuthTries,
 * the banner.
 *
 * There is no channel layer yet, so after USERAUTH_SUCCESS the test plays it:
 *
 *   ssh                                    hopssh server
 *   USERAUTH_REQUEST …  ─────────────────► serveUserAuth → USERAUTH_SUCCESS, then rekey()
 *   CHANNEL_OPEN session ────────────────► (held until the rekey is done)
 *   ◄──── key re-exchange started by the server ────►
 *                        ◄──────────────── CHANNEL_OPEN_FAILURE
 *   "channel 0: open failed: administratively prohibited: …", exit 255
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findSsh, findSshKeygen, generateKey, knownHostsLine, requireOpenSSH, run, runChecked, writeKnownHosts, type GeneratedKey, type KeyType, type RunResult } from '../helpers/openssh.ts';
import { startTransportServer, type TransportServer } from '../helpers/transport-server.ts';
import { registerDir, unregisterDir } from '../helpers/cleanup.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import { serveUserAuth, type AuthenticatedUser, type UserAuthServerOptions } from '../../src/auth/userauth-server.ts';
import type { UserAuthAttempt } from '../../src/auth/userauth-server-options.ts';
import { decodeUserauthRequest } from '../../src/auth/userauth-messages.ts';
import { fromBase64, toBase64 } from '../../src/wire/base64.ts';
import { Reader } from '../../src/wire/reader.ts';
import { Writer } from '../../src/wire/writer.ts';
import { MSG } from '../../src/wire/message-numbers.ts';

const describeOpenSSH = requireOpenSSH();

const USER = 'hoptest';
const PASSWORD = 'correct horse';
const CODE = '314159';
const CHANNEL_REFUSAL = 'hopssh userauth interop: no channels';
const HOST_KEY = hostKey('ssh-ed25519');

/** What the server saw on one connection. */
interface Connection {
  t: ServerTransport;
  /** Methods of the USERAUTH_REQUESTs as sent (publickey-hostbound-v00@openssh.com stays itself). */
  requests: string[];
  attempts: UserAuthAttempt[];
  user: AuthenticatedUser | undefined;
  authError: unknown;
  /** kexCount when CHANNEL_OPEN_FAILURE was sent. */
  refusedAtKex: number | undefined;
  errors: unknown[];
}

type TestServer = TransportServer<Connection>;

/** A hopssh server on 127.0.0.1 running serveUserAuth with `opts`, then refusing the channel after a rekey. */
function startServer(opts: UserAuthServerOptions): Promise<TestServer> {
  return startTransportServer({ hostKeys: [HOST_KEY] }, (t, socket) => {
    const c: Connection = { t, requests: [], attempts: [], user: undefined, authError: undefined, refusedAtKex: undefined, errors: [] };
    let rekey: Promise<void> | undefined;
    // The stand-in for the connection layer, installed first: serveUserAuth hands the transport back to it on success.
    t.onMessage = (p) => {
      try {
        if (p[0] !== MSG.CHANNEL_OPEN) throw new Error(`unexpected message ${p[0]} after authentication`);
        const r = new Reader(p, 1, p.length);
        r.text('channel type');
        const channel = r.uint32('sender channel');
        if (!rekey) throw new Error('CHANNEL_OPEN before the rekey started');
        rekey.then(
          () => {
            c.refusedAtKex = t.kexCount;
            t.send(new Writer(96).byte(MSG.CHANNEL_OPEN_FAILURE).uint32(channel).uint32(1).string(CHANNEL_REFUSAL).string('').bytes().slice());
          },
          (e: unknown) => c.errors.push(e),
        );
      } catch (e) {
        c.errors.push(e);
      }
    };
    // sshd's default minimum response time stays on: ssh sees real timing.
    serveUserAuth(t, { clientAddress: socket.remoteAddress, ...opts, onAttempt: (a) => c.attempts.push(a) }).then(
      (user) => {
        c.user = user;
        rekey = t.rekey();
      },
      (e: unknown) => (c.authError = e),
    );
    // Watch the requests go by (serveUserAuth's handler is the one installed now).
    const handler = t.onMessage!;
    t.onMessage = (p) => {
      if (p[0] === MSG.USERAUTH_REQUEST) c.requests.push(requestMethod(p));
      handler(p);
    };
    return c;
  });
}

function requestMethod(p: Uint8Array): string {
  try {
    const req = decodeUserauthRequest(p);
    return req.method === 'other' ? req.name : req.method;
  } catch {
    return '(malformed)';
  }
}

// ------------------------------------------------------------------ the ssh side

let dir: string;
let askpass: string;

/** Answers ssh's prompts: passwords get $HOPSSH_PASSWORD, "Code" prompts $HOPSSH_CODE; each prompt is logged. */
const ASKPASS_SCRIPT = `#!/bin/sh
printf '%s\\n' "$1" >> "$HOPSSH_ASKPASS_LOG"
case "$1" in
  *Code*) printf '%s\\n' "$HOPSSH_CODE" ;;
  *) printf '%s\\n' "$HOPSSH_PASSWORD" ;;
esac
`;

interface SshRun extends RunResult {
  /** The prompts ssh showed through SSH_ASKPASS. */
  prompts: string[];
}

interface SshOptions {
  identities?: string[];
  options?: Record<string, string>;
  /** Answers for SSH_ASKPASS; without them ssh runs in batch mode (no prompts). */
  answers?: { password?: string; code?: string };
}

let runs = 0;

/**
 * `ssh -F /dev/null -vvv` isolated from the machine as test/helpers/ssh-client.ts
 * does it, but with BatchMode=no and SSH_ASKPASS forced when there are answers.
 */
async function ssh(port: number, o: SshOptions): Promise<SshRun> {
  const id = ++runs;
  const knownHosts = join(dir, `known_hosts-${id}`);
  await writeKnownHosts(knownHosts, [knownHostsLine('127.0.0.1', port, `${HOST_KEY.type} ${toBase64(HOST_KEY.publicBlob)}`)]);
  const log = join(dir, `askpass-${id}.log`);
  await writeFile(log, '');
  const base: Record<string, string> = {
    UserKnownHostsFile: knownHosts,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
    UpdateHostKeys: 'no',
    BatchMode: o.answers ? 'no' : 'yes',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
    ControlMaster: 'no',
    ControlPath: 'none',
    ConnectTimeout: '10',
    ...(o.identities?.length ? {} : { IdentityFile: 'none' }),
    ...o.options,
  };
  const argv = [
    findSsh(),
    '-F',
    '/dev/null',
    '-vvv',
    '-p',
    String(port),
    ...Object.entries(base).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    ...(o.identities ?? []).flatMap((i) => ['-i', i]),
    '-l',
    USER,
    '127.0.0.1',
    'true',
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, HOPSSH_ASKPASS_LOG: log };
  delete env.SSH_AUTH_SOCK;
  if (o.answers) {
    Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0', HOPSSH_PASSWORD: o.answers.password ?? '', HOPSSH_CODE: o.answers.code ?? '' });
  }
  const res = await run(argv, { env, timeoutMs: 30_000 });
  const prompts = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
  return { ...res, prompts };
}

/** Runs ssh against a fresh server and waits for the server side to end. */
async function attempt(opts: UserAuthServerOptions, o: SshOptions): Promise<{ ssh: SshRun; c: Connection; tail: string }> {
  const srv = await startServer(opts);
  try {
    const res = await ssh(srv.port, o);
    const tail = `ssh exit ${res.code}; stderr tail:\n${res.stderr.split('\n').slice(-25).join('\n')}`;
    expect(res.timedOut, tail).toBe(false);
    expect(srv.connections.length, tail).toBe(1);
    const c = srv.connections[0]!;
    await Promise.race([c.t.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('server still open 5 s after ssh exited')), 5000))]);
    expect(c.errors, tail).toEqual([]);
    return { ssh: res, c, tail };
  } finally {
    await srv.close();
  }
}

/** After success: the server's rekey happened and ssh got the channel refusal on the new keys. */
function expectAuthenticated(r: { ssh: SshRun; c: Connection; tail: string }, method: string): AuthenticatedUser {
  const { ssh: s, c, tail } = r;
  expect(c.user, `${tail}\nserver: ${String(c.authError)}`).toBeDefined();
  expect(s.stderr, tail).toMatch(new RegExp(`Authenticated to 127\\.0\\.0\\.1 \\(\\[127\\.0\\.0\\.1\\]:\\d+\\) using "${method}"`));
  expect(s.stderr).toContain(`channel 0: open failed: administratively prohibited: ${CHANNEL_REFUSAL}`);
  expect((s.stderr.match(/SSH2_MSG_KEXINIT received/g) ?? []).length).toBe(2);
  expect(c.refusedAtKex).toBe(2);
  expect(c.t.authenticated).toBe(true);
  expect(s.code).toBe(255);
  return c.user!;
}

const keys = new Map<string, Promise<GeneratedKey>>();

/** A key made by ssh-keygen, once per name (concurrent cases share it). */
function key(name: string, type: KeyType): Promise<GeneratedKey> {
  let k = keys.get(name);
  if (!k) {
    k = generateKey(type, join(dir, name), name);
    keys.set(name, k);
  }
  return k;
}

const authorized = (...ks: GeneratedKey[]) => (user: string) => (user === USER ? ks.map((k) => k.publicKeyLine).join('\n') + '\n' : undefined);

describeOpenSSH('interop: OpenSSH ssh authenticating to serveUserAuth', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-userauth-'));
    registerDir(dir);
    askpass = join(dir, 'askpass.sh');
    await writeFile(askpass, ASKPASS_SCRIPT);
    await chmod(askpass, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    unregisterDir(dir);
  });

  describe('publickey with each key type (authorized_keys built-in, publickey-hostbound)', () => {
    const cases: { name: string; type: KeyType; algorithm: string; options?: Record<string, string> }[] = [
      { name: 'ed25519', type: 'ed25519', algorithm: 'ssh-ed25519' },
      { name: 'ecdsa-256', type: 'ecdsa-256', algorithm: 'ecdsa-sha2-nistp256' },
      { name: 'ecdsa-384', type: 'ecdsa-384', algorithm: 'ecdsa-sha2-nistp384' },
      { name: 'ecdsa-521', type: 'ecdsa-521', algorithm: 'ecdsa-sha2-nistp521' },
      { name: 'rsa, rsa-sha2-256', type: 'rsa', algorithm: 'rsa-sha2-256', options: { PubkeyAcceptedAlgorithms: 'rsa-sha2-256' } },
      { name: 'rsa, rsa-sha2-512', type: 'rsa', algorithm: 'rsa-sha2-512', options: { PubkeyAcceptedAlgorithms: 'rsa-sha2-512' } },
    ];
    test.concurrent.each(cases)('$name', async ({ type, algorithm, options }) => {
      const k = await key(`id-${type}`, type);
      const r = await attempt({ authorizedKeys: authorized(k) }, { identities: [k.path], options });
      const user = expectAuthenticated(r, 'publickey');
      expect(user.methods).toEqual(['publickey']);
      expect(user.key?.blob).toEqual(fromBase64(k.publicKeyLine.split(' ')[1]!));
      // ssh asks first (plain publickey), then signs bound to the host key (PROTOCOL §2.5).
      expect(r.c.requests).toEqual(['none', 'publickey', 'publickey-hostbound-v00@openssh.com']);
      expect(r.c.attempts.map((a) => a.outcome)).toEqual(['failure', 'key-ok', 'success']);
      expect(r.c.attempts[2]!.detail.startsWith(`${algorithm} SHA256:`), r.c.attempts[2]!.detail).toBe(true);
      expect(r.ssh.stderr).toContain(`Server accepts key: ${k.path}`);
    });
  });

  test('ssh-rsa (SHA-1) only when configured: ssh then signs with it; by default it is refused', async () => {
    const k = await key('id-rsa', 'rsa');
    const forced = { identities: [k.path], options: { PubkeyAcceptedAlgorithms: 'ssh-rsa' } };
    const allowed = await attempt({ authorizedKeys: authorized(k), publicKeyAlgorithms: ['ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa'] }, forced);
    expectAuthenticated(allowed, 'publickey');
    expect(allowed.c.attempts.at(-1)!.detail).toMatch(/^ssh-rsa SHA256:/);
    const refused = await attempt({ authorizedKeys: authorized(k) }, forced);
    expect(refused.c.user).toBeUndefined();
    expect(refused.ssh.stderr).toContain('Permission denied (publickey).');
    // server-sig-algs does not list ssh-rsa, so ssh does not even offer the key (the server would refuse it: see the unit tests).
    expect(refused.c.requests).toEqual(['none']);
    expect(refused.ssh.stderr).toMatch(/no mutual signature algorithm|skipping/);
  });

  test('a user certificate (ssh-keygen -s) through trustedUserCAKeys; its options become restrictions', async () => {
    const caKey = await key('user-ca', 'ed25519');
    const k = await key('id-cert', 'ecdsa-256');
    await runChecked([findSshKeygen(), '-q', '-s', caKey.path, '-I', 'hoptest-cert', '-n', `${USER},other`, '-V', '-5m:+1h', '-O', 'clear', '-O', 'permit-pty', '-O', 'force-command=/bin/echo hi', `${k.path}.pub`]);
    const caBlob = fromBase64(caKey.publicKeyLine.split(' ')[1]!);
    const r = await attempt({ trustedUserCAKeys: [caBlob] }, { identities: [k.path], options: { CertificateFile: `${k.path}-cert.pub` } });
    const user = expectAuthenticated(r, 'publickey');
    expect(user.certificate?.keyId).toBe('hoptest-cert');
    expect(user.certificate?.principals).toEqual([USER, 'other']);
    expect(user.restrictions).toMatchObject({ forceCommand: '/bin/echo hi', permitPty: true, permitPortForwarding: false, permitAgentForwarding: false });
    expect(r.c.attempts.at(-1)!.detail).toMatch(/^ecdsa-sha2-nistp256-cert-v01@openssh\.com SHA256:\S+ ID "hoptest-cert" serial 0 \(TrustedUserCAKeys\)$/);
  });

  test('a certificate for another principal is refused: Permission denied (publickey)', async () => {
    const caKey = await key('user-ca', 'ed25519');
    const k = await key('id-cert-bob', 'ed25519');
    await runChecked([findSshKeygen(), '-q', '-s', caKey.path, '-I', 'bob-cert', '-n', 'bob', `${k.path}.pub`]);
    const caBlob = fromBase64(caKey.publicKeyLine.split(' ')[1]!);
    const r = await attempt({ trustedUserCAKeys: [caBlob] }, { identities: [k.path], options: { CertificateFile: `${k.path}-cert.pub` } });
    expect(r.c.user).toBeUndefined();
    expect(r.ssh.stderr).toContain('Permission denied (publickey).');
    expect(r.c.attempts.some((a) => a.detail.includes('"hoptest" is not a listed principal'))).toBe(true);
  });

  test('keyboard-interactive: two prompts answered through SSH_ASKPASS', async () => {
    const r = await attempt(
      {
        keyboardInteractive: async (user, _ctx, dialogue) => {
          const [pw, code] = await dialogue.ask({ name: '', instruction: 'Two factors', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] });
          return user === USER && pw === PASSWORD && code === CODE;
        },
      },
      { answers: { password: PASSWORD, code: CODE }, options: { PreferredAuthentications: 'keyboard-interactive' } },
    );
    const user = expectAuthenticated(r, 'keyboard-interactive');
    expect(user.methods).toEqual(['keyboard-interactive']);
    // ssh 9.x prefixes keyboard-interactive prompts with (user@host).
    expect(r.ssh.prompts.map((p) => p.replace(/^\([^)]*\) /, ""))).toEqual(["Password: ", "Code: "]);
  });

  test('password through SSH_ASKPASS', async () => {
    const r = await attempt({ password: (u, pw) => u === USER && pw === PASSWORD }, { answers: { password: PASSWORD }, options: { PreferredAuthentications: 'password' } });
    expectAuthenticated(r, 'password');
    expect(r.ssh.prompts).toEqual([`${USER}@127.0.0.1's password: `]);
  });

  test('a wrong password three times: "Permission denied, please try again." then Permission denied (password,keyboard-interactive)', async () => {
    const r = await attempt(
      { password: (_u, pw) => pw === PASSWORD, keyboardInteractive: () => false },
      { answers: { password: 'wrong' }, options: { PreferredAuthentications: 'password' } },
    );
    expect(r.c.user).toBeUndefined();
    expect(r.ssh.code).toBe(255);
    expect(r.ssh.prompts.length).toBe(3);
    expect((r.ssh.stderr.match(/Permission denied, please try again\./g) ?? []).length).toBe(2);
    expect(r.ssh.stderr).toContain('Permission denied (password,keyboard-interactive).');
    expect(r.c.attempts.map((a) => [a.method, a.outcome])).toEqual([
      ['none', 'failure'],
      ['password', 'failure'],
      ['password', 'failure'],
      ['password', 'failure'],
    ]);
  });

  test('a key not authorized, in batch mode: Permission denied lists exactly the configured methods', async () => {
    const good = await key('id-ed25519', 'ed25519');
    const wrong = await key('id-wrong', 'ed25519');
    const r = await attempt({ authorizedKeys: authorized(good), password: () => false }, { identities: [wrong.path] });
    expect(r.ssh.code).toBe(255);
    expect(r.ssh.stderr).toContain('Permission denied (publickey,password).');
    expect(r.c.attempts.map((a) => [a.method, a.outcome])).toEqual([
      ['none', 'failure'],
      ['publickey', 'failure'],
    ]);
  });

  test('partial success: publickey, then password (AuthenticationMethods publickey,password)', async () => {
    const k = await key('id-ed25519', 'ed25519');
    const r = await attempt(
      { authorizedKeys: authorized(k), password: (_u, pw) => pw === PASSWORD, authenticationMethods: [['publickey', 'password']] },
      { identities: [k.path], answers: { password: PASSWORD } },
    );
    const user = expectAuthenticated(r, 'password');
    expect(user.methods).toEqual(['publickey', 'password']);
    expect(r.ssh.stderr).toContain('Authenticated using "publickey" with partial success.');
    expect(r.ssh.stderr).toMatch(/Authentications that can continue: password\r?\n/);
  });

  test('MaxAuthTries reached: ssh prints the disconnect "Too many authentication failures"', async () => {
    const good = await key('id-ed25519', 'ed25519');
    const wrong = await Promise.all([key('id-wrong', 'ed25519'), key('id-wrong2', 'ecdsa-256'), key('id-wrong3', 'ecdsa-384')]);
    const r = await attempt({ authorizedKeys: authorized(good), maxAuthTries: 2 }, { identities: wrong.map((w) => w.path) });
    expect(r.ssh.code).toBe(255);
    expect(r.ssh.stderr).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:2: Too many authentication failures/);
    expect(r.c.attempts.map((a) => [a.method, a.outcome])).toEqual([
      ['none', 'failure'],
      ['publickey', 'failure'],
      ['publickey', 'failure'],
    ]);
    expect(r.c.requests.length).toBe(3); // the third key was never offered
  });

  test('the banner is printed by ssh', async () => {
    const k = await key('id-ed25519', 'ed25519');
    const banner = 'Authorized use only.\r\nhopssh test banner\r\n';
    const r = await attempt({ authorizedKeys: authorized(k), banner }, { identities: [k.path] });
    expectAuthenticated(r, 'publickey');
    expect(r.ssh.stderr).toContain('Authorized use only.\r\nhopssh test banner');
  });
});
