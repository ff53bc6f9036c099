/**
 * State-machine fuzzing of the transport (RFC 4253): a ServerTransport or a
 * ClientTransport over an in-memory pair whose other end we drive by hand —
 * a valid identification line, then arbitrary bytes or well-formed cleartext
 * packets with arbitrary message numbers and payloads, before and after
 * KEXINIT — and two genuine transports of which one, after the key exchange,
 * sends arbitrary messages through its packet layer.
 *
 * Whatever arrives, the transport must close within a bounded time with a
 * typed error (or none), and never throw from a callback or leave a
 * rejected promise unhandled.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createMemoryPair } from '../src/io/memory-pair.ts';
import type { ByteStream } from '../src/io/byte-stream.ts';
import { ClientTransport, ServerTransport, type Transport } from '../src/transport/transport.ts';
import { CLIENT_DEFAULTS, SUPPORTED } from '../src/transport/algorithms.ts';
import {
  AlgorithmNegotiationError,
  ConnectionClosedError,
  DisconnectError,
  HostKeyError,
  LimitError,
  ProtocolError,
} from '../src/transport/errors.ts';
import { encodeKexInit } from '../src/transport/kexinit.ts';
import { encodeExtInfo } from '../src/transport/ext-info.ts';
import { VersionParser } from '../src/transport/version-exchange.ts';
import { PacketReceiver, DEFAULT_MAX_PACKET_LENGTH } from '../src/transport/packet-receiver.ts';
import { createOpener } from '../src/crypto/packet-protection.ts';
import { MacError } from '../src/crypto/errors.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { encodeSignatureBlob } from '../src/crypto/signature.ts';
import { WireError } from '../src/wire/errors.ts';
import { Writer } from '../src/wire/writer.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import type { SigningKey } from '../src/crypto/types.ts';
import { checkAsync, chunk, concat, cutsArb, ensure, expectAllowed, FuzzFailure, printStats, sshString, stat, timeoutFor, u32, watchStrayErrors, type ErrorClass } from './fuzz-config.ts';

/** What a transport may close with: its own typed errors, the wire layer's, and a failed MAC. */
const ALLOWED: ErrorClass[] = [ProtocolError, LimitError, DisconnectError, AlgorithmNegotiationError, HostKeyError, ConnectionClosedError, MacError, WireError];

/** Longest a transport may take to close after its input ends (ms). */
const CLOSE_WITHIN_MS = 3000;

// ------------------------------------------------- stray errors and hangs

/** Unhandled rejections and uncaught exceptions fail the property whose input caused them, or the test. */
const strays = watchStrayErrors();

let hostKey: SigningKey;

beforeAll(() => {
  hostKey = generateSigningKey('ssh-ed25519');
});

afterAll(() => printStats());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `t.closed`, or a failure if it does not settle in time. */
async function closedWithin(t: Transport, ms: number, what: string): Promise<Error | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), ms)));
  const res = await Promise.race([t.closed, hang]);
  clearTimeout(timer);
  if (res === 'hang') throw new FuzzFailure(`${what} still open ${ms} ms after its input ended: a hang`);
  return res;
}

/** The close reason must be typed; no stray errors may have appeared meanwhile. */
async function verifyClosed(reason: Error | undefined, what: string): Promise<void> {
  stat(expect.getState().currentTestName ?? what, `${what}: ${reason === undefined ? 'clean close' : `${reason.constructor.name}: ${reason.message.replace(/[0-9a-f]{16,}|\d+/g, '#').slice(0, 90)}`}`);
  await strays.assertNone(what);
  if (reason !== undefined) expectAllowed(reason, ALLOWED, `${what} closed with`);
}

// --------------------------------------------------------- the raw peer

interface RawPeer {
  stream: ByteStream;
  /** Everything the transport wrote, in order. */
  received: Uint8Array[];
}

