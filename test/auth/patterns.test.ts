import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  matchAddressList,
  matchCidrList,
  matchHostAndAddress,
  matchHostname,
  matchPattern,
  matchPatternList,
  parseCidr,
  parseCidrList,
  parseIpAddress,
} from '../../src/auth/patterns.ts';
import { PatternError } from '../../src/auth/errors.ts';

describe('matchPattern (ssh_config(5) PATTERNS)', () => {
  test.each([
    ['host.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['192.168.0.1', '192.168.0.?', true],
    ['192.168.0.10', '192.168.0.?', false],
    ['anything', '*', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['abc', 'a*c', true],
    ['abc', 'a*b*c', true],
    ['ac', 'a*?c', false],
    ['abbbc', 'a*?c', true],
    ['aXbXc', '*X*X*', true],
    ['Host', 'host', false],
    ['a*b', 'a*b', true],
    ['mississippi', 'm*iss*ppi', true],
    ['mississippi', 'm*iss*ppj', false],
  ])('%j against %j → %s', (s, p, want) => {
    expect(matchPattern(s, p)).toBe(want);
  });

  test('agrees with a regular-expression reading of * and ?', () => {
    const alpha = fc.constantFrom('a', 'b', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 12 }), fc.string({ unit: alpha, maxLength: 8 }), (s, p) => {
        const re = new RegExp('^' + p.replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
        expect(matchPattern(s, p)).toBe(re.test(s));
      }),
    );
  });

  test('many stars against a long non-matching string stay fast', () => {
    const t0 = performance.now();
    expect(matchPattern('a'.repeat(5000), '*a'.repeat(200) + 'b')).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('matchPatternList / matchHostname (match_pattern_list)', () => {
  test('a negated match wins over a positive one, in any order', () => {
    expect(matchPatternList('a.example.com', '*.example.com,!a.example.com')).toBe('negated');
    expect(matchPatternList('a.example.com', '!a.example.com,*.example.com')).toBe('negated');
    expect(matchPatternList('b.example.com', '*.example.com,!a.example.com')).toBe('match');
    expect(matchPatternList('other.org', '*.example.com,!a.example.com')).toBe('no-match');
  });

  test('a list of only negations never matches positively', () => {
    expect(matchPatternList('x', '!y')).toBe('no-match');
  });

  test('host names and patterns are lower-cased; plain lists are case-sensitive', () => {
    expect(matchHostname('HOST.Example.COM', '*.example.com')).toBe('match');
    expect(matchHostname('host.example.com', '*.EXAMPLE.com')).toBe('match');
    expect(matchHostname('HOST', '!host,*')).toBe('negated');
    expect(matchPatternList('User', 'user')).toBe('no-match');
  });

  test('lower-casing is ASCII only, as in the C locale', () => {
    expect(matchHostname('İ', 'i̇')).toBe('no-match');
  });

  test('empty sub-patterns match only the empty string', () => {
    expect(matchPatternList('', 'a,')).toBe('match');
    expect(matchPatternList('b', 'a,,c')).toBe('no-match');
  });

  test('a sub-pattern of 1023 characters or more makes the list not match', () => {
    expect(matchPatternList('x', `x,${'y'.repeat(1023)}`)).toBe('no-match');
    expect(matchPatternList('x', `x,${'y'.repeat(1022)}`)).toBe('match');
  });
});

describe('IP addresses and CIDR', () => {
  test('parses IPv4 and the IPv6 text forms', () => {
    expect(parseIpAddress('10.1.2.3')).toEqual({ family: 4, bytes: Uint8Array.of(10, 1, 2, 3) });
    expect(parseIpAddress('::1')?.bytes).toEqual(Uint8Array.of(...new Array(15).fill(0), 1));
    expect(parseIpAddress('2001:db8::8a2e:370:7334')?.family).toBe(6);
    expect(parseIpAddress('2001:0db8:0000:0000:0000:8a2e:0370:7334')).toEqual(parseIpAddress('2001:db8::8a2e:370:7334'));
    expect(parseIpAddress('::')?.family).toBe(6);
    expect(parseIpAddress('64:ff9b::10.0.0.1')?.bytes.slice(12)).toEqual(Uint8Array.of(10, 0, 0, 1));
  });

  test('an IPv4-mapped IPv6 address is the IPv4 address (as sshd normalises the client)', () => {
    expect(parseIpAddress('::ffff:192.0.2.7')).toEqual({ family: 4, bytes: Uint8Array.of(192, 0, 2, 7) });
    expect(matchAddressList('::ffff:10.1.2.3', '10.0.0.0/8')).toBe('match');
    expect(matchAddressList('::ffff:10.1.2.3', '10.1.2.*')).toBe('match');
    expect(matchCidrList('::ffff:10.1.2.3', '10.0.0.0/8')).toBe(true);
  });

  test.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', 'fe80::1%eth0', '12345::', 'host.example.com'])(
    'not an address: %j',
    (t) => {
      expect(parseIpAddress(t)).toBeUndefined();
    },
  );

  test('CIDR networks', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: { family: 4, bytes: Uint8Array.of(10, 0, 0, 0) }, prefix: 8 });
    expect(parseCidr('10.1.2.3')?.prefix).toBe(32);
    expect(parseCidr('2001:db8::/32')?.prefix).toBe(32);
    expect(parseCidr('::1')?.prefix).toBe(128);
    expect(parseCidr('0.0.0.0/0')?.prefix).toBe(0);
    expect(parseCidr('*.example.com')).toBeUndefined();
    expect(parseCidr('10.0.0.0/129')).toBeUndefined();
    expect(() => parseCidr('10.0.0.1/8')).toThrow(/host bits are set past the \/8 prefix/);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(PatternError);
    expect(() => parseCidr('2001:db8::1/64')).toThrow(PatternError);
    expect(() => parseCidr('10.128.0.0/9')).not.toThrow();
    expect(() => parseCidr('10.192.0.0/9')).toThrow(PatternError);
  });
});

