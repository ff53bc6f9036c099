import { describe, expect, test } from 'vitest';
import { transportPair } from '../helpers/transport-pair.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { ChannelOpenError, OPEN_FAILURE, RequestFailedError } from '../../src/channel/errors.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/wire/bytes.ts';

async function connectionPair(opts: Parameters<typeof transportPair>[0] = {}) {
  const { client, server } = transportPair(opts);
  await Promise.all([client.ready, server.ready]);
  return { client: new Connection(client), server: new Connection(server), ct: client, st: server };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Accept every channel on `conn` and hand it to `onChannel`. */
function acceptAll(conn: Connection, onChannel: (c: Channel) => void, opts?: { window?: number; maxPacket?: number }) {
  conn.onChannelOpen = (o) => onChannel(o.accept(opts));
}

describe('channels over an in-memory pair', () => {
  test('open, data both ways, EOF each way (half-close), close', async () => {
    const { client, server } = await connectionPair();
    const serverGot: number[] = [];
    let serverEnd = false;
    let serverClosed = false;
    acceptAll(server, (c) => {
      c.onData = (d) => {
        serverGot.push(...d);
        c.write(d.map((x) => x + 1));
      };
      c.onEnd = () => {
        serverEnd = true;
        // Half-close: the server can still write after the client's EOF.
        c.write(Uint8Array.of(99));
        c.close();
      };
      c.onClose = () => (serverClosed = true);
    });
    const c = await client.openChannel('session');
    const clientGot: number[] = [];
    let clientEnd = false;
    let clientClosed = false;
    c.onData = (d) => clientGot.push(...d);
    c.onEnd = () => (clientEnd = true);
    c.onClose = () => (clientClosed = true);
    c.write(Uint8Array.of(1, 2, 3));
    c.end();
    await until(() => clientClosed && serverClosed);
    expect(serverGot).toEqual([1, 2, 3]);
    expect(clientGot).toEqual([2, 3, 4, 99]);
    expect(serverEnd && clientEnd).toBe(true);
    expect(client.channelCount + server.channelCount).toBe(0);
    client.close();
  });

  test('open refused: typed error with the reason code', async () => {
    const { client, server } = await connectionPair();
    server.onChannelOpen = (o) => o.reject(OPEN_FAILURE.CONNECT_FAILED, 'no route');
    const err = await client.openChannel('direct-tcpip').catch((e) => e);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err.reasonCode).toBe(2);
    expect(err.message).toMatch(/connect failed.*no route/);
    const { client: c2 } = await connectionPair();
    const err2 = await c2.openChannel('session').catch((e) => e);
    expect(err2.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
  });

  test('a window of 1 byte and a maximum packet of 1 byte still deliver every byte in order', async () => {
    const { client, server } = await connectionPair();
    const got: number[] = [];
    acceptAll(server, (c) => (c.onData = (d) => got.push(...d)), { window: 1, maxPacket: 1 });
    const c = await client.openChannel('session');
    const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    c.write(data);
    await until(() => got.length === 3000);
    expect(Uint8Array.from(got)).toEqual(data);
  });

  test('a paused consumer keeps the sender within the window; resume delivers everything', async () => {
    const { client, server } = await connectionPair();
    let sc!: Channel;
    let got = 0;
    acceptAll(server, (c) => {
      sc = c;
      c.pause();
      c.onData = (d) => (got += d.length);
    }, { window: 64 * 1024, maxPacket: 16 * 1024 });
    const c = await client.openChannel('session', { writeHighWater: 128 * 1024 });
    let drains = 0;
    c.onDrain = () => drains++;
    const chunk = new Uint8Array(32 * 1024);
    let accepted = 0;
    while (c.write(chunk)) accepted++;
    await until(() => sc?.heldBytes === 64 * 1024);
    // The sender stopped at the receiver's window; the rest waits in its bounded queue.
    expect(c.sendWindow).toBe(0);
    expect(c.pendingWriteBytes).toBeLessThanOrEqual(128 * 1024 + 32 * 1024);
    expect(got).toBe(0);
    sc.resume();
    await until(() => got === (accepted + 1) * 32 * 1024);
    expect(drains).toBeGreaterThan(0);
  });

  test('many channels at once, interleaved, each stream intact (hash)', async () => {
    const { client, server } = await connectionPair();
    const hashes = new Map<number, string>();
    acceptAll(server, (c) => {
      const parts: Uint8Array[] = [];
      c.onData = (d) => parts.push(d.slice());
      c.onEnd = () => {
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) (all.set(p, o), (o += p.length));
        hashes.set(all[0]!, toHex(sha256(all)));
        c.close();
      };
    });
    const expected = new Map<number, string>();
    const chans = await Promise.all(Array.from({ length: 16 }, () => client.openChannel('direct-tcpip')));
    chans.forEach((c, i) => {
      const data = Uint8Array.from({ length: 300_000 }, (_, j) => (j === 0 ? i : (j * 7 + i) & 0xff));
      expected.set(i, toHex(sha256(data)));
      for (let o = 0; o < data.length; o += 10_000) c.write(data.subarray(o, o + 10_000));
      c.end();
    });
    await until(() => hashes.size === 16);
    expect(hashes).toEqual(expected);
  });

  test('channel requests: replies in order, failures typed; global requests with data', async () => {
    const { client, server } = await connectionPair();
    acceptAll(server, (c) => {
      c.onRequest = async (r) => {
        if (r.type === 'slow') await new Promise((res) => setTimeout(res, 20));
        return r.type !== 'nope';
      };
    });
    server.onGlobalRequest = (r) => (r.name === 'port@test' ? Uint8Array.of(0, 0, 0x1f, 0x90) : r.name === 'ok@test');
    const c = await client.openChannel('session');
    const order: string[] = [];
    const a = c.request('slow', new Uint8Array(0)).then(() => order.push('slow'));
    const b = c.request('fast', new Uint8Array(0)).then(() => order.push('fast'));
    await Promise.all([a, b]);
    expect(order).toEqual(['slow', 'fast']);
    await expect(c.request('nope', new Uint8Array(0))).rejects.toBeInstanceOf(RequestFailedError);
    expect(await client.globalRequest('port@test')).toEqual(Uint8Array.of(0, 0, 0x1f, 0x90));
    await client.globalRequest('ok@test');
    await expect(client.globalRequest('keepalive@openssh.com')).rejects.toBeInstanceOf(RequestFailedError);
  });

  test('data keeps flowing across a rekey', async () => {
    const { client, server, ct } = await connectionPair();
    let got = 0;
    acceptAll(server, (c) => (c.onData = (d) => (got += d.length)));
    const c = await client.openChannel('direct-tcpip');
    const chunk = new Uint8Array(64 * 1024);
    for (let i = 0; i < 8; i++) c.write(chunk);
    const r = ct.rekey();
    for (let i = 0; i < 8; i++) c.write(chunk);
    await r;
    await until(() => got === 16 * 64 * 1024);
  });

  test('closing the connection fails pending operations and closes channels with an error', async () => {
    const { client, server } = await connectionPair();
    acceptAll(server, () => undefined);
    const c = await client.openChannel('session');
    let closeErr: Error | undefined;
    c.onClose = (e) => (closeErr = e);
    const pending = c.request('never-answered', new Uint8Array(0));
    server.transport.close();
    await expect(pending).rejects.toThrow(/closed/);
    await until(() => closeErr !== undefined);
  });
});

describe('a channel as a ByteStream', () => {
  test('a second hopssh transport runs inside a channel (the base of jump hosts)', async () => {
    const { ChannelStream } = await import('../../src/channel/channel-stream.ts');
    const { ClientTransport, ServerTransport } = await import('../../src/transport/transport.ts');
    const { hostKey } = await import('../helpers/transport-pair.ts');
    const { constantTimeEqual } = await import('../../src/wire/bytes.ts');
    const { client, server } = await connectionPair();
    const key = hostKey('ecdsa-sha2-nistp256');
    let inner: InstanceType<typeof ServerTransport> | undefined;
    acceptAll(server, (c) => (inner = new ServerTransport(new ChannelStream(c), { hostKeys: [key] })));
    const ch = await client.openChannel('direct-tcpip');
    const nested = new ClientTransport(new ChannelStream(ch), { verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, key.publicBlob) });
    await nested.ready;
    await nested.requestService('ssh-userauth');
    await nested.rekey();
    expect(nested.negotiated!.hostKey).toBe('ecdsa-sha2-nistp256');
    await until(() => inner!.kexCount === 2);
    nested.disconnect();
    await inner!.closed;
  });
});
