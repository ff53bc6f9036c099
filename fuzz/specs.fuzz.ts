/**
 * Fuzzing the command-line specs of ssh(1) (-J, destination, -L, -R, -D,
 * -W) and the ssh_config expansions (`%` tokens, `${VAR}`, `~`) on arbitrary
 * and generated strings: a result or a SpecError / TokenError, never
 * another error; what parses prints back to a spec that parses the same.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import type { Endpoint } from '../src/channel/forwarding-endpoint.ts';
import { SpecError, TokenError } from '../src/jump/errors.ts';
import { parseDynamicForward, parseLocalForward, parseRemoteForward, parseStdioForward, type ForwardListen } from '../src/jump/forward-spec.ts';
import { parseDestination, parseJumpSpec, type HostSpec } from '../src/jump/jump-spec.ts';
import { CLIENT_TOKENS, expandEnvironment, expandTilde, expandTokens, PROXY_TOKENS, type TokenValues } from '../src/jump/tokens.ts';
import { check, ensure, outcome, printStats, stat, timeoutFor } from './fuzz-config.ts';

afterAll(() => printStats());

// ------------------------------------------------------------------ inputs

const hostArb = fc.oneof(
  fc.constantFrom('h', 'jump.example.com', '10.0.0.1', '::1', '2001:db8::7', 'a-b_c', 'x.'),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,12}$/),
  fc.string({ maxLength: 8 }),
);
const userArb = fc.oneof(fc.constantFrom('alice', 'a@b', 'o-k', '$u', 'x y'), fc.string({ maxLength: 6 }));
const portArb = fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.constantFrom('0', '65536', '', 'ssh', '022', '-1'));
const pieceArb = fc.oneof(hostArb, portArb, fc.constantFrom('[', ']', ':', '@', ',', '/', 'ssh://', '#', '\\', '*', '/tmp/s.sock', ''));

const hopTextArb = fc.oneof(
  fc.tuple(fc.option(userArb), hostArb, fc.option(portArb), fc.boolean()).map(([u, h, p, uri]) => {
    const host = h.includes(':') ? `[${h}]` : h;
    return `${uri ? 'ssh://' : ''}${u !== null ? `${u}@` : ''}${host}${p !== null ? `:${p}` : ''}`;
  }),
  fc.array(pieceArb, { maxLength: 6 }).map((ps) => ps.join('')),
);
const jumpArb = fc.oneof(fc.array(hopTextArb, { minLength: 1, maxLength: 4 }).map((hs) => hs.join(',')), fc.string({ maxLength: 40 }), fc.constantFrom('none', 'NONE', ' ', ','));

const fieldArb = fc.oneof(portArb, hostArb.map((h) => (h.includes(':') ? `[${h}]` : h)), fc.constantFrom('/tmp/a.sock', '[/tmp/b:c.sock]', '*', '', 'localhost', 'a\\:b'));
const forwardArb = fc.oneof(fc.array(fieldArb, { minLength: 1, maxLength: 5 }).map((fs) => fs.join(':')), fc.string({ maxLength: 30 }));

// ---------------------------------------------------------------- printers

const bracket = (h: string) => `[${h}]`;

function formatHop(h: HostSpec): string {
  // A URI for users needing no escaping would do too; `[user@]host[:port]` with brackets always round-trips.
  return `${h.user !== undefined ? `${h.user}@` : ''}${bracket(h.host)}${h.port !== undefined ? `:${h.port}` : ''}`;
}

function formatListen(l: ForwardListen): string {
  return 'path' in l ? bracket(l.path) : `${l.bindAddress !== undefined ? `${bracket(l.bindAddress)}:` : ''}${l.port}`;
}

function formatTarget(t: Endpoint): string {
  return 'path' in t ? bracket(t.path) : `${bracket(t.host)}:${t.port}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// ------------------------------------------------------------- properties

describe('spec fuzz', () => {
  test(
    '-J: hops or SpecError; hops print back to the same hops; strict accepts a subset',
    () => {
      check(
        fc.property(jumpArb, (spec) => {
          const loose = outcome([SpecError], () => parseJumpSpec(spec), 'parseJumpSpec');
          const strict = outcome([SpecError], () => parseJumpSpec(spec, { strict: true }), 'parseJumpSpec strict');
          stat('-J', loose.ok ? (strict.ok ? 'strict ok' : 'loose only') : 'SpecError');
          ensure(!strict.ok || loose.ok, 'strict accepted what loose refused');
          if (strict.ok) ensure(loose.ok && same(strict.value, loose.value), 'strict and loose disagree');
          if (!loose.ok) {
            ensure((loose.error as SpecError).spec === spec, 'SpecError does not name the spec');
            return;
          }
          const hops = loose.value;
          // Hosts and users with a ',' or '#' cannot be printed back in this syntax, nor users with '@' before a host.
          if (hops.length === 0 || hops.some((h) => /[,#\s\]]/.test(h.host + (h.user ?? '')) || h.host === '')) return;
          const again = parseJumpSpec(hops.map(formatHop).join(','));
          ensure(same(again, hops), () => `round trip: ${JSON.stringify(hops)} -> ${JSON.stringify(again)}`);
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'destination: a host (and user, port) or SpecError',
    () => {
      check(
        fc.property(fc.oneof(hopTextArb, fc.string({ maxLength: 30 })), fc.boolean(), (spec, strict) => {
          const o = outcome([SpecError], () => parseDestination(spec, { strict }), 'parseDestination');
          stat('destination', o.ok ? 'ok' : 'SpecError');
          if (o.ok) ensure(o.value.host !== '' && o.value.user !== '', 'empty host or user');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    '-L/-R/-D/-W: a forwarding or SpecError; forwardings print back to the same forwarding',
    () => {
      check(
        fc.property(forwardArb, (spec) => {
          const local = outcome([SpecError], () => parseLocalForward(spec), '-L');
          const remote = outcome([SpecError], () => parseRemoteForward(spec), '-R');
          const dynamic = outcome([SpecError], () => parseDynamicForward(spec), '-D');
          const stdio = outcome([SpecError], () => parseStdioForward(spec), '-W');
          stat('forward', [local, remote, dynamic, stdio].map((o, i) => (o.ok ? 'LRDW'[i] : '-')).join(''));
          // A bracketed field holds anything but "]"; a socket path must keep its "/".
          const printable = (f: { listen: ForwardListen; to?: Endpoint }) =>
            ![f.listen, f.to].some((e) => e !== undefined && Object.values(e).some((v) => typeof v === 'string' && v.includes(']')));
          if (local.ok) {
            const f = local.value;
            ensure(!('port' in f.listen) || f.listen.port >= 1, '-L listens on port 0');
            const text = [formatListen(f.listen), formatTarget(f.to)].join(':');
            if (printable(f)) ensure(same(parseLocalForward(text), f), () => `-L round trip ${text}`);
          }
          if (remote.ok) {
            const f = remote.value;
            const text = f.to === undefined ? formatListen(f.listen) : [formatListen(f.listen), formatTarget(f.to)].join(':');
            if (printable(f)) ensure(same(parseRemoteForward(text), f), () => `-R round trip ${text}`);
          }
          if (dynamic.ok) ensure(!('port' in dynamic.value.listen) || dynamic.value.listen.port >= 1, '-D listens on port 0');
          if (stdio.ok) ensure(stdio.value.host !== '' && stdio.value.port >= 1, '-W without host or port');
        }),
      );
    },
    timeoutFor(),
  );

  test(
    'tokens: expanded text or TokenError; text without % or ${ is unchanged; %-escaped text expands back to itself',
    () => {
      const values: TokenValues = { C: 'c', d: '/d', h: 'h', i: '1', k: 'k', L: 'L', l: 'l', n: 'n', p: '22', r: 'r', u: 'u' };
      check(
        fc.property(fc.string({ maxLength: 40 }), fc.constantFrom(CLIENT_TOKENS, PROXY_TOKENS), fc.boolean(), (text, allowed, withEnv) => {
          const opts = withEnv ? { env: { HOME: '/home/u', EMPTY: '' } } : {};
          const o = outcome([TokenError], () => expandTokens(text, values, allowed, opts), 'expandTokens');
          stat('tokens', o.ok ? 'expanded' : 'TokenError');
          if (!o.ok) ensure((o.error as TokenError).text === text && (o.error as TokenError).token !== '', 'TokenError names no token');
          if (!text.includes('%') && !(withEnv && text.includes('${'))) ensure(o.ok && o.value === text, 'plain text changed');
          ensure(expandTokens(text.replaceAll('%', '%%'), values, allowed) === text, 'escaped text did not expand to itself');
          outcome([TokenError], () => expandEnvironment(text, { HOME: '/h' }), 'expandEnvironment');
          const t = outcome([TokenError], () => expandTilde(text, '/home/u', (u) => (u === 'bob' ? '/home/bob' : undefined)), 'expandTilde');
          if (!text.startsWith('~')) ensure(t.ok && t.value === text, 'expandTilde changed a path without ~');
        }),
      );
    },
    timeoutFor(),
  );
});
