/**
 * Fuzzing the forwarding codecs (src/channel/forwarding-messages.ts) and the
 * handlers that decode peer input: every decoder on any bytes gives a value
 * that round-trips or a WireError; values round-trip through encode/decode;
 * and a forwarding server and client given arbitrary open data and global
 * requests answer with a refusal or a success — the connection stays up.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { WireError } from '../src/wire/errors.ts';
import {
  FORWARDING,
  decodeBoundPort,
  decodeDirectStreamlocal,
  decodeEmpty,
  decodeForwardedStreamlocal,
  decodeStreamlocalForward,
  decodeTcpipForward,
  decodeTcpipOpen,
  encodeBoundPort,
  encodeDirectStreamlocal,
  encodeForwardedStreamlocal,
  encodeStreamlocalForward,
  encodeTcpipForward,
  encodeTcpipOpen,
} from '../src/channel/forwarding-messages.ts';
import { Connection } from '../src/channel/connection.ts';
import { ChannelOpenError, RequestFailedError } from '../src/channel/errors.ts';
import { SERVED_CHANNEL_TYPES, SERVED_REQUESTS, serveForwarding } from '../src/channel/forward-server.ts';
import { forwardRemote } from '../src/channel/forward-client.ts';
import { ConnectError, type Network } from '../src/io/network.ts';
import { transportPair } from '../test/helpers/transport-pair.ts';
import { check, checkAsync, concat, ensure, ensureBytes, outcome, outcomeAsync, sshString, timeoutFor, u32 } from './fuzz-config.ts';

const portArb = fc.nat({ max: 65535 });
const textArb = fc.string({ maxLength: 40 });

/** Field soup: strings (some lying about their length), ports, big numbers, raw bytes. */
const dataArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(
      fc.oneof(
        textArb.map(sshString),
        fc.uint8Array({ maxLength: 20 }).map(sshString),
        portArb.map(u32),
        fc.constantFrom(65536, 0xffffffff, 0x80000000).map(u32),
        fc.uint8Array({ maxLength: 6 }),
      ),
      { maxLength: 6 },
    )
    .map(concat),
);

const DECODERS: [string, (d: Uint8Array) => unknown, (v: never) => Uint8Array][] = [
  ['tcpip open', decodeTcpipOpen, encodeTcpipOpen],
  ['tcpip-forward', decodeTcpipForward, encodeTcpipForward],
  ['bound port', decodeBoundPort, encodeBoundPort],
  ['direct-streamlocal', decodeDirectStreamlocal, (v: { path: string }) => encodeDirectStreamlocal(v.path)],
  ['forwarded-streamlocal', decodeForwardedStreamlocal, (v: { path: string }) => encodeForwardedStreamlocal(v.path)],
  ['streamlocal-forward', decodeStreamlocalForward, (v: { path: string }) => encodeStreamlocalForward(v.path)],
];

describe('fuzz: forwarding messages', () => {
  test(
    'any bytes: a value that decodes the same after re-encoding, or a WireError',
    () => {
      check(
        fc.property(dataArb, (data) => {
          for (const [name, decode, encode] of DECODERS) {
            const r = outcome([WireError], () => decode(data), name);
            if (!r.ok) continue;
            const again = decode(encode(r.value as never));
            ensure(JSON.stringify(again) === JSON.stringify(r.value), `${name}: ${JSON.stringify(r.value)} changed to ${JSON.stringify(again)}`);
            const v = r.value as { port?: number; originatorPort?: number } | number;
            const ports = typeof v === 'number' ? [v] : [v.port, v.originatorPort];
            for (const p of ports) ensure(p === undefined || (p >= 0 && p <= 65535), `${name}: port ${p}`);
          }
          outcome([WireError], () => decodeEmpty(data, 'empty'), 'empty');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'values round-trip exactly',
    () => {
      check(
        fc.property(textArb, portArb, textArb, portArb, (host, port, oh, op) => {
          const m = { host, port, originatorHost: oh, originatorPort: op };
          const bytes = encodeTcpipOpen(m);
          ensure(JSON.stringify(decodeTcpipOpen(bytes)) === JSON.stringify(m), 'tcpip open');
          ensureBytes(encodeTcpipOpen(decodeTcpipOpen(bytes)), bytes, 'tcpip open bytes');
          ensure(JSON.stringify(decodeTcpipForward(encodeTcpipForward({ host, port }))) === JSON.stringify({ host, port }), 'tcpip-forward');
          ensure(decodeBoundPort(encodeBoundPort(port)) === port, 'bound port');
          ensure(decodeDirectStreamlocal(encodeDirectStreamlocal(host)).path === host, 'direct-streamlocal');
          ensure(decodeForwardedStreamlocal(encodeForwardedStreamlocal(host)).path === host, 'forwarded-streamlocal');
          ensure(decodeStreamlocalForward(encodeStreamlocalForward(host)).path === host, 'streamlocal-forward');
        }),
      );
    },
    timeoutFor(),
  );
});

/** A network that never touches a socket: connects fail, listens "succeed" on port 4242. */
const fakeNetwork: Network = {
  connectTcp: (h, p) => Promise.reject(new ConnectError(`${h}:${p}`, 'ECONNREFUSED', 'fake')),
  connectUnix: (p) => Promise.reject(new ConnectError(p, 'ENOENT', 'fake')),
  listenTcp: async () => ({ port: 4242, close: async () => undefined }),
  listenUnix: async () => ({ port: 0, close: async () => undefined }),
};

describe('fuzz: forwarding handlers on peer input', () => {
  let client: Connection;
  let server: Connection;
  beforeAll(async () => {
    const { client: ct, server: st } = transportPair();
    await Promise.all([ct.ready, st.ready]);
    client = new Connection(ct);
    server = new Connection(st);
    serveForwarding(server, {
      network: fakeNetwork,
      directTcpip: () => 'allow',
      directStreamlocal: () => 'allow',
      tcpipForward: () => 'allow',
      streamlocalForward: () => 'allow',
    });
    // The client asks for one remote forward, so forwarded-* opens reach its matching code.
    await forwardRemote(client, fakeNetwork, { bind: { host: 'localhost', port: 4242 }, to: { host: '127.0.0.1', port: 1 } });
  });
  afterAll(() => client.close());

  test(
    'arbitrary global requests and channel opens get an answer; the connection stays up',
    async () => {
      await checkAsync(
        fc.asyncProperty(fc.constantFrom(...SERVED_REQUESTS), fc.constantFrom(...SERVED_CHANNEL_TYPES), fc.constantFrom(FORWARDING.FORWARDED_TCPIP, FORWARDING.FORWARDED_STREAMLOCAL), dataArb, async (req, open, back, data) => {
          await outcomeAsync([RequestFailedError], () => client.globalRequest(req, data), req);
          // The fake network refuses every connect: an open is refused, never accepted.
          const o = await outcomeAsync([ChannelOpenError], () => client.openChannel(open, { data }), open);
          ensure(!o.ok, `${open} accepted`);
          const f = await outcomeAsync([ChannelOpenError], () => server.openChannel(back, { data }), back);
          ensure(!f.ok, `${back} accepted`);
          ensure(client.transport.isOpen && server.transport.isOpen, 'the connection closed');
        }),
        0.5,
      );
    },
    timeoutFor(0.5),
  );
});
