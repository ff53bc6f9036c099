/**
 * serveUserAuth (RFC 4252, RFC 4256, sshd semantics) driven by a hand-played
 * client over an in-memory transport pair: every method, the answers and
 * their order, partial success, limits (MaxAuthTries, LoginGraceTime, the
 * minimum response time), user/service changes, authorized_keys options and
 * certificates; then hopssh's own userauth client against it.
 */
import { describe, expect, test } from 'vitest';
import { hostKey, transportPair } from '../helpers/transport-pair.ts';
import { serveUserAuth, type AuthenticatedUser, type UserAuthServerOptions } from '../../src/auth/userauth-server.ts';
import type { UserAuthAttempt } from '../../src/auth/userauth-server-options.ts';
import { AuthenticationMethods } from '../../src/auth/authentication-methods.ts';
import { remainingDelayMs, sshdFailureDelayMs } from '../../src/auth/failure-delay.ts';
import { UNRESTRICTED } from '../../src/auth/key-restrictions.ts';
import { authenticateClient } from '../../src/auth/userauth-client.ts';
import {
  PUBLICKEY_HOSTBOUND,
  decodeUserauthBanner,
  decodeUserauthFailure,
  decodeUserauthInfoRequest,
  decodeUserauthPasswdChangereq,
  decodeUserauthPkOk,
  encodeUserauthInfoResponse,
  encodeUserauthRequest,
  publickeySignedData,
  type UserauthRequest,
} from '../../src/auth/userauth-messages.ts';
import { completeCertificate, encodeCertificateSignedData, CERT_VALID_FOREVER, type CertificateOption } from '../../src/crypto/certificate-blob.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import type { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import { ConnectionClosedError, DisconnectError, LimitError, ProtocolError } from '../../src/transport/errors.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { utf8 } from '../../src/wire/bytes.ts';
import { Writer } from '../../src/wire/writer.ts';
import { DISCONNECT_REASON, MSG } from '../../src/wire/message-numbers.ts';

const USER = 'alice';
const ed = generateSigningKey('ssh-ed25519');
const ecdsa = generateSigningKey('ecdsa-sha2-nistp384');
const rsa = generateSigningKey('ssh-rsa', { bits: 2048 });
const stranger = generateSigningKey('ssh-ed25519');
const ca = generateSigningKey('ssh-ed25519');

function line(k: SigningKey, options = ''): string {
  return `${options}${options ? ' ' : ''}${k.type} ${toBase64(k.publicBlob)} comment`;
}

/** The client end, played by hand: sends requests, reads the server's answers in order. */
class Peer {
  readonly received: Uint8Array[] = [];
  private waiter: (() => void) | undefined;
  constructor(readonly client: ClientTransport) {
    client.onMessage = (p) => {
      this.received.push(p.slice());
      this.waiter?.();
    };
    void client.closed.then(() => this.waiter?.());
  }

  send(req: UserauthRequest): void {
    this.client.send(encodeUserauthRequest(req));
  }

  /** The next message from the server; rejects with the close reason if the connection ends first. */
  async next(timeoutMs = 5000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.shift();
      if (m) return m;
      if (!this.client.isOpen) throw (await this.client.closed) ?? new ConnectionClosedError('closed');
      if (Date.now() > deadline) throw new Error('no message from the server in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = undefined;
    }
  }

  async failure(): Promise<{ methods: string[]; partialSuccess: boolean }> {
    return decodeUserauthFailure(await this.next());
  }

  async success(): Promise<void> {
    const m = await this.next();
    expect(m[0], `expected USERAUTH_SUCCESS, got ${m[0]}`).toBe(MSG.USERAUTH_SUCCESS);
  }

  /** The DISCONNECT the server ended with (as the client transport saw it). */
  async disconnected(): Promise<DisconnectError> {
    const err = await this.client.closed;
    expect(err).toBeInstanceOf(DisconnectError);
    return err as DisconnectError;
  }

  /** A signed publickey (or host-bound) request for `key`. */
  signed(key: SigningKey, opts: { algorithm?: string; blob?: Uint8Array; hostbound?: Uint8Array; user?: string; signWith?: SigningKey } = {}): UserauthRequest {
    const algorithm = opts.algorithm ?? key.algorithms[0]!;
    const publicKey = opts.blob ?? key.publicBlob;
    const head = { username: opts.user ?? USER, service: 'ssh-connection', algorithm, publicKey };
    const req: UserauthRequest =
      opts.hostbound !== undefined ? { ...head, method: PUBLICKEY_HOSTBOUND, hostKey: opts.hostbound } : { ...head, method: 'publickey' };
    const sigAlg = algorithm.replace(/-cert-v01@openssh\.com$/, '');
    return { ...req, signature: (opts.signWith ?? key).sign(sigAlg, publickeySignedData(this.client.sessionId!, req)) } as UserauthRequest;
  }
}

