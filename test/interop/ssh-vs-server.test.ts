/**
 * OpenSSH's `ssh` client against hopssh's ServerTransport (RFC 4253 interop),
 * one algorithm dimension at a time: every kex method (group exchange
 * included), host-key algorithm, cipher and MAC that OpenSSH offers and
 * hopssh implements, forced with `ssh -o …` against a server that offers all
 * of them. ssh runs with -vvv, BatchMode, no identities and
 * StrictHostKeyChecking=yes against a known_hosts file holding hopssh's key,
 * so a wrong host key fails the case.
 *
 * The test plays the upper layers by hand. OpenSSH 9.2's ssh treats a
 * KEXINIT received during user authentication as fatal ("input_userauth_error:
 * bad message during authentication: type 20"), so the server's rekey
 * happens after authentication:
 *
 *   ssh                                    hopssh server (this test)
 *   kex (forced algorithm, strict) ──────  ServerTransport
 *   SERVICE_REQUEST ssh-userauth ────────► SERVICE_ACCEPT (onServiceAccepted)
 *   USERAUTH_REQUEST "none" ─────────────► USERAUTH_SUCCESS, then rekey()
 *   CHANNEL_OPEN session ────────────────► (held until the rekey is done)
 *   ◄──── key re-exchange started by the server ────►
 *   ◄──────────────────────────────────── GLOBAL_REQUEST (want_reply)
 *   REQUEST_FAILURE ─────────────────────► CHANNEL_OPEN_FAILURE
 *   "channel 0: open failed: administratively prohibited: …", exit 255
 *
 * The GLOBAL_REQUEST round trip after the rekey proves both directions run
 * on the new keys. A separate case answers USERAUTH_FAILURE instead and
 * expects ssh's "Permission denied".
 */
import { describe, expect, test } from 'vitest';
import { knownHostsLine, requireOpenSSH, runSsh } from '../helpers/openssh.ts';
import { startTransportServer, type TransportServer } from '../helpers/transport-server.ts';
import { AEAD, CIPHERS, HOST_KEY_ALGORITHMS, KEX, MACS } from '../helpers/openssh-algorithms.ts';
import type { RunResult } from '../helpers/run.ts';
import { expectRelayedInPieces, startChunkingProxy, type ChunkingProxy } from '../helpers/chunking-proxy.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import type { Negotiated } from '../../src/transport/negotiate.ts';
import { SUPPORTED } from '../../src/transport/algorithms.ts';
import { ConnectionClosedError, DisconnectError } from '../../src/transport/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { Reader } from '../../src/wire/reader.ts';
import { Writer } from '../../src/wire/writer.ts';
import { DISCONNECT_REASON, MSG } from '../../src/wire/message-numbers.ts';

const describeOpenSSH = requireOpenSSH();

/** hopssh's host keys, one of each type (generated once, at import). */
const KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const;
const HOST_KEYS: SigningKey[] = KEY_TYPES.map((t) => hostKey(t));

function keyFor(algorithm: string): SigningKey {
  const type = algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
  const k = HOST_KEYS.find((h) => h.type === type);
  if (!k) throw new Error(`no hopssh host key of type ${type}`);
  return k;
}

function publicKeyLine(k: SigningKey): string {
  return `${k.type} ${toBase64(k.publicBlob)}`;
}

