/**
 * Hop chains in memory (hopssh servers as jump hosts, memory-hosts.ts):
 * planning (inheritance, -J strings, loops, ProxyJump with ProxyCommand),
 * nesting sizes, 1–3 hops with the target reachable only through them,
 * errors naming the hop (unreachable, refused forwarding, host key,
 * authentication, version timeout, ConnectTimeout), a hop ending mid-use,
 * close order, gateways, ProxyCommand through an injected spawner,
 * keepalives, identity files and known_hosts per hop.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, type ConnectOptions, type SshClient } from '../../src/jump/client.ts';
import { NESTING_OVERHEAD, connectionDepth, nestedChannelSizes, planChain } from '../../src/jump/chain.ts';
import { HopError } from '../../src/jump/errors.ts';
import type { HopOptions } from '../../src/jump/hop.ts';
import { ProcessExitError, type ProcessSpawner, type SpawnedProcess, type ProcessExit } from '../../src/io/process.ts';
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import type { Network } from '../../src/io/network.ts';
import { ChannelClosedError, ChannelOpenError } from '../../src/channel/errors.ts';
import { SESSION_SIZES, TCPIP_SIZES } from '../../src/channel/defaults.ts';
import { HostKeyError, LimitError } from '../../src/transport/errors.ts';
import { AuthenticationError } from '../../src/auth/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { serializePrivateKey, type PrivateKey } from '../../src/auth/private-key.ts';
import { knownHostsLines } from '../../src/auth/known-hosts.ts';
import { fromUtf8 } from '../../src/wire/bytes.ts';
import { MemoryWorld } from './memory-hosts.ts';
import { MemoryFileSystem } from '../helpers/memory-file-system.ts';

const userKey = generateSigningKey('ssh-ed25519');
const cred = [{ type: 'publickey' as const, key: userKey }];

/** client → j1 → j2 → j3 → target, each reaching only the next; the client reaches only j1. */
function world(opts: { j1Forwarding?: boolean; targetSilent?: boolean } = {}) {
  const w = new MemoryWorld(['j1']);
  const common = { userKeys: [userKey] };
  const hosts = {
    j1: w.add('j1', { ...common, reaches: ['j2', 'target'], forwarding: opts.j1Forwarding }),
    j2: w.add('j2', { ...common, port: 2222, reaches: ['j3', 'target'] }),
    j3: w.add('j3', { ...common, reaches: ['target'] }),
    target: w.add('target', { ...common, silent: opts.targetSilent }),
  };
  const base = (host: string, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host,
    username: 'alice',
    credentials: cred,
    verifyHostKey: w.verifyHostKey,
    network: w.network('client'),
    ...extra,
  });
  return { w, ...hosts, base };
}

const JUMPS: Record<number, HopOptions[]> = {
  1: [{ host: 'j1' }],
  2: [{ host: 'j1' }, { host: 'j2', port: 2222 }],
  3: [{ host: 'j1' }, { host: 'j2', port: 2222 }, { host: 'j3' }],
};

async function text(client: SshClient, command: string): Promise<string> {
  return fromUtf8((await client.exec(command)).stdout).trim();
}

/** Sends `total` bytes through `cat` on the target; returns the SHA-256 of what was sent and of what came back. */
async function catHash(client: SshClient, total: number): Promise<{ sent: string; back: string; bytes: number }> {
  const chunk = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) & 0xff);
  const sent = createHash('sha256');
  const chunks = function* () {
    for (let n = 0; n < total; n += chunk.length) {
      sent.update(chunk);
      yield chunk;
    }
  };
  const r = await client.exec('cat', { stdin: chunks(), maxOutput: total });
  return { sent: sent.digest('hex'), back: createHash('sha256').update(r.stdout).digest('hex'), bytes: r.stdout.length };
}

async function rejection(p: Promise<unknown>): Promise<HopError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HopError);
  return e as HopError;
}