interface Setup {
  client: ClientTransport;
  server: ServerTransport;
  peer: Peer;
  result: Promise<AuthenticatedUser>;
  attempts: UserAuthAttempt[];
}

async function setup(opts: UserAuthServerOptions, serverOptions: { serverSigAlgs?: string[] } = {}): Promise<Setup> {
  const { client, server } = transportPair({ server: serverOptions });
  const attempts: UserAuthAttempt[] = [];
  const result = serveUserAuth(server, { failureDelayMs: 0, onAttempt: (a) => attempts.push(a), ...opts });
  result.catch(() => undefined);
  const peer = new Peer(client);
  await client.requestService('ssh-userauth');
  return { client, server, peer, result, attempts };
}

const none: UserauthRequest = { method: 'none', username: USER, service: 'ssh-connection' };
const password = (pw: string, newPassword?: string): UserauthRequest => ({
  method: 'password',
  username: USER,
  service: 'ssh-connection',
  password: pw,
  ...(newPassword !== undefined ? { newPassword } : {}),
});
const query = (key: SigningKey, algorithm = key.algorithms[0]!): UserauthRequest => ({
  method: 'publickey',
  username: USER,
  service: 'ssh-connection',
  algorithm,
  publicKey: key.publicBlob,
});
const kbd: UserauthRequest = { method: 'keyboard-interactive', username: USER, service: 'ssh-connection', language: '', submethods: '' };

const checkPassword = (_u: string, pw: string) => pw === 'secret';

// ---------------------------------------------------------------- pure parts

describe('AuthenticationMethods (sshd_config AuthenticationMethods)', () => {
  test('only methods next in a list are offered; a success advances every list it heads', () => {
    const m = new AuthenticationMethods([['publickey', 'password'], ['publickey', 'keyboard-interactive'], ['password']]);
    expect(m.canContinue()).toEqual(['publickey', 'password']);
    expect(m.allows('keyboard-interactive')).toBe(false);
    expect(m.succeeded('publickey')).toBe('partial');
    expect(m.canContinue()).toEqual(['password', 'keyboard-interactive']);
    expect(m.succeeded('password')).toBe('complete');
  });

  test('"none" is never listed (RFC 4252 §5.2); unknown methods and empty lists are refused', () => {
    expect(new AuthenticationMethods([['none'], ['password']]).canContinue()).toEqual(['password']);
    expect(() => new AuthenticationMethods([['hostbased']])).toThrow(TypeError);
    expect(() => new AuthenticationMethods([[]])).toThrow(TypeError);
    expect(() => new AuthenticationMethods([])).toThrow(TypeError);
    expect(() => new AuthenticationMethods([['password']]).succeeded('publickey')).toThrow(TypeError);
  });
});

describe('minimum response time (sshd ensure_minimum_time_since)', () => {
  test('per-user delay between 5 and 9 ms, stable for a user', () => {
    const a = sshdFailureDelayMs('alice');
    expect(a).toBeGreaterThanOrEqual(5);
    expect(a).toBeLessThan(9);
    expect(sshdFailureDelayMs('alice')).toBe(a);
    const spread = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map(sshdFailureDelayMs));
    expect(spread.size).toBeGreaterThan(1);
  });

  test('the remaining wait doubles the minimum until it exceeds the time spent', () => {
    expect(remainingDelayMs(5, 0)).toBe(5);
    expect(remainingDelayMs(5, 3)).toBe(2);
    expect(remainingDelayMs(5, 7)).toBe(3); // 10 - 7
    expect(remainingDelayMs(5, 21)).toBe(19); // 40 - 21
    expect(remainingDelayMs(0, 100)).toBe(0);
  });
});

// ------------------------------------------------------------- the protocol

