/**
 * Opening a packet in pieces (PacketOpener.beginPieces/piece/endPieces), as
 * the receiver does for a packet that straddles received chunks: the
 * Python-reference packets cut at every offset and at random, larger packets
 * in random pieces mixed with whole ones, and a flipped bit anywhere — in
 * packet_length, the ciphertext or the tag — refused with MacError.
 */
import { describe, expect, it } from 'vitest';
import { CIPHERS, MACS } from '../../src/crypto/cipher-registry.ts';
import { MacError } from '../../src/crypto/errors.ts';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import type { PacketOpener } from '../../src/crypto/types.ts';
import {
  COMBOS,
  fixtureKeys,
  hex,
  isRealNode,
  keysFor,
  opensDetached,
  opensInPieces,
  plainPacket,
  providersOf,
  referencePackets,
  rng,
  unhex,
} from './cipher-helpers.ts';

const DST_OFF = 3;

/**
 * Opens `sealed` in pieces cut at `cuts` (offsets from the packet's start,
 * in order), into a fresh buffer as the receiver does: packet_length copied
 * there, every later byte through piece().
 */
function openInPieces(o: PacketOpener, seq: number, sealed: Uint8Array, cuts: readonly number[]): Uint8Array {
  const src = sealed.slice();
  const packetLength = o.decryptLength(seq, src, 0);
  expect(packetLength).toBe(sealed.length - 4 - o.tagLength);
  const dst = new Uint8Array(DST_OFF + sealed.length + 2).fill(0xee);
  dst.set(src.subarray(0, 4), DST_OFF);
  expect(o.beginPieces!(seq, src, 0, packetLength)).toBe(true);
  let at = 4;
  for (const cut of [...cuts, sealed.length]) {
    const end = Math.min(cut, sealed.length);
    if (end <= at) continue;
    o.piece!(src, at, end - at, dst, DST_OFF + at);
    at = end;
  }
  o.endPieces!(dst, DST_OFF);
  expect(hex(src), 'pieces are read, not written').toBe(hex(sealed));
  expect(dst.subarray(0, DST_OFF).every((b) => b === 0xee)).toBe(true);
  expect(dst.subarray(DST_OFF + 4 + packetLength).every((b) => b === 0xee), 'the tag is not written to the packet').toBe(true);
  return dst.slice(DST_OFF, DST_OFF + 4 + packetLength);
}

/** Opens whole, the way the codec does. */
function openWhole(o: PacketOpener, seq: number, sealed: Uint8Array): Uint8Array {
  const buf = sealed.slice();
  const packetLength = o.decryptLength(seq, buf, 0);
  o.open(seq, buf, 0, packetLength);
  return buf.slice(0, 4 + packetLength);
}

/** Up to `n` random cut points inside a packet of `size` bytes, in order. */
function randomCuts(bytes: (n: number) => Uint8Array, size: number, n: number): number[] {
  const r = bytes(4 * n);
  const cuts: number[] = [];
  for (let i = 0; i < n; i++) cuts.push(new DataView(r.buffer).getUint32(4 * i) % (size + 1));
  return cuts.sort((a, b) => a - b);
}

describe('which openers take pieces', () => {
  for (const c of COMBOS) {
    for (const provider of providersOf(c)) {
      const how = opensDetached(c.cipher, provider) ? 'gathered whole, opened detached' : opensInPieces(c.cipher, c.mac, provider) ? 'in pieces' : 'gathered whole';
      it(`${c.label} on ${provider}: ${how}`, () => {
        const keys = keysFor(c.cipher, c.mac, rng(7));
        const o = createOpener(keys, provider);
        const head = createSealer(keys, provider);
        const plain = plainPacket(new Uint8Array(20), c.cipher, c.mac, rng(8));
        const buf = new Uint8Array(plain.length + head.tagLength);
        buf.set(plain);
        head.seal(0, buf, 0, plain.length);
        const packetLength = o.decryptLength(0, buf, 0);
        expect(o.beginPieces?.(0, buf, 0, packetLength) ?? false).toBe(opensInPieces(c.cipher, c.mac, provider));
        expect(typeof o.openDetached).toBe(opensDetached(c.cipher, provider) ? 'function' : 'undefined');
      });
    }
  }
  it.runIf(isRealNode)('under Node, every AEAD and etm combination is opened by the runtime provider (in pieces or detached)', () => {
    for (const c of COMBOS) if (CIPHERS[c.cipher]!.aead || MACS[c.mac]!.etm) expect(providersOf(c), c.label).toContain('runtime');
  });
});

