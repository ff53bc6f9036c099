/**
 * hopssh's ServerTransport listening on 127.0.0.1 (a free port), for
 * OpenSSH's ssh to connect to: each accepted socket becomes a ServerTransport
 * with `options`, handed to `onTransport` (which installs the upper layers or
 * plays them by hand); what it returns is kept in `connections`, in order.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import type { ServerTransportOptions } from '../../src/transport/options.ts';

export interface TransportServer<C> {
  server: Server;
  port: number;
  connections: C[];
  /** Closes every transport still open, then the listener. */
  close(): Promise<void>;
}

export async function startTransportServer<C = void>(options: ServerTransportOptions, onTransport: (t: ServerTransport, socket: Socket) => C): Promise<TransportServer<C>> {
  const transports: ServerTransport[] = [];
  const connections: C[] = [];
  const server = createServer((socket) => {
    const t = new ServerTransport(new NodeSocketStream(socket), options);
    transports.push(t);
    connections.push(onTransport(t, socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of transports) if (t.isOpen) t.close();
        server.close(() => resolve());
      }),
  };
}
