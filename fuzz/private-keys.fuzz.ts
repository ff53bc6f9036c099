/**
 * Fuzzing private key files: openssh-key-v1 (PROTOCOL.key), PEM/DER
 * (PKCS#1, SEC1, PKCS#8) and the DER reader, on arbitrary bytes and text, on
 * structured envelopes with random fields, and on mutated valid keys of
 * every type (unencrypted, aes256-ctr, aes256-gcm; right and wrong
 * passphrase). Every input gives a key or a KeyParseError (one of its
 * subclasses), within the time budget; a parsed key round-trips.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { inspectPrivateKey, parsePrivateKey, serializePrivateKey, type PrivateKey } from '../src/auth/private-key.ts';
import { KeyParseError } from '../src/auth/errors.ts';
import { writeArmor } from '../src/auth/pem-armor.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { DerReader } from '../src/wire/der.ts';
import { WireError } from '../src/wire/errors.ts';
import { fromBase64 } from '../src/wire/base64.ts';
import { Writer } from '../src/wire/writer.ts';
import { check, concat, ensure, ensureBytes, outcome, printStats, sshString, stat, timeoutFor, u32 } from './fuzz-config.ts';

const PASS = 'fuzz passphrase';
/** Keeps a mutated rounds field cheap: the KDF runs at most this many rounds per input. */
const MAX_ROUNDS = 4;
const LABELS = ['OPENSSH PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY', 'PUBLIC KEY'];

/** Valid key files of every type and format: text and the label/body inside. */
let valid: { text: string; label: string; body: Uint8Array; key: PrivateKey }[] = [];

beforeAll(() => {
  const keys: PrivateKey[] = [
    generateSigningKey('ssh-ed25519'),
    generateSigningKey('ecdsa-sha2-nistp256'),
    generateSigningKey('ecdsa-sha2-nistp521'),
    generateSigningKey('ssh-rsa', { bits: 2048 }),
  ];
  for (const key of keys) {
    const texts = [
      serializePrivateKey(key, { comment: 'fuzz' }),
      serializePrivateKey(key, { comment: 'fuzz', passphrase: PASS, rounds: 1 }),
      serializePrivateKey(key, { comment: 'fuzz', passphrase: PASS, rounds: 1, cipher: 'aes256-gcm@openssh.com' }),
      serializePrivateKey(key, { format: 'pkcs8' }),
    ];
    if (key.type === 'ssh-rsa') texts.push(serializePrivateKey(key, { format: 'pkcs1' }));
    if (key.type.startsWith('ecdsa')) texts.push(serializePrivateKey(key, { format: 'sec1' }));
    for (const text of texts) {
      const label = /-----BEGIN ([A-Z ]+)-----/.exec(text)![1]!;
      const body = fromBase64(text.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join(''));
      valid.push({ text, label, body, key });
    }
  }
}, 60_000);

afterAll(() => {
  valid = [];
  printStats();
});

/** The target: parse (and inspect) with the passphrase given or not; typed errors only. */
function parse(data: string | Uint8Array, passphrase: string | undefined): void {
  const o = outcome([KeyParseError], () => parsePrivateKey(data, { passphrase, maxRounds: MAX_ROUNDS }), 'parsePrivateKey');
  outcome([KeyParseError], () => inspectPrivateKey(data, { maxRounds: MAX_ROUNDS }), 'inspectPrivateKey');
  if (o.ok) {
    // Whatever parsed is a working key that survives a round trip.
    const { key, comment } = o.value;
    const again = parsePrivateKey(serializePrivateKey(key, { comment }));
    ensureBytes(again.key.publicBlob, key.publicBlob, 'round trip public key');
    ensure(again.comment === comment, 'round trip comment');
    stat('parse', `ok ${o.value.format}`);
  } else {
    stat('parse', o.error.constructor.name);
  }
}

// ------------------------------------------------------------------ inputs

const validArb = fc.integer({ min: 0, max: 1000 }).map((i) => valid[i % valid.length]!);

/** Edits to a byte string: flips, overwritten uint32s (lengths, counts, rounds), cuts, insertions. */
type Edit = { kind: 'flip'; at: number; bit: number } | { kind: 'u32'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 15, 16, 17, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff })) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function applyEdits(src: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let b: Uint8Array = src.slice();
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === 'flip' && b.length > 0) b[at]! ^= 1 << e.bit;
    else if (e.kind === 'u32' && b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(Math.min(at, b.length - 4), e.value);
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else if (e.kind === 'insert') b = concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
  }
  return b;
}

