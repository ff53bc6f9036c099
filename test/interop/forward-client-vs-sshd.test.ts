/**
 * hopssh's forwarding client against OpenSSH's sshd (RFC 4254 §7, OpenSSH
 * PROTOCOL §2.2-2.4): direct-tcpip to a local echo server (100 MB, hashed
 * both ways), direct-streamlocal to a unix echo server, remote forwarding
 * (sshd listens, a TCP client connects to sshd's port, the bytes reach
 * hopssh's target) for TCP and unix sockets, the -L and -D helpers end to end
 * (an HTTP GET through the local port; SOCKS5 and SOCKS4a clients written
 * here), keepalive@openssh.com, no-more-sessions, and an agent channel.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireOpenSSH, startSshd, type SshdServer } from '../helpers/openssh.ts';
import { loginToSshd } from '../helpers/sshd-login.ts';
import { hashedEcho, readAll, readN, roundTrip, startEchoServer, tcpConnect, type TestServer, writeAllToChannel } from '../helpers/echo-server.ts';
import type { Channel } from '../../src/channel/channel.ts';
import type { Connection } from '../../src/channel/connection.ts';
import { nodeNetwork } from '../../src/io/node-network.ts';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { ChannelClosedError, ChannelOpenError } from '../../src/channel/errors.ts';
import { acceptAgentForwarding, directStreamlocal, directTcpip, forwardDynamic, forwardLocal, forwardRemote, keepalive, noMoreSessions } from '../../src/channel/forward-client.ts';
import { Writer } from '../../src/wire/writer.ts';

const describeOpenSSH = requireOpenSSH();

/** Send `total` pseudo-random bytes into a channel (with backpressure) and hash what comes back until EOF. */
function channelEchoHash(ch: Channel, total: number): Promise<{ sent: string; received: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hin = createHash('sha256');
    let bytes = 0;
    ch.onData = (d) => {
      bytes += d.length;
      hin.update(d);
    };
    const sent = writeAllToChannel(ch, total);
    ch.onEnd = () => void sent.then((h) => resolve({ sent: h, received: hin.digest('hex'), bytes }));
    ch.onClose = (e) => e && reject(e);
  });
}

