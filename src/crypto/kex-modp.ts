/**
 * Finite-field Diffie-Hellman math (RFC 4253 §8): diffie-hellman-group14-sha256
 * (RFC 8268), diffie-hellman-group16-sha512, diffie-hellman-group18-sha512, and
 * the math of diffie-hellman-group-exchange-sha256 (RFC 4419) for a group the
 * transport negotiated.
 */
import { mpintBytes } from '../wire/mpint.ts';
import { writeUint32 } from '../wire/bytes.ts';
import { KexMathError } from './errors.ts';
import { runtimeModpEngine } from './kex-modp-runtime.ts';
import { MODP_GROUPS, type ModpGroup } from './modp-groups.ts';
import { FixedBaseModPow, bitLength, modPow } from './modpow.ts';
import { randomBytes } from './random.ts';
import type { HashName, KexAgreement, KexMath, ProviderChoice } from './types.ts';

const HASH_BITS: Record<HashName, number> = { sha1: 160, sha256: 256, sha384: 384, sha512: 512 };

/** Security strength of a MODP group (NIST SP 800-57 Part 1, Table 2). */
function groupStrength(pBits: number): number {
  if (pBits >= 15360) return 256;
  if (pBits >= 7680) return 192;
  if (pBits >= 3072) return 128;
  return 112;
}

/**
 * Size of the private exponent. RFC 4253 §8 only asks for a random x with
 * 1 < x < q; we use short exponents (RFC 3526 §8, NIST SP 800-56A §5.6.1.1.1):
 * twice the larger of the hash size and the group's security strength, so the
 * ~√ attacks on the exponent are never cheaper than the kex hash or the group.
 * That is 512 bits for the -sha256 methods and 1024 for -sha512 — what OpenSSH
 * picks too (2 × the bits it needs, which the hash dominates for AES keys).
 * Always below bits(p) - 1, so x < q = (p-1)/2 for a safe prime.
 */
export function dhExponentBits(pBits: number, hash: HashName): number {
  const want = 2 * Math.max(HASH_BITS[hash], groupStrength(pBits));
  return Math.min(want, pBits - 2);
}

/** Largest exponent the fixed-base tables are built for (sha512 methods). */
const TABLE_BITS = 1024;
/** Yao tables for the RFC 3526 generators, built on first use of each group. */
const tables = new Map<bigint, FixedBaseModPow>();
const knownGroups = new Set<bigint>(MODP_GROUPS.map((grp) => grp.p));

function nobleTable(p: bigint, g: bigint): FixedBaseModPow | undefined {
  if (g !== 2n || !knownGroups.has(p)) return undefined;
  let t = tables.get(p);
  if (t === undefined) {
    t = new FixedBaseModPow(g, p, TABLE_BITS);
    tables.set(p, t);
  }
  return t;
}

/**
 * The runtime engine, for the RFC 3526 groups only. node:crypto's
 * DiffieHellman constructor runs OpenSSL's DH_check, which tests p and
 * (p-1)/2 for primality unless it recognises a named group: for a group from
 * a server's moduli file (group exchange) that costs 0.4 s at 2048 bits and
 * about 50 s at 8192, per operation, where noble's modPow takes 4–40 ms.
 */
function runtimeFor(p: bigint, g: bigint, provider: ProviderChoice) {
  // 'runtime' means "the runtime where it applies" here: kex has no runtime-only path.
  return provider !== 'noble' && g === 2n && knownGroups.has(p) ? runtimeModpEngine() : undefined;
}

/**
 * g^x mod p: noble's fixed-base table for the RFC 3526 groups (on par with
 * OpenSSL at 2048 bits, faster at 4096+), so the runtime is never used here;
 * otherwise noble's sliding window (the runtime is slow for other groups, see
 * runtimeFor).
 */
function publicPow(p: bigint, g: bigint, x: bigint): bigint {
  const table = nobleTable(p, g);
  return table !== undefined ? table.pow(x) : modPow(g, x, p);
}

