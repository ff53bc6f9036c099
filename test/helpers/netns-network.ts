/**
 * hopssh's sockets inside a test network namespace (netns.ts). The test
 * process lives in the machine's own namespace, which reaches none of the
 * test hosts; a small relay started inside a host's namespace (`ip netns exec
 * <ns> node …`) bridges through a unix socket (paths are shared across
 * namespaces):
 *
 * - `netnsNetwork(net, host)`: a Network whose connectTcp connects from
 *   inside `host` (ENETUNREACH, ECONNREFUSED … come back as ConnectError);
 * - `exposeInNetns(net, host, port, path)`: `host` listens on `port` and hands
 *   each connection to the unix socket `path` (where a hopssh server in this
 *   process accepts it), so programs in the namespaces can reach it.
 *
 * Relays are registered with cleanup.ts and stopped by their close().
 */
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ConnectError, type Network } from '../../src/io/network.ts';
import { registerDir, registerPid, unregisterDir, unregisterPid } from './cleanup.ts';
import type { TestNetwork } from './netns.ts';

/**
 * The relay. "out <sock>": each connection to <sock> sends "host port\n",
 * gets "OK\n" once connected (or "ERR <code> <message>\n"), then bytes flow.
 * "in <port> <sock>": every TCP connection to <port> is relayed to <sock>.
 * Half-close is kept both ways.
 */
const RELAY = String.raw`
const net = require('net');
const [mode, a, b] = process.argv.slice(1);
const join = (x, y) => {
  x.setNoDelay?.(true); y.setNoDelay?.(true);
  x.pipe(y); y.pipe(x);
  const kill = () => { x.destroy(); y.destroy(); };
  x.on('error', kill); y.on('error', kill);
  x.on('close', () => y.writableEnded || y.end()); y.on('close', () => x.writableEnded || x.end());
};
if (mode === 'out') {
  net.createServer({ allowHalfOpen: true }, (u) => {
    let buf = Buffer.alloc(0);
    const head = (d) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      u.off('data', head);
      u.pause();
      const [host, port] = buf.subarray(0, nl).toString().split(' ');
      const rest = buf.subarray(nl + 1);
      const t = net.connect({ host, port: Number(port), allowHalfOpen: true });
      t.once('connect', () => {
        t.removeAllListeners('error');
        u.write('OK\n');
        if (rest.length > 0) t.write(rest);
        join(u, t);
        u.resume();
      });
      t.once('error', (e) => u.end('ERR ' + (e.code || 'EIO') + ' ' + e.message + '\n'));
    };
    u.on('data', head);
    u.on('error', () => u.destroy());
  }).listen(a, () => process.stdout.write('ready\n'));
} else {
  net.createServer({ allowHalfOpen: true }, (t) => {
    const u = net.connect({ path: b, allowHalfOpen: true });
    join(t, u);
  }).listen(Number(a), '0.0.0.0', () => process.stdout.write('ready\n'));
}
`;

interface Relay {
  close(): Promise<void>;
}

async function startRelay(net: TestNetwork, host: string, args: string[]): Promise<Relay> {
  const [cmd, ...rest] = net.argv(host, [process.execPath, '-e', RELAY, ...args]);
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  registerPid(child.pid!);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => s.includes('ready') && resolve());
    void exited.then(() => reject(new Error(`relay in ${host} exited: ${stderr}`)));
  });
  return {
    close: async () => {
      child.kill('SIGKILL');
      await exited;
      unregisterPid(child.pid!);
    },
  };
}

/** A Network whose TCP connections start inside `host`'s namespace. */
export async function netnsNetwork(net: TestNetwork, host: string): Promise<Network & Relay> {
  const dir = mkdtempSync(join(tmpdir(), 'hop-nsnet-'));
  registerDir(dir);
  const path = join(dir, 'out.sock');
  const relay = await startRelay(net, host, ['out', path]);
  const unsupported = (): never => {
    throw new Error('netnsNetwork: only connectTcp');
  };
  return {
    connectTcp: (h, port) =>
      new Promise((resolve, reject) => {
        const target = `${h.includes(':') ? `[${h}]` : h}:${port}`;
        const s: Socket = netConnect({ path, allowHalfOpen: true });
        let buf = Buffer.alloc(0);
        const onData = (d: Buffer): void => {
          buf = Buffer.concat([buf, d]);
          const nl = buf.indexOf(10);
          if (nl < 0) return;
          s.off('data', onData);
          s.pause();
          const line = buf.subarray(0, nl).toString();
          if (line !== 'OK') {
            s.destroy();
            const [, code, ...msg] = line.split(' ');
            reject(new ConnectError(target, code, msg.join(' ')));
            return;
          }
          if (nl + 1 < buf.length) s.unshift(buf.subarray(nl + 1));
          resolve(new NodeSocketStream(s));
        };
        s.on('data', onData);
        s.once('error', (e) => reject(new ConnectError(target, 'EIO', e.message)));
        s.write(`${h} ${port}\n`);
      }),
    listenTcp: unsupported,
    connectUnix: unsupported,
    listenUnix: unsupported,
    close: async () => {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
      unregisterDir(dir);
    },
  };
}

/** `host` listens on TCP `port` (all its addresses) and relays each connection to the unix socket `path`. */
export function exposeInNetns(net: TestNetwork, host: string, port: number, path: string): Promise<Relay> {
  return startRelay(net, host, ['in', String(port), path]);
}