/** The far end of the pair, driven by the test. */
function rawPeer(end: ByteStream): RawPeer {
  const received: Uint8Array[] = [];
  end.start({
    data: (c) => void received.push(c.slice()),
    drain: () => undefined,
    end: () => undefined,
    close: () => undefined,
  });
  return { stream: end, received };
}

interface Scenario {
  role: 'server' | 'client';
  strictKex: boolean;
  /** End the raw side after the input (the usual way out), or wait for the version/kex timers. */
  endAfter: boolean;
  timerMs: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  role: fc.constantFrom<Scenario['role']>('server', 'client'),
  strictKex: fc.boolean(),
  endAfter: fc.oneof({ weight: 7, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  timerMs: fc.integer({ min: 5, max: 60 }),
});

function transportFor(s: Scenario, stream: ByteStream): Transport {
  // Timers short when the test waits for them, otherwise long enough never to fire.
  const timers = { versionTimeoutMs: s.endAfter ? 10_000 : s.timerMs, kexTimeoutMs: s.endAfter ? 10_000 : s.timerMs, strictKex: s.strictKex };
  return s.role === 'server'
    ? new ServerTransport(stream, { hostKeys: [hostKey], ...timers })
    : new ClientTransport(stream, { verifyHostKey: () => true, ...timers });
}

/**
 * What the transport sent must itself be well-formed up to its NEWKEYS:
 * our identification, then cleartext packets, KEXINIT first.
 */
function verifyOutput(received: readonly Uint8Array[], role: Scenario['role']): void {
  const parser = new VersionParser(true);
  const types: number[] = [];
  const STOP = new Error('NEWKEYS');
  const r = new PacketReceiver(createOpener({ cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) }), (p) => {
    types.push(p[0]!);
    if (p[0] === MSG.NEWKEYS) throw STOP;
  });
  let inPackets = false;
  try {
    for (const c of received) {
      let rest = c.slice();
      if (!inPackets) {
        const v = parser.feed(rest);
        if (!v) continue;
        ensure(v.identification === 'SSH-2.0-hopssh_0.1' && v.preBanner.length === 0, `the ${role} identified itself as ${v.identification}`);
        inPackets = true;
        rest = rest.subarray(v.consumed);
      }
      r.feed(rest);
    }
  } catch (e) {
    if (e !== STOP) throw new FuzzFailure(`the ${role} sent malformed cleartext: ${String(e)}`);
  }
  ensure(types.length === 0 || types[0] === MSG.KEXINIT, `the ${role}'s first packet was message ${types[0]}, not KEXINIT`);
}

/** Drive one transport with `chunks`, then wait for it to close; check everything. */
async function drive(s: Scenario, chunks: readonly Uint8Array[]): Promise<void> {
  const [mine, theirs] = createMemoryPair();
  const t = transportFor(s, mine);
  const peer = rawPeer(theirs);
  for (const c of chunks) peer.stream.write(c);
  if (!s.endAfter) {
    // Without an end, only the version and kex timers can close it; once a key exchange has
    // completed it may rightly stay open, idle. Anything else still open by the deadline is a hang.
    let closed = false;
    void t.closed.then(() => (closed = true));
    const deadline = Date.now() + CLOSE_WITHIN_MS + 4 * s.timerMs;
    while (!closed && !(t.handshake.firstDone && !t.handshake.inKex)) {
      if (Date.now() > deadline) throw new FuzzFailure(`the ${s.role} transport is neither closed nor idle after its timers (${s.timerMs} ms): a hang`);
      await sleep(2);
    }
  }
  peer.stream.end();
  const reason = await closedWithin(t, CLOSE_WITHIN_MS, `the ${s.role} transport`);
  await verifyClosed(reason, `the ${s.role} transport`);
  ensure(!t.isOpen, 'closed resolved but the transport says it is open');
  verifyOutput(peer.received, s.role);
}

