/**
 * Bytes copied per byte relayed through 1, 2 and 3 jump hosts (issue 5;
 * DESIGN.md, "The byte path": no copy of the payload per layer beyond what
 * the ciphers write).
 *
 * The jump hosts and the target are hopssh servers in a child process, on
 * loopback TCP (each jump host forwards direct-tcpip to the next over TCP);
 * the client chains through them with connect(). N MiB go down (`source N`
 * on the target, read by a session) and up (a session's stdin into `sink`).
 * For the duration of each transfer, both processes count the bytes
 * JavaScript copies:
 *
 * - %TypedArray%.prototype.set, .slice and .copyWithin, Uint8Array.from,
 *   `new Uint8Array(source)` (a Proxy on the global), Buffer#copy and
 *   Buffer.concat — each attributed to the first stack frame outside this
 *   file (copies under 64 bytes are counted, not attributed);
 * - "cipher output": what node:crypto's Cipheriv/Decipheriv update() and
 *   final() return — the cipher's output, in a buffer of node's making.
 *
 * They are reported per payload byte, split into the cipher's writes
 * (node's cipher output), its copy back into the packet or into the receive
 * buffer (src/crypto/providers/runtime.ts), the MAC's input staged in
 * WebAssembly memory (hopssh's Poly1305, src/crypto/poly1305-wasm.ts: the
 * module reads only its own memory), copies inside noble (GHASH copies its
 * input; noble.ts's aligned scratch) and other copies — per provider: `auto`
 * (node:crypto where it passed its self-test and is faster; chacha20-poly1305
 * is node's ChaCha20 with hopssh's Poly1305) and `crypto: 'noble'` (in place
 * where it can), for chacha20-poly1305 and aes128-gcm. The client process is
 * what a hopssh user runs (one transport per hop, nested); the servers'
 * copies are those of hopssh as jump hosts and target.
 *
 * Run: npm run bench:copies  → bench/results/copies.json and copies.md
 *      (COPIES_MIB=n to relay n MiB per transfer; default 32)
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import * as net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect, type SshClient } from '../src/jump/client.ts';
import { nodeNetwork } from '../src/io/node-network.ts';
import { NodeSocketStream } from '../src/io/node-socket.ts';
import { ServerTransport } from '../src/transport/transport.ts';
import { Connection } from '../src/channel/connection.ts';
import { serveForwarding } from '../src/channel/forward-server.ts';
import { serveSessions } from '../src/channel/session-server.ts';
import { serveUserAuth } from '../src/auth/userauth-server.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import type { ProviderChoice } from '../src/crypto/types.ts';
import { constantTimeEqual, fromUtf8 } from '../src/wire/bytes.ts';
import { fromBase64, toBase64 } from '../src/wire/base64.ts';
import { briefEnvironment, headerLine } from './lib/environment.ts';
import { writeResults } from './lib/results.ts';

const MiB = 1 << 20;
const THIS_FILE = fileURLToPath(import.meta.url);
/** Copies smaller than this are counted but not attributed (no stack trace taken). */
const ATTRIBUTE_FROM = 64;

// ------------------------------------------------------------------ the meter

type Counts = Record<string, number>;

/** Counts copies while on. Installed once per process, before anything is measured. */
class CopyMeter {
  on = false;
  bytes: Counts = {};
  private readonly root = process.cwd() + '/';

  start(): void {
    this.bytes = {};
    this.on = true;
  }

  stop(): Counts {
    this.on = false;
    return this.bytes;
  }

  add(site: string, n: number): void {
    this.bytes[site] = (this.bytes[site] ?? 0) + n;
  }

  /** A copy of `n` bytes made by the caller of the patched function. */
  copy(n: number): void {
    if (!this.on || n === 0) return;
    this.add(n < ATTRIBUTE_FROM ? `(copies under ${ATTRIBUTE_FROM} B)` : this.site(), n);
  }

