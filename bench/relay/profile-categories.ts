/**
 * What a V8 CPU profile (`node --cpu-prof`, a .cpuprofile: the DevTools
 * protocol's Profiler.Profile) of a hopssh relay spends its time on, by
 * category of self time. Each sample's time delta goes to the category of
 * the function on top of the stack when it was taken:
 *
 *   nodeCrypto    node's crypto internals (node:internal/crypto/*: createCipheriv, Cipheriv,
 *                 update, final, setAAD, setAuthTag, getAuthTag; their C++ runs under these frames)
 *   hopsshCrypto  hopssh's own crypto: src/crypto/*, its WebAssembly (wasm:// scripts,
 *                 wasm-function[n]), @noble/* (what `crypto: 'noble'` runs)
 *   gc            V8's garbage collector
 *   io            socket and pipe I/O: node:net, node:stream and stream internals (onStreamRead,
 *                 writeGeneric), the native stream-handle methods (writeBuffer, writev, …)
 *   protocol      hopssh's protocol code: any other src/ folder (wire, io, transport, channel, jump, …)
 *   other         everything else: the peer's own relay code, node's events and timers, start-up,
 *                 (program) (native code with no JavaScript on the stack)
 *   idle          the thread waiting in the event loop
 *
 * A frame with no script (a builtin such as TypedArray.prototype.set, an
 * API callback, js-to-wasm) does its caller's work: it takes the category
 * of its nearest ancestor that has one.
 */

export const CATEGORIES = ['nodeCrypto', 'hopsshCrypto', 'gc', 'io', 'protocol', 'other', 'idle'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  nodeCrypto: 'node:crypto',
  hopsshCrypto: 'hopssh crypto (JS/wasm)',
  gc: 'GC',
  io: 'socket/pipe I/O',
  protocol: 'hopssh protocol',
  other: 'other',
  idle: 'idle',
};

/** The parts of a Profiler.Profile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  /** µs, V8's monotonic clock (the same as process.hrtime's on Linux). */
  startTime: number;
  endTime: number;
  /** Node id on top of the stack at each sample. */
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/** Native stream-handle methods (src/stream_base.cc) by name, wherever they are called from. */
const STREAM_HANDLE = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String', 'readStart', 'readStop', 'shutdown']);
const NODE_IO = /^node:(?:net|stream|tty|internal\/(?:net|stream_base_commons|streams\/))/;
/** A bench build (build.ts) puts hopssh under node_modules/.cache/hopssh-bench-relay-<pid>/out/; anything else under node_modules is not hopssh. */
const HOPSSH_SRC = /^file:\/\/(?:.*\/node_modules\/\.cache\/hopssh-bench-relay-\d+\/out\/|(?!.*\/node_modules\/).*\/)src\/(?:([a-z-]+)\/)?(?:[^/]+\/)*[^/]+$/;

/** A frame's category, or undefined for a frame with no script of its own (it does its caller's work). */
export function frameCategory(frame: { functionName: string; url: string }): Category | undefined {
  const { functionName: name, url } = frame;
  if (url === '') {
    if (name === '(garbage collector)') return 'gc';
    if (name === '(idle)') return 'idle';
    if (name === '(program)' || name === '(root)') return 'other';
    if (name.startsWith('wasm-function[')) return 'hopsshCrypto';
    if (STREAM_HANDLE.has(name)) return 'io';
    return undefined;
  }
  if (url.startsWith('node:internal/crypto/') || url === 'node:crypto') return 'nodeCrypto';
  if (NODE_IO.test(url)) return 'io';
  if (url.startsWith('wasm://') || url.includes('/node_modules/@noble/')) return 'hopsshCrypto';
  const src = HOPSSH_SRC.exec(url);
  if (src) return src[1] === 'crypto' ? 'hopsshCrypto' : 'protocol';
  return 'other';
}

export interface CategoryTimes {
  /** µs of self time per category. */
  us: Record<Category, number>;
  /** µs the counted samples cover (the thread's wall time in the window). */
  wallUs: number;
  /** The functions with the most self time: name, script and µs, most first. */
  top: { name: string; url: string; category: Category; us: number }[];
}

/** Self time by category, of the samples taken within `window` ([from, to] µs on the profile's clock) if given. */
export function selfTimeByCategory(profile: CpuProfile, window?: readonly [number, number], topN = 10): CategoryTimes {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const resolved = new Map<number, Category>();
  const categoryOf = (id: number): Category => {
    const known = resolved.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    if (node === undefined) throw new RangeError(`cpuprofile: sample names node ${id}, which is not in nodes[]`);
    const own = frameCategory(node.callFrame);
    const up = parent.get(id);
    const c = own ?? (up === undefined ? 'other' : categoryOf(up));
    resolved.set(id, c);
    return c;
  };
  const us = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const perNode = new Map<number, number>();
  let t = profile.startTime;
  let wallUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = profile.timeDeltas[i] ?? 0;
    t += d;
    if (window && (t < window[0] || t > window[1])) continue;
    const id = profile.samples[i]!;
    us[categoryOf(id)] += d;
    perNode.set(id, (perNode.get(id) ?? 0) + d);
    wallUs += d;
  }
  // One function can be several nodes (one per call path): sum them by name, script and category (a builtin's is its caller's).
  const perFunction = new Map<string, CategoryTimes['top'][number]>();
  for (const [id, d] of perNode) {
    const f = byId.get(id)!.callFrame;
    const category = categoryOf(id);
    const key = `${f.functionName}\0${f.url}\0${category}`;
    const e = perFunction.get(key) ?? { name: f.functionName || '(anonymous)', url: f.url, category, us: 0 };
    e.us += d;
    perFunction.set(key, e);
  }
  const top = [...perFunction.values()].sort((a, b) => b.us - a.us).slice(0, topN);
  return { us, wallUs, top };
}
