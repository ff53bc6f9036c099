/**
 * OpenSSH's `ssh` against hopssh's ServerTransport presenting a host
 * certificate (PROTOCOL.certkeys), with a known_hosts file holding only a
 * `@cert-authority` line (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): accepted
 * when the CA matches and the certificate names the host, refused otherwise
 * ("Host key verification failed"). Certificates made both by ssh-keygen -s
 * and by hopssh (in-process) are used.
 *
 * The server answers the "none" USERAUTH_REQUEST with USERAUTH_FAILURE, so an
 * accepted host ends with ssh's "Permission denied" after the host check.
 */
import { beforeAll, expect, test } from 'vitest';
import { knownHostsLine, requireOpenSSH, runSsh } from '../helpers/openssh.ts';
import { startTransportServer } from '../helpers/transport-server.ts';
import type { RunResult } from '../helpers/run.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { signTestCertificate } from '../helpers/test-certificates.ts';
import { certWorkspace, pubLine, type CertWorkspace } from '../auth/cert-fixtures.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';
import { formatPublicKeyLine } from '../../src/auth/public-key-line.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { Writer } from '../../src/wire/writer.ts';
import { MSG } from '../../src/wire/message-numbers.ts';

const describeOpenSSH = requireOpenSSH();

interface TestServer {
  port: number;
  negotiated: string[];
  close(): Promise<void>;
}

/** A hopssh server on 127.0.0.1 with these host keys; every USERAUTH_REQUEST fails. */
async function startServer(hostKeys: readonly SigningKey[]): Promise<TestServer> {
  const negotiated: string[] = [];
  const server = await startTransportServer({ hostKeys }, (t) => {
    t.ready.then(
      () => negotiated.push(t.negotiated!.hostKey),
      () => undefined,
    );
    t.onMessage = (p) => {
      if (p[0] === MSG.USERAUTH_REQUEST) t.send(new Writer(32).byte(MSG.USERAUTH_FAILURE).nameList(['publickey']).boolean(false).bytes().slice());
    };
  });
  return { port: server.port, negotiated, close: server.close };
}

/** Runs `ssh -vvv 127.0.0.1 true` with known_hosts holding `@cert-authority <host pattern> <CA key>` lines. */
async function sshWithCa(keys: readonly SigningKey[], caLines: readonly string[], options?: Record<string, string>): Promise<{ ssh: RunResult; negotiated: string[] }> {
  const srv = await startServer(keys);
  try {
    const known = caLines.map((ca) => `@cert-authority ${knownHostsLine('127.0.0.1', srv.port, ca)}`);
    const ssh = await runSsh(['-l', 'hoptest', '127.0.0.1', 'true'], { port: srv.port, knownHosts: known, verbose: true, options, timeoutMs: 30_000 });
    expect(ssh.timedOut).toBe(false);
    return { ssh, negotiated: srv.negotiated };
  } finally {
    await srv.close();
  }
}

function expectAccepted(r: { ssh: RunResult; negotiated: string[] }, algorithm: string): void {
  const log = r.ssh.stderr;
  const context = `ssh stderr tail:\n${log.split('\n').slice(-20).join('\n')}`;
  expect(r.negotiated, context).toEqual([algorithm]);
  expect(log, context).toContain(`kex: host key algorithm: ${algorithm}`);
  expect(log, context).toMatch(/Server host certificate: \S+ SHA256:\S+, serial \d+ ID "[^"]*" CA \S+ SHA256:\S+ valid /);
  expect(log, context).toMatch(/Host '\[127\.0\.0\.1\]:\d+' is known and matches the \S+-CERT host certificate/);
  expect(log, context).not.toContain('Host key verification failed');
  // The host check passed: ssh went on to authenticate and was refused.
  expect(log, context).toContain('Permission denied (publickey)');
}

function expectRefused(r: { ssh: RunResult }, why: RegExp): void {
  const log = r.ssh.stderr;
  const context = `ssh stderr tail:\n${log.split('\n').slice(-20).join('\n')}`;
  expect(log, context).toMatch(why);
  expect(log, context).toContain('Host key verification failed');
  expect(log, context).not.toContain('Permission denied');
  expect(r.ssh.code, context).toBe(255);
}

