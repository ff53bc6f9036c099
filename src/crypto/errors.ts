/** Errors of the crypto layer. Each names the algorithm and what failed. */

/** A packet's MAC or AEAD tag did not verify (RFC 4253 §6.4). */
export class MacError extends Error {
  override name = 'MacError';
  constructor(readonly algorithm: string, readonly sequenceNumber: number) {
    super(`${algorithm}: message authentication failed for packet ${sequenceNumber}`);
  }
}

/** A key-exchange public value from the peer is invalid (wrong length, not on the curve, out of range). */
export class KexMathError extends Error {
  override name = 'KexMathError';
  constructor(readonly algorithm: string, detail: string) {
    super(`${algorithm}: ${detail}`);
  }
}

/** A public key or signature blob is malformed or names an unexpected algorithm. */
export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
  constructor(readonly algorithm: string, detail: string) {
    super(`${algorithm}: ${detail}`);
  }
}

/** An algorithm name is not implemented by hopssh. */
export class UnsupportedAlgorithmError extends Error {
  override name = 'UnsupportedAlgorithmError';
  constructor(readonly category: string, readonly algorithm: string) {
    super(`unsupported ${category} algorithm: ${algorithm}`);
  }
}
