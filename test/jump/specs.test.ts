/**
 * The specifications of ssh(1): destination, -J, -L, -R, -D, -W, in each of
 * the forms the manual documents (IPv6 in brackets, unix sockets, bind
 * addresses, the remote SOCKS form), and what is refused.
 */
import { describe, expect, test } from 'vitest';
import { SpecError } from '../../src/jump/errors.ts';
import { parseDynamicForward, parseLocalForward, parseRemoteForward, parseStdioForward } from '../../src/jump/forward-spec.ts';
import { parseDestination, parseJumpHost, parseJumpSpec, parsePortNumber, parseSshUri, parseUserHostPort } from '../../src/jump/jump-spec.ts';

function specError(f: () => unknown): SpecError {
  try {
    f();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('-J / ProxyJump: [user@]host[:port] and ssh://[user@]host[:port], comma-separated', () => {
  test.each([
    ['jump', [{ host: 'jump' }]],
    ['alice@jump', [{ host: 'jump', user: 'alice' }]],
    ['jump:2222', [{ host: 'jump', port: 2222 }]],
    ['alice@jump:2222', [{ host: 'jump', user: 'alice', port: 2222 }]],
    ['[2001:db8::1]:2222', [{ host: '2001:db8::1', port: 2222 }]],
    ['alice@[::1]', [{ host: '::1', user: 'alice' }]],
    ['10.0.0.1:22', [{ host: '10.0.0.1', port: 22 }]],
    ['a@b@host', [{ host: 'host', user: 'a@b' }]],
    ['ssh://jump', [{ host: 'jump' }]],
    ['ssh://alice@jump:2222', [{ host: 'jump', user: 'alice', port: 2222 }]],
    ['ssh://al%40ice@jump', [{ host: 'jump', user: 'al@ice' }]],
    ['ssh://alice;fingerprint=SHA256-x@jump', [{ host: 'jump', user: 'alice' }]],
    ['ssh://jump.example.com./', [{ host: 'jump.example.com' }]],
    ['ssh://alice@[2001:db8::2]:2200', [{ host: '2001:db8::2', user: 'alice', port: 2200 }]],
    [
      'first,bob@second:2201,ssh://carol@third:2202',
      [{ host: 'first' }, { host: 'second', user: 'bob', port: 2201 }, { host: 'third', user: 'carol', port: 2202 }],
    ],
    ['jump # comment', [{ host: 'jump' }]],
    ['none', []],
    ['NONE', []],
  ])('%j', (spec, hops) => {
    expect(parseJumpSpec(spec)).toEqual(hops);
  });

  test.each([
    ['', /no jump host/],
    ['a,,b', /empty jump host/],
    ['a,', /empty jump host/],
    ['@host', /empty user/],
    ['host:0', /bad port/],
    ['host:65536', /bad port/],
    ['host:ssh', /bad port/],
    ['host:22:33', /bad port/],
    ['[::1', /"\["/],
    ['[::1]x', /"\["/],
    ['host/path', /"\/"/],
    [':22', /missing host/],
    ['ssh://', /missing host/],
    ['ssh://h/path', /no path/],
    ['ssh://@h', /empty user/],
    ['ssh://bad_%zz@h', /percent-encoding/],
    ['ssh://bad..name', /not a valid host name/],
    ['ssh://-h', /not a valid host name/],
    ['ssh://[10.0.0.1]', /not a bracketed IPv6/],
  ])('refuses %j', (spec, message) => {
    const e = specError(() => parseJumpSpec(spec));
    expect(e.spec).toBe(spec);
    expect(e.message).toMatch(message);
  });

  test('an error in one hop names the whole spec and the hop', () => {
    const e = specError(() => parseJumpSpec('good,bad:x'));
    expect(e.spec).toBe('good,bad:x');
    expect(e.detail).toMatch(/jump host "bad:x": bad port/);
  });

  test('strict (values from the command line): no shell metacharacters in hosts and users', () => {
    expect(parseJumpSpec('alice@jump:22', { strict: true })).toEqual([{ host: 'jump', user: 'alice', port: 22 }]);
    for (const spec of ['a;b', 'a$(x)', '-oProxyCommand=x', 'a b', "o'neil@h", 'u@h`x`', 'x\\', 'us -er@h']) {
      expect(() => parseJumpSpec(spec, { strict: true }), spec).toThrow(SpecError);
    }
    // A user may hold $, as OpenSSH allows.
    expect(parseJumpSpec('$user@h', { strict: true })).toEqual([{ host: 'h', user: '$user' }]);
    // Config files may hold anything (tokens among them).
    expect(parseJumpSpec('%r@%h-jump')).toEqual([{ host: '%h-jump', user: '%r' }]);
  });

  test('parseJumpHost, parseUserHostPort and parseSshUri', () => {
    expect(parseJumpHost('ssh://h:1')).toEqual({ host: 'h', port: 1 });
    expect(parseUserHostPort('u@h')).toEqual({ host: 'h', user: 'u' });
    expect(parseSshUri('u@h')).toBeUndefined();
    expect(parseSshUri('SSH://h')).toBeUndefined();
  });

  test('parsePortNumber: 1–65535 in decimal', () => {
    expect(parsePortNumber('22')).toBe(22);
    expect(parsePortNumber('00022')).toBe(22);
    expect(parsePortNumber('65535')).toBe(65535);
    for (const bad of ['0', '65536', '-1', '+22', ' 22', '2.2', '', 'ssh', '9'.repeat(400)]) expect(parsePortNumber(bad), bad).toBeUndefined();
  });
});

describe('destination: [user@]host or ssh://[user@]host[:port]', () => {
  test.each([
    ['host', { host: 'host' }],
    ['alice@host', { host: 'host', user: 'alice' }],
    ['al@ice@host', { host: 'host', user: 'al@ice' }],
    ['host:2222', { host: 'host:2222' }],
    ['::1', { host: '::1' }],
    ['[::1]', { host: '::1' }],
    ['alice@[2001:db8::1]', { host: '2001:db8::1', user: 'alice' }],
    ['ssh://alice@host:2222', { host: 'host', user: 'alice', port: 2222 }],
    ['ssh://host', { host: 'host' }],
  ])('%j', (spec, expected) => {
    expect(parseDestination(spec)).toEqual(expected);
  });

  test.each(['', '@host', 'alice@', 'ssh://h/p', 'a;rm -rf', '-oProxyCommand=x', 'a|b', 'h,i'])('refuses %j', (spec) => {
    expect(() => parseDestination(spec)).toThrow(SpecError);
  });

  test('strict: false takes any host', () => {
    expect(parseDestination('a;b', { strict: false })).toEqual({ host: 'a;b' });
  });
});

describe('-L [bind_address:]port:host:hostport | [bind_address:]port:remote_socket | local_socket:host:hostport | local_socket:remote_socket', () => {
  test.each([
    ['8080:localhost:80', { listen: { port: 8080 }, to: { host: 'localhost', port: 80 } }],
    ['localhost:8080:db:5432', { listen: { bindAddress: 'localhost', port: 8080 }, to: { host: 'db', port: 5432 } }],
    ['*:8080:db:5432', { listen: { bindAddress: '*', port: 8080 }, to: { host: 'db', port: 5432 } }],
    [':8080:db:5432', { listen: { bindAddress: '', port: 8080 }, to: { host: 'db', port: 5432 } }],
    ['[::1]:8080:[2001:db8::5]:443', { listen: { bindAddress: '::1', port: 8080 }, to: { host: '2001:db8::5', port: 443 } }],
    ['8080:[fe80::1%eth0]:22', { listen: { port: 8080 }, to: { host: 'fe80::1%eth0', port: 22 } }],
    ['8080:/run/remote.sock', { listen: { port: 8080 }, to: { path: '/run/remote.sock' } }],
    ['127.0.0.1:8080:/run/remote.sock', { listen: { bindAddress: '127.0.0.1', port: 8080 }, to: { path: '/run/remote.sock' } }],
    ['/tmp/local.sock:db:5432', { listen: { path: '/tmp/local.sock' }, to: { host: 'db', port: 5432 } }],
    ['/tmp/local.sock:/run/remote.sock', { listen: { path: '/tmp/local.sock' }, to: { path: '/run/remote.sock' } }],
    ['[/tmp/with:colon.sock]:db:1', { listen: { path: '/tmp/with:colon.sock' }, to: { host: 'db', port: 1 } }],
    ['/tmp/a\\:b.sock:/r', { listen: { path: '/tmp/a:b.sock' }, to: { path: '/r' } }],
    ['  8080:h:80', { listen: { port: 8080 }, to: { host: 'h', port: 80 } }],
  ])('%j', (spec, expected) => {
    expect(parseLocalForward(spec)).toEqual(expected);
  });

  test.each([
    ['8080', /expected/],
    ['8080:h', /expected/],
    ['0:h:80', /bad listen port "0"/],
    ['8080:h:0', /bad target port/],
    ['x:h:80', /bad listen port/],
    ['a:b:c:d:e', /too many/],
    ['[::1:8080:h:80', /malformed/],
    ['8080:h:80\\', /malformed/],
    ['', /empty/],
    [`/${'s'.repeat(200)}:h:1`, /socket path longer/],
  ])('refuses %j', (spec, message) => {
    const e = specError(() => parseLocalForward(spec));
    expect(e.spec).toBe(spec);
    expect(e.message).toMatch(message);
  });

  test('${VAR} is expanded before the spec is split, when an environment is given', () => {
    expect(parseLocalForward('${RUN}/l.sock:h:1', { env: { RUN: '/run/user/1' } })).toEqual({ listen: { path: '/run/user/1/l.sock' }, to: { host: 'h', port: 1 } });
    expect(parseLocalForward('${P}:h:1', { env: { P: '9000' } })).toEqual({ listen: { port: 9000 }, to: { host: 'h', port: 1 } });
  });
});

describe('-R: the same forms with the roles swapped, port 0 allowed, and [bind_address:]port alone for remote SOCKS', () => {
  test.each([
    ['9000:localhost:22', { listen: { port: 9000 }, to: { host: 'localhost', port: 22 } }],
    ['0:localhost:22', { listen: { port: 0 }, to: { host: 'localhost', port: 22 } }],
    ['*:9000:localhost:22', { listen: { bindAddress: '*', port: 9000 }, to: { host: 'localhost', port: 22 } }],
    ['9000:/run/local.sock', { listen: { port: 9000 }, to: { path: '/run/local.sock' } }],
    ['/run/remote.sock:localhost:22', { listen: { path: '/run/remote.sock' }, to: { host: 'localhost', port: 22 } }],
    ['/run/remote.sock:/run/local.sock', { listen: { path: '/run/remote.sock' }, to: { path: '/run/local.sock' } }],
    ['9000', { listen: { port: 9000 } }],
    ['0', { listen: { port: 0 } }],
    ['[::]:9000', { listen: { bindAddress: '::', port: 9000 } }],
    ['localhost:9000', { listen: { bindAddress: 'localhost', port: 9000 } }],
  ])('%j', (spec, expected) => {
    expect(parseRemoteForward(spec)).toEqual(expected);
  });

  test.each(['', 'x', '9000:h', 'a:b:c:d:e', '65536'])('refuses %j', (spec) => {
    expect(() => parseRemoteForward(spec)).toThrow(SpecError);
  });
});

describe('-D [bind_address:]port', () => {
  test.each([
    ['1080', { listen: { port: 1080 } }],
    ['localhost:1080', { listen: { bindAddress: 'localhost', port: 1080 } }],
    ['*:1080', { listen: { bindAddress: '*', port: 1080 } }],
    ['[::1]:1080', { listen: { bindAddress: '::1', port: 1080 } }],
    ['/tmp/socks.sock', { listen: { path: '/tmp/socks.sock' } }],
  ])('%j', (spec, expected) => {
    expect(parseDynamicForward(spec)).toEqual(expected);
  });

  test.each(['0', 'x', 'a:b:c', '1080:/x', ''])('refuses %j', (spec) => {
    expect(() => parseDynamicForward(spec)).toThrow(SpecError);
  });
});

describe('-W host:port', () => {
  test.each([
    ['db:5432', { host: 'db', port: 5432 }],
    ['[2001:db8::7]:22', { host: '2001:db8::7', port: 22 }],
    ['10.0.0.1:22', { host: '10.0.0.1', port: 22 }],
  ])('%j', (spec, expected) => {
    expect(parseStdioForward(spec)).toEqual(expected);
  });

  test.each(['db', ':22', 'db:0', 'db:x', 'a:b:c', '/sock:1', 'h:/x'])('refuses %j', (spec) => {
    const e = specError(() => parseStdioForward(spec));
    expect(e.spec).toBe(spec);
  });
});
