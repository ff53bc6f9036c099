/**
 * Known answers for the exchange hash and key derivation as SSH uses them.
 *
 * (a) deriveKey (RFC 4253 §7.2) against a computation with node:crypto
 *     createHash, for K as mpint and as string, and lengths of several hash
 *     blocks; plus a published vector (paramiko's test_transport, SHA-1).
 * (b) The exchange hash of each method's full message flow, hopssh's
 *     runClientKex/runServerKex on one side and a peer written here with
 *     node:crypto on the other (RFC 4253 §8, RFC 8731, RFC 5656 §4,
 *     RFC 8268, RFC 4419 §3, draft-ietf-sshm-mlkem-hybrid-kex §2.4). The peer
 *     computes K and H on its own and checks hopssh's H, K and signature; as
 *     the server it signs its own H, which hopssh's client must accept.
 * (c) Published exchange hashes: paramiko's tests/test_kex.py vectors for
 *     curve25519-sha256 and ecdh-sha2-nistp256 (fixed ephemeral keys, host key
 *     "fake-host-key"), reproduced through hopssh with the ephemeral key
 *     supplied through crypto.getRandomValues.
 */
import * as nodeCrypto from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { deriveKey } from '../../src/transport/key-derivation.ts';
import { runClientKex, runServerKex, type KexChannel, type KexContext, type KexResult } from '../../src/transport/kex-exchange.ts';
import type { Negotiated } from '../../src/transport/negotiate.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import type { HashName, ProviderChoice, SigningKey } from '../../src/crypto/types.ts';
import { hostKey } from '../helpers/transport-pair.ts';

// Only so the published client-side vectors (whose host key is the string
// "fake-host-key") can get past signature verification; passes through otherwise.
vi.mock('../../src/crypto/signature.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crypto/signature.ts')>();
  return { ...real, verifySignature: vi.fn(real.verifySignature) };
});

afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------- encodings (RFC 4251 §5), written here on Buffer

const b = (s: string) => Buffer.from(s, 'utf8');
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u32 = (n: number) => {
  const o = Buffer.alloc(4);
  o.writeUInt32BE(n);
  return o;
};
const str = (x: Uint8Array | string) => {
  const body = typeof x === 'string' ? b(x) : Buffer.from(x);
  return Buffer.concat([u32(body.length), body]);
};
/** mpint of a non-negative integer given as unsigned big-endian bytes. */
const mpintOfUnsigned = (x: Uint8Array) => {
  let i = 0;
  while (i < x.length && x[i] === 0) i++;
  let body = Buffer.from(x.subarray(i));
  if (body.length > 0 && body[0]! & 0x80) body = Buffer.concat([Buffer.of(0), body]);
  return str(body);
};
const bigToBytes = (v: bigint) => {
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  return v === 0n ? Buffer.alloc(0) : Buffer.from(h, 'hex');
};
const mpint = (v: bigint) => mpintOfUnsigned(bigToBytes(v));
const bytesToBig = (x: Uint8Array) => (x.length === 0 ? 0n : BigInt('0x' + Buffer.from(x).toString('hex')));

/** A reader of SSH fields for the test peer. */
class Fields {
  private o = 0;
  constructor(private readonly buf: Uint8Array) {}
  byte(): number {
    return this.buf[this.o++]!;
  }
  uint32(): number {
    const v = Buffer.from(this.buf).readUInt32BE(this.o);
    this.o += 4;
    return v;
  }
  string(): Buffer {
    const n = this.uint32();
    const v = Buffer.from(this.buf.subarray(this.o, this.o + n));
    if (v.length !== n) throw new Error('short string');
    this.o += n;
    return v;
  }
  end(): void {
    expect(this.o).toBe(this.buf.length);
  }
}

const sha = (alg: HashName, ...parts: Uint8Array[]) => {
  const h = nodeCrypto.createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};

// ---------------------------------------------------------------- (a) key derivation

/** RFC 4253 §7.2 as written: K1 = HASH(K || H || X || session_id); Kn+1 = HASH(K || H || K1 || ... || Kn). */
function referenceDerive(alg: HashName, K: Uint8Array, H: Uint8Array, letter: string, sid: Uint8Array, len: number): Buffer {
  let out = sha(alg, K, H, b(letter), sid);
  while (out.length < len) out = Buffer.concat([out, sha(alg, K, H, out)]);
  return out.subarray(0, len);
}

