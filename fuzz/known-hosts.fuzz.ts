/**
 * Fuzzing known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): the parser,
 * lookups, removal (ssh-keygen -R), algorithm ordering and the verifier on
 * arbitrary text. Parsing and lookups never throw; the verifier accepts or
 * throws HostKeyError, nothing else.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { findKnownHosts, hashHostName, knownHostsName, parseKnownHosts, removeKnownHost } from '../src/auth/known-hosts.ts';
import { checkHostKey, hostKeyAlgorithmsFor, knownHostsVerifier, type StrictHostKeyChecking } from '../src/auth/host-key-policy.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../src/crypto/fingerprint.ts';
import { HostKeyError } from '../src/transport/errors.ts';
import { CLIENT_DEFAULTS } from '../src/transport/algorithms.ts';
import { toBase64 } from '../src/wire/base64.ts';
import { Writer } from '../src/wire/writer.ts';
import { MemoryFileSystem } from '../test/helpers/memory-file-system.ts';
import { check, checkAsync, ensure, outcome, outcomeAsync, printStats, stat, timeoutFor } from './fuzz-config.ts';

/** The result of a target that must not throw at all (any throw fails the property with the input). */
function never<T>(f: () => T, what: string): T {
  const o = outcome([], f, what);
  ensure(o.ok, `${what} threw`);
  return o.value;
}

afterAll(() => printStats());

const KEYS = [generateSigningKey('ssh-ed25519'), generateSigningKey('ssh-ed25519'), generateSigningKey('ecdsa-sha2-nistp256')];
const NAMES = ['h', 'h.example', '[h]:2222', '10.0.0.1', '[10.0.0.1]:2222', 'x.wild.com', 'bad.wild.com', ''];

// ------------------------------------------------------------------ inputs

const hostFieldArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('h', '[h]:2222', 'h.example', '10.0.0.1', '[10.0.0.1]:2222', '*') },
  fc.constantFrom(...NAMES.filter((n) => n !== ''), '*', '*.wild.com,!bad.wild.com', '!h', 'h,[h]:2222', 'H.Example', '[h]:*', '10.0.0.?', ',', '|', '|1|', '|1||'),
  fc.constantFrom(...NAMES).map((n) => hashHostName(n)),
  fc.string({ maxLength: 12 }),
);

const keyFieldsArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS).map((k) => `${k.type} ${toBase64(k.publicBlob)}`) },
  fc.constantFrom(...KEYS).map((k) => `ssh-rsa ${toBase64(k.publicBlob)}`), // type mismatch
  fc.tuple(fc.constantFrom('ssh-ed25519', 'ssh-dss', 'sk-ssh-ed25519@openssh.com', 'ssh-ed25519-cert-v01@openssh.com'), fc.uint8Array({ maxLength: 40 })).map(
    ([t, b]) => `${t} ${toBase64(new Writer(64).string(t).raw(b).bytes())}`,
  ),
  fc.tuple(fc.string({ maxLength: 8 }), fc.base64String({ maxLength: 24 })).map(([t, b]) => `${t} ${b}`),
  fc.string({ maxLength: 16 }),
);