describe('none, banner, failure lists', () => {
  test('"none" fails with exactly the configured methods, uncounted the first time; the banner comes first', async () => {
    const { peer, attempts } = await setup({ password: checkPassword, authorizedKeys: () => line(ed), maxAuthTries: 1, banner: 'Welcome to hopssh\r\n' });
    peer.send(none);
    const banner = decodeUserauthBanner(await peer.next());
    expect(banner).toEqual({ message: 'Welcome to hopssh\r\n', language: '' });
    expect(await peer.failure()).toEqual({ methods: ['publickey', 'password'], partialSuccess: false });
    expect(attempts).toEqual([{ username: USER, method: 'none', outcome: 'failure', detail: 'method not allowed now', failures: 0 }]);
    // The banner is sent once; a second "none" counts and, at maxAuthTries 1, disconnects.
    peer.send(none);
    const d = await peer.disconnected();
    expect(d.reasonCode).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    expect(d.description).toBe('Too many authentication failures');
  });

  test('"none" succeeds only when configured; the result and the transport say authenticated', async () => {
    const { peer, result, server } = await setup({ none: (u) => u === USER });
    peer.send(none);
    await peer.success();
    const user = await result;
    expect(user).toEqual({ username: USER, service: 'ssh-connection', methods: ['none'], restrictions: UNRESTRICTED });
    expect(server.authenticated).toBe(true);
  });

  test('unknown methods fail and count', async () => {
    const { peer, attempts } = await setup({ password: checkPassword });
    peer.send({ method: 'other', name: 'hostbased', username: USER, service: 'ssh-connection', data: new Uint8Array(4) });
    expect(await peer.failure()).toEqual({ methods: ['password'], partialSuccess: false });
    expect(attempts[0]).toMatchObject({ method: 'hostbased', outcome: 'failure', failures: 1 });
  });

  test('the handler installed before is put back on success; later auth messages reach it', async () => {
    const { client, server } = transportPair();
    const seen: number[] = [];
    server.onMessage = (p) => void seen.push(p[0]!);
    const result = serveUserAuth(server, { none: () => true, failureDelayMs: 0 });
    const peer = new Peer(client);
    await client.requestService('ssh-userauth');
    peer.send(none);
    await peer.success();
    await result;
    client.send(Uint8Array.of(MSG.GLOBAL_REQUEST, 0, 0, 0, 1, 0x78, 0));
    await client.ping();
    expect(seen).toEqual([MSG.GLOBAL_REQUEST]);
  });
});

describe('publickey (RFC 4252 §7)', () => {
  const keys = [line(ed), line(ecdsa), line(rsa)].join('\n');

  test.each([
    ['ssh-ed25519', ed, 'ssh-ed25519'],
    ['ecdsa-sha2-nistp384', ecdsa, 'ecdsa-sha2-nistp384'],
    ['rsa-sha2-256', rsa, 'rsa-sha2-256'],
    ['rsa-sha2-512', rsa, 'rsa-sha2-512'],
  ])('%s: query → PK_OK, signed → SUCCESS', async (_n, key, alg) => {
    const { peer, result } = await setup({ authorizedKeys: (u) => (u === USER ? keys : undefined) });
    peer.send(query(key, alg));
    expect(decodeUserauthPkOk(await peer.next())).toEqual({ algorithm: alg, publicKey: key.publicBlob });
    peer.send(peer.signed(key, { algorithm: alg }));
    await peer.success();
    const user = await result;
    expect(user.methods).toEqual(['publickey']);
    expect(user.key?.blob).toEqual(key.publicBlob);
    expect(user.restrictions).toEqual(UNRESTRICTED);
  });

  test('a key not in authorized_keys: FAILURE for the query and for a signed request', async () => {
    const { peer, attempts } = await setup({ authorizedKeys: () => keys });
    peer.send(query(stranger));
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: false });
    peer.send(peer.signed(stranger));
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: false });
    expect(attempts.map((a) => [a.outcome, a.failures])).toEqual([
      ['failure', 1],
      ['failure', 2],
    ]);
    expect(attempts[0]!.detail).toMatch(/^ssh-ed25519 SHA256:\S+: key not authorized$/);
  });

  test('a bad signature, a signature by another key, a mismatched key type: FAILURE', async () => {
    const { peer } = await setup({ authorizedKeys: () => keys });
    const good = peer.signed(ed) as { signature: Uint8Array };
    const bad = { ...good, signature: good.signature.slice() };
    bad.signature[bad.signature.length - 1]! ^= 1;
    peer.send(bad as UserauthRequest);
    expect((await peer.failure()).partialSuccess).toBe(false);
    peer.send(peer.signed(ed, { signWith: stranger }));
    expect((await peer.failure()).partialSuccess).toBe(false);
    peer.send(query(ed, 'ecdsa-sha2-nistp256'));
    expect((await peer.failure()).partialSuccess).toBe(false);
    peer.send({ ...(query(ed) as { method: 'publickey'; username: string; service: string; algorithm: string; publicKey: Uint8Array }), publicKey: utf8('garbage') });
    expect((await peer.failure()).partialSuccess).toBe(false);
  });

  test('ssh-rsa (SHA-1) is refused by default and accepted when configured, which server-sig-algs then says', async () => {
    const refused = await setup({ authorizedKeys: () => keys });
    refused.peer.send(query(rsa, 'ssh-rsa'));
    expect((await refused.peer.failure()).methods).toEqual(['publickey']);
    expect(refused.attempts[0]!.detail).toBe('algorithm ssh-rsa is not accepted');

    const allowed = await setup({ authorizedKeys: () => keys, publicKeyAlgorithms: ['ssh-rsa', 'ssh-ed25519'] });
    expect(new TextDecoder().decode(allowed.client.peerExtensions.get('server-sig-algs'))).toBe('ssh-rsa,ssh-ed25519');
    allowed.peer.send(allowed.peer.signed(rsa, { algorithm: 'ssh-rsa' }));
    await allowed.peer.success();
  });

  test('the transport announces publickey-hostbound@openssh.com=0 and the host-bound form authenticates (PROTOCOL §2.5)', async () => {
    const { peer, client, result } = await setup({ authorizedKeys: () => keys });
    expect(new TextDecoder().decode(client.peerExtensions.get('publickey-hostbound@openssh.com'))).toBe('0');
    peer.send(peer.signed(ed, { hostbound: stranger.publicBlob }));
    expect((await peer.failure()).partialSuccess).toBe(false);
    peer.send(peer.signed(ed, { hostbound: hostKey('ssh-ed25519').publicBlob }));
    await peer.success();
    expect((await result).methods).toEqual(['publickey']);
  });

  test('the publicKey decision is asked for the query and again for the signature', async () => {
    const asked: { signed: boolean; algorithm: string; type: string; address: string | undefined }[] = [];
    const { peer } = await setup({
      clientAddress: '192.0.2.7',
      publicKey: (ctx) => {
        asked.push({ signed: ctx.signed, algorithm: ctx.algorithm, type: ctx.key.type, address: ctx.clientAddress });
        return ctx.username === USER;
      },
    });
    peer.send(query(ecdsa));
    decodeUserauthPkOk(await peer.next());
    peer.send(peer.signed(ecdsa));
    await peer.success();
    expect(asked).toEqual([
      { signed: false, algorithm: 'ecdsa-sha2-nistp384', type: 'ecdsa-sha2-nistp384', address: '192.0.2.7' },
      { signed: true, algorithm: 'ecdsa-sha2-nistp384', type: 'ecdsa-sha2-nistp384', address: '192.0.2.7' },
    ]);
  });
});

