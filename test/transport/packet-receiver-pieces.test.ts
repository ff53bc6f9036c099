/**
 * PacketReceiver with packets that straddle received chunks, as a nested
 * transport receives them through a jump host (whose reads cut the stream
 * anywhere): the payloads, sequence numbers and byte counts are those of
 * whole packets, for every cipher × MAC and provider; openers that take
 * pieces decrypt each piece into the receiver's buffer and nothing is
 * delivered before the tag verifies; every limit and error stays as it was.
 */
import { describe, expect, it, vi } from 'vitest';
import { MacError } from '../../src/crypto/errors.ts';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import type { ProviderName } from '../../src/crypto/providers/select.ts';
import type { DirectionKeys, PacketOpener } from '../../src/crypto/types.ts';
import { LimitError, ProtocolError } from '../../src/transport/errors.ts';
import { PacketReceiver } from '../../src/transport/packet-receiver.ts';
import {
  COMBOS,
  fixtureKeys,
  hex,
  keysFor,
  lengthExcluded,
  opensInPieces,
  plainPacket,
  providersOf,
  referencePackets,
  rng,
  unhex,
} from '../crypto/cipher-helpers.ts';

const NONE: DirectionKeys = { cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) };

interface Got {
  payload: string;
  seq: number;
}

/**
 * A receiver with an opener for `keys` installed as after NEWKEYS, starting
 * at `seq`, and a spy on the opener's piece(). `skip`: packets the opener
 * opens first, itself (the receiver then starts at the next sequence number).
 */
function receiverWith(keys: DirectionKeys, provider: ProviderName, seq: number, max?: number, skip: readonly Uint8Array[] = []) {
  const got: Got[] = [];
  const r = new PacketReceiver(createOpener(NONE, 'noble'), (p, s) => got.push({ payload: hex(p), seq: s }), max);
  const opener: PacketOpener = createOpener(keys, provider);
  for (const sealed of skip) {
    const buf = sealed.slice();
    opener.open(seq, buf, 0, opener.decryptLength(seq, buf, 0));
    seq = (seq + 1) >>> 0;
  }
  const pieces = opener.piece ? vi.spyOn(opener as Required<PacketOpener>, 'piece') : undefined;
  r.setOpener(opener, lengthExcluded(keys.cipher, keys.mac));
  r.seq = seq;
  return { r, got, pieceCalls: () => pieces?.mock.calls.length ?? 0 };
}

/** The payload of a plaintext packet (RFC 4253 §6). */
function payloadOf(plain: Uint8Array): string {
  const len = new DataView(plain.buffer, plain.byteOffset).getUint32(0);
  return hex(plain.subarray(5, 4 + len - plain[4]!));
}

/** `bytes` cut at `cuts` (sorted offsets); each chunk a copy, as a socket delivers them. */
function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c <= at) continue;
    out.push(bytes.slice(at, c));
    at = c;
  }
  return out;
}

