/**
 * Flow control over the in-memory pair: half-close in both directions with
 * megabytes still flowing the other way, many channels interleaved with a
 * slow consumer on each, and key exchanges in the middle of full windows.
 * (The gigabyte runs are flow-control-memory.test.ts and flow-control-tcp.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import type { TransportOptions } from '../../src/transport/options.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';
import { MeteredStream, MiB, PatternSource, Peaks, SlowConsumer, prng, produce, transportQueued } from './flow-control-harness.ts';

async function pair(opts: Partial<TransportOptions> = {}, authenticated = false) {
  const [a, b] = createMemoryPair();
  const ca = new MeteredStream(a);
  const sb = new MeteredStream(b);
  const key = hostKey('ssh-ed25519');
  const common = { ciphers: ['aes128-gcm@openssh.com'], ...opts };
  const st = new ServerTransport(sb, { ...common, hostKeys: [key] });
  const ct = new ClientTransport(ca, { ...common, verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, key.publicBlob) });
  await Promise.all([ct.ready, st.ready]);
  if (authenticated) {
    ct.markAuthenticated();
    st.markAuthenticated();
  }
  return { client: new Connection(ct), server: new Connection(st), ct, st, ca, sb };
}

/** The next channel the server accepts. */
function nextAccepted(server: Connection, opts?: { window?: number; maxPacket?: number; writeHighWater?: number }): Promise<Channel> {
  return new Promise((resolve) => (server.onChannelOpen = (o) => resolve(o.accept(opts))));
}

describe('half-close', () => {
  test('after the client sends EOF, the server still writes megabytes to it', async () => {
    const { client, server } = await pair();
    const accepted = nextAccepted(server);
    const c = await client.openChannel('session');
    const s = await accepted;
    const up = new PatternSource(3 * MiB + 17, 32 * 1024, 1);
    const upConsumer = new SlowConsumer(s, { seed: 1 });
    await produce(c, up);
    // Client EOF seen by the server, every byte before it.
    expect(await upConsumer.ended).toBe(up.total);
    expect(upConsumer.digest()).toBe(up.digest());
    expect(c.writeEnded).toBe(true);
    expect(s.eofWasReceived).toBe(true);
    // Now the other way: the client, having ended its side, still consumes (slowly).
    const down = new PatternSource(24 * MiB + 5, 48 * 1024, 2);
    const downConsumer = new SlowConsumer(c, { seed: 2 });
    await produce(s, down);
    expect(await downConsumer.ended).toBe(down.total);
    expect(downConsumer.digest()).toBe(down.digest());
    const closed = Promise.all([new Promise((r) => (c.onClose = r)), new Promise((r) => (s.onClose = r))]);
    c.close();
    await closed;
    expect(client.channelCount + server.channelCount).toBe(0);
    client.close();
  });

  test('after the server sends EOF, the client still writes megabytes to it', async () => {
    const { client, server } = await pair();
    const accepted = nextAccepted(server);
    const c = await client.openChannel('direct-tcpip');
    const s = await accepted;
    const down = new PatternSource(2 * MiB + 1, 16 * 1024, 3);
    const downConsumer = new SlowConsumer(c, { seed: 3 });
    await produce(s, down);
    expect(await downConsumer.ended).toBe(down.total);
    expect(downConsumer.digest()).toBe(down.digest());
    expect(s.writeEnded).toBe(true);
    expect(() => s.write(Uint8Array.of(1))).toThrow(/write after end/);
    const up = new PatternSource(40 * MiB + 3, 100_000, 4);
    const upConsumer = new SlowConsumer(s, { seed: 4 });
    await produce(c, up);
    expect(await upConsumer.ended).toBe(up.total);
    expect(upConsumer.digest()).toBe(up.digest());
    // Both EOFs exchanged: either side closes, the other answers.
    const closed = Promise.all([new Promise((r) => (c.onClose = r)), new Promise((r) => (s.onClose = r))]);
    s.close();
    await closed;
    client.close();
  });

  test('both directions at once, each ended independently while the other still flows', async () => {
    const { client, server } = await pair();
    const accepted = nextAccepted(server, { window: 256 * 1024, maxPacket: 16 * 1024 });
    const c = await client.openChannel('session', { window: 512 * 1024, maxPacket: 8 * 1024 });
    const s = await accepted;
    const up = new PatternSource(8 * MiB, 20_000, 5);
    const down = new PatternSource(32 * MiB, 70_000, 6);
    const upConsumer = new SlowConsumer(s, { seed: 5, burst: [64 * 1024, 1 * MiB] });
    const downConsumer = new SlowConsumer(c, { seed: 6, burst: [64 * 1024, 4 * MiB] });
    await Promise.all([produce(c, up), produce(s, down)]);
    expect(await upConsumer.ended).toBe(up.total);
    expect(await downConsumer.ended).toBe(down.total);
    expect(upConsumer.digest()).toBe(up.digest());
    expect(downConsumer.digest()).toBe(down.digest());
    client.close();
  });
});