// ----------------------------------------------------------- inputs

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The peer's identification; a client also accepts lines before it. */
function preamble(role: Scenario['role'], banner: readonly string[]): Uint8Array {
  const lines = role === 'client' ? banner.map((l) => l + '\r\n').join('') : '';
  return latin1(`${lines}SSH-2.0-fuzz_${role === 'server' ? 'client' : 'server'}\r\n`);
}
const bannerArb = fc.array(fc.stringMatching(/^[a-zA-Z ]{0,20}$/), { maxLength: 2 });

/** A cleartext packet (RFC 4253 §6, cipher none): padded so length + 4 is a multiple of 8, padding 4..255. */
function frame(payload: Uint8Array, extraBlocks: number, padByte: number): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  pad = Math.min(pad + 8 * extraBlocks, pad + 8 * Math.floor((255 - pad) / 8));
  return concat([u32(1 + payload.length + pad), Uint8Array.of(pad), payload, new Uint8Array(pad).fill(padByte)]);
}

const subset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 0 }).chain((xs) => fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }));

/** KEXINIT lists near ours: real names in any order, signals, unknown names, sometimes nothing in common. */
const kexInitArb = (role: Scenario['role']) =>
  fc
    .record({
      cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      kex: fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(['curve25519-sha256'], ['curve25519-sha256@libssh.org'], ['ecdh-sha2-nistp256'], ['mlkem768x25519-sha256']) },
          { weight: 1, arbitrary: subset(SUPPORTED.kex.filter((k) => k !== 'diffie-hellman-group18-sha512')) },
          { weight: 1, arbitrary: fc.constant(['diffie-hellman-group-exchange-sha256']) },
        ),
        fc.subarray([role === 'server' ? 'ext-info-c' : 'ext-info-s', role === 'server' ? 'kex-strict-c-v00@openssh.com' : 'kex-strict-s-v00@openssh.com', 'unknown-kex@fuzz']),
      ),
      hostKey: fc.oneof({ weight: 4, arbitrary: fc.constant(['ssh-ed25519']) }, { weight: 1, arbitrary: subset([...SUPPORTED.hostKey, 'ssh-dss']) }),
      cipher: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SUPPORTED.cipher.map((c) => [c])) }, { weight: 1, arbitrary: subset([...SUPPORTED.cipher, 'aes128-cbc']) }),
      mac: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SUPPORTED.mac.map((c) => [c])) }, { weight: 1, arbitrary: subset([...SUPPORTED.mac, 'umac-64@openssh.com']) }),
      compression: fc.oneof({ weight: 6, arbitrary: fc.constant(['none']) }, { weight: 1, arbitrary: subset(['zlib@openssh.com', 'none', 'zlib']) }),
      firstKexPacketFollows: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map((k) =>
      encodeKexInit({
        cookie: k.cookie,
        kex: [...k.kex[0], ...k.kex[1]],
        hostKey: [...k.hostKey],
        cipherCtoS: [...k.cipher],
        cipherStoC: [...k.cipher],
        macCtoS: [...k.mac],
        macStoC: [...k.mac],
        compressionCtoS: [...k.compression],
        compressionStoC: [...k.compression],
        languagesCtoS: [],
        languagesStoC: [],
        firstKexPacketFollows: k.firstKexPacketFollows,
      }),
    );

const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
const text = (s: string) => new TextEncoder().encode(s);

