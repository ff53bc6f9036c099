/**
 * connect(): an SSH client to a target, directly or through jump hosts
 * (ssh(1) -J / ProxyJump), a ProxyCommand, or an established client
 * (Fabric's `gateway=`), to any depth.
 *
 *   const client = await connect({
 *     host: 'db.internal', username: 'alice', identityFiles: ['~/.ssh/id_ed25519'],
 *     jump: 'relay@bastion.example.org:2222,jump2',
 *     network: nodeNetwork, fs: nodeFileSystem,
 *   });
 *   const { stdout } = await client.exec('hostname');
 *   await client.close();
 */
import type { ClientTransport } from '../transport/transport.ts';
import type { Connection } from '../channel/connection.ts';
import type { Channel } from '../channel/channel.ts';
import { directTcpip, type DirectTcpipTarget } from '../channel/forward-client.ts';
import { exec, type ExecOptions, type ExecResult } from '../channel/exec.ts';
import { openSession, type Session, type SessionOpenOptions } from '../channel/session-client.ts';
import { Chain, connectionDepth, nestedChannelSizes, nestedSessionSizes, planChain, type ChainRuntime } from './chain.ts';
import type { HopConnection, HopOptions } from './hop.ts';

/** The target's options (hops inherit what they do not set, see chain.ts), and the runtime. */
export interface ConnectOptions extends HopOptions, ChainRuntime {
  username: string;
}

/**
 * Connects to the target through every hop in turn and authenticates at
 * each. Rejects with HopError naming the hop that failed: `connect`
 * (unreachable: ConnectError, ConnectTimeout, a jump host's "connect failed"),
 * `forward` (a jump host refused direct-tcpip: "administratively prohibited",
 * hinting at AllowTcpForwarding no), `handshake` (HostKeyError from the
 * known_hosts check, a version or key exchange timeout …), `authenticate`
 * (AuthenticationError with the methods left), `config` (a loop, ProxyJump
 * with ProxyCommand); TypeError/RangeError for malformed options. Whatever
 * was opened is closed again.
 */
export async function connect(options: ConnectOptions): Promise<SshClient> {
  const chain = new Chain(planChain(options), { network: options.network, fs: options.fs, processes: options.processes });
  await chain.open();
  return new SshClient(chain);
}

/** Where a directTcpip channel says it comes from, and its sizes. */
export interface DirectTcpipOptions extends Omit<DirectTcpipTarget, 'host' | 'port'> {
  window?: number;
  maxPacket?: number;
}

/**
 * A client logged in to the target. Usable as the `jump` of another
 * connect(). A hop that ends ends the client: `closed` resolves with the
 * HopError naming it, and operations still pending reject with it.
 */
export class SshClient {
  /** The target's connection and transport. */
  readonly connection: Connection;
  readonly transport: ClientTransport;
  /** The hops this client opened, in order, the target last (a gateway's are its own). */
  readonly hops: readonly HopConnection[];
  /** Resolves once all hops are closed: undefined after close(), else the HopError of the hop that ended. */
  readonly closed: Promise<Error | undefined>;

  constructor(private readonly chain: Chain) {
    this.hops = chain.hops;
    const target = chain.hops[chain.hops.length - 1]!;
    this.connection = target.connection;
    this.transport = target.transport;
    this.closed = chain.closed;
  }

  /** Runs a command (RFC 4254 §6.5) and collects its output, as `ssh host command`. */
  exec(command: string | Uint8Array, options: ExecOptions = {}): Promise<ExecResult> {
    return this.naming(exec(this.connection, command, { ...options, session: this.sessionOptions(options.session) }));
  }

  /** Opens a session channel for a shell, a command or a subsystem (RFC 4254 §6.1). Sized for nesting (chain.ts). */
  openSession(options?: SessionOpenOptions): Promise<Session> {
    return this.naming(openSession(this.connection, this.sessionOptions(options)));
  }

  /** Window and packet size not given: those for a session through this many jump hosts (nestedSessionSizes). */
  private sessionOptions(options: SessionOpenOptions = {}): SessionOpenOptions {
    const sizes = nestedSessionSizes(connectionDepth(this.connection));
    return sizes ? { ...options, window: options.window ?? sizes.window, maxPacket: options.maxPacket ?? sizes.maxPacket } : options;
  }

  /** Opens a direct-tcpip channel: the target connects to host:port (RFC 4254 §7.2, `ssh -W`). Sized for nesting (chain.ts). */
  directTcpip(host: string, port: number, options: DirectTcpipOptions = {}): Promise<Channel> {
    const { window, maxPacket, ...from } = options;
    const sizes = nestedChannelSizes(connectionDepth(this.connection));
    return this.naming(directTcpip(this.connection, { host, port, ...from }, { window: window ?? sizes.window, maxPacket: maxPacket ?? sizes.maxPacket }));
  }

  /** Disconnects the target, then each hop opened for it, in order; resolves once all are closed. */
  close(): Promise<void> {
    return this.chain.close();
  }

  /** Failures caused by a hop ending become that hop's HopError. */
  private async naming<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      throw this.chain.failed ?? e;
    }
  }
}