/** How ssh -vvv names a key type in "is known and matches the … host key". */
function sshKeyTypeName(type: string): string {
  return type === 'ssh-ed25519' ? 'ED25519' : type === 'ssh-rsa' ? 'RSA' : 'ECDSA';
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const CHANNEL_REFUSAL = 'hopssh interop test: no channels';

/** What the test server saw on one connection, in order. */
interface ServerSide {
  t: ServerTransport;
  events: string[];
  userauth: { user: string; service: string; method: string }[];
  /** kexCount when the GLOBAL_REQUEST reply arrived. */
  replyKexCount: number | undefined;
  /** Errors of the test's own server logic (never swallowed: asserted empty). */
  errors: unknown[];
}

type TestServer = TransportServer<ServerSide>;

/**
 * A hopssh server on 127.0.0.1 offering every supported algorithm (the
 * finite-field kex methods and hmac-sha1 need configuring: the server
 * defaults leave them out). `userauth` chooses the answer to USERAUTH_REQUEST.
 */
function startServer(userauth: 'success' | 'failure'): Promise<TestServer> {
  const options = { hostKeys: HOST_KEYS, kex: SUPPORTED.kex, hostKeyAlgorithms: SUPPORTED.hostKey, ciphers: SUPPORTED.cipher, macs: SUPPORTED.mac };
  return startTransportServer(options, (t) => {
    const side: ServerSide = { t, events: [], userauth: [], replyKexCount: undefined, errors: [] };
    const ev = (what: string): void => {
      side.events.push(`${what} @kex${t.kexCount}`);
    };
    let rekey: Promise<void> | undefined;
    let channel: number | undefined;
    t.onServiceAccepted = (name) => ev(`service-accepted ${name}`);
    t.onMessage = (p) => {
      try {
        const r = new Reader(p, 1, p.length);
        switch (p[0]) {
          case MSG.USERAUTH_REQUEST: {
            const user = r.text('user');
            const service = r.text('service');
            const method = r.text('method');
            side.userauth.push({ user, service, method });
            ev(`userauth-request ${method}`);
            if (userauth === 'failure') {
              t.send(new Writer(32).byte(MSG.USERAUTH_FAILURE).nameList(['publickey']).boolean(false).bytes().slice());
              return;
            }
            t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
            rekey = t.rekey();
            rekey.then(
              () => ev('rekey-done'),
              (e: unknown) => side.errors.push(e),
            );
            return;
          }
          case MSG.CHANNEL_OPEN: {
            const type = r.text('channel type');
            channel = r.uint32('sender channel');
            ev(`channel-open ${type}`);
            if (!rekey) throw new Error('CHANNEL_OPEN before authentication');
            rekey.then(
              () => t.send(new Writer(64).byte(MSG.GLOBAL_REQUEST).string('interop-probe@hopssh.invalid').boolean(true).bytes().slice()),
              (e: unknown) => side.errors.push(e),
            );
            return;
          }
          case MSG.REQUEST_SUCCESS:
          case MSG.REQUEST_FAILURE: {
            ev(p[0] === MSG.REQUEST_FAILURE ? 'request-failure' : 'request-success');
            side.replyKexCount = t.kexCount;
            if (channel === undefined) throw new Error('global request reply before CHANNEL_OPEN');
            t.send(
              new Writer(96).byte(MSG.CHANNEL_OPEN_FAILURE).uint32(channel).uint32(1 /* ADMINISTRATIVELY_PROHIBITED */).string(CHANNEL_REFUSAL).string('').bytes().slice(),
            );
            return;
          }
          default:
            ev(`message ${p[0]}`);
        }
      } catch (e) {
        side.errors.push(e);
      }
    };
    return side;
  });
}

interface SshCase {
  /** `ssh -o` options forcing the algorithm under test. */
  options?: Record<string, string>;
  /** Host keys written to known_hosts (default: all of hopssh's). */
  knownKeys?: readonly SigningKey[];
  userauth?: 'success' | 'failure';
  /** Put a chunking relay between ssh and the server. */
  chunked?: { maxChunk: number };
}

interface SshOutcome {
  ssh: RunResult;
  server: ServerSide;
  closedWith: Error | undefined;
  proxy: ChunkingProxy | undefined;
}

/** Runs `ssh -vvv … true` against a fresh test server (through a relay if asked) and returns what both sides saw. */
async function runCase(c: SshCase): Promise<SshOutcome> {
  const srv = await startServer(c.userauth ?? 'success');
  let proxy: ChunkingProxy | undefined;
  try {
    if (c.chunked) proxy = await startChunkingProxy({ port: srv.port, maxChunk: c.chunked.maxChunk });
    const port = proxy?.port ?? srv.port;
    const known = (c.knownKeys ?? HOST_KEYS).map((k) => knownHostsLine('127.0.0.1', port, publicKeyLine(k)));
    const ssh = await runSsh(['-l', 'hoptest', '127.0.0.1', 'true'], { port, knownHosts: known, verbose: true, options: c.options, timeoutMs: 30_000 });
    const context = `ssh exit ${ssh.code}; stderr tail:\n${ssh.stderr.split('\n').slice(-15).join('\n')}`;
    expect(ssh.timedOut, context).toBe(false);
    expect(srv.connections.length, context).toBe(1);
    const server = srv.connections[0]!;
    // ssh has exited: the server sees the connection end.
    const closedWith = await Promise.race([
      server.t.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('server transport still open 5 s after ssh exited')), 5_000)),
    ]);
    expect(server.errors, context).toEqual([]);
    return { ssh, server, closedWith, proxy };
  } finally {
    await proxy?.close();
    await srv.close();
  }
}

