/**
 * The contracts between src/crypto and the layers above it. The transport only
 * sees these interfaces; which provider (noble or the runtime's built-in
 * crypto) sits behind each one is chosen per algorithm (DESIGN.md, "Crypto providers").
 */

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Incremental hash (exchange hash, key derivation). */
export interface Hash {
  update(data: Uint8Array): this;
  digest(): Uint8Array;
}

/**
 * `auto`: per algorithm, the fastest provider that passed its self-test;
 * `noble`: noble everywhere; `runtime`: the runtime's built-in crypto where it
 * passed its self-test (for tests and benchmarks), noble elsewhere.
 */
export type ProviderChoice = 'auto' | 'noble' | 'runtime';

/** Keys for one direction, derived as in RFC 4253 §7.2. */
export interface DirectionKeys {
  cipher: string;
  /** MAC name; ignored for AEAD ciphers. */
  mac: string;
  encKey: Uint8Array;
  iv: Uint8Array;
  macKey: Uint8Array;
}

/**
 * Seals outgoing packets in place (RFC 4253 §6; PROTOCOL.chacha20poly1305;
 * RFC 5647 as amended by OpenSSH PROTOCOL §1.6; PROTOCOL §1.5 etm MACs).
 */
export interface PacketSealer {
  /** Name for diagnostics, e.g. "aes128-gcm@openssh.com (runtime)". */
  readonly description: string;
  /** Cipher block size: the packet is padded to a multiple of it (min 8). */
  readonly blockSize: number;
  /** Bytes appended after the packet: the AEAD tag or the MAC. */
  readonly tagLength: number;
  /**
   * True when packet_length is not part of the encrypted/aligned data
   * (AEAD and etm modes): padding then aligns padding_length‖payload‖padding.
   */
  readonly lengthExcludedFromPadding: boolean;
  /**
   * `buf[off .. off+len)` holds packet_length ‖ padding_length ‖ payload ‖ padding
   * in plaintext. Encrypts in place and writes the tag at `buf[off+len .. off+len+tagLength)`.
   * `seq` is the 32-bit sequence number.
   */
  seal(seq: number, buf: Uint8Array, off: number, len: number): void;
  /** Zero the key material. */
  dispose(): void;
}

/** Opens incoming packets in place. */
export interface PacketOpener {
  readonly description: string;
  readonly blockSize: number;
  readonly tagLength: number;
  /** Bytes that must be present before `decryptLength` can run: 4, or one cipher block. */
  readonly lengthBytes: number;
  /**
   * Returns packet_length from the first `lengthBytes` bytes at `buf[off]`.
   * May decrypt those bytes in place (CTR without etm), in which case `open`
   * knows they are already plaintext. Must not throw for any bytes; the codec
   * checks the returned length.
   */
  decryptLength(seq: number, buf: Uint8Array, off: number): number;
  /**
   * `buf[off .. off+4+packetLength+tagLength)` is the whole packet as received.
   * Verifies the tag in constant time and decrypts in place, leaving the
   * plaintext packet_length ‖ padding_length ‖ payload ‖ padding at `off`.
   * Throws MacError when the tag does not verify.
   */
  open(seq: number, buf: Uint8Array, off: number, packetLength: number): void;
  /**
   * Optional, preferred to `open` where present: the same check, but the
   * plaintext padding_length ‖ payload ‖ padding (`packetLength` bytes) is
   * returned in a buffer of its own instead of written back into `buf` — for
   * primitives that produce a fresh output buffer anyway (node:crypto), which
   * saves copying it back. `buf` is left as received. Throws MacError.
   */
  openDetached?(seq: number, buf: Uint8Array, off: number, packetLength: number): Uint8Array;
  /**
   * Optional: opens a packet that arrives in pieces (one straddling received
   * chunks) without gathering its ciphertext first: the cipher writes each
   * piece's plaintext straight into the packet's buffer. For openers whose
   * `lengthBytes` is 4.
   *
   * `head[headOff .. headOff+4)` is packet_length as received; `packetLength`
   * what decryptLength returned for it. Returns false when this opener cannot
   * (its primitives lack the src → dst methods, or the mode does not allow
   * it): the caller then gathers the packet and calls `open`. After true:
   * `piece` for each run of the bytes after packet_length, in order — the
   * ciphertext, then the tag, which the opener keeps — then `endPieces`.
   */
  beginPieces?(seq: number, head: Uint8Array, headOff: number, packetLength: number): boolean;
  /**
   * The next `len` bytes after packet_length, at `src[srcOff]`; `dstOff` is
   * their offset in the packet. Ciphertext is decrypted into
   * `dst[dstOff ..)` — unauthenticated until endPieces returns, so not to be
   * used before then; tag bytes are not written to `dst`.
   */
  piece?(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
  /**
   * After the last piece: verifies the tag in constant time and throws
   * MacError as `open` does. On success `dst[dstOff ..)` holds the packet as
   * `open` leaves it: plaintext packet_length ‖ padding_length ‖ payload ‖ padding.
   */
  endPieces?(dst: Uint8Array, dstOff: number): void;
  dispose(): void;
}

/** Static description of a cipher (RFC 4253 §6.3 and the OpenSSH extensions). */
export interface CipherInfo {
  name: string;
  keyLength: number;
  ivLength: number;
  blockSize: number;
  /** AEAD ciphers carry their own tag; the negotiated MAC is ignored (RFC 5647 §5.1). */
  aead: boolean;
}

export interface MacInfo {
  name: string;
  keyLength: number;
  /** Length of the MAC appended to each packet. */
  length: number;
  /** Encrypt-then-MAC (PROTOCOL §1.5). */
  etm: boolean;
}

/**
 * One party of an ephemeral key agreement (the math of RFC 4253 §8, RFC 5656 §4,
 * RFC 8731, draft-ietf-sshm-mlkem-hybrid-kex). Wire values are the bodies of
 * the SSH `string`/`mpint` fields (without the uint32 length).
 */
export interface KexAgreement {
  /** Our public value: Q_C/Q_S (ECDH), e/f (DH, mpint body), C_INIT/S_REPLY (ML-KEM hybrid). */
  readonly publicValue: Uint8Array;
  /**
   * Computes the shared secret K from the peer's public value, encoded exactly
   * as it enters the exchange hash and key derivation (RFC 4253 §7.2):
   * `mpint K` or, for the hybrid KEM, `string K` — length prefix included.
   * Throws KexMathError for an invalid peer value.
   */
  computeSecret(peerValue: Uint8Array): Uint8Array;
}

/** A key-exchange method's math: client and server halves. */
export interface KexMath {
  readonly name: string;
  readonly hash: HashName;
  /** Client side: generate the ephemeral key; then computeSecret(server value). */
  client(): KexAgreement;
  /**
   * Server side: given the client's value, generate the server's reply.
   * For a KEM the reply depends on the client's value; for DH/ECDH it does not.
   */
  server(clientValue: Uint8Array): KexAgreement;
}

/** A private host key able to sign (RFC 4253 §6.6). */
export interface SigningKey {
  /** Key type as in the public key blob: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, … */
  readonly type: string;
  /** The public key blob (RFC 4253 §6.6 encoding). */
  readonly publicBlob: Uint8Array;
  /** Signature algorithms this key can make, preferred first (an RSA key: rsa-sha2-512, rsa-sha2-256). */
  readonly algorithms: readonly string[];
  /** Returns the signature blob: string(algorithm) ‖ string(signature). `provider` 'noble' keeps it off the runtime's crypto. */
  sign(algorithm: string, data: Uint8Array, provider?: ProviderChoice): Uint8Array;
}
