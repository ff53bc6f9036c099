/**
 * Hop chains: ssh(1) -J / ProxyJump, ProxyCommand, and Fabric's
 * `gateway=`. Each hop's transport runs over a direct-tcpip channel
 * (RFC 4254 §7.2) of the hop before it — never a shell or an `ssh` on the
 * jump host, never agent forwarding — so a jump host relays bytes it cannot
 * read, and every hop has its own user, keys, host-key check and algorithms.
 *
 * Byte path (DESIGN.md, "Headroom for nesting"). A channel carrying a nested
 * transport gets a maximum packet such that every packet of that transport
 * fits in one CHANNEL_DATA of it: one level adds at most
 * NESTING_OVERHEAD = 337 bytes around a channel's data (EXTENDED_DATA header
 * 13, packet_length 4, padding_length 1, padding ≤ 255, MAC ≤ 64; RFC 4253
 * §6, RFC 4254 §5.2). Sizes go down with depth from the tcpip defaults: a
 * channel opened on a connection nested in d channels gets
 *
 *   maxPacket(d) = 131072 − 337·d,   window(d) = 128 · maxPacket(d)
 *
 *   d = 0 (the first jump host's connection)   131072 / 16777216
 *   d = 1                                      130735 / 16734080
 *   d = 2                                      130398 / 16690944
 *   d = 3                                      130061 / 16647808
 *
 * so a level-d channel holds whole packets of a transport whose own channels
 * use maxPacket(d+1), and its window holds the bytes of 128 of them. That
 * covers what we receive.
 *
 * What we send is bounded by the peers' maximum packets (sshd: 32 KiB for
 * direct-tcpip and sessions), which we do not choose, so the sizes follow
 * them: a connection nested in a channel sends CHANNEL_DATA of at most that
 * channel's largest CHANNEL_DATA less NESTING_OVERHEAD (nestedSendPacket,
 * Connection's maxSendPacket; the channel's largest is already capped by its
 * own connection, so this holds at every level), and its transport cuts its
 * writes at packet boundaries within the channel's largest (ChannelStream's
 * maxWriteSize), each written as one CHANNEL_DATA (Channel.writeWhole). So
 * every CHANNEL_DATA we send on a jump host's channel carries whole packets
 * of the transport inside it, and no layer splits what the next one sealed.
 */
import type { FileSystem } from '../io/file-system.ts';
import type { Network } from '../io/network.ts';
import type { ProcessSpawner } from '../io/process.ts';
import { ConnectionClosedError, HostKeyError, LimitError } from '../transport/errors.ts';
import type { ClientTransport } from '../transport/transport.ts';
import { Connection } from '../channel/connection.ts';
import type { Channel } from '../channel/channel.ts';
import { ChannelStream } from '../channel/channel-stream.ts';
import { directTcpip } from '../channel/forward-client.ts';
import { ChannelOpenError, OPEN_FAILURE } from '../channel/errors.ts';
import { SESSION_SIZES, TCPIP_SIZES, type ChannelSizes } from '../channel/defaults.ts';
import { HopError, type HopAddress } from './errors.ts';
import { parseJumpSpec } from './jump-spec.ts';
import { proxyCommandFailure, proxyCommandOf, startProxyCommand } from './proxy-command.ts';
import {
  authenticateHop,
  describeHop,
  hopCredentials,
  hostKeyPolicy,
  hostPort,
  startHop,
  type HopConnection,
  type HopOptions,
  type HopStream,
  type Jump,
  type ResolvedHop,
} from './hop.ts';

// ------------------------------------------------------------------ sizes

/** Most bytes one nesting level adds around a channel's data (see the file comment). */
export const NESTING_OVERHEAD = 13 + 4 + 1 + 255 + 64;

/** Whole packets a window holds: the tcpip default's 16 MiB / 128 KiB. */
const WINDOW_PACKETS = TCPIP_SIZES.window / TCPIP_SIZES.maxPacket;

