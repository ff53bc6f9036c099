/**
 * Fuzzing OpenSSH certificate blobs (PROTOCOL.certkeys): the decoder on
 * arbitrary, typed and mutated blobs (a result that re-encodes to the same
 * bytes, or KeyFormatError / UnsupportedAlgorithmError), verification (a
 * result or CertificateError, and never a pass for signed bytes the CA did
 * not sign), the cert algorithms of verifySignature, CertifiedSigningKey,
 * and fingerprints (never a throw).
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import {
  CERT_VALID_FOREVER,
  completeCertificate,
  encodeCertificateSignedData,
  parseCertificate,
  type CertificateOption,
} from '../src/crypto/certificate-blob.ts';
import { CERTIFICATE_SIGNATURE_ALGORITHMS, verifySignature } from '../src/crypto/signature.ts';
import { fingerprintMd5, fingerprintSha256 } from '../src/crypto/fingerprint.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../src/crypto/errors.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import type { SigningKey } from '../src/crypto/types.ts';
import { verifyCertificate } from '../src/auth/certificate.ts';
import { CertifiedSigningKey } from '../src/auth/certified-key.ts';
import { CertificateError } from '../src/auth/errors.ts';
import { Writer } from '../src/wire/writer.ts';
import { check, concat, ensure, ensureBytes, outcome, printStats, sshString, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const SUBJECTS: SigningKey[] = [generateSigningKey('ssh-ed25519'), generateSigningKey('ecdsa-sha2-nistp256'), generateSigningKey('ssh-rsa', { bits: 2048 })];
const CAS: SigningKey[] = [generateSigningKey('ssh-ed25519'), generateSigningKey('ecdsa-sha2-nistp384')];
const CERT_TYPES = ['ssh-ed25519-cert-v01@openssh.com', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ssh-rsa-cert-v01@openssh.com'];
const PARSE_ERRORS = [KeyFormatError, UnsupportedAlgorithmError];

// ------------------------------------------------------------------ inputs

const optionArb: fc.Arbitrary<CertificateOption> = fc.record({
  name: fc.oneof(fc.constantFrom('force-command', 'source-address', 'verify-required', 'permit-pty', 'permit-port-forwarding', 'no-touch-required', 'x@example.com'), fc.string({ maxLength: 8 })),
  data: fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.constantFrom('true', '10.0.0.0/8', '192.0.2.0/24,2001:db8::/32', '10.0.0.1/8', '*', '').map((s) => sshString(s)),
    fc.uint8Array({ maxLength: 12 }),
  ),
});

/** Well-formed certificates with fields of every shape, signed by one of the CAs. */
const validCertArb = fc
  .record({
    subject: fc.constantFrom(...SUBJECTS),
    ca: fc.constantFrom(...CAS),
    nonce: fc.uint8Array({ maxLength: 33 }),
    serial: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    kind: fc.constantFrom<'user' | 'host'>('user', 'host'),
    keyId: fc.string({ maxLength: 12 }),
    principals: fc.oneof(
      { weight: 3, arbitrary: fc.constant<string[]>(['alice', 'localhost', '*.example.com']) },
      { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom('alice', 'localhost', '*.example.com', '*'), fc.string({ maxLength: 6 })), { maxLength: 4 }) },
    ),
    validAfter: fc.oneof({ weight: 4, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    validBefore: fc.oneof({ weight: 4, arbitrary: fc.constant(CERT_VALID_FOREVER) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    criticalOptions: fc.oneof({ weight: 2, arbitrary: fc.constant<CertificateOption[]>([]) }, { weight: 1, arbitrary: fc.array(optionArb, { maxLength: 3 }) }),
    extensions: fc.array(optionArb, { maxLength: 3 }),
    reserved: fc.uint8Array({ maxLength: 4 }),
  })
  .map((f) => {
    const signedData = encodeCertificateSignedData({ ...f, principals: f.principals.filter((p) => !p.includes('\0')), publicKey: f.subject.publicBlob, signatureKey: f.ca.publicBlob });
    return { blob: completeCertificate(signedData, f.ca.sign(f.ca.algorithms[0]!, signedData)), signedData, ca: f.ca, subject: f.subject };
  });

/** Edits of a valid blob: flipped bits, cut, grown, a replaced span, a changed length prefix. */
const mutatedArb = fc
  .tuple(validCertArb, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 3 }), fc.constantFrom('flip', 'cut', 'grow', 'span', 'length'), fc.nat(), fc.uint8Array({ maxLength: 8 }))
  .map(([c, flips, how, at, extra]) => {
    const b = c.blob.slice();
    const i = at % b.length;
    let out: Uint8Array;
    switch (how) {
      case 'flip':
        for (const [p, bit] of flips) b[p % b.length]! ^= 1 << bit;
        out = b;
        break;
      case 'cut':
        out = b.subarray(0, i);
        break;
      case 'grow':
        out = concat([b.subarray(0, i), extra, b.subarray(i)]);
        break;
      case 'span':
        b.set(extra.subarray(0, b.length - i), i);
        out = b;
        break;
      default: {
        // Rewrite a 4-byte big-endian value (likely a length) near `at`.
        new DataView(b.buffer).setUint32(Math.min(i, b.length - 4), flips[0]![0]);
        out = b;
      }
    }
    return { ...c, blob: out };
  });

