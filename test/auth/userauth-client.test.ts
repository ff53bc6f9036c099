/**
 * authenticateClient against an in-memory server (fake-userauth-server.ts):
 * every method, the method order, retries, partial success, password change,
 * keyboard-interactive rounds, banners, agent signing flags, certificates,
 * publickey-hostbound, the message-handler handoff and protocol violations.
 */
import { describe, expect, test } from 'vitest';
import { transportPair, hostKey } from '../helpers/transport-pair.ts';
import { authenticateClient, type ClientAuthOptions } from '../../src/auth/userauth-client.ts';
import { AgentError, AuthenticationError } from '../../src/auth/errors.ts';
import { AGENT_SIGN_FLAGS } from '../../src/auth/agent-protocol.ts';
import type { AgentSigner, Credential } from '../../src/auth/credentials.ts';
import { PUBLICKEY_HOSTBOUND, encodeUserauthPkOk, encodeUserauthSuccess } from '../../src/auth/userauth-messages.ts';
import { ProtocolError } from '../../src/transport/errors.ts';
import { generateSigningKey, type RsaSigningKey } from '../../src/crypto/signing-keys.ts';
import { parseSignatureBlob } from '../../src/crypto/signature.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import type { ServerTransportOptions } from '../../src/transport/options.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { Writer } from '../../src/wire/writer.ts';
import { fakeUserauthServer, type FakePolicy } from './fake-userauth-server.ts';
import { signTestCertificate } from '../helpers/test-certificates.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';

const USER = 'alice';
const ed = generateSigningKey('ssh-ed25519');
const other = generateSigningKey('ecdsa-sha2-nistp256');
const rsa = generateSigningKey('ssh-rsa', { bits: 2048 }) as RsaSigningKey;

async function setup(policy: FakePolicy, server: Partial<ServerTransportOptions> = {}, dropServerSigAlgs = false) {
  const { client, server: srv } = transportPair({ server });
  const fake = fakeUserauthServer(srv, policy, hostKey('ssh-ed25519').publicBlob);
  await client.ready;
  if (dropServerSigAlgs) {
    // A server without EXT_INFO: wait for it to arrive, then forget it.
    while (!client.peerExtensions.has('server-sig-algs')) await new Promise((r) => setTimeout(r, 1));
    client.peerExtensions.delete('server-sig-algs');
  }
  return { client, server: srv, fake };
}

function auth(client: Parameters<typeof authenticateClient>[0], credentials: Credential[], more: Partial<ClientAuthOptions> = {}) {
  return authenticateClient(client, { username: USER, credentials, ...more });
}

