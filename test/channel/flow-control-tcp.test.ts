/**
 * A slow consumer keeps memory bounded while a fast producer writes gigabytes:
 * hopssh server and client over loopback TCP (node:net + NodeSocketStream, both
 * ends in this process). The server produces (as a download), the client
 * consumes in bursts. Besides the channel and transport queues, the sockets'
 * own write buffers (writableLength) are sampled: backpressure must reach them.
 * A direct-tcpip channel with a 16 MiB window (the relaying case): more than
 * the kernel's loopback buffers take, so the server's socket does push back.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { NodeSocketStream, connectTcp } from '../../src/io/node-socket.ts';
import { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';
import { GiB, MeteredStream, MiB, PatternSource, Peaks, SlowConsumer, produce, transportQueued } from './flow-control-harness.ts';

const TOTAL = 2 * GiB;
const CHUNK = 128 * 1024;
const WINDOW = 16 * MiB;
const MAX_PACKET = 128 * 1024;
const HIGH_WATER = 1 * MiB;
const MAX_QUEUED = 16 * MiB;
const REKEY_BYTES = 256 * MiB;
/** The packet sender's arena: what one coalesced write may hold (src/transport/packet-sender.ts). */
const ARENA = 128 * 1024 + 1024;

let listener: Server | undefined;
afterAll(() => listener?.close());

test('2 GiB from a fast producer to a slow consumer over loopback TCP: in order, channel, transport and socket queues bounded', { timeout: 180_000 }, async () => {
  const key = hostKey('ssh-ed25519');
  const common = { ciphers: ['aes128-gcm@openssh.com'], rekeyBytes: REKEY_BYTES, maxQueuedBytes: MAX_QUEUED };
  let serverSocket!: Socket;
  let serverStream!: MeteredStream;
  const serverTransport = new Promise<ServerTransport>((resolve) => {
    listener = createServer((s) => {
      serverSocket = s;
      serverStream = new MeteredStream(new NodeSocketStream(s));
      resolve(new ServerTransport(serverStream, { ...common, hostKeys: [key] }));
    });
  });
  await new Promise<void>((r) => listener!.listen(0, '127.0.0.1', r));
  const port = (listener!.address() as { port: number }).port;
  const stream = await connectTcp({ host: '127.0.0.1', port });
  const clientSocket = stream.socket;
  const metered = new MeteredStream(stream);
  const ct = new ClientTransport(metered, { ...common, verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, key.publicBlob) });
  const st = await serverTransport;
  await Promise.all([ct.ready, st.ready]);
  ct.markAuthenticated();
  st.markAuthenticated();
  const client = new Connection(ct);
  const server = new Connection(st);

  const accepted = new Promise<Channel>((resolve) => (server.onChannelOpen = (o) => resolve(o.accept({ writeHighWater: HIGH_WATER }))));
  const c = await client.openChannel('direct-tcpip', { window: WINDOW, maxPacket: MAX_PACKET });
  const s = await accepted;

  const peaks = new Peaks();
  const sampleQueues = (): void => {
    peaks.sample('server socket writableLength', serverSocket.writableLength);
    peaks.sample('client socket writableLength', clientSocket.writableLength);
    peaks.sample('server transport queue', transportQueued(st));
    peaks.sample('client transport queue', transportQueued(ct));
  };
  const consumer = new SlowConsumer(c, {
    seed: 21,
    beforeResume: () => {
      peaks.sample('client channel held', c.heldBytes);
      peaks.sample('client receiver pending', ct.receiver.pendingBytes);
      sampleQueues();
    },
  });
  const stopRss = peaks.watchRss();
  const sampler = setInterval(sampleQueues, 5);
  const src = new PatternSource(TOTAL, CHUNK, 5);
  const started = Date.now();
  const stalls = await produce(s, src, {
    afterWrite: () => {
      peaks.sample('server channel pending', s.pendingWriteBytes);
      sampleQueues();
    },
  });
  const got = await consumer.ended;
  clearInterval(sampler);
  stopRss();
  const secs = (Date.now() - started) / 1000;
  console.log(
    `[flow-control tcp] ${TOTAL / GiB} GiB in ${secs.toFixed(1)} s (${(TOTAL / 1e6 / secs).toFixed(0)} MB/s), ` +
      `${stalls} write stalls, ${serverStream.refusals} socket write refusals, ${consumer.pauses} consumer pauses, ${ct.kexCount - 1} rekeys, ` +
      `socket high-water marks ${serverSocket.writableHighWaterMark}/${clientSocket.writableHighWaterMark}; peaks: ${peaks}`,
  );

  expect(got).toBe(TOTAL);
  expect(metered.delivered).toBeGreaterThan(TOTAL);
  expect(consumer.digest()).toBe(src.digest());
  expect(stalls).toBeGreaterThan(0);
  // Backpressure reached the socket: its write() said "wait" and the channel waited.
  expect(serverStream.refusals).toBeGreaterThan(0);
  expect(st.kexCount).toBeGreaterThan(2);
  expect(peaks.get('client channel held')).toBeGreaterThan(0);
  expect(peaks.get('client channel held')).toBeLessThanOrEqual(WINDOW);
  expect(peaks.get('server channel pending')).toBeLessThanOrEqual(HIGH_WATER + CHUNK);
  expect(peaks.get('server transport queue')).toBeLessThanOrEqual(MAX_QUEUED / 2 + MAX_PACKET + 64);
  // The socket's buffer: its high-water mark, plus one coalesced write that crossed it, plus what a
  // finished key exchange releases at once (half the kex queue limit at most).
  expect(peaks.get('server socket writableLength')).toBeLessThanOrEqual(serverSocket.writableHighWaterMark + 2 * ARENA + MAX_QUEUED / 2);
  // The consumer's side sends window adjusts only.
  expect(peaks.get('client socket writableLength')).toBeLessThanOrEqual(64 * 1024);
  // The receiver keeps at most one partial packet (it never pauses the socket on the data path).
  expect(peaks.get('client receiver pending')).toBeLessThanOrEqual(256 * 1024);
  client.close();
  await Promise.all([client.closed, server.closed]);
});
