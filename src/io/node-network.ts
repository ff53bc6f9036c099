import * as net from 'node:net';
import { NodeSocketStream, connectTcp, connectUnix } from './node-socket.ts';
import type { Listener, Network, RemoteAddress } from './network.ts';

/** How long a forwarding connect may take before it fails (OpenSSH leaves it to the system; Linux gives up after about two minutes). */
const CONNECT_TIMEOUT_MS = 30_000;

/** An IPv4-mapped IPv6 address (a dual-stack listener's IPv4 peer) as plain IPv4. */
function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

function listenOne(options: net.ListenOptions, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // Half-close kept (forwarded connections end each direction on its own); nothing read before start().
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, onSocket);
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      // Errors after listening (EMFILE on accept) must not crash the process; the listener carries on.
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

/** Stops listening at once; server.close()'s own callback would wait for every accepted connection to end. */
function closeServer(s: net.Server): Promise<void> {
  s.close(() => undefined);
  // One turn of the event loop lets the handle's close (and a unix socket's unlink) complete.
  return new Promise((resolve) => setImmediate(resolve));
}

function listenerOf(servers: net.Server[], port: number): Listener {
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () => (closing ??= Promise.all(servers.map(closeServer)).then(() => undefined)),
  };
}

/**
 * Network on node:net (also what Bun and Deno's Node compatibility provide).
 * Sockets have TCP_NODELAY (NodeSocketStream) and keep half-close.
 * "" and "*" listen on every address; "localhost" on 127.0.0.1 and, where
 * the host has it, ::1 — as OpenSSH binds a forwarding listener (RFC 4254 §7.1).
 */
export const nodeNetwork: Network = {
  connectTcp(host, port) {
    return connectTcp({ host, port, timeoutMs: CONNECT_TIMEOUT_MS, allowHalfOpen: true });
  },

  connectUnix(path) {
    return connectUnix(path, CONNECT_TIMEOUT_MS, true);
  },

  async listenTcp(host, port, onConnection) {
    const onSocket = (s: net.Socket): void => {
      const remote: RemoteAddress = { host: plainAddress(s.remoteAddress), port: s.remotePort ?? 0 };
      onConnection(new NodeSocketStream(s), remote);
    };
    if (host === '' || host === '*') {
      const s = await listenOne({ port }, onSocket);
      return listenerOf([s], (s.address() as net.AddressInfo).port);
    }
    if (host === 'localhost') {
      const v4 = await listenOne({ host: '127.0.0.1', port }, onSocket);
      const bound = (v4.address() as net.AddressInfo).port;
      const servers = [v4];
      try {
        servers.push(await listenOne({ host: '::1', port: bound, ipv6Only: true }, onSocket));
      } catch {
        // No IPv6 loopback on this host: IPv4 alone, as OpenSSH does then.
      }
      return listenerOf(servers, bound);
    }
    const s = await listenOne({ host, port }, onSocket);
    return listenerOf([s], (s.address() as net.AddressInfo).port);
  },

  async listenUnix(path, onConnection) {
    const s = await listenOne({ path }, (sock) => onConnection(new NodeSocketStream(sock)));
    return listenerOf([s], 0);
  },
};