describe('many channels', () => {
  test('64 channels × 4 MB interleaved, random pauses on every consumer, rekeys under way: each stream intact, queues bounded', { timeout: 120_000 }, async () => {
    const N = 64;
    const SIZE = 4_000_000;
    const HIGH_WATER = 256 * 1024;
    const MAX_QUEUED = 16 * MiB;
    const { client, server, ct, ca, sb } = await pair({ rekeyBytes: 32 * MiB, maxQueuedBytes: MAX_QUEUED }, true);
    const rnd = prng(64);
    const serverChannels: Channel[] = [];
    server.onChannelOpen = (o) => serverChannels.push(o.accept());
    // Half sessions (2 MiB windows), half direct-tcpip (16 MiB windows): 64 × up to 16 MiB of window outstanding.
    const chans = await Promise.all(Array.from({ length: N }, (_, i) => client.openChannel(i % 2 ? 'direct-tcpip' : 'session', { writeHighWater: HIGH_WATER })));
    expect(serverChannels).toHaveLength(N);
    const peaks = new Peaks();
    const stopRss = peaks.watchRss();
    const consumers = serverChannels.map(
      (s, i) =>
        new SlowConsumer(s, {
          seed: 100 + i,
          burst: [16 * 1024, 2 * MiB],
          delayMs: [0, 15],
          beforeResume: () => peaks.sample(`held ${s.channelType}`, s.heldBytes),
        }),
    );
    const sources = chans.map((_, i) => new PatternSource(SIZE, 1024 + Math.floor(rnd() * 100_000), i + 1));
    const sample = (c: Channel) => (): void => {
      peaks.sample('client channel pending', c.pendingWriteBytes);
      peaks.sample('client transport queue', transportQueued(ct));
      peaks.sample('in flight client→server', ca.written - sb.delivered);
    };
    // Producers start at random moments, interleaving.
    const produced = chans.map((c, i) => new Promise((r) => setTimeout(r, Math.floor(rnd() * 20))).then(() => produce(c, sources[i]!, { afterWrite: sample(c) })));
    await Promise.all(produced);
    const got = await Promise.all(consumers.map((c) => c.ended));
    stopRss();
    console.log(`[flow-control 64 channels] ${ct.kexCount - 1} rekeys; peaks: ${peaks}`);
    expect(got).toEqual(sources.map((s) => s.total));
    consumers.forEach((c, i) => expect(c.digest(), `channel ${i}`).toBe(sources[i]!.digest()));
    expect(ct.kexCount).toBeGreaterThan(2);
    expect(peaks.get('held session')).toBeLessThanOrEqual(2 * MiB);
    expect(peaks.get('held direct-tcpip')).toBeLessThanOrEqual(16 * MiB);
    expect(peaks.get('client channel pending')).toBeLessThanOrEqual(HIGH_WATER + 101_024);
    expect(peaks.get('client transport queue')).toBeLessThanOrEqual(MAX_QUEUED / 2 + 128 * 1024 + 64);
    client.close();
  });

  test('a key exchange while a channel has a 16 MiB window open: the channel waits instead of overflowing the transport queue', async () => {
    const MAX_QUEUED = 4 * MiB;
    const { client, server, ct } = await pair({ maxQueuedBytes: MAX_QUEUED });
    const accepted = nextAccepted(server, { window: 16 * MiB, maxPacket: 128 * 1024 });
    const c = await client.openChannel('direct-tcpip');
    const s = await accepted;
    const consumer = new SlowConsumer(s, { seed: 9 });
    const src = new PatternSource(64 * MiB, 256 * 1024, 9);
    const peaks = new Peaks();
    const rekeys: Promise<void>[] = [];
    let n = 0;
    await produce(c, src, {
      afterWrite: () => {
        peaks.sample('client transport queue', transportQueued(ct));
        // A rekey every 8 MiB written, started while the window is open.
        if (++n % 32 === 0) rekeys.push(ct.rekey());
      },
    });
    await Promise.all(rekeys);
    expect(await consumer.ended).toBe(src.total);
    expect(consumer.digest()).toBe(src.digest());
    expect(peaks.get('client transport queue')).toBeLessThanOrEqual(MAX_QUEUED / 2 + 128 * 1024 + 64);
    client.close();
  });
});
