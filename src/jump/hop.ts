/**
 * One hop of a chain: a ClientTransport over a stream (a TCP socket, a
 * ProxyCommand's stdio, or a direct-tcpip channel of the previous hop), its
 * host key checked against known_hosts, the user authenticated, a Connection
 * on top (acknowledging sshd's packets promptly, prompt-ack.ts), and
 * ServerAliveInterval keepalives.
 */
import type { ByteStream } from '../io/byte-stream.ts';
import type { FileSystem } from '../io/file-system.ts';
import type { SpawnedProcess } from '../io/process.ts';
import { ClientTransport } from '../transport/transport.ts';
import type { ClientTransportOptions, TransportOptions } from '../transport/options.ts';
import type { AlgorithmSpec } from '../transport/algorithms.ts';
import type { HostKeyInfo } from '../transport/kex-exchange.ts';
import { LimitError } from '../transport/errors.ts';
import { Connection } from '../channel/connection.ts';
import { keepalive } from '../channel/forward-client.ts';
import { authenticateClient } from '../auth/userauth-client.ts';
import { knownHostsAlgorithmOrder, knownHostsVerifier, type HostKeyWarning, type StrictHostKeyChecking } from '../auth/host-key-policy.ts';
import { agentCredentials, type AgentClient } from '../auth/agent-client.ts';
import { inspectPrivateKey, parsePrivateKey } from '../auth/private-key.ts';
import { parsePublicKeyLine } from '../auth/public-key-line.ts';
import { CertifiedSigningKey } from '../auth/certified-key.ts';
import { PassphraseRequiredError, WrongPassphraseError } from '../auth/errors.ts';
import type { Credential } from '../auth/credentials.ts';
import { constantTimeEqual, fromUtf8 } from '../wire/bytes.ts';
import type { Channel } from '../channel/channel.ts';
import type { SshClient } from './client.ts';
import { acknowledgePromptly, type PromptAck } from './prompt-ack.ts';
import type { HopAddress } from './errors.ts';

/** ssh_config(5) known_hosts settings of a hop. */
export interface KnownHostsOptions {
  /** UserKnownHostsFile (read, and the first one written); [] is `none`. Default ~/.ssh/known_hosts, ~/.ssh/known_hosts2. */
  files?: readonly string[];
  /** GlobalKnownHostsFile. Default /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2. */
  globalFiles?: readonly string[];
  /** StrictHostKeyChecking. Default 'yes'. */
  strict?: StrictHostKeyChecking;
  /** HashKnownHosts. Default false. */
  hashKnownHosts?: boolean;
  /** HostKeyAlias: the name looked up instead of host and port. Never inherited by other hops. */
  hostKeyAlias?: string;
  /** What ssh(1) would print as warnings (a key added, a changed key let through under `no` …). */
  onWarning?: (warning: HostKeyWarning, hop: HopAddress) => void;
}

/** Algorithm lists (ssh_config(5) KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs): arrays or "+x" / "-x" / "^x" strings. */
export interface AlgorithmOptions {
  kex?: AlgorithmSpec;
  /** Unset: the defaults, those of key types known_hosts holds for the hop first (as ssh(1)). */
  hostKeyAlgorithms?: AlgorithmSpec;
  ciphers?: AlgorithmSpec;
  macs?: AlgorithmSpec;
}

/** ssh_config(5) ServerAliveInterval / ServerAliveCountMax, in milliseconds. */
export interface KeepaliveOptions {
  /** With nothing received for this long, send keepalive@openssh.com (want-reply). */
  intervalMs: number;
  /** Keepalives unanswered before the hop is given up. Default 3, as ssh_config(5). */
  countMax?: number;
}

/**
 * What a hop goes through: an OpenSSH -J string ("user@jump1:2222,jump2"),
 * a list of hops (objects, or -J strings each naming one or more), or an
 * established client or Connection (Fabric's `gateway=`).
 */
export type Jump = string | readonly (HopOptions | string)[] | SshClient | Connection;