/** The negotiated set an `ssh -o` case expects on the server, and the lines ssh -vvv prints for it. */
function expectNegotiated(o: SshOutcome, n: Partial<Negotiated>): void {
  expect(o.server.t.negotiated).toMatchObject(n);
  const log = o.ssh.stderr;
  const count = (re: RegExp): number => (log.match(new RegExp(re.source, 'gm')) ?? []).length;
  // Each line is printed at each of the two exchanges.
  if (n.kex) expect(count(new RegExp(`^debug1: kex: algorithm: ${escapeRe(n.kex)}\\r?$`)), `ssh -vvv kex line for ${n.kex}`).toBe(2);
  if (n.hostKey) expect(count(new RegExp(`^debug1: kex: host key algorithm: ${escapeRe(n.hostKey)}\\r?$`))).toBe(2);
  const mac = (m: string | undefined): string => (m === undefined ? '\\S+' : m === 'none' ? '<implicit>' : escapeRe(m));
  if (n.cipherStoC) {
    expect(count(new RegExp(`^debug1: kex: server->client cipher: ${escapeRe(n.cipherStoC)} MAC: ${mac(n.macStoC)} compression: none\\r?$`))).toBe(2);
  }
  if (n.cipherCtoS) {
    expect(count(new RegExp(`^debug1: kex: client->server cipher: ${escapeRe(n.cipherCtoS)} MAC: ${mac(n.macCtoS)} compression: none\\r?$`))).toBe(2);
  }
}

/** Everything every successful case shows: strict kex, the service, a server rekey and traffic after it. */
function expectCompleteSession(o: SshOutcome): void {
  const { ssh, server } = o;
  const log = ssh.stderr;
  const context = `ssh stderr tail:\n${log.split('\n').slice(-15).join('\n')}`;
  // Strict kex, seen from both ends.
  expect(server.t.strictKex).toBe(true);
  expect(log).toMatch(/KEX algorithms: [^\n]*kex-strict-s-v00@openssh\.com/);
  expect(log).toContain('will use strict KEX ordering');
  // The host key ssh checked is the one in known_hosts for this type (StrictHostKeyChecking=yes).
  const type = keyFor(server.t.negotiated!.hostKey).type;
  expect(log).toMatch(new RegExp(`Host '\\[127\\.0\\.0\\.1\\]:\\d+' is known and matches the ${sshKeyTypeName(type)} host key`));
  expect(log).not.toContain('Host key verification failed');
  // Service, authentication, the server's rekey, and a round trip on the new keys.
  expect(log).toContain('SSH2_MSG_SERVICE_ACCEPT received');
  expect(log).toMatch(/Authenticated to 127\.0\.0\.1 \(\[127\.0\.0\.1\]:\d+\) using "none"/);
  expect(server.userauth).toEqual([{ user: 'hoptest', service: 'ssh-connection', method: 'none' }]);
  expect(server.t.kexCount, context).toBe(2);
  // CHANNEL_OPEN may arrive before or after the rekey completes; the probe's reply comes after it.
  const ev = server.events;
  expect(ev.slice(0, 2), context).toEqual(['service-accepted ssh-userauth @kex1', 'userauth-request none @kex1']);
  expect([...ev.slice(2, 4)].sort(), context).toEqual([expect.stringMatching(/^channel-open session @kex[12]$/), 'rekey-done @kex2']);
  expect(ev.slice(4), context).toEqual(['request-failure @kex2']);
  expect(server.replyKexCount).toBe(2);
  expect((log.match(/SSH2_MSG_KEXINIT received/g) ?? []).length).toBe(2);
  expect(log).toContain(`channel 0: open failed: administratively prohibited: ${CHANNEL_REFUSAL}`);
  expect(ssh.code, context).toBe(255);
  // ssh simply went away: no protocol or MAC error on the server.
  const closed = o.closedWith;
  const clean = closed === undefined || closed instanceof ConnectionClosedError || (closed instanceof DisconnectError && closed.reasonCode === DISCONNECT_REASON.BY_APPLICATION);
  expect(clean, `server closed with ${String(closed)}`).toBe(true);
}

