/**
 * The primitive operations a crypto provider supplies to the packet sealers.
 * Every method works in place on `buf[off .. off+len)` so a sealer never has
 * to allocate or copy on its own (DESIGN.md, "The byte path"). The optional
 * src → dst methods let an opener decrypt a packet that arrives in pieces
 * straight from each piece into the packet's buffer (PacketOpener.beginPieces);
 * a provider that lacks them leaves such packets to be gathered first.
 */

/** A provider's name: `noble` (portable: JavaScript and hopssh's WebAssembly, everywhere; noble.ts) or `runtime` (the built-in node:crypto). */
export type ProviderName = 'noble' | 'runtime';

/** Primitive algorithms chosen per provider (DESIGN.md, "Crypto providers"). */
export type PrimitiveId =
  | 'aes128-ctr'
  | 'aes192-ctr'
  | 'aes256-ctr'
  | 'aes128-gcm'
  | 'aes256-gcm'
  | 'chacha20'
  | 'hmac-sha1'
  | 'hmac-sha256'
  | 'hmac-sha512';

export type HmacHash = 'sha1' | 'sha256' | 'sha512';

/** AES-CTR keystream with a 128-bit big-endian counter (NIST SP 800-38A §6.5), continuing across calls. */
export interface AesCtrStream {
  /** XORs the next `len` keystream bytes into `buf[off .. off+len)`; `len` must be a multiple of 16. */
  update(buf: Uint8Array, off: number, len: number): void;
  /**
   * Optional: XORs the next `len` keystream bytes (any `len`: the keystream
   * continues mid-block) with `src[srcOff ..)` into `dst[dstOff ..)`.
   * `update` may follow once the bytes since the last whole block add up to a multiple of 16.
   */
  xorTo?(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
  dispose(): void;
}

/** AES-GCM under one key (NIST SP 800-38D), one call per message. */
export interface AesGcmKey {
  /**
   * `buf[off .. off+aadLen)` is the AAD, the plaintext follows it for `len`
   * bytes. Encrypts in place and writes the 16-byte tag right after it.
   * `iv` is the 12-byte IV.
   */
  seal(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): void;
  /**
   * Same layout, ciphertext then tag. Verifies the tag before any plaintext is
   * written to `buf`; returns false (and leaves `buf` untouched) when it does not verify.
   */
  open(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): boolean;
  /**
   * Optional: `open` with the `len` plaintext bytes returned in a buffer of
   * their own (`buf` left untouched), or undefined when the tag does not
   * verify. For providers whose output is a fresh buffer anyway.
   */
  openDetached?(iv: Uint8Array, buf: Uint8Array, off: number, aadLen: number, len: number): Uint8Array | undefined;
  /**
   * Optional: `open` in pieces, one message at a time per key. beginOpen takes
   * the IV and the AAD `aad[aadOff .. aadOff+aadLen)`; openPiece decrypts the
   * next `len` ciphertext bytes (any `len`) from `src[srcOff ..)` into
   * `dst[dstOff ..)` — plaintext the caller must not use unless endOpen
   * returns true; endOpen checks the 16-byte `tag[tagOff ..)` in constant time.
   */
  beginOpen?(iv: Uint8Array, aad: Uint8Array, aadOff: number, aadLen: number): void;
  openPiece?(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
  endOpen?(tag: Uint8Array, tagOff: number): boolean;
  dispose(): void;
}

/** ChaCha20 (RFC 8439 §2.4) under one key: a keystream positioned by `reset`. */
export interface ChaCha20Stream {
  /** Positions the keystream at block `counter` for the 12-byte `nonce` (RFC 8439 §2.3 state layout). */
  reset(nonce: Uint8Array, counter: number): void;
  /** XORs the next `len` keystream bytes into `buf[off .. off+len)`. Every call but the last after a reset must be a multiple of 64 bytes. */
  update(buf: Uint8Array, off: number, len: number): void;
  /**
   * Optional: XORs the next `len` keystream bytes (any `len`: the keystream
   * continues mid-block) with `src[srcOff ..)` into `dst[dstOff ..)`.
   */
  xorTo?(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
  /**
   * Optional: the next `len` keystream bytes XOR `src[srcOff ..)`, returned in
   * a buffer of their own — for providers whose output is a fresh buffer anyway.
   */
  xorDetached?(src: Uint8Array, srcOff: number, len: number): Uint8Array;
  dispose(): void;
}

/** HMAC (RFC 2104) under one key, one message at a time: begin, update…, finish. */
export interface HmacKey {
  readonly length: number;
  begin(): void;
  update(buf: Uint8Array, off: number, len: number): void;
  /** Writes the `length`-byte MAC to `out[outOff ..)`. */
  finish(out: Uint8Array, outOff: number): void;
  dispose(): void;
}

/** One provider's constructors. A provider may lack some primitives (`undefined`). */
export interface PrimitiveProvider {
  readonly name: ProviderName;
  aesCtr?(key: Uint8Array, iv: Uint8Array): AesCtrStream;
  aesGcm?(key: Uint8Array): AesGcmKey;
  chacha20?(key: Uint8Array): ChaCha20Stream;
  hmac?(hash: HmacHash, key: Uint8Array): HmacKey;
}
