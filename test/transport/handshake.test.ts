import { describe, expect, test } from 'vitest';
import { transportPair, hostKey } from '../helpers/transport-pair.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { AlgorithmNegotiationError, HostKeyError, DisconnectError, ConnectionClosedError } from '../../src/transport/errors.ts';
import { Writer } from '../../src/wire/writer.ts';

/** Collects upper-layer messages a transport receives. */
function collect(t: { onMessage: ((p: Uint8Array) => void) | undefined }): Uint8Array[] {
  const got: Uint8Array[] = [];
  t.onMessage = (p) => got.push(p.slice());
  return got;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('transport handshake over an in-memory pair', () => {
  test('first key exchange: both sides agree, strict kex and ext-info are on', async () => {
    const { client, server } = transportPair();
    await Promise.all([client.ready, server.ready]);
    expect(client.negotiated).toEqual(server.negotiated);
    expect(client.negotiated!.kex).toBe('mlkem768x25519-sha256');
    expect(client.negotiated!.cipherCtoS).toBe('chacha20-poly1305@openssh.com');
    expect(client.sessionId).toEqual(server.sessionId);
    expect(client.strictKex && server.strictKex).toBe(true);
    await until(() => client.peerExtensions.has('server-sig-algs'));
    expect(new TextDecoder().decode(client.peerExtensions.get('server-sig-algs'))).toContain('rsa-sha2-512');
    client.disconnect();
  });

  test('service request ssh-userauth is accepted; unknown services disconnect', async () => {
    const { client, server } = transportPair();
    const accepted: string[] = [];
    server.onServiceAccepted = (n) => accepted.push(n);
    await client.requestService('ssh-userauth');
    expect(accepted).toEqual(['ssh-userauth']);
    await expect(client.requestService('ssh-connection')).rejects.toBeInstanceOf(DisconnectError);
    expect(await server.closed).toBeInstanceOf(DisconnectError);
  });

  test('rekey started by the client, then by the server; traffic keeps flowing in order', async () => {
    const { client, server } = transportPair();
    const atServer = collect(server);
    const atClient = collect(client);
    await client.ready;
    const sid = client.sessionId;
    for (let i = 0; i < 50; i++) client.send(new Writer().byte(200).uint32(i).bytes());
    const r1 = client.rekey();
    for (let i = 50; i < 100; i++) client.send(new Writer().byte(200).uint32(i).bytes());
    await r1;
    await until(() => server.kexCount === 2);
    await server.rekey();
    for (let i = 0; i < 20; i++) server.send(new Writer().byte(201).uint32(i).bytes());
    await until(() => atServer.length === 100 && atClient.length === 20);
    expect(atServer.map((p) => new DataView(p.buffer, 1).getUint32(0))).toEqual([...Array(100).keys()]);
    expect(client.kexCount).toBe(3);
    expect(server.kexCount).toBe(3);
    expect(client.sessionId).toEqual(sid);
    client.disconnect();
  });

  test('no automatic rekey by bytes before authentication', async () => {
    const { client, server } = transportPair({ client: { rekeyBytes: 16 * 1024 }, server: { rekeyBytes: 16 * 1024 } });
    const atServer = collect(server);
    await client.ready;
    for (let i = 0; i < 8; i++) client.send(new Uint8Array(8 * 1024).fill(200));
    await until(() => atServer.length === 8);
    expect(client.kexCount).toBe(1);
    expect(server.kexCount).toBe(1);
    client.disconnect();
  });

  test('automatic rekey by bytes in both directions', async () => {
    const { client, server } = transportPair({ client: { rekeyBytes: 64 * 1024 }, server: { rekeyBytes: 64 * 1024 } });
    const atServer = collect(server);
    const atClient = collect(client);
    await client.ready;
    client.markAuthenticated();
    server.markAuthenticated();
    const big = new Uint8Array(8 * 1024);
    big[0] = 200;
    for (let i = 0; i < 40; i++) {
      client.send(big);
      server.send(big);
      await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => atServer.length === 40 && atClient.length === 40);
    expect(client.kexCount).toBeGreaterThanOrEqual(3);
    expect(server.kexCount).toBe(client.kexCount);
    client.disconnect();
  });

  test('automatic rekey by time', async () => {
    const { client, server } = transportPair({ client: { rekeySeconds: 0.2 } });
    await client.ready;
    // Not before authentication (as OpenSSH): no automatic rekey yet.
    await new Promise((r) => setTimeout(r, 400));
    expect(client.kexCount).toBe(1);
    client.markAuthenticated();
    await until(() => server.kexCount >= 2 && client.kexCount >= 2, 5000);
    client.disconnect();
  });

  test('the stream cut into 1..7-byte chunks still works', async () => {
    const { client, server } = transportPair({ memory: { maxChunk: 7 } });
    const got = collect(server);
    await client.ready;
    client.send(new Uint8Array(1000).fill(200));
    await client.rekey();
    client.send(new Uint8Array(3000).fill(201));
    await until(() => got.length === 2);
    expect(got[1]!.length).toBe(3000);
    client.disconnect();
  });

  test('an onDrain handler that throws fails the connection with its error (no uncaught exception)', async () => {
    // A small inbox makes the client's writes push back, so drain follows.
    const { client, server } = transportPair({ memory: { highWaterMark: 4096 } });
    await Promise.all([client.ready, server.ready]);
    const boom = new Error('handler failed');
    client.onDrain = () => {
      throw boom;
    };
    while (client.send(new Uint8Array(2000).fill(200)));
    const err = await client.closed;
    expect(err).toBe(boom);
    server.disconnect();
  });

  test('no common cipher: both sides fail with the category and both lists', async () => {
    const { client, server } = transportPair({ client: { ciphers: ['aes128-ctr'] }, server: { ciphers: ['aes256-gcm@openssh.com'] } });
    await expect(client.ready).rejects.toSatisfy((e: unknown) => {
      return e instanceof AlgorithmNegotiationError && e.category.startsWith('cipher') && e.ours.includes('aes128-ctr') && e.theirs.includes('aes256-gcm@openssh.com');
    });
    const err = await server.closed;
    expect(err).toBeInstanceOf(AlgorithmNegotiationError);
  });

  test('a host key the verifier refuses ends the connection with HostKeyError', async () => {
    const { client, server } = transportPair({ client: { verifyHostKey: () => false } });
    await expect(client.ready).rejects.toBeInstanceOf(HostKeyError);
    expect(await server.closed).toBeInstanceOf(DisconnectError);
  });

  test('a server with an RSA key negotiates rsa-sha2-512; the client can ask for rsa-sha2-256', async () => {
    const rsa = hostKey('ssh-rsa');
    const p1 = transportPair({ server: { hostKeys: [rsa] } });
    await p1.client.ready;
    expect(p1.client.negotiated!.hostKey).toBe('rsa-sha2-512');
    p1.client.disconnect();
    const p2 = transportPair({ server: { hostKeys: [rsa] }, client: { hostKeyAlgorithms: ['rsa-sha2-256'] } });
    await p2.client.ready;
    expect(p2.client.negotiated!.hostKey).toBe('rsa-sha2-256');
    p2.client.disconnect();
  });

  test('ping@openssh.com round trip', async () => {
    const { client } = transportPair();
    await client.ready;
    await until(() => client.peerSupportsPing);
    await client.ping();
    client.disconnect();
  });

  test('messages sent during a key exchange wait in a bounded queue', async () => {
    const { client, server } = transportPair({ client: { maxQueuedBytes: 10_000 } });
    collect(server);
    await client.ready;
    const r = client.rekey();
    expect(() => client.send(new Uint8Array(20_000).fill(200))).toThrow(/send queue/);
    await r;
    client.disconnect();
  });

  test('upper-layer message before the first key exchange is a protocol error', async () => {
    const { client, server } = transportPair();
    // Bypass the queue: write a cleartext packet with message 90 straight after our KEXINIT.
    client.sender.send(Uint8Array.of(MSG.CHANNEL_OPEN));
    expect(await server.closed).toBeDefined();
    await expect(client.ready).rejects.toBeDefined();
  });

  test('closing one side closes the other; pending operations reject', async () => {
    const { client, server } = transportPair();
    await client.ready;
    server.close();
    const err = await client.closed;
    expect(err === undefined || err instanceof ConnectionClosedError).toBe(true);
    expect(() => client.send(Uint8Array.of(200))).toThrow(ConnectionClosedError);
  });
});