describe('planChain', () => {
  test('flattens -J strings, lists and nested jumps in visiting order; hops inherit the target options but not its host key alias', () => {
    const agentless = { strict: 'accept-new' as const, hostKeyAlias: 'db-alias' };
    const plan = planChain({
      host: 'db',
      username: 'alice',
      credentials: cred,
      knownHosts: agentless,
      jump: [{ host: 'j2', port: 2222, username: 'bob', jump: 'relay@j0:2200,j1' }, 'j3'],
    });
    expect(plan.hops.map((h) => `${h.address.index}:${h.address.user}@${h.address.host}:${h.address.port}`)).toEqual([
      '0:relay@j0:2200',
      '1:alice@j1:22',
      '2:bob@j2:2222',
      '3:alice@j3:22',
      '4:alice@db:22',
    ]);
    expect(plan.hops[1]!.options.credentials).toBe(cred);
    expect(plan.hops[1]!.options.knownHosts).toEqual({ strict: 'accept-new', hostKeyAlias: undefined });
    expect(plan.hops[4]!.options.knownHosts).toBe(agentless);
    expect(plan.hops[0]!.options.jump).toBeUndefined();
  });

  test('ProxyJump with ProxyCommand on one hop is refused, as by ssh(1) and Fabric', () => {
    const e = (() => {
      try {
        planChain({ host: 'db', username: 'a', jump: 'j1', proxyCommand: 'ssh -W %h:%p j1' });
      } catch (err) {
        return err as HopError;
      }
    })()!;
    expect(e).toBeInstanceOf(HopError);
    expect(e.stage).toBe('config');
    expect(e.hop).toMatchObject({ index: 1, host: 'db' });
    expect(e.message).toMatch(/ProxyJump and ProxyCommand/);
    // "none" is no ProxyCommand; a ProxyCommand is fine on the first hop.
    expect(planChain({ host: 'db', username: 'a', jump: 'j1', proxyCommand: 'none' }).hops).toHaveLength(2);
    expect(planChain({ host: 'db', username: 'a', jump: [{ host: 'j1', proxyCommand: 'nc %h %p' }] }).hops[0]!.proxyCommand).toBe('nc %h %p');
    expect(() => planChain({ host: 'db', username: 'a', jump: ['j0', { host: 'j1', proxyCommand: 'nc %h %p' }] })).toThrow(/ProxyCommand but is reached through hop 1\/3/);
  });

  test('a host:port met twice is a loop', () => {
    expect(() => planChain({ host: 'J1', username: 'a', jump: 'j1,j2' })).toThrow(/hop 3\/3.*loop in the chain.*j1:22 is already on the way/);
    expect(() => planChain({ host: 'j1', port: 2222, username: 'a', jump: 'j1,j2' })).not.toThrow();
  });

  test('malformed options are TypeError / RangeError', () => {
    expect(() => planChain({ host: '', username: 'a' })).toThrow(TypeError);
    expect(() => planChain({ host: 'h', username: '' })).toThrow(TypeError);
    expect(() => planChain({ host: 'h', port: 70000, username: 'a' })).toThrow(RangeError);
    expect(() => planChain({ host: 'h', username: 'a', jump: 42 as unknown as string })).toThrow(TypeError);
  });
});

describe('nesting sizes', () => {
  test('each level leaves room for one packet of the level inside it', () => {
    expect(NESTING_OVERHEAD).toBe(337);
    expect([0, 1, 2, 3].map((d) => nestedChannelSizes(d))).toEqual([
      { maxPacket: 131072, window: 16777216 },
      { maxPacket: 130735, window: 16734080 },
      { maxPacket: 130398, window: 16690944 },
      { maxPacket: 130061, window: 16647808 },
    ]);
    // A packet of the level below: its largest CHANNEL_DATA plus header, padding and MAC.
    for (let d = 0; d < 5; d++) expect(nestedChannelSizes(d + 1).maxPacket + 13 + 4 + 1 + 255 + 64).toBe(nestedChannelSizes(d).maxPacket);
    expect(() => nestedChannelSizes(-1)).toThrow(RangeError);
    expect(() => nestedChannelSizes(1000)).toThrow(RangeError);
  });
});

