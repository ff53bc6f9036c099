/**
 * Packets from the whole pipeline: a real key exchange, keys derived by the
 * transport (RFC 4253 §7.2), sealed by its sealer, opened here by a client
 * written with node:crypto only — and the other way round.
 *
 * test/crypto checks the sealers with given keys; this checks what a peer
 * sees: the client below does the version exchange, KEXINIT,
 * curve25519-sha256 (RFC 8731), NEWKEYS, derives its own keys, and exchanges
 * SERVICE_REQUEST/ACCEPT and upper-layer messages with hopssh's
 * ServerTransport over an in-memory stream, with and without strict kex
 * (sequence numbers reset or continuing, OpenSSH PROTOCOL §1.10).
 *
 * Packet protection composed by hand: RFC 4344 AES-CTR + RFC 4253 §6.4 HMAC;
 * OpenSSH PROTOCOL §1.5 encrypt-then-MAC; RFC 5647 AES-GCM as PROTOCOL §1.6;
 * PROTOCOL.chacha20poly1305 (Poly1305 is noble's: Node has none).
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import type { ProviderChoice } from '../../src/crypto/types.ts';
import { hostKey } from '../helpers/transport-pair.ts';

// ---------------------------------------------------------------- SSH encodings (RFC 4251 §5)

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const u32 = (n: number) => {
  const o = Buffer.alloc(4);
  o.writeUInt32BE(n >>> 0);
  return o;
};
const str = (x: Uint8Array | string) => {
  const body = typeof x === 'string' ? utf8(x) : Buffer.from(x);
  return Buffer.concat([u32(body.length), body]);
};
const mpintOfUnsigned = (x: Uint8Array) => {
  let i = 0;
  while (i < x.length && x[i] === 0) i++;
  let body = Buffer.from(x.subarray(i));
  if (body.length > 0 && body[0]! & 0x80) body = Buffer.concat([Buffer.of(0), body]);
  return str(body);
};

class Fields {
  private o = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): number {
    return this.buf[this.o++]!;
  }
  uint32(): number {
    const v = this.buf.readUInt32BE(this.o);
    this.o += 4;
    return v;
  }
  string(): Buffer {
    const n = this.uint32();
    const v = this.buf.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  nameList(): string[] {
    const s = this.string().toString();
    return s === '' ? [] : s.split(',');
  }
}

// ---------------------------------------------------------------- the reference peer's packet protection

interface Suite {
  cipher: string;
  mac: string;
}

const CIPHER = {
  'aes128-ctr': { key: 16, iv: 16, block: 16 },
  'aes256-gcm@openssh.com': { key: 32, iv: 12, block: 16 },
  'chacha20-poly1305@openssh.com': { key: 64, iv: 0, block: 8 },
} as const;
const MAC = {
  'hmac-sha2-256': { key: 32, len: 32, etm: false },
  'hmac-sha2-256-etm@openssh.com': { key: 32, len: 32, etm: true },
  none: { key: 0, len: 0, etm: false },
} as const;

interface Keys {
  iv: Buffer;
  enc: Buffer;
  mac: Buffer;
}

/** RFC 4253 §7.2, written out: K1 = HASH(K ‖ H ‖ X ‖ session_id), K(n+1) = HASH(K ‖ H ‖ K1 ‖ … ‖ Kn). */
function derive(K: Buffer, H: Buffer, letter: string, sid: Buffer, len: number): Buffer {
  let out = nodeCrypto.createHash('sha256').update(K).update(H).update(letter).update(sid).digest();
  while (out.length < len) out = Buffer.concat([out, nodeCrypto.createHash('sha256').update(K).update(H).update(out).digest()]);
  return out.subarray(0, len);
}

function keysFor(s: Suite, K: Buffer, H: Buffer, clientToServer: boolean): Keys {
  const c = CIPHER[s.cipher as keyof typeof CIPHER];
  const m = MAC[s.mac as keyof typeof MAC];
  const [iv, enc, mac] = clientToServer ? ['A', 'C', 'E'] : ['B', 'D', 'F'];
  return { iv: derive(K, H, iv!, H, c.iv), enc: derive(K, H, enc!, H, c.key), mac: derive(K, H, mac!, H, m.key) };
}

/** Plaintext packet_length ‖ padding_length ‖ payload ‖ padding (RFC 4253 §6), aligned as the mode asks. */
function frame(payload: Uint8Array, block: number, lengthExcluded: boolean): Buffer {
  const unpadded = (lengthExcluded ? 1 : 5) + payload.length;
  let pad = block - (unpadded % block);
  if (pad < 4) pad += block;
  const packetLength = 1 + payload.length + pad;
  return Buffer.concat([u32(packetLength), Buffer.of(pad), payload, nodeCrypto.randomBytes(pad)]);
}

