/**
 * Issue 5's bulk and configuration tests of hop chains against OpenSSH's
 * sshd, in network namespaces (jump-topology.ts: client → jump1 → jump2 →
 * jump3, the target linked to each jump host, the client reaching jump1
 * only; every hop with its own user key and known_hosts entry):
 *
 * - through 1, 2 and 3 jump hosts, 1 GiB down (from /dev/urandom on the
 *   target) and 1 GiB up (into sha256sum on the target), each checked by
 *   SHA-256 on both ends: the target hashes what it sent or received, the
 *   client what it received or sent;
 * - every cipher (chacha20-poly1305, aes128-gcm, aes256-gcm, and aes128-,
 *   aes192-, aes256-ctr with hmac-sha2-256-etm) at every hop of a 2-hop
 *   chain: exec, then 8 MiB each way by SHA-256;
 * - a chain resolved from ssh_config alone (connectFromConfig): Host blocks
 *   for jump1, jump2 and the target with HostName, User, Port,
 *   IdentityFile, ProxyJump and UserKnownHostsFile, connected by the
 *   target's alias.
 *
 * Timings are printed (MiB/s); the 1 GiB tests take minutes on two cores.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHash, randomFillSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { noSessionsLeft, requireNetns, requireOpenSSH } from '../helpers/openssh.ts';
import { HOSTS, JUMP_HOSTS, startJumpTopology, type Host, type JumpTopology } from '../helpers/jump-topology.ts';
import { connect, type SshClient } from '../../src/jump/client.ts';
import { connectFromConfig } from '../../src/jump/config-client.ts';
import type { ConfigContext } from '../../src/jump/ssh-config.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import { fromUtf8 } from '../../src/wire/bytes.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

const MiB = 1 << 20;
const GiB = 1 << 30;

/** `bytes` from /dev/urandom on the target, hashed there as they are sent (tee into sha256sum on stderr) and here as they come. */
async function download(client: SshClient, bytes: number): Promise<{ theirs: string; ours: string; received: number; seconds: number }> {
  const t0 = performance.now();
  const session = await client.openSession();
  const h = createHash('sha256');
  let received = 0;
  let stderr = '';
  session.onData = (d) => {
    received += d.length;
    h.update(d);
  };
  session.onStderr = (d) => void (stderr += fromUtf8(d));
  // sshd closes the channel once stderr is closed too, so the hash has arrived by then.
  await session.exec(`bash -c 'set -o pipefail; head -c ${bytes} /dev/urandom | tee >(sha256sum >&2); wait $!'`);
  session.end();
  const exit = await session.done;
  expect(exit.exitStatus).toBe(0);
  return { theirs: stderr.trim().split(/\s+/)[0]!, ours: h.digest('hex'), received, seconds: (performance.now() - t0) / 1000 };
}

/** `bytes` of fresh random data into sha256sum on the target, hashed here as they are sent. */
async function upload(client: SshClient, bytes: number): Promise<{ theirs: string; ours: string; seconds: number }> {
  const t0 = performance.now();
  const h = createHash('sha256');
  const block = MiB;
  const r = await client.exec('sha256sum', {
    stdin: (function* () {
      for (let n = 0; n < bytes; n += block) {
        const chunk = randomFillSync(new Uint8Array(Math.min(block, bytes - n)));
        h.update(chunk);
        yield chunk;
      }
    })(),
  });
  expect(r.exitStatus).toBe(0);
  return { theirs: fromUtf8(r.stdout).trim().split(/\s+/)[0]!, ours: h.digest('hex'), seconds: (performance.now() - t0) / 1000 };
}

const rate = (bytes: number, s: number): string => `${(bytes / MiB / s).toFixed(0)} MiB/s`;

