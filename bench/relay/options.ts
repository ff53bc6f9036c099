/** Command-line flags of the relay benchmark (documented in index.ts). */
import { PEER_NAMES, type PeerName } from './peers.ts';
import type { CipherCase, JumpServer } from './hosts.ts';

const ETM = 'hmac-sha2-256-etm@openssh.com';
export const CIPHERS: readonly CipherCase[] = [
  { name: 'chacha20-poly1305', cipher: 'chacha20-poly1305@openssh.com', mac: undefined },
  { name: 'aes128-gcm', cipher: 'aes128-gcm@openssh.com', mac: undefined },
  { name: 'aes256-gcm', cipher: 'aes256-gcm@openssh.com', mac: undefined },
  { name: 'aes128-ctr', cipher: 'aes128-ctr', mac: ETM },
];

export type Direction = 'down' | 'up';

export interface Options {
  size: number;
  reps: number;
  setupReps: number;
  peers: PeerName[];
  ciphers: CipherCase[];
  hops: number[];
  dirs: Direction[];
  jumps: JumpServer[];
  /** Ciphers the hopssh-server jump routes run (a subset of `ciphers`). */
  jumpCiphers: CipherCase[];
  /** Bytes of the hopssh-library memory check through 2 hops (0: skipped). */
  rssSize: number;
  write: boolean;
  /** Run hopssh from TypeScript through tsx instead of compiled. */
  source: boolean;
  /** After the timed runs, one run per case of each hopssh library peer under --cpu-prof (profile.ts). */
  profile: boolean;
  /** True unless every dimension is at the issue's full setting (1 GiB, 3 reps, everything). */
  reduced: boolean;
}

export const FULL = { size: 1 << 30, reps: 3, setupReps: 10, rssSize: 1 << 30 };
export const DEFAULTS = { size: 96 << 20, reps: 3, setupReps: 10, rssSize: 1 << 30, jumpCiphers: ['aes128-gcm', 'chacha20-poly1305'] };

/** "64M", "1G", "512K", "1048576". */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) throw new RangeError(`bad size ${JSON.stringify(s)} (e.g. 64M, 1G)`);
  const mult = { '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * mult);
}

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!all.includes(i as T)) throw new RangeError(`unknown ${what} ${JSON.stringify(i)} (one of ${all.join(', ')})`);
  return items as T[];
}

function ciphers(value: string | undefined): CipherCase[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => {
    const c = CIPHERS.find((x) => x.name === s.trim() || x.cipher === s.trim());
    if (!c) throw new RangeError(`unknown cipher ${JSON.stringify(s)} (one of ${CIPHERS.map((x) => x.name).join(', ')})`);
    return c;
  });
}

const FLAGS = ['size', 'reps', 'setup-reps', 'peers', 'ciphers', 'hops', 'dirs', 'jumps', 'jump-ciphers', 'rss-size'];
/** Flags without a value. */
const SWITCHES = ['--source', '--no-write', '--profile'];

export function parseOptions(argv: readonly string[]): Options {
  const v = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (SWITCHES.includes(a)) {
      switches.add(a);
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !FLAGS.includes(m[1]!)) throw new RangeError(`unknown argument ${JSON.stringify(a)} (flags: ${FLAGS.map((f) => `--${f}`).join(' ')} ${SWITCHES.join(' ')})`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new RangeError(`--${m[1]} needs a value`);
    v.set(m[1]!, value);
  }
  const count = (k: string, d: number): number => {
    const n = v.has(k) ? Number(v.get(k)) : d;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${k} must be a positive integer`);
    return n;
  };
  const all = ciphers(v.get('ciphers')) ?? [...CIPHERS];
  const o: Options = {
    size: v.has('size') ? parseSize(v.get('size')!) : DEFAULTS.size,
    reps: count('reps', DEFAULTS.reps),
    setupReps: count('setup-reps', DEFAULTS.setupReps),
    peers: list(v.get('peers'), PEER_NAMES, 'peer') ?? [...PEER_NAMES],
    ciphers: all,
    hops: (list(v.get('hops'), ['0', '1', '2'], 'hop count') ?? ['0', '1', '2']).map(Number),
    dirs: list(v.get('dirs'), ['down', 'up'] as const, 'direction') ?? ['down', 'up'],
    jumps: list(v.get('jumps'), ['sshd', 'hopssh'] as const, 'jump server') ?? ['sshd', 'hopssh'],
    jumpCiphers: (ciphers(v.get('jump-ciphers')) ?? all.filter((c) => DEFAULTS.jumpCiphers.includes(c.name))).filter((c) => all.includes(c)),
    rssSize: v.has('rss-size') ? parseSize(v.get('rss-size')!) : DEFAULTS.rssSize,
    write: !switches.has('--no-write'),
    source: switches.has('--source'),
    profile: switches.has('--profile'),
    reduced: true,
  };
  if (o.size < 4 << 20) throw new RangeError('--size must be at least 4M (the upload timing skips the first 1 MiB)');
  o.reduced = !(
    o.size >= FULL.size &&
    o.reps >= FULL.reps &&
    o.setupReps >= FULL.setupReps &&
    o.rssSize >= FULL.rssSize &&
    o.peers.length === PEER_NAMES.length &&
    o.ciphers.length === CIPHERS.length &&
    o.hops.length === 3 &&
    o.dirs.length === 2 &&
    o.jumps.length === 2 &&
    o.jumpCiphers.length === CIPHERS.length
  );
  return o;
}