  /** The first frame outside this file and node's internals, as "function (file) ← its caller". */
  private site(): string {
    const holder: { stack?: string } = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 14;
    Error.captureStackTrace(holder);
    Error.stackTraceLimit = limit;
    const frames: string[] = [];
    for (const line of (holder.stack ?? '').split('\n').slice(1)) {
      const m = /^\s*at (?:(.*?) \()?(.*?):\d+:\d+\)?$/.exec(line);
      if (!m) continue;
      const file = m[2]!.replace(/^file:\/\//, '');
      if (file === THIS_FILE || file.startsWith('node:')) continue;
      const rel = file.startsWith(this.root) ? file.slice(this.root.length) : file;
      const where = rel.includes('node_modules/') ? rel.slice(rel.lastIndexOf('node_modules/') + 13) : rel;
      const fn = (m[1] ?? '(anonymous)').replace(/^(async |new )/, '');
      frames.push(frames.length === 0 ? `${fn} (${where})` : fn);
      if (frames.length === 2) break;
    }
    return frames.length === 0 ? '(unknown)' : frames.join(' ← ');
  }
}

const meter = new CopyMeter();

/** Patches the copying functions of typed arrays, Buffer and node:crypto's ciphers to report to `meter`. */
function installMeter(): void {
  const TA = Object.getPrototypeOf(Uint8Array.prototype) as {
    set(this: ArrayBufferView & { BYTES_PER_ELEMENT: number }, src: ArrayLike<number>, off?: number): void;
    slice(this: ArrayBufferView, start?: number, end?: number): ArrayBufferView;
    copyWithin(this: ArrayBufferView & { BYTES_PER_ELEMENT: number }, target: number, start: number, end?: number): unknown;
  };
  const set = TA.set;
  TA.set = function (src, off) {
    meter.copy(src.length * this.BYTES_PER_ELEMENT);
    return set.call(this, src, off);
  };
  const slice = TA.slice;
  TA.slice = function (start, end) {
    const out = slice.call(this, start, end);
    meter.copy(out.byteLength);
    return out;
  };
  const copyWithin = TA.copyWithin;
  TA.copyWithin = function (target, start, end) {
    const len = this.byteLength / this.BYTES_PER_ELEMENT;
    const s = start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
    const e = end === undefined ? len : end < 0 ? Math.max(len + end, 0) : Math.min(end, len);
    meter.copy(Math.max(e - s, 0) * this.BYTES_PER_ELEMENT);
    return copyWithin.call(this, target, start, end);
  };
  const from = Uint8Array.from.bind(Uint8Array) as (...a: unknown[]) => Uint8Array;
  Object.defineProperty(Uint8Array, 'from', {
    value: (...a: unknown[]) => {
      const out = from(...a);
      meter.copy(out.byteLength);
      return out;
    },
    configurable: true,
    writable: true,
  });
  // new Uint8Array(typedArrayOrArray) copies; new Uint8Array(length) and new Uint8Array(buffer, …) do not.
  const U8 = Uint8Array;
  (globalThis as { Uint8Array: unknown }).Uint8Array = new Proxy(U8, {
    construct(target, args, newTarget) {
      const a = args[0] as unknown;
      if (typeof a === 'object' && a !== null && !(a instanceof ArrayBuffer) && !(a instanceof SharedArrayBuffer)) {
        meter.copy((a as ArrayLike<number>).length ?? 0);
      }
      return Reflect.construct(target, args, newTarget === U8 ? target : newTarget) as object;
    },
  });
  const bufCopy = Buffer.prototype.copy;
  Buffer.prototype.copy = function (this: Buffer, target: Uint8Array, targetStart?: number, sourceStart?: number, sourceEnd?: number) {
    const n = bufCopy.call(this, target, targetStart, sourceStart, sourceEnd);
    meter.copy(n);
    return n;
  };
  const concat = Buffer.concat;
  Buffer.concat = function (list: readonly Uint8Array[], totalLength?: number) {
    const out = concat.call(Buffer, list, totalLength);
    meter.copy(out.length);
    return out;
  } as typeof Buffer.concat;
  // node:crypto's cipher output: update() and final() return fresh buffers.
  const key = Buffer.alloc(16);
  for (const c of [nodeCrypto.createCipheriv('aes-128-ctr', key, key), nodeCrypto.createDecipheriv('aes-128-ctr', key, key)]) {
    let proto: object | null = Object.getPrototypeOf(c) as object;
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'update')) proto = Object.getPrototypeOf(proto) as object | null;
    if (!proto) throw new Error('node:crypto Cipheriv.prototype.update not found');
    const p = proto as { update(...a: unknown[]): Buffer; final(...a: unknown[]): Buffer };
    const update = p.update;
    const final = p.final;
    p.update = function (...a: unknown[]) {
      const out = update.apply(this, a);
      if (meter.on) meter.add(CIPHER_OUTPUT, out.length);
      return out;
    };
    p.final = function (...a: unknown[]) {
      const out = final.apply(this, a);
      if (meter.on) meter.add(CIPHER_OUTPUT, out.length);
      return out;
    };
  }
}