describe('publickey (RFC 4252 §7)', () => {
  test('an in-process key signs at once, without a query; rekeys then run after success', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob] });
    const res = await auth(client, [{ type: 'publickey', key: ed }]);
    expect(res.methods).toEqual(['publickey']);
    expect(res.attempted[0]).toBe('none');
    expect(fake.requests.map((r) => [r.method, 'signature' in r && r.signature !== undefined])).toEqual([
      ['none', false],
      ['publickey', true],
    ]);
    expect(client.authenticated).toBe(true);
    expect(client.onMessage).toBeUndefined();
    await client.rekey();
    expect(client.kexCount).toBe(2);
  });

  test('queryFirst: query, PK_OK, then the signed request (as OpenSSH)', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob] }, { extensions: { 'publickey-hostbound@openssh.com': '0' } });
    const res = await auth(client, [{ type: 'publickey', key: ed }], { queryFirst: true });
    expect(res.methods).toEqual(['publickey']);
    expect(fake.requests.map((r) => [r.method, 'signature' in r && r.signature !== undefined])).toEqual([
      ['none', false],
      ['publickey', false], // the query stays plain, as OpenSSH's
      [PUBLICKEY_HOSTBOUND, true],
    ]);
  });

  test('the "none" request waits for SERVICE_ACCEPT, so it carries the ACK sshd\'s next packet waits for', async () => {
    const { client, server, fake } = await setup({ username: USER, keys: [ed.publicBlob] });
    const send = server.send.bind(server);
    const held: Uint8Array[] = [];
    server.send = (p) => (p[0] === MSG.SERVICE_ACCEPT ? (held.push(p.slice()), true) : send(p));
    const res = auth(client, [{ type: 'publickey', key: ed }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(held).toHaveLength(1);
    expect(fake.requests).toEqual([]);
    server.send = send;
    send(held[0]!);
    expect((await res).methods).toEqual(['publickey']);
    expect(fake.requests[0]!.method).toBe('none');
  });

  test('publickey-hostbound-v00@openssh.com when the server announces it (PROTOCOL §2.5)', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob] }, { extensions: { 'publickey-hostbound@openssh.com': '0' } });
    const res = await auth(client, [{ type: 'publickey', key: ed }]);
    expect(res.methods).toEqual(['publickey']);
    const signed = fake.requests[1]!;
    expect(signed.method).toBe(PUBLICKEY_HOSTBOUND);
    expect(res.attempted.at(-1)).toMatch(/^publickey-hostbound-v00@openssh.com ssh-ed25519 SHA256:/);
  });

  test('hostbound: false keeps plain publickey', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob] }, { extensions: { 'publickey-hostbound@openssh.com': '0' } });
    await auth(client, [{ type: 'publickey', key: ed }], { hostbound: false });
    expect(fake.requests[1]!.method).toBe('publickey');
  });

  test('each key once, in order; the refused ones are listed', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob] });
    const res = await auth(client, [
      { type: 'publickey', key: other },
      { type: 'publickey', key: ed },
    ]);
    expect(res.attempted).toHaveLength(3);
    expect(res.attempted[1]).toMatch(/^publickey ecdsa-sha2-nistp256 SHA256:\S+$/);
    expect(fake.requests.filter((r) => r.method === 'publickey')).toHaveLength(2);
  });

  test('RSA: only the rsa-sha2 algorithms in server-sig-algs (RFC 8332 §3.3, RFC 8308 §3.1)', async () => {
    const { client, fake } = await setup({ username: USER, keys: [rsa.publicBlob] }, { serverSigAlgs: ['ssh-ed25519', 'rsa-sha2-256'] });
    await auth(client, [{ type: 'publickey', key: rsa }]);
    const signed = fake.requests[1]!;
    expect(signed.method === 'publickey' && signed.algorithm).toBe('rsa-sha2-256');
    expect(signed.method === 'publickey' && parseSignatureBlob(signed.signature!).algorithm).toBe('rsa-sha2-256');
  });

  test('RSA: both listed but only rsa-sha2-256 accepted (sshd 9.2 with PubkeyAcceptedAlgorithms): 512 refused, 256 used', async () => {
    const { client, fake } = await setup({ username: USER, keys: [rsa.publicBlob], algorithms: ['rsa-sha2-256'] }, { serverSigAlgs: ['rsa-sha2-512', 'rsa-sha2-256'] });
    const res = await auth(client, [{ type: 'publickey', key: rsa }]);
    expect(res.attempted.slice(1)).toEqual([expect.stringMatching(/^publickey rsa-sha2-512 /), expect.stringMatching(/^publickey rsa-sha2-256 /)]);
    expect(fake.requests).toHaveLength(3);
  });

  test('RSA without server-sig-algs: rsa-sha2-512, then rsa-sha2-256, never ssh-rsa', async () => {
    const { client, fake } = await setup({ username: USER, keys: [rsa.publicBlob], algorithms: ['rsa-sha2-256'] }, {}, true);
    const res = await auth(client, [{ type: 'publickey', key: rsa }]);
    expect(res.methods).toEqual(['publickey']);
    const algs = fake.requests.flatMap((r) => (r.method === 'publickey' ? [`${r.algorithm}${r.signature ? '+sig' : ''}`] : []));
    expect(algs).toEqual(['rsa-sha2-512+sig', 'rsa-sha2-256+sig']);
  });

  test('RSA when server-sig-algs lists neither rsa-sha2 algorithm: not offered', async () => {
    const { client, fake } = await setup({ username: USER, keys: [rsa.publicBlob] }, { serverSigAlgs: ['ssh-ed25519'] });
    const err = await auth(client, [{ type: 'publickey', key: rsa }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(fake.requests.map((r) => r.method)).toEqual(['none']);
  });

  test.each([
    ['ssh-ed25519', ed, 'ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519'],
    ['ssh-rsa', rsa, 'rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-512'],
  ] as const)('a %s CertifiedSigningKey: offered as %s with the certificate blob, signed by the plain key', async (_t, key, requestAlg, sigAlg) => {
    const certified = new CertifiedSigningKey(key, signTestCertificate(ed, key.publicBlob, { kind: 'user', principals: [USER] }));
    const { client, fake } = await setup({ username: USER, keys: [certified.publicBlob] });
    await auth(client, [{ type: 'publickey', key: certified }]);
    const signed = fake.requests[1]!;
    expect(signed.method === 'publickey' && signed.algorithm).toBe(requestAlg);
    expect(signed.method === 'publickey' && signed.publicKey).toEqual(certified.publicBlob);
    expect(signed.method === 'publickey' && parseSignatureBlob(signed.signature!).algorithm).toBe(sigAlg);
  });


});

