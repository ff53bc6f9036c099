/**
 * PacketReceiver.claim: a handler may keep the payload of the packet being
 * delivered without copying it where the opener decrypted it into a buffer of
 * its own (openDetached: node:crypto's AEADs). A claimed payload is not wiped
 * and stays intact while later packets arrive; an unclaimed one is wiped when
 * the handler returns; where packets are opened in place (the buffer is the
 * receiver's or the caller's, and reused) claim refuses and the caller copies.
 */
import { describe, expect, it } from 'vitest';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import type { DirectionKeys } from '../../src/crypto/types.ts';
import { PacketReceiver } from '../../src/transport/packet-receiver.ts';
import { COMBOS, hex, keysFor, lengthExcluded, opensDetached, plainPacket, providersOf, rng } from '../crypto/cipher-helpers.ts';

const NONE: DirectionKeys = { cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) };

/** `count` sealed packets of random payloads (sizes up to 40000) under `keys`, from sequence number 0, and their payloads. */
function sealedPackets(keys: DirectionKeys, count: number, bytes: (n: number) => Uint8Array) {
  const s = createSealer(keys, 'noble');
  const payloads: Uint8Array[] = [];
  const wire: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const payload = bytes(i % 3 === 0 ? 40000 : 1 + bytes(1)[0]! * 50);
    const plain = plainPacket(payload, keys.cipher, keys.mac, bytes);
    const buf = new Uint8Array(plain.length + s.tagLength);
    buf.set(plain);
    s.seal(i, buf, 0, plain.length);
    payloads.push(payload);
    wire.push(buf);
  }
  return { payloads, wire };
}

describe('claiming a delivered payload', () => {
  for (const c of COMBOS) {
    for (const provider of providersOf(c)) {
      const detached = opensDetached(c.cipher, provider);
      it(`${c.label} on ${provider}: ${detached ? 'claimed payloads kept intact, unclaimed ones wiped' : 'claim refused (opened in place)'}`, () => {
        const bytes = rng(0x3c + c.label.length);
        const keys = keysFor(c.cipher, c.mac, bytes);
        const { payloads, wire } = sealedPackets(keys, 12, bytes);
        const kept: Uint8Array[] = [];
        const dropped: Uint8Array[] = [];
        let refused = 0;
        let r!: PacketReceiver;
        r = new PacketReceiver(createOpener(NONE, 'noble'), (p, seq) => {
          // Every other packet is kept; a view outside the payload's packet is never claimable.
          expect(r.claim(new Uint8Array(p.length))).toBe(false);
          if (seq % 2 === 1) return void dropped.push(p);
          if (r.claim(p)) kept.push(p);
          else {
            refused++;
            kept.push(p.slice());
          }
        });
        r.setOpener(createOpener(keys, provider), lengthExcluded(c.cipher, c.mac));
        // Whole packets in one chunk, then each cut in two (gathered, then opened).
        const whole = wire.slice(0, 6);
        const all = new Uint8Array(whole.reduce((n, b) => n + b.length, 0));
        whole.reduce((at, b) => (all.set(b, at), at + b.length), 0);
        r.feed(all);
        for (const b of wire.slice(6)) {
          r.feed(b.slice(0, b.length >> 1));
          r.feed(b.slice(b.length >> 1));
        }
        expect(kept.map(hex)).toEqual(payloads.filter((_, i) => i % 2 === 0).map(hex));
        expect(refused).toBe(detached ? 0 : 6);
        if (detached) {
          // Unclaimed bodies were handed out from the opener's own buffers and wiped after their call.
          for (const p of dropped) expect(p.every((b) => b === 0)).toBe(true);
        }
        // Outside a delivery nothing can be claimed.
        expect(r.claim(kept[0]!)).toBe(false);
      });
    }
  }
});
