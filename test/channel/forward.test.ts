/**
 * Forwarding between a hopssh client and a hopssh server (in-memory
 * transports), with real loopback sockets at both ends through nodeNetwork:
 * direct-tcpip / direct-streamlocal with policies, -L, -R (TCP and unix),
 * -D (SOCKS5, SOCKS4, SOCKS4a), refusals, cancels, no-more-sessions,
 * keepalive, agent-forwarding gating, and the Connection's per-type handlers.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transportPair } from '../helpers/transport-pair.ts';
import { hashedEcho, readN, roundTrip, startEchoServer, tcpConnect, type TestServer } from '../helpers/echo-server.ts';
import { Connection, type IncomingChannelOpen } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { ChannelClosedError, ChannelOpenError, OPEN_FAILURE, RequestFailedError } from '../../src/channel/errors.ts';
import { nodeNetwork } from '../../src/io/node-network.ts';
import {
  acceptAgentForwarding,
  directStreamlocal,
  directTcpip,
  forwardDynamic,
  forwardLocal,
  forwardRemote,
  keepalive,
  noMoreSessions,
} from '../../src/channel/forward-client.ts';
import { restrictionRefusal, serveForwarding, type ForwardingServerOptions } from '../../src/channel/forward-server.ts';
import { UNRESTRICTED } from '../../src/auth/key-restrictions.ts';
import { encodeTcpipOpen, FORWARDING } from '../../src/channel/forwarding-messages.ts';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { pipe } from '../../src/channel/pipe.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connectionPair(serverOpts: Partial<ForwardingServerOptions> = {}) {
  const { client, server } = transportPair();
  await Promise.all([client.ready, server.ready]);
  const cc = new Connection(client);
  const sc = new Connection(server);
  const fwd = serveForwarding(sc, { network: nodeNetwork, ...serverOpts });
  cleanups.push(() => cc.close());
  return { client: cc, server: sc, fwd };
}

const allow = () => 'allow' as const;

async function echo(where: { path?: string } = {}): Promise<TestServer> {
  const e = await startEchoServer(where);
  cleanups.push(() => e.close());
  return e;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hop-fwd-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Everything a channel delivers until EOF. */
function collect(c: Channel): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    c.onData = (d) => parts.push(Buffer.from(d));
    c.onEnd = () => resolve(Buffer.concat(parts));
  });
}

