/**
 * OpenSSH pattern matching, as ssh_config(5) "PATTERNS", sshd(8)
 * "AUTHORIZED_KEYS FILE FORMAT" (from=) and ssh(1) known_hosts describe it:
 *
 * - a pattern: `*` matches any run of characters (also none), `?` exactly one;
 *   everything else matches itself, case-sensitively;
 * - a pattern list: patterns separated by commas, each optionally negated
 *   with a leading `!`. A negated match wins: the list is then "negated",
 *   whatever else matched; otherwise it matches when any positive pattern does;
 * - host names are compared lower-cased (ASCII only, as OpenSSH's C locale);
 * - address lists also take CIDR entries (`10.0.0.0/8`, `2001:db8::/32`):
 *   `from=` uses the lenient form (CIDR, else a wildcard pattern, `!` allowed);
 *   a certificate's `source-address` the strict one (CIDR only, no `!`,
 *   PROTOCOL.certkeys "Critical options").
 */
import { PatternError } from './errors.ts';

/** Outcome of matching a pattern list: "negated" when a `!pattern` matched — a negated match wins. */
export type PatternListResult = 'match' | 'no-match' | 'negated';

/**
 * A sub-pattern this long or longer makes the whole list fail to match,
 * as OpenSSH's match_pattern_list (its 1024-byte buffer) does.
 */
const MAX_SUBPATTERN = 1023;

/** `*` / `?` wildcard match of `s` against one `pattern`, case-sensitive. Linear backtracking: no exponential blow-up. */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  // Where the last `*` was, and the position in `s` it currently absorbs up to.
  let star = -1;
  let starS = 0;
  while (si < s.length) {
    const pc = pattern[pi];
    if (pc === '*') {
      star = pi++;
      starS = si;
    } else if (pc !== undefined && (pc === '?' || pc === s[si])) {
      pi++;
      si++;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** ASCII lower-casing (OpenSSH lower-cases with tolower() in the C locale; other characters stay as they are). */
export function asciiLowerCase(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Matches `s` against a comma-separated pattern list with `!` negation
 * (OpenSSH match_pattern_list). With `lowerCasePatterns`, each pattern is
 * lower-cased first (the caller lower-cases `s`). An empty sub-pattern
 * matches only the empty string.
 */
export function matchPatternList(s: string, list: string, lowerCasePatterns = false): PatternListResult {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    let sub = negated ? raw.slice(1) : raw;
    if (sub.length >= MAX_SUBPATTERN) return 'no-match';
    if (lowerCasePatterns) sub = asciiLowerCase(sub);
    if (matchPattern(s, sub)) {
      if (negated) return 'negated';
      positive = true;
    }
  }
  return positive ? 'match' : 'no-match';
}

/** Host name against a pattern list, both lower-cased (OpenSSH match_hostname). */
export function matchHostname(host: string, list: string): PatternListResult {
  return matchPatternList(asciiLowerCase(host), list, true);
}

// ------------------------------------------------------------------ addresses

/** A numeric IPv4 (4 bytes) or IPv6 (16 bytes) address. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A network: address with host bits zero, and prefix length. */
export interface CidrNetwork {
  readonly address: IpAddress;
  readonly prefix: number;
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!DECIMAL_OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** RFC 4291 §2.2 text forms: full, `::`-compressed, and with a trailing dotted IPv4. No zone ids. */
function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length > 45) return undefined; // INET6_ADDRSTRLEN - 1
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEX_GROUP.test(it)) {
        out.push(parseInt(it, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const n = head.length + tail.length;
  if (halves.length === 2 ? n > 7 : n !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Parses a numeric IPv4 (dotted decimal) or IPv6 address; undefined if it is
 * neither. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is returned as
 * IPv4, as sshd sees a client's address (ipv64_normalise_mapped), so that
 * IPv4 entries match clients of a dual-stack listener.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return { family: 4, bytes: v6.slice(12) };
  }
  return { family: 6, bytes: v6 };
}

/** Whether the first `prefix` bits of `a` equal those of `b` (same family). */
function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  let i = 0;
  for (; prefix >= 8; prefix -= 8, i++) if (a[i] !== b[i]) return false;
  if (prefix === 0) return true;
  const mask = (0xff << (8 - prefix)) & 0xff;
  return (a[i]! & mask) === (b[i]! & mask);
}

function hostBitsZero(bytes: Uint8Array, prefix: number): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const bit = i * 8;
    const keep = prefix >= bit + 8 ? 0xff : prefix <= bit ? 0 : (0xff << (bit + 8 - prefix)) & 0xff;
    if ((bytes[i]! & ~keep & 0xff) !== 0) return false;
  }
  return true;
}

