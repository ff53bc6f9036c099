/**
 * Sealed-packet known answers for every cipher as SSH uses it, on every
 * available provider. Expected bytes come from outside hopssh:
 * - fixtures/ssh-packets.json, made by fixtures/ssh-packets.py with Python's
 *   `cryptography` composed by hand from PROTOCOL.chacha20poly1305, RFC 5647 /
 *   PROTOCOL §1.6, RFC 4344 and RFC 4253 §6.4 / PROTOCOL §1.5;
 * - node:crypto primitives composed by hand in this file (AES-GCM, AES-CTR,
 *   HMAC, and for chacha20-poly1305@openssh.com ChaCha20 + noble's Poly1305).
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { CIPHERS, MACS } from '../../src/crypto/cipher-registry.ts';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import type { DirectionKeys } from '../../src/crypto/types.ts';
import { COMBOS, fixtureKeys, hex, keysFor, plainPacket, providersOf, referencePackets as fixtures, rng, unhex } from './cipher-helpers.ts';

/** Seals `plain` at an odd offset with room for the tag, returns the sealed bytes. */
function sealAt(s: ReturnType<typeof createSealer>, seq: number, plain: Uint8Array, off = 3): Uint8Array {
  const buf = new Uint8Array(off + plain.length + s.tagLength + 5);
  buf.set(plain, off);
  s.seal(seq, buf, off, plain.length);
  expect(buf.subarray(0, off).every((b) => b === 0)).toBe(true);
  expect(buf.subarray(off + plain.length + s.tagLength).every((b) => b === 0)).toBe(true);
  return buf.slice(off, off + plain.length + s.tagLength);
}

/** Opens `sealed` the way the codec does: decryptLength on the first bytes, then open. */
function openAt(o: ReturnType<typeof createOpener>, seq: number, sealed: Uint8Array, off = 1): Uint8Array {
  const buf = new Uint8Array(off + sealed.length);
  buf.set(sealed, off);
  const packetLength = o.decryptLength(seq, buf, off);
  expect(packetLength).toBe(sealed.length - 4 - o.tagLength);
  o.open(seq, buf, off, packetLength);
  return buf.slice(off, off + 4 + packetLength);
}

describe('sealed packets from the Python reference (fixtures/ssh-packets.py)', () => {
  it('covers every cipher and MAC', () => {
    const seen = new Set(fixtures.map((f) => `${f.cipher}|${f.mac}`));
    for (const c of COMBOS) expect(seen.has(`${c.cipher}|${c.mac}`), c.label).toBe(true);
  });
  for (const f of fixtures) {
    const keys = fixtureKeys(f);
    for (const provider of providersOf(f)) {
      it(`${f.cipher} ${f.mac} iv=${f.iv || '-'} on ${provider}`, () => {
        const s = createSealer(keys, provider);
        const o = createOpener(keys, provider);
        for (const p of f.packets) {
          expect(hex(sealAt(s, p.seq, unhex(p.plain))), `seal seq ${p.seq}`).toBe(p.sealed);
          expect(hex(openAt(o, p.seq, unhex(p.sealed))), `open seq ${p.seq}`).toBe(p.plain);
        }
      });
    }
  }
});

/** Reference sealing composed from node:crypto (independent of src/crypto). */
function referenceSealer(keys: DirectionKeys): (seq: number, plain: Uint8Array) => Uint8Array {
  const cipher = CIPHERS[keys.cipher]!;
  if (cipher.name === 'chacha20-poly1305@openssh.com') {
    const k2 = keys.encKey.subarray(0, 32);
    const k1 = keys.encKey.subarray(32, 64);
    // OpenSSL's 16-byte ChaCha20 IV: 32-bit LE block counter ‖ 96-bit nonce; here 0 ‖ uint64be(seq).
    const stream = (k: Uint8Array, seq: number, counter: number, data: Uint8Array) => {
      const iv = Buffer.alloc(16);
      iv.writeUInt32LE(counter, 0);
      iv.writeUInt32BE(seq, 12);
      return nodeCrypto.createCipheriv('chacha20', k, iv).update(data);
    };
    return (seq, plain) => {
      const len = stream(k1, seq, 0, plain.subarray(0, 4));
      const polyKey = stream(k2, seq, 0, new Uint8Array(32));
      const body = stream(k2, seq, 1, plain.subarray(4));
      const tag = poly1305(Buffer.concat([len, body]), polyKey);
      return Buffer.concat([len, body, tag]);
    };
  }
  if (cipher.aead) {
    const iv = Buffer.from(keys.iv);
    return (_seq, plain) => {
      const c = nodeCrypto.createCipheriv(`aes-${cipher.keyLength * 8}-gcm` as nodeCrypto.CipherGCMTypes, keys.encKey, iv);
      c.setAAD(plain.subarray(0, 4));
      const body = Buffer.concat([c.update(plain.subarray(4)), c.final()]);
      const out = Buffer.concat([plain.subarray(0, 4), body, c.getAuthTag()]);
      iv.writeBigUInt64BE((iv.readBigUInt64BE(4) + 1n) & 0xffffffffffffffffn, 4);
      return out;
    };
  }
  const mac = MACS[keys.mac]!;
  const hash = mac.name.startsWith('hmac-sha2-256') ? 'sha256' : mac.name.startsWith('hmac-sha2-512') ? 'sha512' : 'sha1';
  const ctr = nodeCrypto.createCipheriv(`aes-${cipher.keyLength * 8}-ctr`, keys.encKey, keys.iv);
  return (seq, plain) => {
    const s = Buffer.alloc(4);
    s.writeUInt32BE(seq);
    if (mac.etm) {
      const body = Buffer.concat([plain.subarray(0, 4), ctr.update(plain.subarray(4))]);
      return Buffer.concat([body, nodeCrypto.createHmac(hash, keys.macKey).update(s).update(body).digest()]);
    }
    const tag = nodeCrypto.createHmac(hash, keys.macKey).update(s).update(plain).digest();
    return Buffer.concat([ctr.update(plain), tag]);
  };
}

describe('sealed packets against a node:crypto composition', () => {
  for (const c of COMBOS) {
    for (const provider of providersOf(c)) {
      it(`${c.label} on ${provider}: 40 random packets`, () => {
        const bytes = rng(0x5eed + c.label.length);
        const keys = keysFor(c.cipher, c.mac, bytes);
        if (c.cipher.includes('gcm')) keys.iv.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 5); // carry inside the counter
        const ref = referenceSealer(keys);
        const s = createSealer(keys, provider);
        const o = createOpener(keys, provider);
        let seq = 0xfffffff0;
        for (let i = 0; i < 40; i++, seq = (seq + 1) >>> 0) {
          const n = i % 10 === 0 ? 32768 : bytes(2)[0]! * 3;
          const plain = plainPacket(bytes(n), c.cipher, c.mac, bytes);
          const sealed = sealAt(s, seq, plain, i % 4);
          expect(hex(sealed), `packet ${i}`).toBe(hex(ref(seq, plain)));
          expect(hex(openAt(o, seq, sealed, (i + 1) % 4)), `packet ${i}`).toBe(hex(plain));
        }
      });
    }
  }
});