/** Messages with arbitrary numbers and bodies, and well-formed messages of each kind a peer sends. */
const messageArb = (role: Scenario['role']): fc.Arbitrary<Uint8Array> => {
  const w = () => new Writer(64);
  const anyType = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 20, 21, 30, 31, 32, 33, 34, 49, 50, 80, 90, 94, 192, 193), fc.integer({ min: 0, max: 255 }));
  const point = fc.oneof(bytesArb(40), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 65, maxLength: 65 }).map((b) => ((b[0] = 4), b)));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(anyType, bytesArb(48)).map(([t, b]) => concat([Uint8Array.of(t), b])) },
    { weight: 1, arbitrary: fc.constant(Uint8Array.of()) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 20 }), fc.string({ maxLength: 20 })).map(([c, d]) => w().byte(MSG.DISCONNECT).uint32(c).string(d).string('').bytes().slice()) },
    { weight: 2, arbitrary: bytesArb(40).map((b) => w().byte(MSG.IGNORE).string(b).bytes().slice()) },
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.string({ maxLength: 20 })).map(([a, m]) => w().byte(MSG.DEBUG).boolean(a).string(m).string('en').bytes().slice()) },
    { weight: 1, arbitrary: fc.nat({ max: 10 }).map((n) => w().byte(MSG.UNIMPLEMENTED).uint32(n).bytes().slice()) },
    { weight: 1, arbitrary: fc.constantFrom('ssh-userauth', 'ssh-connection', '').map((n) => w().byte(role === 'server' ? MSG.SERVICE_REQUEST : MSG.SERVICE_ACCEPT).string(n).bytes().slice()) },
    { weight: 1, arbitrary: fc.constant(encodeExtInfo(new Map([['server-sig-algs', 'ssh-ed25519'], ['ping@openssh.com', '0']]))) },
    { weight: 1, arbitrary: bytesArb(16).map((b) => w().byte(MSG.PING).string(b).bytes().slice()) },
    { weight: 2, arbitrary: fc.constant(Uint8Array.of(MSG.NEWKEYS)) },
    { weight: 2, arbitrary: kexInitArb(role) },
    // Key-exchange method messages, well-formed or nearly.
    { weight: 2, arbitrary: point.map((p) => w().byte(MSG.KEXDH_INIT).string(p).bytes().slice()) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constant('real'), bytesArb(60)), point, fc.oneof(fc.constant('ed25519'), bytesArb(80)))
        .map(([k, p, sig]) =>
          w()
            .byte(MSG.KEXDH_REPLY)
            .string(k === 'real' ? hostKey.publicBlob : k)
            .string(p)
            .string(sig === 'ed25519' ? encodeSignatureBlob('ssh-ed25519', new Uint8Array(64).fill(7)) : sig)
            .bytes()
            .slice(),
        ),
    },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 9000 }), fc.nat({ max: 9000 }), fc.nat({ max: 9000 })).map(([a, b, c]) => w().byte(MSG.KEX_DH_GEX_REQUEST).uint32(a).uint32(b).uint32(c).bytes().slice()) },
    { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: 1n << 2100n }), fc.bigInt({ min: 0n, max: 5n })).map(([p, g]) => w().byte(MSG.KEX_DH_GEX_GROUP).mpint(p).mpint(g).bytes().slice()) },
    { weight: 1, arbitrary: bytesArb(40).map((b) => w().byte(MSG.KEX_DH_GEX_INIT).string(b).bytes().slice()) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 50, max: 127 }), bytesArb(30)).map(([t, b]) => concat([Uint8Array.of(t), sshString(b)])) },
  );
};

/**
 * The start of a genuine key exchange as the peer would send it, so that
 * arbitrary messages also arrive in the later states: for a server, KEXINIT,
 * KEXDH_INIT (any 32 bytes are an X25519 key) and NEWKEYS, after which it
 * expects encrypted packets; for a client, KEXINIT and a KEXDH_REPLY with our
 * real host key (whose signature cannot verify: the exchange hash depends on
 * the client's ephemeral key), then NEWKEYS.
 */
