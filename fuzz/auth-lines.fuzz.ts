/**
 * Fuzzing the line formats of the auth layer: public key lines, authorized_keys
 * (sshd(8) "AUTHORIZED_KEYS FILE FORMAT") and OpenSSH patterns. Parsers give
 * a result or a KeyParseError naming the line; generated option lists parse
 * back to what was written (quoting included); matching never throws; the
 * pattern matchers agree with independent oracles (a regular expression for
 * `*`/`?`, node's net.isIP and BlockList for addresses and CIDR).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { formatPublicKeyLine, parsePublicKeyLine } from '../src/auth/public-key-line.ts';
import { matchAuthorizedKeys, parseAuthorizedKeys, type AuthorizedKey } from '../src/auth/authorized-keys.ts';
import { addressInNetwork, matchAddressList, matchCidrList, matchHostAndAddress, matchPattern, matchPatternList, parseCidr, parseIpAddress } from '../src/auth/patterns.ts';
import { KeyParseError, PatternError } from '../src/auth/errors.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { toBase64 } from '../src/wire/base64.ts';
import { Writer } from '../src/wire/writer.ts';
import { signTestCertificate } from '../test/helpers/test-certificates.ts';
import { check, ensure, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

const KEYS = [generateSigningKey('ssh-ed25519'), generateSigningKey('ecdsa-sha2-nistp256'), generateSigningKey('ecdsa-sha2-nistp521')];
const CA = generateSigningKey('ssh-ed25519');
const keyField = (k: { type: string; publicBlob: Uint8Array }) => `${k.type} ${toBase64(k.publicBlob)}`;

/** The result of a target that must not throw at all. */
function never<T>(f: () => T, what: string): T {
  const o = outcome([], f, what);
  ensure(o.ok, `${what} threw`);
  return o.value;
}

// ------------------------------------------------------------------ inputs

/** Option values: no line breaks, not ending in a backslash (sshd's quoting cannot hold that either). */
const valueArb = fc
  .string({ maxLength: 16, unit: fc.oneof(fc.constantFrom('"', '\\', ',', ' ', '\t', '=', '*', '!', ':', '/'), fc.string({ minLength: 1, maxLength: 1 })) })
  .filter((v) => !/[\r\n]/.test(v) && !v.endsWith('\\'));
const quote = (v: string) => `"${v.replace(/"/g, '\\"')}"`;

const FLAGS = ['restrict', 'cert-authority', 'port-forwarding', 'no-port-forwarding', 'agent-forwarding', 'no-agent-forwarding', 'x11-forwarding', 'no-x11-forwarding', 'pty', 'no-pty', 'user-rc', 'no-user-rc', 'no-touch-required', 'verify-required'];

type Opt = { flag: string } | { name: 'command' | 'from' | 'principals' | 'environment' | 'permitopen' | 'permitlisten' | 'expiry-time' | 'tunnel'; value: string };

const optArb: fc.Arbitrary<Opt> = fc.oneof(
  fc.constantFrom(...FLAGS).map((flag) => ({ flag })),
  fc.tuple(fc.constantFrom('command', 'from', 'principals') as fc.Arbitrary<'command' | 'from' | 'principals'>, valueArb).map(([name, value]) => ({ name, value })),
  fc.tuple(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/), valueArb).map(([n, v]) => ({ name: 'environment' as const, value: `${n}=${v}` })),
  fc.tuple(fc.constantFrom('permitopen', 'permitlisten') as fc.Arbitrary<'permitopen' | 'permitlisten'>, fc.constantFrom('host', '*', '[::1]', '10.0.0.1'), fc.constantFrom('22', '*', '65535')).map(([name, h, p]) => ({ name, value: `${h}:${p}` })),
  fc.constantFrom('20300101', '203001011200Z', '20300101120000UTC').map((value) => ({ name: 'expiry-time' as const, value })),
  fc.constantFrom('0', '7', 'any').map((value) => ({ name: 'tunnel' as const, value })),
);

/** Options with at most one command/from/principals (sshd refuses repeats), any case. */
const optionsArb = fc.array(optArb, { maxLength: 6 }).map((os) => {
  const seen = new Set<string>();
  return os.filter((o) => !('name' in o) || !['command', 'from', 'principals'].includes(o.name) || (!seen.has(o.name) && seen.add(o.name)));
});

const render = (os: readonly Opt[], upper: boolean) => os.map((o) => ('flag' in o ? o.flag : `${o.name}=${quote(o.value)}`)).map((s) => (upper ? s.replace(/^[a-z-]+/, (n) => n.toUpperCase()) : s)).join(',');

const keyFieldsArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS).map(keyField) },
  fc.constantFrom(...KEYS).map((k) => `ssh-rsa ${toBase64(k.publicBlob)}`),
  fc.constant(`ssh-ed25519-cert-v01@openssh.com ${toBase64(signTestCertificate(CA, KEYS[0]!.publicBlob))}`),
  fc.tuple(fc.constantFrom('ssh-ed25519', 'ssh-dss', 'sk-ssh-ed25519@openssh.com', 'ecdsa-sha2-nistp256'), fc.uint8Array({ maxLength: 40 })).map(([t, b]) => `${t} ${toBase64(new Writer(64).string(t).raw(b).bytes())}`),
  fc.tuple(fc.string({ maxLength: 8 }), fc.base64String({ maxLength: 24 })).map(([t, b]) => `${t} ${b}`),
  fc.string({ maxLength: 16 }),
);

const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom('', ' ', '\t '), optionsArb, fc.boolean(), keyFieldsArb, fc.constantFrom('', ' c', ' a b c', '\r')).map(([lead, os, up, k, c]) => `${lead}${os.length > 0 ? `${render(os, up)} ` : ''}${k}${c}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ', '\r', 'restrict', 'command="x', 'no-pty,', ',', '"') },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
);

const fileArb = fc.oneof({ weight: 5, arbitrary: fc.array(lineArb, { maxLength: 8 }).map((ls) => ls.join('\n')) }, { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) });

const addressArb = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4().map((a) => `::ffff:${a}`),
  fc.constantFrom('10.1.2.3', '192.0.2.10', '2001:db8::1', 'host.example.com', '', '::', '0.0.0.0'),
  fc.string({ maxLength: 12, unit: fc.constantFrom(...'0123456789abcdef.:/%'.split('')) }),
);

const patternUnit = fc.constantFrom('a', 'b', '.', '*', '?', '!', ',', '/', '1', '0', ':', 'A');

// ------------------------------------------------------------------ properties

describe('public key lines', () => {
  test('parsePublicKeyLine: a result that formats back to its key fields, or a KeyParseError', () => {
    check(
      fc.property(fc.oneof(keyFieldsArb, fc.string({ maxLength: 40 })), fc.constantFrom('', ' comment', '  two words ', '\r\n'), (fields, comment) => {
        const o = outcome([KeyParseError], () => parsePublicKeyLine(fields + comment, 'fuzz.pub'), 'parsePublicKeyLine');
        stat('parsePublicKeyLine', o.ok ? 'parsed' : o.error.constructor.name);
        if (!o.ok) {
          ensure(o.error.message.startsWith('fuzz.pub: '), 'the error names the line');
          return;
        }
        const again = parsePublicKeyLine(formatPublicKeyLine(o.value.blob, o.value.comment));
        ensure(again.type === o.value.type && again.comment === o.value.comment && toBase64(again.blob) === toBase64(o.value.blob), 'round trip');
      }),
    );
  });
});

describe('authorized_keys', () => {
  test(
    'parseAuthorizedKeys: entries, or a KeyParseError naming its line; with onInvalidLine, never a throw',
    () => {
      check(
        fc.property(fileArb, (text) => {
          const o = outcome([KeyParseError], () => parseAuthorizedKeys(text, { source: 'ak' }), 'parseAuthorizedKeys');
          stat('parseAuthorizedKeys', o.ok ? `${Math.min(o.value.length, 3)} entries` : o.error.message.replace(/^ak line \d+: /, '').replace(/".*"/, '"…"').slice(0, 40));
          if (!o.ok) ensure(/^ak line \d+: /.test(o.error.message), 'the error names the line');
          const bad: KeyParseError[] = [];
          const lenient = never(() => parseAuthorizedKeys(text, { source: 'ak', onInvalidLine: (e) => bad.push(e) }), 'lenient parse');
          if (o.ok) ensure(bad.length === 0 && lenient.length === o.value.length, 'same entries when nothing is invalid');
          else ensure(bad.length > 0, 'the invalid line was reported');
        }),
        1,
        30,
      );
    },
    timeoutFor(1, 30),
  );

  test('generated option lists parse back to what was written', () => {
    check(
      fc.property(optionsArb.filter((os) => os.length > 0), fc.boolean(), fc.constantFrom(...KEYS), (os, upper, key) => {
        const line = `${render(os, upper)} ${keyField(key)} the comment`;
        const o = outcome([KeyParseError], () => parseAuthorizedKeys(line), 'parse generated line');
        ensure(o.ok, () => `a well-formed line was refused: ${line}\n${!o.ok ? o.error.message : ''}`);
        const e = o.value[0]!;
        ensure(e.comment === 'the comment' && toBase64(e.keyBlob) === toBase64(key.publicBlob), 'key and comment');
        const last = <T>(name: string, pick: (v: string) => T): T | undefined => {
          const vs = os.filter((x): x is Extract<Opt, { name: string }> => 'name' in x && x.name === name);
          return vs.length === 0 ? undefined : pick(vs[0]!.value);
        };
        ensure(e.options.forceCommand === last('command', (v) => v), () => `command: ${JSON.stringify(e.options.forceCommand)} for ${line}`);
        ensure(e.options.from === last('from', (v) => v), 'from');
        ensure(e.options.principals === last('principals', (v) => v), 'principals');
        const opens = os.filter((x) => 'name' in x && x.name === 'permitopen').map((x) => (x as { value: string }).value);
        ensure(JSON.stringify(e.options.permitOpen) === JSON.stringify(opens), 'permitopen, in order');
        const envNames = new Set<string>();
        const env = os.filter((x) => 'name' in x && x.name === 'environment').map((x) => (x as { value: string }).value).filter((v) => {
          const n = v.slice(0, v.indexOf('='));
          return !envNames.has(n) && envNames.add(n);
        });
        ensure(JSON.stringify(e.options.environment) === JSON.stringify(env), 'environment, first setting wins');
        // Flags: the last word on each permission decides, restrict clearing those before it.
        let pty = true;
        for (const x of os) {
          if ('flag' in x && x.flag === 'restrict') pty = false;
          if ('flag' in x && x.flag === 'pty') pty = true;
          if ('flag' in x && x.flag === 'no-pty') pty = false;
        }
        ensure(e.options.permitPty === pty, 'pty flag');
        ensure(e.options.certAuthority === os.some((x) => 'flag' in x && x.flag === 'cert-authority'), 'cert-authority');
      }),
    );
  });

  test(
    'matchAuthorizedKeys never throws, and a match is for the offered key (or its CA)',
    () => {
      const cert = signTestCertificate(CA, KEYS[0]!.publicBlob, { kind: 'user', principals: ['alice'] });
      check(
        fc.property(fileArb, fc.constantFrom(...KEYS.map((k) => k.publicBlob), cert, new Uint8Array(3)), addressArb, fc.option(fc.domain()), fc.date({ noInvalidDate: true }), (text, keyBlob, clientAddress, host, now) => {
          const entries: AuthorizedKey[] = parseAuthorizedKeys(`${text}\ncert-authority,from="${clientAddress.replace(/"/g, '')}" ${keyField(CA)}`, { onInvalidLine: () => undefined });
          const m = never(() => matchAuthorizedKeys(entries, { keyBlob, clientAddress, ...(host !== null ? { clientHostname: host } : {}), now, username: 'alice' }), 'matchAuthorizedKeys');
          stat('matchAuthorizedKeys', m === undefined ? 'no match' : m.certificate ? 'certificate' : 'plain key');
          if (m === undefined) return;
          const want = m.certificate ? CA.publicBlob : keyBlob;
          ensure(toBase64(m.entry.keyBlob) === toBase64(want), 'matched the right key');
          ensure(m.entry.options.certAuthority === (m.certificate !== undefined), 'cert-authority only for certificates');
        }),
        1,
        30,
      );
    },
    timeoutFor(1, 30),
  );
});