describe('chains in memory', () => {
  test('the target is unreachable without jump hosts', async () => {
    const { base } = world();
    const e = await rejection(connect(base('target')));
    expect(e.stage).toBe('connect');
    expect(e.hop).toEqual({ index: 0, host: 'target', port: 22, user: 'alice' });
    expect(e.message).toMatch(/hop 1\/1, target alice@target:22: unreachable: connect to target:22: Network is unreachable/);
  });

  for (const n of [1, 2, 3]) {
    test(`through ${n} jump host(s): exec on the target, data by hash, nested sizes, close in order`, async () => {
      const { w, target, base } = world();
      const client = await connect(base('target', { jump: JUMPS[n] }));
      expect(client.hops.map((h) => h.address.host)).toEqual([...JUMPS[n]!.map((j) => j.host), 'target']);
      expect(client.hops.map((h) => h.depth)).toEqual([...Array(n + 1).keys()]);
      expect(connectionDepth(client.connection)).toBe(n);
      expect(await text(client, 'hostname')).toBe('target');
      expect(target.commands).toEqual(['hostname']);
      // Each jump host was asked for the next hop only; the client only connected to j1.
      expect(w.attempts.filter((a) => a.startsWith('client'))).toEqual(['client→j1:22']);
      const r = await catHash(client, 2 << 20);
      expect(r.bytes).toBe(2 << 20);
      expect(r.back).toBe(r.sent);
      const order: number[] = [];
      client.hops.forEach((h, i) => void h.transport.closed.then(() => order.push(i)));
      await client.close();
      expect(await client.closed).toBeUndefined();
      expect(order).toEqual([...Array(n + 1).keys()].reverse());
      expect(client.hops.every((h) => !h.transport.isOpen)).toBe(true);
    });
  }

  test('-J string: user and port per jump host, others inherited', async () => {
    const { j2, base } = world();
    const client = await connect(base('target', { jump: 'bob@j1,carol@j2:2222' }));
    expect(client.hops.map((h) => h.address.user)).toEqual(['bob', 'carol', 'alice']);
    expect(j2.forwards).toEqual(['target:22']);
    expect(await text(client, 'hostname')).toBe('target');
    await client.close();
  });

  test('a jump host refusing direct-tcpip: forward error naming it, with the AllowTcpForwarding hint', async () => {
    const { base } = world({ j1Forwarding: false });
    const e = await rejection(connect(base('target', { jump: JUMPS[2] })));
    expect(e.stage).toBe('forward');
    expect(e.hop).toMatchObject({ index: 0, host: 'j1' });
    expect(e.cause).toBeInstanceOf(ChannelOpenError);
    expect((e.cause as ChannelOpenError).reasonCode).toBe(1);
    expect(e.hint).toBe('the jump host may have AllowTcpForwarding no');
    expect(e.message).toMatch(/hop 1\/3, jump host alice@j1:22: refused to forward to j2:2222: .*administratively prohibited.*\(the jump host may have AllowTcpForwarding no\)$/);
  });

  test('a hop unreachable from the jump host before it: connect error naming that hop', async () => {
    const { base } = world();
    const e = await rejection(connect(base('j3', { jump: JUMPS[1] })));
    expect(e.stage).toBe('connect');
    expect(e.hop).toMatchObject({ index: 1, host: 'j3' });
    expect(e.message).toMatch(/hop 2\/2, target alice@j3:22: unreachable from hop 1\/2, jump host alice@j1:22: .*connect failed/);
  });

  test('a wrong host key at the second hop: handshake error naming it; the first hop is closed', async () => {
    const { w, base } = world();
    const verify = (info: Parameters<typeof w.verifyHostKey>[0], hop: Parameters<typeof w.verifyHostKey>[1]) => hop.index !== 1 && w.verifyHostKey(info, hop);
    const e = await rejection(connect(base('target', { verifyHostKey: verify, jump: JUMPS[2] })));
    expect(e.stage).toBe('handshake');
    expect(e.hop).toMatchObject({ index: 1, host: 'j2', port: 2222 });
    expect(e.cause).toBeInstanceOf(HostKeyError);
    expect(e.message).toMatch(/hop 2\/3, jump host alice@j2:2222: host key verification failed/);
  });

  test('authentication failing at the first hop: AuthenticationError with the methods left', async () => {
    const { base } = world();
    const other = generateSigningKey('ssh-ed25519');
    const e = await rejection(connect(base('target', { jump: [{ host: 'j1', credentials: [{ type: 'publickey', key: other }] }] })));
    expect(e.stage).toBe('authenticate');
    expect(e.hop).toMatchObject({ index: 0, host: 'j1' });
    expect(e.cause).toBeInstanceOf(AuthenticationError);
    expect((e.cause as AuthenticationError).methodsLeft).toEqual(['publickey']);
  });

  test('a target that accepts but never speaks: version exchange timeout (ConnectTimeout) naming it', async () => {
    const { base } = world({ targetSilent: true });
    const t0 = Date.now();
    const e = await rejection(connect(base('target', { jump: JUMPS[1], connectTimeoutMs: 400 })));
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(e.stage).toBe('handshake');
    expect(e.hop).toMatchObject({ index: 1, host: 'target' });
    expect(e.cause).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/no SSH server answered: version exchange timeout: no SSH identification within 400 ms/);
  });

  test('ConnectTimeout while the TCP connect hangs', async () => {
    const hanging: Network = { ...world().w.network('client'), connectTcp: () => new Promise<ByteStream>(() => undefined) };
    const e = await rejection(connect({ host: 'h', username: 'a', verifyHostKey: () => true, network: hanging, connectTimeoutMs: 200 }));
    expect(e.stage).toBe('connect');
    expect(e.message).toMatch(/unreachable: ConnectTimeout: not reached within 200 ms/);
  });

  test('a jump host ending mid-use ends the chain with a HopError naming it: closed, pending exec, the hops before it', async () => {
    const { j2, base } = world();
    const client = await connect(base('target', { jump: JUMPS[3] }));
    const session = await client.openSession();
    await session.exec('cat');
    const done = session.done.catch((e: unknown) => e);
    const exec = client.exec('cat', { stdin: (async function* () { await new Promise(() => undefined); })() }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    j2.kill();
    const err = await client.closed;
    expect(err).toBeInstanceOf(HopError);
    const e = err as HopError;
    expect(e.stage).toBe('connection');
    expect(e.hop).toMatchObject({ index: 1, host: 'j2' });
    expect(e.message).toMatch(/^hop 2\/4, jump host alice@j2:2222: connection lost/);
    expect(await exec).toBe(e);
    const d = await done;
    expect(d).toBeInstanceOf(ChannelClosedError);
    expect((d as Error).cause).toBe(e);
    expect(client.hops.every((h) => !h.transport.isOpen)).toBe(true);
    expect(await client.transport.closed).toBe(e);
    await client.close(); // idempotent after a failure
  });

  test('the target ending: HopError naming the target', async () => {
    const { target, base } = world();
    const client = await connect(base('target', { jump: JUMPS[1] }));
    target.kill();
    const e = (await client.closed) as HopError;
    expect(e).toBeInstanceOf(HopError);
    expect(e.hop.index).toBe(1);
    expect(client.hops[0]!.transport.isOpen).toBe(false);
  });

  test('a client as the gateway of another (Fabric style), to any depth; closing it closes its own hops only', async () => {
    const { base } = world();
    const viaJ1 = await connect(base('j2', { port: 2222, jump: [{ host: 'j1' }] }));
    const viaJ2 = await connect(base('j3', { jump: viaJ1 }));
    const client = await connect(base('target', { jump: viaJ2 }));
    expect(connectionDepth(client.connection)).toBe(3);
    expect(client.hops).toHaveLength(1);
    expect(await text(client, 'hostname')).toBe('target');
    // A gateway's route counts for loops.
    await expect(connect(base('j1', { jump: viaJ2 }))).rejects.toThrow(/loop in the chain/);
    await client.close();
    expect(viaJ2.transport.isOpen).toBe(true);
    expect(await text(viaJ2, 'hostname')).toBe('j3');
    // The gateway ending ends what runs through it, with the gateway's HopError.
    const again = await connect(base('target', { jump: viaJ2 }));
    viaJ1.hops[0]!.transport.close(new Error('j1 went away'));
    const e = (await again.closed) as HopError;
    expect(e).toBeInstanceOf(HopError);
    expect(e.hop.host).toBe('j1');
    expect(await viaJ2.closed).toBe(e);
    await Promise.all([viaJ1.close(), viaJ2.close(), again.close()]);
  });

  test('each hop its own algorithms; a bare Connection as the gateway; directTcpip from the target sized for its depth', async () => {
    const { w, base } = world();
    w.hosts.get('target')!.options.reaches = ['j3'];
    const viaJ1 = await connect(base('j2', { port: 2222, jump: [{ host: 'j1', algorithms: { ciphers: ['aes128-ctr'], macs: ['hmac-sha2-256'] } }] }));
    expect(viaJ1.hops.map((h) => h.transport.negotiated!.cipherCtoS)).toEqual(['aes128-ctr', expect.not.stringMatching(/^aes128-ctr$/)]);
    const client = await connect(base('target', { jump: viaJ1.connection }));
    expect(connectionDepth(client.connection)).toBe(2);
    const ch = await client.directTcpip('j3', 22);
    expect(ch.localMaxPacket).toBe(nestedChannelSizes(2).maxPacket);
    const banner = await new Promise<string>((resolve) => (ch.onData = (d) => resolve(fromUtf8(d))));
    expect(banner).toMatch(/^SSH-2\.0-hopssh/);
    ch.close();
    const refused = await client.directTcpip('j1', 22).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelOpenError);
    await client.close();
    await viaJ1.close();
  });

  test('sessions: OpenSSH\'s 2 MiB window directly, the tcpip window through jump hosts (every WINDOW_ADJUST crosses them)', async () => {
    const { base } = world();
    const direct = await connect(base('j1'));
    const through = await connect(base('j2', { port: 2222, jump: [{ host: 'j1' }] }));
    const near = await direct.openSession();
    const far = await through.openSession();
    expect(near.channel.localWindowMax).toBe(SESSION_SIZES.window);
    expect(far.channel.localWindowMax).toBe(TCPIP_SIZES.window);
    expect(far.channel.localMaxPacket).toBe(SESSION_SIZES.maxPacket);
    // Given sizes win; exec() sizes its session the same way.
    const small = await through.openSession({ window: 65536 });
    expect(small.channel.localWindowMax).toBe(65536);
    expect(fromUtf8((await through.exec('hostname')).stdout).trim()).toBe('j2');
    for (const s of [near, far, small]) s.close();
    await Promise.all([direct.close(), through.close()]);
  });

  test('host-key algorithms ordered by what known_hosts holds for each hop (as ssh(1))', async () => {
    const { w, j1, target } = world();
    const ecdsa = generateSigningKey('ecdsa-sha2-nistp256');
    (j1.options as { moreHostKeys: unknown }).moreHostKeys = [ecdsa];
    (target.options as { moreHostKeys: unknown }).moreHostKeys = [ecdsa];
    const fs = new MemoryFileSystem({
      '/kh': [...knownHostsLines(['j1'], ecdsa.publicBlob), ...knownHostsLines(['target'], target.hostKey.publicBlob)].join('\n') + '\n',
    });
    const client = await connect({
      host: 'target',
      username: 'alice',
      credentials: cred,
      network: w.network('client'),
      fs,
      knownHosts: { files: ['/kh'], globalFiles: [] },
      jump: 'j1',
    });
    expect(client.hops.map((h) => h.transport.negotiated!.hostKey)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    await client.close();
  });

  test('keepalive: a target that stops answering is given up after ServerAliveCountMax', async () => {
    const { target, base } = world();
    const client = await connect(base('target', { jump: JUMPS[1], keepalive: { intervalMs: 50, countMax: 2 } }));
    expect(await text(client, 'hostname')).toBe('target');
    target.streams[0]!.pause();
    const e = (await client.closed) as HopError;
    expect(e.stage).toBe('connection');
    expect(e.hop.index).toBe(1);
    expect(e.cause).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/ServerAliveCountMax: the server did not answer 2 keepalives/);
  });
});

