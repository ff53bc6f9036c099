/**
 * The OpenSSH harness itself: sshd starts with every host-key type and stops
 * without leftovers, and the ssh client plumbing (known_hosts, identities)
 * works against it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { descendantsOf } from './cleanup.ts';
import {
  ALL_KEY_TYPES,
  ensureTestUser,
  generateKey,
  isAlive,
  knownHostsLine,
  knownHostsLines,
  requireOpenSSH,
  runSsh,
  startSshd,
  type SshdServer,
} from './openssh.ts';

const describeOpenSSH = requireOpenSSH();

function readBanner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = '';
    sock.setTimeout(5_000, () => {
      sock.destroy();
      reject(new Error('no banner within 5 s'));
    });
    sock.on('error', reject);
    sock.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) {
        sock.destroy();
        resolve(buf.slice(0, nl));
      }
    });
  });
}

describeOpenSSH('startSshd', () => {
  for (const type of ALL_KEY_TYPES) {
    it(`serves an OpenSSH banner with only a ${type} host key`, async () => {
      const server = await startSshd({ hostKeys: [type] });
      try {
        expect(await readBanner(server.host, server.port)).toMatch(/^SSH-2\.0-OpenSSH_/);
        expect(server.hostKeys.map((k) => k.type)).toEqual([type]);
        expect(server.hostKeys[0]!.publicKeyLine).toMatch(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/=]+$/);
        expect(server.log()).toMatch(/Server listening on 127\.0\.0\.1 port \d+/);
      } finally {
        await server.stop();
      }
    });
  }

  it('stop() leaves no process and no directory behind', async () => {
    const server = await startSshd({ hostKeys: ['ed25519'] });
    // An open connection gives sshd a child (the per-connection process) too.
    const sock = connect({ host: server.host, port: server.port });
    await new Promise((r) => sock.once('data', r));
    await server.waitForLog(/Connection from 127\.0\.0\.1/);
    const children = descendantsOf(server.pid);
    expect(children.length).toBeGreaterThan(0);
    await server.stop();
    sock.destroy();
    expect(isAlive(server.pid)).toBe(false);
    for (const c of children) expect(isAlive(c)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // idempotent
  });

  it('reports sshd stderr when the configuration is bad', async () => {
    await expect(startSshd({ hostKeys: ['ed25519'], config: 'NoSuchKeyword yes' })).rejects.toThrow(/Bad configuration option|NoSuchKeyword/);
  });

  it('lets caller config replace a default', async () => {
    const server = await startSshd({ hostKeys: ['ed25519'], config: ['LogLevel INFO', 'Ciphers aes128-ctr'] });
    try {
      const cfg = await readFile(server.configPath, 'utf8');
      expect(cfg).not.toMatch(/DEBUG3/);
      expect(cfg).toMatch(/^Ciphers aes128-ctr$/m);
    } finally {
      await server.stop();
    }
  });
});

describeOpenSSH('runSsh against startSshd', () => {
  let server: SshdServer;
  let dir: string;
  beforeAll(async () => {
    server = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'hop-harness-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('accepts the host key from our known_hosts, then is denied without credentials', async () => {
    const r = await runSsh(['nobody@127.0.0.1', 'true'], { port: server.port, knownHosts: knownHostsLines(server) });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.stderr).not.toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION|No .* host key is known/);
  });

  it('refuses the server when known_hosts lacks its key', async () => {
    const r = await runSsh(['nobody@127.0.0.1', 'true'], { port: server.port });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  for (const type of ALL_KEY_TYPES) {
    it(`verifies a ${type} host key when only that algorithm is allowed`, async () => {
      const key = server.hostKeys.find((k) => k.type === type)!;
      const r = await runSsh(['nobody@127.0.0.1', 'true'], {
        port: server.port,
        knownHosts: [knownHostsLine('127.0.0.1', server.port, key.publicKeyLine)],
        options: { HostKeyAlgorithms: type === 'rsa' ? 'rsa-sha2-512' : key.algorithm },
        verbose: true,
      });
      expect(r.stderr).toMatch(/Permission denied/);
      expect(r.stderr).toMatch(/Host '\[127\.0\.0\.1\]:\d+' is known and matches/);
    });
  }

  it('logs in with a public key from authorized_keys and runs a command', async () => {
    const user = userInfo().username;
    const id = await generateKey('ed25519', join(dir, 'id_ed25519'));
    await server.authorize(user, id.publicKeyLine);
    const r = await runSsh([`${user}@127.0.0.1`, 'echo hello-from-sshd'], {
      port: server.port,
      knownHosts: knownHostsLines(server),
      identityFile: id.path,
    });
    expect(r.stderr).not.toMatch(/Permission denied/);
    expect(r.stdout).toBe('hello-from-sshd\n');
    expect(r.code).toBe(0);
  });

  it('logs in as a non-root test user (authorized_keys readable after sshd drops privileges)', async (ctx) => {
    const user = await ensureTestUser('hopharness', 'hopharness-password-1');
    if (!user.ok) return ctx.skip(user.skipped);
    const id = await generateKey('ecdsa-256', join(dir, 'id_hoptest'));
    await server.authorize(user.name, id.publicKeyLine);
    const r = await runSsh([`${user.name}@127.0.0.1`, 'id -un'], {
      port: server.port,
      knownHosts: knownHostsLines(server),
      identityFile: id.path,
    });
    expect(r.stderr).not.toMatch(/Permission denied/);
    expect(r.stdout).toBe('hopharness\n');
  });
});
