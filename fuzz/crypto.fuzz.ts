/**
 * Fuzzing the crypto layer's decoders of peer data: public key and signature
 * blobs (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709, RFC 8332), every kex
 * method's computeSecret/server on arbitrary peer values, group-exchange
 * parameters (RFC 4419), and packet openers on arbitrary packets.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { parsePublicKey, encodeRsaPublicKey, encodeEcdsaPublicKey, encodeEd25519PublicKey } from '../src/crypto/public-key.ts';
import { verifySignature, encodeSignatureBlob, SIGNATURE_ALGORITHMS } from '../src/crypto/signature.ts';
import { kexMath, KEX_NAMES } from '../src/crypto/kex-registry.ts';
import { createGexMath } from '../src/crypto/kex-modp.ts';
import { createOpener } from '../src/crypto/packet-protection.ts';
import { CIPHERS, MACS } from '../src/crypto/cipher-registry.ts';
import { MODP_GROUPS } from '../src/crypto/modp-groups.ts';
import { KeyFormatError, KexMathError, MacError, UnsupportedAlgorithmError } from '../src/crypto/errors.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { availableProviders, cryptoProvidersReady } from '../src/crypto/providers/select.ts';
import type { SigningKey, KexMath } from '../src/crypto/types.ts';
import { Writer } from '../src/wire/writer.ts';
import { mpintBytes } from '../src/wire/mpint.ts';
import { check, concat, ensure, outcome, printStats, sshString, stat, timeoutFor } from './fuzz-config.ts';

const KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const;

/** One real key of each type (generated once per run). */
let keys: SigningKey[] = [];

beforeAll(async () => {
  await cryptoProvidersReady();
  keys = KEY_TYPES.map((t) => (t === 'ssh-rsa' ? generateSigningKey(t, { bits: 2048 }) : generateSigningKey(t)));
}, 120_000);

afterAll(() => printStats());

// ----------------------------------------------------------- blob inputs

const bytes = (max: number) => fc.uint8Array({ maxLength: max });

/** A bigint of a random size up to `maxBits`, biased to edges (odd/even, all ones, powers of two). */
const sizedBigArb = (maxBits: number) =>
  fc.tuple(fc.integer({ min: 0, max: maxBits }), fc.uint8Array({ minLength: Math.ceil(maxBits / 8), maxLength: Math.ceil(maxBits / 8) }), fc.constantFrom('random', 'odd', 'ones', 'pow2', 'pow2+1')).map(([bits, b, shape]) => {
    if (bits === 0) return 0n;
    if (shape === 'ones') return (1n << BigInt(bits)) - 1n;
    if (shape === 'pow2') return 1n << BigInt(bits - 1);
    if (shape === 'pow2+1') return (1n << BigInt(bits - 1)) + 1n;
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    v = (v & ((1n << BigInt(bits)) - 1n)) | (1n << BigInt(bits - 1));
    return shape === 'odd' ? v | 1n : v;
  });

/** Public key blobs: random, right type name with random fields, near-valid (edited real keys), real. */
const publicBlobArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  bytes(120),
  fc.tuple(fc.constantFrom(...KEY_TYPES, 'ssh-dss', 'sk-ssh-ed25519@openssh.com', ''), bytes(150)).map(([t, rest]) => concat([sshString(t), rest])),
  // Ed25519: any 32 (or other) bytes as the key.
  fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), bytes(40)).map((k) => concat([sshString('ssh-ed25519'), sshString(k)])),
  // ECDSA: curve names matching or not, points of any shape.
  fc
    .tuple(
      fc.constantFrom('nistp256', 'nistp384', 'nistp521'),
      fc.constantFrom('nistp256', 'nistp384', 'nistp521', 'nistp192'),
      fc.oneof(
        bytes(140),
        fc.tuple(fc.constantFrom(2, 3, 4), fc.constantFrom(65, 97, 133)).chain(([prefix, n]) => fc.uint8Array({ minLength: n - 1, maxLength: n - 1 }).map((b) => concat([Uint8Array.of(prefix), b]))),
      ),
    )
    .map(([c, id, q]) => concat([sshString(`ecdsa-sha2-${c}`), sshString(id), sshString(q)])),
  // RSA: e and n of any size (up to OpenSSH's 16384-bit maximum and beyond).
  fc.tuple(fc.oneof(fc.constantFrom(3n, 65537n, 1n, 2n, 0n, -65537n), sizedBigArb(2048), sizedBigArb(16400)), fc.oneof(sizedBigArb(1100), sizedBigArb(4096), sizedBigArb(16400))).map(([e, n]) => new Writer(64).string('ssh-rsa').mpint(e).mpint(n).bytes().slice()),
  // Real keys, as they are or with one byte edited.
  fc.tuple(fc.nat(), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { nil: undefined })).map(([i, edit]) => {
    const b = keys[i % keys.length]!.publicBlob.slice();
    if (edit) b[edit[0] % b.length] ^= edit[1];
    return b;
  }),
);

