/** hopssh public API. */
export * from './transport/index.ts';
export type { ByteStream, ByteStreamHandler } from './io/byte-stream.ts';
export { createMemoryPair, type MemoryPairOptions } from './io/memory-pair.ts';
export { NodeSocketStream, connectTcp } from './io/node-socket.ts';
export { generateSigningKey } from './crypto/signing-keys.ts';
export { fingerprintSha256, fingerprintMd5 } from './crypto/fingerprint.ts';
export type { SigningKey, ProviderChoice } from './crypto/types.ts';
export { MacError, KexMathError, KeyFormatError, UnsupportedAlgorithmError } from './crypto/errors.ts';
export { WireError } from './wire/errors.ts';
export { DISCONNECT_REASON } from './wire/message-numbers.ts';
export * from './auth/index.ts';
export { nodeFileSystem } from './io/node-file-system.ts';
export type { FileSystem } from './io/file-system.ts';
export { connectUnix } from './io/node-socket.ts';