/** An agent stand-in holding `key`, recording the flags it was asked for. */
function fakeAgent(key: SigningKey, flagsSeen: number[], answer?: (flags: number, data: Uint8Array) => Uint8Array): AgentSigner {
  return {
    sign: async (blob, data, flags) => {
      flagsSeen.push(flags);
      if (answer) return answer(flags, data);
      const alg = flags & AGENT_SIGN_FLAGS.RSA_SHA2_512 ? 'rsa-sha2-512' : flags & AGENT_SIGN_FLAGS.RSA_SHA2_256 ? 'rsa-sha2-256' : key.algorithms[0]!;
      return key.sign(alg, data);
    },
  };
}

describe('agent keys', () => {
  test('RSA through the agent with the SHA-2 flags (draft-miller-ssh-agent §3.6.1)', async () => {
    for (const [alg, flag] of [
      ['rsa-sha2-512', AGENT_SIGN_FLAGS.RSA_SHA2_512],
      ['rsa-sha2-256', AGENT_SIGN_FLAGS.RSA_SHA2_256],
    ] as const) {
      const { client, fake } = await setup({ username: USER, keys: [rsa.publicBlob] }, { serverSigAlgs: [alg] });
      const flags: number[] = [];
      await auth(client, [{ type: 'agent', agent: fakeAgent(rsa, flags), publicKey: rsa.publicBlob, comment: 'rsa' }]);
      expect(flags).toEqual([flag]);
      expect(fake.requests[2]!.method === 'publickey' && fake.requests[2]!.algorithm).toBe(alg);
    }
  });

  test('an agent answering ssh-rsa (SHA-1) despite the flags: refused, the next key is tried', async () => {
    const { client } = await setup({ username: USER, keys: [rsa.publicBlob, ed.publicBlob] });
    const flags: number[] = [];
    const sha1 = fakeAgent(rsa, flags, (_f, data) => rsa.sign('ssh-rsa', data));
    const res = await auth(client, [
      { type: 'agent', agent: sha1, publicKey: rsa.publicBlob, comment: 'rsa' },
      { type: 'agent', agent: fakeAgent(ed, flags), publicKey: ed.publicBlob, comment: 'ed' },
    ]);
    expect(res.methods).toEqual(['publickey']);
    expect(res.attempted.find((a) => a.includes('agent'))).toMatch(/returned a ssh-rsa signature/);
  });

  test('an agent that refuses costs that key only', async () => {
    const { client } = await setup({ username: USER, keys: [ed.publicBlob], password: 'pw' });
    const refusing: AgentSigner = { sign: () => Promise.reject(new AgentError('sign', 'the agent refused (SSH_AGENT_FAILURE)')) };
    const res = await auth(client, [
      { type: 'agent', agent: refusing, publicKey: ed.publicBlob, comment: '' },
      { type: 'password', password: 'pw' },
    ]);
    expect(res.methods).toEqual(['password']);
  });
});

