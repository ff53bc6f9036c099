/** Deterministic bench inputs: filler bytes and plaintext packets, the same for a seed on every runtime. */

/** `n` bytes from an LCG's high bits. */
export function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = s = (s * 1103515245 + 12345) >>> 16;
  return out;
}

/**
 * An RFC 4253 §6 packet (length, padding length, payload, padding) around a
 * `payload`-byte payload: padding of at least 4 bytes that aligns the packet
 * to `block` (at least 8), counting the length field unless `lengthExcluded`
 * (AEADs and etm MACs leave it out of what is encrypted: RFC 5647 §7,
 * OpenSSH PROTOCOL §1.7, PROTOCOL.chacha20poly1305).
 */
export function plainPacket(payload: number, block: number, lengthExcluded: boolean): Uint8Array {
  const b = Math.max(8, block);
  let pad = b - ((payload + 1 + (lengthExcluded ? 0 : 4)) % b);
  if (pad < 4) pad += b;
  const out = fill(4 + 1 + payload + pad, 4);
  new DataView(out.buffer).setUint32(0, 1 + payload + pad);
  out[4] = pad;
  return out;
}