/** Signature blobs for an algorithm: random, right name with random body, structured r/s, RSA sizes. */
const signatureBlobArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  bytes(100),
  fc.tuple(fc.constantFrom(...SIGNATURE_ALGORITHMS, 'ssh-dss'), fc.oneof(bytes(140), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 256, maxLength: 256 }))).map(([a, sig]) => encodeSignatureBlob(a, sig)),
  fc.tuple(fc.constantFrom('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'), sizedBigArb(530), sizedBigArb(530)).map(([a, r, s]) => encodeSignatureBlob(a, new Writer(140).mpint(r).mpint(s).bytes().slice())),
);

/** A random odd bigint of exactly `bits` bits. */
const exactBitsArb = (bits: number) => fc.uint8Array({ minLength: Math.ceil(bits / 8), maxLength: Math.ceil(bits / 8) }).map((b) => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return (v & ((1n << BigInt(bits)) - 1n)) | (1n << BigInt(bits - 1)) | 1n;
});

/**
 * An RSA public key blob: an odd n of any size up to beyond OpenSSH's 16384-bit
 * maximum (usual sizes often), and e small, usual, or as large as n.
 */
const rsaBlobArb = fc
  .tuple(
    fc.oneof(sizedBigArb(4096), sizedBigArb(16400), fc.constantFrom(1024, 2048, 3072, 3073, 4096, 8192, 16384, 16385).chain(exactBitsArb)),
    fc.oneof(fc.constantFrom(3n, 65537n, (1n << 64n) + 1n), sizedBigArb(64), sizedBigArb(16400), fc.constant('as large as n' as const)),
  )
  .map(([n0, e0]) => {
    const n = n0 | 1n;
    const e = e0 === 'as large as n' ? (n >> 1n) | 1n : e0 >= n ? (e0 % n) | 1n : e0 | 1n;
    return { blob: encodeRsaPublicKey(e, n), bytes: Math.ceil(n.toString(16).length / 2) };
  });

/**
 * A consistent triple (algorithm, key blob of its type, signature blob naming
 * it) with random contents, so that inputs get past the parsers into the
 * verification itself.
 */
const consistentArb: fc.Arbitrary<[string, Uint8Array, Uint8Array]> = fc.constantFrom(...SIGNATURE_ALGORITHMS).chain((alg) => {
  if (alg === 'ssh-ed25519') {
    return fc
      .tuple(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constant('real' as const)), fc.uint8Array({ minLength: 64, maxLength: 64 }))
      .map(([k, sig]): [string, Uint8Array, Uint8Array] => [alg, k === 'real' ? keys[0]!.publicBlob : encodeEd25519PublicKey(k), encodeSignatureBlob(alg, sig)]);
  }
  if (alg.startsWith('ecdsa-')) {
    const real = keys.find((k) => k.type === alg);
    const field = alg.endsWith('256') ? 32 : alg.endsWith('384') ? 48 : 66;
    return fc
      .tuple(fc.oneof(fc.constant('real' as const), fc.uint8Array({ minLength: 2 * field, maxLength: 2 * field })), fc.oneof(sizedBigArb(8 * field + 2), fc.constantFrom(0n, 1n, -1n)), fc.oneof(sizedBigArb(8 * field + 2), fc.constantFrom(0n, 1n, -1n)))
      .map(([k, r, sv]): [string, Uint8Array, Uint8Array] => [
        alg,
        k === 'real' ? real!.publicBlob : encodeEcdsaPublicKey(alg.slice('ecdsa-sha2-'.length) as 'nistp256', concat([Uint8Array.of(4), k])),
        encodeSignatureBlob(alg, new Writer(150).mpint(r).mpint(sv).bytes().slice()),
      ]);
  }
  return fc
    .tuple(fc.oneof(rsaBlobArb, fc.constant({ blob: keys.find((k) => k.type === 'ssh-rsa')!.publicBlob, bytes: 256 })), fc.uint8Array({ minLength: 2100, maxLength: 2100 }), fc.integer({ min: -2, max: 0 }))
    .map(([k, sig, d]): [string, Uint8Array, Uint8Array] => [alg, k.blob, encodeSignatureBlob(alg, sig.slice(0, Math.max(1, k.bytes + d)))]);
});

const algorithmArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SIGNATURE_ALGORITHMS) }, { weight: 1, arbitrary: fc.constantFrom('ssh-dss', 'rsa-sha2-384', '', 'constructor', '__proto__') });

// ------------------------------------------------------------------ tests

describe('fuzz: public keys and signatures', () => {
  test('parsePublicKey on any blob: a key of a known type, KeyFormatError, or UnsupportedAlgorithmError for another type', () => {
    check(
      fc.property(publicBlobArb, (blob) => {
        const res = outcome([KeyFormatError, UnsupportedAlgorithmError], () => parsePublicKey(blob), 'parsePublicKey');
        if (res.ok) {
          ensure((KEY_TYPES as readonly string[]).includes(res.value.type), `parsed a key of type ${res.value.type}`);
          // A parsed key re-encodes to the blob it came from (strict parsing: one encoding per key).
          const k = res.value;
          const again = k.type === 'ssh-ed25519' ? encodeEd25519PublicKey(k.key) : k.type === 'ssh-rsa' ? encodeRsaPublicKey(k.e, k.n) : encodeEcdsaPublicKey(k.curve, k.point);
          ensure(again.length === blob.length && again.every((x, i) => x === blob[i]), 'a parsed key re-encodes differently');
        } else if (res.error instanceof UnsupportedAlgorithmError) {
          ensure(!(KEY_TYPES as readonly string[]).includes(res.error.algorithm), `UnsupportedAlgorithmError for the implemented type ${res.error.algorithm}`);
        }
      }),
      0.5,
      100,
    );
  }, timeoutFor(0.5, 100));

  test('verifySignature on any blobs: a boolean, KeyFormatError, or UnsupportedAlgorithmError for unknown names', () => {
    check(
      fc.property(fc.oneof({ weight: 1, arbitrary: fc.tuple(algorithmArb, publicBlobArb, signatureBlobArb) }, { weight: 3, arbitrary: consistentArb }), bytes(64), ([alg, pub, sig], data) => {
        const res = outcome([KeyFormatError, UnsupportedAlgorithmError], () => verifySignature(alg, pub, sig, data), 'verifySignature');
        stat('verifySignature', res.ok ? `${alg}: ${res.value}` : `${res.error.constructor.name}: ${res.error.message.replace(/\d+/g, '#').slice(0, 80)}`);
        if (res.ok) ensure(res.value === false, `random blobs verified for ${alg}`);
      }),
      0.5,
      100,
    );
  }, timeoutFor(0.5, 100));

  test('real signatures verify; edited signatures, keys or data never do', () => {
    const editArb = fc.record({ target: fc.constantFrom('signature', 'key', 'data'), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });
    check(
      fc.property(fc.nat(), bytes(64), fc.option(editArb, { nil: undefined }), (which, data, edit) => {
        const key = keys[which % keys.length]!;
        const alg = key.algorithms[which % key.algorithms.length]!;
        const sig = key.sign(alg, data);
        const pub = key.publicBlob.slice();
        const msg = data.slice();
        let changed = false;
        if (edit) {
          const b = edit.target === 'signature' ? sig : edit.target === 'key' ? pub : msg;
          if (b.length > 0) {
            b[edit.at % b.length] ^= edit.mask;
            changed = true;
          }
        }
        const res = outcome([KeyFormatError, UnsupportedAlgorithmError], () => verifySignature(alg, pub, sig, msg), 'verifySignature');
        if (!changed) ensure(res.ok && res.value === true, `a genuine ${alg} signature did not verify`);
        else ensure(!res.ok || res.value === false, `an edited ${alg} ${edit!.target} still verified`);
      }),
      0.2,
      200,
    );
  }, timeoutFor(0.2, 200));
});

// ------------------------------------------------------------ key exchange