describe('patterns', () => {
  test('matchPattern agrees with a regular expression, and stays fast', () => {
    check(
      fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom('a', 'b', '.') }), fc.string({ maxLength: 24, unit: fc.constantFrom('a', 'b', '.', '*', '?') }), (s, p) => {
        const re = new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        const got = never(() => matchPattern(s, p), 'matchPattern');
        ensure(got === re.test(s), `${JSON.stringify(s)} vs ${JSON.stringify(p)}: got ${got}`);
      }),
    );
  });

  test('matchPatternList: "negated" exactly when a !pattern matches; "match" when only a positive one does', () => {
    check(
      fc.property(fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'b', 'A') }), fc.string({ maxLength: 24, unit: patternUnit }), fc.boolean(), (s, list, lower) => {
        const r = never(() => matchPatternList(s, list, lower), 'matchPatternList');
        const subs = list.split(',').map((p) => ({ neg: p.startsWith('!'), pat: p.replace(/^!/, '') })).map(({ neg, pat }) => ({ neg, hit: matchPattern(s, lower ? pat.toLowerCase() : pat) }));
        const want = subs.some((x) => x.neg && x.hit) ? 'negated' : subs.some((x) => !x.neg && x.hit) ? 'match' : 'no-match';
        ensure(r === want, `${JSON.stringify(s)} in ${JSON.stringify(list)}: ${r}, expected ${want}`);
      }),
    );
  });

  test('parseIpAddress accepts exactly what node:net calls an address (no zone ids)', () => {
    check(
      fc.property(fc.oneof(addressArb, fc.ipV4Extended(), fc.ipV6()), (text) => {
        const parsed = never(() => parseIpAddress(text), 'parseIpAddress');
        // Node, like inet_pton, refuses IPv4 octets with leading zeros; so does hopssh.
        const node = isIPv4(text) || (isIPv6(text) && !text.includes('%'));
        ensure((parsed !== undefined) === node, `${JSON.stringify(text)}: hopssh ${parsed !== undefined}, node ${node}`);
      }),
      2,
    );
  });

  test('CIDR membership agrees with node:net BlockList', () => {
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4()).map(([n, p, a]) => ({ n, p, a, type: 'ipv4' as const }));
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6()).map(([n, p, a]) => ({ n, p, a, type: 'ipv6' as const }));
    check(
      fc.property(fc.oneof(v4, v6), fc.boolean(), ({ n, p, a, type }, near) => {
        const net = parseIpAddress(n);
        if (net === undefined || net.family !== (type === 'ipv4' ? 4 : 6)) return; // mapped forms
        // Zero the host bits, as a network entry must have them.
        const bytes = net.bytes.map((b, i) => (i * 8 >= p ? 0 : i * 8 + 8 <= p ? b : b & (0xff << (8 - (p - i * 8)))));
        const netText = type === 'ipv4' ? bytes.join('.') : Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':');
        const addrText = near ? netText : a;
        const cidr = parseCidr(`${netText}/${p}`)!;
        const addr = parseIpAddress(addrText);
        if (addr === undefined || addr.family !== net.family) return;
        const bl = new BlockList();
        bl.addSubnet(netText, p, type);
        ensure(addressInNetwork(addr, cidr) === bl.check(addrText, type), `${addrText} in ${netText}/${p}`);
        ensure(matchCidrList(addrText, `${netText}/${p}`) === bl.check(addrText, type), 'matchCidrList');
      }),
      2,
    );
  });

  /** Address lists: CIDR entries (consistent or not), wildcards, negations, junk. */
  const listArb = fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.constantFrom('', '', '!'),
          fc.oneof(
            fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.0.0', '192.0.2.0', '2001:db8::')), fc.option(fc.integer({ min: 0, max: 130 }))).map(([a, p]) => (p === null ? a : `${a}/${p}`)),
            fc.constantFrom('10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32', '0.0.0.0/0', '::/0', '10.1.2.3', '2001:db8::1'),
            fc.constantFrom('10.*', '192.0.2.?', '*', '*.example.com', ''),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((es) => es.map(([neg, e]) => neg + e).join(',')),
    fc.string({ maxLength: 40, unit: fc.oneof(patternUnit, fc.constantFrom('1', '2', '8', '/', ':', 'f')) }),
  );

  test('address and host lists on any text: a result or PatternError', () => {
    check(
      fc.property(addressArb, listArb, fc.domain(), (addr, list, host) => {
        const targets: [string, () => unknown][] = [
          ['matchAddressList', () => matchAddressList(addr, list)],
          ['matchCidrList', () => matchCidrList(addr, list)],
          ['matchHostAndAddress', () => matchHostAndAddress(host, addr, list)],
        ];
        for (const [what, f] of targets) {
          const o = outcome([PatternError], f, what);
          stat(what, o.ok ? String(o.value) : 'PatternError');
        }
      }),
      2,
    );
  });

  test('long lists with many stars stay within the time budget', () => {
    check(
      fc.property(fc.string({ minLength: 1000, maxLength: 4000, unit: fc.constantFrom('a', 'b') }), fc.integer({ min: 1, max: 300 }), (s, stars) => {
        never(() => matchPatternList(s, `${'*a'.repeat(stars)}c,!${'?*'.repeat(stars)}x`), 'matchPatternList');
      }),
      0.1,
    );
  });
});