const CIPHER_OUTPUT = 'cipher output (node:crypto update/final)';

/**
 * Which column a site belongs to: the cipher's output (node's), its copy back
 * into the packet (runtime.ts), the MAC's input staged for WebAssembly
 * (poly1305-wasm.ts), copies inside noble (GHASH's update() copies the input;
 * unaligned data goes through a scratch buffer), everything else.
 */
function category(site: string): keyof Omit<Split, 'total'> {
  if (site === CIPHER_OUTPUT) return 'cipherOutput';
  if (site.includes('src/crypto/providers/runtime.ts')) return 'cipherWriteBack';
  // hopssh's WebAssembly engines (Poly1305, AES, AES-GCM, ChaCha20, SHA-2) read and write only their own memory.
  if (/src\/crypto\/[a-z0-9-]*wasm[a-z0-9-]*\.ts/.test(site)) return 'wasmStaging';
  if (site.includes('src/crypto/providers/noble.ts') || site.includes('@noble/')) return 'noble';
  return 'other';
}

// ------------------------------------------------------------------ the hosts (child process)

const HOST_NAMES = ['j1', 'j2', 'j3', 'target'] as const;

interface HostsReady {
  ready: true;
  ports: Record<(typeof HOST_NAMES)[number], number>;
  hostKey: string;
}

async function runHosts(provider: ProviderChoice): Promise<void> {
  installMeter();
  const key = generateSigningKey('ssh-ed25519');
  const block = new Uint8Array(256 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
  const serve = (stream: NodeSocketStream): void => {
    const t = new ServerTransport(stream, { hostKeys: [key], crypto: provider });
    const c = new Connection(t);
    serveUserAuth(t, { publicKey: () => true, failureDelayMs: 0 }).then(
      () => {
        serveForwarding(c, { network: nodeNetwork, directTcpip: () => 'allow' });
        serveSessions(c, (s) => {
          s.onExec = (command) => {
            if (command === 'sink') {
              let n = 0;
              s.onData = (d) => void (n += d.length);
              s.onEnd = () => {
                s.write(`${n}\n`);
                s.exit(0);
              };
              return true;
            }
            const m = /^source (\d+)$/.exec(command);
            if (m) {
              let left = Number(m[1]);
              const pump = (): void => {
                while (left > 0) {
                  const n = Math.min(left, block.length);
                  left -= n;
                  if (!s.write(n === block.length ? block : block.subarray(0, n))) {
                    s.onDrain = pump;
                    return;
                  }
                }
                s.exit(0);
              };
              queueMicrotask(pump);
              return true;
            }
            return false;
          };
        });
      },
      () => undefined,
    );
  };
  const ports = {} as HostsReady['ports'];
  for (const name of HOST_NAMES) {
    const server = net.createServer({ pauseOnConnect: true }, (sock) => serve(new NodeSocketStream(sock)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[name] = (server.address() as net.AddressInfo).port;
  }
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'start') {
      meter.start();
      process.send!({ started: true });
    } else if (m.cmd === 'stop') {
      process.send!({ copies: meter.stop() });
    } else if (m.cmd === 'exit') {
      process.exit(0);
    }
  });
  process.send!({ ready: true, ports, hostKey: toBase64(key.publicBlob) } satisfies HostsReady);
}