/** Peer values of the right size for each method, from structure, and edge values. */
function peerValueArb(name: string, side: 'client' | 'server'): fc.Arbitrary<Uint8Array> {
  const sized = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const ec = (field: number) => sized(2 * field).map((b) => concat([Uint8Array.of(4), b]));
  const group = MODP_GROUPS.find((g) => name.includes(`group${g.id}`));
  const specific: fc.Arbitrary<Uint8Array>[] = [];
  if (name.startsWith('curve25519')) {
    const P = (1n << 255n) - 19n;
    specific.push(sized(32), fc.constantFrom(0n, 1n, P - 1n, P, P + 1n, (1n << 256n) - 1n).map((u) => le32(u)));
  } else if (name.startsWith('ecdh-sha2-nistp')) {
    const field = name.endsWith('256') ? 32 : name.endsWith('384') ? 48 : 66;
    specific.push(ec(field), sized(field + 1), fc.constant(concat([Uint8Array.of(4), new Uint8Array(2 * field)])));
  } else if (name.startsWith('mlkem768x25519')) {
    // Client value (to server()): ek ‖ X25519; server reply (to computeSecret): ct ‖ X25519.
    specific.push(sized(side === 'server' ? 1216 : 1120), sized(side === 'server' ? 1216 : 1120).map((b) => (b.fill(0, b.length - 32), b)));
  } else if (group) {
    const p = group.p;
    specific.push(
      fc.constantFrom(0n, 1n, 2n, p - 2n, p - 1n, p, p + 1n, 1n << BigInt(group.bits)).map((v) => (v === 0n ? new Uint8Array(0) : mpintBytes(v))),
      fc.bigInt({ min: 2n, max: p - 2n }).map(mpintBytes),
      fc.tuple(fc.bigInt({ min: 2n, max: p - 2n }), fc.constantFrom(Uint8Array.of(0), Uint8Array.of(0, 0), Uint8Array.of(0xff))).map(([v, pre]) => concat([pre, mpintBytes(v)])),
    );
  }
  return fc.oneof({ weight: 2, arbitrary: bytes(80) }, ...specific.map((a) => ({ weight: 3, arbitrary: a })));
}

/** A peer value: given bytes, or a genuine one made by the real other side, possibly with one byte flipped. */
type Peer = Uint8Array | { genuine: [number, number] | null };

const peerArb = (name: string, side: 'client' | 'server'): fc.Arbitrary<Peer> =>
  fc.oneof(
    { weight: 3, arbitrary: peerValueArb(name, side) },
    { weight: 1, arbitrary: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { nil: null, freq: 2 }).map((flip): Peer => ({ genuine: flip })) },
  );

function resolvePeer(p: Peer, genuine: () => Uint8Array): Uint8Array {
  if (p instanceof Uint8Array) return p;
  const v = genuine().slice();
  if (p.genuine && v.length > 0) v[p.genuine[0] % v.length] ^= p.genuine[1];
  return v;
}