/** A ProcessSpawner whose "command" connects to the memory world from `from` (as `ssh -W %h:%p` would), or fails. */
function memorySpawner(network: Network, parse: (command: string) => { host: string; port: number } | undefined) {
  const spawned: string[] = [];
  const spawner: ProcessSpawner = {
    spawn(command) {
      spawned.push(command);
      const [ours, theirs] = createMemoryPair();
      let exit!: (e: ProcessExit) => void;
      const exited = new Promise<ProcessExit>((r) => (exit = r));
      const target = parse(command);
      if (target === undefined) {
        theirs.start({ data: () => undefined, drain: () => undefined, end: () => undefined, close: () => undefined });
        setTimeout(() => {
          theirs.close();
          exit({ code: 255, signal: null });
        }, 10);
      } else {
        void network.connectTcp(target.host, target.port).then((s) => {
          // Relay both ways between the process's stdio and the connection.
          // The client closing its end ends the "process", as ssh(1)'s SIGHUP ends a ProxyCommand.
          theirs.start({
            data: (d) => s.write(d.slice()),
            drain: () => undefined,
            end: () => s.end(),
            close: () => {
              s.close();
              exit({ code: null, signal: 'SIGHUP' });
            },
          });
          s.start({ data: (d) => theirs.write(d.slice()), drain: () => undefined, end: () => theirs.end(), close: () => theirs.close() });
        });
      }
      const p: SpawnedProcess = { command, pid: undefined, stream: ours, exited, kill: () => exit({ code: null, signal: 'SIGHUP' }) };
      return p;
    },
  };
  return { spawner, spawned };
}

