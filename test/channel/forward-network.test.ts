/**
 * nodeNetwork, the node:net Network that forwarding listens and connects
 * through: typed connect errors, "localhost" on both loopback families,
 * half-close kept, streams not read before start(), listeners that stop
 * accepting without cutting accepted connections, unix sockets removed on close.
 */
import { afterEach, expect, test } from 'vitest';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeNetwork } from '../../src/io/node-network.ts';
import { ConnectError, type Listener } from '../../src/io/network.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import { readAll, tcpConnect } from '../helpers/echo-server.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Echo each accepted stream through the ByteStream API (EOF echoed after the data). */
function echoStream(s: ByteStream): void {
  s.start({ data: (d) => void s.write(d.slice()), drain: () => undefined, end: () => s.end(), close: () => undefined });
}

async function listen(host: string, onStream = echoStream): Promise<Listener> {
  const l = await nodeNetwork.listenTcp(host, 0, (s) => onStream(s));
  cleanups.push(() => l.close());
  return l;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect({ host, port }, () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
}

test('connect errors are ConnectError with the system code', async () => {
  const l = await listen('127.0.0.1');
  await l.close();
  const e = await nodeNetwork.connectTcp('127.0.0.1', l.port).catch((x) => x);
  expect(e).toBeInstanceOf(ConnectError);
  expect(e.code).toBe('ECONNREFUSED');
  expect(e.target).toBe(`127.0.0.1:${l.port}`);
  const u = await nodeNetwork.connectUnix('/nonexistent/hopssh.sock').catch((x) => x);
  expect(u).toBeInstanceOf(ConnectError);
  expect(u.code).toBe('ENOENT');
});

test('"localhost" listens on 127.0.0.1 and (where present) ::1 on one port; "" on every address', async () => {
  const l = await listen('localhost');
  expect(await canConnect('127.0.0.1', l.port)).toBe(true);
  const v6 = await new Promise<boolean>((r) => {
    const s = connect({ host: '::1', port: l.port }, () => (s.destroy(), r(true)));
    s.once('error', (e: NodeJS.ErrnoException) => r(e.code === 'EADDRNOTAVAIL' || e.code === 'ENETUNREACH' ? true : false));
  });
  expect(v6).toBe(true);
  const any = await listen('');
  expect(await canConnect('127.0.0.1', any.port)).toBe(true);
});

test('half-close is kept: our EOF does not end the peer, theirs does not end us; remote address reported', async () => {
  let remote: { host: string; port: number } | undefined;
  const l = await nodeNetwork.listenTcp('127.0.0.1', 0, (s, r) => {
    remote = r;
    echoStream(s);
  });
  cleanups.push(() => l.close());
  const s = await tcpConnect(l.port);
  const localPort = s.localPort;
  s.end('after my EOF, still answered');
  expect((await readAll(s)).toString()).toBe('after my EOF, still answered');
  expect(remote!.host).toBe('127.0.0.1');
  expect(remote!.port).toBe(localPort);
});

test('nothing is read before start(); close() stops accepting but accepted connections go on', async () => {
  let accepted: ByteStream | undefined;
  const l = await listen('127.0.0.1', (s) => (accepted = s));
  const s = await tcpConnect(l.port);
  s.write('early');
  await new Promise((r) => setTimeout(r, 50));
  await l.close();
  expect(await canConnect('127.0.0.1', l.port)).toBe(false);
  const got: string[] = [];
  await new Promise<void>((resolve) => {
    accepted!.start({ data: (d) => void got.push(Buffer.from(d).toString()), drain: () => undefined, end: () => resolve(), close: () => undefined });
    s.end();
  });
  expect(got.join('')).toBe('early');
});

test('a unix listener removes its socket file on close', async () => {
  const d = mkdtempSync(join(tmpdir(), 'hop-net-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  const path = join(d, 'l.sock');
  const l = await nodeNetwork.listenUnix(path, echoStream);
  expect(l.port).toBe(0);
  const s = await nodeNetwork.connectUnix(path);
  const got = new Promise<string>((resolve) => s.start({ data: (v) => resolve(Buffer.from(v).toString()), drain: () => undefined, end: () => undefined, close: () => undefined }));
  s.write(new TextEncoder().encode('unix'));
  expect(await got).toBe('unix');
  s.close();
  await l.close();
  expect(existsSync(path)).toBe(false);
  await expect(nodeNetwork.listenUnix(join(d, 'missing', 'x.sock'), echoStream)).rejects.toThrow();
});
