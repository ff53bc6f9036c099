/**
 * Runs the core (wire, crypto, transport, in-memory io) on whichever runtime
 * executes this file: Node (tsx), Bun or Deno. For a few kex/cipher/MAC sets
 * it performs a full hopssh client↔server handshake, a rekey and a message
 * each way, and prints one JSON line per case (test/runtimes.test.ts checks them).
 */
import { createMemoryPair } from '../src/io/memory-pair.ts';
import { ClientTransport, ServerTransport } from '../src/transport/transport.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { constantTimeEqual } from '../src/wire/bytes.ts';

const cases = [
  { kex: 'mlkem768x25519-sha256', cipher: 'chacha20-poly1305@openssh.com', mac: 'hmac-sha2-256-etm@openssh.com', key: 'ssh-ed25519' },
  { kex: 'curve25519-sha256', cipher: 'aes128-gcm@openssh.com', mac: 'hmac-sha2-256-etm@openssh.com', key: 'ecdsa-sha2-nistp256' },
  { kex: 'ecdh-sha2-nistp384', cipher: 'aes256-ctr', mac: 'hmac-sha2-512', key: 'ssh-ed25519' },
  { kex: 'diffie-hellman-group14-sha256', cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com', key: 'ssh-ed25519' },
] as const;

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';

for (const c of cases) {
  const hostKey = generateSigningKey(c.key);
  const [a, b] = createMemoryPair();
  const server = new ServerTransport(b, { hostKeys: [hostKey], kex: [c.kex], ciphers: [c.cipher], macs: [c.mac] });
  const client = new ClientTransport(a, {
    verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, hostKey.publicBlob),
    kex: [c.kex],
    ciphers: [c.cipher],
    macs: [c.mac],
  });
  const got: number[] = [];
  server.onMessage = (p) => got.push(p.length);
  client.onMessage = (p) => got.push(p.length);
  await client.ready;
  client.send(new Uint8Array(1000).fill(200));
  await client.rekey();
  server.send(new Uint8Array(3000).fill(201));
  while (got.length < 2) await new Promise((r) => setTimeout(r, 1));
  console.log(JSON.stringify({ runtime, ...client.negotiated, kexCount: client.kexCount, received: got, provider: client.cipherDescription.send }));
  client.disconnect();
  await server.closed;
}
