/**
 * connectFromConfig / resolveChain: a chain built from ssh_config alone, in
 * memory (memory-hosts.ts): the destination's alias names everything —
 * each jump host's HostName, User, Port, IdentityFile and known_hosts come
 * from its own Host block, ProxyJump nests through the first jump host's own
 * ProxyJump as ssh(1) does, a loop of jump hosts naming each other is refused.
 */
import { describe, expect, test } from 'vitest';
import { connectFromConfig, hopOptionsFromConfig, resolveChain } from '../../src/jump/config-client.ts';
import { resolveConfig, type ConfigContext } from '../../src/jump/ssh-config.ts';
import { planChain } from '../../src/jump/chain.ts';
import { HopError } from '../../src/jump/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { serializePrivateKey, type PrivateKey } from '../../src/auth/private-key.ts';
import { knownHostsLines } from '../../src/auth/known-hosts.ts';
import { fromUtf8 } from '../../src/wire/bytes.ts';
import { MemoryFileSystem } from '../helpers/memory-file-system.ts';
import { MemoryWorld } from './memory-hosts.ts';

/** client → j1 → j2:2222 → target, each host accepting only its own user key. */
function setup(extraConfig: string[] = []) {
  const keys = { j1: generateSigningKey('ssh-ed25519'), j2: generateSigningKey('ssh-ed25519'), target: generateSigningKey('ssh-ed25519') };
  const w = new MemoryWorld(['j1']);
  const j1 = w.add('j1', { userKeys: [keys.j1], reaches: ['j2'] });
  const j2 = w.add('j2', { userKeys: [keys.j2], port: 2222, reaches: ['target'] });
  const target = w.add('target', { userKeys: [keys.target] });
  const config = [
    ...extraConfig,
    'Host jump1',
    '  HostName j1',
    '  User relay',
    '  IdentityFile ~/.ssh/id_j1',
    'Host jump2',
    '  HostName j2',
    '  Port 2222',
    '  User hopper',
    '  IdentityFile ~/.ssh/id_j2',
    '  ProxyJump jump1',
    'Host db',
    '  HostName target',
    '  User alice',
    '  IdentityFile ~/.ssh/id_target',
    '  ProxyJump jump2',
    'Host *',
    '  UserKnownHostsFile ~/.ssh/known_hosts_test',
    '  GlobalKnownHostsFile none',
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
  const fs = new MemoryFileSystem({
    '/home/u/.ssh/config': config,
    '/home/u/.ssh/id_j1': serializePrivateKey(keys.j1 as PrivateKey),
    '/home/u/.ssh/id_j2': serializePrivateKey(keys.j2 as PrivateKey),
    '/home/u/.ssh/id_target': serializePrivateKey(keys.target as PrivateKey),
    '/home/u/.ssh/known_hosts_test': [
      ...knownHostsLines(['j1'], j1.hostKey.publicBlob),
      ...knownHostsLines(['[j2]:2222'], j2.hostKey.publicBlob),
      ...knownHostsLines(['target'], target.hostKey.publicBlob),
      '',
    ].join('\n'),
  });
  const ctx: ConfigContext = { fs, localUser: 'u', home: '/home/u', localHostName: 'laptop', systemConfigFile: null };
  return { w, j1, j2, target, fs, ctx, runtime: { network: w.network('client'), fs } };
}

describe('a chain from ssh_config alone', () => {
  test('resolveChain: the destination alias gives every hop its own HostName, User, Port, IdentityFile and known_hosts', async () => {
    const { ctx } = setup();
    const target = await resolveChain('db', ctx);
    const plan = planChain({ ...target, username: target.username! });
    expect(plan.hops.map((h) => `${h.name} ${h.address.user}@${h.address.host}:${h.address.port}`)).toEqual([
      'jump1 relay@j1:22',
      'jump2 hopper@j2:2222',
      'db alice@target:22',
    ]);
    expect(plan.hops.map((h) => h.options.identityFiles)).toEqual([['/home/u/.ssh/id_j1'], ['/home/u/.ssh/id_j2'], ['/home/u/.ssh/id_target']]);
    for (const h of plan.hops) expect(h.options.knownHosts).toMatchObject({ files: ['/home/u/.ssh/known_hosts_test'], globalFiles: [], strict: 'yes' });
    // The user and port of the destination as ssh's -l and -p.
    const other = await resolveChain('bob@db', ctx, { port: 2200 });
    expect([other.username, other.port]).toEqual(['bob', 2200]);
  });

  test('connectFromConfig: connects through j1 and j2 with each host\'s own key and known_hosts', async () => {
    const { w, j1, j2, target, ctx, runtime } = setup();
    const client = await connectFromConfig('db', ctx, runtime);
    try {
      expect(client.hops.map((h) => `${h.address.user}@${h.address.host}:${h.address.port}`)).toEqual(['relay@j1:22', 'hopper@j2:2222', 'alice@target:22']);
      const r = await client.exec('hostname');
      expect(fromUtf8(r.stdout).trim()).toBe('target');
      expect(w.attempts).toEqual(['client→j1:22', 'j1→j2:2222', 'j2→target:22']);
      expect([j1.forwards, j2.forwards, target.forwards]).toEqual([['j2:2222'], ['target:22'], []]);
    } finally {
      await client.close();
    }
  });

  test('a host key not in the configured known_hosts file: refused at that hop (StrictHostKeyChecking from the file)', async () => {
    const { j2, fs, ctx, runtime } = setup();
    const text = fs.text('/home/u/.ssh/known_hosts_test')!;
    fs.files.set('/home/u/.ssh/known_hosts_test', { data: new TextEncoder().encode(text.split('\n').filter((l) => !l.startsWith('[j2]')).join('\n')), mode: 0o644 });
    const e = await connectFromConfig('db', ctx, runtime).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(HopError);
    expect((e as HopError).stage).toBe('handshake');
    expect((e as HopError).hop).toMatchObject({ index: 1, host: 'j2', port: j2.port });
  });

  test('ProxyCommand from the file runs for the first hop; jump hosts naming each other are a loop', async () => {
    const { ctx } = setup(['Host loop1', '  ProxyJump loop2', 'Host loop2', '  ProxyJump loop1', 'Host viacmd', '  ProxyCommand nc -q0 %h %p', '  User carol']);
    const cmd = await resolveChain('viacmd', ctx);
    expect(cmd).toMatchObject({ host: 'viacmd', username: 'carol', proxyCommand: 'nc -q0 viacmd 22' });
    const e = await resolveChain('loop1', ctx).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(HopError);
    expect((e as HopError).stage).toBe('config');
    expect((e as HopError).message).toMatch(/loop in the ProxyJump configuration/);
  });

  test('hopOptionsFromConfig: algorithms, ConnectTimeout, ServerAlive, HostKeyAlias; IdentitiesOnly, IdentityAgent none and PubkeyAuthentication no keep the agent away', async () => {
    const { ctx } = setup([
      'Host tuned',
      '  Ciphers aes256-gcm@openssh.com',
      '  MACs hmac-sha2-256-etm@openssh.com',
      '  KexAlgorithms curve25519-sha256',
      '  HostKeyAlgorithms ssh-ed25519',
      '  ConnectTimeout 7',
      '  ServerAliveInterval 15',
      '  ServerAliveCountMax 2',
      '  HostKeyAlias TunedAlias',
      '  StrictHostKeyChecking ask',
      'Host only',
      '  IdentitiesOnly yes',
      'Host noagent',
      '  IdentityAgent none',
      'Host nokeys',
      '  PubkeyAuthentication no',
    ]);
    const agent = {} as never;
    const tuned = hopOptionsFromConfig(await resolveConfig('tuned', ctx), { agent });
    expect(tuned).toMatchObject({
      algorithms: { kex: 'curve25519-sha256', hostKeyAlgorithms: 'ssh-ed25519', ciphers: 'aes256-gcm@openssh.com', macs: 'hmac-sha2-256-etm@openssh.com' },
      connectTimeoutMs: 7000,
      keepalive: { intervalMs: 15000, countMax: 2 },
      knownHosts: { hostKeyAlias: 'tunedalias', strict: 'yes' },
      agent,
    });
    expect(hopOptionsFromConfig(await resolveConfig('only', ctx), { agent }).agent).toBeUndefined();
    expect(hopOptionsFromConfig(await resolveConfig('noagent', ctx), { agent }).agent).toBeUndefined();
    const nokeys = hopOptionsFromConfig(await resolveConfig('nokeys', ctx), { agent });
    expect([nokeys.agent, nokeys.identityFiles]).toEqual([undefined, []]);
  });
});
