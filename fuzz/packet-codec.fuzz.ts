/**
 * Fuzzing the packet codec (RFC 4253 §6): PacketReceiver fed arbitrary bytes
 * in arbitrary chunks, with the `none` opener and with real openers of every
 * cipher × MAC; PacketSender → PacketReceiver round trips; tampering.
 */
import { beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { PacketReceiver, DEFAULT_MAX_PACKET_LENGTH } from '../src/transport/packet-receiver.ts';
import { PacketSender } from '../src/transport/packet-sender.ts';
import { LimitError, ProtocolError } from '../src/transport/errors.ts';
import { createOpener, createSealer } from '../src/crypto/packet-protection.ts';
import { CIPHERS, MACS } from '../src/crypto/cipher-registry.ts';
import { MacError } from '../src/crypto/errors.ts';
import { availableProviders, cryptoProvidersReady, type ProviderName } from '../src/crypto/providers/select.ts';
import type { DirectionKeys, PacketOpener } from '../src/crypto/types.ts';
import type { ByteStream } from '../src/io/byte-stream.ts';
import { check, chunk, concat, cutsArb, ensure, ensureBytes, outcome, timeoutFor, u32 } from './fuzz-config.ts';

const ALLOWED = [ProtocolError, LimitError, MacError];

// ------------------------------------------------------------- algorithms

interface Combo {
  cipher: string;
  mac: string;
}

/** Every cipher × MAC in the registry (AEAD ciphers with their implicit MAC), from the registry itself. */
const COMBOS: Combo[] = Object.values(CIPHERS)
  .filter((c) => c.name !== 'none')
  .flatMap((c) => (c.aead ? [{ cipher: c.name, mac: 'none' }] : Object.values(MACS).filter((m) => m.name !== 'none').map((m) => ({ cipher: c.name, mac: m.name }))));
const NONE: Combo = { cipher: 'none', mac: 'none' };

/** Providers that pass the self-test for both halves of a combination. */
let providers: (c: Combo) => ProviderName[] = () => ['noble'];

beforeAll(async () => {
  await cryptoProvidersReady();
  providers = (c) => {
    if (c.cipher === 'none') return ['noble'];
    const forCipher = availableProviders(c.cipher);
    return CIPHERS[c.cipher]!.aead ? forCipher : forCipher.filter((p) => availableProviders(c.mac).includes(p));
  };
});

/** Key material for one direction from fuzzed bytes (reproducible, unlike randomBytes). */
function keysFrom(c: Combo, seed: Uint8Array): DirectionKeys {
  const cipher = CIPHERS[c.cipher]!;
  const mac = MACS[c.mac]!;
  let i = 0;
  const take = (n: number) => {
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) out[j] = seed[i++ % seed.length]! ^ (i * 131);
    return out;
  };
  return { cipher: c.cipher, mac: c.mac, encKey: take(cipher.keyLength), iv: take(cipher.ivLength), macKey: take(mac.keyLength) };
}

function excluded(c: Combo): boolean {
  return CIPHERS[c.cipher]!.aead || MACS[c.mac]!.etm;
}

function opener(c: Combo, seed: Uint8Array, provider: ProviderName): PacketOpener {
  return createOpener(keysFrom(c, seed), provider);
}

interface Setup {
  combo: Combo;
  seed: Uint8Array;
  /** Index into the providers available for the combination (sealer, opener). */
  sealWith: number;
  openWith: number;
}

const setupArb = (combos: Combo[]): fc.Arbitrary<Setup> =>
  fc.record({
    combo: fc.constantFrom(...combos),
    seed: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    sealWith: fc.nat(),
    openWith: fc.nat(),
  });

function pick(c: Combo, i: number): ProviderName {
  const ps = providers(c);
  return ps[i % ps.length]!;
}

/** A receiver with the opener of `s` installed, as the handshake installs it after NEWKEYS. */
function receiverFor(s: Setup, maxPacketLength: number, seq: number, got: { payload: Uint8Array; seq: number }[]): PacketReceiver {
  const r = new PacketReceiver(createOpener({ cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) }), (payload, sq) => got.push({ payload: payload.slice(), seq: sq }), maxPacketLength);
  if (s.combo.cipher !== 'none') r.setOpener(opener(s.combo, s.seed, pick(s.combo, s.openWith)), excluded(s.combo));
  r.seq = seq;
  return r;
}

/** A ByteStream that only collects what is written. */
function collector(): { stream: ByteStream; written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const stream: ByteStream = {
    start: () => undefined,
    write: (d) => {
      written.push(d);
      return true;
    },
    pause: () => undefined,
    resume: () => undefined,
    end: () => undefined,
    close: () => undefined,
  };
  return { stream, written };
}