describe('authorized_keys options (sshd(8) AUTHORIZED_KEYS FILE FORMAT)', () => {
  async function tryKey(text: string, opts: Partial<UserAuthServerOptions> = {}): Promise<{ ok: boolean; user?: AuthenticatedUser; detail: string }> {
    const { peer, result, attempts } = await setup({ authorizedKeys: () => text, ...opts });
    peer.send(peer.signed(ed));
    const m = await peer.next();
    if (m[0] === MSG.USERAUTH_SUCCESS) return { ok: true, user: await result, detail: attempts[0]!.detail };
    return { ok: false, detail: attempts[0]!.detail };
  }

  test('command=, no-pty, permitopen= and restrict become restrictions', async () => {
    const r = await tryKey(line(ed, 'command="/usr/bin/backup",no-pty,permitopen="db:5432"'));
    expect(r.ok).toBe(true);
    expect(r.user!.restrictions).toMatchObject({ forceCommand: '/usr/bin/backup', permitPty: false, permitPortForwarding: true, permitOpen: ['db:5432'] });
    const restricted = await tryKey(line(ed, 'restrict,pty'));
    expect(restricted.user!.restrictions).toMatchObject({ permitPty: true, permitPortForwarding: false, permitAgentForwarding: false, permitX11Forwarding: false });
  });

  test('from= admits the client address it lists, and nobody when the address is unknown', async () => {
    const text = line(ed, 'from="10.0.0.0/8,!10.9.9.9"');
    expect((await tryKey(text, { clientAddress: '10.1.2.3' })).ok).toBe(true);
    const denied = await tryKey(text, { clientAddress: '10.9.9.9' });
    expect(denied.ok).toBe(false);
    expect(denied.detail).toContain('from=');
    expect((await tryKey(text, { clientAddress: '192.0.2.1' })).ok).toBe(false);
    expect((await tryKey(text)).ok).toBe(false);
  });

  test('expiry-time= refuses after the time', async () => {
    const text = line(ed, 'expiry-time="20300101Z"');
    expect((await tryKey(text, { now: () => Date.UTC(2029, 11, 31) })).ok).toBe(true);
    const late = await tryKey(text, { now: () => Date.UTC(2030, 0, 2) });
    expect(late.ok).toBe(false);
    expect(late.detail).toContain('expired');
  });

  test('an unreadable line is skipped (and named) while the others still work', async () => {
    const r = await tryKey(`bogus-option ${line(stranger)}\n${line(ed)}`);
    expect(r.ok).toBe(true);
    const refused = await tryKey(`bogus-option ${line(ed)}`);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('line 1');
  });
});