describe('ProxyCommand', () => {
  test('tokens expanded; the first hop runs over the command; the rest jump from there', async () => {
    const { w, base } = world();
    const { spawner, spawned } = memorySpawner(w.network('client'), (c) => {
      const m = /^proxy (\S+) (\d+)/.exec(c);
      return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
    });
    const client = await connect(
      base('target', { processes: spawner, network: undefined, jump: [{ host: 'j1', name: 'jump-one', proxyCommand: 'proxy %h %p %r %n 100%%' }] }),
    );
    expect(spawned).toEqual(['proxy j1 22 alice jump-one 100%']);
    expect(client.hops[0]!.process).toBeDefined();
    expect(await text(client, 'hostname')).toBe('target');
    await client.close();
  });

  test('a command that exits before the server speaks: connect error with its exit status', async () => {
    const { w, base } = world();
    const { spawner } = memorySpawner(w.network('client'), () => undefined);
    const e = await rejection(connect(base('target', { processes: spawner, proxyCommand: 'false' })));
    expect(e.stage).toBe('connect');
    expect(e.cause).toBeInstanceOf(ProcessExitError);
    expect(e.message).toMatch(/hop 1\/1, target alice@target:22: ProxyCommand failed: "false" exited with status 255/);
  });

  test('a ProxyCommand needs a spawner', async () => {
    const { base } = world();
    await expect(connect(base('target', { proxyCommand: 'nc %h %p' }))).rejects.toThrow(TypeError);
  });
});