/** An openssh-key-v1 envelope with fields drawn from plausible and implausible values. */
const envelopeArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    magic: fc.constantFrom('openssh-key-v1\0', 'openssh-key-v1', 'openssh-key-v2\0', ''),
    cipher: fc.constantFrom('none', 'aes256-ctr', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes128-gcm@openssh.com', 'aes256-cbc', 'chacha20-poly1305@openssh.com', '', 'x'),
    kdf: fc.constantFrom('none', 'bcrypt', 'scrypt', ''),
    salt: fc.uint8Array({ maxLength: 20 }),
    rounds: fc.constantFrom(0, 1, 2, MAX_ROUNDS + 1, 0xffffffff),
    count: fc.constantFrom(0, 1, 1, 1, 2, 0xffffffff),
    pub: fc.oneof(
      validArb.map((v) => v.key.publicBlob),
      fc.constantFrom('ssh-dss', 'sk-ssh-ed25519@openssh.com', 'ssh-ed25519', 'ssh-rsa').map((t) => concat([sshString(t), sshString(new Uint8Array(32))])),
      fc.uint8Array({ maxLength: 40 }),
    ),
    section: fc.oneof(fc.uint8Array({ maxLength: 96 }), fc.integer({ min: 0, max: 12 }).map((n) => new Uint8Array(8 * n))),
    tail: fc.uint8Array({ maxLength: 20 }),
  })
  .map((f) => {
    const kdfOptions = f.kdf === 'bcrypt' ? new Writer(32).string(f.salt).uint32(f.rounds).bytes() : f.salt.subarray(0, f.salt.length % 3 === 0 ? 0 : 4);
    return concat([new TextEncoder().encode(f.magic), sshString(f.cipher), sshString(f.kdf), sshString(kdfOptions), u32(f.count), sshString(f.pub), sshString(f.section), f.tail]);
  });

const passphraseArb = fc.constantFrom<string | undefined>(PASS, PASS, undefined, '', 'wrong');

// ------------------------------------------------------------- properties

describe('private key fuzz', () => {
  test(
    'arbitrary bytes and text: a key or a typed error',
    () => {
      check(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.string({ maxLength: 300 }),
            fc.tuple(fc.constantFrom(...LABELS), fc.uint8Array({ maxLength: 300 })).map(([label, b]) => writeArmor(label, b, 64)),
            fc.tuple(fc.constantFrom(...LABELS), fc.string({ maxLength: 200 })).map(([label, s]) => `-----BEGIN ${label}-----\n${s}\n-----END ${label}-----\n`),
          ),
          passphraseArb,
          (data, passphrase) => parse(data, passphrase),
        ),
      );
    },
    timeoutFor(),
  );

  test(
    'openssh-key-v1 envelopes with random fields: a key or a typed error',
    () => {
      check(fc.property(envelopeArb, passphraseArb, (bin, passphrase) => parse(writeArmor('OPENSSH PRIVATE KEY', bin, 70), passphrase)));
    },
    timeoutFor(),
  );

  test(
    'mutated valid keys (binary body, re-armoured, under any label): a key or a typed error',
    () => {
      check(
        fc.property(validArb, fc.array(editArb, { minLength: 1, maxLength: 4 }), fc.boolean(), passphraseArb, (v, edits, relabel, passphrase) => {
          const label = relabel ? LABELS[edits.length % LABELS.length]! : v.label;
          parse(writeArmor(label, applyEdits(v.body, edits), 64), passphrase);
        }),
        1,
        60,
      );
    },
    timeoutFor(1, 60),
  );

  test(
    'mutated valid key files (the text): a key or a typed error',
    () => {
      check(
        fc.property(validArb, fc.array(editArb, { minLength: 1, maxLength: 3 }), passphraseArb, (v, edits, passphrase) => {
          parse(applyEdits(new TextEncoder().encode(v.text), edits), passphrase);
        }),
        1,
        60,
      );
    },
    timeoutFor(1, 60),
  );

  test(
    'valid keys parse with the right passphrase',
    () => {
      check(
        fc.property(validArb, (v) => {
          const o = outcome([KeyParseError], () => parsePrivateKey(v.text, { passphrase: PASS }), 'parsePrivateKey');
          ensure(o.ok, () => `a valid key did not parse: ${o.ok ? '' : o.error.message}`);
          ensureBytes(o.value.key.publicBlob, v.key.publicBlob, 'public key');
        }),
        0.2,
      );
    },
    timeoutFor(0.2),
  );

  test(
    'DER reader on arbitrary bytes: values or WireError, bounded',
    () => {
      const walk = (r: DerReader): void => {
        while (r.remaining > 0) {
          const tag = r.peekTag()!;
          if (tag === 0x30) walk(r.sequence('seq'));
          else if ((tag & 0xe0) === 0xa0 && (tag & 0x1f) < 31) walk(r.optionalExplicit(tag & 0x1f, 'explicit')!);
          else if (tag === 0x02) r.integer('int');
          else if (tag === 0x03) r.bitString('bits');
          else if (tag === 0x05) r.null('null');
          else if (tag === 0x06) r.oid('oid');
          else r.element(tag, 'other');
        }
        r.done();
      };
      check(
        fc.property(
          fc.oneof(fc.uint8Array({ maxLength: 200 }), validArb.filter((v) => v.label !== 'OPENSSH PRIVATE KEY').chain((v) => fc.array(editArb, { maxLength: 3 }).map((e) => applyEdits(v.body, e)))),
          (der) => {
            const o = outcome([WireError], () => walk(new DerReader(der)), 'DerReader');
            stat('der', o.ok ? 'ok' : 'WireError');
          },
        ),
      );
    },
    timeoutFor(),
  );
});
