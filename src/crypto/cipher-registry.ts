/**
 * Static descriptions of the bulk ciphers and MACs hopssh implements
 * (RFC 4253 §6.3/§6.4, RFC 4344 §4, RFC 6668, RFC 5647 as amended by
 * OpenSSH PROTOCOL §1.6, PROTOCOL §1.5, PROTOCOL.chacha20poly1305).
 * Both tables have a null prototype, so `CIPHERS[name]` is undefined for any
 * name not listed (including "constructor", "__proto__").
 */
import type { CipherInfo, MacInfo } from './types.ts';

function table<T extends { name: string }>(entries: T[]): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  for (const e of entries) out[e.name] = Object.freeze(e);
  return Object.freeze(out);
}

export const CIPHERS: Record<string, CipherInfo> = table<CipherInfo>([
  // PROTOCOL.chacha20poly1305: 64 bytes of key (K_2 ‖ K_1), no IV, 8-byte alignment.
  { name: 'chacha20-poly1305@openssh.com', keyLength: 64, ivLength: 0, blockSize: 8, aead: true },
  // RFC 5647 §7.1/§7.3; PROTOCOL §1.6: 12-byte IV (4 fixed ‖ 8 invocation counter).
  { name: 'aes128-gcm@openssh.com', keyLength: 16, ivLength: 12, blockSize: 16, aead: true },
  { name: 'aes256-gcm@openssh.com', keyLength: 32, ivLength: 12, blockSize: 16, aead: true },
  // RFC 4344 §4: the IV is the initial 128-bit counter.
  { name: 'aes128-ctr', keyLength: 16, ivLength: 16, blockSize: 16, aead: false },
  { name: 'aes192-ctr', keyLength: 24, ivLength: 16, blockSize: 16, aead: false },
  { name: 'aes256-ctr', keyLength: 32, ivLength: 16, blockSize: 16, aead: false },
  // RFC 4253 §6.3: before the first NEWKEYS. Alignment is still 8 (RFC 4253 §6).
  { name: 'none', keyLength: 0, ivLength: 0, blockSize: 8, aead: false },
]);

export const MACS: Record<string, MacInfo> = table<MacInfo>([
  // PROTOCOL §1.5: MAC over seq ‖ packet_length ‖ ciphertext; length sent in clear.
  { name: 'hmac-sha2-256-etm@openssh.com', keyLength: 32, length: 32, etm: true },
  { name: 'hmac-sha2-512-etm@openssh.com', keyLength: 64, length: 64, etm: true },
  { name: 'hmac-sha1-etm@openssh.com', keyLength: 20, length: 20, etm: true },
  // RFC 6668 §2, RFC 4253 §6.4: MAC over seq ‖ plaintext packet.
  { name: 'hmac-sha2-256', keyLength: 32, length: 32, etm: false },
  { name: 'hmac-sha2-512', keyLength: 64, length: 64, etm: false },
  { name: 'hmac-sha1', keyLength: 20, length: 20, etm: false },
  { name: 'none', keyLength: 0, length: 0, etm: false },
]);