describe('password (RFC 4252 §8)', () => {
  test('a fixed password', async () => {
    const { client } = await setup({ username: USER, password: 'secret' });
    expect((await auth(client, [{ type: 'password', password: 'secret' }])).methods).toEqual(['password']);
  });

  test('a wrong fixed password is tried once; AuthenticationError lists what is left', async () => {
    const { client, fake } = await setup({ username: USER, password: 'secret', keys: [ed.publicBlob] });
    const err = await auth(client, [
      { type: 'publickey', key: other },
      { type: 'password', password: 'wrong' },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    const a = err as AuthenticationError;
    expect(a.methodsLeft).toEqual(['publickey', 'password']);
    expect(a.attempted).toEqual(['none', expect.stringMatching(/^publickey ecdsa-sha2-nistp256 /), 'password']);
    expect(fake.requests.filter((r) => r.method === 'password')).toHaveLength(1);
    expect(client.isOpen).toBe(true);
  });

  test('an asked-for password: up to 3 attempts, each numbered', async () => {
    const { client } = await setup({ username: USER, password: 'secret' });
    const asked: number[] = [];
    const err = await auth(client, [{ type: 'password', password: (n) => (asked.push(n), 'wrong') }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(asked).toEqual([1, 2, 3]);
  });

  test('the third answer may be right; undefined stops asking', async () => {
    const { client } = await setup({ username: USER, password: 'secret' });
    const res = await auth(client, [{ type: 'password', password: (n) => (n === 3 ? 'secret' : 'no') }]);
    expect(res.attempted).toEqual(['none', 'password', 'password', 'password']);
    const { client: c2 } = await setup({ username: USER, password: 'secret' });
    const asked: number[] = [];
    await expect(auth(c2, [{ type: 'password', password: (n) => (asked.push(n), undefined) }])).rejects.toBeInstanceOf(AuthenticationError);
    expect(asked).toEqual([1]);
  });

  test('PASSWD_CHANGEREQ answered through onPasswordChange', async () => {
    const { client, fake } = await setup({ username: USER, password: 'old', passwordChange: { prompt: 'Password expired', newPassword: 'new' } });
    const prompts: string[] = [];
    const res = await auth(client, [{ type: 'password', password: 'old' }], { onPasswordChange: (p) => (prompts.push(p), prompts.length === 1 ? 'bad' : 'new') });
    expect(res.methods).toEqual(['password']);
    expect(prompts).toEqual(['Password expired', 'try another']);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'password', password: 'old', newPassword: 'new' });
  });

  test('PASSWD_CHANGEREQ without a callback: a clear failure', async () => {
    const { client } = await setup({ username: USER, password: 'old', passwordChange: { prompt: 'Password expired', newPassword: 'new' } });
    const err = await auth(client, [{ type: 'password', password: 'old' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toMatch(/requires a password change \("Password expired"\)/);
  });
});

describe('keyboard-interactive (RFC 4256)', () => {
  const rounds = [
    { name: 'Login', instruction: 'Welcome', prompts: [], answers: [] },
    { prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }], answers: ['pw', '123'] },
    { prompts: [{ prompt: 'Again: ', echo: false }], answers: ['x'] },
  ];

  test('several rounds; zero-prompt rounds answered automatically', async () => {
    const { client } = await setup({ username: USER, kbd: rounds });
    const seen: string[][] = [];
    const info: string[] = [];
    const res = await auth(client, [
      {
        type: 'keyboard-interactive',
        respond: (_n, _i, prompts) => {
          seen.push(prompts.map((p) => `${p.prompt}${p.echo ? '(echo)' : ''}`));
          return prompts.length === 2 ? ['pw', '123'] : ['x'];
        },
        onInstruction: (n, i) => info.push(`${n}/${i}`),
      },
    ]);
    expect(res.methods).toEqual(['keyboard-interactive']);
    expect(seen).toEqual([['Password: ', 'Code: (echo)'], ['Again: ']]);
    expect(info).toEqual(['Login/Welcome']);
  });

  test('wrong answers: 3 attempts, then the next method', async () => {
    const { client } = await setup({ username: USER, kbd: rounds.slice(1, 2), password: 'pw' });
    let calls = 0;
    const res = await auth(client, [
      { type: 'password', password: 'pw' },
      { type: 'keyboard-interactive', respond: () => (calls++, ['no', 'no']) },
    ]);
    expect(calls).toBe(3);
    expect(res.methods).toEqual(['password']);
    expect(res.attempted).toEqual(['none', 'keyboard-interactive', 'keyboard-interactive', 'keyboard-interactive', 'password']);
  });

  test('respond() returning the wrong number of answers is a TypeError and ends the connection', async () => {
    const { client } = await setup({ username: USER, kbd: rounds.slice(1, 2) });
    await expect(auth(client, [{ type: 'keyboard-interactive', respond: () => ['one'] }])).rejects.toBeInstanceOf(TypeError);
    expect(client.isOpen).toBe(false);
  });
});

describe('flow', () => {
  test('partial success continues with the remaining methods (AuthenticationMethods publickey,password)', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob], password: 'pw', chains: [['publickey', 'password']] });
    const res = await auth(client, [
      { type: 'password', password: 'pw' },
      { type: 'publickey', key: ed },
    ]);
    expect(res.methods).toEqual(['publickey', 'password']);
    expect(fake.done).toEqual(['publickey', 'password']);
  });

  test('OpenSSH order regardless of the credential order: publickey, keyboard-interactive, password', async () => {
    const { client, fake } = await setup({ username: USER, keys: [ed.publicBlob], password: 'pw', kbd: [{ prompts: [{ prompt: 'p', echo: false }], answers: ['pw'] }] });
    await expect(
      auth(client, [
        { type: 'password', password: 'no' },
        { type: 'keyboard-interactive', respond: () => ['no'] },
        { type: 'publickey', key: other },
      ]),
    ).rejects.toBeInstanceOf(AuthenticationError);
    expect(fake.requests.map((r) => r.method)).toEqual(['none', 'publickey', 'keyboard-interactive', 'keyboard-interactive', 'keyboard-interactive', 'password']);
  });

  test('the banner goes to onBanner', async () => {
    const { client } = await setup({ username: USER, password: 'pw', banner: 'Authorized use only\n' });
    const banners: string[] = [];
    await auth(client, [{ type: 'password', password: 'pw' }], { onBanner: (m) => banners.push(m) });
    expect(banners).toEqual(['Authorized use only\n']);
  });

  test('the handler installed before runs from the message right after SUCCESS', async () => {
    const { client, server } = await setup({ username: USER, password: 'pw' });
    // The server sends SUCCESS and a global request in one go, as sshd does with hostkeys-00@openssh.com.
    server.onMessage = () => {
      server.send(encodeUserauthSuccess());
      server.send(new Writer(64).byte(MSG.GLOBAL_REQUEST).string('hostkeys-00@openssh.com').boolean(false).bytes());
    };
    const seen: number[] = [];
    client.onMessage = (p) => void seen.push(p[0]!);
    const res = await auth(client, [{ type: 'password', password: 'pw' }]);
    expect(res.methods).toEqual(['none']);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([MSG.GLOBAL_REQUEST]);
  });

  test('a misplaced message is a ProtocolError and closes the connection', async () => {
    const { client, server } = await setup({ username: USER });
    server.onMessage = () => void server.send(encodeUserauthPkOk({ algorithm: 'ssh-ed25519', publicKey: ed.publicBlob }));
    await expect(auth(client, [])).rejects.toBeInstanceOf(ProtocolError);
    expect(client.isOpen).toBe(false);
  });

  test('a connection-protocol message before success is a ProtocolError', async () => {
    const { client, server } = await setup({ username: USER });
    server.onMessage = () => void server.send(new Writer(8).byte(MSG.CHANNEL_CLOSE).uint32(0).bytes());
    await expect(auth(client, [])).rejects.toBeInstanceOf(ProtocolError);
  });

  test.each([
    ['for another key (queryFirst)', { queryFirst: true }, other, /not queried/],
    ['in reply to a signed request', {}, ed, /unexpected message 60 in reply to a publickey request/],
  ] as const)('PK_OK %s is a ProtocolError', async (_what, more, okKey, message) => {
    const { client, server } = await setup({ username: USER });
    let n = 0;
    server.onMessage = () => {
      if (n++ === 0) server.send(new Writer(64).byte(MSG.USERAUTH_FAILURE).string('publickey').boolean(false).bytes());
      else server.send(encodeUserauthPkOk({ algorithm: 'ssh-ed25519', publicKey: okKey.publicBlob }));
    };
    const err = await auth(client, [{ type: 'publickey', key: ed }], more).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(message);
  });

  test('the server closing mid-way rejects with the transport error', async () => {
    const { client, server } = await setup({ username: USER });
    server.onMessage = () => server.close();
    await expect(auth(client, [])).rejects.toThrow();
  });

  test('no usable credential: AuthenticationError after none', async () => {
    const { client } = await setup({ username: USER, keys: [ed.publicBlob] });
    const err = (await auth(client, []).catch((e: unknown) => e)) as AuthenticationError;
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.methodsLeft).toEqual(['publickey']);
    expect(err.attempted).toEqual(['none']);
  });
});
