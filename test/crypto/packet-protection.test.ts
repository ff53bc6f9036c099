/**
 * createSealer/createOpener behaviour across every cipher × MAC and provider:
 * byte-identical output between providers, counters over many packets,
 * tamper detection, and the contract details of types.ts.
 */
import { describe, expect, it } from 'vitest';
import { CIPHERS, MACS } from '../../src/crypto/cipher-registry.ts';
import { MacError, UnsupportedAlgorithmError } from '../../src/crypto/errors.ts';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import type { PacketOpener, PacketSealer } from '../../src/crypto/types.ts';
import { COMBOS, hex, isRealNode, keysFor, lengthExcluded, plainPacket, providersOf, rng } from './cipher-helpers.ts';

function seal(s: PacketSealer, seq: number, plain: Uint8Array, off = 0): Uint8Array {
  const buf = new Uint8Array(off + plain.length + s.tagLength);
  buf.set(plain, off);
  s.seal(seq, buf, off, plain.length);
  return buf.subarray(off);
}

function open(o: PacketOpener, seq: number, sealed: Uint8Array, packetLength?: number): Uint8Array {
  const buf = sealed.slice();
  const decoded = o.decryptLength(seq, buf, 0);
  o.open(seq, buf, 0, packetLength ?? decoded);
  return buf.subarray(0, 4 + (packetLength ?? decoded));
}

describe('providers produce byte-identical packets', () => {
  for (const c of COMBOS) {
    const providers = providersOf(c);
    it.runIf(providers.length > 1)(`${c.label}: noble and runtime agree and open each other's packets`, () => {
      const bytes = rng(0xc0ffee ^ c.label.length);
      const keys = keysFor(c.cipher, c.mac, bytes);
      const sealers = providers.map((p) => createSealer(keys, p));
      const openers = providers.map((p) => createOpener(keys, p));
      for (let seq = 0; seq < 30; seq++) {
        const plain = plainPacket(bytes(seq === 7 ? 35000 : bytes(1)[0]! * 5), c.cipher, c.mac, bytes);
        const outs = sealers.map((s, i) => seal(s, seq, plain, i + seq));
        for (const o of outs) expect(hex(o)).toBe(hex(outs[0]!));
        // Each opener opens the packet sealed by the other provider.
        openers.forEach((o, i) => expect(hex(open(o, seq, outs[(i + 1) % outs.length]!))).toBe(hex(plain)));
      }
    });
  }
  it.runIf(isRealNode)('under Node both providers are available for every combination', () => {
    for (const c of COMBOS) expect(providersOf(c), c.label).toEqual(expect.arrayContaining(['noble', 'runtime']));
  });
});

describe('counters continue across packets', () => {
  for (const c of COMBOS) {
    for (const sp of providersOf(c)) {
      for (const op of providersOf(c)) {
        it(`${c.label}: 100 packets sealed on ${sp}, opened on ${op}`, () => {
          const bytes = rng(100 + c.label.length);
          const keys = keysFor(c.cipher, c.mac, bytes);
          const s = createSealer(keys, sp);
          const o = createOpener(keys, op);
          const plains: Uint8Array[] = [];
          const sealed: Uint8Array[] = [];
          for (let seq = 0; seq < 100; seq++) {
            plains.push(plainPacket(bytes((seq * 37) % 700), c.cipher, c.mac, bytes));
            sealed.push(seal(s, seq, plains[seq]!, seq % 5).slice());
          }
          for (let seq = 0; seq < 100; seq++) expect(hex(open(o, seq, sealed[seq]!))).toBe(hex(plains[seq]!));
          // Identical plaintext sealed twice never gives identical ciphertext (the counter/nonce moved on).
          const again = seal(s, 100, plains[0]!);
          expect(hex(again.subarray(4, 20))).not.toBe(hex(sealed[0]!.subarray(4, 20)));
        });
      }
    }
  }
});