/** One host of a chain, as ssh_config(5) describes a host. */
export interface HopOptions {
  /** The address connected to (ssh_config(5) HostName). */
  host: string;
  /** Default 22. */
  port?: number;
  /** The name the user gave, before HostName: %n in ProxyCommand. Default `host`. */
  name?: string;
  /** Default: the target's (see `connect`). */
  username?: string;
  /** Tried as given: keys in order, methods in OpenSSH's order (publickey, keyboard-interactive, password). */
  credentials?: readonly Credential[];
  /** IdentityFile paths ("~" expanded by the FileSystem); missing files are skipped, `<path>-cert.pub` is offered too. */
  identityFiles?: readonly string[];
  /** Asked for an encrypted identity file (attempt 1..3, NumberOfPasswordPrompts); undefined skips the key. */
  passphrase?: (path: string, attempt: number) => string | undefined | Promise<string | undefined>;
  /** An ssh-agent whose keys are offered before the identity files (IdentityAgent). Never forwarded. */
  agent?: AgentClient;
  knownHosts?: KnownHostsOptions;
  /** Replaces the known_hosts check; false or a throw refuses the key. */
  verifyHostKey?: (info: HostKeyInfo, hop: HopAddress) => boolean | Promise<boolean>;
  algorithms?: AlgorithmOptions;
  /**
   * ssh_config(5) ConnectTimeout, in ms: covers reaching the host (TCP
   * connect, or the previous hop's direct-tcpip open) and the SSH handshake up
   * to the end of the first key exchange. Default: no overall limit (the TCP
   * connect's own, then the transport's version and key exchange timeouts).
   */
  connectTimeoutMs?: number;
  keepalive?: KeepaliveOptions;
  /** Other transport settings (crypto provider, rekey limits, software version …). */
  transport?: Omit<TransportOptions, 'kex' | 'hostKeyAlgorithms' | 'ciphers' | 'macs'>;
  /** USERAUTH_BANNER text (RFC 4252 §5.4); strip terminal control characters before showing it. */
  onBanner?: (message: string, hop: HopAddress) => void;
  /** ProxyJump: the hops to go through first. Not with `proxyCommand`. */
  jump?: Jump;
  /** ProxyCommand: %h %p %r %n %% expanded, run by the injected ProcessSpawner; "none" is none. Not with `jump`. */
  proxyCommand?: string;
}

/** A hop ready to connect: options with everything inherited filled in. */
export interface ResolvedHop {
  readonly address: HopAddress;
  readonly name: string;
  readonly options: HopOptions;
  /** The ProxyCommand, unexpanded; only on the first hop of a chain. */
  readonly proxyCommand: string | undefined;
}

/** An established hop. */
export interface HopConnection {
  readonly address: HopAddress;
  readonly transport: ClientTransport;
  readonly connection: Connection;
  /** Channels this connection is nested in (0 over TCP or a ProxyCommand). */
  readonly depth: number;
  /** The ProxyCommand it runs over, if any. */
  readonly process: SpawnedProcess | undefined;
  /** Its prompt acknowledgements (prompt-ack.ts). */
  readonly promptAck: PromptAck;
}

/** How the stream under a hop was made, for error messages. */
export interface HopStream {
  readonly stream: ByteStream;
  readonly depth: number;
  readonly process?: SpawnedProcess;
  /** The direct-tcpip channel the stream is, when nested. */
  readonly channel?: Channel;
  /** When nested: the largest CHANNEL_DATA the hop's connection sends (chain.ts, nestedSendPacket). */
  readonly maxSendPacket?: number;
}

/** "[::1]:22", "host:2222". */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** "hop 1/3, jump host root@10.0.0.1:22", "hop 3/3, target alice@db:22". */
export function describeHop(address: HopAddress, count: number): string {
  const role = address.index === count - 1 ? 'target' : 'jump host';
  return `hop ${address.index + 1}/${count}, ${role} ${address.user}@${hostPort(address.host, address.port)}`;
}

// ------------------------------------------------------------------ credentials

const PASSPHRASE_PROMPTS = 3;

function isMissing(e: unknown): boolean {
  return (e as { code?: unknown }).code === 'ENOENT';
}