interface Fed {
  got: { payload: Uint8Array; seq: number }[];
  error: Error | undefined;
}

/**
 * Feeds chunks (copies: the receiver decrypts in place) until the first
 * error, checking after each that what it holds is at most one packet.
 */
function feed(r: PacketReceiver, chunks: readonly Uint8Array[], got: Fed['got'], maxPacketLength: number, tagLength: number): Fed {
  const bound = 4 + maxPacketLength + tagLength;
  for (const c of chunks) {
    const res = outcome(ALLOWED, () => r.feed(c.slice()), 'PacketReceiver.feed');
    if (!res.ok) return { got, error: res.error };
    ensure(r.pendingBytes <= bound, `pendingBytes ${r.pendingBytes} exceeds one packet (${bound})`);
  }
  return { got, error: undefined };
}

const maxLenArb = fc.oneof(fc.constant(DEFAULT_MAX_PACKET_LENGTH), fc.constant(35000), fc.integer({ min: 0, max: 2048 }));
const seqArb = fc.oneof(fc.constant(0), fc.constant(0xffffffff - 2), fc.nat({ max: 0xffffffff }).map((n) => n >>> 0));

/** Random bytes, or bytes that start like packets: a plausible length, then anything. */
const wireArb = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc
    .array(
      fc.tuple(fc.oneof(fc.integer({ min: 0, max: 80 }).map((n) => n * 8 + 4), fc.integer({ min: 0, max: 80 }).map((n) => n * 16), fc.nat({ max: 300 }), fc.constantFrom(0, 1, 5, 0x7fffffff, 0xffffffff, DEFAULT_MAX_PACKET_LENGTH + 1)), fc.uint8Array({ maxLength: 120 })),
      { maxLength: 6 },
    )
    .map((parts) => concat(parts.flatMap(([len, rest]) => [u32(len), rest]))),
);

/** Well-formed cleartext packets (RFC 4253 §6: length + 4 a multiple of 8, padding of 4 or more), then maybe garbage. */
const cleartextArb = fc
  .tuple(fc.array(fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 3 })), { maxLength: 6 }), fc.uint8Array({ maxLength: 20 }))
  .map(([packets, tail]) =>
    concat([
      ...packets.map(([payload, extraBlocks]) => {
        let pad = 8 - ((5 + payload.length) % 8);
        if (pad < 4) pad += 8;
        pad += 8 * extraBlocks;
        return concat([u32(1 + payload.length + pad), Uint8Array.of(pad), payload, new Uint8Array(pad).fill(0xa5)]);
      }),
      tail,
    ]),
  );

function tagOf(c: Combo): number {
  return CIPHERS[c.cipher]!.aead ? 16 : MACS[c.mac]!.length;
}

// ------------------------------------------------------------------ tests

describe('fuzz: PacketReceiver on arbitrary bytes (RFC 4253 §6)', () => {
  test('none opener: payloads or ProtocolError/LimitError, the same for any chunking, holding at most one packet', () => {
    check(
      fc.property(setupArb([NONE]), maxLenArb, seqArb, fc.oneof(wireArb, cleartextArb), cutsArb, (s, max, seq, bytes, cuts) => {
        const all: Fed['got'] = [];
        const whole = feed(receiverFor(s, max, seq, all), [bytes], all, max, 0);
        const got: Fed['got'] = [];
        const cut = feed(receiverFor(s, max, seq, got), chunk(bytes, cuts), got, max, 0);
        compareFeeds(whole, cut);
        // Cleartext framing: each payload is exactly the bytes between its header and its padding.
        let off = 0;
        for (const g of cut.got) {
          const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(off);
          const pad = bytes[off + 4]!;
          ensure(len <= max && pad >= 4, `delivered a packet with length ${len} and padding ${pad}`);
          ensureBytes(g.payload, bytes.subarray(off + 5, off + 4 + len - pad), 'payload');
          off += 4 + len;
        }
      }),
    );
  }, timeoutFor());

  test('every cipher × MAC, random keys: only ProtocolError/LimitError/MacError, the same for any chunking', () => {
    check(
      fc.property(setupArb(COMBOS), maxLenArb, seqArb, wireArb, cutsArb, (s, max, seq, bytes, cuts) => {
        const all: Fed['got'] = [];
        const whole = feed(receiverFor(s, max, seq, all), [bytes], all, max, tagOf(s.combo));
        const got: Fed['got'] = [];
        const cut = feed(receiverFor(s, max, seq, got), chunk(bytes, cuts), got, max, tagOf(s.combo));
        compareFeeds(whole, cut);
        // Random bytes never authenticate (2^-128 and smaller odds).
        ensure(cut.got.length === 0, `${s.combo.cipher} + ${s.combo.mac} delivered a payload from random bytes`);
      }),
      0.5,
    );
  }, timeoutFor(0.5));
});