describeOpenSSH('interop: OpenSSH ssh against the hopssh server', () => {
  describe('kex methods', () => {
    test.concurrent.each(KEX)('%s', async (kex) => {
      const o = await runCase({ options: { KexAlgorithms: kex } });
      expectCompleteSession(o);
      expectNegotiated(o, { kex });
    });
  });

  describe('host-key algorithms (known_hosts holds only the key of that type)', () => {
    test.concurrent.each(HOST_KEY_ALGORITHMS)('%s', async (alg) => {
      const o = await runCase({ options: { HostKeyAlgorithms: alg }, knownKeys: [keyFor(alg)] });
      expectCompleteSession(o);
      expectNegotiated(o, { hostKey: alg });
    });
  });

  describe('ciphers', () => {
    test.concurrent.each(CIPHERS)('%s', async (cipher) => {
      const o = await runCase({ options: { Ciphers: cipher } });
      expectCompleteSession(o);
      const mac = AEAD.has(cipher) ? 'none' : undefined;
      expectNegotiated(o, { cipherCtoS: cipher, cipherStoC: cipher, ...(mac ? { macCtoS: mac, macStoC: mac } : {}) });
    });
  });

  describe('MACs (with aes256-ctr, so the MAC is used)', () => {
    test.concurrent.each(MACS)('%s', async (mac) => {
      const o = await runCase({ options: { Ciphers: 'aes256-ctr', MACs: mac } });
      expectCompleteSession(o);
      expectNegotiated(o, { cipherCtoS: 'aes256-ctr', cipherStoC: 'aes256-ctr', macCtoS: mac, macStoC: mac });
    });
  });

  describe('authentication answers and host keys', () => {
    test('USERAUTH_FAILURE for "none": ssh, with no identities, ends with Permission denied', async () => {
      const o = await runCase({ userauth: 'failure' });
      const log = o.ssh.stderr;
      expect(o.ssh.code).toBe(255);
      expect(log).toContain('SSH2_MSG_SERVICE_ACCEPT received');
      expect(log).toMatch(/Permission denied \(publickey\)/);
      expect(o.server.t.strictKex).toBe(true);
      expect(o.server.t.kexCount).toBe(1);
      expect(o.server.events).toEqual(['service-accepted ssh-userauth @kex1', 'userauth-request none @kex1']);
    });

    test('a known_hosts entry with a different key of the type: ssh refuses hopssh (the check is real)', async () => {
      const stranger = generateSigningKey('ssh-ed25519');
      const o = await runCase({ options: { HostKeyAlgorithms: 'ssh-ed25519' }, knownKeys: [stranger] });
      expect(o.ssh.code).toBe(255);
      expect(o.ssh.stderr).toContain('Host key verification failed.');
      expect(o.server.events).toEqual([]);
      expect(o.server.t.kexCount).toBeLessThanOrEqual(1);
    });
  });

  describe('through a relay that cuts the TCP stream into random pieces', () => {
    const cases: { name: string; maxChunk: number; options: Record<string, string>; expect: Partial<Negotiated> }[] = [
      { name: '1-byte pieces, ssh defaults', maxChunk: 1, options: {}, expect: { kex: 'curve25519-sha256', cipherCtoS: 'chacha20-poly1305@openssh.com' } },
      {
        name: 'ecdh-sha2-nistp521, rsa-sha2-512, aes256-ctr + hmac-sha2-512-etm',
        maxChunk: 64,
        options: { KexAlgorithms: 'ecdh-sha2-nistp521', HostKeyAlgorithms: 'rsa-sha2-512', Ciphers: 'aes256-ctr', MACs: 'hmac-sha2-512-etm@openssh.com' },
        expect: { kex: 'ecdh-sha2-nistp521', hostKey: 'rsa-sha2-512', cipherCtoS: 'aes256-ctr', macCtoS: 'hmac-sha2-512-etm@openssh.com' },
      },
      {
        name: 'diffie-hellman-group-exchange-sha256, aes128-gcm',
        maxChunk: 300,
        options: { KexAlgorithms: 'diffie-hellman-group-exchange-sha256', Ciphers: 'aes128-gcm@openssh.com' },
        expect: { kex: 'diffie-hellman-group-exchange-sha256', cipherCtoS: 'aes128-gcm@openssh.com', macCtoS: 'none' },
      },
    ];
    test.concurrent.each(cases)('$name (pieces of 1..$maxChunk bytes, rekey by the server)', async (c) => {
      const o = await runCase({ options: c.options, chunked: { maxChunk: c.maxChunk } });
      expectCompleteSession(o);
      expectNegotiated(o, c.expect);
      expectRelayedInPieces(o.proxy!, c.maxChunk);
    });
  });
});
