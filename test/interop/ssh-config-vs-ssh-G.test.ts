/**
 * hopssh's ssh_config resolution against OpenSSH's own: for config files
 * exercising Host patterns and negation, Match (host, originalhost, user,
 * localuser, all, final, canonical, negation), Include (globs, inside a Host
 * block, nested, a Match inside an include), first value wins, accumulating
 * options, ProxyJump chains whose hops have their own blocks, ProxyJump and
 * ProxyCommand precedence, `-o`/`-l`/`-p` precedence and every value form
 * hopssh resolves, `resolveConfig` agrees with `ssh -G -F file host` on each
 * option hopssh resolves (case and format normalised). Configurations
 * ssh refuses are refused by hopssh too.
 *
 * `ssh -G` prints IdentityFile, CertificateFile, ProxyCommand and ProxyJump
 * without expanding their tokens; those are compared after expanding ssh's
 * text with hopssh's expander — whose results are checked against ssh's own
 * expansion through UserKnownHostsFile and the socket paths of LocalForward
 * and RemoteForward, which ssh -G prints expanded.
 *
 * Last, the command-line specs: -J, -L, -R and -D given to `ssh -G` and to
 * hopssh's parsers give the same hops and forwardings, and the same refusals.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findSsh, requireOpenSSH, run } from '../helpers/openssh.ts';
import { nodeGlob } from '../jump/ssh-config-fs.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import { ConfigError, SpecError } from '../../src/jump/errors.ts';
import { parseDynamicForward, parseLocalForward, parseRemoteForward, type ForwardListen } from '../../src/jump/forward-spec.ts';
import { parseJumpSpec } from '../../src/jump/jump-spec.ts';
import { resolveConfig, type ConfigContext, type ResolvedConfig } from '../../src/jump/ssh-config.ts';
import { CLIENT_TOKENS, connectionHash, expandTilde, expandTokens, PROXY_TOKENS, type TokenValues } from '../../src/jump/tokens.ts';
import type { Endpoint } from '../../src/channel/forwarding-endpoint.ts';
import { resolveAlgorithms, SUPPORTED, type AlgorithmLists } from '../../src/transport/algorithms.ts';

const describeOpenSSH = requireOpenSSH();

const me = userInfo();
const LOCAL_HOST = hostname();

interface Scenario {
  /** Files relative to the scenario's directory; `@D@` in their text is that directory. The first is given to -F. */
  readonly files: Readonly<Record<string, string>>;
  /** Hosts to resolve: a name, or the name with ssh's -l/-p/-o. */
  readonly hosts: readonly (string | { host: string; user?: string; port?: number; options?: string[] })[];
}

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'host patterns and negation': {
    files: {
      config: `
# comment, then keywords in any case, = separators and quotes
Host *.example.com !bad.example.com
  User web
  Port 2201
HOST bad.example.com
  user=bad
Host ?est*  "quoted pattern" b
  HostName %h.test.net
  Port = 2202
Host c
  HostName 10.0.0.3
Host Mixed
  HostName MiXeD.Example.COM
Host *
  User fallback
  Port 2299
`,
    },
    hosts: ['web.example.com', 'bad.example.com', 'test1', 'xest', 'b', 'c', 'Mixed', 'mixed', 'other'],
  },
  'match criteria': {
    files: {
      config: `
Host alias
  HostName real.internal
Host adm
  User admin
  HostName box.internal
Match host *.internal user admin
  Port 2301
  IdentityFile ~/.ssh/admin_%h
Match originalhost alias
  User viaalias
Match !host *.internal !originalhost other*
  Port 2302
Match localuser ${me.username}
  SendEnv LOCAL_*
Match localuser nobody-at-all
  SendEnv NEVER
Match user bob,!carol
  Port 2303
Match all
  ServerAliveCountMax 7
`,
    },
    hosts: ['alias', 'adm', 'plain', 'other1', { host: 'plain', user: 'bob' }, { host: 'plain', user: 'carol' }],
  },
  'final pass': {
    files: {
      config: `
Host short
  HostName Long.Example.NET
Host fin
  HostName fin.example.net
  IdentityFile ~/.ssh/first_%h
  SendEnv FIRST
Match final host long.example.net
  User finaluser
Match !final
  ServerAliveInterval 11
Host long.example.net
  Port 2401
  HostName ignored.example.net
Match final
  IdentityFile ~/.ssh/final_%h
Host canon
  CanonicalizeHostname yes
Match canonical host canon
  User canonical
Match final all
  ConnectTimeout 9
`,
    },
    hosts: ['short', 'fin', 'long.example.net', 'canon', 'other'],
  },
  include: {
    files: {
      config: `
Include @D@/top.conf
Host inc-*
  Include @D@/conf.d/*.conf
Host inc-b
  Port 2502
Host nested
  Include @D@/nest1.conf
  User afterinclude
Host never-matches
  Include @D@/turns-on.conf
  User notapplied
Host *
  Include @D@/missing-*.conf @D@/also-missing.conf
  IdentityFile ~/.ssh/default_id
`,
      'top.conf': `
Host top
  Port 2500
`,
      'conf.d/10-a.conf': `
  User from10a
Match host inc-a
  Port 2501
`,
      'conf.d/20-b.conf': `
Host inc-b
  User from20b
`,
      'conf.d/.hidden.conf': `
  LogLevel DEBUG3
`,
      'conf.d/skip.txt': `
  Port 9
`,
      'nest1.conf': `
  Include @D@/nest2.conf
  Port 2503
`,
      'nest2.conf': `
Match all
  ServerAliveCountMax 9
Host no-such-host
  IdentityFile ~/.ssh/not_for_nested
`,
      'turns-on.conf': `
Host *
  Port 2504
Match all
  HostKeyAlias included-in-a-block-that-does-not-apply
`,
    },
    hosts: ['top', 'inc-a', 'inc-b', 'inc-c', 'nested', 'other'],
  },
  'first value wins and accumulating options': {
    files: {
      config: `
Host acc
  Port 2600
  Port 2601
  User first
  IdentityFile ~/.ssh/id_one
  IdentityFile ~/.ssh/id_two
  IdentityFile ~/.ssh/id_one
  CertificateFile ~/.ssh/cert_one
  LocalForward 8001 localhost:80
  LocalForward [::1]:8002 [2001:db8::1]:443
  LocalForward 127.0.0.1:8003 /run/remote_%r.sock
  LocalForward @D@/local_%h.sock db:5432
  LocalForward 8001 localhost:80
  RemoteForward 9001 localhost:22
  RemoteForward 9002
  RemoteForward *:9003 @D@/remote_%u.sock
  RemoteForward 0 h:1
  DynamicForward 1080
  DynamicForward localhost:1081
  SendEnv LANG LC_* XMODIFIERS
  SendEnv -LC_* EXTRA
  SetEnv A=1 "B=two words" A=3
  SetEnv C=ignored
  UserKnownHostsFile ~/kh_%h_%p_%r_%n_%u_%C_%L_%l_%i_%k_%d %%literal
  UserKnownHostsFile ~/ignored
  GlobalKnownHostsFile @D@/global1 @D@/global2
  HostKeyAlias ALIAS.Example
Host *
  Port 2699
  User second
  IdentityFile ~/.ssh/id_three
  CertificateFile ~/.ssh/cert_two
  LocalForward 8004 localhost:8080
  SendEnv LATE
Host noglobal
  GlobalKnownHostsFile none
  UserKnownHostsFile none
Host clear
  ClearAllForwardings yes
  LocalForward 7000 h:7
`,
    },
    hosts: ['acc', 'noglobal', 'clear', 'other'],
  },
  'proxyjump chains': {
    files: {
      config: `
Host target
  HostName target.internal
  User deploy
  ProxyJump j1,ops@j2:2222,ssh://u%40x@j3:2200
Host j1
  HostName jump1.example.com
  User j1user
  Port 2022
  IdentityFile ~/.ssh/j1_key
Host j2
  HostName 10.1.2.3
  IdentityFile ~/.ssh/j2_key
Host j3
  HostName jump3.example.com
Host v6
  ProxyJump [2001:db8::9]:2200,jumper@[::1]
Host pj-then-pc
  ProxyJump a
  ProxyCommand nc %h %p
Host pc-then-pj
  ProxyCommand ssh -W %h:%p -l %r gw # %n
  ProxyJump a
Host pcnone-then-pj
  ProxyCommand none
  ProxyJump a
Host pjnone-then-pc
  ProxyJump none
  ProxyCommand nc %h %p
Host pjnone-then-pj
  ProxyJump none
  ProxyJump b
Host tokens
  ProxyJump %h-jump,%r@gw
Host *
  ProxyJump fallback
`,
    },
    // Each hop as the chain resolves it: its own name, with the user and port the ProxyJump spec gives (ssh -l, -p).
    hosts: ['target', 'j1', { host: 'j2', user: 'ops', port: 2222 }, { host: 'j3', user: 'u@x', port: 2200 }, 'j2', 'j3', 'v6', 'pj-then-pc', 'pc-then-pj', 'pcnone-then-pj', 'pjnone-then-pc', 'pjnone-then-pj', 'tokens', 'other'],
  },
  'values of every resolved option': {
    files: {
      config: `
IgnoreUnknown NotAnOption*,Other
Host v1
  StrictHostKeyChecking accept-new
  HostKeyAlgorithms ssh-ed25519,rsa-sha2-256
  KexAlgorithms curve25519-sha256
  Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com
  MACs hmac-sha2-256-etm@openssh.com
  ConnectTimeout 1m30s
  ServerAliveInterval 5m
  ServerAliveCountMax 2
  ForwardAgent ~/agent_%u.sock
  HashKnownHosts yes
  CheckHostIP yes
  BatchMode no
  PreferredAuthentications publickey,password
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  PubkeyAuthentication host-bound
  NumberOfPasswordPrompts 1
  RequestTTY force
  LogLevel debug
  AddKeysToAgent confirm 5m
  IdentitiesOnly yes
Host v2
  StrictHostKeyChecking off
  Ciphers +aes128-gcm@openssh.com
  MACs -hmac-sha1*,umac-64*
  KexAlgorithms ^ecdh-sha2-nistp521
  HostKeyAlgorithms -ssh-rsa*
  ConnectTimeout none
  ConnectTimeout 10
  ForwardAgent yes
  PubkeyAuthentication unbound
  RequestTTY no
  LogLevel QUIET
  AddKeysToAgent 1h
  ChallengeResponseAuthentication no
  CanonicalizeHostname always
  ExitOnForwardFailure yes
Host v3
  StrictHostKeyChecking yes
  AddKeysToAgent ask
  PubkeyAuthentication no
  ForwardAgent $SSH_AUTH_SOCK
  NotAnOptionAtAll whatever
  BatchMode yes
  ServerAliveInterval 0
Host *
  IdentityFile ~/.ssh/id_any
`,
    },
    hosts: ['v1', 'v2', 'v3', 'plain'],
  },
  'command line precedence': {
    files: {
      config: `
Host cli
  User fileuser
  Port 2700
  IdentityFile ~/.ssh/file_key
  ProxyJump filejump
`,
    },
    hosts: [
      { host: 'cli', user: 'cliuser', port: 2799 },
      { host: 'cli', options: ['IdentityFile ~/.ssh/cli_key', 'ProxyJump=clijump:2222', 'LocalForward 5000 h:5'] },
      { host: 'cli', options: ['User=optuser', 'ProxyCommand none'] },
    ],
  },
};