// ------------------------------------------------------------------ the client (this process)

class Hosts {
  private waiting: ((m: Record<string, unknown>) => void)[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly ready: HostsReady,
  ) {
    child.on('message', (m: Record<string, unknown>) => this.waiting.shift()?.(m));
  }

  static async start(provider: ProviderChoice): Promise<Hosts> {
    const child = fork(THIS_FILE, ['hosts', provider], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<HostsReady>((resolve, reject) => {
      child.once('message', (m: HostsReady) => resolve(m));
      child.once('exit', (code) => reject(new Error(`hosts process exited (${code})`)));
    });
    return new Hosts(child, ready);
  }

  private ask(cmd: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send({ cmd });
    });
  }

  async meterStart(): Promise<void> {
    await this.ask('start');
  }

  async meterStop(): Promise<Counts> {
    return (await this.ask('stop')).copies as Counts;
  }

  stop(): void {
    this.child.send({ cmd: 'exit' });
  }
}

async function download(client: SshClient, bytes: number): Promise<void> {
  const session = await client.openSession();
  let got = 0;
  session.onData = (d) => void (got += d.length);
  await session.exec(`source ${bytes}`);
  session.end();
  const exit = await session.done;
  if (exit.exitStatus !== 0 || got !== bytes) throw new Error(`download: ${got} of ${bytes} bytes, exit ${exit.exitStatus}`);
}

async function upload(client: SshClient, bytes: number): Promise<void> {
  const chunk = new Uint8Array(256 * 1024).map((_, i) => (i * 13 + 5) & 0xff);
  const r = await client.exec('sink', {
    stdin: (function* () {
      for (let n = 0; n < bytes; n += chunk.length) yield n + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - n);
    })(),
  });
  const n = Number(fromUtf8(r.stdout).trim());
  if (r.exitStatus !== 0 || n !== bytes) throw new Error(`upload: the target counted ${n} of ${bytes} bytes`);
}

interface Split {
  /** What node:crypto's ciphers returned (their output, in buffers of node's making). */
  cipherOutput: number;
  /** That output copied into the packet, or into the receive buffer for a packet opened in pieces (src/crypto/providers/runtime.ts). */
  cipherWriteBack: number;
  /** The MAC's input copied into WebAssembly memory (hopssh's Poly1305, src/crypto/poly1305-wasm.ts): part of the MAC's own work. */
  wasmStaging: number;
  /** Copies inside noble: GHASH's update() copies its input; the aligned scratch of noble.ts. */
  noble: number;
  /** Every other copy (channels, packet reassembly, relays …). */
  other: number;
  total: number;
}

interface Row {
  provider: ProviderChoice;
  cipher: string;
  hops: number;
  direction: 'down' | 'up';
  payloadBytes: number;
  seconds: number;
  /** Bytes copied per payload byte. */
  client: Split;
  hosts: Split;
  /** Sites of the client's and the hosts' copies, bytes per payload byte, largest first. */
  clientSites: Record<string, number>;
  hostSites: Record<string, number>;
}

function split(counts: Counts, payload: number): { split: Split; sites: Record<string, number> } {
  const s: Split = { cipherOutput: 0, cipherWriteBack: 0, wasmStaging: 0, noble: 0, other: 0, total: 0 };
  for (const [site, n] of Object.entries(counts)) {
    s[category(site)] += n / payload;
    s.total += n / payload;
  }
  for (const k of Object.keys(s) as (keyof Split)[]) s[k] = Math.round(s[k] * 1000) / 1000;
  const sites = Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([site, n]) => [site, Math.round((n / payload) * 1000) / 1000]),
  );
  return { split: s, sites };
}