function compareFeeds(whole: Fed, cut: Fed): void {
  ensure(whole.got.length === cut.got.length, `whole input delivered ${whole.got.length} payloads, chunked ${cut.got.length}`);
  for (let i = 0; i < whole.got.length; i++) {
    ensureBytes(cut.got[i]!.payload, whole.got[i]!.payload, `payload ${i}`);
    ensure(cut.got[i]!.seq === whole.got[i]!.seq, `seq of payload ${i}`);
  }
  ensure(whole.error?.constructor === cut.error?.constructor, `whole input: ${String(whole.error)}; chunked: ${String(cut.error)}`);
}

interface Sealed {
  bytes: Uint8Array;
  /** End offset of each packet in `bytes`. */
  ends: number[];
}

function seal(s: Setup, payloads: readonly Uint8Array[], seq: number): Sealed {
  const { stream, written } = collector();
  const keys = s.combo.cipher === 'none' ? { cipher: 'none', mac: 'none', encKey: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) } : keysFrom(s.combo, s.seed);
  const sender = new PacketSender(stream, createSealer(keys, pick(s.combo, s.sealWith)));
  sender.seq = seq;
  const ends: number[] = [];
  for (const p of payloads) {
    sender.send(p);
    ends.push(sender.bytesSinceKeys);
  }
  sender.flush();
  return { bytes: concat(written), ends };
}

/** Like `chunk`, but one byte at a time only for small inputs (it is slow for 300 kB). */
function chunkSome(bytes: Uint8Array, cuts: number[] | 'bytewise'): Uint8Array[] {
  return cuts === 'bytewise' && bytes.length > 4096 ? chunk(bytes, [1, 2, 3, 4, 5, 17, 4096, 4097]) : chunk(bytes, cuts);
}

const payloadsArb = fc.array(
  fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 40000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) }),
  { minLength: 1, maxLength: 8 },
);

describe('fuzz: PacketSender → PacketReceiver', () => {
  test('every cipher × MAC and provider pair, any chunking: exactly the payloads, in order, with their sequence numbers', () => {
    check(
      fc.property(setupArb([NONE, ...COMBOS]), payloadsArb, seqArb, cutsArb, (s, payloads, seq, cuts) => {
        const sealed = seal(s, payloads, seq);
        ensure(sealed.ends[sealed.ends.length - 1] === sealed.bytes.length, 'sender accounting differs from the bytes written');
        const got: Fed['got'] = [];
        const r = receiverFor(s, DEFAULT_MAX_PACKET_LENGTH, seq, got);
        const res = feed(r, chunkSome(sealed.bytes, cuts), got, DEFAULT_MAX_PACKET_LENGTH, tagOf(s.combo));
        ensure(res.error === undefined, () => `${s.combo.cipher} + ${s.combo.mac}: ${String(res.error)}`);
        ensure(got.length === payloads.length, `delivered ${got.length} of ${payloads.length}`);
        for (let i = 0; i < payloads.length; i++) {
          ensureBytes(got[i]!.payload, payloads[i]!, `payload ${i}`);
          ensure(got[i]!.seq === (seq + i) >>> 0, `sequence number of payload ${i}`);
        }
        ensure(r.pendingBytes === 0, 'bytes left over');
      }),
      0.5,
    );
  }, timeoutFor(0.5));

  test('flipping any byte: MacError/ProtocolError/LimitError or waiting for more, never a wrong payload', () => {
    check(
      fc.property(setupArb(COMBOS), payloadsArb, seqArb, fc.nat(), fc.integer({ min: 1, max: 255 }), cutsArb, (s, payloads, seq, at, mask, cuts) => {
        const sealed = seal(s, payloads, seq);
        const i = at % sealed.bytes.length;
        sealed.bytes[i] ^= mask;
        const hit = sealed.ends.findIndex((e) => i < e);
        const got: Fed['got'] = [];
        const r = receiverFor(s, DEFAULT_MAX_PACKET_LENGTH, seq, got);
        const res = feed(r, chunkSome(sealed.bytes, cuts), got, DEFAULT_MAX_PACKET_LENGTH, tagOf(s.combo));
        ensure(got.length <= hit, () => `${s.combo.cipher} + ${s.combo.mac}: byte ${i} of packet ${hit} flipped, yet ${got.length} payloads were delivered`);
        for (let k = 0; k < got.length; k++) ensureBytes(got[k]!.payload, payloads[k]!, `payload ${k}`);
        // No error only when the flipped length now asks for more bytes than were sent.
        ensure(res.error !== undefined || r.pendingBytes > 0, 'a corrupted packet vanished without an error');
      }),
      0.5,
    );
  }, timeoutFor(0.5));
});
