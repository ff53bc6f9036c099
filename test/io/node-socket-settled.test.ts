/**
 * NodeSocketStream.settled (ByteStream.settled): true only while the socket
 * holds none of what was written — the writer (PacketSender) may then reuse
 * the memory. Against a reader that does not read, writes back up in node:
 * settled turns false and stays so until they have all reached the kernel.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { connectTcp } from '../../src/io/node-socket.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

it('is true with nothing queued, false while writes wait for a reader, true again once they drained', async () => {
  let peer!: Socket;
  server = createServer({ pauseOnConnect: true }, (s) => (peer = s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const stream = await connectTcp({ host: '127.0.0.1', port });
  stream.start({ data: () => undefined, drain: () => undefined, end: () => undefined, close: () => undefined });
  expect(stream.settled).toBe(true);
  const chunk = new Uint8Array(1 << 20);
  let writes = 0;
  while (stream.settled && writes < 256) {
    stream.write(chunk);
    writes++;
  }
  // The peer reads nothing: the kernel's buffers fill and node holds the rest.
  expect(stream.settled).toBe(false);
  expect(stream.socket.writableLength).toBeGreaterThan(0);
  let read = 0;
  const drained = new Promise<void>((r) => stream.socket.once('drain', r));
  peer.on('data', (b: Buffer) => (read += b.length));
  peer.resume();
  await drained;
  await new Promise<void>((r) => setImmediate(r));
  expect(stream.socket.writableLength).toBe(0);
  expect(stream.settled).toBe(true);
  stream.close();
  peer.destroy();
  expect(read).toBeGreaterThan(0);
});