const seqBytes = (seq: number) => u32(seq);

/** ChaCha20 as OpenSSH uses it: 64-bit block counter, 64-bit nonce = seq (OpenSSL's IV: counter32le ‖ counter-high ‖ nonce). */
function chacha(key: Buffer, seq: number, counter: number, data: Uint8Array): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  iv.writeBigUInt64BE(BigInt(seq), 8);
  return nodeCrypto.createCipheriv('chacha20', key, iv).update(data);
}

/** One direction of the reference peer: seal (our sends) or open (hopssh's sends). */
class Direction {
  private ctr: nodeCrypto.Cipher | nodeCrypto.Decipher | undefined;
  private readonly gcmIv: Buffer;

  constructor(
    private readonly s: Suite,
    private readonly k: Keys,
    encrypt: boolean,
  ) {
    this.gcmIv = Buffer.from(k.iv);
    if (s.cipher === 'aes128-ctr') {
      this.ctr = encrypt ? nodeCrypto.createCipheriv('aes-128-ctr', k.enc, k.iv) : nodeCrypto.createDecipheriv('aes-128-ctr', k.enc, k.iv);
    }
  }

  private hmac(seq: number, ...parts: Uint8Array[]): Buffer {
    const h = nodeCrypto.createHmac('sha256', this.k.mac).update(seqBytes(seq));
    for (const p of parts) h.update(p);
    return h.digest();
  }

  /** RFC 5647 §7.1: the invocation counter (last 8 bytes of the IV) counts up per packet. */
  private nextGcmIv(): Buffer {
    const iv = Buffer.from(this.gcmIv);
    this.gcmIv.writeBigUInt64BE((this.gcmIv.readBigUInt64BE(4) + 1n) & 0xffff_ffff_ffff_ffffn, 4);
    return iv;
  }

  seal(seq: number, payload: Uint8Array): Buffer {
    const { cipher, mac } = this.s;
    if (cipher === 'chacha20-poly1305@openssh.com') {
      const plain = frame(payload, 8, true);
      const main = this.k.enc.subarray(0, 32);
      const header = this.k.enc.subarray(32, 64);
      const len = chacha(header, seq, 0, plain.subarray(0, 4));
      const body = chacha(main, seq, 1, plain.subarray(4));
      const tag = poly1305(Buffer.concat([len, body]), chacha(main, seq, 0, Buffer.alloc(32)));
      return Buffer.concat([len, body, tag]);
    }
    if (cipher === 'aes256-gcm@openssh.com') {
      const plain = frame(payload, 16, true);
      const c = nodeCrypto.createCipheriv('aes-256-gcm', this.k.enc, this.nextGcmIv());
      c.setAAD(plain.subarray(0, 4));
      const body = Buffer.concat([c.update(plain.subarray(4)), c.final()]);
      return Buffer.concat([plain.subarray(0, 4), body, c.getAuthTag()]);
    }
    const ctr = this.ctr as nodeCrypto.Cipher;
    if (MAC[mac as keyof typeof MAC].etm) {
      const plain = frame(payload, 16, true);
      const body = Buffer.concat([plain.subarray(0, 4), ctr.update(plain.subarray(4))]);
      return Buffer.concat([body, this.hmac(seq, body)]);
    }
    const plain = frame(payload, 16, false);
    return Buffer.concat([ctr.update(plain), this.hmac(seq, plain)]);
  }