// ------------------------------------------------------------- certificates

const NOW_S = 1_900_000_000n;
const now = (): number => Number(NOW_S) * 1000;

function certify(
  subject: SigningKey,
  opts: { principals?: string[]; validAfter?: bigint; validBefore?: bigint; critical?: CertificateOption[]; extensions?: string[]; by?: SigningKey; kind?: 'user' | 'host' } = {},
): Uint8Array {
  const by = opts.by ?? ca;
  const str = (s: string) => new Writer(s.length + 4).string(s).bytes().slice();
  const tbs = encodeCertificateSignedData({
    nonce: new Uint8Array(32).fill(7),
    publicKey: subject.publicBlob,
    serial: 42n,
    kind: opts.kind ?? 'user',
    keyId: 'alice@example',
    principals: opts.principals ?? [USER],
    validAfter: opts.validAfter ?? NOW_S - 3600n,
    validBefore: opts.validBefore ?? CERT_VALID_FOREVER,
    criticalOptions: (opts.critical ?? []).map((o) => ({ name: o.name, data: o.data.length ? str(new TextDecoder().decode(o.data)) : o.data })),
    extensions: (opts.extensions ?? ['permit-pty', 'permit-port-forwarding']).map((name) => ({ name, data: new Uint8Array(0) })),
    signatureKey: by.publicBlob,
  });
  return completeCertificate(tbs, by.sign(by.algorithms[0]!, tbs));
}

describe('user certificates', () => {
  async function tryCert(cert: Uint8Array, opts: Partial<UserAuthServerOptions>): Promise<{ ok: boolean; user?: AuthenticatedUser; detail: string }> {
    const { peer, result, attempts } = await setup({ now, ...opts });
    peer.send(peer.signed(ed, { algorithm: 'ssh-ed25519-cert-v01@openssh.com', blob: cert }));
    const m = await peer.next();
    if (m[0] === MSG.USERAUTH_SUCCESS) return { ok: true, user: await result, detail: attempts[0]!.detail };
    return { ok: false, detail: attempts[0]!.detail };
  }
  const trusted = { trustedUserCAKeys: [ca.publicBlob] };

  test('trustedUserCAKeys: accepted for a listed principal; the certificate and its extensions are in the result', async () => {
    const r = await tryCert(certify(ed), trusted);
    expect(r.ok).toBe(true);
    expect(r.user!.certificate?.keyId).toBe('alice@example');
    expect(r.user!.key?.blob).toEqual(ed.publicBlob);
    expect(r.user!.restrictions).toMatchObject({ permitPty: true, permitPortForwarding: true, permitAgentForwarding: false, permitX11Forwarding: false });
    expect(r.detail).toContain('TrustedUserCAKeys');
  });

  test('principals must name the user; validity is enforced; an untrusted CA is refused', async () => {
    expect((await tryCert(certify(ed, { principals: ['bob'] }), trusted)).detail).toContain('not a listed principal');
    expect((await tryCert(certify(ed, { validBefore: NOW_S - 1n }), trusted)).detail).toContain('expired');
    expect((await tryCert(certify(ed, { validAfter: NOW_S + 60n }), trusted)).detail).toContain('not yet valid');
    expect((await tryCert(certify(ed, { by: stranger }), trusted)).detail).toContain('untrusted CA');
    expect((await tryCert(certify(ed, { kind: 'host' }), trusted)).ok).toBe(false);
  });

  test('source-address is checked against the client address; force-command becomes a restriction', async () => {
    const critical = [
      { name: 'source-address', data: utf8('10.0.0.0/8') },
      { name: 'force-command', data: utf8('/bin/true') },
    ];
    const cert = certify(ed, { critical });
    const ok = await tryCert(cert, { ...trusted, clientAddress: '10.0.0.5' });
    expect(ok.ok).toBe(true);
    expect(ok.user!.restrictions.forceCommand).toBe('/bin/true');
    expect((await tryCert(cert, { ...trusted, clientAddress: '192.0.2.1' })).detail).toContain('source-address');
  });

  test('a certificate signed by another key than the one that signs the request is refused', async () => {
    const { peer } = await setup({ now, ...trusted });
    peer.send(peer.signed(ed, { algorithm: 'ssh-ed25519-cert-v01@openssh.com', blob: certify(stranger), signWith: ed }));
    expect((await peer.failure()).partialSuccess).toBe(false);
  });

  test('cert-authority lines with principals= in authorized_keys', async () => {
    const caLine = line(ca, 'cert-authority,principals="ops,alice-admin"');
    expect((await tryCert(certify(ed, { principals: ['alice-admin'] }), { authorizedKeys: () => caLine })).ok).toBe(true);
    expect((await tryCert(certify(ed, { principals: [USER] }), { authorizedKeys: () => caLine })).ok).toBe(false);
    // Without principals=, the certificate must name the user.
    expect((await tryCert(certify(ed), { authorizedKeys: () => line(ca, 'cert-authority') })).ok).toBe(true);
    // A plain line for the CA key does not accept its certificates.
    expect((await tryCert(certify(ed), { authorizedKeys: () => line(ca) })).ok).toBe(false);
  });

  test('the publicKey decision sees only certificates sound in themselves', async () => {
    const seen: string[] = [];
    const publicKey = (ctx: { certificate?: { keyId: string } }) => {
      seen.push(ctx.certificate?.keyId ?? '-');
      return true;
    };
    expect((await tryCert(certify(ed, { by: stranger }), { publicKey })).ok).toBe(true);
    expect((await tryCert(certify(ed, { validBefore: NOW_S - 1n }), { publicKey })).ok).toBe(false);
    expect(seen).toEqual(['alice@example']);
  });
});