describe('direct-tcpip and direct-streamlocal (server policy, network, pipe)', () => {
  test('direct-tcpip reaches a TCP echo server; half-close both ways; the policy sees the request', async () => {
    const e = await echo();
    const seen: unknown[] = [];
    const { client } = await connectionPair({ directTcpip: (r) => (seen.push(r), 'allow') });
    const ch = await directTcpip(client, { host: '127.0.0.1', port: e.port, originatorHost: '10.1.2.3', originatorPort: 5555 });
    const got = collect(ch);
    ch.write(new TextEncoder().encode('hello through direct-tcpip'));
    ch.end();
    expect((await got).toString()).toBe('hello through direct-tcpip');
    expect(seen).toEqual([{ host: '127.0.0.1', port: e.port, originatorHost: '10.1.2.3', originatorPort: 5555 }]);
  });

  test('refusals: no policy, a policy that rejects, a port nobody listens on', async () => {
    const e = await echo();
    const { client } = await connectionPair({ directTcpip: (r) => (r.port === e.port ? 'allow' : { reject: 'not that port' }) });
    const bad = await directTcpip(client, { host: '127.0.0.1', port: 1 }).catch((x) => x);
    expect(bad).toBeInstanceOf(ChannelOpenError);
    expect(bad.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
    expect(bad.description).toBe('not that port');
    await e.close();
    const refused = await directTcpip(client, { host: '127.0.0.1', port: e.port }).catch((x) => x);
    expect(refused.reasonCode).toBe(OPEN_FAILURE.CONNECT_FAILED);
    expect(refused.description).toMatch(/ECONNREFUSED/);
    const none = await connectionPair();
    const err = await directStreamlocal(none.client, '/nonexistent').catch((x) => x);
    expect(err.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
  });

  test('direct-streamlocal reaches a unix echo server', async () => {
    const path = join(tempDir(), 'echo.sock');
    await echo({ path });
    const { client } = await connectionPair({ directStreamlocal: (r) => (r.path === path ? 'allow' : { reject: 'no' }) });
    const ch = await directStreamlocal(client, path);
    const got = collect(ch);
    ch.write(Uint8Array.of(1, 2, 3));
    ch.end();
    expect([...(await got)]).toEqual([1, 2, 3]);
  });
});

describe('local, remote and dynamic forwarding', () => {
  test('-L: a TCP client through the local port reaches the target; 8 MB intact; close stops listening', async () => {
    const e = await echo();
    const { client } = await connectionPair({ directTcpip: allow });
    const f = await forwardLocal(client, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 }, to: { host: '127.0.0.1', port: e.port } });
    expect(f.port).toBeGreaterThan(0);
    const r = await hashedEcho({ port: f.port }, 8 << 20);
    expect(r.bytes).toBe(8 << 20);
    expect(r.received).toBe(r.sent);
    await f.close();
    await expect(tcpConnect(f.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  test('-L to a unix socket path, and from a unix socket path', async () => {
    const d = tempDir();
    const target = join(d, 'target.sock');
    await echo({ path: target });
    const { client } = await connectionPair({ directStreamlocal: allow, directTcpip: allow });
    const f = await forwardLocal(client, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 }, to: { path: target } });
    expect((await roundTrip({ port: f.port }, 'to a socket')).toString()).toBe('to a socket');
    const e = await echo();
    const listenPath = join(d, 'listen.sock');
    const g = await forwardLocal(client, nodeNetwork, { listen: { path: listenPath }, to: { host: '127.0.0.1', port: e.port } });
    expect((await roundTrip({ path: listenPath }, 'from a socket')).toString()).toBe('from a socket');
    await g.close();
    expect(existsSync(listenPath)).toBe(false);
  });

  test('-L: a refused open closes the accepted socket and reports the error', async () => {
    const { client } = await connectionPair();
    const errors: Error[] = [];
    const f = await forwardLocal(client, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 }, to: { host: '127.0.0.1', port: 9 }, onError: (x) => errors.push(x) });
    expect((await roundTrip({ port: f.port }, 'x')).length).toBe(0);
    expect(errors[0]).toBeInstanceOf(ChannelOpenError);
  });

  test('-R: the server listens (port 0: assigned), connections arrive at our target; cancel closes the listener', async () => {
    const e = await echo();
    const asked: unknown[] = [];
    const { client, fwd } = await connectionPair({ tcpipForward: (r) => (asked.push(r), 'allow') });
    const f = await forwardRemote(client, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: e.port } });
    expect(f.port).toBeGreaterThan(0);
    expect(asked).toEqual([{ host: 'localhost', port: 0 }]);
    expect(fwd.listeners).toBe(1);
    const r = await hashedEcho({ port: f.port }, 4 << 20);
    expect(r.received).toBe(r.sent);
    await f.close();
    expect(fwd.listeners).toBe(0);
    await expect(tcpConnect(f.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  test('-R refused by the server policy rejects with RequestFailedError; unknown cancel fails', async () => {
    const { client } = await connectionPair({ tcpipForward: () => ({ reject: 'no' }) });
    await expect(forwardRemote(client, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: 1 } })).rejects.toBeInstanceOf(RequestFailedError);
    await expect(client.globalRequest(FORWARDING.CANCEL_TCPIP_FORWARD, new Uint8Array(8))).rejects.toBeInstanceOf(RequestFailedError);
  });

  test('-R of a unix socket path (streamlocal-forward)', async () => {
    const d = tempDir();
    const e = await echo();
    const { client, fwd } = await connectionPair({ streamlocalForward: allow });
    const path = join(d, 'remote.sock');
    const f = await forwardRemote(client, nodeNetwork, { bind: { path }, to: { host: '127.0.0.1', port: e.port } });
    expect((await roundTrip({ path }, 'via streamlocal-forward')).toString()).toBe('via streamlocal-forward');
    await f.close();
    expect(fwd.listeners).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  test('forwarded-tcpip opens for a forward we never asked for are refused', async () => {
    const { client, server } = await connectionPair({ tcpipForward: allow });
    const e = await echo();
    await forwardRemote(client, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: e.port } });
    const err = await server
      .openChannel(FORWARDING.FORWARDED_TCPIP, { data: encodeTcpipOpen({ host: 'localhost', port: 1, originatorHost: '1.2.3.4', originatorPort: 9 }) })
      .catch((x) => x);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
    const bad = await server.openChannel(FORWARDING.FORWARDED_TCPIP, { data: Uint8Array.of(1, 2) }).catch((x) => x);
    expect(bad).toBeInstanceOf(ChannelOpenError);
  });

  test('-D: SOCKS5 (domain name, IPv4), SOCKS4 and SOCKS4a CONNECT through direct-tcpip', async () => {
    const e = await echo();
    const { client } = await connectionPair({ directTcpip: (r) => (r.host === 'localhost' || r.host === '127.0.0.1' ? 'allow' : { reject: 'no' }) });
    const f = await forwardDynamic(client, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 } });
    const port = Buffer.alloc(2);
    port.writeUInt16BE(e.port);
    // SOCKS5 with a domain name, greeting and request pipelined with data.
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.concat([Buffer.from([5, 2, 2, 0]), Buffer.from([5, 1, 0, 3, 9]), Buffer.from('localhost'), port, Buffer.from('early')]));
      expect([...(await readN(s, 2))]).toEqual([5, 0]);
      expect([...(await readN(s, 10))]).toEqual([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
      expect((await readN(s, 5)).toString()).toBe('early');
      s.end('late');
      expect((await readN(s, 100)).toString()).toBe('late');
      s.destroy();
    }
    // SOCKS5 with an IPv4 address, one step at a time.
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.from([5, 1, 0]));
      expect([...(await readN(s, 2))]).toEqual([5, 0]);
      s.write(Buffer.concat([Buffer.from([5, 1, 0, 1, 127, 0, 0, 1]), port]));
      expect((await readN(s, 10))[1]).toBe(0);
      s.end('v4');
      expect((await readN(s, 100)).toString()).toBe('v4');
      s.destroy();
    }
    // SOCKS4 and SOCKS4a.
    for (const req of [
      Buffer.concat([Buffer.from([4, 1]), port, Buffer.from([127, 0, 0, 1]), Buffer.from('user\0')]),
      Buffer.concat([Buffer.from([4, 1]), port, Buffer.from([0, 0, 0, 7]), Buffer.from('user\0localhost\0')]),
    ]) {
      const s = await tcpConnect(f.port);
      s.write(req);
      expect([...(await readN(s, 8))]).toEqual([0, 90, 0, 0, 0, 0, 0, 0]);
      s.end('socks4');
      expect((await readN(s, 100)).toString()).toBe('socks4');
      s.destroy();
    }
    // Refused target: SOCKS5 "not allowed", SOCKS4 "rejected"; unsupported command.
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 3, 7]), Buffer.from('example'), port]));
      expect([...(await readN(s, 12))]).toEqual([5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
      const t = await tcpConnect(f.port);
      t.write(Buffer.concat([Buffer.from([4, 1]), port, Buffer.from([0, 0, 0, 1]), Buffer.from('\0example\0')]));
      expect((await readN(t, 8))[1]).toBe(91);
      const u = await tcpConnect(f.port);
      u.write(Buffer.from([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]));
      expect([...(await readN(u, 12))]).toEqual([5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0]);
      for (const x of [s, t, u]) x.destroy();
    }
    await f.close();
  });
});