const typedRandomArb = fc.tuple(fc.constantFrom(...CERT_TYPES, 'ssh-dss-cert-v01@openssh.com', 'ssh-ed25519'), fc.uint8Array({ maxLength: 300 })).map(([t, rest]) => concat([sshString(t), rest]));

const anyBlobArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: validCertArb.map((c) => c.blob) },
  { weight: 4, arbitrary: mutatedArb.map((c) => c.blob) },
  { weight: 2, arbitrary: typedRandomArb },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

// ------------------------------------------------------------------ properties

describe('certificate blobs', () => {
  test(
    'parseCertificate: a result that re-encodes byte for byte, or KeyFormatError / UnsupportedAlgorithmError',
    () => {
      check(
        fc.property(anyBlobArb, (blob) => {
          const o = outcome(PARSE_ERRORS, () => parseCertificate(blob), 'parseCertificate');
          stat('parseCertificate', o.ok ? 'parsed' : o.error.constructor.name);
          if (!o.ok) return;
          const c = o.value;
          ensureBytes(completeCertificate(c.signedData, c.signature), blob, 'signedData ‖ signature');
          ensureBytes(encodeCertificateSignedData({ ...c, publicKey: c.publicKey.blob }), c.signedData, 're-encoded signed data');
        }),
        1,
        60,
      );
    },
    timeoutFor(1, 60),
  );

  test(
    'verifyCertificate: a result or CertificateError; it passes only for bytes the CA signed',
    () => {
      check(
        fc.property(fc.oneof(validCertArb, mutatedArb), fc.constantFrom<'user' | 'host'>('user', 'host'), fc.constantFrom('alice', 'localhost', 'x.example.com', undefined), fc.constantFrom('10.1.2.3', '2001:db8::1', 'nonsense'), (c, role, principal, clientAddress) => {
          const o = outcome(
            [CertificateError],
            () =>
              verifyCertificate(c.blob, {
                role,
                ...(principal !== undefined ? { principal } : {}),
                now: new Date(),
                trustedCAs: CAS.map((k) => k.publicBlob),
                clientAddress,
              }),
            'verifyCertificate',
          );
          stat('verifyCertificate', o.ok ? 'verified' : o.error.message.replace(/^certificate ".*?": /s, '').split(/[:(]/)[0]!);
          if (!o.ok) return;
          ensureBytes(o.value.certificate.signedData, c.signedData, 'verified signed data');
          ensure(o.value.certificate.kind === role, 'role checked');
        }),
        1,
        60,
      );
    },
    timeoutFor(1, 60),
  );

  test(
    'verifySignature with certificate algorithms, CertifiedSigningKey and fingerprints on any blob',
    () => {
      const data = new Uint8Array(32).fill(7);
      check(
        fc.property(anyBlobArb, fc.constantFrom(...CERTIFICATE_SIGNATURE_ALGORITHMS), fc.constantFrom(...SUBJECTS), (blob, alg, subject) => {
          const sig = subject.sign(subject.algorithms[0]!, data);
          outcome(PARSE_ERRORS, () => verifySignature(alg, blob, sig, data), 'verifySignature');
          const k = outcome([CertificateError], () => new CertifiedSigningKey(subject, blob), 'CertifiedSigningKey');
          if (k.ok) {
            for (const a of k.value.algorithms) ensure(verifySignature(a, blob, k.value.sign(a, data), data), `${a} signature verifies`);
          }
          ensure(fingerprintSha256(blob).startsWith('SHA256:') && fingerprintMd5(blob).startsWith('MD5:'), 'fingerprints');
        }),
        0.5,
        200,
      );
    },
    timeoutFor(0.5, 200),
  );

  test('the known chained-CA and NUL cases are refused', () => {
    const ca = CAS[0]!;
    const inner = completeCertificate(
      encodeCertificateSignedData({ nonce: new Uint8Array(0), publicKey: SUBJECTS[0]!.publicBlob, serial: 0n, kind: 'user', keyId: '', principals: ['a'], validAfter: 0n, validBefore: 1n, criticalOptions: [], extensions: [], signatureKey: ca.publicBlob }),
      new Writer().string('x').bytes(),
    );
    const chained = encodeCertificateSignedData({ nonce: new Uint8Array(0), publicKey: SUBJECTS[0]!.publicBlob, serial: 0n, kind: 'user', keyId: '', principals: ['a'], validAfter: 0n, validBefore: 1n, criticalOptions: [], extensions: [], signatureKey: inner });
    const o = outcome(PARSE_ERRORS, () => parseCertificate(completeCertificate(chained, new Uint8Array(0))), 'parseCertificate');
    ensure(!o.ok && /itself a certificate/.test(o.error.message), 'chained CA refused');
  });
});