describe('matchAddressList (addr_match_list, used by from=)', () => {
  const list = '10.0.0.0/8,!10.1.0.0/16';
  test.each([
    ['10.2.3.4', 'match'],
    ['10.1.3.4', 'negated'],
    ['11.0.0.1', 'no-match'],
    ['2001:db8::1', 'no-match'],
  ] as const)('%s in %s → %s', (addr, want) => {
    expect(matchAddressList(addr, list)).toBe(want);
  });

  test('IPv6 networks', () => {
    expect(matchAddressList('2001:db8:1::5', '2001:db8::/32')).toBe('match');
    expect(matchAddressList('2001:db9::5', '2001:db8::/32')).toBe('no-match');
    expect(matchAddressList('2001:db8:1::5', '2001:db8::/32,!2001:db8:1::/48')).toBe('negated');
    expect(matchAddressList('::1', '::1')).toBe('match');
  });

  test('entries that are not networks are wildcards on the address text', () => {
    expect(matchAddressList('192.168.1.20', '192.168.1.*')).toBe('match');
    expect(matchAddressList('192.168.1.20', '!192.168.1.2?,*')).toBe('negated');
  });

  test('an address family never matches the other family', () => {
    expect(matchAddressList('10.0.0.1', '::/0')).toBe('no-match');
    expect(matchAddressList('::2', '0.0.0.0/0')).toBe('no-match');
  });

  test('a non-numeric client address matches nothing', () => {
    expect(matchAddressList('host.example.com', '*')).toBe('no-match');
  });

  test('an empty or inconsistent entry is an error', () => {
    expect(() => matchAddressList('10.0.0.1', '10.0.0.0/8,')).toThrow(/empty entry/);
    expect(() => matchAddressList('10.0.0.1', '!')).toThrow(PatternError);
    expect(() => matchAddressList('10.0.0.1', '10.0.0.1/8')).toThrow(/host bits/);
  });
});

describe('matchCidrList (addr_match_cidr_list, used by source-address)', () => {
  test('matches any listed network', () => {
    expect(matchCidrList('192.0.2.5', '198.51.100.0/24,192.0.2.0/24')).toBe(true);
    expect(matchCidrList('203.0.113.1', '198.51.100.0/24,192.0.2.0/24')).toBe(false);
    expect(matchCidrList('2001:db8::5', '2001:db8::/64')).toBe(true);
    expect(matchCidrList('not-an-address', '0.0.0.0/0')).toBe(false);
  });

  test.each([
    ['10.0.0.0/8,!10.1.0.0/16', /invalid characters/],
    ['10.0.0.*', /invalid characters/],
    ['10.0.0.0/8,', /empty entry/],
    ['10.0.0.1/8', /host bits/],
    ['1.2.3', /not an address/],
    ['1111:2222:3333:4444:5555:6666:7777:8888:1111:2222:3', /too long/],
  ])('refuses %j', (list, message) => {
    expect(() => parseCidrList(list)).toThrow(message);
    expect(() => matchCidrList('10.0.0.1', list)).toThrow(PatternError);
  });
});

describe('matchHostAndAddress (match_host_and_ip, from=)', () => {
  test('sshd(8) example: from="*.sales.example.net,!pc.sales.example.net"', () => {
    const list = '*.sales.example.net,!pc.sales.example.net';
    expect(matchHostAndAddress('a.sales.example.net', '192.0.2.1', list)).toBe(true);
    expect(matchHostAndAddress('PC.sales.example.net', '192.0.2.1', list)).toBe(false);
    expect(matchHostAndAddress('a.example.net', '192.0.2.1', list)).toBe(false);
  });

  test('either the address or the name may match; a negated address always refuses', () => {
    expect(matchHostAndAddress('h.example.com', '10.0.0.1', '10.0.0.0/8')).toBe(true);
    expect(matchHostAndAddress('10.0.0.1', '10.0.0.1', '10.0.0.0/8')).toBe(true);
    expect(matchHostAndAddress('h.example.com', '10.1.0.1', '*.example.com,!10.1.0.0/16')).toBe(false);
    expect(matchHostAndAddress('h.example.com', '10.2.0.1', '*.example.com,!10.1.0.0/16')).toBe(true);
  });
});