function le32(u: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Finite-field methods are slow (8192-bit exponentiations), so they run less often. */
const weightOf = (name: string) => (name.startsWith('diffie-hellman') ? 0.03 : name.startsWith('mlkem') ? 0.15 : 0.25);

describe('fuzz: key-exchange math', () => {
  for (const name of KEX_NAMES) {
    for (const provider of ['auto', 'noble'] as const) {
      test(`${name} (${provider}): computeSecret and server() on any peer value give KexMathError or a secret`, async () => {
        const math: KexMath = await kexMath(name, provider);
        const client = math.client();
        check(
          fc.property(peerArb(name, 'client'), peerArb(name, 'server'), (toClient, toServer) => {
            // A genuine exchange: both sides must derive the same secret.
            let genuineK: Uint8Array | undefined;
            const fromServer = resolvePeer(toClient, () => {
              const server = math.server(client.publicValue);
              genuineK = server.computeSecret(client.publicValue);
              return server.publicValue;
            });
            const fromClient = resolvePeer(toServer, () => math.client().publicValue);
            const k = outcome([KexMathError], () => client.computeSecret(fromServer), `${name} computeSecret`);
            if (genuineK && !(toClient as { genuine: unknown }).genuine) {
              ensure(k.ok && k.value.length === genuineK.length && k.value.every((x, i) => x === genuineK![i]), `${name}: client and server secrets differ`);
            }
            stat(name, `client: ${k.ok ? 'secret' : k.error.message.replace(/\d+/g, '#')}`);
            if (k.ok) verifySecret(name, k.value);
            const s = outcome([KexMathError], () => math.server(fromClient), `${name} server`);
            stat(name, `server: ${s.ok ? 'agreement' : s.error.message.replace(/\d+/g, '#')}`);
            if (s.ok) {
              const ks = outcome([KexMathError], () => s.value.computeSecret(fromClient), `${name} server computeSecret`);
              if (ks.ok) verifySecret(name, ks.value);
            }
          }),
          weightOf(name) * (provider === 'noble' ? 0.5 : 1),
          1000,
          3,
        );
      }, timeoutFor(weightOf(name), 1000));
    }
  }

  test('group exchange (RFC 4419): any p and g give KexMathError or a math whose secret works', () => {
    const knownP = MODP_GROUPS.map((g) => g.p);
    check(
      fc.property(fc.oneof(sizedBigArb(8300), fc.constantFrom(...knownP), fc.constantFrom(...knownP).map((p) => p + 2n)), fc.oneof(fc.constantFrom(0n, 1n, 2n, 5n, -2n), sizedBigArb(64)), (p, g) => {
        const m = outcome([KexMathError], () => createGexMath(p, g, 'sha256', 'auto'), 'createGexMath');
        stat('createGexMath', m.ok ? 'math' : m.error.message.replace(/\d+/g, '#'));
        if (!m.ok) return;
        ensure(p % 2n === 1n && g > 1n && g < p - 1n, `accepted p=${p.toString(16).slice(0, 20)}… g=${g}`);
        const a = m.value.client();
        const b = m.value.client();
        const k = outcome([KexMathError], () => a.computeSecret(b.publicValue), 'gex computeSecret');
        if (k.ok) verifySecret('gex', k.value);
      }),
      0.02,
      3000,
      3,
    );
  }, timeoutFor(0.02, 3000));
});

/** K is `mpint K` (or `string K` for the hybrid), with its length prefix, non-empty and consistent. */
function verifySecret(name: string, k: Uint8Array): void {
  ensure(k.length > 4, `${name}: empty secret`);
  const len = ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0;
  ensure(len === k.length - 4, `${name}: secret length prefix ${len} for ${k.length - 4} bytes`);
  if (!name.startsWith('mlkem')) ensure((k[4]! & 0x80) === 0 && !(k[4] === 0 && len > 1 && (k[5]! & 0x80) === 0), `${name}: K is not a minimal positive mpint`);
}

// ------------------------------------------------------------- packet openers

const COMBOS = Object.values(CIPHERS)
  .filter((c) => c.name !== 'none')
  .flatMap((c) => (c.aead ? [{ cipher: c.name, mac: 'none' }] : Object.values(MACS).filter((m) => m.name !== 'none').map((m) => ({ cipher: c.name, mac: m.name }))));

describe('fuzz: packet openers', () => {
  test('decryptLength on any bytes returns a uint32; open on any packet throws MacError', () => {
    check(
      fc.property(fc.constantFrom(...COMBOS), fc.uint8Array({ minLength: 128, maxLength: 128 }), fc.nat(), fc.nat({ max: 0xffffffff }), fc.nat({ max: 40 }), fc.uint8Array({ maxLength: 2000 }), (combo, seed, pi, seq, blocks, body) => {
        const c = CIPHERS[combo.cipher]!;
        const m = MACS[combo.mac]!;
        const providers = availableProviders(combo.cipher);
        const provider = providers[pi % providers.length]!;
        const keys = { cipher: c.name, mac: m.name, encKey: seed.slice(0, c.keyLength), iv: seed.slice(64, 64 + c.ivLength), macKey: seed.slice(0, m.keyLength) };
        const opener = createOpener(keys, provider);
        const tag = c.aead ? 16 : m.length;
        const block = Math.max(8, c.blockSize);
        // A length the codec lets through: what is aligned (with or without the length field) is whole blocks.
        const packetLength = c.aead || m.etm ? block * (blocks + 1) : block * (blocks + 1) - 4;
        const buf = new Uint8Array(4 + packetLength + tag);
        buf.set(body.subarray(0, buf.length));
        const len = outcome([], () => opener.decryptLength(seq, buf, 0), 'decryptLength');
        ensure(len.ok && Number.isInteger(len.value) && len.value >= 0 && len.value <= 0xffffffff, 'decryptLength returned a non-uint32');
        const res = outcome([MacError], () => opener.open(seq, buf, 0, packetLength), `${c.name} + ${m.name} open`);
        ensure(!res.ok, `${c.name} + ${m.name} accepted a random packet`);
        opener.dispose();
      }),
      0.5,
    );
  }, timeoutFor(0.5));
});