describe('opening detached: the runtime output handed over, the packet left as received', () => {
  for (const f of referencePackets) {
    for (const provider of providersOf(f).filter((p) => opensDetached(f.cipher, p))) {
      it(`${f.cipher} ${f.mac} iv=${f.iv.slice(0, 8) || '-'} on ${provider}: same plaintext as open(); a flipped bit is a MacError`, () => {
        const keys = fixtureKeys(f);
        const detached = createOpener(keys, provider);
        const inPlace = createOpener(keys, provider);
        for (const p of f.packets) {
          const sealed = unhex(p.sealed);
          const buf = sealed.slice();
          const packetLength = detached.decryptLength(p.seq, buf, 0);
          const body = detached.openDetached!(p.seq, buf, 0, packetLength);
          expect(hex(buf), 'the packet is only read').toBe(hex(sealed));
          expect(body).toBeInstanceOf(Uint8Array);
          expect(Object.getPrototypeOf(body), 'a plain Uint8Array (a Buffer would slice() to a view)').toBe(Uint8Array.prototype);
          expect(hex(body)).toBe(hex(openWhole(inPlace, p.seq, sealed).subarray(4)));
          expect(hex(body)).toBe(p.plain.slice(8));
        }
        const last = f.packets.at(-1)!;
        for (const at of [0, 4, unhex(last.sealed).length - 1]) {
          const opener = createOpener(keys, provider);
          for (const p of f.packets.slice(0, -1)) {
            const b = unhex(p.sealed);
            opener.openDetached!(p.seq, b, 0, opener.decryptLength(p.seq, b, 0));
          }
          const bad = unhex(last.sealed);
          const packetLength = opener.decryptLength(last.seq, bad.slice(), 0);
          bad[at]! ^= 0x10;
          expect(() => opener.openDetached!(last.seq, bad, 0, packetLength), `bit at ${at}`).toThrow(MacError);
        }
      });
    }
  }
});

const piecewiseCases = referencePackets.flatMap((f) =>
  providersOf(f)
    .filter((p) => opensInPieces(f.cipher, f.mac, p))
    .map((provider) => ({ f, provider, label: `${f.cipher} ${f.mac} iv=${f.iv.slice(0, 8) || '-'} on ${provider}` })),
);

