/**
 * resolveConfig on an in-memory file system: the semantics of ssh_config(5)
 * that the ssh -G comparison (test/interop/ssh-config-vs-ssh-G.test.ts)
 * cannot reach without touching the real ~/.ssh and /etc/ssh — which files
 * are read, relative Includes, include loops and depth, permissions — and
 * the callbacks (Match exec, canonicalization), errors and defaults.
 */
import { describe, expect, test } from 'vitest';
import { MemoryFileSystem } from '../helpers/memory-file-system.ts';
import { memoryGlob } from './ssh-config-fs.ts';
import { ConfigError } from '../../src/jump/errors.ts';
import { MAX_INCLUDE_DEPTH, resolveConfig, type ConfigContext, type ResolveOptions } from '../../src/jump/ssh-config.ts';

const HOME = '/home/alice';

function context(files: Record<string, string>, extra: Partial<Omit<ConfigContext, 'fs'>> = {}): ConfigContext & { fs: MemoryFileSystem } {
  const fs = new MemoryFileSystem(files, HOME);
  return { glob: memoryGlob(fs), localUser: 'alice', home: HOME, localHostName: 'laptop.lan', uid: 1000, env: { HOME }, ...extra, fs };
}

async function resolve(files: Record<string, string>, host: string, extra: Partial<Omit<ConfigContext, 'fs'>> = {}, opts?: ResolveOptions) {
  return resolveConfig(host, context(files, extra), opts);
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('resolved without an error');
}

const USER = `${HOME}/.ssh/config`;
const SYSTEM = '/etc/ssh/ssh_config';

describe('which files are read', () => {
  test('the user file, then the system file: the user file wins', async () => {
    const r = await resolve({ [USER]: 'Port 2001\n', [SYSTEM]: 'Port 2002\nUser sys\n' }, 'h');
    expect(r.port).toBe(2001);
    expect(r.user).toBe('sys');
  });

  test('no files at all: defaults', async () => {
    const r = await resolve({}, 'Host.Example');
    expect(r).toMatchObject({ host: 'Host.Example', hostName: 'host.example', user: 'alice', port: 22, identityFilesAreDefault: true, strictHostKeyChecking: 'ask', finalPass: false });
    expect(r.identityFiles).toEqual(['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_dsa'].map((f) => `${HOME}/.ssh/${f}`));
    expect(r.userKnownHostsFiles).toEqual([`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`]);
    expect(r.globalKnownHostsFiles).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    expect(r.preferredAuthentications).toEqual(['gssapi-with-mic', 'hostbased', 'publickey', 'keyboard-interactive', 'password']);
    expect(r).toMatchObject({ serverAliveInterval: 0, serverAliveCountMax: 3, numberOfPasswordPrompts: 3, requestTTY: 'auto', logLevel: 'INFO', pubkeyAuthentication: 'yes' });
    expect(r).toMatchObject({ forwardAgent: false, hashKnownHosts: false, checkHostIP: false, batchMode: false, identitiesOnly: false, connectTimeout: undefined });
    expect(r).toMatchObject({ proxyJump: [], proxyCommand: undefined, addKeysToAgent: { mode: 'no' }, exitOnForwardFailure: false, clearAllForwardings: false });
  });

  test('configFile (ssh -F) replaces both; "none" reads nothing; a missing one is an error', async () => {
    const files = { [USER]: 'Port 2001\n', [SYSTEM]: 'Port 2002\n', '/cfg': 'User fromcfg\n' };
    expect(await resolve(files, 'h', { configFile: '/cfg' })).toMatchObject({ port: 22, user: 'fromcfg' });
    expect(await resolve(files, 'h', { configFile: 'none' })).toMatchObject({ port: 22, user: 'alice' });
    const e = await configError(resolve(files, 'h', { configFile: '/missing' }));
    expect(e.file).toBe('/missing');
  });

  test('systemConfigFile null skips the system file; userConfigFile moves the user file', async () => {
    const files = { '/u': 'Port 2001\n', [SYSTEM]: 'User sys\n' };
    expect(await resolve(files, 'h', { userConfigFile: '/u', systemConfigFile: null })).toMatchObject({ port: 2001, user: 'alice' });
  });

  test('a file that cannot be read (other than missing) is an error', async () => {
    const ctx = context({ [USER]: 'Port 1\n' });
    ctx.fs.files.get(USER)!.mode = 0;
    expect((await configError(resolveConfig('h', ctx))).detail).toMatch(/cannot read/);
  });
});

