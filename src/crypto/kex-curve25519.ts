/**
 * curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731): X25519
 * (RFC 7748) ephemeral keys; Q_C/Q_S are the 32-byte u-coordinates.
 */
import { mpintFieldFromUnsigned } from '../wire/mpint.ts';
import { wipe } from '../wire/bytes.ts';
import { KexMathError } from './errors.ts';
import { randomBytes } from './random.ts';
import { asymmetricProvider } from './providers/asymmetric.ts';
import type { HashName, KexAgreement, KexMath, ProviderChoice } from './types.ts';

/** Length of an X25519 public key and shared secret (RFC 7748 §6.1). */
export const X25519_LENGTH = 32;

/** An X25519 key pair: the 32-byte secret and its public key X25519(k, 9). */
export interface X25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * X25519(secret, peer) with the checks of RFC 8731 §3: the peer key is 32
 * bytes and the result is not all-zero (a low-order peer point). Returns the
 * raw 32-byte output. Shared with the ML-KEM hybrid. Runs on the provider
 * chosen for X25519 (providers/asymmetric.ts).
 */
export function x25519Shared(algorithm: string, ours: X25519KeyPair, peer: Uint8Array, provider: ProviderChoice = 'auto'): Uint8Array {
  if (peer.length !== X25519_LENGTH) {
    throw new KexMathError(algorithm, `X25519 public key must be ${X25519_LENGTH} bytes, got ${peer.length}`);
  }
  let shared: Uint8Array;
  try {
    shared = asymmetricProvider('x25519', provider).x25519(ours.secretKey, ours.publicKey, peer);
  } catch {
    // Providers refuse the low-order points whose output would be all-zero.
    throw new KexMathError(algorithm, 'X25519 shared secret is all-zero (low-order peer key)');
  }
  let acc = 0;
  for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
  if (acc === 0) throw new KexMathError(algorithm, 'X25519 shared secret is all-zero (low-order peer key)');
  return shared;
}

/** A fresh X25519 key pair (RFC 7748 §6.1); `secretKey` is for known-answer tests only. */
export function x25519KeyPair(provider: ProviderChoice = 'auto', secretKey: Uint8Array = randomBytes(X25519_LENGTH)): X25519KeyPair {
  if (secretKey.length !== X25519_LENGTH) throw new RangeError(`X25519 secret key must be ${X25519_LENGTH} bytes`);
  return { secretKey, publicKey: asymmetricProvider('x25519', provider).x25519PublicKey(secretKey) };
}

/** One side's ephemeral X25519 key. */
export class Curve25519Agreement implements KexAgreement {
  readonly publicValue: Uint8Array;
  private readonly keys: X25519KeyPair;

  /** `secretKey` is for known-answer tests only; by default a fresh key is generated. */
  constructor(
    private readonly algorithm: string,
    secretKey?: Uint8Array,
    private readonly provider: ProviderChoice = 'auto',
  ) {
    this.keys = x25519KeyPair(provider, secretKey?.slice());
    this.publicValue = this.keys.publicKey;
  }

  /** RFC 8731 §3.1: K is the X25519 output read as a big-endian unsigned integer, encoded as mpint. */
  computeSecret(peerValue: Uint8Array): Uint8Array {
    const shared = x25519Shared(this.algorithm, this.keys, peerValue, this.provider);
    const out = mpintFieldFromUnsigned(shared);
    wipe(shared);
    return out;
  }

  dispose(): void {
    wipe(this.keys.secretKey);
  }
}

class Curve25519Math implements KexMath {
  readonly hash: HashName = 'sha256';
  constructor(
    readonly name: string,
    private readonly provider: ProviderChoice,
  ) {}

  client(): KexAgreement {
    return new Curve25519Agreement(this.name, undefined, this.provider);
  }

  server(clientValue: Uint8Array): KexAgreement {
    if (clientValue.length !== X25519_LENGTH) {
      throw new KexMathError(this.name, `Q_C must be ${X25519_LENGTH} bytes, got ${clientValue.length}`);
    }
    return new Curve25519Agreement(this.name, undefined, this.provider);
  }
}

/** curve25519-sha256 (RFC 8731) or its pre-standard alias curve25519-sha256@libssh.org, on `provider`'s X25519. */
export function createCurve25519Math(name: 'curve25519-sha256' | 'curve25519-sha256@libssh.org', provider: ProviderChoice = 'auto'): KexMath {
  return new Curve25519Math(name, provider);
}