/** y^x mod p: the runtime for the RFC 3526 groups if it passed its self-test (provider 'auto'), else noble. */
function secretPow(p: bigint, g: bigint, x: bigint, y: bigint, provider: ProviderChoice): bigint {
  const rt = runtimeFor(p, g, provider);
  return rt !== undefined ? rt.sharedSecret(p, g, x, y) : modPow(y, x, p);
}

/** `mpint K` with its uint32 length, as it enters the exchange hash (RFC 4253 §8). */
export function encodeMpintSecret(k: bigint): Uint8Array {
  const body = mpintBytes(k);
  const out = new Uint8Array(4 + body.length);
  writeUint32(out, 0, body.length);
  out.set(body, 4);
  return out;
}

/** Parameters of one DH method. */
export interface DhParams {
  readonly name: string;
  readonly hash: HashName;
  readonly p: bigint;
  readonly g: bigint;
  readonly pBits: number;
  readonly xBits: number;
  readonly provider: ProviderChoice;
}

/**
 * Decodes the body of a peer's `mpint e`/`mpint f` and checks 1 < v < p-1
 * (RFC 4253 §8: "values not in the range [1, p-1] MUST NOT be sent or
 * accepted"; 1 and p-1 are excluded too, as they confine K to {1, p-1}).
 */
function decodePeer(params: DhParams, body: Uint8Array): bigint {
  const { name, p } = params;
  if (body.length === 0) throw new KexMathError(name, 'peer DH value is zero');
  if (body[0]! & 0x80) throw new KexMathError(name, 'peer DH value is negative');
  if (body.length > 1 && body[0] === 0 && (body[1]! & 0x80) === 0) {
    throw new KexMathError(name, 'peer DH value has an unnecessary leading zero byte');
  }
  if (body.length > ((params.pBits + 7) >> 3) + 1) {
    throw new KexMathError(name, `peer DH value of ${body.length} bytes is longer than p`);
  }
  let v = 0n;
  for (const b of body) v = (v << 8n) | BigInt(b);
  if (v <= 1n || v >= p - 1n) throw new KexMathError(name, 'peer DH value is out of range (must satisfy 1 < v < p-1)');
  return v;
}

/** Random exponent of exactly xBits bits (top bit set), so 2^(xBits-1) <= x < 2^xBits < q. */
function randomExponent(xBits: number): bigint {
  const bytes = randomBytes((xBits + 7) >> 3);
  const extra = bytes.length * 8 - xBits;
  bytes[0]! &= 0xff >> extra;
  bytes[0]! |= 0x80 >> extra;
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  bytes.fill(0);
  return x;
}

/** One side's ephemeral DH key: x and e = g^x mod p (RFC 4253 §8). */
class DhAgreement implements KexAgreement {
  readonly publicValue: Uint8Array;
  private x: bigint;

  constructor(
    private readonly params: DhParams,
    x?: bigint,
  ) {
    this.x = x ?? randomExponent(params.xBits);
    this.publicValue = mpintBytes(publicPow(params.p, params.g, this.x));
  }

  computeSecret(peerValue: Uint8Array): Uint8Array {
    const { p, g, provider, name } = this.params;
    if (this.x === 0n) throw new TypeError(`${name}: the agreement was disposed`);
    const y = decodePeer(this.params, peerValue);
    const k = secretPow(p, g, this.x, y, provider);
    if (k <= 1n || k >= p - 1n) throw new KexMathError(name, 'shared secret is degenerate');
    return encodeMpintSecret(k);
  }

  /** Drops the private exponent (BigInts cannot be overwritten in place). */
  dispose(): void {
    this.x = 0n;
  }
}

/** A finite-field DH method over one group. */
export class DhMath implements KexMath {
  readonly name: string;
  readonly hash: HashName;
  /** The group and the private exponent size used. */
  readonly params: Readonly<DhParams>;