describe('keepalive, no-more-sessions, agent forwarding, handlers', () => {
  test('keepalive: a FAILURE reply counts as alive; rejects once the connection is gone', async () => {
    const { client, server } = await connectionPair();
    await keepalive(client);
    // Without serveForwarding the default handler also answers FAILURE.
    await keepalive(server);
    server.close();
    await expect(keepalive(client)).rejects.toThrow();
  });

  test('no-more-sessions: later session opens are refused, other channels still open', async () => {
    const e = await echo();
    const { client, server, fwd } = await connectionPair({ directTcpip: allow });
    server.onChannelOpen = (o) => o.accept();
    (await client.openChannel('session')).close();
    noMoreSessions(client);
    await keepalive(client); // round trip: the request was handled
    expect(fwd.sessionsRefused).toBe(true);
    const err = await client.openChannel('session').catch((x) => x);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
    (await directTcpip(client, { host: '127.0.0.1', port: e.port })).close();
  });

  test('auth-agent@openssh.com opens are refused until agent forwarding was requested', async () => {
    const { client, server } = await connectionPair();
    acceptAgentForwarding(client, async () => {
      // An "agent" that answers every request with SSH_AGENT_FAILURE (5).
      const [a, b] = createMemoryPair();
      b.start({ data: () => void b.write(Uint8Array.of(0, 0, 0, 1, 5)), drain: () => undefined, end: () => b.end(), close: () => undefined });
      return a;
    });
    const refused = await server.openChannel(FORWARDING.AUTH_AGENT).catch((x) => x);
    expect(refused.reasonCode).toBe(OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED);
    client.agentForwarding = true;
    const ch = await server.openChannel(FORWARDING.AUTH_AGENT);
    const got = new Promise<number[]>((resolve) => (ch.onData = (d) => resolve([...d])));
    ch.write(Uint8Array.of(0, 0, 0, 1, 11));
    expect(await got).toEqual([0, 0, 0, 1, 5]);
    ch.close();
  });

  test('close() removes the handlers; a connection closing closes the listeners', async () => {
    const { client, server, fwd } = await connectionPair({ directTcpip: allow, tcpipForward: allow });
    const e = await echo();
    const f = await forwardRemote(client, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: e.port } });
    expect(server.channelOpenHandlers.has(FORWARDING.DIRECT_TCPIP)).toBe(true);
    client.close();
    await server.closed;
    await new Promise((r) => setTimeout(r, 20));
    expect(fwd.listeners).toBe(0);
    expect(server.channelOpenHandlers.has(FORWARDING.DIRECT_TCPIP)).toBe(false);
    await expect(tcpConnect(f.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('Connection: handlers by type and name, decisions after the connection ended', () => {
  test('per-type open and per-name request handlers come before onChannelOpen / onGlobalRequest', async () => {
    const { client, server } = await connectionPair();
    server.onChannelOpen = (o) => o.reject(OPEN_FAILURE.CONNECT_FAILED, 'catch-all');
    server.channelOpenHandlers.set('mine@test', (o) => void o.accept());
    server.onGlobalRequest = () => false;
    server.globalRequestHandlers.set('mine@test', () => Uint8Array.of(7));
    (await client.openChannel('mine@test')).close();
    expect((await client.openChannel('other@test').catch((x) => x)).description).toBe('catch-all');
    expect([...(await client.globalRequest('mine@test'))]).toEqual([7]);
    await expect(client.globalRequest('other@test')).rejects.toBeInstanceOf(RequestFailedError);
  });

  test('accept() after the connection ended throws ChannelClosedError; reject() is then a no-op', async () => {
    const { client, server } = await connectionPair();
    const opens: IncomingChannelOpen[] = [];
    server.onChannelOpen = (o) => void opens.push(o);
    const pending = [client.openChannel('late@test'), client.openChannel('late@test')].map((p) => p.catch((x) => x));
    while (opens.length < 2) await new Promise((r) => setTimeout(r, 1));
    server.transport.close();
    await server.closed;
    expect(() => opens[0]!.accept()).toThrow(ChannelClosedError);
    expect(() => opens[1]!.reject(OPEN_FAILURE.CONNECT_FAILED, 'too late')).not.toThrow();
    for (const e of await Promise.all(pending)) expect(e).toBeInstanceOf(ChannelClosedError);
  });
});

describe('key restrictions (authorized_keys options, as sshd applies them)', () => {
  test('permitopen, permitlisten, no-port-forwarding', () => {
    expect(restrictionRefusal(undefined, 'open', 'a', 1)).toBeUndefined();
    expect(restrictionRefusal(UNRESTRICTED, 'open', 'a', 1)).toBeUndefined();
    const r = { ...UNRESTRICTED, permitOpen: ['db:5432', '*:80', '[::1]:*'], permitListen: ['localhost:8080', '*:9000'] };
    expect(restrictionRefusal(r, 'open', 'db', 5432)).toBeUndefined();
    expect(restrictionRefusal(r, 'open', 'any.host', 80)).toBeUndefined();
    expect(restrictionRefusal(r, 'open', '::1', 22)).toBeUndefined();
    expect(restrictionRefusal(r, 'open', 'db', 5433)).toMatch(/permitopen does not allow db:5433/);
    expect(restrictionRefusal(r, 'open', 'DB', 5432)).toMatch(/permitopen/);
    expect(restrictionRefusal(r, 'listen', 'localhost', 8080)).toBeUndefined();
    expect(restrictionRefusal(r, 'listen', '', 9000)).toBeUndefined();
    expect(restrictionRefusal(r, 'listen', 'localhost', 0)).toMatch(/permitlisten does not allow localhost:0/);
    expect(restrictionRefusal(r, 'streamlocal')).toBeUndefined();
    const none = { ...UNRESTRICTED, permitPortForwarding: false };
    for (const k of ['open', 'listen', 'streamlocal'] as const) expect(restrictionRefusal(none, k, 'h', 1)).toMatch(/no-port-forwarding/);
  });

  test('the server enforces them before the policy', async () => {
    const e = await echo();
    const { client } = await connectionPair({ directTcpip: allow, tcpipForward: allow, restrictions: { ...UNRESTRICTED, permitOpen: [`127.0.0.1:${e.port}`], permitListen: ['nowhere:1'] } });
    (await directTcpip(client, { host: '127.0.0.1', port: e.port })).close();
    const err = await directTcpip(client, { host: 'localhost', port: e.port }).catch((x) => x);
    expect(err.description).toMatch(/permitopen/);
    await expect(forwardRemote(client, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: e.port } })).rejects.toBeInstanceOf(RequestFailedError);
  });
});

describe('pipe', () => {
  test('backpressure both ways with a slow socket: held bytes stay within the window', async () => {
    const { client, server } = await connectionPair();
    let serverSide!: Channel;
    server.onChannelOpen = (o) => (serverSide = o.accept({ window: 256 * 1024, maxPacket: 32 * 1024 }));
    const ch = await client.openChannel('pipe-test@hopssh.invalid');
    // The server side's channel is piped to an in-memory stream whose reader is slow.
    const [a, b] = createMemoryPair({ highWaterMark: 64 * 1024 });
    const done = pipe(a, serverSide);
    let got = 0;
    let maxHeld = 0;
    b.start({
      data: (d) => {
        got += d.length;
        maxHeld = Math.max(maxHeld, serverSide.heldBytes);
        b.pause();
        setTimeout(() => b.resume(), 1);
      },
      drain: () => undefined,
      end: () => b.end(),
      close: () => undefined,
    });
    const total = 4 << 20;
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const write = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!ch.write(chunk)) return void (ch.onDrain = write);
        }
        ch.end();
        resolve();
      };
      write();
    });
    const end = new Promise<void>((r) => (ch.onEnd = () => r()));
    await end;
    expect(got).toBe(total);
    expect(maxHeld).toBeLessThanOrEqual(256 * 1024);
    ch.close();
    expect(await done).toBeUndefined();
  });
});