/** Chunk sizes drawn from 1 … max, as a relaying jump host's reads. */
function randomChunks(bytes: Uint8Array, rand: (n: number) => Uint8Array, max: number): Uint8Array[] {
  const cuts: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const r = rand(4);
    at += 1 + (new DataView(r.buffer).getUint32(0) % max);
    cuts.push(at);
  }
  return cutAt(bytes, cuts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function caught(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('the Python reference packets in one stream, cut anywhere', () => {
  for (const f of referencePackets) {
    const keys = fixtureKeys(f);
    // The first reference packet has an empty payload, which the receiver refuses (a message has a
    // number): the opener opens it itself, and the stream is the three packets after it.
    const [empty, ...rest] = f.packets;
    const skip = [unhex(empty!.sealed)];
    const sealed = rest.map((p) => unhex(p.sealed));
    const stream = concat(sealed);
    const want: Got[] = rest.map((p) => ({ payload: payloadOf(unhex(p.plain)), seq: p.seq }));
    const first = empty!.seq;
    const next = rest[0]!.seq;
    for (const provider of providersOf(f)) {
      const label = `${f.cipher} ${f.mac} iv=${f.iv.slice(0, 8) || '-'} on ${provider}`;
      const inPieces = opensInPieces(f.cipher, f.mac, provider);

      it(`${label}: every cut, pairs of cuts and one byte at a time give the same payloads${inPieces ? ', opened in pieces' : ''}`, () => {
        const chunkings: Uint8Array[][] = [];
        for (let cut = 1; cut < stream.length; cut++) chunkings.push(cutAt(stream, [cut]));
        for (let a = 1; a < stream.length; a += 19) for (let b = a + 1; b < stream.length; b += 29) chunkings.push(cutAt(stream, [a, b]));
        chunkings.push(cutAt(stream, Array.from({ length: stream.length }, (_, i) => i)));
        for (const chunks of chunkings) {
          const { r, got, pieceCalls } = receiverWith(keys, provider, first, undefined, skip);
          for (const c of chunks) r.feed(c);
          const where = chunks.map((c) => c.length).join('+');
          expect(got, where).toEqual(want);
          expect(r.seq).toBe((first + f.packets.length) >>> 0);
          expect(r.bytesSinceKeys).toBe(stream.length);
          expect(r.packetsSinceKeys).toBe(rest.length);
          expect(r.pendingBytes).toBe(0);
          if (!inPieces) expect(pieceCalls()).toBe(0);
        }
      });

      it(`${label}: a cut inside a packet after its length ${inPieces ? 'opens it in pieces' : 'gathers it whole'}`, () => {
        const { r, got, pieceCalls } = receiverWith(keys, provider, first, undefined, skip);
        // The last packet cut 10 bytes after its start and 3 bytes before its end (inside the tag): three pieces.
        const start = sealed[0]!.length + sealed[1]!.length;
        for (const c of cutAt(stream, [start + 10, stream.length - 3])) r.feed(c);
        expect(got).toEqual(want);
        expect(pieceCalls()).toBe(inPieces ? 3 : 0);
      });

      it(`${label}: a flipped bit in a straddling packet is a MacError (or a length error) and nothing of it is delivered`, () => {
        const bytes = rng(0xb17 + label.length);
        const start = sealed[0]!.length;
        const size = sealed[1]!.length;
        for (let at = 0; at < size; at++) {
          const bad = stream.slice();
          bad[start + at]! ^= 1 << (at % 8);
          const { r, got } = receiverWith(keys, provider, first, undefined, skip);
          const cut = start + Math.min(size - 1, 4 + (bytes(1)[0]! % size));
          const err = caught(() => {
            for (const c of cutAt(bad, [start + 2, cut])) r.feed(c);
          });
          expect(got.map((g) => g.seq), `byte ${at}`).toEqual([next]);
          if (at >= (f.mac.endsWith('etm@openssh.com') || f.cipher.includes('@openssh.com') ? 4 : 16)) {
            expect(err, `byte ${at}`).toBeInstanceOf(MacError);
            expect((err as MacError).sequenceNumber).toBe((next + 1) >>> 0);
          } else {
            // A changed packet_length: refused, or waited for, or the MAC fails.
            expect(err === undefined ? r.pendingBytes > 0 : err instanceof MacError || err instanceof ProtocolError || err instanceof LimitError, `byte ${at}: ${String(err)}`).toBe(true);
          }
        }
      });
    }
  }
});

describe('large packets relayed in arbitrary pieces', () => {
  for (const c of COMBOS) {
    for (const provider of providersOf(c)) {
      it(`${c.label} on ${provider}: 40 packets up to 35000 bytes, chunks of 1 to 70000 bytes`, () => {
        const bytes = rng(0x70 + c.label.length);
        const keys = keysFor(c.cipher, c.mac, bytes);
        const s = createSealer(keys, 'noble');
        const plains: Uint8Array[] = [];
        const sealed: Uint8Array[] = [];
        const first = 0xffffffe0;
        for (let i = 0; i < 40; i++) {
          const plain = plainPacket(bytes(i % 4 === 0 ? 35000 : 1 + bytes(2)[0]! * 37), c.cipher, c.mac, bytes);
          const buf = new Uint8Array(plain.length + s.tagLength);
          buf.set(plain);
          s.seal((first + i) >>> 0, buf, 0, plain.length);
          plains.push(plain);
          sealed.push(buf);
        }
        const stream = concat(sealed);
        const want = plains.map((p, i) => ({ payload: payloadOf(p), seq: (first + i) >>> 0 }));
        for (const max of [1500, 16384, 70000]) {
          const { r, got, pieceCalls } = receiverWith(keys, provider, first);
          for (const chunk of randomChunks(stream, bytes, max)) r.feed(chunk);
          expect(got, `chunks up to ${max}`).toEqual(want);
          expect(r.bytesSinceKeys).toBe(stream.length);
          expect(r.pendingBytes).toBe(0);
          expect(pieceCalls() > 0).toBe(opensInPieces(c.cipher, c.mac, provider));
        }
      });
    }
  }
});

describe('limits and errors of straddling packets are unchanged', () => {
  const piecewise = COMBOS.flatMap((c) => providersOf(c).filter((p) => opensInPieces(c.cipher, c.mac, p)).map((provider) => ({ ...c, provider })));

  for (const c of piecewise) {
    const label = `${c.label} on ${c.provider}`;
    const bytes = rng(0xe7 + label.length);
    const keys = keysFor(c.cipher, c.mac, bytes);
    const sealOne = (seq: number, plain: Uint8Array, sealer = createSealer(keys, 'noble')): Uint8Array => {
      const buf = new Uint8Array(plain.length + sealer.tagLength);
      buf.set(plain);
      sealer.seal(seq, buf, 0, plain.length);
      return buf;
    };

    it(`${label}: invalid padding in an authentic packet is a ProtocolError, after its tag verified`, () => {
      // Below 4, and more than packet_length − 2 (RFC 4253 §6).
      for (const pad of [3, 255]) {
        const s = createSealer(keys, 'noble');
        const good = sealOne(0, plainPacket(bytes(100), c.cipher, c.mac, bytes), s);
        const bad = plainPacket(bytes(40), c.cipher, c.mac, bytes);
        bad[4] = pad;
        const stream = concat([good, sealOne(1, bad, s)]);
        const { r, got, pieceCalls } = receiverWith(keys, c.provider, 0);
        const err = caught(() => {
          for (const chunk of cutAt(stream, [good.length + 10, good.length + 30])) r.feed(chunk);
        });
        expect(err).toBeInstanceOf(ProtocolError);
        expect(String(err)).toContain(`invalid padding length ${pad}`);
        expect(got.map((g) => g.seq)).toEqual([0]);
        expect(pieceCalls()).toBe(3); // the bad packet came in three chunks
      }
    });

    it(`${label}: a packet longer than the limit is a LimitError before any piece`, () => {
      const sealed = sealOne(7, plainPacket(bytes(500), c.cipher, c.mac, bytes));
      const { r, got, pieceCalls } = receiverWith(keys, c.provider, 7, 256);
      expect(() => r.feed(sealed.slice(0, 100))).toThrow(LimitError);
      expect(got).toEqual([]);
      expect(pieceCalls()).toBe(0);
    });

    it(`${label}: paused by the handler, what follows is kept and delivered on resume`, () => {
      const s = createSealer(keys, 'noble');
      const plains = [60, 2000, 3000, 10].map((n) => plainPacket(bytes(n), c.cipher, c.mac, bytes));
      const sealed = plains.map((p, i) => sealOne(i, p, s));
      const stream = concat(sealed);
      const got: Got[] = [];
      const r = new PacketReceiver(createOpener(NONE, 'noble'), (p, seq) => {
        got.push({ payload: hex(p), seq });
        if (seq === 1) r.pause();
      });
      r.setOpener(createOpener(keys, c.provider), true);
      // Packet 1 straddles the first two chunks; packet 2 starts in the second, after the pause.
      const one = sealed[0]!.length + 10;
      const two = sealed[0]!.length + sealed[1]!.length + 20;
      for (const chunk of cutAt(stream, [one, two, two + 1000])) r.feed(chunk);
      expect(got.map((g) => g.seq)).toEqual([0, 1]);
      expect(r.isPaused).toBe(true);
      expect(r.pendingBytes).toBe(stream.length - sealed[0]!.length - sealed[1]!.length);
      r.resume();
      expect(got).toEqual(plains.map((p, i) => ({ payload: payloadOf(p), seq: i })));
      expect(r.pendingBytes).toBe(0);
    });
  }
});