describe('Include', () => {
  test('relative paths are under ~/.ssh in the user file and /etc/ssh in the system file', async () => {
    const r = await resolve(
      {
        [USER]: 'Include extra.conf\n',
        [`${HOME}/.ssh/extra.conf`]: 'Port 2100\n',
        [SYSTEM]: 'Include ssh_config.d/*.conf\n',
        '/etc/ssh/ssh_config.d/50-a.conf': 'User fromsystemdir\n',
      },
      'h',
    );
    expect(r).toMatchObject({ port: 2100, user: 'fromsystemdir' });
  });

  test('~ is refused in the system file', async () => {
    const e = await configError(resolve({ [SYSTEM]: 'Include ~/x\n' }, 'h'));
    expect(e).toMatchObject({ file: SYSTEM, line: 1 });
  });

  test('~ and ~user in the user file', async () => {
    const r = await resolve({ [USER]: 'Include ~bob/shared.conf\n', '/home/bob/shared.conf': 'User bobs\n' }, 'h', { homeOf: (u) => (u === 'bob' ? '/home/bob' : undefined) });
    expect(r.user).toBe('bobs');
  });

  test('globs are read in order; no match and missing files are skipped', async () => {
    const r = await resolve(
      {
        [USER]: 'Include conf.d/*.conf nothing-*.conf missing.conf\n',
        [`${HOME}/.ssh/conf.d/20.conf`]: 'User twenty\nSendEnv B\n',
        [`${HOME}/.ssh/conf.d/10.conf`]: 'User ten\nSendEnv A\n',
      },
      'h',
    );
    expect(r.user).toBe('ten');
    expect(r.sendEnv).toEqual(['A', 'B']);
  });

  test('wildcards without a glob function are an error naming the line', async () => {
    const e = await configError(resolve({ [USER]: '\nInclude conf.d/*\n' }, 'h', { glob: undefined }));
    expect(e).toMatchObject({ file: USER, line: 2 });
    expect(e.detail).toMatch(/glob/);
  });

  test('a file including itself, directly or not, is an error naming the loop', async () => {
    const e = await configError(resolve({ [USER]: 'Include a.conf\n', [`${HOME}/.ssh/a.conf`]: 'Include b.conf\n', [`${HOME}/.ssh/b.conf`]: 'Include a.conf\n' }, 'h'));
    expect(e.detail).toMatch(/Include loop: .*a\.conf -> .*b\.conf -> .*a\.conf/);
  });

  test('the same file included twice side by side is no loop', async () => {
    const r = await resolve({ [USER]: 'Include x.conf\nInclude x.conf\n', [`${HOME}/.ssh/x.conf`]: 'SendEnv X\n' }, 'h');
    expect(r.sendEnv).toEqual(['X', 'X']);
  });

  test(`at most ${MAX_INCLUDE_DEPTH} levels`, async () => {
    const chain = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`/d/${i}`, i + 1 < n ? `Include /d/${i + 1}\n` : 'User deepest\n']));
    expect((await resolve(chain(MAX_INCLUDE_DEPTH + 1), 'h', { configFile: '/d/0' })).user).toBe('deepest');
    expect((await configError(resolve(chain(MAX_INCLUDE_DEPTH + 2), 'h', { configFile: '/d/0' }))).detail).toMatch(/nested Include/);
  });

  test('included files must not be writable by others (with stat and uid)', async () => {
    const ctx = context({ [USER]: 'Include x.conf\n', [`${HOME}/.ssh/x.conf`]: 'User x\n' });
    ctx.fs.files.get(`${HOME}/.ssh/x.conf`)!.mode = 0o666;
    expect((await configError(resolveConfig('h', ctx))).detail).toMatch(/bad owner or permissions/);
    expect((await resolveConfig('h', { ...ctx, uid: undefined })).user).toBe('x');
  });

  test('Include is refused on the command line', async () => {
    const e = await configError(resolve({}, 'h', {}, { options: ['Include /x'] }));
    expect(e).toMatchObject({ file: 'command line', line: 1 });
  });
});