describe('tampering is detected', () => {
  for (const c of COMBOS) {
    for (const p of providersOf(c)) {
      it(`${c.label} on ${p}: every flipped bit makes open throw MacError`, () => {
        const bytes = rng(7 + c.label.length);
        const keys = keysFor(c.cipher, c.mac, bytes);
        const plain = plainPacket(bytes(23), c.cipher, c.mac, bytes);
        const seq = 42;
        const sealed = seal(createSealer(keys, p), seq, plain).slice();
        const packetLength = plain.length - 4;
        const verifiesFirst = CIPHERS[c.cipher]!.aead || MACS[c.mac]!.etm;
        for (let bit = 0; bit < sealed.length * 8; bit++) {
          const o = createOpener(keys, p);
          const buf = sealed.slice();
          buf[bit >> 3]! ^= 1 << (bit & 7);
          o.decryptLength(seq, buf, 0);
          const before = buf.slice();
          let err: unknown;
          try {
            o.open(seq, buf, 0, packetLength);
          } catch (e) {
            err = e;
          }
          expect(err, `bit ${bit}`).toBeInstanceOf(MacError);
          expect((err as MacError).sequenceNumber).toBe(seq);
          // AEAD and etm verify before decrypting: the ciphertext is left as it was.
          if (verifiesFirst) expect(hex(buf)).toBe(hex(before));
        }
        // And the untouched packet still opens.
        expect(hex(open(createOpener(keys, p), seq, sealed))).toBe(hex(plain));
      });
      // RFC 5647 §7.1: GCM authenticates its invocation counter, not the sequence number,
      // so this property is only defined for the other modes (GCM's counter is tested elsewhere).
      if (!c.cipher.includes('gcm')) it(`${c.label} on ${p}: a wrong sequence number makes open throw MacError`, () => {
        const bytes = rng(9);
        const keys = keysFor(c.cipher, c.mac, bytes);
        const plain = plainPacket(bytes(50), c.cipher, c.mac, bytes);
        const sealed = seal(createSealer(keys, p), 5, plain);
        const o = createOpener(keys, p);
        const buf = sealed.slice();
        o.decryptLength(6, buf, 0);
        expect(() => o.open(6, buf, 0, plain.length - 4)).toThrow(MacError);
      });
      it(`${c.label} on ${p}: a packet out of order makes open throw MacError`, () => {
        const bytes = rng(10);
        const keys = keysFor(c.cipher, c.mac, bytes);
        const s = createSealer(keys, p);
        const plain = plainPacket(bytes(50), c.cipher, c.mac, bytes);
        seal(s, 0, plain);
        const second = seal(s, 1, plain);
        const o = createOpener(keys, p);
        const buf = second.slice();
        o.decryptLength(0, buf, 0);
        expect(() => o.open(0, buf, 0, plain.length - 4)).toThrow(MacError);
      });
    }
  }
});

