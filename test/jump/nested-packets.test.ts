/**
 * Send-side packet sizing through jump hosts (DESIGN.md, "Headroom for
 * nesting": no layer splits). For a bulk upload through 1 and 2 nested
 * levels, every CHANNEL_DATA the client sends on a jump host's direct-tcpip
 * channel carries a whole number of packets of the transport nested in it.
 *
 * Observed in the client, before sealing: each hop's transport is wrapped
 * where channels hand it CHANNEL_DATA (reservePayload/commitPayload, and
 * send() during a key exchange), and the data of the channel carrying the
 * next hop is cut into that hop's packets. All hops use
 * aes128-gcm@openssh.com, whose packet_length is sent in clear (RFC 5647
 * §7.3), so packet boundaries can be read from the sealed bytes:
 * 4 + packet_length + 16.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, type ConnectOptions, type SshClient } from '../../src/jump/client.ts';
import { NESTING_OVERHEAD } from '../../src/jump/chain.ts';
import type { HopConnection, HopOptions } from '../../src/jump/hop.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { constantTimeEqual, fromUtf8, readUint32 } from '../../src/wire/bytes.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import { Connection } from '../../src/channel/connection.ts';
import { ChannelStream } from '../../src/channel/channel-stream.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { transportPair } from '../helpers/transport-pair.ts';
import { MemoryWorld } from './memory-hosts.ts';

const userKey = generateSigningKey('ssh-ed25519');
const GCM = 'aes128-gcm@openssh.com';
const GCM_TAG = 16;
const MiB = 1 << 20;

/** What one hop's transport sent as CHANNEL_DATA, per recipient channel, cut into the next hop's packets. */
class DataTap {
  /** Per recipient: CHANNEL_DATA messages, inner packets, bytes, the largest message, and messages not holding whole packets. */
  readonly channels = new Map<number, { messages: number; packets: number; bytes: number; largest: number; split: number }>();

  constructor(transport: Transport) {
    const t = transport as { reservePayload(n: number): number; commitPayload(n: number): boolean; send(p: Uint8Array): boolean };
    const reserve = transport.reservePayload.bind(transport);
    const commit = transport.commitPayload.bind(transport);
    const send = transport.send.bind(transport);
    let at = -1;
    t.reservePayload = (n: number) => (at = reserve(n));
    t.commitPayload = (length: number) => {
      this.record(transport.sendBuffer.subarray(at, at + length));
      return commit(length);
    };
    t.send = (payload: Uint8Array) => {
      this.record(payload);
      return send(payload);
    };
  }

  private record(payload: Uint8Array): void {
    if (payload[0] !== MSG.CHANNEL_DATA) return;
    const recipient = readUint32(payload, 1);
    const data = payload.subarray(9);
    let c = this.channels.get(recipient);
    if (!c) this.channels.set(recipient, (c = { messages: 0, packets: 0, bytes: 0, largest: 0, split: 0 }));
    c.messages++;
    c.bytes += data.length;
    c.largest = Math.max(c.largest, data.length);
    // Whole packets of the nested transport, back to back: 4 + packet_length + tag each.
    let p = 0;
    while (p + 4 <= data.length) {
      const size = 4 + readUint32(data, p) + GCM_TAG;
      if (p + size > data.length) break;
      p += size;
      c.packets++;
    }
    if (p !== data.length) c.split++;
  }

  /** The one channel that carried bulk data (the direct-tcpip channel to the next hop). */
  get bulk(): { messages: number; packets: number; bytes: number; largest: number; split: number } {
    const all = [...this.channels.values()].sort((a, b) => b.bytes - a.bytes);
    expect(all.length).toBeGreaterThan(0);
    return all[0]!;
  }
}

/** client → j1 → j2 → target, all speaking aes128-gcm; j1 grants direct-tcpip channels `j1MaxPacket` (sshd: 32768). */
function world(j1MaxPacket?: number) {
  const w = new MemoryWorld(['j1']);
  const common = { userKeys: [userKey] };
  w.add('j1', { ...common, reaches: ['j2', 'target'], directTcpipMaxPacket: j1MaxPacket });
  w.add('j2', { ...common, reaches: ['target'] });
  w.add('target', common);
  return (jump: HopOptions[]): ConnectOptions => ({
    host: 'target',
    username: 'alice',
    credentials: [{ type: 'publickey', key: userKey }],
    verifyHostKey: w.verifyHostKey,
    network: w.network('client'),
    algorithms: { ciphers: [GCM] },
    jump,
  });
}

