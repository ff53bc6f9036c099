/**
 * hopssh's hop chains against OpenSSH's sshd in network namespaces:
 *
 *   client ── jump1 ── jump2 ── jump3
 *               └──── target ────┘ (target linked to each jump host)
 *
 * The client reaches jump1 only (asserted: a direct connect to the target
 * fails). Through 1, 2 and 3 jump hosts: exec on the target (it prints its
 * namespace), 100 MB down and up checked by SHA-256 (MB/s printed), each hop
 * with its own user key and its own known_hosts check. ProxyCommand with
 * OpenSSH's `ssh -W %h:%p jump1`; OpenSSH's `ssh -J` through hopssh's server
 * as the jump host; a jump host with AllowTcpForwarding no. Faults: a jump
 * host's session killed mid-transfer, a target that never speaks, a wrong
 * host key at the second hop, a wrong user key at the first — each ends with
 * the HopError naming the hop, and no sshd session left behind.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { findSsh, noSessionsLeft, requireNetns, requireOpenSSH, runSsh, type SshdServer, type TestNetwork } from '../helpers/openssh.ts';
import { descendantsOf, isAlive, registerPid, signalAll, unregisterPid } from '../helpers/cleanup.ts';
import { exposeInNetns, netnsNetwork } from '../helpers/netns-network.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { HOSTS, startJumpTopology, type JumpTopology } from '../helpers/jump-topology.ts';
import { connect, type SshClient } from '../../src/jump/client.ts';
import { HopError } from '../../src/jump/errors.ts';
import { ConnectError } from '../../src/io/network.ts';
import { nodeProcessSpawner } from '../../src/io/node-process.ts';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ProcessExitError } from '../../src/io/process.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import { HostKeyError, LimitError } from '../../src/transport/errors.ts';
import { Connection } from '../../src/channel/connection.ts';
import { ChannelClosedError, ChannelOpenError } from '../../src/channel/errors.ts';
import { serveForwarding } from '../../src/channel/forward-server.ts';
import { serveUserAuth } from '../../src/auth/userauth-server.ts';
import { AuthenticationError } from '../../src/auth/errors.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import { fromUtf8 } from '../../src/wire/bytes.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

const MB = 1 << 20;

describeOpenSSH('hopssh hop chains against sshd', () => {
  describeNetns('in network namespaces', () => {
    let topo: JumpTopology;
    let net: TestNetwork;
    let sshd: JumpTopology['sshd'];
    let noForwarding: SshdServer;
    /** One user key per host; each sshd authorizes only its own. */
    let keys: JumpTopology['keys'];
    let keyFile: JumpTopology['keyFile'];
    let dir: string;
    let knownHosts: string;
    /** Where each jump host and the target are reached from the host before them. */
    let addr: JumpTopology['addr'];
    let hop: JumpTopology['hop'];
    /** The target through the first `n` jump hosts, as root, each hop with its own key and known_hosts entry. */
    let chain: JumpTopology['chain'];
    let bigFile: string;
    let bigHash: string;

    beforeAll(async () => {
      topo = await startJumpTopology();
      ({ net, sshd, keys, keyFile, dir, knownHosts, addr, hop, chain } = topo);
      noForwarding = await net.startSshd('jump1', { port: 2222, hostKeys: ['ed25519'], config: ['LogLevel VERBOSE', 'AllowTcpForwarding no'] });
      await noForwarding.authorize('root', `ssh-ed25519 ${toBase64(keys.jump1.publicBlob)} jump1-key`);
      appendFileSync(knownHosts, `[${addr.jump1()}]:2222 ${noForwarding.hostKeys[0]!.publicKeyLine}\n`);
      // 100 MB that the target serves (the file system is shared by the namespaces).
      bigFile = join(dir, 'big');
      const block = Buffer.alloc(MB);
      const h = createHash('sha256');
      const parts: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        for (let j = 0; j < MB; j += 4) block.writeUInt32LE((Math.imul(i * MB + j, 2654435761) ^ j) >>> 0, j);
        h.update(block);
        parts.push(Buffer.from(block));
      }
      writeFileSync(bigFile, Buffer.concat(parts));
      chmodSync(bigFile, 0o644);
      bigHash = h.digest('hex');
    }, 120_000);

    afterAll(async () => {
      await topo?.teardown();
    });

    test('the target is unreachable from the client directly; each jump host reaches the next', async () => {
      const e = await connect(chain(0, { host: addr.targetFrom('jump1') })).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(HopError);
      expect((e as HopError).stage).toBe('connect');
      expect((e as HopError).cause).toBeInstanceOf(ConnectError);
      expect(((e as HopError).cause as ConnectError).code).toBe('ENETUNREACH');
      expect(await net.canConnect('client', addr.jump1(), 22)).toBe(true);
      expect(await net.canConnect('client', addr.jump2(), 22, 1_000)).toBe(false);
    });

    for (const n of [1, 2, 3]) {
      test(`through ${n} jump host(s): exec on the target, 100 MB down and up by SHA-256`, async () => {
        const client = await connect(chain(n));
        try {
          expect(client.hops.map((h) => h.address.host)).toEqual([...[addr.jump1(), addr.jump2(), addr.jump3()].slice(0, n), addr.targetFrom(HOSTS[n - 1]!)]);
          const id = await client.exec('ip netns identify; echo "$SSH_CONNECTION"');
          const [ns, conn] = fromUtf8(id.stdout).trim().split('\n');
          expect(ns).toBe(net.netns('target'));
          // The target saw the connection come from the last jump host.
          expect(conn!.split(' ')[0]).toBe(net.address(HOSTS[n - 1]!, 'target'));

          // Down: the target cats the file; hashed as it comes.
          let t0 = performance.now();
          const down = await client.openSession();
          const h = createHash('sha256');
          let got = 0;
          down.onData = (d) => {
            got += d.length;
            h.update(d);
          };
          await down.exec(`cat ${bigFile}`);
          down.end();
          expect((await down.done).exitStatus).toBe(0);
          const downS = (performance.now() - t0) / 1000;
          expect(got).toBe(100 * MB);
          expect(h.digest('hex')).toBe(bigHash);

          // Up: 100 MB into sha256sum on the target.
          t0 = performance.now();
          const up = createHash('sha256');
          const block = new Uint8Array(256 * 1024).map((_, i) => (i * 31 + n) & 0xff);
          const r = await client.exec('sha256sum', {
            stdin: (function* () {
              for (let i = 0; i < 400; i++) {
                up.update(block);
                yield block;
              }
            })(),
          });
          const upS = (performance.now() - t0) / 1000;
          expect(fromUtf8(r.stdout).split(' ')[0]).toBe(up.digest('hex'));
          console.log(
            `through ${n} jump host(s): 100 MiB down in ${downS.toFixed(2)} s (${(100 / downS).toFixed(0)} MiB/s), up in ${upS.toFixed(2)} s (${(100 / upS).toFixed(0)} MiB/s); cipher ${client.transport.cipherDescription.send}`,
          );
        } finally {
          await client.close();
        }
        expect(await client.closed).toBeUndefined();
        await noSessionsLeft([...HOSTS.slice(0, n).map((h) => sshd[h]), sshd.target]);
      }, 300_000);
    }

    test('ProxyCommand: OpenSSH ssh -W %h:%p jump1; the command ends with the client', async () => {
      const ssh = [
        'ip netns exec', net.netns('client'), findSsh(), '-F /dev/null',
        `-o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`,
        `-o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i ${keyFile.jump1}`,
        `-W %h:%p root@${addr.jump1()}`,
      ].join(' ');
      const client = await connect(chain(0, { host: addr.targetFrom('jump1'), network: undefined, processes: nodeProcessSpawner, proxyCommand: ssh }));
      const proc = client.hops[0]!.process!;
      expect(proc.command).toContain(`-W ${addr.targetFrom('jump1')}:22 root@`);
      expect(fromUtf8((await client.exec('ip netns identify')).stdout).trim()).toBe(net.netns('target'));
      await client.close();
      expect(isAlive(proc.pid!)).toBe(false);
      await noSessionsLeft([sshd.jump1, sshd.target]);

      // ssh -W to a host jump1 cannot reach: ssh exits 255 before any SSH banner.
      const e = (await connect(chain(0, { host: '10.250.99.1', network: undefined, processes: nodeProcessSpawner, proxyCommand: ssh })).catch((err: unknown) => err)) as HopError;
      expect(e).toBeInstanceOf(HopError);
      expect(e.stage).toBe('connect');
      expect(e.cause).toBeInstanceOf(ProcessExitError);
      expect(e.message).toMatch(/ProxyCommand failed: .* exited with status 255/);
    }, 60_000);

    test('OpenSSH ssh -J through hopssh\'s server as the jump host', async () => {
      const jumpNet = await netnsNetwork(net, 'jump1');
      const serverKey = hostKey('ssh-ed25519');
      const requests: string[] = [];
      const transports: ServerTransport[] = [];
      const sock = join(dir, 'hop-jump.sock');
      const server: Server = createServer((s) => {
        const t = new ServerTransport(new NodeSocketStream(s), { hostKeys: [serverKey] });
        transports.push(t);
        const c = new Connection(t);
        serveUserAuth(t, { authorizedKeys: (u) => (u === 'root' ? `ssh-ed25519 ${toBase64(keys.jump1.publicBlob)}` : undefined), failureDelayMs: 0 }).then(
          () =>
            serveForwarding(c, {
              network: jumpNet,
              directTcpip: (r) => {
                requests.push(`${r.host}:${r.port}`);
                return 'allow';
              },
            }),
          () => undefined,
        );
      });
      await new Promise<void>((r) => server.listen(sock, r));
      const exposed = await exposeInNetns(net, 'jump1', 2022, sock);
      try {
        const cfg = join(dir, 'ssh_config');
        writeFileSync(
          cfg,
          [
            'Host *',
            `  UserKnownHostsFile ${knownHosts} ${join(dir, 'known_hosts_hop')}`,
            '  GlobalKnownHostsFile /dev/null',
            '  StrictHostKeyChecking yes',
            '  BatchMode yes',
            '  IdentitiesOnly yes',
            '  IdentityAgent none',
            `  IdentityFile ${keyFile.jump1}`,
            `  IdentityFile ${keyFile.target}`,
            '',
          ].join('\n'),
        );
        writeFileSync(join(dir, 'known_hosts_hop'), `[${addr.jump1()}]:2022 ssh-ed25519 ${toBase64(serverKey.publicBlob)}\n`);
        const r = await runSsh(['-F', cfg, '-J', `root@${addr.jump1()}:2022`, `root@${addr.targetFrom('jump1')}`, 'ip netns identify'], {
          netns: net.netns('client'),
          knownHostsFile: knownHosts,
          identityFile: keyFile.target,
        });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toBe(net.netns('target'));
        expect(requests).toEqual([`${addr.targetFrom('jump1')}:22`]);
      } finally {
        await exposed.close();
        for (const t of transports) t.close();
        await new Promise<void>((r) => server.close(() => r()));
        await jumpNet.close();
      }
    }, 60_000);

    test('an OpenSSH jump host with AllowTcpForwarding no: forward error naming it, with the hint', async () => {
      const e = (await connect(chain(1, { jump: [hop('jump1', { port: 2222 })] })).catch((err: unknown) => err)) as HopError;
      expect(e).toBeInstanceOf(HopError);
      expect(e.stage).toBe('forward');
      expect(e.hop).toMatchObject({ index: 0, host: addr.jump1(), port: 2222 });
      expect(e.cause).toBeInstanceOf(ChannelOpenError);
      expect((e.cause as ChannelOpenError).reasonCode).toBe(1);
      expect(e.message).toMatch(/administratively prohibited.*\(the jump host may have AllowTcpForwarding no\)$/);
      await noSessionsLeft([noForwarding]);
    });

    test('a jump host\'s session killed mid-transfer: HopError naming it, everything through it ended, no session left', async () => {
      const client = await connect(chain(2));
      const session = await client.openSession();
      let got = 0;
      let killed = false;
      session.onData = (d) => {
        got += d.length;
        if (!killed && got > 5 * MB) {
          killed = true;
          // jump2's sshd processes for this connection (the listener itself stays).
          signalAll(descendantsOf(sshd.jump2.pid), 'SIGKILL');
        }
      };
      await session.exec('cat /dev/zero');
      const done = session.done.catch((err: unknown) => err);
      const e = (await client.closed) as HopError;
      expect(e).toBeInstanceOf(HopError);
      expect(e.stage).toBe('connection');
      expect(e.hop).toMatchObject({ index: 1, host: addr.jump2() });
      expect(e.message).toMatch(/^hop 2\/3, jump host root@10\.250\.1\.2:22: connection lost/);
      const d = await done;
      expect(d).toBeInstanceOf(ChannelClosedError);
      expect((d as Error).cause).toBe(e);
      expect(client.hops.every((h) => !h.transport.isOpen)).toBe(true);
      await noSessionsLeft([sshd.jump1, sshd.jump2, sshd.target]);
    }, 60_000);

    test('a target that accepts but never speaks: version exchange timeout naming it', async () => {
      const [cmd, ...args] = net.argv('target', [process.execPath, '-e', "require('net').createServer(() => {}).listen(2200, '0.0.0.0', () => console.log('ready'))"]);
      const silent = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      registerPid(silent.pid!);
      try {
        await new Promise<void>((r) => silent.stdout.once('data', () => r()));
        const t0 = Date.now();
        const e = (await connect(chain(1, { port: 2200, transport: { versionTimeoutMs: 2_000 } })).catch((err: unknown) => err)) as HopError;
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(e).toBeInstanceOf(HopError);
        expect(e.stage).toBe('handshake');
        expect(e.hop).toMatchObject({ index: 1, host: addr.targetFrom('jump1'), port: 2200 });
        expect(e.cause).toBeInstanceOf(LimitError);
        expect((e.cause as LimitError).limit).toBe('version exchange timeout');
        await noSessionsLeft([sshd.jump1]);
      } finally {
        silent.kill('SIGKILL');
        unregisterPid(silent.pid!);
      }
    }, 30_000);

    test('a wrong host key at the second hop: HostKeyError naming it; the first hop closed', async () => {
      const changed = join(dir, 'known_hosts_changed');
      writeFileSync(changed, [`${addr.jump1()} ${sshd.jump1.hostKeys[0]!.publicKeyLine}`, `${addr.jump2()} ${sshd.jump1.hostKeys[0]!.publicKeyLine}`, ''].join('\n'));
      const e = (await connect(chain(2, { knownHosts: { files: [changed], globalFiles: [] } })).catch((err: unknown) => err)) as HopError;
      expect(e).toBeInstanceOf(HopError);
      expect(e.stage).toBe('handshake');
      expect(e.hop).toMatchObject({ index: 1, host: addr.jump2() });
      expect(e.cause).toBeInstanceOf(HostKeyError);
      expect(e.message).toMatch(/hop 2\/3, jump host root@10\.250\.1\.2:22: host key verification failed: .*REMOTE HOST IDENTIFICATION HAS CHANGED/);
      await noSessionsLeft([sshd.jump1, sshd.jump2]);
    });

    test('a wrong user key at the first hop: AuthenticationError naming it', async () => {
      const e = (await connect(chain(2, { jump: [hop('jump1', { credentials: [{ type: 'publickey', key: keys.jump2 }] }), hop('jump2')] })).catch((err: unknown) => err)) as HopError;
      expect(e).toBeInstanceOf(HopError);
      expect(e.stage).toBe('authenticate');
      expect(e.hop).toMatchObject({ index: 0, host: addr.jump1() });
      expect(e.cause).toBeInstanceOf(AuthenticationError);
      expect((e.cause as AuthenticationError).methodsLeft).toContain('publickey');
      await noSessionsLeft([sshd.jump1]);
    });

    test('the same chain works again after the faults (nothing left half-open)', async () => {
      const client: SshClient = await connect(chain(3));
      expect(fromUtf8((await client.exec('ip netns identify')).stdout).trim()).toBe(net.netns('target'));
      await client.close();
    });
  });
});