/** Reads a file, or undefined when it does not exist. */
async function readOptional(fs: FileSystem, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(fs.expandHome(path));
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** One identity file as credentials: its certificate (`<path>-cert.pub`) first, then the key, as ssh(1) offers them. */
async function identityFileCredentials(fs: FileSystem, path: string, hop: HopOptions, agentKeys: readonly Uint8Array[]): Promise<Credential[]> {
  const data = await readOptional(fs, path);
  if (data === undefined) return []; // ssh(1) skips a missing identity file
  const info = inspectPrivateKey(data);
  // A key the agent holds is offered through the agent; its passphrase is never asked.
  if (info.publicBlob !== undefined && agentKeys.some((k) => constantTimeEqual(k, info.publicBlob!))) return [];
  let parsed;
  if (!info.encrypted) {
    parsed = parsePrivateKey(data);
  } else {
    for (let attempt = 1; parsed === undefined && attempt <= PASSPHRASE_PROMPTS; attempt++) {
      const passphrase = await hop.passphrase?.(path, attempt);
      if (passphrase === undefined) return [];
      try {
        parsed = parsePrivateKey(data, { passphrase });
      } catch (e) {
        if (!(e instanceof WrongPassphraseError) && !(e instanceof PassphraseRequiredError)) throw e;
      }
    }
    if (parsed === undefined) return [];
  }
  const out: Credential[] = [];
  const cert = await readOptional(fs, `${path}-cert.pub`);
  if (cert !== undefined) {
    const line = parsePublicKeyLine(fromUtf8(cert), `${path}-cert.pub`);
    if (line.certificate !== undefined) out.push({ type: 'publickey', key: new CertifiedSigningKey(parsed.key, line.certificate), comment: `${path}-cert.pub` });
  }
  out.push({ type: 'publickey', key: parsed.key, comment: parsed.comment || path });
  return out;
}

/** Credentials of a hop: the given ones, then the agent's keys, then identity files (ssh(1): agent keys before files). */
export async function hopCredentials(hop: HopOptions, fs: FileSystem | undefined): Promise<Credential[]> {
  const out: Credential[] = [...(hop.credentials ?? [])];
  const fromAgent = hop.agent ? await agentCredentials(hop.agent) : [];
  out.push(...fromAgent);
  const files = hop.identityFiles ?? [];
  if (files.length > 0 && fs === undefined) throw new TypeError('identityFiles need a FileSystem (the `fs` option)');
  for (const path of files) out.push(...(await identityFileCredentials(fs!, path, hop, fromAgent.map((c) => c.publicKey))));
  return out;
}

// ------------------------------------------------------------------ host keys

/** The verifier and host-key algorithm order of a hop: its own verifyHostKey, else its known_hosts (fs needed). */
export async function hostKeyPolicy(
  address: HopAddress,
  hop: HopOptions,
  fs: FileSystem | undefined,
): Promise<Pick<ClientTransportOptions, 'verifyHostKey' | 'hostKeyAlgorithms'>> {
  const configured = hop.algorithms?.hostKeyAlgorithms;
  const custom = hop.verifyHostKey;
  if (custom) return { verifyHostKey: (info) => custom(info, address), hostKeyAlgorithms: configured };
  if (fs === undefined) throw new TypeError('checking host keys against known_hosts needs a FileSystem (the `fs` option), or give verifyHostKey');
  const kh = hop.knownHosts ?? {};
  const onWarning = kh.onWarning;
  const where = { fs, files: kh.files, globalFiles: kh.globalFiles, host: address.host, port: address.port, hostKeyAlias: kh.hostKeyAlias };
  return {
    verifyHostKey: knownHostsVerifier({
      ...where,
      strict: kh.strict,
      hashKnownHosts: kh.hashKnownHosts,
      onWarning: onWarning && ((w) => onWarning(w, address)),
      crypto: hop.transport?.crypto,
    }),
    hostKeyAlgorithms: configured ?? (await knownHostsAlgorithmOrder(where)),
  };
}

// ------------------------------------------------------------------ keepalive

/**
 * ServerAliveInterval: every interval with no packet received, send
 * keepalive@openssh.com; once more than `countMax` went unanswered, fail the
 * transport ("Timeout, server not responding", ssh(1) exits 255 then).
 */
export function startKeepalive(connection: Connection, opts: KeepaliveOptions): void {
  const t = connection.transport;
  const countMax = opts.countMax ?? 3;
  if (!(opts.intervalMs > 0)) throw new RangeError(`keepalive intervalMs must be positive, got ${opts.intervalMs}`);
  let seen = t.receiver.seq;
  let unanswered = 0;
  const timer = setInterval(() => {
    if (t.receiver.seq !== seen) {
      seen = t.receiver.seq;
      unanswered = 0;
      return;
    }
    if (++unanswered > countMax) {
      t.fail(new LimitError('ServerAliveCountMax', `the server did not answer ${countMax} keepalives sent ${opts.intervalMs} ms apart`));
      return;
    }
    keepalive(connection).catch(() => undefined);
  }, opts.intervalMs);
  (timer as { unref?: () => void }).unref?.();
  void t.closed.then(() => clearInterval(timer));
}

// ------------------------------------------------------------------ the hop

/**
 * Starts the transport of `hop` over `stream`, with a Connection installed
 * before authentication (sshd sends a global request right behind
 * USERAUTH_SUCCESS; authenticateClient hands that to it). `beforeConnection`
 * sees the transport first, so its close handlers run before the
 * Connection's.
 */
export function startHop(
  hop: ResolvedHop,
  stream: HopStream,
  policy: Pick<ClientTransportOptions, 'verifyHostKey' | 'hostKeyAlgorithms'>,
  beforeConnection: (t: ClientTransport) => void,
): HopConnection {
  const o = hop.options;
  const transport = new ClientTransport(stream.stream, {
    ...o.transport,
    kex: o.algorithms?.kex,
    ciphers: o.algorithms?.ciphers,
    macs: o.algorithms?.macs,
    ...policy,
  });
  beforeConnection(transport);
  const connection = new Connection(transport, { maxSendPacket: stream.maxSendPacket });
  const promptAck = acknowledgePromptly(transport);
  return { address: hop.address, transport, connection, depth: stream.depth, process: stream.process, promptAck };
}

/** Authenticates a started hop (after its first key exchange) and starts its keepalives. */
export async function authenticateHop(hop: ResolvedHop, c: HopConnection, credentials: readonly Credential[]): Promise<void> {
  const onBanner = hop.options.onBanner;
  await authenticateClient(c.transport, {
    username: hop.address.user,
    credentials,
    onBanner: onBanner && ((m) => onBanner(m, hop.address)),
    crypto: hop.options.transport?.crypto,
  });
  if (hop.options.keepalive) startKeepalive(c.connection, hop.options.keepalive);
}