/** Uploads `total` bytes to `wc -c` on the target, 256 KiB per write; returns the count it printed. */
async function upload(client: SshClient, total: number): Promise<number> {
  const chunk = new Uint8Array(256 * 1024).map((_, i) => (i * 13 + 5) & 0xff);
  const r = await client.exec('wc -c', {
    stdin: (function* () {
      for (let n = 0; n < total; n += chunk.length) yield chunk;
    })(),
  });
  return Number(fromUtf8(r.stdout).trim());
}

const JUMPS: Record<number, HopOptions[]> = { 1: [{ host: 'j1' }], 2: [{ host: 'j1' }, { host: 'j2' }] };

describe('no layer splits: what the client sends through jump hosts', () => {
  for (const j1MaxPacket of [undefined, 32768]) {
    for (const levels of [1, 2]) {
      const what = j1MaxPacket === undefined ? 'hopssh jump hosts' : 'a first jump host granting 32 KiB packets, as sshd';
      test(`${levels} nested level(s), ${what}: each CHANNEL_DATA on a jump host's channel holds whole packets of the hop inside`, async () => {
        const client = await connect(world(j1MaxPacket)(JUMPS[levels]!));
        try {
          const hops: readonly HopConnection[] = client.hops;
          expect(hops).toHaveLength(levels + 1);
          // The caps: each nested connection sends at most its channel's largest CHANNEL_DATA less one level's overhead.
          expect(hops[0]!.connection.maxSendPacket).toBeUndefined();
          let outer = j1MaxPacket ?? 131072;
          for (let i = 1; i <= levels; i++) {
            expect(hops[i]!.connection.maxSendPacket).toBe(outer - NESTING_OVERHEAD);
            outer = Math.min(131072, outer - NESTING_OVERHEAD);
          }
          const taps = hops.slice(0, levels).map((h) => new DataTap(h.transport));
          const total = 8 * MiB;
          expect(await upload(client, total)).toBe(total);
          for (const [i, tap] of taps.entries()) {
            const b = tap.bulk;
            const max = i === 0 ? (j1MaxPacket ?? 131072) : hops[i]!.connection.maxSendPacket!;
            // Every message whole packets, none over the channel's maximum; the payload crossed this level.
            expect({ hop: i, split: b.split }).toEqual({ hop: i, split: 0 });
            expect(b.largest).toBeLessThanOrEqual(max);
            expect(b.bytes).toBeGreaterThan(total);
            expect(b.packets).toBeGreaterThanOrEqual(b.messages);
            console.log(`${levels} level(s), ${what}: the channel from hop ${i + 1} to hop ${i + 2} carried ${b.bytes} bytes in ${b.messages} CHANNEL_DATA (largest ${b.largest}, maximum ${max}) holding ${b.packets} whole packets`);
          }
        } finally {
          await client.close();
        }
      });
    }
  }
});