/** RFC 4253 §6.1: a transport must take packets of 35000 bytes, so no channel carrying one is smaller. */
const MIN_NESTED_PACKET = 35_000;

/** Window and maximum packet of a channel opened on a connection nested in `depth` channels (see the file comment). */
export function nestedChannelSizes(depth: number): ChannelSizes {
  const maxPacket = TCPIP_SIZES.maxPacket - depth * NESTING_OVERHEAD;
  if (!Number.isInteger(depth) || depth < 0 || maxPacket < MIN_NESTED_PACKET) throw new RangeError(`no channel sizes for nesting depth ${depth}`);
  return { maxPacket, window: maxPacket * WINDOW_PACKETS };
}

/**
 * Session channel sizes on a connection nested in `depth` channels: OpenSSH's
 * (2 MiB window) directly, but through jump hosts the tcpip window (16 MiB).
 * Every WINDOW_ADJUST crosses each jump host before the target may send
 * again, so a 2 MiB window leaves the pipe empty for much of each round trip
 * (bench/relay: through 2 sshd jump hosts, aes128-gcm downloads went from
 * 82–101 to 126–160 MB/s). The window only bounds what is held while the
 * consumer pauses (DESIGN.md, "Flow control follows consumption").
 */
export function nestedSessionSizes(depth: number): ChannelSizes | undefined {
  return depth > 0 ? { window: TCPIP_SIZES.window, maxPacket: SESSION_SIZES.maxPacket } : undefined;
}

/** The smallest cap nestedSendPacket gives: below it a channel this small splits packets anyway. */
const MIN_NESTED_SEND_PACKET = 1024;

/**
 * Largest CHANNEL_DATA a connection nested in `channel` sends, so that each
 * of its packets (data, header, padding, MAC: at most NESTING_OVERHEAD more)
 * fits one CHANNEL_DATA of `channel` (see the file comment).
 */
export function nestedSendPacket(channel: Pick<Channel, 'sendMaxPacket'>): number {
  return Math.max(channel.sendMaxPacket - NESTING_OVERHEAD, MIN_NESTED_SEND_PACKET);
}

/** Connections made here: how deep each is nested, and the host:port route that reached it (loop checks). */
const made = new WeakMap<Connection, { depth: number; route: readonly string[] }>();

/** Channels `connection` is nested in: known for connections a chain made, else 0. */
export function connectionDepth(connection: Connection): number {
  return made.get(connection)?.depth ?? 0;
}

const routeKey = (a: { host: string; port: number }): string => hostPort(a.host.toLowerCase(), a.port);

// ------------------------------------------------------------------ planning

/** What chains need from the runtime. */
export interface ChainRuntime {
  /** For a first hop over TCP. */
  network?: Network;
  /** For known_hosts and identity files. */
  fs?: FileSystem;
  /** For a ProxyCommand. */
  processes?: ProcessSpawner;
}

/** The hops to connect, in order (the target last), and the connection the first goes through, if any. */
export interface ChainPlan {
  readonly gateway: Connection | undefined;
  readonly hops: readonly ResolvedHop[];
}

/**
 * Options a hop takes from the target unless it sets its own: a jump host
 * named only by "[user@]host[:port]" logs in with the target's user name,
 * keys and known_hosts, as one ssh_config(5) `Host *` block would give them.
 * Not inherited: host, port, name, jump, proxyCommand, HostKeyAlias.
 */
const INHERITED = [
  'username',
  'credentials',
  'identityFiles',
  'passphrase',
  'agent',
  'knownHosts',
  'verifyHostKey',
  'algorithms',
  'connectTimeoutMs',
  'keepalive',
  'transport',
  'onBanner',
] as const satisfies readonly (keyof HopOptions)[];

function inheritFrom(target: HopOptions, hop: HopOptions): HopOptions {
  const out: Record<string, unknown> = {};
  for (const k of INHERITED) if (target[k] !== undefined) out[k] = target[k];
  if (target.knownHosts?.hostKeyAlias !== undefined) out.knownHosts = { ...target.knownHosts, hostKeyAlias: undefined };
  for (const [k, v] of Object.entries(hop)) if (v !== undefined) out[k] = v;
  return out as unknown as HopOptions;
}

