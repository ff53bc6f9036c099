/**
 * OpenSSH certificates (PROTOCOL.certkeys): certificates made by
 * `ssh-keygen -s` (user and host, every key type, CAs of every type, RSA CAs
 * with each signature algorithm) parse and verify; each failed check is
 * refused with its own message; force-command, source-address and the
 * permit-* extensions come out as restrictions; fingerprints equal
 * `ssh-keygen -l`. In-process: blob edge cases, the cert algorithms of
 * verifySignature, CertifiedSigningKey, and a transport whose host key is a
 * certificate.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireOpenSSH, type KeyType } from '../helpers/openssh.ts';
import { findSshKeygen } from '../helpers/openssh-binaries.ts';
import { transportPair, hostKey } from '../helpers/transport-pair.ts';
import { TEST_HOST_CA, certifiedHostKey, signTestCertificate } from '../helpers/test-certificates.ts';
import { certWorkspace, pubLine, type CertWorkspace } from './cert-fixtures.ts';
import { CertificateError } from '../../src/auth/errors.ts';
import { verifyCertificate, certificateRestrictions } from '../../src/auth/certificate.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';
import { parsePublicKeyLine } from '../../src/auth/public-key-line.ts';
import {
  CERT_VALID_FOREVER,
  certificateTypeOf,
  completeCertificate,
  encodeCertificateSignedData,
  isCertificateType,
  parseCertificate,
  plainKeyTypeOf,
} from '../../src/crypto/certificate-blob.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../../src/crypto/errors.ts';
import { fingerprintMd5, fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import { CERTIFICATE_SIGNATURE_ALGORITHMS, keyTypeOfAlgorithm, parseSignatureBlob, underlyingSignatureAlgorithm, verifySignature } from '../../src/crypto/signature.ts';
import { Ed25519SigningKey, EcdsaSigningKey, generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { HostKeyError } from '../../src/transport/errors.ts';
import { Writer } from '../../src/wire/writer.ts';
import { utf8 } from '../../src/wire/bytes.ts';

const describeOpenSSH = requireOpenSSH();

const KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa'];
const CERT_TYPE: Record<KeyType, string> = {
  ed25519: 'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-256': 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-384': 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-521': 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  rsa: 'ssh-rsa-cert-v01@openssh.com',
};
/** The signature algorithm ssh-keygen -s uses by default for a CA of each type (OpenSSH ≥ 8.2: rsa-sha2-512 for RSA). */
const CA_SIGNATURE: Record<KeyType, string> = {
  ed25519: 'ssh-ed25519',
  'ecdsa-256': 'ecdsa-sha2-nistp256',
  'ecdsa-384': 'ecdsa-sha2-nistp384',
  'ecdsa-521': 'ecdsa-sha2-nistp521',
  rsa: 'rsa-sha2-512',
};

const now = (): Date => new Date();

