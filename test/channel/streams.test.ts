/**
 * Web Streams and Node Duplex views of a channel: 50 MB each way with a slow
 * consumer, bytes intact (SHA-256), memory bounded — the channel holds at
 * most its window, the view's queue at most its high-water mark plus a
 * packet, and the writer's queue at most the channel's high-water mark.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { transportPair } from '../helpers/transport-pair.ts';
import { pseudoRandomChunks } from '../helpers/echo-server.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { ChannelStream } from '../../src/channel/channel-stream.ts';
import { channelWebStreams } from '../../src/channel/web-streams.ts';
import { toDuplex } from '../../src/io/node-duplex.ts';

const TOTAL = 50 << 20;
const WINDOW = 1 << 20;
const PACKET = 32 * 1024;
const VIEW_HWM = 64 * 1024;

async function channelPair(): Promise<{ near: Channel; far: Channel }> {
  const { client, server } = transportPair();
  await Promise.all([client.ready, server.ready]);
  const cc = new Connection(client);
  const sc = new Connection(server);
  let far!: Channel;
  sc.onChannelOpen = (o) => (far = o.accept({ window: WINDOW, maxPacket: PACKET }));
  const near = await cc.openChannel('streams-test@hopssh.invalid', { window: WINDOW, maxPacket: PACKET });
  return { near, far };
}

/** Writes TOTAL pseudo-random bytes into `write` (false: wait for `onDrain`), then `end`; resolves with their hash. */
function produce(write: (b: Uint8Array) => boolean, setDrain: (f: () => void) => void, end: () => void): Promise<string> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    const source = pseudoRandomChunks(TOTAL, 100_000);
    const step = (): void => {
      for (let r = source.next(); !r.done; r = source.next()) {
        h.update(r.value);
        if (!write(r.value)) return setDrain(step);
      }
      end();
      resolve(h.digest('hex'));
    };
    step();
  });
}

/** Channel → its peer: the peer reads everything (fast) and hashes. */
function drainChannel(c: Channel): Promise<{ hash: string; bytes: number }> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    let bytes = 0;
    c.onData = (d) => {
      bytes += d.length;
      h.update(d);
    };
    c.onEnd = () => resolve({ hash: h.digest('hex'), bytes });
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Web Streams view of a channel', () => {
  test('readable: 50 MB to a slow reader, intact; the channel holds ≤ its window', async () => {
    const { near, far } = await channelPair();
    const { readable } = channelWebStreams(near, { highWaterMark: VIEW_HWM });
    const sent = produce((b) => far.write(b), (f) => (far.onDrain = f), () => far.end());
    const h = createHash('sha256');
    let bytes = 0;
    let maxHeld = 0;
    let reads = 0;
    const reader = readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      h.update(value);
      bytes += value.length;
      maxHeld = Math.max(maxHeld, near.heldBytes);
      if (++reads % 4 === 0) await tick(); // slow reader
    }
    expect(bytes).toBe(TOTAL);
    expect(h.digest('hex')).toBe(await sent);
    expect(maxHeld).toBeGreaterThan(0); // the reader really was slower than the sender
    expect(maxHeld).toBeLessThanOrEqual(WINDOW);
    console.log(`web streams readable: max held in channel ${maxHeld} B (window ${WINDOW}), ${reads} reads`);
  }, 120_000);

  test('writable: 50 MB into a slow peer, intact; the channel queue stays bounded', async () => {
    const { near, far } = await channelPair();
    const { writable } = channelWebStreams(near);
    let maxQueued = 0;
    // The far side consumes slowly: paused, resumed on the next macrotask.
    const got = drainChannel(far);
    const onData = far.onData!;
    far.onData = (d) => {
      onData(d);
      far.pause();
      setImmediate(() => far.resume());
    };
    const writer = writable.getWriter();
    const h = createHash('sha256');
    const chunkSize = 256 * 1024;
    for (const block of pseudoRandomChunks(TOTAL, chunkSize)) {
      h.update(block);
      await writer.ready;
      await writer.write(block.slice());
      maxQueued = Math.max(maxQueued, near.pendingWriteBytes);
    }
    await writer.close();
    const r = await got;
    expect(r.bytes).toBe(TOTAL);
    expect(r.hash).toBe(h.digest('hex'));
    expect(maxQueued).toBeLessThanOrEqual(1024 * 1024 + chunkSize);
  }, 120_000);

  test('a closed channel ends the readable and fails a waiting write', async () => {
    const { near, far } = await channelPair();
    const { readable, writable } = channelWebStreams(near);
    far.write(Uint8Array.of(1, 2, 3));
    far.close();
    const chunks: number[] = [];
    for await (const c of readable as unknown as AsyncIterable<Uint8Array>) chunks.push(...c);
    expect(chunks).toEqual([1, 2, 3]);
    await expect(writable.getWriter().write(Uint8Array.of(1))).rejects.toThrow(/closed/);
  });
});

describe('Node Duplex view of a channel', () => {
  test('50 MB to a slow Writable through pipeline(), intact; channel holds ≤ window, Duplex buffer bounded', async () => {
    const { near, far } = await channelPair();
    const duplex = toDuplex(new ChannelStream(near), { readableHighWaterMark: VIEW_HWM });
    const sent = produce((b) => far.write(b), (f) => (far.onDrain = f), () => far.end());
    const h = createHash('sha256');
    let bytes = 0;
    let maxHeld = 0;
    let maxBuffered = 0;
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _e, cb) {
        h.update(chunk);
        bytes += chunk.length;
        maxHeld = Math.max(maxHeld, near.heldBytes);
        maxBuffered = Math.max(maxBuffered, duplex.readableLength);
        if (++writes % 4 === 0) setImmediate(cb);
        else cb();
      },
    });
    await pipeline(duplex, slow);
    expect(bytes).toBe(TOTAL);
    expect(h.digest('hex')).toBe(await sent);
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(WINDOW);
    expect(maxBuffered).toBeLessThanOrEqual(VIEW_HWM + PACKET);
    console.log(`node duplex: max held in channel ${maxHeld} B (window ${WINDOW}), max Duplex buffer ${maxBuffered} B`);
  }, 120_000);

  test('writing 50 MB into the Duplex: intact, write() backpressure from the channel; end() is EOF', async () => {
    const { near, far } = await channelPair();
    const duplex = toDuplex(new ChannelStream(near));
    const got = drainChannel(far);
    let maxQueued = 0;
    const sent = produce(
      (b) => {
        const ok = duplex.write(Buffer.from(b));
        maxQueued = Math.max(maxQueued, near.pendingWriteBytes);
        return ok;
      },
      (f) => duplex.once('drain', f),
      () => duplex.end(),
    );
    const r = await got;
    expect(r.bytes).toBe(TOTAL);
    expect(r.hash).toBe(await sent);
    expect(maxQueued).toBeLessThanOrEqual(1024 * 1024 + 100_000);
    far.close();
    await new Promise((res) => duplex.once('close', res).resume());
  }, 120_000);
});
