import { createMemoryPair, type MemoryPairOptions } from '../../src/io/memory-pair.ts';
import { ClientTransport, ServerTransport } from '../../src/transport/transport.ts';
import type { ClientTransportOptions, ServerTransportOptions } from '../../src/transport/options.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';

const keyCache = new Map<string, SigningKey>();

/** A host key of each type, generated once per test process. */
export function hostKey(type: 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa'): SigningKey {
  let k = keyCache.get(type);
  if (!k) {
    k = generateSigningKey(type, type === 'ssh-rsa' ? { bits: 2048 } : undefined);
    keyCache.set(type, k);
  }
  return k;
}

export interface PairOptions {
  client?: Partial<ClientTransportOptions>;
  server?: Partial<ServerTransportOptions>;
  memory?: MemoryPairOptions;
}

/** A hopssh client and server connected in memory; the client trusts exactly the server's first host key. */
export function transportPair(opts: PairOptions = {}) {
  const [a, b] = createMemoryPair(opts.memory);
  const hostKeys = opts.server?.hostKeys ?? [hostKey('ssh-ed25519')];
  const server = new ServerTransport(b, { ...opts.server, hostKeys });
  const client = new ClientTransport(a, {
    verifyHostKey: ({ publicKey }) => hostKeys.some((k) => constantTimeEqual(k.publicBlob, publicKey)),
    ...opts.client,
  });
  return { client, server };
}