describe('key derivation (RFC 4253 §7.2)', () => {
  // K with the high bit set (mpint gets a 0x00 prefix), and a 32-byte K as string (mlkem768x25519-sha256).
  const Kmpint = mpint(0x9f3a_5c11_72e4_0b6d_88f1_2a4c_e3d5_9b07_4e6a_1c2d_3b4f_5061_7283_94a5_b6c7_d8e9n << 704n);
  const Kstring = str(sha('sha256', b('mlkem768x25519 K')));
  const cases: { hash: HashName; K: Buffer; kName: string; lengths: number[] }[] = [
    { hash: 'sha256', K: Kmpint, kName: 'mpint', lengths: [0, 12, 16, 20, 32, 33, 64, 100] },
    { hash: 'sha256', K: Kstring, kName: 'string', lengths: [12, 32, 64, 65] },
    { hash: 'sha384', K: Kmpint, kName: 'mpint', lengths: [16, 48, 64] },
    { hash: 'sha512', K: Kmpint, kName: 'mpint', lengths: [16, 64, 65, 130] },
    { hash: 'sha512', K: Kstring, kName: 'string', lengths: [32, 64, 128] },
  ];
  test.each(cases.map((c) => [c.hash, c.kName, c] as const))('%s, K as %s, against node:crypto', (_h, _k, c) => {
    const H = sha(c.hash, b('exchange hash of this kex'));
    const sid = sha(c.hash, b('exchange hash of the first kex'));
    for (const len of c.lengths) {
      for (const letter of 'ABCDEF') {
        for (const session of [H, sid]) {
          const got = deriveKey(c.hash, c.K, H, letter, session, len);
          expect(Buffer.from(got).toString('hex'), `${letter} ${len}`).toBe(referenceDerive(c.hash, c.K, H, letter, session, len).toString('hex'));
        }
      }
    }
  });

  test('the K mpint fixture has the 0x00 prefix a high-bit integer needs', () => {
    expect(Kmpint[4]).toBe(0);
    expect(Kmpint[5]! & 0x80).toBe(0x80);
  });

  test('a 64-byte chacha20-poly1305 key from SHA-256 is K1 ‖ K2 with K2 = HASH(K ‖ H ‖ K1)', () => {
    const H = sha('sha256', b('H'));
    const k = deriveKey('sha256', Kmpint, H, 'C', H, 64);
    const k1 = sha('sha256', Kmpint, H, b('C'), H);
    const k2 = sha('sha256', Kmpint, H, k1);
    expect(Buffer.from(k)).toEqual(Buffer.concat([k1, k2]));
  });

  test("published: paramiko test_transport test_compute_key (SHA-1, two blocks)", () => {
    const K = 123281095979686581523377256114209720774539068973101330872763622971399429481072519713536292772709507296759612401802191955568143056534122385270077606457721553469730659233569339356140085284052436697480759510519672848743794433460113118986816826624865291116513647975790797391795651716378444844877749505443714557929n;
    const H = hex('0C8307CDE6856FF30BA93684EB0F04C2520E9ED3');
    const key = deriveKey('sha1', mpint(K), H, 'C', H, 32);
    expect(Buffer.from(key).toString('hex').toUpperCase()).toBe('207E66594CA87C44ECCBA3B3CD39FDDB378E6FDB0F97C54B2AA0CFBF900CD995');
  });
});

// ---------------------------------------------------------------- (b) exchange hashes of whole flows

/** Two connected KexChannel ends. */
function kexPipe(): [KexChannel, KexChannel] {
  type End = { inbox: Uint8Array[]; waiters: ((m: Uint8Array) => void)[] };
  const a: End = { inbox: [], waiters: [] };
  const z: End = { inbox: [], waiters: [] };
  const end = (me: End, peer: End): KexChannel => ({
    send(p) {
      const copy = p.slice();
      const w = peer.waiters.shift();
      if (w) w(copy);
      else peer.inbox.push(copy);
    },
    receive() {
      const m = me.inbox.shift();
      return m ? Promise.resolve(m) : new Promise((r) => me.waiters.push(r));
    },
  });
  return [end(a, z), end(z, a)];
}