describe('contract details', () => {
  it('reports block size, tag length, length bytes and padding rule per mode', () => {
    for (const c of COMBOS) {
      const keys = keysFor(c.cipher, c.mac, rng(1));
      const s = createSealer(keys);
      const o = createOpener(keys);
      const info = CIPHERS[c.cipher]!;
      const mac = MACS[c.mac]!;
      expect(s.blockSize).toBe(info.blockSize);
      expect(o.blockSize).toBe(info.blockSize);
      expect(s.tagLength).toBe(info.aead ? 16 : mac.length);
      expect(o.tagLength).toBe(s.tagLength);
      expect(s.lengthExcludedFromPadding).toBe(lengthExcluded(c.cipher, c.mac));
      expect(o.lengthBytes).toBe(info.aead || mac.etm ? 4 : 16);
      expect(s.description).toContain(c.cipher);
      expect(o.description).toMatch(/\((noble|runtime)\)/);
    }
  });

  it('none/none leaves packets as they are', () => {
    const keys = { cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) };
    const s = createSealer(keys);
    const o = createOpener(keys);
    expect([s.blockSize, s.tagLength, s.lengthExcludedFromPadding, o.lengthBytes]).toEqual([8, 0, false, 4]);
    const plain = plainPacket(new Uint8Array([21]), 'none', 'none', rng(2));
    const sealed = seal(s, 0, plain);
    expect(hex(sealed)).toBe(hex(plain));
    expect(hex(open(o, 0, sealed))).toBe(hex(plain));
  });

  it('AEAD ciphers ignore the MAC name', () => {
    for (const cipher of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com']) {
      const bytes = rng(3);
      const keys = keysFor(cipher, 'none', bytes);
      const plain = plainPacket(bytes(10), cipher, 'none', bytes);
      const a = seal(createSealer(keys), 0, plain);
      const b = seal(createSealer({ ...keys, mac: 'hmac-sha2-256' }), 0, plain);
      expect(hex(a)).toBe(hex(b));
    }
  });

  it('decryptLength never throws, whatever the bytes', () => {
    const bytes = rng(4);
    for (const c of COMBOS) {
      for (const p of providersOf(c)) {
        const o = createOpener(keysFor(c.cipher, c.mac, bytes), p);
        for (let i = 0; i < 20; i++) {
          const buf = bytes(o.lengthBytes + 3);
          const n = o.decryptLength(i, buf, i % 4);
          expect(Number.isInteger(n) && n >= 0 && n <= 0xffffffff).toBe(true);
        }
      }
    }
  });

  it('copies the keys: wiping the caller’s keys does not affect a sealer', () => {
    const bytes = rng(5);
    const keys = keysFor('aes128-ctr', 'hmac-sha2-256-etm@openssh.com', bytes);
    const copy = { ...keys, encKey: keys.encKey.slice(), iv: keys.iv.slice(), macKey: keys.macKey.slice() };
    const s = createSealer(keys);
    keys.encKey.fill(0);
    keys.iv.fill(0);
    keys.macKey.fill(0);
    const plain = plainPacket(bytes(30), keys.cipher, keys.mac, bytes);
    expect(hex(open(createOpener(copy), 0, seal(s, 0, plain)))).toBe(hex(plain));
  });

  it('rejects unknown algorithms with UnsupportedAlgorithmError', () => {
    const k = new Uint8Array(64);
    expect(() => createSealer({ cipher: 'aes128-cbc', mac: 'hmac-sha1', encKey: k, iv: k, macKey: k })).toThrow(UnsupportedAlgorithmError);
    expect(() => createOpener({ cipher: 'toString', mac: 'hmac-sha1', encKey: k, iv: k, macKey: k })).toThrow(UnsupportedAlgorithmError);
    expect(() => createSealer({ cipher: 'aes128-ctr', mac: 'hmac-md5', encKey: k, iv: k, macKey: k })).toThrow(UnsupportedAlgorithmError);
    expect(() => createSealer({ cipher: 'aes128-ctr', mac: 'none', encKey: k, iv: k, macKey: k })).toThrow(UnsupportedAlgorithmError);
    expect(() => createSealer({ cipher: 'none', mac: 'hmac-sha1', encKey: k, iv: k, macKey: k })).toThrow(UnsupportedAlgorithmError);
  });

  it('rejects short keys with RangeError', () => {
    const k = new Uint8Array(64);
    expect(() => createSealer({ cipher: 'aes256-gcm@openssh.com', mac: 'none', encKey: k.subarray(0, 16), iv: k, macKey: k })).toThrow(RangeError);
    expect(() => createSealer({ cipher: 'aes128-ctr', mac: 'hmac-sha2-512', encKey: k, iv: k, macKey: k.subarray(0, 32) })).toThrow(RangeError);
    expect(() => createOpener({ cipher: 'chacha20-poly1305@openssh.com', mac: 'none', encKey: k.subarray(0, 32), iv: k, macKey: k })).toThrow(RangeError);
  });

  it('CTR rejects spans that are not whole blocks with RangeError', () => {
    const keys = keysFor('aes128-ctr', 'hmac-sha2-256', rng(6));
    const s = createSealer(keys);
    expect(() => s.seal(0, new Uint8Array(64), 0, 20)).toThrow(RangeError);
    const etm = createSealer(keysFor('aes128-ctr', 'hmac-sha2-256-etm@openssh.com', rng(6)));
    expect(() => etm.seal(0, new Uint8Array(64), 0, 16)).toThrow(RangeError);
  });

  it('after dispose, use throws TypeError; dispose twice is harmless', () => {
    for (const c of COMBOS) {
      for (const p of providersOf(c)) {
        const keys = keysFor(c.cipher, c.mac, rng(8));
        const s = createSealer(keys, p);
        const o = createOpener(keys, p);
        s.dispose();
        s.dispose();
        o.dispose();
        o.dispose();
        const buf = new Uint8Array(128);
        expect(() => s.seal(0, buf, 0, 64)).toThrow(TypeError);
        expect(() => o.decryptLength(0, buf, 0)).toThrow(TypeError);
        expect(() => o.open(0, buf, 0, 60)).toThrow(TypeError);
      }
    }
  });
});