describe('ChannelStream and PacketSender', () => {
  /** A client and server transport nested in a channel of an in-memory connection, the channel granting `maxPacket`. */
  async function nested(maxPacket: number, window: number, direct = false) {
    const key = generateSigningKey('ssh-ed25519');
    const verify = ({ publicKey }: { publicKey: Uint8Array }) => constantTimeEqual(publicKey, key.publicBlob);
    const { client: outerClient, server: outerServer } = transportPair();
    const serverConn = new Connection(outerServer);
    const clientConn = new Connection(outerClient);
    await Promise.all([outerServer.ready, outerClient.ready]);
    let inner: ServerTransport | undefined;
    serverConn.onChannelOpen = (o) => (inner = new ServerTransport(new ChannelStream(o.accept({ maxPacket, window })), { hostKeys: [key], ciphers: [GCM] }));
    const channel = await clientConn.openChannel('direct-tcpip', { maxPacket: 131072 });
    const stream: ByteStream = new ChannelStream(channel);
    const writes: number[] = [];
    const directWrites: number[] = [];
    const counting: ByteStream = {
      start: (h) => stream.start(h),
      write: (d) => (writes.push(d.length), stream.write(d)),
      maxWriteSize: stream.maxWriteSize,
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      end: () => stream.end(),
      close: (e) => stream.close(e),
    };
    // With `direct`, the zero-copy path of ChannelStream too (packets sealed inside the outer CHANNEL_DATA).
    if (direct) {
      Object.defineProperties(counting, {
        reserveWrite: { value: (max: number) => stream.reserveWrite!(max) },
        writeBuffer: { get: () => stream.writeBuffer },
        commitWrite: { value: (length: number) => (directWrites.push(length), stream.commitWrite!(length)) },
      });
    }
    const client = new ClientTransport(counting, { verifyHostKey: verify, ciphers: [GCM] });
    await client.ready;
    return { channel, client, inner: inner!, writes, directWrites, outerClient, outerServer };
  }

  /**
   * Sends `count` payloads of `size` bytes (each its own fill), waiting for drain when the transport pushes back
   * (as a channel would) unless `oneTick`; resolves when the inner server has them all, in order.
   */
  async function sendAll(client: ClientTransport, inner: ServerTransport, count: number, size: number, oneTick = false): Promise<void> {
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let n = 0;
    inner.onMessage = (p) => {
      got.update(p);
      n++;
      return true;
    };
    for (let i = 0; i < count; i++) {
      const p = new Uint8Array(size).fill(i & 0xff);
      p[0] = 200; // a message number for the upper layers
      sent.update(p);
      // As a channel would: wait for drain when the transport pushes back.
      if (!oneTick && !client.writable) await new Promise<void>((resolve) => (client.onDrain = resolve));
      client.send(p);
    }
    await new Promise<void>((resolve) => {
      const check = (): void => (n === count ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(got.digest('hex')).toBe(sent.digest('hex'));
  }

  test('a nested transport cuts its writes at packet boundaries within the channel\'s maximum; each goes out as one CHANNEL_DATA', async () => {
    const { channel, client, inner, writes, outerClient, outerServer } = await nested(32768, 4 * MiB);
    expect(channel.sendMaxPacket).toBe(32768);
    const tap = new DataTap(outerClient);
    writes.length = 0;
    // 200 payloads of 30000 bytes in one tick: without cuts they would be one 6 MB write.
    await sendAll(client, inner, 200, 30000, true);
    expect(Math.max(...writes)).toBeLessThanOrEqual(32768);
    expect(writes.length).toBe(200); // one 30 KB packet per 32 KiB write
    const b = tap.bulk;
    expect(b.split).toBe(0);
    expect(b.messages).toBe(200);
    outerClient.close();
    outerServer.close();
  });

  test('a whole write waits for the window rather than being cut where it ends', async () => {
    // A window of 64 KiB: the third 30 KB packet does not fit beside two others until the window is adjusted.
    const { client, inner, outerClient, outerServer } = await nested(32768, 64 * 1024);
    const tap = new DataTap(outerClient);
    await sendAll(client, inner, 40, 30000, true);
    expect(tap.bulk.split).toBe(0);
    outerClient.close();
    outerServer.close();
  });

  test('headroom: with the window open, each packet is sealed inside the outer CHANNEL_DATA (no write of its own)', async () => {
    const { client, inner, writes, directWrites, outerClient, outerServer } = await nested(32768, 16 * MiB, true);
    const tap = new DataTap(outerClient);
    writes.length = 0;
    directWrites.length = 0;
    await sendAll(client, inner, 200, 30000);
    // Every bulk packet went direct: none was written (copied) into the channel.
    expect(writes.filter((n) => n > 30000)).toEqual([]);
    expect(directWrites.filter((n) => n > 30000)).toHaveLength(200);
    // Each is exactly one CHANNEL_DATA holding one whole packet of the inner transport.
    const b = tap.bulk;
    expect(b.split).toBe(0);
    expect(b.messages).toBe(b.packets);
    expect(b.messages).toBeGreaterThanOrEqual(200);
    outerClient.close();
    outerServer.close();
  });

  test('headroom: when the window runs short, direct and queued packets stay in order', async () => {
    // 64 KiB of window: two packets fit, the rest wait in the channel's queue; direct resumes once it is empty.
    const { client, inner, writes, directWrites, outerClient, outerServer } = await nested(32768, 64 * 1024, true);
    const tap = new DataTap(outerClient);
    writes.length = 0;
    directWrites.length = 0;
    await sendAll(client, inner, 60, 30000);
    expect(directWrites.filter((n) => n > 30000).length).toBeGreaterThan(0);
    expect(writes.filter((n) => n > 30000).length).toBeGreaterThan(0);
    expect(tap.bulk.split).toBe(0);
    // And afterwards, with the queue drained and window back, packets go direct again.
    directWrites.length = 0;
    await sendAll(client, inner, 1, 30000);
    expect(directWrites.filter((n) => n > 30000)).toHaveLength(1);
    outerClient.close();
    outerServer.close();
  });
});