const V_C = 'SSH-2.0-refclient_1.0';
const V_S = 'SSH-2.0-hopssh_0.1';
// Stand-ins for the KEXINIT payloads; the hash only sees them as strings.
const I_C = Buffer.concat([Buffer.of(20), sha('sha256', b('client kexinit')), b('client-lists')]);
const I_S = Buffer.concat([Buffer.of(20), sha('sha256', b('server kexinit')), b('server-lists-longer')]);

function negotiated(kex: string, cipher = 'aes128-gcm@openssh.com', mac = 'none'): Negotiated {
  return {
    kex,
    hostKey: 'ssh-ed25519',
    cipherCtoS: cipher,
    cipherStoC: cipher,
    macCtoS: mac,
    macStoC: mac,
    compressionCtoS: 'none',
    compressionStoC: 'none',
  };
}

function context(kex: string): KexContext {
  return { clientVersion: V_C, serverVersion: V_S, clientKexInit: I_C, serverKexInit: I_S, negotiated: negotiated(kex) };
}

/** An Ed25519 key in node:crypto with its SSH blob (RFC 8709 §4) and signer (§6). */
function nodeEd25519() {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([str('ssh-ed25519'), str(raw)]);
  return {
    blob,
    sign: (data: Uint8Array) => Buffer.concat([str('ssh-ed25519'), str(nodeCrypto.sign(null, data, privateKey))]),
  };
}

/** Verifies an ssh-ed25519 signature blob with node:crypto. */
function nodeVerifyEd25519(keyBlob: Uint8Array, sigBlob: Uint8Array, data: Uint8Array): boolean {
  const k = new Fields(keyBlob);
  expect(k.string().toString()).toBe('ssh-ed25519');
  const pub = k.string();
  const s = new Fields(sigBlob);
  expect(s.string().toString()).toBe('ssh-ed25519');
  const sig = s.string();
  const key = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' });
  return nodeCrypto.verify(null, data, key, sig);
}

function x25519Node() {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('x25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return {
    pub,
    shared: (peer: Uint8Array) =>
      nodeCrypto.diffieHellman({
        privateKey,
        publicKey: nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' }),
      }),
  };
}

/**
 * One side of a simple (single round trip) method in node:crypto: our public
 * value, and K encoded for the hash from the peer's value. For a KEM the
 * server's value depends on the client's, so `reply` takes it.
 */
interface RefMethod {
  hash: HashName;
  /** e/f are mpints (finite-field DH): re-encoded from their integer value for the hash. */
  mpintValues?: boolean;
  /** Client: C_INIT / Q_C / e, and K from the server's value. */
  client(): { value: Buffer; secret(serverValue: Uint8Array): Buffer };
  /** Server: from the client's value, S_REPLY / Q_S / f and K. */
  server(clientValue: Uint8Array): { value: Buffer; K: Buffer };
}