/** Configurations ssh refuses: hopssh must refuse them too. */
const REFUSED: Readonly<Record<string, string>> = {
  'unknown keyword': 'Host x\n  NoSuchOption yes\n',
  'unknown keyword before IgnoreUnknown': 'NoSuchOption yes\nIgnoreUnknown NoSuch*\n',
  'bad port': 'Port 0\n',
  'bad flag': 'BatchMode maybe\n',
  'extra argument': 'User a b\n',
  'unclosed quote': 'User "abc\n',
  'no argument': 'HostName\n',
  'bad time': 'ConnectTimeout 5x\n',
  'bad ProxyJump': 'ProxyJump a,,b\n',
  'ProxyJump with a path': 'ProxyJump ssh://h/path\n',
  'bad LocalForward': 'LocalForward 8080\n',
  'bad Match attribute': 'Match nosuch x\n',
  'Match all combined': 'Match all host x\n',
  'Match without criteria argument': 'Match host\n',
  'none not alone': 'UserKnownHostsFile none ~/x\n',
  'SetEnv without =': 'SetEnv FOO\n',
  'SendEnv with =': 'SendEnv A=b\n',
  'bad option in a block that does not apply': 'Host nomatch\n  StrictHostKeyChecking sometimes\n',
  'IgnoreUnknown of a block that does not apply': 'Host nomatch\n  IgnoreUnknown Foo\nHost *\n  Foo bar\n',
};

