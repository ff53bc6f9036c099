/**
 * hopssh's ClientTransport with knownHostsVerifier against OpenSSH's sshd,
 * with known_hosts files on disk (nodeFileSystem, a temp directory):
 * accept-new records the server's key, a second connection verifies it under
 * `yes`, a server with another key under the same name is refused naming both
 * fingerprints, and hostKeyAlgorithmsFor makes the client negotiate the key
 * type known_hosts holds — the same one OpenSSH's ssh negotiates with that file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cachedKey, findSshKeygen, generateKey, requireOpenSSH, run, runChecked, runSsh, startSshd, type SshdServer } from '../helpers/openssh.ts';
import { connectTcp } from '../../src/io/node-socket.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import { ClientTransport } from '../../src/transport/transport.ts';
import type { ClientTransportOptions } from '../../src/transport/options.ts';
import { CLIENT_DEFAULTS } from '../../src/transport/algorithms.ts';
import { HostKeyError } from '../../src/transport/errors.ts';
import { fingerprintSha256 } from '../../src/crypto/fingerprint.ts';
import { fromBase64 } from '../../src/wire/base64.ts';
import { hostKeyAlgorithmsFor, knownHostsAlgorithmOrder, knownHostsVerifier, type HostKeyWarning, type KnownHostsVerifierOptions } from '../../src/auth/host-key-policy.ts';
import { loadKnownHosts } from '../../src/auth/known-hosts.ts';

const describeOpenSSH = requireOpenSSH();

/** The key exchange with a verifier backed by known_hosts; resolves with the transport once ready, or rejects with its error. */
async function handshake(sshd: SshdServer, verifier: Partial<KnownHostsVerifierOptions> & { files: string[] }, options: Partial<ClientTransportOptions> = {}) {
  const warnings: HostKeyWarning[] = [];
  const stream = await connectTcp({ host: sshd.host, port: sshd.port, timeoutMs: 10_000 });
  const t = new ClientTransport(stream, {
    verifyHostKey: knownHostsVerifier({
      fs: nodeFileSystem,
      globalFiles: [],
      host: sshd.host,
      port: sshd.port,
      onWarning: (w) => warnings.push(w),
      ...verifier,
    }),
    ...options,
  });
  try {
    await t.ready;
  } catch (e) {
    if (t.isOpen) t.close();
    throw e;
  }
  return { t, warnings, done: () => t.disconnect() };
}