/**
 * Parses `address[/prefix]` (no prefix: a single host, /32 or /128). Returns
 * undefined when it is not an address at all (OpenSSH then tries it as a
 * wildcard pattern); throws PatternError when it is an address with an
 * impossible prefix or with host bits set past the prefix (OpenSSH's
 * "inconsistent mask length").
 */
export function parseCidr(text: string): CidrNetwork | undefined {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  let prefix: number | undefined;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 128) return undefined;
    prefix = Number(p);
  }
  // A mapped address is a network entry in IPv6 terms: keep it IPv6 here.
  const v4 = parseIpv4(addrText);
  const v6 = v4 === undefined ? parseIpv6(addrText) : undefined;
  const address: IpAddress | undefined = v4 ? { family: 4, bytes: v4 } : v6 ? { family: 6, bytes: v6 } : undefined;
  if (address === undefined) return undefined;
  const max = address.family === 4 ? 32 : 128;
  prefix ??= max;
  if (prefix > max) throw new PatternError(text, `prefix /${prefix} is longer than an IPv${address.family} address`);
  if (!hostBitsZero(address.bytes, prefix)) throw new PatternError(text, `host bits are set past the /${prefix} prefix`);
  return { address, prefix };
}

/** Whether `address` lies in `network` (families must agree). */
export function addressInNetwork(address: IpAddress, network: CidrNetwork): boolean {
  return address.family === network.address.family && samePrefix(address.bytes, network.address.bytes, network.prefix);
}

/**
 * An address against a `from=`-style list (OpenSSH addr_match_list): each
 * entry, optionally `!`-negated, is a CIDR network or, if it does not parse
 * as one, a wildcard pattern matched against the address text. A client
 * address that is not numeric matches nothing. Throws PatternError for an
 * empty entry or an inconsistent CIDR entry.
 */
export function matchAddressList(address: string, list: string): PatternListResult {
  const addr = parseIpAddress(address);
  // Wildcards match the text sshd would print: a mapped address as IPv4.
  const text = addr?.family === 4 ? addr.bytes.join('.') : address;
  let result: PatternListResult = 'no-match';
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    if (entry === '') throw new PatternError(list, 'empty entry in address list');
    const network = parseCidr(entry);
    const hit = network !== undefined ? addr !== undefined && addressInNetwork(addr, network) : addr !== undefined && matchPattern(text, entry);
    if (hit) {
      if (negated) return 'negated';
      result = 'match';
    }
  }
  return result;
}

/** Characters a strict CIDR list may hold (OpenSSH's VALID_CIDR_CHARS). */
const CIDR_CHARS = /^[0-9a-fA-F.:/]+$/;

/**
 * Parses a strict CIDR list (OpenSSH addr_match_cidr_list): comma-separated
 * networks, no wildcards, no negation. Throws PatternError naming the bad entry.
 */
export function parseCidrList(list: string): CidrNetwork[] {
  return list.split(',').map((entry) => {
    if (entry === '') throw new PatternError(list, 'empty entry in CIDR list');
    if (entry.length > 49) throw new PatternError(entry, 'CIDR list entry too long'); // INET6_ADDRSTRLEN + 3
    if (!CIDR_CHARS.test(entry)) throw new PatternError(entry, 'CIDR list entry contains invalid characters');
    const network = parseCidr(entry);
    if (network === undefined) throw new PatternError(entry, 'not an address or network');
    return network;
  });
}

/**
 * Whether `address` is in any network of a strict CIDR list (certificate
 * `source-address`). A non-numeric address matches nothing; an invalid list
 * throws PatternError.
 */
export function matchCidrList(address: string, list: string): boolean {
  const networks = parseCidrList(list);
  const addr = parseIpAddress(address);
  return addr !== undefined && networks.some((n) => addressInNetwork(addr, n));
}

/**
 * sshd's check of a `from=` list (match_host_and_ip): refused if the address
 * matches a negated entry or is invalid, refused if the host name matches a
 * negated pattern, allowed if either the address or the host name matches.
 * `host` is the client's name when sshd resolves it (UseDNS yes), else its
 * address — pass the address then, as sshd does with UseDNS no (the default).
 */
export function matchHostAndAddress(host: string, address: string, list: string): boolean {
  const byAddress = matchAddressList(address, list);
  if (byAddress === 'negated') return false;
  const byName = matchHostname(host, list);
  if (byName === 'negated') return false;
  return byAddress === 'match' || byName === 'match';
}