describeOpenSSH('hop chains against sshd: bulk, every cipher, ssh_config', () => {
  describeNetns('in network namespaces', () => {
    let topo: JumpTopology;

    /** Waits until none of these hosts' sshds has a session process left. */
    const sessionsEnded = (hosts: readonly Host[]): Promise<void> => noSessionsLeft(hosts.map((h) => topo.sshd[h]));

    beforeAll(async () => {
      topo = await startJumpTopology();
    }, 120_000);

    afterAll(async () => {
      await topo?.teardown();
    });

    for (const n of [1, 2, 3]) {
      test(`through ${n} jump host(s): 1 GiB down and 1 GiB up, SHA-256 on both ends`, async () => {
        const client = await connect(topo.chain(n));
        try {
          // The target saw the connection come from the last jump host.
          const id = fromUtf8((await client.exec('ip netns identify; echo "$SSH_CONNECTION"')).stdout).trim().split('\n');
          expect(id[0]).toBe(topo.net.netns('target'));
          expect(id[1]!.split(' ')[0]).toBe(topo.net.address(HOSTS[n - 1]!, 'target'));

          const down = await download(client, GiB);
          expect(down.received).toBe(GiB);
          expect(down.ours).toBe(down.theirs);
          const up = await upload(client, GiB);
          expect(up.ours).toBe(up.theirs);
          console.log(
            `through ${n} jump host(s): 1 GiB down in ${down.seconds.toFixed(1)} s (${rate(GiB, down.seconds)}), up in ${up.seconds.toFixed(1)} s (${rate(GiB, up.seconds)}); ${client.transport.cipherDescription.send}`,
          );
        } finally {
          await client.close();
        }
        expect(await client.closed).toBeUndefined();
        await sessionsEnded([...JUMP_HOSTS.slice(0, n), 'target']);
      }, 600_000);
    }

    const CIPHERS: [cipher: string, mac?: string][] = [
      ['chacha20-poly1305@openssh.com'],
      ['aes128-gcm@openssh.com'],
      ['aes256-gcm@openssh.com'],
      ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com'],
      ['aes192-ctr', 'hmac-sha2-256-etm@openssh.com'],
      ['aes256-ctr', 'hmac-sha2-256-etm@openssh.com'],
    ];
    for (const [cipher, mac] of CIPHERS) {
      test(`${cipher}${mac ? ` with ${mac}` : ''} at every hop of 2 jump hosts: exec, 8 MiB each way by SHA-256`, async () => {
        const client = await connect(topo.chain(2, { algorithms: { ciphers: [cipher], ...(mac && { macs: [mac] }) } }));
        try {
          expect(client.hops).toHaveLength(3);
          for (const h of client.hops) {
            const neg = h.transport.negotiated!;
            expect([neg.cipherCtoS, neg.cipherStoC]).toEqual([cipher, cipher]);
            if (mac) expect([neg.macCtoS, neg.macStoC]).toEqual([mac, mac]);
          }
          expect(fromUtf8((await client.exec('ip netns identify')).stdout).trim()).toBe(topo.net.netns('target'));
          const down = await download(client, 8 * MiB);
          expect(down.received).toBe(8 * MiB);
          expect(down.ours).toBe(down.theirs);
          const up = await upload(client, 8 * MiB);
          expect(up.ours).toBe(up.theirs);
          console.log(`${cipher}: ${client.hops.map((h) => h.transport.cipherDescription.send).join(' / ')}; 8 MiB down ${rate(8 * MiB, down.seconds)}, up ${rate(8 * MiB, up.seconds)}`);
        } finally {
          await client.close();
        }
      }, 120_000);
    }

    test('a chain from ssh_config alone: connectFromConfig by the target\'s alias, each hop with its own Host block, key and known_hosts', async () => {
      const { addr, keyFile, dir } = topo;
      // Each host's key in a known_hosts file of its own: a hop checked against the wrong file would fail.
      const kh = (h: Host, address: string): string => {
        const path = join(dir, `known_hosts_${h}`);
        writeFileSync(path, `${address} ${topo.sshd[h].hostKeys[0]!.publicKeyLine}\n`);
        return path;
      };
      const config = join(dir, 'ssh_config');
      writeFileSync(
        config,
        [
          'Host jump1',
          `  HostName ${addr.jump1()}`,
          '  User root',
          '  Port 22',
          `  IdentityFile ${keyFile.jump1}`,
          `  UserKnownHostsFile ${kh('jump1', addr.jump1())}`,
          '',
          'Host jump2',
          `  HostName ${addr.jump2()}`,
          '  User root',
          '  Port 22',
          `  IdentityFile ${keyFile.jump2}`,
          '  ProxyJump jump1',
          `  UserKnownHostsFile ${kh('jump2', addr.jump2())}`,
          '',
          'Host db',
          `  HostName ${addr.targetFrom('jump2')}`,
          '  User root',
          '  Port 22',
          `  IdentityFile ${keyFile.target}`,
          '  ProxyJump jump2',
          `  UserKnownHostsFile ${kh('target', addr.targetFrom('jump2'))}`,
          '',
          'Host *',
          '  GlobalKnownHostsFile none',
          '  StrictHostKeyChecking yes',
          '  IdentitiesOnly yes',
          '',
        ].join('\n'),
      );
      const ctx: ConfigContext = { fs: nodeFileSystem, localUser: 'root', home: dir, localHostName: hostname(), configFile: config, env: {} };
      const client = await connectFromConfig('db', ctx, { network: topo.clientNet, fs: nodeFileSystem });
      try {
        expect(client.hops.map((h) => `${h.address.user}@${h.address.host}:${h.address.port}`)).toEqual([
          `root@${addr.jump1()}:22`,
          `root@${addr.jump2()}:22`,
          `root@${addr.targetFrom('jump2')}:22`,
        ]);
        const id = fromUtf8((await client.exec('ip netns identify; echo "$SSH_CONNECTION"')).stdout).trim().split('\n');
        expect(id[0]).toBe(topo.net.netns('target'));
        expect(id[1]!.split(' ')[0]).toBe(topo.net.address('jump2', 'target'));
        const up = await upload(client, 8 * MiB);
        expect(up.ours).toBe(up.theirs);
      } finally {
        await client.close();
      }
      await sessionsEnded(['jump1', 'jump2', 'target']);
    }, 60_000);
  });
});
