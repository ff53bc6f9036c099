/**
 * `hopssh -J` through OpenSSH jump hosts, each host its own network
 * namespace:
 *
 *   client ── jump1 ── jump2 ── target
 *               └────────────────┘
 *
 * The client reaches jump1 only (asserted). Each run prints the target's
 * $SSH_CONNECTION, which names the address the target was reached at and the
 * host the connection came from, so the path is proved. Covered: -J with one
 * and two jump hosts, ProxyJump from ssh_config with Host aliases (each jump
 * host resolved from its own block), a ProxyCommand that is hopssh -W (for
 * hopssh, and for OpenSSH's ssh), and a target the jump host cannot reach
 * (255, the hop named).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestNetwork, requireNetns, requireOpenSSH, runSsh, type TestNetwork } from '../helpers/openssh.ts';
import { generateKey, type GeneratedKey } from '../helpers/keygen.ts';
import { knownHostsLine, writeKnownHosts } from '../helpers/ssh-client.ts';
import { describeRun, isolatedConfig, LOGIN, runHopssh, tempDir, writeHopsshWrapper, type RunHopsshOptions } from '../helpers/hopssh-cli.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

describeOpenSSH('hopssh -J', () => {
  describeNetns('through jump hosts in network namespaces', () => {
    let net: TestNetwork;
    let dir: string;
    let removeDir: () => Promise<void>;
    let key: GeneratedKey;
    let config: string;

    const at = {
      jump1: () => net.address('jump1', 'client'),
      jump2: () => net.address('jump2', 'jump1'),
      targetFromJump1: () => net.address('target', 'jump1'),
      targetFromJump2: () => net.address('target', 'jump2'),
    };
    const inClient = (): RunHopsshOptions => ({ prefix: ['ip', 'netns', 'exec', net.netns('client')], timeoutMs: 60_000 });

    beforeAll(async () => {
      net = await createTestNetwork({
        hosts: ['client', 'jump1', 'jump2', 'target'],
        links: [
          ['client', 'jump1'],
          ['jump1', 'jump2'],
          ['jump2', 'target'],
          ['jump1', 'target'],
        ],
      });
      ({ dir, remove: removeDir } = await tempDir('hop-cli-jump-'));
      key = await generateKey('ed25519', join(dir, 'id_ed25519'));
      // Distinct host keys: each hop's known_hosts check proves which host answered.
      const opts = { hostKeys: ['ed25519'] as const, freshHostKeys: true, config: ['LogLevel INFO'], authorizedKeys: { [LOGIN]: key.publicKeyLine } };
      const [j1, j2, target] = await Promise.all([net.startSshd('jump1', opts), net.startSshd('jump2', opts), net.startSshd('target', opts)]);
      // Every address a host is reached at, with its own host key.
      const knownHosts = join(dir, 'known_hosts');
      await writeKnownHosts(knownHosts, [
        knownHostsLine(at.jump1(), 22, j1.hostKeys[0]!.publicKeyLine),
        knownHostsLine(at.jump2(), 22, j2.hostKeys[0]!.publicKeyLine),
        knownHostsLine(at.targetFromJump1(), 22, target.hostKeys[0]!.publicKeyLine),
        knownHostsLine(at.targetFromJump2(), 22, target.hostKeys[0]!.publicKeyLine),
      ]);
      config = join(dir, 'config');
      await writeFile(
        config,
        [
          // Aliases: each host resolved from its own block, as ssh(1) resolves every jump host.
          'Host bastion',
          `  HostName ${at.jump1()}`,
          `  User ${LOGIN}`,
          'Host inner',
          `  HostName ${at.jump2()}`,
          '  ProxyJump bastion',
          'Host db',
          `  HostName ${at.targetFromJump2()}`,
          '  ProxyJump inner',
          isolatedConfig(key.path, knownHosts),
        ].join('\n'),
      );
    }, 120_000);
    afterAll(async () => {
      await net?.teardown();
      await removeDir?.();
    });

    /** The target's view of the connection: "client-ip client-port server-ip 22". */
    const WHERE = 'echo "$SSH_CONNECTION"';

    test('the client cannot reach the target directly', async () => {
      expect(await net.canConnect('client', at.targetFromJump1(), 22, 2_000)).toBe(false);
      expect(await net.canConnect('client', at.targetFromJump2(), 22, 2_000)).toBe(false);
    });

    test('-J with one jump host', async () => {
      const r = await runHopssh(['-F', config, '-J', `${LOGIN}@${at.jump1()}`, `${LOGIN}@${at.targetFromJump1()}`, `${WHERE}; exit 7`], inClient());
      expect(r.code, describeRun(r)).toBe(7);
      const [from, , to] = r.stdout.trim().split(' ');
      expect(to).toBe(at.targetFromJump1());
      expect(from).toBe(net.address('jump1', 'target'));
    });

    test('-J with two jump hosts, stdin through the whole chain', async () => {
      const r = await runHopssh(['-F', config, '-J', `${LOGIN}@${at.jump1()},${LOGIN}@${at.jump2()}:22`, `${LOGIN}@${at.targetFromJump2()}`, `${WHERE}; wc -c`], {
        ...inClient(),
        input: 'x'.repeat(500_000),
      });
      expect(r.code, describeRun(r)).toBe(0);
      const [where, count] = r.stdout.trim().split('\n');
      const [from, , to] = where!.split(' ');
      expect(to).toBe(at.targetFromJump2());
      expect(from).toBe(net.address('jump2', 'target'));
      expect(count!.trim()).toBe('500000');
    });

    test('-o applies to the destination only: StrictHostKeyChecking=ask there, each jump host checked against its own name', async () => {
      const r = await runHopssh(['-F', config, '-o', 'StrictHostKeyChecking=ask', '-J', 'bastion', `${LOGIN}@${at.targetFromJump1()}`, WHERE], inClient());
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout.trim().split(' ')[2]).toBe(at.targetFromJump1());
    });

    test('ProxyJump from ssh_config, through aliases that have their own ProxyJump', async () => {
      const r = await runHopssh(['-F', config, 'db', WHERE], inClient());
      expect(r.code, describeRun(r)).toBe(0);
      const [from, , to] = r.stdout.trim().split(' ');
      expect(to).toBe(at.targetFromJump2());
      expect(from).toBe(net.address('jump2', 'target'));
    });

    test('ProxyCommand running hopssh -W through the jump host', async () => {
      const wrapper = await writeHopsshWrapper(join(dir, 'hopssh'));
      const r = await runHopssh(['-F', config, '-o', `ProxyCommand=${wrapper} -F ${config} -W %h:%p bastion`, `${LOGIN}@${at.targetFromJump1()}`, WHERE], inClient());
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout.trim().split(' ')[2]).toBe(at.targetFromJump1());
    });

    test("OpenSSH's ssh with ProxyCommand='hopssh -W %h:%p bastion'", async () => {
      const wrapper = await writeHopsshWrapper(join(dir, 'hopssh'));
      const r = await runSsh(['-o', `ProxyCommand=${wrapper} -F ${config} -W %h:%p bastion`, `${LOGIN}@${at.targetFromJump1()}`, `${WHERE}; exit 3`], {
        netns: net.netns('client'),
        identityFile: key.path,
        knownHostsFile: join(dir, 'known_hosts'),
        timeoutMs: 60_000,
      });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(3);
      const [from, , to] = r.stdout.trim().split(' ');
      expect(to).toBe(at.targetFromJump1());
      expect(from).toBe(net.address('jump1', 'target'));
    });

    test('a target the jump host cannot reach: 255, the hop and the jump host named', async () => {
      const r = await runHopssh(['-F', config, '-J', 'bastion', `${LOGIN}@${at.targetFromJump1()}`, '-p', '2222', 'true'], inClient());
      expect(r.code, describeRun(r)).toBe(255);
      expect(r.stderr).toMatch(new RegExp(`hop 2/2, target ${LOGIN}@${at.targetFromJump1().replace(/\./g, '\\.')}:2222: unreachable from hop 1/2`));
      expect(r.stdout).toBe('');
    });

    test('-G with -J shows the jump host', async () => {
      const r = await runHopssh(['-G', '-F', config, '-J', 'bastion', 'somewhere'], inClient());
      expect(r.stdout).toMatch(/^proxyjump bastion$/m);
    });
  });
});
