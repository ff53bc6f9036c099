/** Shared helpers for the cipher/MAC tests (this folder and test/transport). */
import { readFileSync } from 'node:fs';
import { CIPHERS, MACS } from '../../src/crypto/cipher-registry.ts';
import { aesWasmAvailable } from '../../src/crypto/aes-wasm.ts';
import { availableProviders, type ProviderName } from '../../src/crypto/providers/select.ts';
import type { DirectionKeys } from '../../src/crypto/types.ts';

export const CIPHER_NAMES = [
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;

export const MAC_NAMES = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha1-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-sha1',
] as const;

export interface Combo {
  cipher: string;
  mac: string;
  label: string;
}

/** Every cipher, with every MAC for the non-AEAD ones. */
export const COMBOS: Combo[] = CIPHER_NAMES.flatMap((cipher): Combo[] =>
  CIPHERS[cipher]!.aead
    ? [{ cipher, mac: 'none', label: cipher }]
    : MAC_NAMES.map((mac) => ({ cipher, mac, label: `${cipher} + ${mac}` })),
);

/** Providers that passed the self-test for both the cipher and the MAC of a combination. */
export function providersOf(c: { cipher: string; mac: string }): ProviderName[] {
  const forCipher = availableProviders(c.cipher);
  if (CIPHERS[c.cipher]!.aead) return forCipher;
  const forMac = availableProviders(c.mac);
  return forCipher.filter((p) => forMac.includes(p));
}

/** True under Node itself (not Bun or Deno's Node compatibility), where node:crypto has every primitive. */
export const isRealNode =
  typeof process !== 'undefined' && !!process.versions?.node && !('bun' in process.versions) && !('deno' in process.versions);

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
export function rng(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = s & 0xff;
    }
    return out;
  };
}

export function keysFor(cipher: string, mac: string, bytes: (n: number) => Uint8Array): DirectionKeys {
  const c = CIPHERS[cipher]!;
  const m = MACS[mac] ?? MACS['none']!;
  return { cipher, mac, encKey: bytes(c.keyLength), iv: bytes(c.ivLength), macKey: bytes(m.keyLength) };
}

/**
 * Whether an opener takes a packet in pieces (PacketOpener.beginPieces): where
 * its primitives stream from a source to a target — node:crypto's ciphers,
 * noble's ChaCha20, the portable provider's WebAssembly AES — and the MAC
 * covers the ciphertext (AEAD, etm). @noble/ciphers' AES (the portable
 * provider's AES without WebAssembly) works on whole blocks, and classic MACs
 * cover the plaintext: those packets are gathered and opened whole. So are
 * those whose opener hands over the runtime's output (opensDetached).
 */
export function opensInPieces(cipher: string, mac: string, provider: ProviderName): boolean {
  if (opensDetached(cipher, provider)) return false;
  if (cipher === 'chacha20-poly1305@openssh.com') return true;
  if (provider !== 'runtime' && !aesWasmAvailable()) return false;
  return CIPHERS[cipher]!.aead || !!MACS[mac]?.etm;
}

/**
 * Whether an opener returns the plaintext in the runtime's own output buffer
 * (PacketOpener.openDetached) instead of copying it back: node:crypto's AEADs.
 */
export function opensDetached(cipher: string, provider: ProviderName): boolean {
  return provider === 'runtime' && CIPHERS[cipher]!.aead;
}

/** Whether packet_length is excluded from padding alignment (AEAD and etm; PROTOCOL §1.5/§1.6). */
export function lengthExcluded(cipher: string, mac: string): boolean {
  return CIPHERS[cipher]!.aead || !!MACS[mac]?.etm;
}

/**
 * A plaintext packet (RFC 4253 §6) for `payload` with random padding (>= 4 bytes),
 * aligned as `cipher`/`mac` require.
 */
export function plainPacket(payload: Uint8Array, cipher: string, mac: string, bytes: (n: number) => Uint8Array): Uint8Array {
  const block = Math.max(8, CIPHERS[cipher]!.blockSize);
  const aligned = payload.length + 1 + (lengthExcluded(cipher, mac) ? 0 : 4);
  let pad = block - (aligned % block);
  if (pad < 4) pad += block;
  const packetLength = 1 + payload.length + pad;
  const out = new Uint8Array(4 + packetLength);
  new DataView(out.buffer).setUint32(0, packetLength);
  out[4] = pad;
  out.set(payload, 5);
  out.set(bytes(pad), 5 + payload.length);
  return out;
}

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** One cipher/MAC of fixtures/ssh-packets.json: keys and consecutive packets, hex. */
export interface FixtureCase {
  cipher: string;
  mac: string;
  encKey: string;
  iv: string;
  macKey: string;
  packets: { seq: number; plain: string; sealed: string }[];
}

/**
 * Sealed packets made by fixtures/ssh-packets.py with Python's `cryptography`,
 * composed by hand from the specifications (independent of hopssh). The
 * packets of a case follow each other in one direction (sequence numbers
 * 2^32-2, 2^32-1, 0, 1; counters and keystream continuing).
 */
export const referencePackets: FixtureCase[] = JSON.parse(
  readFileSync(new URL('./fixtures/ssh-packets.json', import.meta.url), 'utf8'),
).cases;

export function fixtureKeys(f: FixtureCase): DirectionKeys {
  return { cipher: f.cipher, mac: f.mac, encKey: unhex(f.encKey), iv: unhex(f.iv), macKey: unhex(f.macKey) };
}