/** Something holding an established connection: an SshClient. */
function isClient(x: unknown): x is { connection: Connection } {
  return typeof x === 'object' && x !== null && (x as { connection?: unknown }).connection instanceof Connection;
}

interface Flat {
  gateway: Connection | undefined;
  entries: { options: HopOptions; conflict?: string }[];
}

function flattenJump(jump: Jump): Flat {
  if (jump instanceof Connection) return { gateway: jump, entries: [] };
  if (isClient(jump)) return { gateway: jump.connection, entries: [] };
  const items = typeof jump === 'string' ? [jump] : jump;
  if (!Array.isArray(items)) throw new TypeError('jump must be a -J string, a list of hops, an SshClient or a Connection');
  const flat: Flat = { gateway: undefined, entries: [] };
  for (const item of items as readonly (HopOptions | string)[]) {
    const sub: Flat =
      typeof item === 'string'
        ? { gateway: undefined, entries: parseJumpSpec(item).map((s) => ({ options: { host: s.host, port: s.port, username: s.user } })) }
        : flattenHop(item);
    if (sub.gateway) {
      if (flat.gateway || flat.entries.length > 0) throw new TypeError('an SshClient or Connection can only start a chain');
      flat.gateway = sub.gateway;
    }
    flat.entries.push(...sub.entries);
  }
  return flat;
}

/** A hop after the hops of its own `jump`, recursively (Fabric's gateway of a gateway). */
function flattenHop(hop: HopOptions): Flat {
  if (typeof hop !== 'object' || hop === null) throw new TypeError('a hop must be an object with a host');
  if (hop.jump === undefined) return { gateway: undefined, entries: [{ options: hop }] };
  const sub = flattenJump(hop.jump);
  const jumps = sub.gateway !== undefined || sub.entries.length > 0;
  // ssh(1) refuses -J with a ProxyCommand; Fabric raises for a gateway with one.
  const conflict = jumps && proxyCommandOf(hop.proxyCommand) !== undefined ? 'ProxyJump and ProxyCommand are both set' : undefined;
  return { gateway: sub.gateway, entries: [...sub.entries, { options: hop, ...(conflict && { conflict }) }] };
}

function checkAddress(o: HopOptions): void {
  if (typeof o.host !== 'string' || o.host === '') throw new TypeError('every hop needs a host');
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535)) throw new RangeError(`port must be 1..65535, got ${o.port}`);
  if (typeof o.username !== 'string' || o.username === '') throw new TypeError(`a user name is needed for ${o.host} (set username on the target)`);
}

/**
 * The hops to reach `target`: its `jump` flattened to any depth (-J strings
 * parsed, each listed hop's own `jump` before it), options inherited, and the
 * chain checked: HopError (`config`) for a hop with both ProxyJump and
 * ProxyCommand, a ProxyCommand on a hop that is not first, and a host:port
 * met twice (a loop, counting the gateway's own route).
 */
export function planChain(target: HopOptions): ChainPlan {
  const flat = flattenHop(target);
  const count = flat.entries.length;
  const hops = flat.entries.map(({ options: given }, index): ResolvedHop => {
    const options = given === target ? target : inheritFrom(target, given);
    checkAddress(options);
    const address: HopAddress = { index, host: options.host, port: options.port ?? 22, user: options.username! };
    return { address, name: options.name ?? options.host, options, proxyCommand: proxyCommandOf(options.proxyCommand) };
  });
  const seen = new Set(flat.gateway ? made.get(flat.gateway)?.route : []);
  for (const hop of hops) {
    const i = hop.address.index;
    const where = describeHop(hop.address, count);
    const conflict =
      flat.entries[i]!.conflict ??
      (hop.proxyCommand !== undefined && (i > 0 || flat.gateway) ? `it has a ProxyCommand but is reached through ${i > 0 ? describeHop(hops[i - 1]!.address, count) : 'a gateway'}` : undefined);
    if (conflict) throw new HopError(hop.address, 'config', new TypeError(conflict), `${where}: ProxyJump and ProxyCommand`, 'set one of them');
    const key = routeKey(hop.address);
    if (seen.has(key)) throw new HopError(hop.address, 'config', new RangeError(`${key} is already on the way to it`), `${where}: loop in the chain`);
    seen.add(key);
  }
  return { gateway: flat.gateway, hops };
}

