/**
 * Fuzzing ssh_config (ssh_config(5)): the lexer and resolveConfig on
 * arbitrary text and on generated configurations — keywords with good and
 * bad values, Host/Match blocks, Includes between in-memory files that glob
 * each other and loop. Every input gives a ResolvedConfig or a ConfigError,
 * within the time budget (include loops and wide globs included); the same
 * input resolves the same way twice; results respect ssh's limits.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '../src/jump/errors.ts';
import { lexConfigText } from '../src/jump/ssh-config-lexer.ts';
import { resolveConfig, type ResolvedConfig } from '../src/jump/ssh-config.ts';
import { MemoryFileSystem } from '../test/helpers/memory-file-system.ts';
import { memoryGlob } from '../test/jump/ssh-config-fs.ts';
import { check, checkAsync, ensure, outcome, outcomeAsync, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const HOME = '/home/u';
const DIR = `${HOME}/.ssh`;
const FILES = ['config', 'a.conf', 'b.conf', 'd/1.conf', 'd/2.conf'];

// ------------------------------------------------------------------ inputs

const wordArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('h', 'web.example.com', 'j1', 'alice', '22', '2222', '0', 'yes', 'no', 'none', 'ask', 'accept-new', '*', '!h', '%h', '%r', '%x', '~/.ssh/id', '${HOME}/k', '${NOPE}') },
  { weight: 1, arbitrary: fc.constantFrom('"quoted value"', "'single'", '"unclosed', 'a\\ b', '#comment', '8080:localhost:80', '[::1]:1080', '/tmp/s.sock', 'u@j:2222,ssh://v@k', '+aes128-ctr', '1h30m') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const KEYWORDS = [
  'HostName', 'User', 'Port', 'IdentityFile', 'CertificateFile', 'IdentitiesOnly', 'ProxyJump', 'ProxyCommand', 'UserKnownHostsFile',
  'GlobalKnownHostsFile', 'StrictHostKeyChecking', 'Ciphers', 'MACs', 'KexAlgorithms', 'HostKeyAlgorithms', 'ConnectTimeout',
  'ServerAliveInterval', 'ServerAliveCountMax', 'ForwardAgent', 'LocalForward', 'RemoteForward', 'DynamicForward', 'HostKeyAlias',
  'HashKnownHosts', 'CheckHostIP', 'BatchMode', 'PreferredAuthentications', 'PasswordAuthentication', 'PubkeyAuthentication',
  'NumberOfPasswordPrompts', 'RequestTTY', 'SendEnv', 'SetEnv', 'LogLevel', 'AddKeysToAgent', 'ExitOnForwardFailure',
  'ClearAllForwardings', 'IgnoreUnknown', 'CanonicalizeHostname', 'Compression', 'NoSuchKeyword',
];

const matchArb = fc
  .array(fc.tuple(fc.constantFrom('', '!'), fc.constantFrom('host', 'originalhost', 'user', 'localuser', 'exec', 'final', 'canonical', 'all', 'bogus'), wordArb), { maxLength: 3 })
  .map((cs) => `Match ${cs.map(([neg, attr, arg]) => (attr === 'final' || attr === 'canonical' || attr === 'all' ? `${neg}${attr}` : `${neg}${attr} ${arg}`)).join(' ')}`);

const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...KEYWORDS), fc.constantFrom(' ', '=', ' = ', '\t'), fc.array(wordArb, { minLength: 0, maxLength: 3 })).map(([k, sep, a]) => `  ${k}${sep}${a.join(' ')}`) },
  { weight: 2, arbitrary: fc.array(wordArb, { minLength: 1, maxLength: 3 }).map((ps) => `Host ${ps.join(' ')}`) },
  { weight: 2, arbitrary: matchArb },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...FILES, '*.conf', 'd/*', '*', '/abs/missing', '~/x', ''), { minLength: 1, maxLength: 2 }).map((fs) => `Include ${fs.join(' ')}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ', 'Host', 'Match', 'Include') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

const fileTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(lineArb, { maxLength: 14 }).map((ls) => ls.join('\n')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
);

const treeArb = fc.tuple(...FILES.map(() => fc.option(fileTextArb, { nil: undefined })));

const hostArb = fc.constantFrom('h', 'web.example.com', 'H', 'j1', '10.0.0.1', 'x');

// ------------------------------------------------------------- properties

function invariants(r: ResolvedConfig): void {
  ensure(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535, `port ${r.port}`);
  ensure(r.user.length > 0 && r.hostName.length > 0, 'empty user or host name');
  ensure(r.identityFiles.length >= 1 && r.identityFiles.length <= 100, `${r.identityFiles.length} identity files`);
  ensure(r.certificateFiles.length <= 100, 'too many certificate files');
  ensure(r.userKnownHostsFiles.length <= 32 && r.globalKnownHostsFiles.length <= 32, 'too many known_hosts files');
  ensure(!(r.proxyJump.length > 0 && r.proxyCommand !== undefined), 'both ProxyJump and ProxyCommand');
  ensure(!r.clearAllForwardings || r.localForwards.length + r.remoteForwards.length + r.dynamicForwards.length === 0, 'forwards left after ClearAllForwardings');
}

describe('ssh_config fuzz', () => {
  test(
    'lexer: lines or ConfigError; keywords lower-case, never a comment',
    () => {
      check(
        fc.property(fc.oneof(fileTextArb, fc.string({ maxLength: 400 })), (text) => {
          const o = outcome([ConfigError], () => lexConfigText(text, 'f'), 'lexConfigText');
          stat('lex', o.ok ? 'lines' : 'ConfigError');
          if (!o.ok) return;
          for (const l of o.value) {
            ensure(l.keyword !== '' && !l.keyword.startsWith('#') && l.keyword === l.keyword.toLowerCase(), `keyword ${JSON.stringify(l.keyword)}`);
            ensure(l.rest !== '', 'a line without arguments was accepted');
          }
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'resolveConfig over included, globbing, looping files: a ResolvedConfig or a ConfigError, in bounded time, deterministic',
    async () => {
      await checkAsync(
        fc.asyncProperty(treeArb, hostArb, fc.boolean(), async (texts, host, withExec) => {
          const files: Record<string, string> = {};
          texts.forEach((t, i) => {
            if (t !== undefined) files[`${DIR}/${FILES[i]}`] = t;
          });
          const fs = new MemoryFileSystem(files, HOME);
          const ctx = {
            fs,
            glob: memoryGlob(fs),
            localUser: 'u',
            home: HOME,
            localHostName: 'local.lan',
            uid: 1000,
            env: { HOME },
            systemConfigFile: null,
            ...(withExec && { exec: (cmd: string) => cmd.length % 2 === 0 }),
          };
          const first = await outcomeAsync([ConfigError], () => resolveConfig(host, ctx), 'resolveConfig');
          stat('resolve', first.ok ? 'config' : `ConfigError ${first.error.message.replace(/^.*?: /, '').slice(0, 30)}`);
          const second = await outcomeAsync([ConfigError], () => resolveConfig(host, ctx), 'resolveConfig again');
          const show = (x: typeof first) => (x.ok ? JSON.stringify(x.value, (_k, v) => (v instanceof Map ? [...v] : v)) : x.error.message);
          ensure(show(first) === show(second), () => `not deterministic:\n${show(first)}\n${show(second)}`);
          if (first.ok) invariants(first.value);
        }),
        0.5,
        50,
      );
    },
    timeoutFor(0.5, 50),
  );

  test(
    'include fan-out: every file globbing every file stops at the loop check and the file cap, within the budget',
    async () => {
      await checkAsync(
        fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.constantFrom('Include *.conf', 'Include *.conf *.conf', 'Host *\n  Include *.conf'), async (n, line) => {
          const files: Record<string, string> = {};
          for (let i = 0; i < n; i++) files[`${DIR}/${i}.conf`] = `${line}\nSendEnv V${i}\n`;
          files[`${DIR}/config`] = 'Include 0.conf\n';
          const fs = new MemoryFileSystem(files, HOME);
          const r = await outcomeAsync([ConfigError], () => resolveConfig('h', { fs, glob: memoryGlob(fs), localUser: 'u', home: HOME, localHostName: 'l', systemConfigFile: null }), 'resolveConfig');
          ensure(!r.ok, 'an include loop was not reported');
          ensure(/Include loop|files read/.test(r.error.message), r.error.message);
        }),
        0.1,
        200,
      );
    },
    timeoutFor(0.1, 200),
  );
});