/** The thrown CertificateError's message (fails if nothing or something else is thrown). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CertificateError);
    return (e as Error).message;
  }
  throw new Error('expected a CertificateError');
}

describeOpenSSH('certificates made by ssh-keygen -s', () => {
  let ws: CertWorkspace;
  const ca = (t: KeyType) => ws.key(`ca-${t}`, t);
  const subject = (t: KeyType) => ws.key(`subject-${t}`, t);

  beforeAll(async () => {
    ws = await certWorkspace();
    await Promise.all(KEY_TYPES.flatMap((t) => [ca(t), subject(t)]));
  }, 60_000);

  describe.each(KEY_TYPES)('a %s key', (t) => {
    test('user certificate (Ed25519 CA): every field parses, and it verifies', async () => {
      const [c, s] = [await ca('ed25519'), await subject(t)];
      const cert = await ws.certify(c.path, s.publicKeyLine, { id: `user ${t}`, principals: 'alice,bob', validity: 'always:forever', serial: 42 });
      expect(cert.type).toBe(CERT_TYPE[t]);
      const parsed = cert.certificate!;
      expect(parsed.type).toBe(CERT_TYPE[t]);
      expect(parsed.kind).toBe('user');
      expect(parsed.keyId).toBe(`user ${t}`);
      expect(parsed.serial).toBe(42n);
      expect(parsed.principals).toEqual(['alice', 'bob']);
      expect(parsed.validAfter).toBe(0n);
      expect(parsed.validBefore).toBe(CERT_VALID_FOREVER);
      expect(parsed.criticalOptions).toEqual([]);
      expect(parsed.extensions.map((e) => e.name)).toEqual(['permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc']);
      expect(parsed.reserved).toEqual(new Uint8Array(0));
      expect(parsed.nonce.length).toBe(32);
      // The embedded key is the subject's plain key; the signature key the CA's.
      expect(parsed.publicKey.blob).toEqual(s.pub.blob);
      expect(cert.key.blob).toEqual(s.pub.blob);
      expect(parsed.signatureKey).toEqual(c.pub.blob);
      expect(parsed.signedData).toEqual(parsed.blob.subarray(0, parsed.signedData.length));
      const v = verifyCertificate(parsed, { role: 'user', principal: 'bob', now: now(), trustedCAs: [c.pub.blob] });
      expect(v.signatureAlgorithm).toBe('ssh-ed25519');
      expect(v.restrictions).toMatchObject({ permitPty: true, permitPortForwarding: true, permitAgentForwarding: true, permitX11Forwarding: true, permitUserRc: true });
      expect(v.forceCommand).toBeUndefined();
      // The blob form verifies the same.
      expect(verifyCertificate(cert.blob, { role: 'user', principal: 'alice', now: now(), trustedCAs: [c.pub.blob] }).certificate.keyId).toBe(`user ${t}`);
    });

    test('host certificate (-h): verifies for a listed host name, refused as a user certificate', async () => {
      const [c, s] = [await ca('ecdsa-384'), await subject(t)];
      const cert = await ws.certify(c.path, s.publicKeyLine, { host: true, id: `host ${t}`, principals: 'server.example.com,10.0.0.5', validity: '-5m:+1h' });
      expect(cert.certificate!.kind).toBe('host');
      expect(cert.certificate!.extensions).toEqual([]);
      const v = verifyCertificate(cert.certificate!, { role: 'host', principal: 'server.example.com', now: now(), trustedCAs: (b) => b.length === c.pub.blob.length && b.every((x, i) => x === c.pub.blob[i]) });
      expect(v.signatureAlgorithm).toBe('ecdsa-sha2-nistp384');
      expect(verifyCertificate(cert.certificate!, { role: 'host', principal: '10.0.0.5', now: now(), trustedCAs: [c.pub.blob] }).certificate.kind).toBe('host');
      expect(refusal(() => verifyCertificate(cert.certificate!, { role: 'user', principal: 'server.example.com', now: now(), trustedCAs: [c.pub.blob] }))).toContain(
        'not a user certificate (it is a host certificate)',
      );
    });

    test(`CA of type ${t} signs (ssh-keygen's default algorithm) and verifies`, async () => {
      const [c, s] = [await ca(t), await subject('ed25519')];
      const cert = await ws.certify(c.path, s.publicKeyLine, { principals: 'alice' });
      const v = verifyCertificate(cert.certificate!, { role: 'user', principal: 'alice', now: now(), trustedCAs: [c.pub.blob] });
      expect(v.signatureAlgorithm).toBe(CA_SIGNATURE[t]);
    });

    test('fingerprints equal ssh-keygen -l (SHA256 and MD5), for the key and its certificate', async () => {
      const [c, s] = [await ca('ed25519'), await subject(t)];
      const cert = await ws.certify(c.path, s.publicKeyLine, { principals: 'alice' });
      const certFile = join(ws.dir, `fp-${t}-cert.pub`);
      writeFileSync(certFile, cert.text);
      for (const [file, blob] of [
        [`${s.path}.pub`, s.pub.blob],
        [certFile, cert.blob],
      ] as const) {
        const sha = execFileSync(findSshKeygen(), ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
        const md5 = execFileSync(findSshKeygen(), ['-l', '-E', 'md5', '-f', file], { encoding: 'utf8' }).split(' ')[1];
        expect(fingerprintSha256(blob)).toBe(sha);
        expect(fingerprintMd5(blob)).toBe(md5);
      }
    });
  });

  describe('RSA CAs and their signature algorithms', () => {
    test.each(['rsa-sha2-512', 'rsa-sha2-256'])('-t %s is accepted', async (alg) => {
      const [c, s] = [await ca('rsa'), await subject('ecdsa-256')];
      const cert = await ws.certify(c.path, s.publicKeyLine, { principals: 'alice', algorithm: alg });
      expect(parseSignatureBlob(cert.certificate!.signature).algorithm).toBe(alg);
      expect(verifyCertificate(cert.certificate!, { role: 'user', principal: 'alice', now: now(), trustedCAs: [c.pub.blob] }).signatureAlgorithm).toBe(alg);
    });

    test('-t ssh-rsa (SHA-1) is refused as OpenSSH ≥ 8.2 refuses it, unless configured', async () => {
      const [c, s] = [await ca('rsa'), await subject('ed25519')];
      const cert = await ws.certify(c.path, s.publicKeyLine, { principals: 'alice', algorithm: 'ssh-rsa' });
      const check = { role: 'user', principal: 'alice', now: now(), trustedCAs: [c.pub.blob] } as const;
      expect(refusal(() => verifyCertificate(cert.certificate!, check))).toMatch(/CA signature algorithm ssh-rsa is not allowed/);
      expect(verifyCertificate(cert.certificate!, { ...check, caSignatureAlgorithms: ['rsa-sha2-512', 'ssh-rsa'] }).signatureAlgorithm).toBe('ssh-rsa');
    });
  });

  describe('each failed check is refused with its own message', () => {
    let caKey: Awaited<ReturnType<typeof ca>>;
    let subj: Awaited<ReturnType<typeof subject>>;
    beforeAll(async () => {
      caKey = await ca('ed25519');
      subj = await subject('ecdsa-256');
    });
    const userCheck = () => ({ role: 'user' as const, principal: 'alice', now: now(), trustedCAs: [caKey.pub.blob], clientAddress: '192.0.2.10' });

    test('expired', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'old', principals: 'alice', validity: '-2h:-1h' });
      expect(refusal(() => verifyCertificate(cert.certificate!, userCheck()))).toMatch(/^certificate "old": expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    test('not yet valid', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'future', principals: 'alice', validity: '+1h:+2h' });
      expect(refusal(() => verifyCertificate(cert.certificate!, userCheck()))).toMatch(/^certificate "future": not yet valid: valid from /);
    });

    test('the boundaries: valid after <= now < valid before', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { principals: 'alice', validity: '20300101000000:20300102000000' });
      const { validAfter, validBefore } = cert.certificate!;
      const at = (s: bigint) => ({ ...userCheck(), now: new Date(Number(s) * 1000) });
      expect(() => verifyCertificate(cert.certificate!, at(validAfter))).not.toThrow();
      expect(() => verifyCertificate(cert.certificate!, at(validBefore - 1n))).not.toThrow();
      expect(refusal(() => verifyCertificate(cert.certificate!, at(validAfter - 1n)))).toContain('not yet valid');
      expect(refusal(() => verifyCertificate(cert.certificate!, at(validBefore)))).toContain('expired');
    });

    test('wrong principal', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'p', principals: 'alice,bob' });
      expect(refusal(() => verifyCertificate(cert.certificate!, { ...userCheck(), principal: 'carol' }))).toBe('certificate "p": "carol" is not a listed principal (alice,bob)');
    });

    test('no principals (OpenSSH 10.3 no longer reads that as "anyone")', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'nobody' });
      expect(cert.certificate!.principals).toEqual([]);
      expect(refusal(() => verifyCertificate(cert.certificate!, userCheck()))).toBe('certificate "nobody": lists no principals');
      const { principal: _, ...noName } = userCheck();
      expect(refusal(() => verifyCertificate(cert.certificate!, noName))).toContain('lists no principals');
    });

    test('wildcards in principals count for host certificates only', async () => {
      const host = await ws.certify(caKey.path, subj.publicKeyLine, { host: true, principals: '*.example.com,web?' });
      const hostCheck = { role: 'host' as const, now: now(), trustedCAs: [caKey.pub.blob] };
      expect(() => verifyCertificate(host.certificate!, { ...hostCheck, principal: 'db.example.com' })).not.toThrow();
      expect(() => verifyCertificate(host.certificate!, { ...hostCheck, principal: 'web1' })).not.toThrow();
      expect(refusal(() => verifyCertificate(host.certificate!, { ...hostCheck, principal: 'example.com' }))).toContain('not a listed principal');
      const user = await ws.certify(caKey.path, subj.publicKeyLine, { principals: '*' });
      expect(refusal(() => verifyCertificate(user.certificate!, userCheck()))).toContain('"alice" is not a listed principal (*)');
      expect(() => verifyCertificate(user.certificate!, { ...userCheck(), principal: '*' })).not.toThrow();
    });

    test('wrong CA', async () => {
      const other = await ca('ecdsa-256');
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'w', principals: 'alice' });
      expect(refusal(() => verifyCertificate(cert.certificate!, { ...userCheck(), trustedCAs: [other.pub.blob] }))).toBe(
        `certificate "w": signed by an untrusted CA (ssh-ed25519 ${fingerprintSha256(caKey.pub.blob)})`,
      );
      expect(refusal(() => verifyCertificate(cert.certificate!, { ...userCheck(), trustedCAs: () => false }))).toContain('untrusted CA');
      expect(refusal(() => verifyCertificate(cert.certificate!, { ...userCheck(), trustedCAs: [] }))).toContain('untrusted CA');
    });

    test('tampered: a changed field or signature no longer verifies', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'tamper-me', principals: 'alice' });
      const blob = cert.blob.slice();
      const at = Buffer.from(blob).indexOf('tamper-me');
      blob[at] = 'T'.charCodeAt(0);
      const changed = parseCertificate(blob);
      expect(changed.keyId).toBe('Tamper-me');
      expect(refusal(() => verifyCertificate(changed, userCheck()))).toBe(`certificate "Tamper-me": CA signature does not verify (ssh-ed25519 ${fingerprintSha256(caKey.pub.blob)})`);
      const sig = cert.blob.slice();
      sig[sig.length - 5]! ^= 1;
      expect(refusal(() => verifyCertificate(sig, userCheck()))).toContain('CA signature does not verify');
      // A signature by another algorithm than the CA key's type.
      const ecdsaCa = EcdsaSigningKey.generate('nistp256');
      const forged = completeCertificate(cert.certificate!.signedData, ecdsaCa.sign('ecdsa-sha2-nistp256', cert.certificate!.signedData));
      expect(refusal(() => verifyCertificate(forged, userCheck()))).toMatch(/CA signature cannot be checked: .*public key is ssh-ed25519, expected ecdsa-sha2-nistp256/);
    });

    test('unknown critical option', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { id: 'crit', principals: 'alice', options: ['critical:frobnicate@example.com=on'] });
      expect(refusal(() => verifyCertificate(cert.certificate!, userCheck()))).toBe('certificate "crit": unknown critical option "frobnicate@example.com"');
    });

    test('force-command and source-address are honoured', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, {
        id: 'restricted',
        principals: 'alice',
        options: ['force-command=ls -l "/tmp dir"', 'source-address=192.0.2.0/24,2001:db8::/32'],
      });
      const v = verifyCertificate(cert.certificate!, userCheck());
      expect(v.forceCommand).toBe('ls -l "/tmp dir"');
      expect(v.restrictions.forceCommand).toBe('ls -l "/tmp dir"');
      expect(v.sourceAddress).toBe('192.0.2.0/24,2001:db8::/32');
      expect(() => verifyCertificate(cert.certificate!, { ...userCheck(), clientAddress: '2001:db8:5::1' })).not.toThrow();
      expect(() => verifyCertificate(cert.certificate!, { ...userCheck(), clientAddress: '::ffff:192.0.2.99' })).not.toThrow();
      expect(refusal(() => verifyCertificate(cert.certificate!, { ...userCheck(), clientAddress: '198.51.100.1' }))).toBe(
        'certificate "restricted": source address 198.51.100.1 is not in source-address 192.0.2.0/24,2001:db8::/32',
      );
      const { clientAddress: _, ...noAddress } = userCheck();
      expect(refusal(() => verifyCertificate(cert.certificate!, noAddress))).toContain("needs the client's address");
    });

    test('extensions: -O clear withholds everything; permit-* grant; unknown ones are exposed', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { principals: 'alice', options: ['clear', 'permit-pty', 'extension:custom@example.com=value'] });
      const v = verifyCertificate(cert.certificate!, userCheck());
      expect(v.restrictions).toMatchObject({ permitPty: true, permitPortForwarding: false, permitAgentForwarding: false, permitX11Forwarding: false, permitUserRc: false });
      expect([...v.extensions.keys()]).toEqual(['custom@example.com', 'permit-pty']);
      expect(v.extensions.get('custom@example.com')).toEqual(new Writer().string('value').bytes());
    });

    test('a user certificate used as a host certificate', async () => {
      const cert = await ws.certify(caKey.path, subj.publicKeyLine, { principals: 'alice' });
      expect(refusal(() => verifyCertificate(cert.certificate!, { role: 'host', principal: 'alice', now: now(), trustedCAs: [caKey.pub.blob] }))).toContain(
        'not a host certificate (it is a user certificate)',
      );
    });
  });
});

// ---------------------------------------------------------------- in process

const CA = Ed25519SigningKey.generate();
const USER = Ed25519SigningKey.generate();

function userCert(fields: Parameters<typeof signTestCertificate>[2] = {}, ca: SigningKey = CA, alg?: string): Uint8Array {
  return signTestCertificate(ca, USER.publicBlob, { kind: 'user', principals: ['alice'], keyId: 'k', ...fields }, alg);
}
const check = { role: 'user' as const, principal: 'alice', now: new Date(), trustedCAs: [CA.publicBlob], clientAddress: '10.0.0.1' };
const opt = (name: string, data: Uint8Array = new Uint8Array(0)) => ({ name, data });
const str = (s: string) => new Writer().string(s).bytes().slice();

describe('certificate blobs (in process)', () => {
  test('type names', () => {
    expect(isCertificateType('ssh-ed25519-cert-v01@openssh.com')).toBe(true);
    expect(isCertificateType('rsa-sha2-256-cert-v01@openssh.com')).toBe(false); // an algorithm, never a key type
    expect(isCertificateType('ssh-dss-cert-v01@openssh.com')).toBe(false);
    expect(isCertificateType('toString')).toBe(false);
    expect(plainKeyTypeOf('ecdsa-sha2-nistp521-cert-v01@openssh.com')).toBe('ecdsa-sha2-nistp521');
    expect(certificateTypeOf('ssh-rsa')).toBe('ssh-rsa-cert-v01@openssh.com');
    expect(() => plainKeyTypeOf('ssh-ed25519')).toThrow(UnsupportedAlgorithmError);
  });

  test('encode → parse round trip; the signed data ends before the signature', () => {
    const blob = userCert({ serial: 2n ** 64n - 1n, principals: ['a', 'b c', 'ü'], criticalOptions: [opt('force-command', str('true'))], extensions: [opt('permit-pty')], reserved: Uint8Array.of(1, 2) });
    const c = parseCertificate(blob);
    expect(c.serial).toBe(2n ** 64n - 1n);
    expect(c.principals).toEqual(['a', 'b c', 'ü']);
    expect(c.criticalOptions).toEqual([opt('force-command', str('true'))]);
    expect(c.reserved).toEqual(Uint8Array.of(1, 2));
    expect(c.publicKey.blob).toEqual(USER.publicBlob);
    expect(completeCertificate(c.signedData, c.signature)).toEqual(blob);
  });

  test('malformed blobs are KeyFormatError, other types UnsupportedAlgorithmError', () => {
    const blob = userCert();
    expect(() => parseCertificate(blob.subarray(0, blob.length - 1))).toThrow(KeyFormatError);
    expect(() => parseCertificate(Uint8Array.of(...blob, 0))).toThrow(/trailing bytes/);
    expect(() => parseCertificate(USER.publicBlob)).toThrow(UnsupportedAlgorithmError);
    expect(() => parseCertificate(new Uint8Array(3))).toThrow(KeyFormatError);
    // Certificate type 3.
    const c = parseCertificate(blob);
    const bad = encodeCertificateSignedData({ ...c, publicKey: USER.publicBlob });
    const i = 4 + 32 + 4 + 32 + 4 + 32 + 8; // type name, nonce, pk, serial
    expect(new DataView(bad.buffer).getUint32(i)).toBe(1);
    bad[i + 3] = 3;
    expect(() => parseCertificate(completeCertificate(bad, c.signature))).toThrow(/unknown certificate type 3/);
  });

  test('a CA key that is itself a certificate (chained) is refused', () => {
    const chained = userCert({ signatureKey: userCert() });
    expect(() => parseCertificate(chained)).toThrow(/signature key is itself a certificate/);
  });

  test('more than 256 principals, a NUL in a principal, or a badly framed option are refused', () => {
    expect(() => parseCertificate(userCert({ principals: Array.from({ length: 257 }, (_, i) => `p${i}`) }))).toThrow(/more than 256 principals/);
    expect(parseCertificate(userCert({ principals: Array.from({ length: 256 }, (_, i) => `p${i}`) })).principals).toHaveLength(256);
    expect(() => parseCertificate(userCert({ principals: ['a\0b'] }))).toThrow(/NUL/);
    const c = parseCertificate(userCert());
    const broken = encodeCertificateSignedData({ ...c, publicKey: USER.publicBlob, extensions: [] });
    // Replace the empty extensions string with one holding a lone name.
    const at = broken.length - 4 - c.signatureKey.length - 4 - 4; // …extensions, reserved, signature key
    const mangled = new Writer().raw(broken.subarray(0, at)).string(str('x')).raw(broken.subarray(at + 4)).bytes().slice();
    expect(() => parseCertificate(completeCertificate(mangled, c.signature))).toThrow(/extensions/);
  });
});

describe('verifyCertificate (in process)', () => {
  test('critical options: force-command and source-address must be one string; repeats and stray data refuse', () => {
    expect(refusal(() => verifyCertificate(userCert({ criticalOptions: [opt('force-command', utf8('raw'))] }), check))).toMatch(/critical option force-command is malformed/);
    expect(refusal(() => verifyCertificate(userCert({ criticalOptions: [opt('force-command', str('a')), opt('force-command', str('a'))] }), check))).toContain(
      'more than one force-command',
    );
    expect(refusal(() => verifyCertificate(userCert({ criticalOptions: [opt('source-address', str('10.0.0.0/8,*'))] }), check))).toMatch(
      /source-address "10\.0\.0\.0\/8,\*" is invalid/,
    );
    expect(refusal(() => verifyCertificate(userCert({ criticalOptions: [opt('verify-required', str('x'))] }), check))).toContain('verify-required carries data');
    expect(verifyCertificate(userCert({ criticalOptions: [opt('verify-required')] }), check).restrictions.requireUserVerification).toBe(true);
    expect(refusal(() => verifyCertificate(userCert({ extensions: [opt('permit-pty', str('x'))] }), check))).toContain('extension permit-pty carries data');
    expect(certificateRestrictions(parseCertificate(userCert({ extensions: [opt('no-touch-required'), opt('whatever@x', str('y'))] }))).restrictions.noTouchRequired).toBe(true);
  });

  test('host certificates may carry no critical option at all', () => {
    const host = signTestCertificate(CA, USER.publicBlob, { criticalOptions: [opt('force-command', str('x'))] });
    expect(refusal(() => verifyCertificate(host, { role: 'host', principal: 'localhost', now: new Date(), trustedCAs: [CA.publicBlob] }))).toContain(
      'unsupported critical option "force-command" in a host certificate',
    );
  });

  test('times beyond the Date range and "forever" print readably', () => {
    expect(refusal(() => verifyCertificate(userCert({ validAfter: 2n ** 63n }), check))).toContain(`valid from ${2n ** 63n} seconds after the epoch`);
    expect(refusal(() => verifyCertificate(userCert({ validBefore: 1n }), check))).toContain('expired at 1970-01-01T00:00:01Z');
  });

  test('an unparsable blob is a CertificateError "(unparsed)"', () => {
    expect(refusal(() => verifyCertificate(new Uint8Array(10), check))).toMatch(/^certificate "\(unparsed\)"/);
  });
});

describe('signatures with certificate algorithms', () => {
  test('keyTypeOfAlgorithm and the underlying algorithm', () => {
    expect(keyTypeOfAlgorithm('rsa-sha2-512-cert-v01@openssh.com')).toBe('ssh-rsa-cert-v01@openssh.com');
    expect(keyTypeOfAlgorithm('ssh-ed25519-cert-v01@openssh.com')).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(underlyingSignatureAlgorithm('rsa-sha2-256-cert-v01@openssh.com')).toBe('rsa-sha2-256');
    expect(underlyingSignatureAlgorithm('ecdsa-sha2-nistp384-cert-v01@openssh.com')).toBe('ecdsa-sha2-nistp384');
    expect(underlyingSignatureAlgorithm('ssh-ed25519')).toBe('ssh-ed25519');
    expect(CERTIFICATE_SIGNATURE_ALGORITHMS.at(-1)).toBe('ssh-rsa-cert-v01@openssh.com');
  });

  test.each(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const)('CertifiedSigningKey over %s', (type) => {
    const key = hostKey(type);
    const ck = new CertifiedSigningKey(key, signTestCertificate(TEST_HOST_CA, key.publicBlob));
    expect(ck.type).toBe(certificateTypeOf(type));
    expect(ck.publicBlob).toEqual(ck.certificate.blob);
    expect(ck.algorithms).toEqual(type === 'ssh-rsa' ? ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com'] : [`${type}-cert-v01@openssh.com`]);
    const data = utf8('exchange hash');
    for (const alg of ck.algorithms) {
      const sig = ck.sign(alg, data);
      // OpenSSH's form: the signature blob names the plain algorithm.
      expect(parseSignatureBlob(sig).algorithm).toBe(underlyingSignatureAlgorithm(alg));
      expect(verifySignature(alg, ck.publicBlob, sig, data)).toBe(true);
      expect(verifySignature(alg, ck.publicBlob, sig, utf8('other'))).toBe(false);
    }
    expect(() => ck.sign(type === 'ssh-rsa' ? 'rsa-sha2-512' : type, data)).toThrow(TypeError);
  });

  test('a certificate algorithm with a key of another type, or a plain key, is a KeyFormatError', () => {
    const ed = certifiedHostKey('ssh-ed25519');
    const sig = ed.sign('ssh-ed25519-cert-v01@openssh.com', utf8('x'));
    expect(() => verifySignature('ecdsa-sha2-nistp256-cert-v01@openssh.com', ed.publicBlob, sig, utf8('x'))).toThrow(KeyFormatError);
    expect(() => verifySignature('ssh-ed25519-cert-v01@openssh.com', hostKey('ssh-ed25519').publicBlob, sig, utf8('x'))).toThrow(UnsupportedAlgorithmError);
  });

  test('CertifiedSigningKey refuses a certificate of another key, or garbage', () => {
    const other = generateSigningKey('ssh-ed25519');
    expect(() => new CertifiedSigningKey(other, signTestCertificate(CA, USER.publicBlob))).toThrow(/certifies another key than this ssh-ed25519 key/);
    expect(() => new CertifiedSigningKey(other, new Uint8Array(8))).toThrow(CertificateError);
  });

  test('a certificate .pub line parses like any key line', () => {
    const line = `ssh-ed25519-cert-v01@openssh.com ${Buffer.from(userCert()).toString('base64')} me@host`;
    const parsed = parsePublicKeyLine(line);
    expect(parsed.certificate?.keyId).toBe('k');
    expect(parsed.comment).toBe('me@host');
    expect(pubLine(parsed.blob, 'me@host')).toBe(line);
  });
});

describe('transport with a certified host key (in memory)', () => {
  const verifier = (ca: Uint8Array, seen: { algorithm: string; fingerprint: string }[]) => (info: { algorithm: string; publicKey: Uint8Array; fingerprint: string }) => {
    seen.push({ algorithm: info.algorithm, fingerprint: info.fingerprint });
    verifyCertificate(info.publicKey, { role: 'host', principal: 'localhost', now: new Date(), trustedCAs: [ca] });
    return true;
  };

  test('the client negotiates ssh-ed25519-cert-v01@openssh.com by default (certificates first) and checks the certificate', async () => {
    const plain = hostKey('ssh-ed25519');
    const certified = certifiedHostKey('ssh-ed25519');
    const seen: { algorithm: string; fingerprint: string }[] = [];
    const { client, server } = transportPair({ server: { hostKeys: [plain, certified] }, client: { verifyHostKey: verifier(TEST_HOST_CA.publicBlob, seen) } });
    await Promise.all([client.ready, server.ready]);
    expect(client.negotiated!.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(server.negotiated!.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
    // The fingerprint shown is the host key's, as ssh prints it for a certificate.
    expect(seen).toEqual([{ algorithm: 'ssh-ed25519-cert-v01@openssh.com', fingerprint: fingerprintSha256(plain.publicBlob) }]);
    client.disconnect();
  });

  test('rsa-sha2-512-cert-v01@openssh.com with an RSA host certificate', async () => {
    const seen: { algorithm: string; fingerprint: string }[] = [];
    const { client, server } = transportPair({ server: { hostKeys: [certifiedHostKey('ssh-rsa')] }, client: { verifyHostKey: verifier(TEST_HOST_CA.publicBlob, seen) } });
    await Promise.all([client.ready, server.ready]);
    expect(client.negotiated!.hostKey).toBe('rsa-sha2-512-cert-v01@openssh.com');
    client.disconnect();
  });

  test('a certificate from another CA is refused: the handshake fails with HostKeyError', async () => {
    const seen: { algorithm: string; fingerprint: string }[] = [];
    const { client, server } = transportPair({ server: { hostKeys: [certifiedHostKey('ssh-ed25519')] }, client: { verifyHostKey: verifier(CA.publicBlob, seen) } });
    const err = await client.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    expect(String(err)).toContain('untrusted CA');
    await server.closed;
  });
});