const REF: Record<string, RefMethod> = {
  // RFC 8731 §3: Q_C/Q_S are the 32-byte X25519 public keys; K is the output read as an unsigned big-endian integer, as mpint.
  'curve25519-sha256': {
    hash: 'sha256',
    client() {
      const x = x25519Node();
      return { value: x.pub, secret: (q) => mpintOfUnsigned(x.shared(q)) };
    },
    server(q) {
      const x = x25519Node();
      return { value: x.pub, K: mpintOfUnsigned(x.shared(q)) };
    },
  },
  // RFC 5656 §4: Q_C/Q_S are SEC1 uncompressed points; K is the x-coordinate of the shared point, as mpint.
  'ecdh-sha2-nistp256': {
    hash: 'sha256',
    client() {
      const e = nodeCrypto.createECDH('prime256v1');
      e.generateKeys();
      return { value: e.getPublicKey(), secret: (q) => mpintOfUnsigned(e.computeSecret(q)) };
    },
    server(q) {
      const e = nodeCrypto.createECDH('prime256v1');
      e.generateKeys();
      return { value: e.getPublicKey(), K: mpintOfUnsigned(e.computeSecret(q)) };
    },
  },
  // RFC 4253 §8 with RFC 3526 group 14 and SHA-256 (RFC 8268 §3): e, f and K are mpints.
  'diffie-hellman-group14-sha256': {
    hash: 'sha256',
    mpintValues: true,
    client() {
      const d = nodeCrypto.getDiffieHellman('modp14');
      d.generateKeys();
      return { value: mpintOfUnsigned(d.getPublicKey()).subarray(4), secret: (f) => mpintOfUnsigned(d.computeSecret(f)) };
    },
    server(e) {
      const d = nodeCrypto.getDiffieHellman('modp14');
      d.generateKeys();
      return { value: mpintOfUnsigned(d.getPublicKey()).subarray(4), K: mpintOfUnsigned(d.computeSecret(e)) };
    },
  },
  // draft-ietf-sshm-mlkem-hybrid-kex §2.1–2.4: C_INIT = ek ‖ X25519 pub, S_REPLY = ct ‖ X25519 pub,
  // K = SHA-256(K_PQ ‖ K_CL) encoded as string. ML-KEM-768 itself is noble's (Node 20 has none).
  'mlkem768x25519-sha256': {
    hash: 'sha256',
    client() {
      const kem = ml_kem768.keygen();
      const x = x25519Node();
      return {
        value: Buffer.concat([kem.publicKey, x.pub]),
        secret: (reply) => {
          expect(reply.length).toBe(1088 + 32);
          const kPq = ml_kem768.decapsulate(reply.subarray(0, 1088), kem.secretKey);
          return str(sha('sha256', kPq, x.shared(reply.subarray(1088))));
        },
      };
    },
    server(init) {
      expect(init.length).toBe(1184 + 32);
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(init.subarray(0, 1184));
      const x = x25519Node();
      return { value: Buffer.concat([cipherText, x.pub]), K: str(sha('sha256', sharedSecret, x.shared(init.subarray(1184)))) };
    },
  },
};

/**
 * H for the single-round-trip methods: V_C, V_S, I_C, I_S, K_S as strings, then the
 * client's and server's values (strings, or mpints e and f for DH), then K (already encoded).
 */
function referenceH(ref: RefMethod, K_S: Uint8Array, clientValue: Uint8Array, serverValue: Uint8Array, K: Uint8Array): Buffer {
  const value = (v: Uint8Array) => (ref.mpintValues ? mpint(bytesToBig(v)) : str(v));
  return sha(ref.hash, str(V_C), str(V_S), str(I_C), str(I_S), str(K_S), value(clientValue), value(serverValue), K);
}

const fingerprint = (blob: Uint8Array) => 'SHA256:' + sha('sha256', blob).toString('base64').replace(/=+$/, '');

const PROVIDERS: ProviderChoice[] = ['auto', 'noble'];
const SIMPLE = Object.keys(REF);

describe('exchange hash: hopssh server, reference client', () => {
  test.each(SIMPLE.flatMap((kex) => PROVIDERS.map((p) => [kex, p] as const)))('%s (%s)', async (kex, provider) => {
    const ref = REF[kex]!;
    const host = hostKey('ssh-ed25519');
    const [serverEnd, peer] = kexPipe();
    const run = runServerKex(serverEnd, context(kex), { hostKeys: [host], provider });
    const me = ref.client();
    peer.send(Buffer.concat([Buffer.of(30), str(me.value)]));
    const reply = new Fields(await peer.receive());
    expect(reply.byte()).toBe(31);
    const K_S = reply.string();
    const serverValue = reply.string();
    const sig = reply.string();
    reply.end();
    const result: KexResult = await run;
    const K = me.secret(serverValue);
    const H = referenceH(ref, K_S, me.value, serverValue, K);
    // f on the wire is a canonical mpint body (RFC 4251 §5).
    if (ref.mpintValues) expect(str(serverValue)).toEqual(mpint(bytesToBig(serverValue)));
    expect(Buffer.from(K_S)).toEqual(Buffer.from(host.publicBlob));
    expect(result.hash).toBe(ref.hash);
    expect(Buffer.from(result.K).toString('hex')).toBe(K.toString('hex'));
    expect(Buffer.from(result.H).toString('hex')).toBe(H.toString('hex'));
    expect(nodeVerifyEd25519(K_S, sig, H)).toBe(true);
    if (kex === 'mlkem768x25519-sha256') expect(K.subarray(0, 4)).toEqual(u32(32));
  });
});