const handshakeArb = (role: Scenario['role']): fc.Arbitrary<Uint8Array[]> =>
  fc
    .record({
      cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      signals: fc.subarray(role === 'server' ? ['ext-info-c', 'kex-strict-c-v00@openssh.com'] : ['ext-info-s', 'kex-strict-s-v00@openssh.com']),
      cipher: fc.constantFrom(...CLIENT_DEFAULTS.cipher),
      mac: fc.constantFrom(...CLIENT_DEFAULTS.mac),
      kex: fc.constantFrom('curve25519-sha256', 'curve25519-sha256@libssh.org'),
      value: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
      steps: fc.integer({ min: 1, max: 3 }),
    })
    .map((h) => {
      const kexinit = encodeKexInit({
        cookie: h.cookie,
        kex: [h.kex, ...h.signals],
        hostKey: ['ssh-ed25519'],
        cipherCtoS: [h.cipher],
        cipherStoC: [h.cipher],
        macCtoS: [h.mac],
        macStoC: [h.mac],
        compressionCtoS: ['none'],
        compressionStoC: ['none'],
        languagesCtoS: [],
        languagesStoC: [],
        firstKexPacketFollows: false,
      });
      const method =
        role === 'server'
          ? new Writer(48).byte(MSG.KEXDH_INIT).string(h.value).bytes().slice()
          : new Writer(200).byte(MSG.KEXDH_REPLY).string(hostKey.publicBlob).string(h.value).string(encodeSignatureBlob('ssh-ed25519', h.signature)).bytes().slice();
      return [kexinit, method, Uint8Array.of(MSG.NEWKEYS)].slice(0, h.steps);
    });

interface Script {
  scenario: Scenario;
  banner: string[];
  /** Messages sent as cleartext packets, KEXINIT possibly among them. */
  messages: Uint8Array[];
  /** The start of a genuine key exchange, sent before `messages`. */
  handshake: Uint8Array[];
  padding: [number, number][];
  tail: Uint8Array;
  cuts: number[] | 'bytewise';
}