describe('Host and Match', () => {
  test('Host patterns: *, ?, negation, several per line, case-sensitive against the host as given', async () => {
    const files = { [USER]: 'Host *.corp !db.corp\n  User corp\nHost ?b x y\n  User short\nHost Caps\n  User caps\n' };
    expect((await resolve(files, 'web.corp')).user).toBe('corp');
    expect((await resolve(files, 'db.corp')).user).toBe('alice');
    expect((await resolve(files, 'ab')).user).toBe('short');
    expect((await resolve(files, 'y')).user).toBe('short');
    expect((await resolve(files, 'caps')).user).toBe('alice');
    expect((await resolve(files, 'Caps')).user).toBe('caps');
  });

  test('Match exec asks the callback with tokens expanded, only when the earlier criteria hold', async () => {
    const calls: string[] = [];
    const exec = (cmd: string) => {
      calls.push(cmd);
      return cmd.includes('yes');
    };
    const files = { [USER]: 'Host h\n  HostName real.example\nMatch host nomatch exec "never %h"\n  User no\nMatch exec "test yes %h %n %p %r %u"\n  User yes\n' };
    expect((await resolve(files, 'h', { exec })).user).toBe('yes');
    expect(calls).toEqual(['test yes real.example h 22 alice alice']);
  });

  test('Match exec without a callback is refused, naming the line; never run from a block that does not apply', async () => {
    const e = await configError(resolve({ [USER]: 'Match exec "true"\n' }, 'h'));
    expect(e).toMatchObject({ file: USER, line: 1 });
    expect(e.detail).toMatch(/refused/);
    const r = await resolve({ [USER]: 'Host other\n  Include x.conf\n', [`${HOME}/.ssh/x.conf`]: 'Match exec "true"\n  User never\n' }, 'h');
    expect(r.user).toBe('alice');
  });

  test('Match user sees the User set so far; localuser the local user', async () => {
    const files = { [USER]: 'Host h\n  User deploy\nMatch user deploy localuser alice\n  Port 2222\n' };
    expect((await resolve(files, 'h')).port).toBe(2222);
    expect((await resolve(files, 'h', { localUser: 'bob' })).port).toBe(22);
  });

  test('Match canonical and final match in the final pass, where Host sees the host name; the canonicalize callback names it', async () => {
    const files = {
      [USER]: 'Host web\n  CanonicalizeHostname yes\nMatch canonical\n  User canon\nHost web.example.com\n  Port 2200\n',
    };
    const seen: unknown[] = [];
    const r = await resolve(files, 'web', {
      canonicalize: (host, info) => {
        seen.push([host, info]);
        return `${host}.example.com`;
      },
    });
    expect(seen).toEqual([['web', { proxied: false, mode: 'yes' }]]);
    expect(r).toMatchObject({ hostName: 'web.example.com', user: 'canon', port: 2200, finalPass: true, canonicalizeHostname: 'yes' });
    // Without a callback the name stays, and the final pass still runs.
    expect(await resolve(files, 'web')).toMatchObject({ hostName: 'web', user: 'canon', port: 22, finalPass: true });
  });

  test('Host and Match are refused on the command line', async () => {
    await expect(resolve({}, 'h', {}, { options: ['Host x'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(resolve({}, 'h', {}, { options: ['Match all'] })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('options', () => {
  test('command-line user, port and -o options come first', async () => {
    const files = { [USER]: 'User fileuser\nPort 2000\nIdentityFile ~/.ssh/file\n' };
    const r = await resolve(files, 'h', {}, { user: 'cli', port: 2999, options: ['IdentityFile=~/.ssh/cli', 'Port 1'] });
    expect(r).toMatchObject({ user: 'cli', port: 2999 });
    expect(r.identityFiles).toEqual([`${HOME}/.ssh/cli`, `${HOME}/.ssh/file`]);
  });

  test('IgnoreUnknown lets unknown keywords through into `unknown`; known but uninterpreted ones go to `other`', async () => {
    const r = await resolve({ [USER]: 'IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFooBar 1\nCompression yes\nCompression no\n' }, 'h');
    expect(r.unknown).toEqual([
      { keyword: 'usekeychain', file: USER, line: 2 },
      { keyword: 'foobar', file: USER, line: 3 },
    ]);
    expect(r.other.get('compression')).toEqual(['yes']);
  });

  test('an unknown keyword is an error naming it, the file and the line', async () => {
    const e = await configError(resolve({ [USER]: '\n\nUseKeychain yes\n' }, 'h'));
    expect(e).toMatchObject({ file: USER, line: 3 });
    expect(e.message).toBe(`${USER} line 3: bad configuration option: usekeychain`);
  });

  test('tokens and ${VAR}: an unknown token or variable is an error naming it and the line that set it', async () => {
    expect((await resolve({ [USER]: 'IdentityFile ${HOME}/k_%h\n' }, 'h')).identityFiles).toEqual([`${HOME}/k_h`]);
    const e = await configError(resolve({ [USER]: 'Port 22\nIdentityFile ~/k_%Z\n' }, 'h'));
    expect(e).toMatchObject({ file: USER, line: 2 });
    expect(e.message).toMatch(/%Z/);
    expect((await configError(resolve({ [USER]: 'CertificateFile ${NOPE}/c\n' }, 'h'))).message).toMatch(/NOPE/);
    expect((await configError(resolve({ [USER]: 'ProxyCommand nc %h %u\n' }, 'h'))).message).toMatch(/%u/);
  });

  test('%i needs the uid', async () => {
    await expect(resolve({ [USER]: 'IdentityFile ~/k_%i\n' }, 'h', { uid: undefined })).rejects.toBeInstanceOf(ConfigError);
  });

  test('the HostName of an alias, %h and ProxyCommand tokens', async () => {
    const r = await resolve({ [USER]: 'Host db\n  HostName %h.Internal\n  User dba\n  Port 2345\n  ProxyCommand ssh -W %h:%p -l %r gw # %n %%\n' }, 'db');
    expect(r.hostName).toBe('db.internal');
    expect(r.proxyCommand).toBe('ssh -W db.internal:2345 -l dba gw # db %');
  });

  test('ProxyJump hops get %h %n %p %r; each hop resolves from its own block', async () => {
    const files = { [USER]: 'Host target\n  ProxyJump %r@j1,j2\n  User deploy\nHost j1\n  HostName jump1.example\n  Port 2022\n' };
    const target = await resolve(files, 'target');
    expect(target.proxyJump).toEqual([{ host: 'j1', user: 'deploy' }, { host: 'j2' }]);
    const hop = await resolve(files, target.proxyJump[0]!.host, {}, { user: target.proxyJump[0]!.user });
    expect(hop).toMatchObject({ hostName: 'jump1.example', port: 2022, user: 'deploy', proxyJump: [] });
  });

  test('stdioForward (-W) makes ExitOnForwardFailure and ClearAllForwardings default to yes', async () => {
    const files = { [USER]: 'LocalForward 1 h:2\n' };
    expect(await resolve(files, 'h', {}, { stdioForward: true })).toMatchObject({ exitOnForwardFailure: true, clearAllForwardings: true, localForwards: [] });
    expect((await resolve({ [USER]: 'ClearAllForwardings no\nLocalForward 1 h:2\n' }, 'h', {}, { stdioForward: true })).localForwards).toHaveLength(1);
  });

  test('forwarding specs: ${VAR} at parse time, tokens in socket paths', async () => {
    const r = await resolve({ [USER]: 'LocalForward ${HOME}/l_%h.sock /r/%r.sock\nRemoteForward 8000\nDynamicForward [::1]:1080\n' }, 'h');
    expect(r.localForwards).toEqual([{ listen: { path: `${HOME}/l_h.sock` }, to: { path: '/r/alice.sock' } }]);
    expect(r.remoteForwards).toEqual([{ listen: { port: 8000 } }]);
    expect(r.dynamicForwards).toEqual([{ listen: { bindAddress: '::1', port: 1080 } }]);
  });

  test('values: AddKeysToAgent, ForwardAgent, ConnectTimeout none, LogLevel, flags', async () => {
    const r = await resolve(
      { [USER]: 'AddKeysToAgent 1h\nForwardAgent ~/agent.sock\nConnectTimeout none\nConnectTimeout 2m\nLogLevel debug\nBatchMode true\nStrictHostKeyChecking off\n' },
      'h',
    );
    expect(r).toMatchObject({ addKeysToAgent: { mode: 'yes', lifetime: 3600 }, forwardAgent: `${HOME}/agent.sock`, connectTimeout: 120, logLevel: 'DEBUG1', batchMode: true, strictHostKeyChecking: 'no' });
    expect((await resolve({ [USER]: 'AddKeysToAgent confirm\n' }, 'h')).addKeysToAgent).toEqual({ mode: 'confirm' });
    expect((await resolve({ [USER]: 'ForwardAgent $SSH_AUTH_SOCK\n' }, 'h')).forwardAgent).toBe('$SSH_AUTH_SOCK');
    expect((await resolve({ [USER]: 'ForwardAgent ${HOME}/agent_%u.sock\n' }, 'h')).forwardAgent).toBe(`${HOME}/agent_alice.sock`);
    await expect(resolve({ [USER]: 'AddKeysToAgent confirm soon\n' }, 'h')).rejects.toBeInstanceOf(ConfigError);
    await expect(resolve({ [USER]: 'AddKeysToAgent yes 5m\n' }, 'h')).rejects.toBeInstanceOf(ConfigError);
  });

  test('algorithm lists are kept as written, prefixes included', async () => {
    const r = await resolve({ [USER]: 'Ciphers +aes128-cbc\nMACs -hmac-sha1*\nKexAlgorithms ^curve25519-sha256\nHostKeyAlgorithms ssh-ed25519\n' }, 'h');
    expect(r).toMatchObject({ ciphers: '+aes128-cbc', macs: '-hmac-sha1*', kexAlgorithms: '^curve25519-sha256', hostKeyAlgorithms: 'ssh-ed25519' });
    await expect(resolve({ [USER]: 'Ciphers a,,b\n' }, 'h')).rejects.toBeInstanceOf(ConfigError);
  });

  test('HostKeyAlias is lower-cased and is %k', async () => {
    const r = await resolve({ [USER]: 'HostKeyAlias MyAlias\nIdentityFile ~/%k\n' }, 'h');
    expect(r.hostKeyAlias).toBe('myalias');
    expect(r.identityFiles).toEqual([`${HOME}/myalias`]);
  });

  test('limits: at most 100 identity files', async () => {
    const lines = Array.from({ length: 101 }, (_, i) => `IdentityFile ~/k${i}`).join('\n');
    expect((await configError(resolve({ [USER]: lines }, 'h'))).line).toBe(101);
  });
});