describe('keys and known_hosts per hop', () => {
  test('identity files (an encrypted one asked for), a different key per hop, known_hosts per hop', async () => {
    const { w, j1, target } = world();
    const j1Key = generateSigningKey('ssh-ed25519');
    // j1 accepts only its own key.
    (j1.options as { userKeys: unknown }).userKeys = [j1Key];
    const fs = new MemoryFileSystem({
      '/home/u/.ssh/id_target': serializePrivateKey(userKey as PrivateKey, { passphrase: 'sesame', rounds: 2 }),
      '/home/u/.ssh/id_j1': serializePrivateKey(j1Key as PrivateKey),
      '/home/u/.ssh/known_hosts': [
        ...knownHostsLines(['j1'], j1.hostKey.publicBlob),
        ...knownHostsLines(['target'], target.hostKey.publicBlob),
      ].join('\n') + '\n',
    });
    const asked: string[] = [];
    const options: ConnectOptions = {
      host: 'target',
      username: 'alice',
      network: w.network('client'),
      fs,
      identityFiles: ['~/.ssh/id_missing', '~/.ssh/id_target'],
      passphrase: (path, attempt) => {
        asked.push(`${path}#${attempt}`);
        return attempt === 1 ? 'wrong' : 'sesame';
      },
      knownHosts: { files: ['~/.ssh/known_hosts'], globalFiles: [] },
      jump: [{ host: 'j1', identityFiles: ['~/.ssh/id_j1'] }],
    };
    const client = await connect(options);
    expect(asked).toEqual(['~/.ssh/id_target#1', '~/.ssh/id_target#2']);
    expect(await text(client, 'hostname')).toBe('target');
    await client.close();
    // The same chain with j1's key not known: refused at hop 1 only.
    fs.files.set('/home/u/.ssh/known_hosts', { data: new TextEncoder().encode(knownHostsLines(['target'], target.hostKey.publicBlob).join('\n') + '\n'), mode: 0o644 });
    const e = await rejection(connect(options));
    expect(e.stage).toBe('handshake');
    expect(e.hop.host).toBe('j1');
    expect(e.message).toMatch(/host key verification failed: .*no host key is known for j1/);
    // The target's key is loaded ahead only once j1's host key is accepted: no passphrase asked this time.
    expect(asked).toHaveLength(2);
  });
});