const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('', '', '@cert-authority ', '@revoked ', '@bogus ', ' \t'), hostFieldArb, keyFieldsArb, fc.constantFrom('', ' comment', '\r')).map((p) => `${p[0]}${p[1]} ${p[2]}${p[3]}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ', '\r', '@revoked', '@cert-authority *') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const fileArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.array(lineArb, { maxLength: 12 }).map((ls) => ls.join('\n')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
);

const nameArb: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 }));

// ------------------------------------------------------------- properties

describe('known_hosts fuzz', () => {
  test(
    'parse: never throws; entries and problems on distinct lines within the file; each entry re-parses alone',
    () => {
      check(
        fc.property(fileArb, (text) => {
          const f = never(() => parseKnownHosts(text, 'f'), 'parseKnownHosts');
          const lineCount = text.split('\n').length;
          const lines = [...f.entries.map((e) => e.line), ...f.problems.map((p) => p.line)];
          ensure(new Set(lines).size === lines.length, 'two results for one line');
          ensure(lines.every((l) => l >= 1 && l <= lineCount), 'line number out of range');
          for (const e of f.entries) {
            const again = parseKnownHosts(text.split('\n')[e.line - 1]!).entries;
            ensure(again.length === 1 && again[0]!.hosts === e.hosts && again[0]!.keyType === e.keyType, `line ${e.line} does not re-parse`);
          }
          stat('parse', f.entries.length > 0 ? (f.problems.length > 0 ? 'entries+problems' : 'entries') : f.problems.length > 0 ? 'problems' : 'empty');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'lookup and removal: never throw; removal takes exactly the unmarked matching lines and is idempotent',
    () => {
      check(
        fc.property(fileArb, nameArb, (text, name) => {
          const { entries } = parseKnownHosts(text);
          const found = never(() => findKnownHosts(entries, name), 'findKnownHosts');
          const expected = found.filter((e) => e.marker === undefined).map((e) => e.line);
          const r = never(() => removeKnownHost(text, name), 'removeKnownHost');
          ensure(JSON.stringify(r.removed) === JSON.stringify(expected), () => `removed ${r.removed} but matching unmarked lines are ${expected}`);
          ensure(removeKnownHost(r.text, name).removed.length === 0, 'a second removal removed more');
          ensure(parseKnownHosts(r.text).entries.length === entries.length - r.removed.length, 'removal changed other entries');
          for (const k of KEYS) never(() => checkHostKey(entries, name, k.publicBlob), 'checkHostKey');
          stat('lookup', found.length > 0 ? 'found' : 'not found');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'hostKeyAlgorithmsFor: a permutation of the defaults',
    () => {
      check(
        fc.property(fileArb, fc.constantFrom('h', 'h.example', '10.0.0.1'), fc.constantFrom(22, 2222), (text, host, port) => {
          const { entries } = parseKnownHosts(text);
          const order = never(() => hostKeyAlgorithmsFor(entries, host, port, CLIENT_DEFAULTS.hostKey), 'hostKeyAlgorithmsFor');
          ensure(order.length === CLIENT_DEFAULTS.hostKey.length && [...order].sort().join() === [...CLIENT_DEFAULTS.hostKey].sort().join(), `not a permutation: ${order}`);
          stat('order', order[0] === CLIENT_DEFAULTS.hostKey[0] ? 'as is' : 'reordered');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'verifier: accepts or throws HostKeyError for any files, names and offered key',
    async () => {
      await checkAsync(
        fc.asyncProperty(
          fileArb,
          fileArb,
          fc.constantFrom<StrictHostKeyChecking>('yes', 'accept-new', 'no', 'off'),
          fc.constantFrom('h', 'H.example', '10.0.0.1'),
          fc.constantFrom(22, 2222),
          fc.option(fc.constantFrom('10.0.0.1', '192.0.2.1', '::1'), { nil: undefined }),
          fc.boolean(),
          fc.constantFrom(...KEYS),
          async (user, global, strict, host, port, checkHostIp, hash, key) => {
            const fs = new MemoryFileSystem({ '/u/kh': user, '/g/kh': global });
            const verify = knownHostsVerifier({ fs, files: ['/u/kh'], globalFiles: ['/g/kh'], host, port, strict, hashKnownHosts: hash, ...(checkHostIp ? { checkHostIp } : {}) });
            const info = { algorithm: key.type, publicKey: key.publicBlob, fingerprint: fingerprintSha256(key.publicBlob) };
            const r = await outcomeAsync([HostKeyError], async () => verify(info));
            ensure(!r.ok || r.value === true, 'the verifier returned something other than true');
            if (r.ok && strict !== 'yes') {
              // Whatever was accepted is now known (or the host was known under another key and 'no' let it through).
              const after = parseKnownHosts(fs.text('/u/kh')! + '\n' + global).entries;
              const st = checkHostKey(after, knownHostsName(host, port), key.publicBlob).status;
              ensure(st === 'known' || st === 'changed', `accepted but ${st} afterwards`);
            }
            stat('verify', r.ok ? 'accepted' : 'refused');
          },
        ),
        0.5,
      );
    },
    timeoutFor(0.5),
  );
});