describe('exchange hash: hopssh client, reference server signing its own H', () => {
  test.each(SIMPLE.flatMap((kex) => PROVIDERS.map((p) => [kex, p] as const)))('%s (%s)', async (kex, provider) => {
    const ref = REF[kex]!;
    const host = nodeEd25519();
    const [clientEnd, peer] = kexPipe();
    const seen: string[] = [];
    const run = runClientKex(clientEnd, context(kex), {
      verifyHostKey: ({ algorithm, publicKey, fingerprint: fp }) => {
        seen.push(algorithm, fp);
        return Buffer.from(publicKey).equals(host.blob);
      },
      gexMin: 2048,
      gexMax: 8192,
      provider,
    });
    const init = new Fields(await peer.receive());
    expect(init.byte()).toBe(30);
    const clientValue = init.string();
    init.end();
    const mine = ref.server(clientValue);
    if (ref.mpintValues) expect(str(clientValue)).toEqual(mpint(bytesToBig(clientValue)));
    const H = referenceH(ref, host.blob, clientValue, mine.value, mine.K);
    peer.send(Buffer.concat([Buffer.of(31), str(host.blob), str(mine.value), str(host.sign(H))]));
    const result = await run;
    expect(Buffer.from(result.K).toString('hex')).toBe(mine.K.toString('hex'));
    expect(Buffer.from(result.H).toString('hex')).toBe(H.toString('hex'));
    expect(Buffer.from(result.hostKey)).toEqual(host.blob);
    expect(seen).toEqual(['ssh-ed25519', fingerprint(host.blob)]);
  });

  test('a signature over a different H is refused', async () => {
    const ref = REF['curve25519-sha256']!;
    const host = nodeEd25519();
    const [clientEnd, peer] = kexPipe();
    const run = runClientKex(clientEnd, context('curve25519-sha256'), { verifyHostKey: () => true, gexMin: 2048, gexMax: 8192, provider: 'auto' });
    const init = new Fields(await peer.receive());
    init.byte();
    const clientValue = init.string();
    const mine = ref.server(clientValue);
    // V_C and V_S swapped: what a peer that mixed up the roles would sign.
    const wrong = sha('sha256', str(V_S), str(V_C), str(I_C), str(I_S), str(host.blob), str(clientValue), str(mine.value), mine.K);
    peer.send(Buffer.concat([Buffer.of(31), str(host.blob), str(mine.value), str(host.sign(wrong))]));
    await expect(run).rejects.toThrow(/signature/);
  });
});

// RFC 4419 §3: H = hash(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ min ‖ n ‖ max ‖ p ‖ g ‖ e ‖ f ‖ K), min/n/max uint32, p/g/e/f/K mpint.
function referenceGexH(K_S: Uint8Array, min: number, n: number, max: number, p: Uint8Array, g: Uint8Array, e: Uint8Array, f: Uint8Array, K: Uint8Array): Buffer {
  return sha('sha256', str(V_C), str(V_S), str(I_C), str(I_S), str(K_S), u32(min), u32(n), u32(max), mpintOfUnsigned(p), mpintOfUnsigned(g), mpintOfUnsigned(e), mpintOfUnsigned(f), K);
}