// ------------------------------------------------------------------ helpers

/** `ssh -G` output: keyword → its lines' values, in order. */
function parseDump(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const key = line.slice(0, sp).toLowerCase();
    out.set(key, [...(out.get(key) ?? []), line.slice(sp + 1)]);
  }
  return out;
}

/** ssh -G's way of printing a flag and the multi-state options. */
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const trueFalse = (s: string) => (s === 'yes' ? 'true' : s === 'no' ? 'false' : s);

function formatListen(l: ForwardListen): string {
  return 'path' in l ? l.path : l.bindAddress === undefined ? String(l.port) : `[${l.bindAddress}]:${l.port}`;
}

function formatTarget(t: Endpoint | undefined): string {
  return t === undefined ? '[socks]:0' : 'path' in t ? t.path : `[${t.host}]:${t.port}`;
}

function formatAddKeys(r: ResolvedConfig): string {
  const a = r.addKeysToAgent;
  if (a.lifetime === undefined || a.lifetime === 0) return trueFalse(a.mode);
  return a.mode === 'confirm' ? `confirm ${a.lifetime}` : String(a.lifetime);
}

const ALGORITHMS: readonly [string, keyof ResolvedConfig, keyof AlgorithmLists][] = [
  ['ciphers', 'ciphers', 'cipher'],
  ['macs', 'macs', 'mac'],
  ['kexalgorithms', 'kexAlgorithms', 'kex'],
  ['hostkeyalgorithms', 'hostKeyAlgorithms', 'hostKey'],
];