describeOpenSSH('hopssh forwarding client against sshd', () => {
  let sshd: SshdServer;
  let echo: TestServer;
  let unixEcho: TestServer;
  let http: HttpServer;
  let httpPort: number;
  let dir: string;
  let connection: Connection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hop-fwd-sshd-'));
    sshd = await startSshd({ hostKeys: ['ed25519'], config: ['LogLevel VERBOSE', 'AllowTcpForwarding yes', 'AllowStreamLocalForwarding yes', 'AllowAgentForwarding yes'] });
    echo = await startEchoServer();
    unixEcho = await startEchoServer({ path: join(dir, 'echo.sock') });
    http = createHttpServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
    connection = (await loginToSshd(sshd)).connection;
  });
  afterAll(async () => {
    connection?.close();
    await echo?.close();
    await unixEcho?.close();
    http?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('direct-tcpip to an echo server: 100 MB each way, SHA-256 equal', async () => {
    const ch = await directTcpip(connection, { host: '127.0.0.1', port: echo.port });
    const t0 = performance.now();
    const r = await channelEchoHash(ch, 100 << 20);
    const s = (performance.now() - t0) / 1000;
    console.log(`direct-tcpip echo through sshd: 100 MiB each way in ${s.toFixed(2)} s (${(100 / s).toFixed(0)} MiB/s each way), cipher ${connection.transport.cipherDescription.send}`);
    expect(r.bytes).toBe(100 << 20);
    expect(r.received).toBe(r.sent);
    ch.close();
    await sshd.waitForLog(/direct-tcpip|Connection from|Accepted/);
  }, 240_000);

  test('direct-streamlocal to a unix echo server', async () => {
    const ch = await directStreamlocal(connection, unixEcho.path!);
    const r = await channelEchoHash(ch, 4 << 20);
    expect(r.received).toBe(r.sent);
    ch.close();
  });

  test('direct-tcpip to a closed port: ChannelOpenError (connect failed)', async () => {
    const err = await directTcpip(connection, { host: '127.0.0.1', port: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err.reasonCode).toBe(2);
  });

  test('remote forwarding: sshd listens on an assigned port, connections reach our echo server; cancel', async () => {
    const f = await forwardRemote(connection, nodeNetwork, { bind: { host: 'localhost', port: 0 }, to: { host: '127.0.0.1', port: echo.port } });
    expect(f.port).toBeGreaterThan(0);
    const r = await hashedEcho({ port: f.port }, 20 << 20);
    expect(r.bytes).toBe(20 << 20);
    expect(r.received).toBe(r.sent);
    // Two at once.
    const [a, b] = await Promise.all([roundTrip({ port: f.port }, 'one'), roundTrip({ port: f.port }, 'two')]);
    expect([a.toString(), b.toString()]).toEqual(['one', 'two']);
    await f.close();
    await expect(tcpConnect(f.port)).rejects.toThrow(/ECONNREFUSED/);
  }, 120_000);

  test('remote forwarding of a unix socket (streamlocal-forward@openssh.com)', async () => {
    const path = join(dir, 'remote.sock');
    const f = await forwardRemote(connection, nodeNetwork, { bind: { path }, to: { host: '127.0.0.1', port: echo.port } });
    expect((await roundTrip({ path }, 'over a forwarded socket')).toString()).toBe('over a forwarded socket');
    await f.close();
  });

  test('-L helper: an HTTP GET through the local port', async () => {
    const f = await forwardLocal(connection, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 }, to: { host: '127.0.0.1', port: httpPort } });
    const s = await tcpConnect(f.port);
    s.end(`GET /through-L HTTP/1.0\r\nHost: localhost\r\n\r\n`);
    const reply = (await readAll(s)).toString();
    expect(reply).toMatch(/^HTTP\/1\.[01] 200/);
    expect(reply.endsWith('hello /through-L')).toBe(true);
    const r = await hashedEcho({ port: (await forwardLocal(connection, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 }, to: { host: '127.0.0.1', port: echo.port } })).port }, 20 << 20);
    expect(r.received).toBe(r.sent);
    await f.close();
  }, 60_000);

  test('-D helper: SOCKS5 (host name) and SOCKS4a clients fetch over HTTP; SOCKS5 to a closed port is refused', async () => {
    const f = await forwardDynamic(connection, nodeNetwork, { listen: { host: '127.0.0.1', port: 0 } });
    const port = Buffer.alloc(2);
    port.writeUInt16BE(httpPort);
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.from([5, 1, 0]));
      expect([...(await readN(s, 2))]).toEqual([5, 0]);
      s.write(Buffer.concat([Buffer.from([5, 1, 0, 3, 9]), Buffer.from('localhost'), port]));
      expect((await readN(s, 10))[1]).toBe(0);
      s.end('GET /socks5 HTTP/1.0\r\n\r\n');
      expect((await readAll(s)).toString()).toMatch(/200 OK[\s\S]*hello \/socks5$/);
    }
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.concat([Buffer.from([4, 1]), port, Buffer.from([0, 0, 0, 1]), Buffer.from('me\0localhost\0')]));
      expect((await readN(s, 8))[1]).toBe(90);
      s.end('GET /socks4a HTTP/1.0\r\n\r\n');
      expect((await readAll(s)).toString()).toMatch(/hello \/socks4a$/);
    }
    {
      const s = await tcpConnect(f.port);
      s.write(Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 1]));
      const reply = await readN(s, 12);
      expect(reply[3]).not.toBe(0);
      s.destroy();
    }
    await f.close();
  });

  test('keepalive@openssh.com: sshd answers (FAILURE), which counts as alive', async () => {
    await keepalive(connection);
    await keepalive(connection);
  });

  test('agent forwarding: sshd opens auth-agent@openssh.com once requested; ssh-add talks to our agent', async () => {
    const { connection: c } = await loginToSshd(sshd);
    acceptAgentForwarding(c, async () => {
      // An agent with no keys: SSH_AGENT_IDENTITIES_ANSWER (12) with count 0 to every request.
      const [a, b] = createMemoryPair();
      b.start({ data: () => void b.write(Uint8Array.of(0, 0, 0, 5, 12, 0, 0, 0, 0)), drain: () => undefined, end: () => b.end(), close: () => undefined });
      return a;
    });
    const session = await c.openChannel('session');
    await session.request('auth-agent-req@openssh.com', new Uint8Array(0));
    c.agentForwarding = true;
    let out = '';
    session.onData = (d) => (out += new TextDecoder().decode(d));
    session.onExtendedData = (_t, d) => (out += new TextDecoder().decode(d));
    const closed = new Promise<void>((r) => (session.onClose = () => r()));
    await session.request('exec', new Writer().string('ssh-add -l').bytes());
    session.end();
    await closed;
    expect(out).toMatch(/no identities/);
    c.close();
  });

  test('no-more-sessions: sshd then refuses a session (by disconnecting, as OpenSSH does)', async () => {
    const { connection: c } = await loginToSshd(sshd);
    (await c.openChannel('session')).close();
    noMoreSessions(c);
    const err = await c.openChannel('session').catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    await sshd.waitForLog(/attempt to open a session after additional sessions disabled/);
  });
});
