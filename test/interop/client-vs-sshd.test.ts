/**
 * hopssh's ClientTransport against OpenSSH's sshd (RFC 4253 interop), one
 * algorithm dimension at a time: every kex method, host-key algorithm, cipher
 * (on both crypto providers) and MAC that OpenSSH offers and hopssh
 * implements. Each case forces the algorithm on both sides, and completes the
 * first key exchange with strict kex, the ssh-userauth service request, a
 * rekey started by hopssh and a round trip under the new keys. Also: a rekey
 * started by sshd, host-key refusal, negotiation failures, and all of it
 * through a relay that cuts the TCP stream into random pieces.
 *
 * Order of the flow. OpenSSH 9.2 neither starts nor accepts a key
 * re-exchange before user authentication has succeeded (packet.c: "client
 * can't cope with rekeying pre-auth"; auth2.c resets the dispatch table, so a
 * pre-auth KEXINIT is answered with SSH_MSG_UNIMPLEMENTED). So every case
 * requests ssh-userauth, then authenticates with a hopssh-generated Ed25519
 * key listed in sshd's authorized_keys (USERAUTH_REQUEST "publickey" signed
 * here by hand, RFC 4252 §7: hopssh's auth layer is not part of this suite),
 * and only then rekeys.
 */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findSsh, requireOpenSSH, startSshd, type SshdOptions, type SshdServer } from '../helpers/openssh.ts';
import { AEAD, CIPHERS, HOST_KEY_ALGORITHMS, KEX, MACS } from '../helpers/openssh-algorithms.ts';
import { expectRelayedInPieces, startChunkingProxy, type ChunkingProxy } from '../helpers/chunking-proxy.ts';
import { connectTcp } from '../../src/io/node-socket.ts';
import { ClientTransport } from '../../src/transport/transport.ts';
import type { ClientTransportOptions } from '../../src/transport/options.ts';
import type { HostKeyInfo } from '../../src/transport/kex-exchange.ts';
import type { Negotiated } from '../../src/transport/negotiate.ts';
import { CLIENT_DEFAULTS, SUPPORTED } from '../../src/transport/algorithms.ts';
import { AlgorithmNegotiationError, HostKeyError } from '../../src/transport/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { Writer } from '../../src/wire/writer.ts';
import { MSG } from '../../src/wire/message-numbers.ts';

const describeOpenSSH = requireOpenSSH();

/** hopssh algorithms that this OpenSSH may offer but this suite deliberately does not test. */
// Host certificates need a CA and a certified sshd host key: test/interop/host-certificate.test.ts covers them.
const NOT_TESTED_HERE = new Set(['mlkem768x25519-sha256', ...SUPPORTED.hostKey.filter((a) => a.endsWith('-cert-v01@openssh.com'))]);

/** The account sshd authenticates (the test's own: a non-root sshd can only log in its own user). */
const USER = userInfo().username;
/** The client identity, made by hopssh and written into sshd's authorized_keys. */
const USER_KEY = generateSigningKey('ssh-ed25519');
const USER_KEY_LINE = `ssh-ed25519 ${toBase64(USER_KEY.publicBlob)}`;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The base64 blob sshd holds for a host-key algorithm (rsa-sha2-* sign with the ssh-rsa key). */
function sshdKeyBase64(sshd: SshdServer, algorithm: string): string {
  const type = algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
  const key = sshd.hostKeys.find((k) => k.algorithm === type);
  if (key === undefined) throw new Error(`sshd has no ${type} host key`);
  const blob = key.publicKeyLine.split(' ')[1];
  if (!blob) throw new Error(`bad public key line ${key.publicKeyLine}`);
  return blob;
}

