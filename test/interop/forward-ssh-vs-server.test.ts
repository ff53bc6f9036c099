/**
 * OpenSSH's `ssh` against hopssh's forwarding server (RFC 4254 §7, OpenSSH
 * PROTOCOL §2.2): `ssh -W host:port` (stdin/stdout relayed to an echo server
 * through hopssh, hashed), `ssh -N -L` (a TCP client through ssh's local port
 * reaches the target via hopssh's direct-tcpip), `ssh -N -R` (hopssh's server
 * listens and opens forwarded-tcpip channels to ssh), a policy refusal, and
 * no-more-sessions as ssh sends it with -N / -W.
 *
 * ssh logs in with publickey through serveUserAuth; the key's
 * authorized_keys restrictions (permitopen=, permitlisten=,
 * no-port-forwarding) are enforced by the forwarding server.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedKey, findSsh, freePort, requireOpenSSH } from '../helpers/openssh.ts';
import { startTransportServer } from '../helpers/transport-server.ts';
import { registerPid, unregisterPid } from '../helpers/cleanup.ts';
import { hashedEcho, readAll, readN, roundTrip, startEchoServer, tcpConnect, type TestServer } from '../helpers/echo-server.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { nodeNetwork } from '../../src/io/node-network.ts';
import { Connection } from '../../src/channel/connection.ts';
import { serveForwarding, type ForwardingServer, type ForwardingServerOptions } from '../../src/channel/forward-server.ts';
import { serveUserAuth } from '../../src/auth/userauth-server.ts';
import { toBase64 } from '../../src/wire/base64.ts';

const describeOpenSSH = requireOpenSSH();
const KEY = hostKey('ssh-ed25519');

interface HopServer {
  port: number;
  /** Forwarding state of each connection, in order. */
  served: ForwardingServer[];
  /** direct-tcpip requests the policy saw. */
  requests: { host: string; port: number; originatorHost: string; originatorPort: number }[];
  close(): Promise<void>;
}

/** authorized_keys text per user (the same key for all): set once the key exists. */
const AUTHORIZED: Record<string, string> = {};

/**
 * hopssh's server on 127.0.0.1: serveUserAuth with publickey from
 * AUTHORIZED, then forwarding served with `opts` and the key's restrictions.
 */
async function startHopServer(opts: Omit<ForwardingServerOptions, 'network'>, softwareVersion?: string): Promise<HopServer> {
  const served: ForwardingServer[] = [];
  const requests: HopServer['requests'] = [];
  const server = await startTransportServer({ hostKeys: [KEY], ...(softwareVersion ? { softwareVersion } : {}) }, (t, socket) => {
    // The connection layer first: serveUserAuth hands the messages after SUCCESS back to it.
    const c = new Connection(t);
    serveUserAuth(t, { authorizedKeys: (user) => AUTHORIZED[user], failureDelayMs: 0, clientAddress: socket.remoteAddress }).then(
      (user) =>
        served.push(
          serveForwarding(c, {
            network: nodeNetwork,
            ...opts,
            restrictions: user.restrictions,
            directTcpip: (r) => {
              requests.push(r);
              return opts.directTcpip ? opts.directTcpip(r) : { reject: 'no policy' };
            },
          }),
        ),
      () => undefined, // a refused login: ssh reports it
    );
  });
  return { port: server.port, served, requests, close: server.close };
}

let dir: string;
let knownHosts: string;
let keyPath: string;
const children = new Set<ChildProcess>();

