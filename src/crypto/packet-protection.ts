/**
 * Builds the packet sealer/opener for one direction from its negotiated
 * algorithms and derived keys (RFC 4253 §6, §7.2), on the provider chosen per
 * primitive (providers/select.ts).
 */
import { CIPHERS, MACS } from './cipher-registry.ts';
import { UnsupportedAlgorithmError } from './errors.ts';
import { selectProvider, type ProviderRequest } from './providers/select.ts';
import type { HmacHash, PrimitiveId } from './providers/primitives.ts';
import { AesGcmOpener, AesGcmSealer } from './seal-aes-gcm.ts';
import { ChaChaPolyOpener, ChaChaPolySealer } from './seal-chacha20-poly1305.ts';
import { CtrMacOpener, CtrMacSealer, type CtrMacParts } from './seal-ctr-mac.ts';
import { NoneOpener, NoneSealer } from './seal-none.ts';
import type { DirectionKeys, PacketOpener, PacketSealer } from './types.ts';

const MAC_HASH: Record<string, HmacHash> = {
  'hmac-sha2-256-etm@openssh.com': 'sha256',
  'hmac-sha2-512-etm@openssh.com': 'sha512',
  'hmac-sha1-etm@openssh.com': 'sha1',
  'hmac-sha2-256': 'sha256',
  'hmac-sha2-512': 'sha512',
  'hmac-sha1': 'sha1',
};

/** The first `n` bytes of `key`, copied (the caller may wipe its own). */
function take(what: string, algorithm: string, key: Uint8Array, n: number): Uint8Array {
  if (key.length < n) throw new RangeError(`${algorithm}: ${what} must be at least ${n} bytes, got ${key.length}`);
  return key.slice(0, n);
}

type Build<T> = {
  none(): T;
  chacha(p: ReturnType<typeof selectProvider>, key: Uint8Array): T;
  gcm(name: string, p: ReturnType<typeof selectProvider>, key: Uint8Array, iv: Uint8Array): T;
  ctrMac(parts: CtrMacParts): T;
};

function build<T>(keys: DirectionKeys, provider: ProviderRequest, b: Build<T>): T {
  const cipher = CIPHERS[keys.cipher];
  if (!cipher) throw new UnsupportedAlgorithmError('cipher', keys.cipher);
  if (cipher.name === 'none') {
    if (keys.mac !== 'none') throw new UnsupportedAlgorithmError('mac', `${keys.mac} with cipher none`);
    return b.none();
  }
  const key = take('encryption key', cipher.name, keys.encKey, cipher.keyLength);
  const iv = take('IV', cipher.name, keys.iv, cipher.ivLength);
  try {
    if (cipher.name === 'chacha20-poly1305@openssh.com') return b.chacha(selectProvider('chacha20', provider), key);
    const bits = cipher.keyLength * 8;
    if (cipher.aead) return b.gcm(cipher.name, selectProvider(`aes${bits}-gcm` as PrimitiveId, provider), key, iv);
    const mac = MACS[keys.mac];
    const hash = MAC_HASH[keys.mac];
    if (!mac || !hash) throw new UnsupportedAlgorithmError('mac', keys.mac === 'none' ? `none with cipher ${cipher.name}` : keys.mac);
    const macKey = take('MAC key', mac.name, keys.macKey, mac.keyLength);
    const cp = selectProvider(`aes${bits}-ctr` as PrimitiveId, provider);
    const mp = selectProvider(`hmac-${hash}` as PrimitiveId, provider);
    const parts: CtrMacParts = {
      cipherName: cipher.name,
      mac,
      ctr: cp.aesCtr!(key, iv),
      hmac: mp.hmac!(hash, macKey),
      description: `${cipher.name} (${cp.name}) + ${mac.name} (${mp.name})`,
    };
    macKey.fill(0);
    return b.ctrMac(parts);
  } finally {
    key.fill(0);
    iv.fill(0);
  }
}

/**
 * A sealer for outgoing packets. `provider`: `auto` (per algorithm, the fastest
 * provider that passed its self-test), `noble`, or `runtime` (node:crypto;
 * throws where it is absent or failed its self-test).
 * Throws UnsupportedAlgorithmError for an unknown cipher/MAC, RangeError for short keys.
 */
export function createSealer(keys: DirectionKeys, provider: ProviderRequest = 'auto'): PacketSealer {
  return build<PacketSealer>(keys, provider, {
    none: () => new NoneSealer(),
    chacha: (p, key) => new ChaChaPolySealer(p, key),
    gcm: (name, p, key, iv) => new AesGcmSealer(name, p, key, iv),
    ctrMac: (parts) => new CtrMacSealer(parts),
  });
}

/** An opener for incoming packets; same choices and errors as createSealer. */
export function createOpener(keys: DirectionKeys, provider: ProviderRequest = 'auto'): PacketOpener {
  return build<PacketOpener>(keys, provider, {
    none: () => new NoneOpener(),
    chacha: (p, key) => new ChaChaPolyOpener(p, key),
    gcm: (name, p, key, iv) => new AesGcmOpener(name, p, key, iv),
    ctrMac: (parts) => new CtrMacOpener(parts),
  });
}