describe('exchange hash: diffie-hellman-group-exchange-sha256 (RFC 4419)', () => {
  const GEX = 'diffie-hellman-group-exchange-sha256';
  const modp14 = nodeCrypto.getDiffieHellman('modp14');
  const modp15 = nodeCrypto.getDiffieHellman('modp15');

  test.each([
    [2048, 2048, 8192, modp14, 'auto'],
    [2048, 3072, 4096, modp15, 'auto'],
    [2048, 2048, 8192, modp14, 'noble'],
  ] as const)('hopssh server, reference client asking min=%i n=%i max=%i', async (min, n, max, group, provider) => {
    const host = hostKey('ssh-ed25519');
    const [serverEnd, peer] = kexPipe();
    const run = runServerKex(serverEnd, context(GEX), { hostKeys: [host], provider });
    peer.send(Buffer.concat([Buffer.of(34), u32(min), u32(n), u32(max)]));
    const groupMsg = new Fields(await peer.receive());
    expect(groupMsg.byte()).toBe(31);
    const p = groupMsg.string();
    const g = groupMsg.string();
    groupMsg.end();
    // The server picks the smallest RFC 3526 group of at least n bits.
    expect(bytesToBig(p)).toBe(bytesToBig(group.getPrime()));
    expect(bytesToBig(g)).toBe(2n);
    const dh = nodeCrypto.createDiffieHellman(p, g);
    dh.generateKeys();
    const e = dh.getPublicKey();
    peer.send(Buffer.concat([Buffer.of(32), mpintOfUnsigned(e)]));
    const reply = new Fields(await peer.receive());
    expect(reply.byte()).toBe(33);
    const K_S = reply.string();
    const f = reply.string();
    const sig = reply.string();
    reply.end();
    const result = await run;
    const K = mpintOfUnsigned(dh.computeSecret(f));
    const H = referenceGexH(K_S, min, n, max, p, g, e, f, K);
    expect(Buffer.from(result.K).toString('hex')).toBe(K.toString('hex'));
    expect(Buffer.from(result.H).toString('hex')).toBe(H.toString('hex'));
    expect(nodeVerifyEd25519(K_S, sig, H)).toBe(true);
  });

  test.each(PROVIDERS)('hopssh client (%s), reference server sending a 2048-bit group', async (provider) => {
    const host = nodeEd25519();
    const [clientEnd, peer] = kexPipe();
    const run = runClientKex(clientEnd, context(GEX), { verifyHostKey: () => true, gexMin: 2048, gexMax: 8192, provider });
    const req = new Fields(await peer.receive());
    expect(req.byte()).toBe(34);
    const min = req.uint32();
    const n = req.uint32();
    const max = req.uint32();
    req.end();
    expect([min, max]).toEqual([2048, 8192]);
    // aes128-gcm: 16-byte key and block → 128 bits of security → 3072 (as OpenSSH's dh_estimate).
    expect(n).toBe(3072);
    const p = modp14.getPrime();
    const g = Buffer.of(2);
    peer.send(Buffer.concat([Buffer.of(31), mpintOfUnsigned(p), mpintOfUnsigned(g)]));
    const init = new Fields(await peer.receive());
    expect(init.byte()).toBe(32);
    const e = init.string();
    init.end();
    const dh = nodeCrypto.createDiffieHellman(p, g);
    dh.generateKeys();
    const f = dh.getPublicKey();
    const K = mpintOfUnsigned(dh.computeSecret(e));
    const H = referenceGexH(host.blob, min, n, max, p, g, e, f, K);
    peer.send(Buffer.concat([Buffer.of(33), str(host.blob), mpintOfUnsigned(f), str(host.sign(H))]));
    const result = await run;
    expect(Buffer.from(result.K).toString('hex')).toBe(K.toString('hex'));
    expect(Buffer.from(result.H).toString('hex')).toBe(H.toString('hex'));
  });
});

// ---------------------------------------------------------------- (c) published exchange hashes (paramiko tests/test_kex.py)

/**
 * Makes the next crypto.getRandomValues call for exactly `bytes.length`
 * bytes return `bytes` (noble draws ephemeral keys from it); other calls pass through.
 */
function supplyRandom(bytes: Uint8Array): { used: () => boolean } {
  const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  let used = false;
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(arr: T): T => {
    if (!used && arr !== null && arr.byteLength === bytes.length) {
      used = true;
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
      return arr;
    }
    return real(arr as never) as T;
  });
  return { used: () => used };
}

/** paramiko's FakeTransport: its own version/KEXINIT are "local", the peer's "remote". */
function paramikoContext(kex: string, role: 'client' | 'server'): KexContext {
  const local = { v: 'SSH-2.0-paramiko_1.0', i: b('local-kex-init') };
  const remote = { v: 'SSH-2.0-lame', i: b('remote-kex-init') };
  const [c, s] = role === 'client' ? [local, remote] : [remote, local];
  return { clientVersion: c.v, serverVersion: s.v, clientKexInit: c.i, serverKexInit: s.i, negotiated: negotiated(kex) };
}

/**
 * paramiko's FakeKey as the server's host key: its blob is the string "fake-key"
 * and it signs with "fake-sig". (Its client vectors receive "fake-host-key" instead.)
 */
const fakeHostKey: SigningKey = {
  type: 'ssh-ed25519',
  publicBlob: b('fake-key'),
  algorithms: ['ssh-ed25519'],
  sign: () => b('fake-sig'),
};