/** ssh isolated from the machine's configuration, trusting exactly hopssh's host key. */
function spawnSsh(port: number, args: string[]): ChildProcess & { stderrText: () => string } {
  const argv = [
    '-F', '/dev/null',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-i', keyPath,
    '-o', 'IdentityAgent=none',
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    '-o', 'ExitOnForwardFailure=yes',
    '-p', String(port),
    '-v',
    ...args,
  ];
  const child = spawn(findSsh(), argv, { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcess & { stderrText: () => string };
  registerPid(child.pid!);
  children.add(child);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stderrText = () => err;
  child.on('exit', () => {
    unregisterPid(child.pid!);
    children.delete(child);
  });
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

async function until<T>(f: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
async function listening(port: number, child: ReturnType<typeof spawnSsh>): Promise<void> {
  const end = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (child.exitCode !== null || Date.now() > end) throw new Error(`ssh is not listening on ${port}:\n${child.stderrText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeOpenSSH('OpenSSH ssh against hopssh forwarding server', () => {
  let echo: TestServer;
  let hop: HopServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hop-fwd-ssh-'));
    echo = await startEchoServer();
    const key = await cachedKey('ed25519', join(dir, 'id_ed25519'));
    keyPath = key.path;
    AUTHORIZED['tester'] = `${key.publicKeyLine}\n`;
    AUTHORIZED['limited'] = `permitopen="127.0.0.1:${echo.port}",permitlisten="localhost:*" ${key.publicKeyLine}\n`;
    AUTHORIZED['noforward'] = `no-port-forwarding ${key.publicKeyLine}\n`;
    hop = await startHopServer({
      directTcpip: (r) => (r.port === echo.port ? 'allow' : { reject: 'only the echo server' }),
      tcpipForward: () => 'allow',
      streamlocalForward: () => 'allow',
    });
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${hop.port} ${KEY.type} ${toBase64(KEY.publicBlob)}\n`);
  });
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await hop?.close();
    await echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ssh -W: stdin and stdout relayed to an echo server through hopssh (16 MB hashed)', async () => {
    const ssh = spawnSsh(hop.port, ['-W', `127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    const hin = createHash('sha256');
    let got = 0;
    ssh.stdout!.on('data', (b: Buffer) => {
      got += b.length;
      hin.update(b);
    });
    const total = 16 << 20;
    const data = new Uint8Array(total);
    let seed = 7;
    for (let i = 0; i < total; i++) data[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    ssh.stdin!.end(data);
    const code = await exited(ssh);
    expect(code, ssh.stderrText()).toBe(0);
    expect(got).toBe(total);
    expect(hin.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const r = hop.requests.at(-1)!;
    expect(r.host).toBe('127.0.0.1');
    expect(r.port).toBe(echo.port);
  }, 60_000);

  test('ssh -W to a target the policy refuses: ssh reports the refusal', async () => {
    const ssh = spawnSsh(hop.port, ['-W', '127.0.0.1:1', 'tester@127.0.0.1']);
    ssh.stdin!.end();
    const code = await exited(ssh);
    expect(code).not.toBe(0);
    expect(ssh.stderrText()).toMatch(/administratively prohibited: only the echo server/);
  });

  test('ssh -N -L: a TCP client through ssh\'s local port reaches the target via hopssh', async () => {
    const before = hop.served.length;
    const port = await freePort();
    const ssh = spawnSsh(hop.port, ['-N', '-L', `127.0.0.1:${port}:127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    await listening(port, ssh);
    const r = await hashedEcho({ port }, 20 << 20);
    expect(r.bytes).toBe(20 << 20);
    expect(r.received).toBe(r.sent);
    const [a, b] = await Promise.all([roundTrip({ port }, 'first'), roundTrip({ port }, 'second')]);
    expect([a.toString(), b.toString()]).toEqual(['first', 'second']);
    expect(hop.served[before]!.sessionsRefused).toBe(false);
    ssh.kill('SIGTERM');
    await exited(ssh);
  }, 60_000);

  test('ssh -N -R: hopssh listens (port 0, assigned), opens forwarded-tcpip to ssh, which reaches the target', async () => {
    const before = hop.served.length;
    const ssh = spawnSsh(hop.port, ['-N', '-R', `0:127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    const port = await until(() => {
      const m = /Allocated port (\d+) for remote forward/.exec(ssh.stderrText());
      if (ssh.exitCode !== null) throw new Error(ssh.stderrText());
      return m ? Number(m[1]) : undefined;
    }, 'the allocated port');
    expect(hop.served[before]!.listeners).toBe(1);
    const r = await hashedEcho({ port }, 20 << 20);
    expect(r.received).toBe(r.sent);
    expect((await roundTrip({ port }, 'again')).toString()).toBe('again');
    ssh.kill('SIGTERM');
    await exited(ssh);
    await until(() => (hop.served[before]!.listeners === 0 ? true : undefined), 'the listener to close with the connection');
  }, 60_000);

  test('ssh -W sends no-more-sessions@openssh.com to a server whose banner says OpenSSH: hopssh then refuses sessions', async () => {
    // ssh sends it only to peers its compat table knows as OpenSSH (SSH_NEW_OPENSSH).
    const compat = await startHopServer({ directTcpip: () => 'allow' }, 'OpenSSH_9.9 hopssh');
    appendFileSync(knownHosts, `[127.0.0.1]:${compat.port} ${KEY.type} ${toBase64(KEY.publicBlob)}\n`);
    const ssh = spawnSsh(compat.port, ['-W', `127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    ssh.stdin!.end('x');
    expect(await exited(ssh), ssh.stderrText()).toBe(0);
    expect(ssh.stderrText()).toMatch(/Requesting no-more-sessions@openssh.com/);
    expect(compat.served[0]!.sessionsRefused).toBe(true);
    await compat.close();
  });

  test('ssh -N -D: a SOCKS5 client through ssh reaches the echo server via hopssh\'s direct-tcpip', async () => {
    const port = await freePort();
    const ssh = spawnSsh(hop.port, ['-N', '-D', `127.0.0.1:${port}`, 'tester@127.0.0.1']);
    await listening(port, ssh);
    const s = await tcpConnect(port);
    s.write(Buffer.from([5, 1, 0]));
    expect([...(await readN(s, 2))]).toEqual([5, 0]);
    s.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, echo.port >> 8, echo.port & 0xff]));
    expect((await readN(s, 10))[1]).toBe(0);
    s.end('socks via ssh');
    expect((await readAll(s)).toString()).toBe('socks via ssh');
    expect(hop.requests.at(-1)).toMatchObject({ host: '127.0.0.1', port: echo.port });
  });

  test('ssh -N -R of a unix socket path: hopssh listens there (streamlocal-forward) and relays through ssh', async () => {
    const path = join(dir, 'ssh-remote.sock');
    const ssh = spawnSsh(hop.port, ['-N', '-R', `${path}:127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    await until(() => {
      if (ssh.exitCode !== null) throw new Error(ssh.stderrText());
      return existsSync(path) ? true : undefined;
    }, 'the socket');
    expect((await roundTrip({ path }, 'through a unix socket and ssh')).toString()).toBe('through a unix socket and ssh');
  });

  test('authorized_keys restrictions: permitopen= limits -W targets, no-port-forwarding refuses every forward', async () => {
    const wrongPort = spawnSsh(hop.port, ['-W', `127.0.0.1:${hop.port}`, 'limited@127.0.0.1']);
    wrongPort.stdin!.end();
    expect(await exited(wrongPort)).not.toBe(0);
    expect(wrongPort.stderrText()).toMatch(/administratively prohibited: permitopen does not allow 127\.0\.0\.1:/);
    const allowed = spawnSsh(hop.port, ['-W', `127.0.0.1:${echo.port}`, 'limited@127.0.0.1']);
    const out: Buffer[] = [];
    allowed.stdout!.on('data', (b: Buffer) => out.push(b));
    allowed.stdin!.end('permitted');
    expect(await exited(allowed), allowed.stderrText()).toBe(0);
    expect(Buffer.concat(out).toString()).toBe('permitted');
    const none = spawnSsh(hop.port, ['-W', `127.0.0.1:${echo.port}`, 'noforward@127.0.0.1']);
    none.stdin!.end();
    expect(await exited(none)).not.toBe(0);
    expect(none.stderrText()).toMatch(/no-port-forwarding/);
    const listen = spawnSsh(hop.port, ['-N', '-R', `0:127.0.0.1:${echo.port}`, 'noforward@127.0.0.1']);
    expect(await exited(listen)).not.toBe(0);
    expect(listen.stderrText()).toMatch(/remote port forwarding failed/);
  });

  test('ssh -N -R with a fixed port the policy refuses: ExitOnForwardFailure makes ssh exit', async () => {
    const refusing = await startHopServer({ tcpipForward: () => ({ reject: 'no' }) });
    appendFileSync(knownHosts, `[127.0.0.1]:${refusing.port} ${KEY.type} ${toBase64(KEY.publicBlob)}\n`);
    const ssh = spawnSsh(refusing.port, ['-N', '-R', `${await freePort()}:127.0.0.1:${echo.port}`, 'tester@127.0.0.1']);
    const code = await exited(ssh);
    expect(code).not.toBe(0);
    expect(ssh.stderrText()).toMatch(/remote port forwarding failed/);
    await refusing.close();
  });
});
