/**
 * The whole matrix kex × host key × cipher × MAC between hopssh's client and
 * server over an in-memory pair.
 *
 * Each case forces one algorithm per category on both sides, checks that both
 * sides negotiated exactly that (RFC 4253 §7.1; an AEAD cipher implies its MAC,
 * RFC 5647 §5.1 / PROTOCOL.chacha20poly1305), that the packets are sealed by
 * the expected provider, exchanges a message each way, then rekeys
 * (RFC 4253 §9) with messages sent before, during and after the re-exchange.
 *
 * The full product (10 kex × 6 host keys × 21 cipher/MAC = 1260 cases, each
 * with two key exchanges) passes but takes minutes — measured on 2 busy cores:
 * 131 s with crypto 'auto', 293 s with both providers; finite-field DH over
 * 4096/8192-bit groups (group16/18, and group exchange, which asks for 7680 or
 * 8192 bits with most ciphers/MACs), the NIST curves and RSA signing dominate.
 * So `npm test` covers it pairwise-completely (481 cases, about 30 s there):
 *   - every kex × every host key (cipher/MAC rotating through all 21);
 *   - every kex × every cipher/MAC (host key rotating through all 6);
 *   - every host key × every cipher/MAC (curve25519-sha256);
 *   - every cipher/MAC on both providers, 'auto' and 'noble' (curve25519-sha256,
 *     ssh-ed25519; and mlkem768x25519-sha256, ecdsa-sha2-nistp256).
 * HOPSSH_FULL_MATRIX=1 runs the true full product instead, on both providers (2520 cases).
 */
import { describe, expect, test } from 'vitest';
import { transportPair } from '../helpers/transport-pair.ts';
import { hostKeyForAlgorithm } from '../helpers/test-certificates.ts';
import { SUPPORTED } from '../../src/transport/algorithms.ts';
import { CIPHERS } from '../../src/crypto/cipher-registry.ts';
import { providerFor } from '../../src/crypto/providers/select.ts';
import type { ProviderChoice, SigningKey } from '../../src/crypto/types.ts';
import type { Transport } from '../../src/transport/transport.ts';

interface Case {
  kex: string;
  hostKey: string;
  cipher: string;
  /** 'none' for AEAD ciphers (the MAC is implied). */
  mac: string;
  crypto: ProviderChoice;
}

/** Every cipher with every MAC it can be used with: one case per AEAD cipher, every MAC per CTR cipher. */
const CIPHER_MACS: readonly { cipher: string; mac: string }[] = SUPPORTED.cipher.flatMap((cipher) =>
  CIPHERS[cipher]!.aead ? [{ cipher, mac: 'none' }] : SUPPORTED.mac.map((mac) => ({ cipher, mac })),
);

/** The signing key behind a host-key algorithm (both rsa-sha2-* use one RSA key; -cert-v01 names a certified key). */
function keyFor(alg: string): SigningKey {
  return hostKeyForAlgorithm(alg);
}

/** Plain host-key algorithms; the certificate ones ride on the same signatures, so they join only "every kex × every host key". */
const PLAIN_HOST_KEYS = SUPPORTED.hostKey.filter((a) => !a.endsWith('-cert-v01@openssh.com'));

/** Upper-layer messages a transport receives, with a promise for "n have arrived". */
function collector(t: Transport) {
  const got: Uint8Array[] = [];
  let want = 0;
  let wake: (() => void) | undefined;
  t.onMessage = (p) => {
    got.push(p.slice());
    if (wake && got.length >= want) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  return {
    got,
    /** Resolves once `n` messages have arrived; rejects if the transport closes first. */
    count(n: number): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      want = n;
      return new Promise<void>((resolve, reject) => {
        wake = resolve;
        t.closed.then((e) => reject(e ?? new Error(`${t.role} closed after ${got.length} of ${n} messages`)));
      });
    },
  };
}

/** A message of `len` bytes: number 200 + tag (local-extension range, RFC 4250 §4.1.2, clear of ping@openssh.com 192/193), then a pattern. */
function message(tag: number, len: number): Uint8Array {
  const m = new Uint8Array(len);
  m[0] = 200 + tag;
  for (let i = 1; i < len; i++) m[i] = (i * 31 + tag * 7) & 0xff;
  return m;
}

function description(alg: string, crypto: ProviderChoice): string {
  return `${alg} (${providerFor(alg, crypto)})`;
}