async function measure(hosts: Hosts, provider: ProviderChoice, cipher: string, hops: number, mib: number): Promise<Row[]> {
  const { ports, hostKey } = hosts.ready;
  const trusted = fromBase64(hostKey);
  const userKey = generateSigningKey('ssh-ed25519');
  const jumps = (['j1', 'j2', 'j3'] as const).slice(0, hops).map((j) => ({ host: '127.0.0.1', port: ports[j] }));
  const client = await connect({
    host: '127.0.0.1',
    port: ports.target,
    username: 'bench',
    credentials: [{ type: 'publickey', key: userKey }],
    verifyHostKey: (info) => constantTimeEqual(info.publicKey, trusted),
    algorithms: { ciphers: [cipher] },
    transport: { crypto: provider },
    network: nodeNetwork,
    jump: jumps,
  });
  const rows: Row[] = [];
  try {
    const bytes = mib * MiB;
    for (const direction of ['down', 'up'] as const) {
      // A short transfer first, so that what the first one allocates (arenas, buffers) is not counted.
      await (direction === 'down' ? download(client, MiB) : upload(client, MiB));
      await hosts.meterStart();
      meter.start();
      const t0 = performance.now();
      await (direction === 'down' ? download(client, bytes) : upload(client, bytes));
      const seconds = (performance.now() - t0) / 1000;
      const ours = meter.stop();
      const theirs = await hosts.meterStop();
      const c = split(ours, bytes);
      const h = split(theirs, bytes);
      rows.push({ provider, cipher, hops, direction, payloadBytes: bytes, seconds: Math.round(seconds * 100) / 100, client: c.split, hosts: h.split, clientSites: c.sites, hostSites: h.sites });
      const show = (x: Split): string =>
        `${x.total.toFixed(2)} (cipher output ${x.cipherOutput.toFixed(2)}, write-back ${x.cipherWriteBack.toFixed(2)}, WebAssembly staging ${x.wasmStaging.toFixed(2)}, noble ${x.noble.toFixed(2)}, other ${x.other.toFixed(2)})`;
      console.log(`${provider.padEnd(5)} ${cipher.padEnd(29)} ${hops} hop(s) ${direction.padEnd(4)} ${(bytes / MiB / seconds).toFixed(0).padStart(4)} MiB/s  client ${show(c.split)}  hosts ${show(h.split)}`);
    }
  } finally {
    await client.close();
  }
  return rows;
}

async function main(): Promise<void> {
  installMeter();
  const mib = Number(process.env.COPIES_MIB ?? 32);
  const cases: { provider: ProviderChoice; cipher: string }[] = [
    { provider: 'auto', cipher: 'chacha20-poly1305@openssh.com' },
    { provider: 'auto', cipher: 'aes128-gcm@openssh.com' },
    { provider: 'noble', cipher: 'chacha20-poly1305@openssh.com' },
    { provider: 'noble', cipher: 'aes128-gcm@openssh.com' },
  ];
  const rows: Row[] = [];
  for (const provider of ['auto', 'noble'] as const) {
    const hosts = await Hosts.start(provider);
    try {
      for (const { cipher } of cases.filter((c) => c.provider === provider)) {
        for (const hops of [1, 2, 3]) rows.push(...(await measure(hosts, provider, cipher, hops, mib)));
      }
    } finally {
      hosts.stop();
    }
  }
  report(rows, mib);
}

// ------------------------------------------------------------------ results