  constructor(params: DhParams) {
    this.params = params;
    this.name = params.name;
    this.hash = params.hash;
  }

  /** An agreement with a chosen private exponent 1 < x < p-1, for known-answer tests only. */
  withPrivateExponent(x: bigint): KexAgreement {
    if (x <= 1n || x >= this.params.p - 1n) throw new RangeError(`${this.name}: private exponent out of range`);
    return new DhAgreement(this.params, x);
  }

  client(): KexAgreement {
    return new DhAgreement(this.params);
  }

  server(clientValue: Uint8Array): KexAgreement {
    decodePeer(this.params, clientValue); // fail before doing any work
    return new DhAgreement(this.params);
  }
}

function makeDhMath(name: string, hash: HashName, p: bigint, g: bigint, provider: ProviderChoice): DhMath {
  const pBits = bitLength(p);
  return new DhMath({ name, hash, p, g, pBits, xBits: dhExponentBits(pBits, hash), provider });
}

/** Math of a fixed-group method: diffie-hellman-group14-sha256 etc. */
export function createModpMath(name: string, group: ModpGroup, hash: HashName, provider: ProviderChoice = 'auto'): DhMath {
  return makeDhMath(name, hash, group.p, group.g, provider);
}

/** Smallest and largest group sizes accepted for group exchange (RFC 8270 §3; RFC 4419 §3). */
export const GEX_MIN_BITS = 2048;
export const GEX_MAX_BITS = 8192;

const GEX_NAMES: Record<HashName, string> = {
  sha1: 'diffie-hellman-group-exchange-sha1',
  sha256: 'diffie-hellman-group-exchange-sha256',
  sha384: 'diffie-hellman-group-exchange-sha384',
  sha512: 'diffie-hellman-group-exchange-sha512',
};

/**
 * Math for diffie-hellman-group-exchange (RFC 4419) over the group (p, g)
 * received in SSH_MSG_KEX_DH_GEX_GROUP (or chosen by our server). Checks that
 * p is odd and of 2048..8192 bits and that 1 < g < p-1; throws KexMathError
 * otherwise. Primality of p is not tested (as in OpenSSH: a server can harm
 * its own session in many other ways).
 */
export function createGexMath(p: bigint, g: bigint, hash: HashName, provider: ProviderChoice = 'auto'): DhMath {
  const name = GEX_NAMES[hash];
  if (name === undefined) throw new TypeError(`createGexMath: unknown hash ${String(hash)}`);
  const bits = p > 0n ? bitLength(p) : 0;
  if (bits < GEX_MIN_BITS || bits > GEX_MAX_BITS) {
    throw new KexMathError(name, `group modulus of ${bits} bits is outside ${GEX_MIN_BITS}..${GEX_MAX_BITS}`);
  }
  if ((p & 1n) === 0n) throw new KexMathError(name, 'group modulus is even');
  if (g <= 1n || g >= p - 1n) throw new KexMathError(name, 'group generator is out of range (must satisfy 1 < g < p-1)');
  return makeDhMath(name, hash, p, g, provider);
}

/**
 * Server side of RFC 4419 §3: the group for a client's (min, n, max) request,
 * from the RFC 3526 groups 14..18 (2048..8192 bits). Picks the smallest group
 * of at least n bits, else the largest below n, among those within
 * [min, max]; undefined when none fits (the server must then disconnect).
 */
export function chooseGexGroup(min: number, n: number, max: number): { p: bigint; g: bigint } | undefined {
  if (!(min <= max)) return undefined;
  const fits = MODP_GROUPS.filter((grp) => grp.bits >= min && grp.bits <= max);
  if (fits.length === 0) return undefined;
  const pick = fits.find((grp) => grp.bits >= n) ?? fits[fits.length - 1]!;
  return { p: pick.p, g: pick.g };
}
