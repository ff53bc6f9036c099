import { AlgorithmNegotiationError } from './errors.ts';
import type { KexInit } from './kexinit.ts';
import { CIPHERS } from '../crypto/cipher-registry.ts';

/** The algorithms chosen by one key exchange (RFC 4253 §7.1). */
export interface Negotiated {
  kex: string;
  hostKey: string;
  cipherCtoS: string;
  cipherStoC: string;
  /** 'none' stands for the implicit MAC of an AEAD cipher. */
  macCtoS: string;
  macStoC: string;
  compressionCtoS: string;
  compressionStoC: string;
}

/** Pseudo-algorithms that signal extensions and are never chosen (RFC 8308 §2.1, OpenSSH PROTOCOL §1.10). */
export const SIGNAL_NAMES = new Set([
  'ext-info-c',
  'ext-info-s',
  'kex-strict-c-v00@openssh.com',
  'kex-strict-s-v00@openssh.com',
]);

/** First name on the client's list that the server also has (RFC 4253 §7.1). */
export function chooseAlgorithm(category: string, client: readonly string[], server: readonly string[], filter?: (name: string) => boolean): string {
  for (const name of client) {
    if (SIGNAL_NAMES.has(name)) continue;
    if (filter && !filter(name)) continue;
    if (server.includes(name)) return name;
  }
  throw new AlgorithmNegotiationError(category, client, server);
}

export interface NegotiationContext {
  /** For the host-key category: can the server actually produce this algorithm? */
  hostKeyUsable: (alg: string) => boolean;
  /** Report ours/theirs from the local side's perspective in errors. */
  role: 'client' | 'server';
}

/**
 * Negotiates all categories. A kex method needing a signature-capable host
 * key requires a compatible host-key algorithm (RFC 4253 §7.1); all of
 * ours need signing keys, so the host-key algorithm must be usable by the server.
 */
export function negotiate(client: KexInit, server: KexInit, ctx: NegotiationContext): Negotiated {
  const pick = (category: string, c: readonly string[], s: readonly string[], filter?: (n: string) => boolean): string => {
    try {
      return chooseAlgorithm(category, c, s, filter);
    } catch (e) {
      if (e instanceof AlgorithmNegotiationError && ctx.role === 'server') {
        throw new AlgorithmNegotiationError(category, s.filter((n) => !SIGNAL_NAMES.has(n)), c.filter((n) => !SIGNAL_NAMES.has(n)));
      }
      if (e instanceof AlgorithmNegotiationError) {
        throw new AlgorithmNegotiationError(category, c.filter((n) => !SIGNAL_NAMES.has(n)), s.filter((n) => !SIGNAL_NAMES.has(n)));
      }
      throw e;
    }
  };
  const kex = pick('kex', client.kex, server.kex);
  const hostKey = pick('host key', client.hostKey, server.hostKey, ctx.hostKeyUsable);
  const cipherCtoS = pick('cipher (client to server)', client.cipherCtoS, server.cipherCtoS);
  const cipherStoC = pick('cipher (server to client)', client.cipherStoC, server.cipherStoC);
  // AEAD ciphers imply their MAC (RFC 5647 §5.1, PROTOCOL.chacha20poly1305).
  const macCtoS = CIPHERS[cipherCtoS]?.aead ? 'none' : pick('MAC (client to server)', client.macCtoS, server.macCtoS);
  const macStoC = CIPHERS[cipherStoC]?.aead ? 'none' : pick('MAC (server to client)', client.macStoC, server.macStoC);
  const compressionCtoS = pick('compression (client to server)', client.compressionCtoS, server.compressionCtoS);
  const compressionStoC = pick('compression (server to client)', client.compressionStoC, server.compressionStoC);
  return { kex, hostKey, cipherCtoS, cipherStoC, macCtoS, macStoC, compressionCtoS, compressionStoC };
}

/** Whether the peer's guessed kex packet must be ignored (RFC 4253 §7). */
export function guessWasWrong(client: KexInit, server: KexInit): boolean {
  const firstOf = (l: readonly string[]) => l.find((n) => !SIGNAL_NAMES.has(n));
  return firstOf(client.kex) !== firstOf(server.kex) || client.hostKey[0] !== server.hostKey[0];
}
