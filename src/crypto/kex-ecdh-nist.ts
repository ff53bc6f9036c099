/**
 * ecdh-sha2-nistp256/384/521 (RFC 5656 §4): ephemeral ECDH over the NIST
 * curves; Q_C/Q_S are uncompressed points (SEC 1 §2.3.3, RFC 5656 §3.1) and
 * K is the mpint of the shared point's x-coordinate (RFC 5656 §4).
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { mpintFieldFromUnsigned } from '../wire/mpint.ts';
import { wipe } from '../wire/bytes.ts';
import { KexMathError } from './errors.ts';
import type { HashName, KexAgreement, KexMath } from './types.ts';

type NistCurve = typeof p256;

/** SSH curve identifier (RFC 5656 §10.1) → noble curve, hash (RFC 5656 §6.2.1). */
export const NIST_CURVES = {
  nistp256: { curve: p256 as NistCurve, hash: 'sha256' as HashName, fieldBytes: 32 },
  nistp384: { curve: p384 as NistCurve, hash: 'sha384' as HashName, fieldBytes: 48 },
  nistp521: { curve: p521 as NistCurve, hash: 'sha512' as HashName, fieldBytes: 66 },
} as const;

export type NistCurveName = keyof typeof NIST_CURVES;

/**
 * Checks that `bytes` is an uncompressed point on the curve, not the point at
 * infinity (SEC 1 §3.2.2.1 public key validation; the NIST curves have
 * cofactor 1, so on-curve implies in the prime-order group). Returns a
 * description of what is wrong, or undefined when valid.
 */
export function nistPointProblem(curveName: NistCurveName, bytes: Uint8Array): string | undefined {
  const { curve, fieldBytes } = NIST_CURVES[curveName];
  if (bytes.length !== 1 + 2 * fieldBytes) return `point must be ${1 + 2 * fieldBytes} bytes (uncompressed), got ${bytes.length}`;
  if (bytes[0] !== 0x04) return `point must be uncompressed (0x04 prefix), got 0x${bytes[0]!.toString(16)}`;
  try {
    curve.Point.fromBytes(bytes).assertValidity();
  } catch {
    return 'point is not on the curve';
  }
  return undefined;
}

/** One side's ephemeral ECDH key. */
export class EcdhAgreement implements KexAgreement {
  readonly publicValue: Uint8Array;
  private readonly secretKey: Uint8Array;

  /** `secretKey` (big-endian scalar, field-sized) is for known-answer tests only. */
  constructor(
    private readonly name: string,
    private readonly curveName: NistCurveName,
    secretKey?: Uint8Array,
  ) {
    const { curve } = NIST_CURVES[curveName];
    this.secretKey = secretKey === undefined ? curve.utils.randomSecretKey() : secretKey.slice();
    this.publicValue = curve.getPublicKey(this.secretKey, false);
  }

  computeSecret(peerValue: Uint8Array): Uint8Array {
    const problem = nistPointProblem(this.curveName, peerValue);
    if (problem !== undefined) throw new KexMathError(this.name, `peer public key: ${problem}`);
    const { curve } = NIST_CURVES[this.curveName];
    let shared: Uint8Array;
    try {
      // Compressed output: 1 prefix byte, then the x-coordinate.
      shared = curve.getSharedSecret(this.secretKey, peerValue, true);
    } catch (e) {
      throw new KexMathError(this.name, `ECDH failed: ${(e as Error).message}`);
    }
    const out = mpintFieldFromUnsigned(shared.subarray(1));
    wipe(shared);
    return out;
  }

  dispose(): void {
    wipe(this.secretKey);
  }
}

class EcdhMath implements KexMath {
  readonly name: string;
  readonly hash: HashName;

  constructor(private readonly curveName: NistCurveName) {
    this.name = `ecdh-sha2-${curveName}`;
    this.hash = NIST_CURVES[curveName].hash;
  }

  client(): KexAgreement {
    return new EcdhAgreement(this.name, this.curveName);
  }

  server(clientValue: Uint8Array): KexAgreement {
    const problem = nistPointProblem(this.curveName, clientValue);
    if (problem !== undefined) throw new KexMathError(this.name, `Q_C: ${problem}`);
    return new EcdhAgreement(this.name, this.curveName);
  }
}

/** ecdh-sha2-nistp256, -nistp384 or -nistp521 (RFC 5656 §4, hash per §6.2.1). */
export function createEcdhMath(curveName: NistCurveName): KexMath {
  return new EcdhMath(curveName);
}