// ------------------------------------------------------------------ opening

/** ConnectTimeout of one hop: one timer whose action follows the stage. */
class Deadline {
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private action: (() => void) | undefined;
  private expired = false;

  constructor(readonly ms: number | undefined) {
    if (ms === undefined) return;
    if (!(ms > 0)) throw new RangeError(`connectTimeoutMs must be positive, got ${ms}`);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.action?.();
    }, ms);
  }

  /** `p`, or `error()` once the time is up; a value that comes later goes to `discard`. */
  race<T>(p: Promise<T>, discard: (v: T) => void, error: () => Error): Promise<T> {
    if (this.timer === undefined) return p;
    return new Promise<T>((resolve, reject) => {
      this.action = () => reject(error());
      p.then(
        (v) => (this.expired ? discard(v) : resolve(v)),
        (e: unknown) => !this.expired && reject(e),
      );
    });
  }

  onExpire(action: () => void): void {
    this.action = action;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.action = undefined;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** What a hop needs before it connects. */
interface Prepared {
  policy: Awaited<ReturnType<typeof hostKeyPolicy>>;
  credentials: Awaited<ReturnType<typeof hopCredentials>>;
}

/** A HopError a gateway client raised, found in a cause chain: passed on as it is. */
function hopErrorIn(e: unknown): HopError | undefined {
  for (let x = e, n = 0; x instanceof Error && n < 8; x = x.cause, n++) if (x instanceof HopError) return x;
  return undefined;
}

/**
 * An open chain: its hops in order (the target last), the ones made here.
 * A hop that ends ends what runs through it — their transports close with a
 * HopError naming it — and the hops before it are disconnected.
 */
export class Chain {
  readonly hops: HopConnection[] = [];
  /** Resolves once every hop is closed: undefined after close(), else the HopError of the hop that ended first. */
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (e: Error | undefined) => void;
  /** Hops set up (authenticated); the watchers answer for these, setup for the one after. */
  private established = 0;
  private failure: HopError | undefined;
  private closing = false;
  private finished: Promise<void> | undefined;
  private readonly prepared = new Map<ResolvedHop, Promise<Prepared>>();

  constructor(
    readonly plan: ChainPlan,
    private readonly runtime: ChainRuntime,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** The HopError that ended the chain, if one did. */
  get failed(): HopError | undefined {
    return this.failure;
  }

  private describe(a: HopAddress): string {
    return describeHop(a, this.plan.hops.length);
  }

  /** Connects every hop in turn. On failure everything opened is closed, and the HopError thrown. */
  async open(): Promise<void> {
    const first = this.plan.hops[0]!;
    if (!this.plan.gateway && first.proxyCommand === undefined && !this.runtime.network) throw new TypeError('connecting over TCP needs a Network (the `network` option)');
    if (!this.plan.gateway && first.proxyCommand !== undefined && !this.runtime.processes) throw new TypeError('a ProxyCommand needs a ProcessSpawner (the `processes` option)');
    for (const { options: o } of this.plan.hops) {
      const files = o.verifyHostKey === undefined || (o.identityFiles?.length ?? 0) > 0;
      if (files && !this.runtime.fs) throw new TypeError(`${o.host}: known_hosts and identity files need a FileSystem (the \`fs\` option), or give verifyHostKey`);
    }
    try {
      for (const hop of this.plan.hops) await this.add(hop);
    } catch (e) {
      const err = this.failure ?? hopErrorIn(e) ?? asError(e);
      await this.shutdown(err);
      throw err;
    }
  }

  /**
   * A hop's known_hosts policy and credentials, loaded once: for the next hop
   * while this one authenticates (after its host key was accepted, so a
   * passphrase is asked only once the chain got that far), so the next hop's
   * channel opens as soon as this one is logged in.
   */
  private prepare(hop: ResolvedHop): Promise<Prepared> {
    let p = this.prepared.get(hop);
    if (p === undefined) {
      p = (async () => {
        try {
          const policy = await hostKeyPolicy(hop.address, hop.options, this.runtime.fs);
          return { policy, credentials: await hopCredentials(hop.options, this.runtime.fs) };
        } catch (e) {
          if (e instanceof TypeError) throw e;
          throw new HopError(hop.address, 'config', asError(e), `${this.describe(hop.address)}: loading known_hosts or credentials failed`);
        }
      })();
      // Awaited by add(); a chain that fails before that hop never reads it.
      p.catch(() => undefined);
      this.prepared.set(hop, p);
    }
    return p;
  }

  private async add(hop: ResolvedHop): Promise<void> {
    const { address, options } = hop;
    const where = this.describe(address);
    const { policy, credentials } = await this.prepare(hop);
    const deadline = new Deadline(options.connectTimeoutMs);
    // The hops it goes through acknowledge its packets promptly until it is logged in (prompt-ack.ts).
    const through = this.hops.slice(0, address.index);
    for (const h of through) h.promptAck.nestedSetups++;
    try {
      const stream = await deadline.race(
        this.openStream(hop),
        (late) => late.stream.close(),
        () => new HopError(address, 'connect', new LimitError('ConnectTimeout', `not reached within ${deadline.ms} ms`), `${where}: unreachable`),
      );
      const c = startHop(hop, stream, policy, (t) => this.watch(t, address.index));
      this.hops.push(c);
      deadline.onExpire(() => c.transport.fail(handshakeTimeout(c.transport, deadline.ms!)));
      try {
        await c.transport.ready;
      } catch (e) {
        throw await this.handshakeFailed(hop, c, e);
      }
      deadline.clear();
      const next = this.plan.hops[address.index + 1];
      if (next) void this.prepare(next);
      try {
        await authenticateHop(hop, c, credentials);
      } catch (e) {
        throw this.failure ?? hopErrorIn(e) ?? new HopError(address, 'authenticate', asError(e), `${where}: authentication failed`);
      }
      const via = address.index > 0 ? this.hops[address.index - 1]!.connection : this.plan.gateway;
      const route = [...((via && made.get(via)?.route) ?? []), routeKey(address)];
      made.set(c.connection, { depth: stream.depth, route });
      this.established++;
    } finally {
      deadline.clear();
      for (const h of through) h.promptAck.nestedSetups--;
    }
  }

  /** TCP, the ProxyCommand, or a direct-tcpip channel of the previous hop (or of the gateway). */
  private async openStream(hop: ResolvedHop): Promise<HopStream> {
    const { address } = hop;
    const via = address.index > 0 ? this.hops[address.index - 1]!.connection : this.plan.gateway;
    if (via) {
      const depth = connectionDepth(via);
      try {
        const channel = await directTcpip(via, { host: address.host, port: address.port }, nestedChannelSizes(depth));
        return { stream: new ChannelStream(channel), depth: depth + 1, channel, maxSendPacket: nestedSendPacket(channel) };
      } catch (e) {
        throw this.forwardFailed(hop, e);
      }
    }
    if (hop.proxyCommand !== undefined) {
      try {
        const process = startProxyCommand(this.runtime.processes!, hop.proxyCommand, hop);
        return { stream: process.stream, depth: 0, process };
      } catch (e) {
        throw new HopError(address, 'config', asError(e), `${this.describe(address)}: ProxyCommand`);
      }
    }
    try {
      return { stream: await this.runtime.network!.connectTcp(address.host, address.port), depth: 0 };
    } catch (e) {
      throw new HopError(address, 'connect', asError(e), `${this.describe(address)}: unreachable`);
    }
  }

  /** A refused direct-tcpip open: the next hop unreachable from the jump host, or the jump host refusing to forward. */
  private forwardFailed(hop: ResolvedHop, e: unknown): HopError {
    if (this.failure) return this.failure;
    const i = hop.address.index;
    const jump = i > 0 ? this.plan.hops[i - 1]!.address : undefined;
    const through = jump ? this.describe(jump) : 'the gateway';
    if (e instanceof ChannelOpenError && e.reasonCode === OPEN_FAILURE.CONNECT_FAILED) {
      return new HopError(hop.address, 'connect', e, `${this.describe(hop.address)}: unreachable from ${through}`);
    }
    const to = hostPort(hop.address.host, hop.address.port);
    if (e instanceof ChannelOpenError) {
      const hint = e.reasonCode === OPEN_FAILURE.ADMINISTRATIVELY_PROHIBITED ? 'the jump host may have AllowTcpForwarding no' : undefined;
      return new HopError(jump ?? hop.address, 'forward', e, `${through}: refused to forward to ${to}`, hint);
    }
    return hopErrorIn(e) ?? new HopError(jump ?? hop.address, 'connection', asError(e), `${through}: connection lost while opening a channel to ${to}`);
  }

  private async handshakeFailed(hop: ResolvedHop, c: HopConnection, e: unknown): Promise<HopError> {
    const where = this.describe(hop.address);
    const passed = this.failure ?? hopErrorIn(e);
    if (passed) return passed;
    const silent = c.transport.peerIdentification === '';
    if (c.process && silent) {
      const exit = await proxyCommandFailure(c.process);
      if (exit) return new HopError(hop.address, 'connect', exit, `${where}: ProxyCommand failed`);
    }
    const what = e instanceof HostKeyError ? 'host key verification failed' : silent ? 'no SSH server answered' : 'SSH handshake failed';
    return new HopError(hop.address, 'handshake', asError(e), `${where}: ${what}`);
  }

  /**
   * Registered before the hop's Connection exists, so it runs before the
   * Connection ends its channels: the hops nested in a hop that ended are
   * closed with the HopError naming it, and that is what their channels'
   * users see as the cause.
   */
  private watch(t: ClientTransport, index: number): void {
    void t.closed.then((err) => {
      if (this.closing || this.failure || index >= this.established) return;
      const hop = this.hops[index]!;
      this.failure =
        hopErrorIn(err) ??
        new HopError(hop.address, 'connection', err ?? new ConnectionClosedError('the server closed the connection'), `${this.describe(hop.address)}: connection lost`);
      void this.shutdown(this.failure);
    });
  }

  /** Closes the target, then the hops opened for it, in order; the ones nested in a hop that ended get its error. */
  private shutdown(error: Error | undefined): Promise<void> {
    this.finished ??= (async () => {
      const ended = error instanceof HopError ? this.hops.findIndex((h) => h.address === error.hop) : -1;
      for (let i = this.hops.length - 1; i >= 0; i--) {
        const t = this.hops[i]!.transport;
        if (ended >= 0 && i > ended) t.close(error);
        else t.disconnect();
      }
      await Promise.all(this.hops.map((h) => h.transport.closed));
      await Promise.all(this.hops.map((h) => h.process?.exited));
      this.resolveClosed(error);
    })();
    return this.finished;
  }

  /** Disconnects the target, then the hops opened for it; resolves once all are closed and any ProxyCommand has exited. */
  close(): Promise<void> {
    if (!this.failure) this.closing = true;
    return this.shutdown(this.failure);
  }
}

/** ConnectTimeout during the handshake: named for the exchange that did not finish. */
function handshakeTimeout(t: ClientTransport, ms: number): LimitError {
  return t.peerIdentification === ''
    ? new LimitError('version exchange timeout', `no SSH identification within ${ms} ms (ConnectTimeout)`)
    : new LimitError('key exchange timeout', `the first key exchange did not complete within ${ms} ms (ConnectTimeout)`);
}