describeOpenSSH('interop: ssh checks hopssh\'s host certificate against @cert-authority', () => {
  let ws: CertWorkspace;
  let caLine: string;
  let otherCaLine: string;
  let viaKeygen: CertifiedSigningKey;

  beforeAll(async () => {
    ws = await certWorkspace();
    const [ca, other] = await Promise.all([ws.key('host-ca', 'ed25519'), ws.key('other-ca', 'ecdsa-256')]);
    caLine = ca.publicKeyLine;
    otherCaLine = other.publicKeyLine;
    // hopssh's own host key, certified by ssh-keygen -s -h.
    const key = hostKey('ssh-ed25519');
    const cert = await ws.certify(ca.path, pubLine(key.publicBlob), { host: true, id: 'hopssh host', principals: '127.0.0.1,localhost', validity: '-5m:+1h' });
    viaKeygen = new CertifiedSigningKey(key, cert.blob);
  }, 60_000);

  test('a certificate from ssh-keygen -s -h: accepted by default (ssh prefers certificates when it knows a CA)', async () => {
    expectAccepted(await sshWithCa([hostKey('ssh-ed25519'), viaKeygen], [caLine]), 'ssh-ed25519-cert-v01@openssh.com');
  });

  test('certificates hopssh made, for every key type, CAs of every type', async () => {
    const cases: [SigningKey, SigningKey, string][] = [
      [hostKey('ecdsa-sha2-nistp256'), generateSigningKey('ecdsa-sha2-nistp384'), 'ecdsa-sha2-nistp256-cert-v01@openssh.com'],
      [hostKey('ecdsa-sha2-nistp384'), generateSigningKey('ecdsa-sha2-nistp521'), 'ecdsa-sha2-nistp384-cert-v01@openssh.com'],
      [hostKey('ecdsa-sha2-nistp521'), generateSigningKey('ssh-ed25519'), 'ecdsa-sha2-nistp521-cert-v01@openssh.com'],
      [hostKey('ssh-rsa'), generateSigningKey('ecdsa-sha2-nistp256'), 'rsa-sha2-512-cert-v01@openssh.com'],
      [hostKey('ssh-ed25519'), hostKey('ssh-rsa'), 'ssh-ed25519-cert-v01@openssh.com'],
    ];
    for (const [key, ca, algorithm] of cases) {
      const cert = signTestCertificate(ca, key.publicBlob, { principals: ['127.0.0.1'], keyId: `hopssh ${algorithm}` });
      const r = await sshWithCa([new CertifiedSigningKey(key, cert)], [formatPublicKeyLine(ca.publicBlob)]);
      expectAccepted(r, algorithm);
    }
  });

  test('rsa-sha2-256-cert-v01@openssh.com when ssh asks for it', async () => {
    const ca = generateSigningKey('ssh-ed25519');
    const key = new CertifiedSigningKey(hostKey('ssh-rsa'), signTestCertificate(ca, hostKey('ssh-rsa').publicBlob, { principals: ['127.0.0.1'] }));
    const r = await sshWithCa([key], [formatPublicKeyLine(ca.publicBlob)], { HostKeyAlgorithms: 'rsa-sha2-256-cert-v01@openssh.com' });
    expectAccepted(r, 'rsa-sha2-256-cert-v01@openssh.com');
  });

  test('refused when known_hosts trusts another CA', async () => {
    const r = await sshWithCa([viaKeygen], [otherCaLine]);
    // ssh falls back to the plain key inside the certificate, which known_hosts does not hold either.
    expectRefused(r, /No matching CA found\. Retry with plain key[\s\S]*No ED25519 host key is known for \[127\.0\.0\.1\]:\d+/);
  });

  test('refused when the certificate does not name the host', async () => {
    const ca = generateSigningKey('ssh-ed25519');
    const key = new CertifiedSigningKey(hostKey('ssh-ed25519'), signTestCertificate(ca, hostKey('ssh-ed25519').publicBlob, { principals: ['elsewhere.example.com'] }));
    expectRefused(await sshWithCa([key], [formatPublicKeyLine(ca.publicBlob)]), /Certificate invalid: name is not a listed principal/);
  });

  test('refused when the certificate has expired', async () => {
    const ca = generateSigningKey('ssh-ed25519');
    const key = new CertifiedSigningKey(hostKey('ssh-ed25519'), signTestCertificate(ca, hostKey('ssh-ed25519').publicBlob, { principals: ['127.0.0.1'], validBefore: 1000n }));
    expectRefused(await sshWithCa([key], [formatPublicKeyLine(ca.publicBlob)]), /Certificate invalid: expired/);
  });
});