describe('password (RFC 4252 §8)', () => {
  test('right password: SUCCESS; wrong: FAILURE; empty: refused without asking', async () => {
    const asked: string[] = [];
    const { peer, result } = await setup({
      password: (u, pw) => {
        asked.push(pw);
        return u === USER && pw === 'secret';
      },
    });
    peer.send(password(''));
    expect(await peer.failure()).toEqual({ methods: ['password'], partialSuccess: false });
    peer.send(password('wrong'));
    expect(await peer.failure()).toEqual({ methods: ['password'], partialSuccess: false });
    peer.send(password('secret'));
    await peer.success();
    expect((await result).methods).toEqual(['password']);
    expect(asked).toEqual(['wrong', 'secret']);
  });

  test("'change-required' answers PASSWD_CHANGEREQ; the change request comes back with newPassword", async () => {
    const { peer, result } = await setup({
      passwordChangePrompt: 'Your password has expired',
      password: (_u, pw, ctx) => (ctx.newPassword === undefined ? (pw === 'old' ? 'change-required' : false) : pw === 'old' && ctx.newPassword.length >= 8),
    });
    peer.send(password('old'));
    expect(decodeUserauthPasswdChangereq(await peer.next())).toEqual({ prompt: 'Your password has expired', language: '' });
    peer.send(password('old', 'short'));
    expect((await peer.failure()).partialSuccess).toBe(false);
    peer.send(password('old', 'long-enough'));
    await peer.success();
    expect((await result).methods).toEqual(['password']);
  });

  test('permitEmptyPasswords lets the decision see an empty password', async () => {
    const { peer } = await setup({ permitEmptyPasswords: true, password: (_u, pw) => pw === '' });
    peer.send(password(''));
    await peer.success();
  });
});