describeOpenSSH('known_hosts policy: hopssh client vs sshd', () => {
  let dir: string;
  let sshd: SshdServer;
  let other: SshdServer;
  const keyOf = (s: SshdServer, algorithm: string): string => s.hostKeys.find((k) => k.algorithm === algorithm)!.publicKeyLine;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-ckh-'));
    [sshd, other] = await Promise.all([
      startSshd({ hostKeys: ['ed25519', 'ecdsa-256'] }),
      startSshd({ hostKeys: ['ed25519', 'ecdsa-256'], freshHostKeys: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), other?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('accept-new records the key (found by ssh-keygen -F); a second connection verifies it under yes', async () => {
    const kh = join(dir, 'accept-new');
    const first = await handshake(sshd, { files: [kh], strict: 'accept-new' });
    const name = `[${sshd.host}]:${sshd.port}`;
    expect(first.t.negotiated?.hostKey).toBe('ssh-ed25519');
    expect(await readFile(kh, 'utf8')).toBe(`${name} ${keyOf(sshd, 'ssh-ed25519')}\n`);
    expect(first.warnings.map((w) => w.kind)).toEqual(['added']);
    first.done();

    const found = await run([findSshKeygen(), '-F', name, '-f', kh]);
    expect(found.stdout).toContain(`# Host ${name} found: line 1`);

    const second = await handshake(sshd, { files: [kh], strict: 'yes' });
    expect(second.warnings).toEqual([]);
    expect(await readFile(kh, 'utf8')).toBe(`${name} ${keyOf(sshd, 'ssh-ed25519')}\n`);
    second.done();
  });

  test('accept-new with hashKnownHosts: the hashed line is found by ssh-keygen -F and by the next connection', async () => {
    const kh = join(dir, 'hashed');
    (await handshake(sshd, { files: [kh], strict: 'accept-new', hashKnownHosts: true })).done();
    const text = await readFile(kh, 'utf8');
    expect(text.startsWith('|1|')).toBe(true);
    const found = await run([findSshKeygen(), '-F', `[${sshd.host}]:${sshd.port}`, '-f', kh]);
    expect(found.stdout).toContain('found: line 1');
    (await handshake(sshd, { files: [kh] })).done();
  });

  test('unknown host under yes: refused, nothing written', async () => {
    const kh = join(dir, 'unknown');
    const err = await handshake(sshd, { files: [kh] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toContain('no host key is known');
    await expect(readFile(kh)).rejects.toThrow(/ENOENT/);
  });

  test('a server with another key under the same name (HostKeyAlias) is refused with both fingerprints and file:line', async () => {
    const kh = join(dir, 'changed');
    (await handshake(sshd, { files: [kh], strict: 'accept-new', hostKeyAlias: 'server.test' })).done();
    expect(await readFile(kh, 'utf8')).toBe(`server.test ${keyOf(sshd, 'ssh-ed25519')}\n`);
    const err = await handshake(other, { files: [kh], strict: 'accept-new', hostKeyAlias: 'server.test' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    const fp = (line: string): string => fingerprintSha256(fromBase64(line.split(' ')[1]!));
    const message = (err as Error).message;
    expect(message).toContain(`offers ssh-ed25519 key ${fp(keyOf(other, 'ssh-ed25519'))}`);
    expect(message).toContain(`ssh-ed25519 key ${fp(keyOf(sshd, 'ssh-ed25519'))} at ${kh}:1`);
    expect((err as HostKeyError).fingerprint).toBe(fp(keyOf(other, 'ssh-ed25519')));
    expect(await readFile(kh, 'utf8')).toBe(`server.test ${keyOf(sshd, 'ssh-ed25519')}\n`);
  });

  test('hostKeyAlgorithmsFor: known_hosts holds only the ECDSA key, so ECDSA is negotiated, as OpenSSH ssh does', async () => {
    const kh = join(dir, 'ecdsa-only');
    await writeFile(kh, `[${sshd.host}]:${sshd.port} ${keyOf(sshd, 'ecdsa-sha2-nistp256')}\n`);
    const order = await knownHostsAlgorithmOrder({ fs: nodeFileSystem, files: [kh], globalFiles: [], host: sshd.host, port: sshd.port });
    // First the ECDSA P-256 algorithms (its certificate form too, as ssh(1) orders them), then the rest.
    const front = order.slice(0, order.indexOf('ecdsa-sha2-nistp256') + 1);
    expect(front.length).toBeGreaterThan(0);
    expect(front.every((a) => a.startsWith('ecdsa-sha2-nistp256'))).toBe(true);

    const c = await handshake(sshd, { files: [kh] }, { hostKeyAlgorithms: order });
    expect(c.t.negotiated?.hostKey).toBe('ecdsa-sha2-nistp256');
    c.done();

    // Without the ordering the default (Ed25519) is negotiated, and refused as a changed key.
    const err = await handshake(sshd, { files: [kh] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/HAS CHANGED[\s\S]*ecdsa-sha2-nistp256 key/);

    // OpenSSH's ssh with the same file negotiates the same algorithm.
    const ssh = await runSsh([`nobody@${sshd.host}`, 'true'], { port: sshd.port, knownHostsFile: kh, verbose: true });
    expect(ssh.stderr).toMatch(/kex: host key algorithm: ecdsa-sha2-nistp256/);
  });

  describe('@cert-authority: sshd with a HostCertificate from ssh-keygen -s ca -h', () => {
    let certSshd: SshdServer;
    let caLine: string;

    beforeAll(async () => {
      // sshd's ed25519 host key comes from the per-process key cache: certify that key before sshd starts.
      const hostKey = await cachedKey('ed25519', join(dir, 'host'));
      caLine = (await generateKey('ed25519', join(dir, 'ca'))).publicKeyLine;
      await runChecked([findSshKeygen(), '-q', '-s', join(dir, 'ca'), '-h', '-I', 'test-host', '-n', 'server.test,127.0.0.1', `${hostKey.path}.pub`]);
      certSshd = await startSshd({ hostKeys: ['ed25519'], config: [`HostCertificate ${hostKey.path}-cert.pub`] });
    });
    afterAll(async () => {
      await certSshd?.stop();
    });

    test('a certificate signed by a listed CA is negotiated and accepted; nothing is written', async () => {
      const kh = join(dir, 'ca-known');
      const text = `@cert-authority 127.0.0.1,[127.0.0.1]:* ${caLine}\n`;
      await writeFile(kh, text);
      const { entries } = await loadKnownHosts(nodeFileSystem, [kh]);
      const order = hostKeyAlgorithmsFor(entries, certSshd.host, certSshd.port, CLIENT_DEFAULTS.hostKey);
      const c = await handshake(certSshd, { files: [kh], strict: 'accept-new' }, { hostKeyAlgorithms: order });
      expect(c.t.negotiated?.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
      expect(c.warnings).toEqual([]);
      c.done();
      expect(await readFile(kh, 'utf8')).toBe(text);
    });

    test('the principal is the host name (or HostKeyAlias): a name the certificate does not list is refused', async () => {
      const kh = join(dir, 'ca-alias');
      await writeFile(kh, `@cert-authority *.test ${caLine}\n`);
      (await handshake(certSshd, { files: [kh], hostKeyAlias: 'server.test' })).done();
      const err = await handshake(certSshd, { files: [kh], hostKeyAlias: 'other.test', strict: 'no' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as Error).message).toMatch(/"other\.test" is not a listed principal/);
    });

    test('no CA listed: the certified key is checked as a plain key, as ssh(1) retries it', async () => {
      const kh = join(dir, 'ca-none');
      (await handshake(certSshd, { files: [kh], strict: 'accept-new' })).done();
      const recorded = await readFile(kh, 'utf8');
      expect(recorded).toBe(`[${certSshd.host}]:${certSshd.port} ${keyOf(certSshd, 'ssh-ed25519')}\n`);
      const again = await handshake(certSshd, { files: [kh] });
      expect(again.t.negotiated?.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
      again.done();
    });
  });
});