interface PublishedVector {
  kex: string;
  /** What to feed getRandomValues so noble derives paramiko's fixed ephemeral private key. */
  random: Buffer;
  /** The peer's public value in the vector. */
  peerValue: Buffer;
  K: bigint;
  clientH: string;
  serverH: string;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const PUBLISHED: PublishedVector[] = [
  {
    kex: 'curve25519-sha256',
    random: hex('2184abc7eb3e656d2349d2470ee695b570c227340c2b2863b6c9ff427af1f040'),
    peerValue: hex('8d13a119452382a1ada8eea4c979f3e63ad3f0c7366786d6c5b54b87219bae49'),
    K: 71294722834835117201316639182051104803802881348227506835068888449366462300724n,
    clientH: '05B6F6437C0CF38D1A6C5A6F6E2558DEB54E7FC62447EBFB1E5D7407326A5475',
    serverH: 'DF08FCFCF31560FEE639D9B6D56D760BC3455B5ADA148E4514181023E7A9B042',
  },
  {
    kex: 'ecdh-sha2-nistp256',
    // noble maps a 48-byte seed s to the scalar (s mod (n-1)) + 1; seed d-1 gives d.
    random: (() => {
      const d = 94761803665136558137557783047955027733968423115106677159790289642479432803037n;
      expect(d < P256_N).toBe(true);
      return Buffer.concat([Buffer.alloc(48 - bigToBytes(d - 1n).length), bigToBytes(d - 1n)]);
    })(),
    peerValue: hex(
      '043ae159594ba062efa121480e9ef136203fa9ec6b6e1f8723a321c16e62b945f573f3b822258cbcd094b9fa1c125cbfe5f043280893e66863cc0cb4dccbe70210',
    ),
    K: 91610929826364598472338906427792435253694642563583721654249504912114314269754n,
    clientH: 'BAF7CE243A836037EB5D2221420F35C02B9AB6C957FE3BDE3369307B9612570A',
    serverH: '2EF4957AFD530DD3F05DBEABF68D724FACC060974DA9704F2AEE4C3DE861E7CA',
  },
];

describe('published exchange hashes (paramiko tests/test_kex.py)', () => {
  test.each(PUBLISHED.map((v) => [v.kex, v] as const))('%s, hopssh as server', async (_k, v) => {
    const [serverEnd, peer] = kexPipe();
    const supplied = supplyRandom(v.random);
    const run = runServerKex(serverEnd, paramikoContext(v.kex, 'server'), { hostKeys: [fakeHostKey], provider: 'auto' });
    peer.send(Buffer.concat([Buffer.of(30), str(v.peerValue)]));
    const result = await run;
    expect(supplied.used()).toBe(true);
    const reply = new Fields(await peer.receive());
    expect(reply.byte()).toBe(31);
    expect(reply.string().toString()).toBe('fake-key');
    reply.string();
    expect(reply.string().toString()).toBe('fake-sig');
    expect(Buffer.from(result.K)).toEqual(mpint(v.K));
    expect(Buffer.from(result.H).toString('hex').toUpperCase()).toBe(v.serverH);
  });

  test.each(PUBLISHED.map((v) => [v.kex, v] as const))('%s, hopssh as client', async (_k, v) => {
    const verify = vi.mocked(verifySignature);
    verify.mockImplementationOnce((alg, key, sig) => {
      expect([alg, Buffer.from(key).toString(), Buffer.from(sig).toString()]).toEqual(['ssh-ed25519', 'fake-host-key', 'fake-sig']);
      return true;
    });
    const [clientEnd, peer] = kexPipe();
    const supplied = supplyRandom(v.random);
    const run = runClientKex(clientEnd, paramikoContext(v.kex, 'client'), { verifyHostKey: () => true, gexMin: 2048, gexMax: 8192, provider: 'auto' });
    expect(supplied.used()).toBe(true);
    const init = new Fields(await peer.receive());
    expect(init.byte()).toBe(30);
    init.string();
    peer.send(Buffer.concat([Buffer.of(31), str('fake-host-key'), str(v.peerValue), str('fake-sig')]));
    const result = await run;
    expect(verify).toHaveBeenCalled();
    expect(Buffer.from(result.K)).toEqual(mpint(v.K));
    expect(Buffer.from(result.H).toString('hex').toUpperCase()).toBe(v.clientH);
  });
});