describe('keyboard-interactive (RFC 4256)', () => {
  test('several rounds; the answers come back in order', async () => {
    const rounds: string[][] = [];
    const { peer, result } = await setup({
      keyboardInteractive: async (user, ctx, dialogue) => {
        expect(ctx.submethods).toEqual(['pam']);
        const a = await dialogue.ask({ name: 'Login', instruction: 'Two factors', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] });
        rounds.push(a);
        const b = await dialogue.ask({ prompts: [] });
        rounds.push(b);
        return user === USER && a[0] === 'secret' && a[1] === '123456';
      },
    });
    peer.send({ ...kbd, submethods: 'pam' } as UserauthRequest);
    const q1 = decodeUserauthInfoRequest(await peer.next());
    expect(q1).toEqual({ name: 'Login', instruction: 'Two factors', language: '', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] });
    peer.client.send(encodeUserauthInfoResponse({ responses: ['secret', '123456'] }));
    expect(decodeUserauthInfoRequest(await peer.next()).prompts).toEqual([]);
    peer.client.send(encodeUserauthInfoResponse({ responses: [] }));
    await peer.success();
    expect(rounds).toEqual([['secret', '123456'], []]);
    expect((await result).methods).toEqual(['keyboard-interactive']);
  });

  test('a refusal is a FAILURE; a new request abandons the dialogue (counted) and the question rejects', async () => {
    let abandoned: unknown;
    const { peer, attempts } = await setup({
      password: checkPassword,
      keyboardInteractive: async (_u, _c, dialogue) => {
        try {
          await dialogue.ask({ prompts: [{ prompt: 'Password: ', echo: false }] });
        } catch (e) {
          abandoned = e;
          throw e;
        }
        return false;
      },
    });
    peer.send(kbd);
    decodeUserauthInfoRequest(await peer.next());
    peer.send(password('wrong'));
    expect(await peer.failure()).toEqual({ methods: ['password', 'keyboard-interactive'], partialSuccess: false });
    expect(abandoned).toBeInstanceOf(ProtocolError);
    expect(attempts.map((a) => [a.method, a.outcome, a.failures])).toEqual([
      ['keyboard-interactive', 'failure', 1],
      ['password', 'failure', 2],
    ]);
    peer.send(kbd);
    decodeUserauthInfoRequest(await peer.next());
    peer.client.send(encodeUserauthInfoResponse({ responses: ['x'] }));
    expect((await peer.failure()).partialSuccess).toBe(false);
  });

  test('the wrong number of responses, or a response without a question, disconnects', async () => {
    const a = await setup({ keyboardInteractive: async (_u, _c, d) => (await d.ask({ prompts: [{ prompt: 'P: ', echo: false }] }))[0] === 'x' });
    a.peer.send(kbd);
    decodeUserauthInfoRequest(await a.peer.next());
    a.peer.client.send(encodeUserauthInfoResponse({ responses: ['x', 'y'] }));
    expect((await a.peer.disconnected()).reasonCode).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    await expect(a.result).rejects.toThrow(/2 responses to 1 prompts/);

    const b = await setup({ password: checkPassword });
    b.peer.client.send(encodeUserauthInfoResponse({ responses: [] }));
    expect((await b.peer.disconnected()).reasonCode).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    await expect(b.result).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('AuthenticationMethods and partial success (RFC 4252 §5.1)', () => {
  test('publickey then password: partial success, then SUCCESS with both methods', async () => {
    const { peer, result } = await setup({ authorizedKeys: () => line(ed, 'no-pty'), password: checkPassword, authenticationMethods: [['publickey', 'password']] });
    peer.send(none);
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: false });
    peer.send(password('secret'));
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: false });
    peer.send(peer.signed(ed));
    expect(await peer.failure()).toEqual({ methods: ['password'], partialSuccess: true });
    peer.send(peer.signed(ed));
    expect(await peer.failure()).toEqual({ methods: ['password'], partialSuccess: false });
    peer.send(password('secret'));
    await peer.success();
    const user = await result;
    expect(user.methods).toEqual(['publickey', 'password']);
    expect(user.restrictions.permitPty).toBe(false);
  });

  test('publickey,publickey needs two different keys; their options are merged', async () => {
    const { peer, result, attempts } = await setup({
      authorizedKeys: () => [line(ed, 'no-pty'), line(ecdsa, 'no-port-forwarding')].join('\n'),
      authenticationMethods: [['publickey', 'publickey']],
    });
    peer.send(peer.signed(ed));
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: true });
    peer.send(peer.signed(ed));
    expect(await peer.failure()).toEqual({ methods: ['publickey'], partialSuccess: false });
    expect(attempts[1]!.detail).toContain('already used');
    peer.send(peer.signed(ecdsa));
    await peer.success();
    expect((await result).restrictions).toMatchObject({ permitPty: false, permitPortForwarding: false });
  });

  test('options naming an unconfigured method, or nothing configured, are TypeErrors', () => {
    const { server } = transportPair();
    expect(() => serveUserAuth(server, { password: checkPassword, authenticationMethods: [['publickey']] })).toThrow(TypeError);
    expect(() => serveUserAuth(server, {})).toThrow(TypeError);
    expect(() => serveUserAuth(server, { password: checkPassword, publicKeyAlgorithms: ['ssh-dss'] })).toThrow(TypeError);
    expect(() => serveUserAuth(server, { password: checkPassword, maxAuthTries: 0 })).toThrow(RangeError);
    server.close();
  });
});