  /** Reads one packet from `wire`, checks its tag and padding, returns the payload. */
  async open(seq: number, wire: Wire): Promise<Buffer> {
    const { cipher, mac } = this.s;
    let plain: Buffer;
    if (cipher === 'chacha20-poly1305@openssh.com') {
      const main = this.k.enc.subarray(0, 32);
      const encLen = await wire.take(4);
      const len = chacha(this.k.enc.subarray(32, 64), seq, 0, encLen).readUInt32BE(0);
      expect(len, 'decrypted packet_length').toBeLessThan(MAX_PACKET);
      const body = await wire.take(len);
      const tag = await wire.take(16);
      const expected = poly1305(Buffer.concat([encLen, body]), chacha(main, seq, 0, Buffer.alloc(32)));
      expect(Buffer.from(expected).equals(tag), 'Poly1305 tag').toBe(true);
      plain = Buffer.concat([u32(len), chacha(main, seq, 1, body)]);
      checkAlignment(plain, 8, true);
    } else if (cipher === 'aes256-gcm@openssh.com') {
      const lenBytes = await wire.take(4);
      const body = await wire.take(lenBytes.readUInt32BE(0));
      const tag = await wire.take(16);
      const d = nodeCrypto.createDecipheriv('aes-256-gcm', this.k.enc, this.nextGcmIv());
      d.setAAD(lenBytes);
      d.setAuthTag(tag);
      plain = Buffer.concat([lenBytes, d.update(body), d.final()]);
      checkAlignment(plain, 16, true);
    } else {
      const ctr = this.ctr as nodeCrypto.Decipher;
      if (MAC[mac as keyof typeof MAC].etm) {
        const lenBytes = await wire.take(4);
        const body = await wire.take(lenBytes.readUInt32BE(0));
        const tag = await wire.take(32);
        expect(this.hmac(seq, lenBytes, body).equals(tag), 'etm MAC').toBe(true);
        plain = Buffer.concat([lenBytes, ctr.update(body)]);
        checkAlignment(plain, 16, true);
      } else {
        const first = ctr.update(await wire.take(16));
        expect(first.readUInt32BE(0), 'decrypted packet_length').toBeLessThan(MAX_PACKET);
        const rest = ctr.update(await wire.take(4 + first.readUInt32BE(0) - 16));
        plain = Buffer.concat([first, rest]);
        const tag = await wire.take(32);
        expect(this.hmac(seq, plain).equals(tag), 'MAC').toBe(true);
        checkAlignment(plain, 16, false);
      }
    }
    const pad = plain[4]!;
    expect(pad).toBeGreaterThanOrEqual(4);
    return plain.subarray(5, plain.length - pad);
  }
}

/** A garbage packet_length (wrong key or sequence number) fails here instead of waiting for bytes that never come. */
const MAX_PACKET = 1 << 18;

function checkAlignment(plain: Buffer, block: number, lengthExcluded: boolean): void {
  expect((plain.length - (lengthExcluded ? 4 : 0)) % block, 'padding alignment').toBe(0);
}

// ---------------------------------------------------------------- the reference peer's byte stream

class Wire {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly stream: ReturnType<typeof createMemoryPair>[0]) {
    stream.start({
      data: (chunk) => {
        this.buf = Buffer.concat([this.buf, chunk]);
        this.wake?.();
      },
      drain: () => undefined,
      end: () => {
        this.closed = true;
        this.wake?.();
      },
      close: () => {
        this.closed = true;
        this.wake?.();
      },
    });
  }

  write(bytes: Uint8Array): void {
    this.stream.write(Uint8Array.from(bytes));
  }

  async take(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.closed) throw new Error(`stream closed while waiting for ${n} bytes`);
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async line(): Promise<string> {
    let s = '';
    for (;;) {
      const c = (await this.take(1)).toString('latin1');
      if (c === '\n') return s.replace(/\r$/, '');
      s += c;
    }
  }

  /** An unencrypted packet (before the first NEWKEYS). */
  async plainPacket(): Promise<Buffer> {
    const len = (await this.take(4)).readUInt32BE(0);
    const rest = await this.take(len);
    expect((4 + len) % 8).toBe(0);
    return rest.subarray(1, len - rest[0]!);
  }

  sendPlain(payload: Uint8Array): void {
    this.write(frame(payload, 8, false));
  }
}

// ---------------------------------------------------------------- the cases

const SUITES: Suite[] = [
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes256-gcm@openssh.com', mac: 'none' },
  { cipher: 'chacha20-poly1305@openssh.com', mac: 'none' },
];

const CASES = SUITES.flatMap((s) =>
  [true, false].flatMap((strict) => (['auto', 'noble'] as ProviderChoice[]).map((crypto) => [`${s.cipher} ${s.mac}`, strict ? 'strict kex' : 'no strict kex', crypto, s, strict] as const)),
);