interface Run {
  readonly dump: Map<string, string[]>;
  readonly hostArg: string;
}

/** Every disagreement between ssh -G and the resolved config, as "option: ssh … / hopssh …". */
function disagreements(ssh: Run, r: ResolvedConfig, baseline: Map<string, string[]>): string[] {
  const out: string[] = [];
  const d = ssh.dump;
  const one = (k: string) => d.get(k)?.[0];
  const all = (k: string) => d.get(k) ?? [];
  const same = (what: string, theirs: unknown, ours: unknown) => {
    if (JSON.stringify(theirs) !== JSON.stringify(ours)) out.push(`${what}: ssh ${JSON.stringify(theirs)} / hopssh ${JSON.stringify(ours)}`);
  };
  same('user', one('user'), r.user);
  same('hostname', one('hostname'), r.hostName);
  same('port', one('port'), String(r.port));

  // Tokens of the raw values ssh prints, from what it resolved.
  const port = one('port')!;
  const user = one('user')!;
  const host = one('hostname')!;
  const values: TokenValues = {
    C: connectionHash(LOCAL_HOST, host, port, user),
    d: me.homedir,
    h: host,
    i: String(me.uid),
    k: one('hostkeyalias') ?? ssh.hostArg,
    L: LOCAL_HOST.split('.')[0]!,
    l: LOCAL_HOST,
    n: ssh.hostArg,
    p: port,
    r: user,
    u: me.username,
  };
  const expandFile = (s: string) => expandTokens(expandTilde(s, me.homedir), values, CLIENT_TOKENS, { env: process.env });
  // OpenSSH 9.2 still lists the XMSS key among the defaults; hopssh does not load XMSS keys.
  same('identityfile', all('identityfile').filter((f) => f !== '~/.ssh/id_xmss').map(expandFile), r.identityFiles);
  same('certificatefile', all('certificatefile').map(expandFile), r.certificateFiles);
  // ssh -G prints `none` as it was written.
  const files = (k: string) => all(k).filter((v) => v !== 'none');
  same('userknownhostsfile', files('userknownhostsfile'), r.userKnownHostsFiles.length === 0 ? [] : [r.userKnownHostsFiles.join(' ')]);
  same('globalknownhostsfile', files('globalknownhostsfile'), r.globalKnownHostsFiles.length === 0 ? [] : [r.globalKnownHostsFiles.join(' ')]);
  same('stricthostkeychecking', one('stricthostkeychecking'), trueFalse(r.strictHostKeyChecking));
  for (const [key, field, category] of ALGORITHMS) {
    const spec = r[field] as string | undefined;
    const supported = (list: string | undefined) => (list ?? '').split(',').filter((a) => SUPPORTED[category].includes(a));
    if (spec === undefined) same(key, one(key), baseline.get(key)?.[0]);
    else if (/^[+\-^]/.test(spec)) same(key, supported(one(key)), resolveAlgorithms(category, spec, supported(baseline.get(key)?.[0])));
    else same(key, one(key), spec);
  }
  same('connecttimeout', one('connecttimeout'), r.connectTimeout === undefined ? 'none' : String(r.connectTimeout));
  same('serveraliveinterval', one('serveraliveinterval'), String(r.serverAliveInterval));
  same('serveralivecountmax', one('serveralivecountmax'), String(r.serverAliveCountMax));
  same('forwardagent', one('forwardagent'), typeof r.forwardAgent === 'boolean' ? yesNo(r.forwardAgent) : r.forwardAgent);
  same('localforward', all('localforward'), r.localForwards.map((f) => `${formatListen(f.listen)} ${formatTarget(f.to)}`));
  same('remoteforward', all('remoteforward'), r.remoteForwards.map((f) => `${formatListen(f.listen)} ${formatTarget(f.to)}`));
  // ssh keeps dynamic forwards in its local list and prints under dynamicforward every local one without a target host: drop those.
  const localToSocket = r.localForwards.filter((f) => 'path' in f.to).map((f) => formatListen(f.listen));
  same('dynamicforward', all('dynamicforward').filter((l) => !localToSocket.includes(l)), r.dynamicForwards.map((f) => formatListen(f.listen)));
  same('hostkeyalias', one('hostkeyalias'), r.hostKeyAlias);
  same('hashknownhosts', one('hashknownhosts'), yesNo(r.hashKnownHosts));
  same('checkhostip', one('checkhostip'), yesNo(r.checkHostIP));
  same('batchmode', one('batchmode'), yesNo(r.batchMode));
  same('identitiesonly', one('identitiesonly'), yesNo(r.identitiesOnly));
  same('preferredauthentications', one('preferredauthentications') ?? 'gssapi-with-mic,hostbased,publickey,keyboard-interactive,password', r.preferredAuthentications.join(','));
  same('passwordauthentication', one('passwordauthentication'), yesNo(r.passwordAuthentication));
  same('kbdinteractiveauthentication', one('kbdinteractiveauthentication'), yesNo(r.kbdInteractiveAuthentication));
  same('pubkeyauthentication', one('pubkeyauthentication'), trueFalse(r.pubkeyAuthentication));
  same('numberofpasswordprompts', one('numberofpasswordprompts'), String(r.numberOfPasswordPrompts));
  same('requesttty', one('requesttty'), trueFalse(r.requestTTY));
  same('sendenv', all('sendenv'), r.sendEnv);
  same('setenv', all('setenv'), r.setEnv.map((e) => `${e.name}=${e.value}`));
  // ssh prints QUIET as SILENT and DEBUG1 as DEBUG (ssh_config(5): the same levels).
  same('loglevel', ({ SILENT: 'QUIET', DEBUG: 'DEBUG1' } as Record<string, string>)[one('loglevel')!] ?? one('loglevel'), r.logLevel);
  same('addkeystoagent', one('addkeystoagent'), formatAddKeys(r));
  same('exitonforwardfailure', one('exitonforwardfailure'), yesNo(r.exitOnForwardFailure));
  same('clearallforwardings', one('clearallforwardings'), yesNo(r.clearAllForwardings));
  same('canonicalizehostname', one('canonicalizehostname'), trueFalse(r.canonicalizeHostname));
  const proxyValues: TokenValues = { h: host, n: ssh.hostArg, p: port, r: user };
  const theirJump = one('proxyjump');
  same(
    'proxyjump',
    theirJump === undefined ? [] : parseJumpSpec(theirJump).map((h) => ({ ...h, host: expandTokens(h.host, proxyValues, PROXY_TOKENS), ...(h.user !== undefined && { user: expandTokens(h.user, proxyValues, PROXY_TOKENS) }) })),
    r.proxyJump,
  );
  const theirCommand = one('proxycommand');
  same('proxycommand', theirCommand === undefined ? undefined : expandTokens(theirCommand, proxyValues, PROXY_TOKENS), r.proxyCommand);
  return out;
}