/** Upper-layer messages a transport receives, taken by type. */
class Inbox {
  private items: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  constructor(private readonly t: ClientTransport) {
    t.onMessage = (p) => {
      this.items.push(p.slice());
      this.wake?.();
    };
  }
  /** The first message of one of `types` (others stay queued); rejects when the transport closes or after `ms`. */
  async take(types: readonly number[], ms = 15_000): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.items.findIndex((m) => types.includes(m[0]!));
      if (i >= 0) return this.items.splice(i, 1)[0]!;
      if (!this.t.isOpen) throw new Error(`transport closed while waiting for message ${types.join('/')}: ${String(await this.t.closed)}`);
      if (Date.now() > deadline) throw new Error(`no message ${types.join('/')} within ${ms} ms (got ${this.items.map((m) => m[0]).join(',')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

interface Connected {
  t: ClientTransport;
  inbox: Inbox;
  /** Every call of verifyHostKey, in order. */
  verified: HostKeyInfo[];
}

/** A hopssh client connected to `to` (sshd or a proxy before it), trusting exactly sshd's host key of the negotiated type. */
async function connect(to: { host: string; port: number }, sshd: SshdServer, options: Partial<ClientTransportOptions> = {}): Promise<Connected> {
  const verified: HostKeyInfo[] = [];
  const stream = await connectTcp({ host: to.host, port: to.port, timeoutMs: 10_000 });
  const t = new ClientTransport(stream, {
    verifyHostKey: (info) => {
      verified.push(info);
      return toBase64(info.publicKey) === sshdKeyBase64(sshd, info.algorithm);
    },
    ...options,
  });
  return { t, inbox: new Inbox(t), verified };
}

/** USERAUTH_REQUEST "publickey" with a signature (RFC 4252 §7); resolves when sshd answers USERAUTH_SUCCESS. */
async function authenticate(c: Connected): Promise<void> {
  const alg = 'ssh-ed25519';
  const fields = (w: Writer): Writer => w.string(USER).string('ssh-connection').string('publickey').boolean(true).string(alg).string(USER_KEY.publicBlob);
  const signed = fields(new Writer(256).string(c.t.sessionId!).byte(MSG.USERAUTH_REQUEST)).bytes();
  const signature = USER_KEY.sign(alg, signed);
  c.t.send(fields(new Writer(512).byte(MSG.USERAUTH_REQUEST)).string(signature).bytes().slice());
  const reply = await c.inbox.take([MSG.USERAUTH_SUCCESS, MSG.USERAUTH_FAILURE]);
  expect(reply[0], 'sshd accepted the publickey USERAUTH_REQUEST').toBe(MSG.USERAUTH_SUCCESS);
}

/** A GLOBAL_REQUEST sshd does not know, with want_reply: its REQUEST_FAILURE proves both directions work under the current keys. */
async function roundTrip(c: Connected): Promise<void> {
  c.t.send(new Writer(64).byte(MSG.GLOBAL_REQUEST).string('interop-probe@hopssh.invalid').boolean(true).bytes().slice());
  const reply = await c.inbox.take([MSG.REQUEST_SUCCESS, MSG.REQUEST_FAILURE]);
  expect(reply[0]).toBe(MSG.REQUEST_FAILURE);
}

/**
 * Sends SSH_MSG_IGNORE payloads (1 KiB each) until `done()` or `maxBytes`:
 * 1.5 × sshd's RekeyLimit of 32K, enough to trip it once and not twice.
 */
async function pushIgnores(t: ClientTransport, done: () => boolean, maxBytes = 48 * 1024): Promise<number> {
  const payload = new Writer(1100).byte(MSG.IGNORE).string(new Uint8Array(1024)).bytes().slice();
  let sent = 0;
  while (!done() && sent < maxBytes) {
    if (!t.isOpen) throw new Error(`transport closed while sending IGNORE: ${String(await t.closed)}`);
    if (!t.send(payload)) await new Promise<void>((r) => (t.onDrain = () => r()));
    sent += payload.length;
    if (sent % (16 * 1024) < payload.length) await new Promise((r) => setTimeout(r, 1));
  }
  return sent;
}

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A line of sshd's DEBUG log, waited for (sshd writes it asynchronously). */
async function expectSshdLog(sshd: SshdServer, pattern: RegExp): Promise<void> {
  await sshd.waitForLog(pattern, 5_000);
}

interface FlowOptions {
  /** Expected negotiated algorithms (after the first exchange and after the rekey). */
  expect: Partial<Negotiated>;
  /** After the client's rekey, push IGNOREs until sshd (RekeyLimit) starts a third exchange. */
  sshdRekey?: boolean;
}

/**
 * The full client flow: key exchange (strict), ssh-userauth, publickey
 * authentication, a rekey started by hopssh, a round trip; optionally a rekey
 * started by sshd; then a clean disconnect. Returns the transport for further checks.
 */
async function clientFlow(to: { host: string; port: number }, sshd: SshdServer, options: Partial<ClientTransportOptions>, flow: FlowOptions): Promise<Connected> {
  const c = await connect(to, sshd, options);
  const { t } = c;
  try {
    await t.ready;
    expect(t.negotiated).toMatchObject(flow.expect);
    expect(t.kexCount).toBe(1);
    expect(t.strictKex, 'strict kex (kex-strict-c/s-v00@openssh.com) in force').toBe(true);
    expect(t.peerIdentification).toMatch(/^SSH-2\.0-OpenSSH_/);
    await t.requestService('ssh-userauth');
    await authenticate(c);
    const sid = t.sessionId;
    await t.rekey();
    expect(t.kexCount).toBe(2);
    expect(t.negotiated).toMatchObject(flow.expect);
    expect(t.sessionId).toEqual(sid);
    await roundTrip(c);
    if (flow.sshdRekey) {
      await pushIgnores(t, () => t.kexCount >= 3);
      await until(() => t.kexCount >= 3, 'the rekey started by sshd');
      await roundTrip(c);
    }
    // verifyHostKey ran at every exchange and saw sshd's key of the negotiated algorithm.
    expect(c.verified.length).toBe(t.kexCount);
    for (const v of c.verified) {
      expect(v.algorithm).toBe(t.negotiated!.hostKey);
      expect(toBase64(v.publicKey)).toBe(sshdKeyBase64(sshd, v.algorithm));
      expect(v.fingerprint).toMatch(/^SHA256:/);
    }
    t.disconnect();
    expect(await t.closed).toBeUndefined();
    return c;
  } finally {
    if (t.isOpen) t.close();
  }
}

/** A hopssh client with default algorithms against `sshd`: the first key exchange must fail with AlgorithmNegotiationError. */
async function negotiationFailure(sshd: SshdServer): Promise<{ t: ClientTransport; e: AlgorithmNegotiationError }> {
  const stream = await connectTcp({ host: sshd.host, port: sshd.port });
  const t = new ClientTransport(stream, { verifyHostKey: () => false });
  const err = await t.ready.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AlgorithmNegotiationError);
  return { t, e: err as AlgorithmNegotiationError };
}

/** The sshd log's "kex: …" summary lines for a negotiated set (each exchange prints them). */
function sshdKexLines(n: Partial<Negotiated>): RegExp[] {
  const res: RegExp[] = [];
  if (n.kex) res.push(new RegExp(`kex: algorithm: ${escapeRe(n.kex)}(?: |$)`, 'm'));
  if (n.hostKey) res.push(new RegExp(`kex: host key algorithm: ${escapeRe(n.hostKey)}(?: |$)`, 'm'));
  if (n.cipherCtoS) {
    const mac = n.macCtoS === undefined ? '\\S+' : n.macCtoS === 'none' ? '<implicit>' : escapeRe(n.macCtoS);
    res.push(new RegExp(`kex: client->server cipher: ${escapeRe(n.cipherCtoS)} MAC: ${mac} compression: none`, 'm'));
  }
  if (n.cipherStoC) {
    const mac = n.macStoC === undefined ? '\\S+' : n.macStoC === 'none' ? '<implicit>' : escapeRe(n.macStoC);
    res.push(new RegExp(`kex: server->client cipher: ${escapeRe(n.cipherStoC)} MAC: ${mac} compression: none`, 'm'));
  }
  return res;
}

/** Algorithms `ssh -Q <query>` lists (same libssh as sshd). */
function openSSHOffers(query: string): string[] {
  return execFileSync(findSsh(), ['-Q', query], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describeOpenSSH('interop: hopssh client against OpenSSH sshd', () => {
  const servers: SshdServer[] = [];
  const sshd: Record<'kex' | 'hostKey' | 'cipher' | 'mac' | 'rekey' | 'noCipher' | 'sha1Only', SshdServer> = {} as never;

  beforeAll(async () => {
    const auth: SshdOptions = { authorizedKeys: { [USER]: USER_KEY_LINE } };
    const specs: Record<keyof typeof sshd, SshdOptions> = {
      // Each dimension's sshd offers the whole list of that dimension; each hopssh case forces one.
      kex: { ...auth, config: [`KexAlgorithms ${KEX.join(',')}`] },
      hostKey: { ...auth, config: [`HostKeyAlgorithms ${HOST_KEY_ALGORITHMS.join(',')}`] },
      cipher: { ...auth, config: [`Ciphers ${CIPHERS.join(',')}`] },
      mac: { ...auth, config: ['Ciphers aes128-ctr', `MACs ${MACS.join(',')}`] },
      rekey: { ...auth, hostKeys: ['ed25519', 'rsa'], config: ['RekeyLimit 32K'] },
      noCipher: { ...auth, hostKeys: ['ed25519'], config: ['Ciphers aes128-cbc,aes256-cbc'] },
      sha1Only: { ...auth, hostKeys: ['ed25519'], config: ['Ciphers aes128-ctr', 'MACs hmac-sha1,hmac-sha1-etm@openssh.com'] },
    };
    const names = Object.keys(specs) as (keyof typeof sshd)[];
    const started = await Promise.allSettled(names.map((n) => startSshd(specs[n])));
    started.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        servers.push(r.value);
        sshd[names[i]!] = r.value;
      }
    });
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('the matrix covers every algorithm both OpenSSH and hopssh implement', () => {
    const lists: [string, readonly string[], readonly string[]][] = [
      ['kex', SUPPORTED.kex, KEX],
      ['HostKeyAlgorithms', SUPPORTED.hostKey, HOST_KEY_ALGORITHMS],
      ['cipher', SUPPORTED.cipher, CIPHERS],
      ['mac', SUPPORTED.mac, MACS],
    ];
    for (const [query, ours, tested] of lists) {
      const offered = openSSHOffers(query);
      for (const alg of tested) expect(offered, `OpenSSH offers ${alg}`).toContain(alg);
      const common = ours.filter((a) => offered.includes(a) && !NOT_TESTED_HERE.has(a));
      expect([...common].sort(), `${query}: hopssh ∩ OpenSSH`).toEqual([...tested].sort());
    }
  });

  test('sshd offers strict kex (OpenSSH 9.6, or the Terrapin fix backported) and uses it with hopssh', async () => {
    await clientFlow(sshd.rekey, sshd.rekey, {}, { expect: {} });
    const log = sshd.rekey.log();
    expect(log).toMatch(/KEX algorithms: [^\n]*kex-strict-s-v00@openssh\.com/);
    expect(log).toMatch(/KEX algorithms: [^\n]*kex-strict-c-v00@openssh\.com/);
    expect(log).toContain('will use strict KEX ordering');
  });

  describe('kex methods', () => {
    test.concurrent.each(KEX)('%s', async (kex) => {
      const c = await clientFlow(sshd.kex, sshd.kex, { kex: [kex] }, { expect: { kex } });
      for (const re of sshdKexLines({ kex })) await expectSshdLog(sshd.kex, re);
      expect(c.t.kexCount).toBe(2);
    });
  });

  describe('host-key algorithms (sshd has ed25519, ecdsa-256/384/521 and rsa-3072 keys)', () => {
    test.concurrent.each(HOST_KEY_ALGORITHMS)('%s', async (hostKey) => {
      await clientFlow(sshd.hostKey, sshd.hostKey, { hostKeyAlgorithms: [hostKey] }, { expect: { hostKey } });
      for (const re of sshdKexLines({ hostKey })) await expectSshdLog(sshd.hostKey, re);
    });
  });

  describe('ciphers, each on both crypto providers', () => {
    const cases = CIPHERS.flatMap((cipher) => (['auto', 'noble'] as const).map((crypto) => ({ cipher, crypto })));
    test.concurrent.each(cases)('$cipher (crypto: $crypto)', async ({ cipher, crypto }) => {
      const mac = AEAD.has(cipher) ? 'none' : CLIENT_DEFAULTS.mac[0]!;
      const expected = { cipherCtoS: cipher, cipherStoC: cipher, macCtoS: mac, macStoC: mac };
      const c = await clientFlow(sshd.cipher, sshd.cipher, { ciphers: [cipher], crypto }, { expect: expected });
      for (const re of sshdKexLines(expected)) await expectSshdLog(sshd.cipher, re);
      const d = c.t.cipherDescription;
      expect(d.send.startsWith(cipher)).toBe(true);
      expect(d.receive.startsWith(cipher)).toBe(true);
      if (crypto === 'noble') {
        expect(d.send).not.toContain('runtime');
        expect(d.receive).not.toContain('runtime');
        expect(d.send).toContain('(noble)');
      }
    });
  });

  describe('MACs (with aes128-ctr, so the MAC is used)', () => {
    test.concurrent.each(MACS)('%s', async (mac) => {
      const expected = { cipherCtoS: 'aes128-ctr', cipherStoC: 'aes128-ctr', macCtoS: mac, macStoC: mac };
      const c = await clientFlow(sshd.mac, sshd.mac, { ciphers: ['aes128-ctr'], macs: [mac] }, { expect: expected });
      for (const re of sshdKexLines(expected)) await expectSshdLog(sshd.mac, re);
      expect(c.t.cipherDescription.send).toContain(mac);
    });
  });

  describe('rekeys and failures', () => {
    test('sshd starts a rekey (RekeyLimit 32K) while hopssh streams IGNORE messages', async () => {
      const before = (sshd.rekey.log().match(/rekex triggered/g) ?? []).length;
      const c = await connect(sshd.rekey, sshd.rekey);
      const { t } = c;
      try {
        await t.ready;
        await t.requestService('ssh-userauth');
        await authenticate(c);
        const rekeyCalls: number[] = [];
        const origRekey = t.rekey.bind(t);
        t.rekey = () => {
          rekeyCalls.push(t.kexCount);
          return origRekey();
        };
        const sent = await pushIgnores(t, () => t.kexCount >= 2);
        await until(() => t.kexCount >= 2, 'the rekey started by sshd');
        // sshd, not hopssh, started it: its RekeyLimit fired, and hopssh's own limits are far away.
        await sshd.rekey.waitForLog(/rekex triggered/, 5_000);
        expect((sshd.rekey.log().match(/rekex triggered/g) ?? []).length).toBeGreaterThan(before);
        expect(rekeyCalls).toEqual([]);
        expect(sent).toBeGreaterThanOrEqual(32 * 1024);
        await roundTrip(c);
        expect(t.kexCount).toBe(2);
        expect(c.verified.length).toBe(2);
        t.disconnect();
        expect(await t.closed).toBeUndefined();
      } finally {
        if (t.isOpen) t.close();
      }
    });

    test('a host key the verifier refuses fails the key exchange with HostKeyError', async () => {
      const other = generateSigningKey('ssh-ed25519');
      const seen: HostKeyInfo[] = [];
      const stream = await connectTcp({ host: sshd.kex.host, port: sshd.kex.port });
      const t = new ClientTransport(stream, {
        hostKeyAlgorithms: ['ssh-ed25519'],
        verifyHostKey: (info) => {
          seen.push(info);
          // The key known for this host is a different one.
          return toBase64(info.publicKey) === toBase64(other.publicBlob);
        },
      });
      const err = await t.ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as HostKeyError).algorithm).toBe('ssh-ed25519');
      expect((err as HostKeyError).message).toContain('refused by the host key verifier');
      expect(await t.closed).toBe(err);
      // The verifier was shown sshd's real key (the signature had verified).
      expect(seen.map((i) => toBase64(i.publicKey))).toEqual([sshdKeyBase64(sshd.kex, 'ssh-ed25519')]);
      expect((err as HostKeyError).fingerprint).toBe(seen[0]!.fingerprint);
    });

    test('no common cipher: AlgorithmNegotiationError naming the category and both lists', async () => {
      const { t, e } = await negotiationFailure(sshd.noCipher);
      expect(e.category).toBe('cipher (client to server)');
      expect(e.ours).toEqual(CLIENT_DEFAULTS.cipher);
      expect(e.theirs).toEqual(['aes128-cbc', 'aes256-cbc']);
      expect(e.message).toContain('cipher');
      expect(e.message).toContain(CLIENT_DEFAULTS.cipher.join(','));
      expect(e.message).toContain('aes128-cbc,aes256-cbc');
      expect(await t.closed).toBe(e);
    });

    test('hmac-sha1 is used only when configured: the defaults find no MAC, an explicit list does', async () => {
      const { e } = await negotiationFailure(sshd.sha1Only);
      expect(e.category).toBe('MAC (client to server)');
      expect(e.ours).not.toContain('hmac-sha1');
      expect(e.theirs).toEqual(['hmac-sha1', 'hmac-sha1-etm@openssh.com']);
      await clientFlow(sshd.sha1Only, sshd.sha1Only, { macs: ['hmac-sha1-etm@openssh.com', 'hmac-sha1'] }, {
        expect: { cipherCtoS: 'aes128-ctr', macCtoS: 'hmac-sha1-etm@openssh.com', macStoC: 'hmac-sha1-etm@openssh.com' },
      });
    });
  });

  describe('through a relay that cuts the TCP stream into random pieces', () => {
    const cases: { name: string; maxChunk: number; options: Partial<ClientTransportOptions>; expect: Partial<Negotiated>; sshdRekey: boolean }[] = [
      {
        name: '1-byte pieces, default algorithms',
        maxChunk: 1,
        options: {},
        expect: { kex: 'curve25519-sha256', cipherCtoS: 'chacha20-poly1305@openssh.com' },
        sshdRekey: false,
      },
      {
        name: 'ecdh-sha2-nistp384, aes256-ctr + hmac-sha2-512, rsa-sha2-512, noble',
        maxChunk: 64,
        options: { kex: ['ecdh-sha2-nistp384'], ciphers: ['aes256-ctr'], macs: ['hmac-sha2-512'], hostKeyAlgorithms: ['rsa-sha2-512'], crypto: 'noble' },
        expect: { kex: 'ecdh-sha2-nistp384', hostKey: 'rsa-sha2-512', cipherCtoS: 'aes256-ctr', macCtoS: 'hmac-sha2-512', macStoC: 'hmac-sha2-512' },
        sshdRekey: true,
      },
      {
        name: 'diffie-hellman-group-exchange-sha256, aes128-gcm',
        maxChunk: 300,
        options: { kex: ['diffie-hellman-group-exchange-sha256'], ciphers: ['aes128-gcm@openssh.com'] },
        expect: { kex: 'diffie-hellman-group-exchange-sha256', cipherCtoS: 'aes128-gcm@openssh.com', macCtoS: 'none' },
        sshdRekey: true,
      },
    ];
    test.concurrent.each(cases)('$name (pieces of 1..$maxChunk bytes; rekeys by hopssh and by sshd: $sshdRekey)', async (c) => {
      let proxy: ChunkingProxy | undefined;
      try {
        proxy = await startChunkingProxy({ port: sshd.rekey.port, host: sshd.rekey.host, maxChunk: c.maxChunk });
        const conn = await clientFlow(proxy, sshd.rekey, c.options, { expect: c.expect, sshdRekey: c.sshdRekey });
        expect(conn.t.kexCount).toBe(c.sshdRekey ? 3 : 2);
        expectRelayedInPieces(proxy, c.maxChunk);
      } finally {
        await proxy?.close();
      }
    });
  });
});
