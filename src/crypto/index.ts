/** Public surface of src/crypto, used by the transport and auth layers. */
export type * from './types.ts';
export * from './errors.ts';
export { randomBytes } from './random.ts';
export { createHash, hashLength } from './hash.ts';
export { CIPHERS, MACS } from './cipher-registry.ts';
export { createSealer, createOpener } from './packet-protection.ts';
export { KEX_NAMES, kexMath, loadFiniteFieldDh } from './kex-registry.ts';
export { verifySignature, keyTypeOfAlgorithm } from './signature.ts';
export { generateSigningKey } from './signing-keys.ts';
export { fingerprintSha256, fingerprintMd5 } from './fingerprint.ts';
export { providerFor, providerDetails, availableProviders, cryptoProvidersReady } from './providers/select.ts';