// -------------------------------------------------------------------- tests

describeOpenSSH('ssh_config: hopssh resolveConfig vs ssh -G', () => {
  let dir: string;
  let baseline: Map<string, string[]>;

  const ctxFor = (configFile: string): ConfigContext => ({
    fs: nodeFileSystem,
    glob: nodeGlob,
    localUser: me.username,
    home: me.homedir,
    localHostName: LOCAL_HOST,
    uid: me.uid,
    env: process.env,
    configFile,
  });

  const sshG = async (configFile: string, args: readonly string[]) => {
    const r = await run([findSsh(), '-G', '-F', configFile, ...args], { timeoutMs: 15_000 });
    return { code: r.code, dump: parseDump(r.stdout), stderr: r.stderr };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-sshG-'));
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const sdir = join(dir, name.replace(/\W+/g, '-'));
      for (const [file, text] of Object.entries(scenario.files)) {
        await mkdir(dirname(join(sdir, file)), { recursive: true });
        await writeFile(join(sdir, file), text.replaceAll('@D@', sdir), { mode: 0o644 });
      }
    }
    await writeFile(join(dir, 'empty'), '');
    baseline = (await sshG(join(dir, 'empty'), ['x'])).dump;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases = Object.entries(SCENARIOS).flatMap(([name, s]) => s.hosts.map((h) => ({ name, h: typeof h === 'string' ? { host: h } : h })));
  test.each(cases)('$name: $h.host $h.user $h.port $h.options', async ({ name, h }) => {
    const configFile = join(dir, name.replace(/\W+/g, '-'), Object.keys(SCENARIOS[name]!.files)[0]!);
    const args = [...(h.user ? ['-l', h.user] : []), ...(h.port ? ['-p', String(h.port)] : []), ...(h.options ?? []).flatMap((o) => ['-o', o]), h.host];
    const ssh = await sshG(configFile, args);
    expect(ssh.code, ssh.stderr).toBe(0);
    const ours = await resolveConfig(h.host, ctxFor(configFile), { ...(h.user && { user: h.user }), ...(h.port && { port: h.port }), ...(h.options && { options: h.options }) });
    expect(disagreements({ dump: ssh.dump, hostArg: h.host }, ours, baseline)).toEqual([]);
  });

  test.each(Object.entries(REFUSED))('both refuse: %s', async (name, text) => {
    const file = join(dir, `refused-${name.replace(/\W+/g, '-')}`);
    await writeFile(file, text);
    const ssh = await sshG(file, ['x']);
    expect(ssh.code, `ssh accepted ${JSON.stringify(text)}`).toBe(255);
    await expect(resolveConfig('x', ctxFor(file))).rejects.toBeInstanceOf(ConfigError);
  });

  test('the token expansions ssh prints expanded agree with hopssh’s (UserKnownHostsFile, forward socket paths)', async () => {
    const configFile = join(dir, 'first-value-wins-and-accumulating-options', 'config');
    const ssh = await sshG(configFile, ['acc']);
    const ours = await resolveConfig('acc', ctxFor(configFile));
    const files = ours.userKnownHostsFiles;
    expect(files[0]).toMatch(new RegExp(`^${me.homedir}/kh_acc_2600_first_acc_${me.username}_[0-9a-f]{40}_`));
    expect(files[1]).toBe('%literal');
    expect(ssh.dump.get('userknownhostsfile')).toEqual([files.join(' ')]);
    expect(ours.localForwards.some((f) => 'path' in f.listen && f.listen.path.endsWith('/local_acc.sock'))).toBe(true);
  });
});

