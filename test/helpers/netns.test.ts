/**
 * Network-namespace test hosts: client → jump → target, where the target is
 * reachable from the jump host but not from the client.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestNetwork, requireNetns, requireOpenSSH, type SshdServer, type TestNetwork } from './openssh.ts';

const describeNetns = requireNetns();
// sshd runs inside the namespaces, so OpenSSH is needed too.
const describeOpenSSH = requireOpenSSH();

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

describeOpenSSH('network namespaces', () => {
  describeNetns('client → jump → target', () => {
    let net: TestNetwork;
    let jump: SshdServer;
    beforeAll(async () => {
      net = await createTestNetwork({ hosts: ['client', 'jump', 'target'], links: [['client', 'jump'], ['jump', 'target']] });
      [jump] = await Promise.all([net.startSshd('jump', { hostKeys: ['ed25519'] }), net.startSshd('target', { hostKeys: ['ed25519'] })]);
    });
    afterAll(async () => {
      await net?.teardown();
    });

    it('names namespaces per run and gives each link a 10.250.x.0/24', () => {
      expect(net.prefix).toBe(`hop-${process.pid}-${net.prefix.split('-')[2]}`);
      expect(namespaces()).toEqual(expect.arrayContaining(['client', 'jump', 'target'].map((h) => net.netns(h))));
      expect(net.address('client')).toBe('10.250.0.1');
      expect(net.address('jump', 'client')).toBe('10.250.0.2');
      expect(net.address('jump', 'target')).toBe('10.250.1.1');
      expect(net.address('target')).toBe('10.250.1.2');
      expect(jump.host).toBe('10.250.0.2');
    });

    it('reaches the jump host from the client', async () => {
      expect(await net.canConnect('client', net.address('jump', 'client'), 22)).toBe(true);
    });

    it('reaches the target from the jump host', async () => {
      expect(await net.canConnect('jump', net.address('target'), 22)).toBe(true);
    });

    it('does not reach the target from the client', async () => {
      expect(await net.canConnect('client', net.address('target'), 22)).toBe(false);
      const r = await net.exec('client', ['bash', '-c', 'exec 3<>/dev/tcp/10.250.1.2/22'], { timeoutMs: 3_000 });
      expect(r.stderr).toMatch(/Network is unreachable/);
    });

    it('bridges stdio to the jump sshd from inside the client', async () => {
      const [cmd, ...args] = net.tcpBridgeArgv('client', jump.host, 22);
      const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      const banner = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (b: Buffer) => {
          buf += b.toString('latin1');
          if (buf.includes('\n')) resolve(buf.split('\r\n')[0]!);
        });
        child.on('error', reject);
        setTimeout(() => reject(new Error('no banner through the bridge')), 5_000);
      });
      child.kill('SIGKILL');
      expect(banner).toMatch(/^SSH-2\.0-OpenSSH_/);
    });
  });

  describeNetns('full routing and teardown', () => {
    it('routes client → target through jump when asked, and teardown removes every namespace and sshd', async () => {
      const net = await createTestNetwork({
        hosts: ['client', 'jump', 'target'],
        links: [['client', 'jump'], ['jump', 'target']],
        routing: 'full',
      });
      let sshd: SshdServer | undefined;
      try {
        sshd = await net.startSshd('target', { hostKeys: ['ed25519'] });
        expect(await net.canConnect('client', net.address('target'), 22)).toBe(true);
      } finally {
        await net.teardown();
      }
      const left = namespaces().filter((n) => n.startsWith(`${net.prefix}-`));
      expect(left).toEqual([]);
      expect(() => process.kill(sshd!.pid, 0)).toThrow();
    });
  });
});