describe('the Python reference packets, opened in pieces', () => {
  it('cover every AEAD and etm combination', () => {
    const seen = new Set(piecewiseCases.map((c) => `${c.f.cipher}|${c.f.mac}`));
    for (const c of COMBOS) if (CIPHERS[c.cipher]!.aead || MACS[c.mac]!.etm) expect(seen.has(`${c.cipher}|${c.mac}`), c.label).toBe(true);
  });
  for (const { f, provider, label } of piecewiseCases) {
    const keys = fixtureKeys(f);
    const sealed = f.packets.map((p) => unhex(p.sealed));
    const longest = Math.max(...sealed.map((s) => s.length));

    it(`${label}: cut in two at every offset`, () => {
      for (let cut = 0; cut <= longest; cut++) {
        const o = createOpener(keys, provider);
        f.packets.forEach((p, i) => expect(hex(openInPieces(o, p.seq, sealed[i]!, [cut])), `seq ${p.seq}, cut at ${cut}`).toBe(p.plain));
      }
    });

    it(`${label}: one byte at a time, and random cuts`, () => {
      const bytes = rng(0x9137 + label.length);
      const bytewise = (n: number) => Array.from({ length: n }, (_, i) => i);
      const o = createOpener(keys, provider);
      f.packets.forEach((p, i) => expect(hex(openInPieces(o, p.seq, sealed[i]!, bytewise(sealed[i]!.length))), `seq ${p.seq}`).toBe(p.plain));
      for (let round = 0; round < 40; round++) {
        const again = createOpener(keys, provider);
        f.packets.forEach((p, i) => {
          const cuts = randomCuts(bytes, sealed[i]!.length, 1 + (round % 6));
          expect(hex(openInPieces(again, p.seq, sealed[i]!, cuts)), `seq ${p.seq}, cuts ${cuts.join(',')}`).toBe(p.plain);
        });
      }
    });

    it(`${label}: a flipped bit anywhere in the packet is a MacError`, () => {
      const bytes = rng(0xf11b + label.length);
      for (const i of [0, f.packets.length - 1]) {
        const { seq } = f.packets[i]!;
        for (let at = 0; at < sealed[i]!.length; at++) {
          // A fresh opener brought to packet i by opening the ones before it.
          const o = createOpener(keys, provider);
          for (let j = 0; j < i; j++) openWhole(o, f.packets[j]!.seq, sealed[j]!);
          const bad = sealed[i]!.slice();
          const packetLength = sealed[i]!.length - 4 - o.tagLength;
          bad[at]! ^= 1 << (at % 8);
          const dst = new Uint8Array(bad.length);
          dst.set(bad.subarray(0, 4));
          // packet_length as the receiver would have read it before the flip, so the flip is left to the MAC.
          expect(o.beginPieces!(seq, bad, 0, packetLength)).toBe(true);
          let pos = 4;
          for (const cut of [...randomCuts(bytes, bad.length, 3), bad.length]) {
            if (cut <= pos) continue;
            o.piece!(bad, pos, cut - pos, dst, pos);
            pos = cut;
          }
          let thrown: unknown;
          try {
            o.endPieces!(dst, 0);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `byte ${at} of seq ${seq}`).toBeInstanceOf(MacError);
          expect((thrown as MacError).sequenceNumber).toBe(seq);
        }
      }
    });
  }
});

describe('large packets in pieces, mixed with whole ones', () => {
  for (const c of COMBOS) {
    for (const provider of providersOf(c).filter((p) => opensInPieces(c.cipher, c.mac, p))) {
      it(`${c.label} on ${provider}: 24 packets up to 35000 bytes, every other one in random pieces`, () => {
        const bytes = rng(0x1a26e + c.label.length);
        const keys = keysFor(c.cipher, c.mac, bytes);
        if (c.cipher.includes('gcm')) keys.iv.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 5); // carry inside the counter
        const s = createSealer(keys, provider === 'runtime' ? 'noble' : 'runtime');
        const o = createOpener(keys, provider);
        let seq = 0xfffffff4;
        for (let i = 0; i < 24; i++, seq = (seq + 1) >>> 0) {
          const n = i % 3 === 0 ? 35000 - (i % 7) : bytes(2)[0]! * 11;
          const plain = plainPacket(bytes(n), c.cipher, c.mac, bytes);
          const buf = new Uint8Array(plain.length + s.tagLength);
          buf.set(plain);
          s.seal(seq, buf, 0, plain.length);
          const got = i % 2 === 0 ? openInPieces(o, seq, buf, randomCuts(bytes, buf.length, 1 + (i % 9))) : openWhole(o, seq, buf);
          expect(hex(got), `packet ${i}`).toBe(hex(plain));
        }
      });
    }
  }
});

describe('the piecewise contract', () => {
  const keys = keysFor('chacha20-poly1305@openssh.com', 'none', rng(3));
  for (const provider of providersOf({ cipher: keys.cipher, mac: 'none' }).filter((p) => opensInPieces(keys.cipher, 'none', p))) {
    it(`${keys.cipher} on ${provider}: pieces out of turn are RangeErrors, use after dispose a TypeError`, () => {
      const o = createOpener(keys, provider);
      const src = new Uint8Array(64);
      expect(() => o.piece!(src, 0, 4, new Uint8Array(64), 4)).toThrow(RangeError);
      expect(o.beginPieces!(0, src, 0, 12)).toBe(true);
      expect(() => o.endPieces!(new Uint8Array(64), 0)).toThrow(RangeError); // nothing taken yet
      expect(o.beginPieces!(0, src, 0, 12)).toBe(true);
      expect(() => o.piece!(src, 4, 12 + 16 + 1, new Uint8Array(64), 4)).toThrow(RangeError); // past the tag
      o.dispose();
      expect(() => o.beginPieces!(0, src, 0, 12)).toThrow(TypeError);
    });
  }
});
