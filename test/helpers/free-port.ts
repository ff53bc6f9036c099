/**
 * Picking a TCP port that is free right now, by binding port 0 and releasing
 * it. Another process may take it before the caller binds, so callers retry
 * on EADDRINUSE with a new port.
 */
import { createServer } from 'node:net';

/** A port on `host` the kernel just handed out and that is unbound again. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('freePort: no port assigned'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}
