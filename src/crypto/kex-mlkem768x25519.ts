/**
 * mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex, published as
 * RFC 10042; OpenSSH 9.9+): ML-KEM-768 (FIPS 203) combined with X25519.
 *
 *   C_INIT  = ML-KEM-768 encapsulation key (1184) ‖ X25519 public (32)
 *   S_REPLY = ML-KEM-768 ciphertext (1088)        ‖ X25519 public (32)
 *   K       = SHA-256(K_PQ ‖ K_CL), encoded as `string` (not mpint)
 *
 * K_PQ is the ML-KEM shared secret, K_CL the raw X25519 output. This is not
 * X-Wing (noble's ml_kem768_x25519), which hashes with SHA3 and a label.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual, wipe, writeUint32 } from '../wire/bytes.ts';
import { KexMathError } from './errors.ts';
import { X25519_LENGTH, x25519KeyPair, x25519Shared, type X25519KeyPair } from './kex-curve25519.ts';
import type { HashName, KexAgreement, KexMath, ProviderChoice } from './types.ts';

const NAME = 'mlkem768x25519-sha256';
/** FIPS 203 Table 3, ML-KEM-768. */
export const MLKEM768_PUBLIC_KEY_LENGTH = 1184;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const C_INIT_LENGTH = MLKEM768_PUBLIC_KEY_LENGTH + X25519_LENGTH;
export const S_REPLY_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + X25519_LENGTH;

/** K = HASH(K_PQ ‖ K_CL) as `string K` with its uint32 length. */
function combine(kPq: Uint8Array, kCl: Uint8Array): Uint8Array {
  const buf = new Uint8Array(kPq.length + kCl.length);
  buf.set(kPq, 0);
  buf.set(kCl, kPq.length);
  const k = sha256(buf);
  wipe(buf, kPq, kCl);
  const out = new Uint8Array(4 + k.length);
  writeUint32(out, 0, k.length);
  out.set(k, 4);
  wipe(k);
  return out;
}

/** Client: generates both key pairs; computeSecret(S_REPLY) decapsulates. */
class HybridClient implements KexAgreement {
  readonly publicValue: Uint8Array;
  private readonly kemSecret: Uint8Array;
  private readonly x: X25519KeyPair;

  constructor(private readonly provider: ProviderChoice) {
    const kem = ml_kem768.keygen();
    const x = x25519KeyPair(provider);
    this.kemSecret = kem.secretKey;
    this.x = x;
    const pub = new Uint8Array(C_INIT_LENGTH);
    pub.set(kem.publicKey, 0);
    pub.set(x.publicKey, MLKEM768_PUBLIC_KEY_LENGTH);
    this.publicValue = pub;
  }

  computeSecret(sReply: Uint8Array): Uint8Array {
    if (sReply.length !== S_REPLY_LENGTH) {
      throw new KexMathError(NAME, `S_REPLY must be ${S_REPLY_LENGTH} bytes, got ${sReply.length}`);
    }
    const kCl = x25519Shared(NAME, this.x, sReply.subarray(MLKEM768_CIPHERTEXT_LENGTH), this.provider);
    let kPq: Uint8Array;
    try {
      // Implicit rejection (FIPS 203 §6.3): a tampered ciphertext yields an unrelated secret.
      kPq = ml_kem768.decapsulate(sReply.subarray(0, MLKEM768_CIPHERTEXT_LENGTH), this.kemSecret);
    } catch (e) {
      throw new KexMathError(NAME, `ML-KEM decapsulation failed: ${(e as Error).message}`);
    }
    return combine(kPq, kCl);
  }

  dispose(): void {
    wipe(this.kemSecret, this.x.secretKey);
  }
}

/**
 * Server: encapsulates to the client's key and does the X25519 half when
 * created, so an invalid C_INIT fails in server(). computeSecret must be given
 * the same C_INIT (the reply is already bound to it).
 */
class HybridServer implements KexAgreement {
  readonly publicValue: Uint8Array;
  private readonly cInit: Uint8Array;
  private readonly kPq: Uint8Array;
  private readonly kCl: Uint8Array;

  constructor(cInit: Uint8Array, provider: ProviderChoice) {
    if (cInit.length !== C_INIT_LENGTH) {
      throw new KexMathError(NAME, `C_INIT must be ${C_INIT_LENGTH} bytes, got ${cInit.length}`);
    }
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      // Checks the encapsulation key's coefficients are reduced (FIPS 203 §7.2).
      enc = ml_kem768.encapsulate(cInit.subarray(0, MLKEM768_PUBLIC_KEY_LENGTH));
    } catch (e) {
      throw new KexMathError(NAME, `invalid ML-KEM-768 public key: ${(e as Error).message}`);
    }
    const x = x25519KeyPair(provider);
    this.kCl = x25519Shared(NAME, x, cInit.subarray(MLKEM768_PUBLIC_KEY_LENGTH), provider);
    wipe(x.secretKey);
    this.cInit = cInit.slice();
    this.kPq = enc.sharedSecret;
    const reply = new Uint8Array(S_REPLY_LENGTH);
    reply.set(enc.cipherText, 0);
    reply.set(x.publicKey, MLKEM768_CIPHERTEXT_LENGTH);
    this.publicValue = reply;
  }

  computeSecret(cInit: Uint8Array): Uint8Array {
    if (!constantTimeEqual(cInit, this.cInit)) {
      throw new KexMathError(NAME, 'computeSecret must be given the C_INIT this reply was made for');
    }
    return combine(this.kPq.slice(), this.kCl.slice());
  }

  dispose(): void {
    wipe(this.kPq, this.kCl);
  }
}

class HybridMath implements KexMath {
  readonly name = NAME;
  readonly hash: HashName = 'sha256';
  constructor(private readonly provider: ProviderChoice) {}
  client(): KexAgreement {
    return new HybridClient(this.provider);
  }
  server(clientValue: Uint8Array): KexAgreement {
    return new HybridServer(clientValue, this.provider);
  }
}

/** mlkem768x25519-sha256, its X25519 half on `provider`'s. */
export function createMlkem768x25519Math(provider: ProviderChoice = 'auto'): KexMath {
  return new HybridMath(provider);
}