/** Command-line specs given to ssh -G and to hopssh's parsers; ssh's refusals must be hopssh's too. */
const SPECS: readonly (readonly [flag: '-J' | '-L' | '-R' | '-D', spec: string])[] = [
  ['-J', 'jump'],
  ['-J', 'alice@jump:2222,bob@[2001:db8::1]:22,ssh://carol@third:2200'],
  ['-J', 'a;b'],
  ['-J', 'a,,b'],
  ['-J', 'host:0'],
  ['-J', '@host'],
  ['-J', 'ssh://h/path'],
  ['-L', '8080:localhost:80'],
  ['-L', '*:8080:[2001:db8::5]:443'],
  ['-L', ':8080:db:5432'],
  ['-L', '8080:/run/remote.sock'],
  ['-L', '/tmp/local.sock:db:5432'],
  ['-L', '/tmp/local.sock:/run/remote.sock'],
  ['-L', '[/tmp/with:colon.sock]:db:1'],
  ['-L', '0:h:80'],
  ['-L', '8080:h'],
  ['-L', '8080'],
  ['-R', '9000:localhost:22'],
  ['-R', '0:localhost:22'],
  ['-R', '9000'],
  ['-R', '[::]:9000'],
  ['-R', '/run/remote.sock:/run/local.sock'],
  ['-R', '9000:h'],
  ['-D', '1080'],
  ['-D', 'localhost:1080'],
  ['-D', '[::1]:1080'],
  ['-D', '0'],
  ['-D', 'a:b:c'],
];