describe('packets sealed with keys from a real key exchange, read by a node:crypto client', () => {
  test.each(CASES)('%s, %s, server crypto %s', async (_n, _k, crypto, suite, strict) => {
    const [ours, theirs] = createMemoryPair();
    const host = hostKey('ssh-ed25519');
    const server = new ServerTransport(theirs, {
      hostKeys: [host],
      kex: ['curve25519-sha256'],
      ciphers: [suite.cipher],
      macs: suite.mac === 'none' ? ['hmac-sha2-256'] : [suite.mac],
      crypto,
    });
    // Upper-layer messages are echoed back reversed, with a longer tail.
    server.onMessage = (p) => {
      server.send(Buffer.concat([Buffer.of(p[0]! + 1), Buffer.from(p.subarray(1)).reverse(), Buffer.alloc(p.length, 0x5a)]));
    };
    const wire = new Wire(ours);
    try {
      // Version exchange (RFC 4253 §4.2).
      const V_C = 'SSH-2.0-nodeRef_1.0';
      wire.write(utf8(V_C + '\r\n'));
      const V_S = await wire.line();
      expect(V_S).toMatch(/^SSH-2\.0-/);

      // KEXINIT (RFC 4253 §7.1), each side's first packet: seq 0.
      const I_C = Buffer.concat([
        Buffer.of(20),
        nodeCrypto.randomBytes(16),
        ...[strict ? 'curve25519-sha256,kex-strict-c-v00@openssh.com' : 'curve25519-sha256', 'ssh-ed25519', suite.cipher, suite.cipher, suite.mac === 'none' ? 'hmac-sha2-256' : suite.mac, suite.mac === 'none' ? 'hmac-sha2-256' : suite.mac, 'none', 'none', '', ''].map((l) => str(l)),
        Buffer.of(0),
        u32(0),
      ]);
      wire.sendPlain(I_C);
      const I_S = await wire.plainPacket();
      expect(I_S[0]).toBe(20);
      // After the type byte and the 16-byte cookie: kex_algorithms.
      const serverKex = new Fields(I_S.subarray(17)).nameList();
      expect(serverKex).toContain('curve25519-sha256');
      expect(serverKex.includes('kex-strict-s-v00@openssh.com')).toBe(true);

      // curve25519-sha256 (RFC 8731 §3): seq 1 each way.
      const eph = nodeCrypto.generateKeyPairSync('x25519');
      const Q_C = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x!, 'base64url');
      wire.sendPlain(Buffer.concat([Buffer.of(30), str(Q_C)]));
      const reply = new Fields(await wire.plainPacket());
      expect(reply.byte()).toBe(31);
      const K_S = reply.string();
      const Q_S = reply.string();
      const sig = reply.string();
      const shared = nodeCrypto.diffieHellman({
        privateKey: eph.privateKey,
        publicKey: nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Q_S.toString('base64url') }, format: 'jwk' }),
      });
      const K = mpintOfUnsigned(shared);
      const H = nodeCrypto.createHash('sha256').update(Buffer.concat([str(V_C), str(V_S), str(I_C), str(I_S), str(K_S), str(Q_C), str(Q_S), K])).digest();
      const hostPub = new Fields(K_S);
      hostPub.string();
      const sigFields = new Fields(sig);
      expect(sigFields.string().toString()).toBe('ssh-ed25519');
      const edKey = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: hostPub.string().toString('base64url') }, format: 'jwk' });
      expect(nodeCrypto.verify(null, H, edKey, sigFields.string())).toBe(true);

      // NEWKEYS both ways: seq 2.
      expect([...(await wire.plainPacket())]).toEqual([21]);
      wire.sendPlain(Buffer.of(21));
      await server.ready;
      expect(server.negotiated!.cipherCtoS).toBe(suite.cipher);
      expect(server.negotiated!.macStoC).toBe(suite.mac);
      expect(server.strictKex).toBe(strict);
      expect(Buffer.from(server.sessionId!)).toEqual(H);

      const send = new Direction(suite, keysFor(suite, K, H, true), true);
      const recv = new Direction(suite, keysFor(suite, K, H, false), false);
      // Strict kex restarts both sequence numbers at 0 after NEWKEYS; otherwise they continue at 3.
      let sendSeq = strict ? 0 : 3;
      let recvSeq = strict ? 0 : 3;

      // SERVICE_REQUEST → SERVICE_ACCEPT (RFC 4253 §10).
      wire.write(send.seal(sendSeq++, Buffer.concat([Buffer.of(5), str('ssh-userauth')])));
      expect(await recv.open(recvSeq++, wire)).toEqual(Buffer.concat([Buffer.of(6), str('ssh-userauth')]));

      // Upper-layer messages of several sizes, echoed: the keystreams and counters carry on across packets.
      for (const size of [1, 15, 16, 17, 300, 4097]) {
        const msg = Buffer.alloc(size, 0);
        msg[0] = 200;
        for (let i = 1; i < size; i++) msg[i] = (i * 13 + size) & 0xff;
        wire.write(send.seal(sendSeq++, msg));
        const echoed = await recv.open(recvSeq++, wire);
        expect(echoed).toEqual(Buffer.concat([Buffer.of(201), Buffer.from(msg.subarray(1)).reverse(), Buffer.alloc(size, 0x5a)]));
      }
      expect(server.isOpen).toBe(true);
    } finally {
      server.disconnect();
      await server.closed;
    }
  });
});