async function runCase(c: Case): Promise<void> {
  const aead = CIPHERS[c.cipher]!.aead;
  const forced = {
    kex: [c.kex],
    hostKeyAlgorithms: [c.hostKey],
    ciphers: [c.cipher],
    // For an AEAD cipher every MAC is offered: none of them may be chosen.
    macs: aead ? [...SUPPORTED.mac] : [c.mac],
    crypto: c.crypto,
  };
  const { client, server } = transportPair({ client: forced, server: { ...forced, hostKeys: [keyFor(c.hostKey)] } });
  const atServer = collector(server);
  const atClient = collector(client);
  try {
    await Promise.all([client.ready, server.ready]);
    const expected = {
      kex: c.kex,
      hostKey: c.hostKey,
      cipherCtoS: c.cipher,
      cipherStoC: c.cipher,
      macCtoS: c.mac,
      macStoC: c.mac,
      compressionCtoS: 'none',
      compressionStoC: 'none',
    };
    expect(client.negotiated).toEqual(expected);
    expect(server.negotiated).toEqual(expected);
    const sealing = aead ? description(c.cipher, c.crypto) : `${description(c.cipher, c.crypto)} + ${description(c.mac, c.crypto)}`;
    expect(client.cipherDescription).toEqual({ send: sealing, receive: sealing });
    expect(server.cipherDescription).toEqual({ send: sealing, receive: sealing });
    const sessionId = client.sessionId!;
    expect(server.sessionId).toEqual(sessionId);

    // One message each way.
    const c1 = message(0, 1);
    const s1 = message(1, 100);
    client.send(c1);
    server.send(s1);
    await Promise.all([atServer.count(1), atClient.count(1)]);

    // A rekey with data across it: sent as it starts (queued), then after it.
    const rekeyed = client.rekey();
    const c2 = message(2, 33);
    const s2 = message(3, 1000);
    client.send(c2);
    server.send(s2);
    await rekeyed;
    const c3 = message(4, 4000);
    const s3 = message(5, 17);
    client.send(c3);
    server.send(s3);
    await Promise.all([atServer.count(3), atClient.count(3)]);

    expect(atServer.got).toEqual([c1, c2, c3]);
    expect(atClient.got).toEqual([s1, s2, s3]);
    expect(client.kexCount).toBe(2);
    expect(server.kexCount).toBe(2);
    expect(client.negotiated).toEqual(expected);
    expect(server.negotiated).toEqual(expected);
    expect(client.sessionId).toEqual(sessionId);
    expect(server.sessionId).toEqual(sessionId);
  } finally {
    client.disconnect();
    await server.closed;
  }
}

const name = (c: Case) => `${c.kex} ${c.hostKey} ${c.cipher} ${c.mac}${c.crypto === 'noble' ? ' noble' : ''}`;

if (process.env.HOPSSH_FULL_MATRIX === '1') {
  const full: Case[] = [];
  for (const crypto of ['auto', 'noble'] as const)
    for (const kex of SUPPORTED.kex)
      for (const hk of SUPPORTED.hostKey) for (const cm of CIPHER_MACS) full.push({ kex, hostKey: hk, ...cm, crypto });
  describe('full product kex × host key × cipher × MAC × provider', () => {
    test.each(full.map((c) => [name(c), c] as const))('%s', async (_n, c) => runCase(c));
  });
} else {
  describe('every kex × every host key', () => {
    const cases = SUPPORTED.kex.flatMap((kex, i) =>
      SUPPORTED.hostKey.map((hk, j): Case => ({ kex, hostKey: hk, ...CIPHER_MACS[(i * SUPPORTED.hostKey.length + j) % CIPHER_MACS.length]!, crypto: 'auto' })),
    );
    test.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => runCase(c));
  });

  describe('every kex × every cipher/MAC', () => {
    const cases = SUPPORTED.kex.flatMap((kex, i) =>
      CIPHER_MACS.map((cm, j): Case => ({ kex, hostKey: PLAIN_HOST_KEYS[(i + j) % PLAIN_HOST_KEYS.length]!, ...cm, crypto: 'auto' })),
    );
    test.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => runCase(c));
  });

  describe('every host key × every cipher/MAC (curve25519-sha256)', () => {
    const cases = PLAIN_HOST_KEYS.flatMap((hk) => CIPHER_MACS.map((cm): Case => ({ kex: 'curve25519-sha256', hostKey: hk, ...cm, crypto: 'auto' })));
    test.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => runCase(c));
  });

  describe.each(['auto', 'noble'] as const)('every cipher/MAC with crypto %s', (crypto) => {
    const cases = [
      ['curve25519-sha256', 'ssh-ed25519'],
      ['mlkem768x25519-sha256', 'ecdsa-sha2-nistp256'],
    ].flatMap(([kex, hk]) => CIPHER_MACS.map((cm): Case => ({ kex: kex!, hostKey: hk!, ...cm, crypto })));
    test.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => runCase(c));
  });
}

test('the matrix dimensions are what hopssh supports', () => {
  expect(SUPPORTED.kex).toHaveLength(10);
  expect(SUPPORTED.kex).toContain('mlkem768x25519-sha256');
  expect(SUPPORTED.kex).toContain('diffie-hellman-group-exchange-sha256');
  expect(SUPPORTED.hostKey).toHaveLength(12);
  expect(PLAIN_HOST_KEYS).toHaveLength(6);
  expect(CIPHER_MACS).toHaveLength(3 + 3 * SUPPORTED.mac.length);
  expect(CIPHER_MACS.map((c) => c.mac)).toContain('hmac-sha1');
  expect(CIPHER_MACS.map((c) => c.mac)).toContain('hmac-sha1-etm@openssh.com');
});