/** Writes copies.json and copies.md. */
function report(rows: Row[], mib: number): void {
  const { cores, ...env } = briefEnvironment();
  const meta = {
    ...env,
    loadAverage1m: loadavg()[0],
    payloadMiB: mib,
    note: 'bytes copied by JavaScript per payload byte, during the transfer; client = the hopssh client process (one nested transport per hop), hosts = the hopssh jump hosts and target',
  };
  const f = (x: number): string => x.toFixed(2);
  const table = rows.map(
    (r) =>
      `| ${r.provider} | ${r.cipher.replace('@openssh.com', '')} | ${r.hops} | ${r.direction} | ${f(r.client.cipherOutput)} | ${f(r.client.cipherWriteBack)} | ${f(r.client.wasmStaging)} | ${f(r.client.noble)} | ${f(r.client.other)} | **${f(r.client.total)}** | ${f(r.hosts.total)} | ${f(r.hosts.other)} | ${(r.payloadBytes / MiB / r.seconds).toFixed(0)} |`,
  );
  // What one more jump host costs the client: (3 hops − 1 hop) / 2, per column.
  const perHop = rows
    .filter((r) => r.hops === 3)
    .map((r3) => {
      const r1 = rows.find((r) => r.provider === r3.provider && r.cipher === r3.cipher && r.direction === r3.direction && r.hops === 1)!;
      const d = (k: keyof Split): string => f((r3.client[k] - r1.client[k]) / 2);
      return `| ${r3.provider} | ${r3.cipher.replace('@openssh.com', '')} | ${r3.direction} | ${d('cipherOutput')} | ${d('cipherWriteBack')} | ${d('wasmStaging')} | ${d('noble')} | ${d('other')} | **${d('total')}** |`;
    });
  const sitesOf = (r: Row | undefined, which: 'clientSites' | 'hostSites'): string[] =>
    r ? Object.entries(r[which]).filter(([, v]) => v >= 0.005).map(([site, v]) => `| ${site} | ${f(v)} |`) : [];
  const pick = (provider: string, cipher: string, hops: number, direction: string): Row | undefined =>
    rows.find((r) => r.provider === provider && r.cipher === cipher && r.hops === hops && r.direction === direction);
  const detail = (provider: string, cipher: string, hops: number, direction: 'down' | 'up'): string[] => [
    `### ${provider}, ${cipher}, ${hops} hop(s), ${direction}`,
    '',
    '| client: site | bytes per payload byte |',
    '| --- | ---: |',
    ...sitesOf(pick(provider, cipher, hops, direction), 'clientSites'),
    '',
    '| jump hosts and target: site | bytes per payload byte |',
    '| --- | ---: |',
    ...sitesOf(pick(provider, cipher, hops, direction), 'hostSites'),
    '',
  ];
  const md = [
    '# Copies benchmark',
    '',
    headerLine(meta, `${meta.cpu} × ${cores}`, `Node ${meta.node}`, `load average ${meta.loadAverage1m!.toFixed(1)} at the end`),
    '',
    `Bytes copied by JavaScript per payload byte while ${mib} MiB are relayed down (target → client) and up through 1, 2 and 3 hopssh jump hosts on loopback TCP.`,
    'Client: the hopssh client process, which runs one transport per hop, each nested in a channel of the one before.',
    'Hosts: the hopssh jump hosts and target (another process), with the same provider.',
    '',
    '- cipher output: what node:crypto\'s update()/final() returned — the cipher writing its output (into a buffer of node\'s making);',
    '- write-back: that output copied into the packet, or into the receive buffer of a packet opened in pieces (node:crypto has no update-into-a-target; src/crypto/providers/runtime.ts);',
    '- WebAssembly staging: input copied into WebAssembly memory and output copied out of it — hopssh\'s engines (src/crypto/*wasm*.ts: Poly1305, AES, AES-GCM, ChaCha20, SHA-2) read and write only their own memory; part of the primitive\'s own work;',
    '- noble: copies inside @noble/ciphers — GHASH\'s update() copies its whole input, and noble.ts\'s aligned scratch;',
    '- other: every other copy (set, slice, copyWithin, Uint8Array.from, new Uint8Array(source), Buffer#copy, Buffer.concat).',
    '',
    'MiB/s is with every copy instrumented and both processes on the same machine: a sanity figure, not a throughput benchmark.',
    '',
    '| provider | cipher | hops | dir | client cipher output | client write-back | client WebAssembly staging | client noble | client other | client total | hosts total | hosts other | MiB/s |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...table,
    '',
    '## Per layer: what one more jump host costs the client',
    '',
    'Bytes copied per payload byte, (3 hops − 1 hop) / 2: one more transport nested in the chain.',
    '',
    '| provider | cipher | dir | cipher output | write-back | WebAssembly staging | noble | other | total |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...perHop,
    '',
    '## What it shows',
    '',
    '- Per layer, on the default provider (`auto`: node:crypto\'s ciphers, hopssh\'s Poly1305 on WebAssembly), the client',
    '  copies the payload as the ciphers\' own work does plus, down, the gathering of packets that straddle reads: down,',
    '  aes128-gcm 1 (node\'s output, handed up as the packet body: `PacketOpener.openDetached`, no write-back) + ~0.8 (a',
    '  straddling packet gathered, copied once, then opened), chacha20-poly1305 the same + 1 (Poly1305\'s input staged in',
    '  WebAssembly memory); up, 1 (node\'s output) + 1 (that output copied into place), + 1 for Poly1305.',
    '- Why gather: node:crypto has no update-into-a-target, so opening a straddling packet in pieces copied each piece\'s',
    '  output into the receive buffer — the same one copy as gathering the ciphertext first, with one more runtime call and',
    '  output buffer. Openers that write into a target (hopssh\'s WebAssembly AES-GCM and ChaCha20, node:crypto\'s AES-CTR with',
    '  an etm MAC) still open in pieces (`PacketOpener.beginPieces`); nothing is delivered before the tag verifies.',
    '- Up: a nested transport seals its packet straight inside the CHANNEL_DATA of the transport it runs in',
    '  (`Channel.reserveDirect`): no copy per layer.',
    '- On `crypto: \'noble\'` the ciphers are hopssh\'s WebAssembly engines: each layer stages its input in WebAssembly',
    '  memory and copies its output out (about 2 per layer, "WebAssembly staging"), + 1 for Poly1305 with chacha20-poly1305.',
    '- Once per transfer, not per layer: up, the caller\'s data is copied into the channel\'s queue when the window or the',
    '  socket does not take it at once (`Channel.writeChunk ← Channel.write`) and then into the innermost packet',
    '  (`Channel.sendNow`): 1.94 in all; down, 0.00–0.02.',
    '- hopssh as a jump host adds a copy per direction: channel data copied for its socket (`pipe.ts`), socket data written into',
    '  its packets.',
    '',
    '## Where the copies are',
    '',
    'Sites are the first stack frame outside the benchmark and its caller; bytes per payload byte; under 0.005 left out.',
    '',
    'How to read them:',
    '',
    '- `Channel.sendNow ← Channel.writeChunk` / `← Channel.flush` (client, up): data written into a packet of the transport below:',
    '  the payload entering the innermost transport, once per transfer (nested transports seal in place, see above).',
    '- `Channel.writeChunk ← Channel.write`: the caller\'s data copied into the channel\'s queue when the window or the',
    '  socket does not take it at once (the caller may reuse its buffer when write() returns).',
    '- `PacketReceiver.startPartial` / `continuePartial`: a straddling packet copied whole into the receive buffer, where its',
    '  opener does not take pieces (node:crypto\'s AEADs, which then open detached; classic MACs).',
    '- `pipe.ts onData` (hosts): a jump host relaying channel data to its TCP socket copies it (the view dies when onData returns).',
    '- `copyIn ← Poly1305Wasm.update` and the other engines\' copies in and out (src/crypto/*wasm*.ts): WebAssembly staging.',
    '- `updateTo ← RuntimeChaCha20.update`, `RuntimeAesGcm.seal`: node:crypto\'s output copied back into the packet (sealing);',
    '  `updateTo ← RuntimeAesCtr.xorTo`: into the receive buffer, for a packet opened in pieces.',
    '',
    ...detail('auto', 'chacha20-poly1305@openssh.com', 3, 'down'),
    ...detail('auto', 'chacha20-poly1305@openssh.com', 3, 'up'),
    ...detail('noble', 'chacha20-poly1305@openssh.com', 3, 'down'),
    ...detail('noble', 'chacha20-poly1305@openssh.com', 3, 'up'),
    ...detail('auto', 'aes128-gcm@openssh.com', 3, 'up'),
  ];
  writeResults('copies', { ...meta, results: rows }, md.join('\n') + '\n');
}

if (process.argv[2] === 'hosts') await runHosts(process.argv[3] as ProviderChoice);
else await main();