describeOpenSSH('command-line specs: hopssh parsers vs ssh -G', () => {
  test.each(SPECS)('%s %s', async (flag, spec) => {
    const r = await run([findSsh(), '-G', '-F', 'none', flag, spec, 'x'], { timeoutMs: 15_000 });
    const dump = parseDump(r.stdout);
    const ours = (() => {
      try {
        if (flag === '-J') return parseJumpSpec(spec, { strict: true });
        if (flag === '-L') return [parseLocalForward(spec)].map((f) => `${formatListen(f.listen)} ${formatTarget(f.to)}`);
        if (flag === '-R') return [parseRemoteForward(spec)].map((f) => `${formatListen(f.listen)} ${formatTarget(f.to)}`);
        return [formatListen(parseDynamicForward(spec).listen)];
      } catch (e) {
        if (e instanceof SpecError) return undefined;
        throw e;
      }
    })();
    if (r.code !== 0) {
      expect(ours, `ssh refused ${flag} ${spec}: ${r.stderr}`).toBeUndefined();
      return;
    }
    const key = { '-J': 'proxyjump', '-L': 'localforward', '-R': 'remoteforward', '-D': 'dynamicforward' }[flag];
    const theirs = flag === '-J' ? parseJumpSpec(dump.get(key)![0]!) : dump.get(key);
    expect(ours).toEqual(theirs);
  });
});