const scriptArb: fc.Arbitrary<Script> = scenarioArb.chain((scenario) =>
  fc.record({
    scenario: fc.constant(scenario),
    banner: bannerArb,
    messages: fc.array(messageArb(scenario.role), { maxLength: 10 }),
    handshake: fc.oneof(
      { weight: 1, arbitrary: fc.constant<Uint8Array[]>([]) },
      { weight: 1, arbitrary: kexInitArb(scenario.role).map((k): Uint8Array[] => [k]) },
      { weight: 2, arbitrary: handshakeArb(scenario.role) },
    ),
    padding: fc.array(fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    tail: fc.oneof({ weight: 4, arbitrary: fc.constant(Uint8Array.of()) }, { weight: 1, arbitrary: bytesArb(40) }),
    cuts: cutsArb,
  }),
);

function scriptBytes(s: Script): Uint8Array {
  const msgs = [...s.handshake, ...s.messages];
  const packets = msgs.map((m, i) => {
    const [extra, padByte] = s.padding[i % Math.max(1, s.padding.length)] ?? [0, 0];
    return frame(m, extra, padByte);
  });
  return concat([preamble(s.scenario.role, s.banner), ...packets, s.tail]);
}

// ------------------------------------------------------------------ tests

describe('fuzz: transport state machine (RFC 4253)', () => {
  test('identification then arbitrary bytes: closes in time with a typed error', async () => {
    await checkAsync(
      fc.asyncProperty(scenarioArb, bannerArb, bytesArb(400), cutsArb, async (s, banner, bytes, cuts) => {
        await drive(s, chunk(concat([preamble(s.role, banner), bytes]), cuts));
      }),
      0.3,
      100,
    );
  }, timeoutFor(0.3, 100));

  test('identification then well-formed cleartext packets with any message numbers, before and after KEXINIT', async () => {
    await checkAsync(
      fc.asyncProperty(scriptArb, async (s) => {
        await drive(s.scenario, chunk(scriptBytes(s), s.cuts));
      }),
      0.4,
      150,
    );
  }, timeoutFor(0.4, 150));

  test('after a real key exchange (or during a rekey), a peer sends any messages through its packet layer', async () => {
    const injectArb = fc.record({
      injector: fc.constantFrom<'client' | 'server'>('client', 'server'),
      kex: fc.constantFrom('curve25519-sha256', 'ecdh-sha2-nistp256', 'mlkem768x25519-sha256'),
      cipher: fc.constantFrom(...SUPPORTED.cipher),
      mac: fc.constantFrom(...SUPPORTED.mac),
      strictKex: fc.boolean(),
      rekeyFirst: fc.boolean(),
      listen: fc.boolean(),
      messages: fc.array(messageArb('server'), { minLength: 1, maxLength: 8 }),
    });
    await checkAsync(
      fc.asyncProperty(injectArb, async (p) => {
        const [a, b] = createMemoryPair();
        const common = { kex: [p.kex], ciphers: [p.cipher], macs: [p.mac], strictKex: p.strictKex, kexTimeoutMs: 10_000 };
        const server = new ServerTransport(b, { hostKeys: [hostKey], ...common });
        const client = new ClientTransport(a, { verifyHostKey: () => true, ...common });
        let ready = false;
        await Promise.race([Promise.all([client.ready, server.ready]).then(() => (ready = true)), sleep(CLOSE_WITHIN_MS)]);
        ensure(ready, 'the genuine key exchange did not complete');
        const [injector, victim] = p.injector === 'client' ? [client, server] : [server, client];
        if (p.listen) victim.onMessage = () => undefined;
        if (p.rekeyFirst) injector.rekey().catch(() => undefined);
        for (const m of p.messages) {
          if (!injector.isOpen) break;
          injector.sender.send(m);
        }
        // Give the victim time to react (replies, disconnects), then end the connection.
        await sleep(2);
        injector.disconnect();
        const [rc, rs] = [await closedWithin(client, CLOSE_WITHIN_MS, 'the client'), await closedWithin(server, CLOSE_WITHIN_MS, 'the server')];
        await verifyClosed(rc, 'the client');
        await verifyClosed(rs, 'the server');
      }),
      0.15,
      300,
    );
  }, timeoutFor(0.15, 300));

  test('while its host-key verification is pending, a client holds a bounded amount of what the server keeps sending', async () => {
    // After the server's NEWKEYS the client must hold packets until its own keys exist (its verifier may
    // wait on a user); the bytes it holds meanwhile must stay bounded (DESIGN.md: every queue is bounded).
    const BOUND = 2 * (DEFAULT_MAX_PACKET_LENGTH + 1024);
    const floodArb = fc.record({
      // Unbiased: floods of up to ~6 MB, not mostly tiny ones.
      sizes: fc.array(fc.noBias(fc.integer({ min: 1, max: 64 * 1024 })), { minLength: 1, maxLength: 100, size: 'max' }),
      type: fc.constantFrom(MSG.IGNORE, MSG.CHANNEL_DATA, 200),
      verdict: fc.boolean(),
    });
    await checkAsync(
      fc.asyncProperty(floodArb, async (f) => {
        const [a, b] = createMemoryPair();
        let release: ((ok: boolean) => void) | undefined;
        const kex = ['curve25519-sha256'];
        const server = new ServerTransport(b, { hostKeys: [hostKey], kex });
        const client = new ClientTransport(a, { kex, verifyHostKey: () => new Promise<boolean>((r) => (release = r)) });
        const until = async (cond: () => boolean, what: string) => {
          const end = Date.now() + CLOSE_WITHIN_MS;
          while (!cond()) {
            if (Date.now() > end) throw new FuzzFailure(`timed out waiting for ${what}`);
            await sleep(1);
          }
        };
        await until(() => release !== undefined && server.sender.description !== 'none', 'the client to verify the host key');
        let most = 0;
        for (const n of f.sizes) {
          if (!server.isOpen) break;
          const payload = new Uint8Array(n);
          payload[0] = f.type;
          server.sender.send(payload);
          await new Promise((r) => setImmediate(r));
          most = Math.max(most, client.receiver.pendingBytes);
          ensure(most <= BOUND, () => `the client holds ${most} bytes while verifying the host key (bound ${BOUND})`);
        }
        release!(f.verdict);
        await sleep(2);
        server.disconnect();
        const [rc, rs] = [await closedWithin(client, CLOSE_WITHIN_MS, 'the client'), await closedWithin(server, CLOSE_WITHIN_MS, 'the server')];
        await verifyClosed(rc, 'the client');
        await verifyClosed(rs, 'the server');
      }),
      0.05,
      500,
    );
  }, timeoutFor(0.05, 500));
});