describe('limits and endings', () => {
  test('MaxAuthTries: the failure that reaches it disconnects with "Too many authentication failures"', async () => {
    const { peer, result } = await setup({ password: checkPassword, maxAuthTries: 3 });
    for (let i = 0; i < 2; i++) {
      peer.send(password('wrong'));
      await peer.failure();
    }
    peer.send(password('wrong'));
    const d = await peer.disconnected();
    expect([d.reasonCode, d.description]).toEqual([DISCONNECT_REASON.PROTOCOL_ERROR, 'Too many authentication failures']);
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisconnectError);
    expect((err as DisconnectError).by).toBe('local');
  });

  test('default MaxAuthTries is 6, and pipelined requests are answered in order', async () => {
    const { peer } = await setup({ password: checkPassword });
    for (let i = 0; i < 6; i++) peer.send(password(`wrong${i}`));
    for (let i = 0; i < 5; i++) await peer.failure();
    expect((await peer.disconnected()).description).toBe('Too many authentication failures');
  });

  test('a change of user or of service disconnects, as sshd does', async () => {
    const user = await setup({ password: checkPassword });
    user.peer.send(password('wrong'));
    await user.peer.failure();
    user.peer.send({ ...password('secret'), username: 'root' } as UserauthRequest);
    const d = await user.peer.disconnected();
    expect(d.description).toBe('Change of username or service not allowed: (alice,ssh-connection) -> (root,ssh-connection)');
    await expect(user.result).rejects.toBeInstanceOf(DisconnectError);

    const service = await setup({ password: checkPassword });
    service.peer.send(none);
    await service.peer.failure();
    service.peer.send({ ...none, service: 'other' });
    expect((await service.peer.disconnected()).description).toMatch(/^Change of username or service not allowed/);
  });

  test('an unavailable service disconnects with SERVICE_NOT_AVAILABLE', async () => {
    const { peer } = await setup({ password: checkPassword });
    peer.send({ ...none, service: 'ssh-tunnel' });
    expect((await peer.disconnected()).reasonCode).toBe(DISCONNECT_REASON.SERVICE_NOT_AVAILABLE);
  });

  test('LoginGraceTime: no success in time closes the connection; the result rejects with LimitError', async () => {
    const { peer, result } = await setup({ password: checkPassword, loginGraceTimeMs: 100 });
    peer.send(password('wrong'));
    await peer.failure();
    const d = await peer.disconnected();
    expect([d.reasonCode, d.description]).toEqual([DISCONNECT_REASON.BY_APPLICATION, 'Timeout before authentication']);
    await expect(result).rejects.toBeInstanceOf(LimitError);
  });

  test('the minimum response time holds for failures and successes, not for "none"', async () => {
    const { peer } = await setup({ password: checkPassword, failureDelayMs: 80 });
    let t = Date.now();
    peer.send(none);
    await peer.failure();
    expect(Date.now() - t).toBeLessThan(60);
    t = Date.now();
    peer.send(password('wrong'));
    await peer.failure();
    expect(Date.now() - t).toBeGreaterThanOrEqual(75);
    t = Date.now();
    peer.send(password('secret'));
    await peer.success();
    expect(Date.now() - t).toBeGreaterThanOrEqual(75);
  });

  test('a decision that throws: the client is told nothing of it; the result rejects with the error', async () => {
    const boom = new Error('database is down');
    const { peer, result } = await setup({
      password: () => {
        throw boom;
      },
    });
    peer.send(password('x'));
    const d = await peer.disconnected();
    expect([d.reasonCode, d.description]).toEqual([DISCONNECT_REASON.BY_APPLICATION, 'internal error during authentication']);
    await expect(result).rejects.toBe(boom);
  });

  test('connection-layer messages before success are a protocol error', async () => {
    const { peer, result } = await setup({ password: checkPassword });
    peer.client.send(new Writer(32).byte(MSG.CHANNEL_OPEN).string('session').uint32(0).uint32(1 << 20).uint32(32768).bytes().slice());
    expect((await peer.disconnected()).reasonCode).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
    await expect(result).rejects.toBeInstanceOf(ProtocolError);
  });

  test('the client going away rejects the result', async () => {
    const { client, result } = await setup({ password: checkPassword });
    client.disconnect(DISCONNECT_REASON.BY_APPLICATION, 'bye');
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisconnectError);
    expect((err as DisconnectError).by).toBe('peer');
  });
});

describe("hopssh's userauth client against serveUserAuth", () => {
  test('publickey (host-bound), password after a partial success, keyboard-interactive', async () => {
    const { client, server } = transportPair();
    const result = serveUserAuth(server, {
      authorizedKeys: () => line(ed),
      password: checkPassword,
      keyboardInteractive: async (_u, _c, d) => (await d.ask({ prompts: [{ prompt: 'Code: ', echo: true }] }))[0] === '42',
      authenticationMethods: [['publickey', 'password', 'keyboard-interactive']],
      failureDelayMs: 0,
    });
    const res = await authenticateClient(client, {
      username: USER,
      credentials: [
        { type: 'publickey', key: stranger },
        { type: 'publickey', key: ed },
        { type: 'password', password: 'secret' },
        { type: 'keyboard-interactive', respond: () => ['42'] },
      ],
    });
    expect(res.methods).toEqual(['publickey', 'password', 'keyboard-interactive']);
    expect(res.attempted.some((a) => a.startsWith(PUBLICKEY_HOSTBOUND))).toBe(true);
    expect((await result).methods).toEqual(['publickey', 'password', 'keyboard-interactive']);
    await client.rekey();
    expect(client.kexCount).toBe(2);
    expect(server.authenticated).toBe(true);
  });
});
