/**
 * A slow consumer keeps memory bounded while a fast producer writes gigabytes:
 * hopssh client and server over the in-memory pair (DESIGN.md, "The byte
 * path": flow control follows consumption, every queue bounded, backpressure
 * reaches the stream). Structural bounds are asserted; peak RSS is logged.
 */
import { expect, test } from 'vitest';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';
import { GiB, MeteredStream, MiB, PatternSource, Peaks, SlowConsumer, produce, transportQueued } from './flow-control-harness.ts';

const TOTAL = 2 * GiB;
const CHUNK = 64 * 1024;
const WINDOW = 2 * MiB;
const MAX_PACKET = 32 * 1024;
const HIGH_WATER = 1 * MiB;
const STREAM_HIGH_WATER = 1 * MiB;
const MAX_QUEUED = 16 * MiB;
/** Rekey every 256 MiB: the transport's key-exchange queue is in the path several times. */
const REKEY_BYTES = 256 * MiB;

test(`2 GiB from a fast producer to a slow consumer over the in-memory pair: in order, every queue bounded`, { timeout: 180_000 }, async () => {
  const [a, b] = createMemoryPair({ highWaterMark: STREAM_HIGH_WATER });
  const ca = new MeteredStream(a);
  const sb = new MeteredStream(b);
  const key = hostKey('ssh-ed25519');
  const common = { ciphers: ['aes128-gcm@openssh.com'], rekeyBytes: REKEY_BYTES, maxQueuedBytes: MAX_QUEUED };
  const st = new ServerTransport(sb, { ...common, hostKeys: [key] });
  const ct = new ClientTransport(ca, { ...common, verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, key.publicBlob) });
  await Promise.all([ct.ready, st.ready]);
  ct.markAuthenticated();
  st.markAuthenticated();
  const client = new Connection(ct);
  const server = new Connection(st);

  const peaks = new Peaks();
  let serverChannel!: Channel;
  const accepted = new Promise<Channel>((resolve) => (server.onChannelOpen = (o) => resolve(o.accept({ window: WINDOW, maxPacket: MAX_PACKET }))));
  const c = await client.openChannel('session', { writeHighWater: HIGH_WATER });
  serverChannel = await accepted;

  const sampleLinks = (): void => {
    peaks.sample('in flight client→server', ca.written - sb.delivered);
    peaks.sample('in flight server→client', sb.written - ca.delivered);
    peaks.sample('client transport queue', transportQueued(ct));
    peaks.sample('server transport queue', transportQueued(st));
  };
  const consumer = new SlowConsumer(serverChannel, {
    seed: 11,
    beforeResume: () => {
      peaks.sample('server channel held', serverChannel.heldBytes);
      sampleLinks();
    },
  });
  const stopRss = peaks.watchRss();
  const src = new PatternSource(TOTAL, CHUNK, 3);
  const started = Date.now();
  const stalls = await produce(c, src, {
    afterWrite: () => {
      peaks.sample('client channel pending', c.pendingWriteBytes);
      sampleLinks();
    },
  });
  const got = await consumer.ended;
  stopRss();
  const secs = (Date.now() - started) / 1000;
  console.log(
    `[flow-control memory] ${TOTAL / GiB} GiB in ${secs.toFixed(1)} s (${(TOTAL / 1e6 / secs).toFixed(0)} MB/s), ` +
      `${stalls} write stalls, ${consumer.pauses} consumer pauses, ${ct.kexCount - 1} rekeys; peaks: ${peaks}`,
  );

  expect(got).toBe(TOTAL);
  expect(consumer.digest()).toBe(src.digest());
  expect(stalls).toBeGreaterThan(0);
  expect(consumer.pauses).toBeGreaterThan(0);
  expect(ct.kexCount).toBeGreaterThan(2);
  // The receiver holds at most the window it granted.
  expect(peaks.get('server channel held')).toBeGreaterThan(0);
  expect(peaks.get('server channel held')).toBeLessThanOrEqual(WINDOW);
  // The sender queues at most its high-water mark plus the one write that crossed it.
  expect(peaks.get('client channel pending')).toBeLessThanOrEqual(HIGH_WATER + CHUNK);
  // A key exchange holds at most half its limit plus one packet (the channel stops when send() says so).
  expect(peaks.get('client transport queue')).toBeLessThanOrEqual(MAX_QUEUED / 2 + MAX_PACKET + 64);
  // The link holds the stream's high-water mark plus one coalesced write (a packet-sender arena) and
  // what a finished key exchange releases at once.
  expect(peaks.get('in flight client→server')).toBeLessThanOrEqual(STREAM_HIGH_WATER + MAX_QUEUED / 2 + 256 * 1024);
  expect(peaks.get('in flight server→client')).toBeLessThanOrEqual(64 * 1024);
  client.close();
});
