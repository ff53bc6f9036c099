/**
 * connectFromConfig(): an SSH client to a host named as in ssh_config(5),
 * the chain to it built from the configuration alone, as ssh(1) builds it:
 *
 *   const client = await connectFromConfig('db', configContext, { network, fs });
 *
 * The destination's options (HostName, User, Port, IdentityFile,
 * UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking,
 * HostKeyAlias, HashKnownHosts, the algorithm lists, ConnectTimeout,
 * ServerAliveInterval/CountMax) become its HopOptions. Its ProxyJump hosts
 * are each resolved from their own configuration (ssh_config(5) ProxyJump:
 * the destination's configuration does not apply to them), the first of them
 * with its own ProxyJump or ProxyCommand too — `ssh -J a,b` reaches `b` by
 * `ssh -J a -W … b`, and `a` by whatever `ssh a` would do. A ProxyCommand
 * runs through the runtime's ProcessSpawner.
 *
 * No one is asked anything: StrictHostKeyChecking `ask` refuses an unknown
 * host as `yes` does, passwords and keyboard-interactive are not tried, an
 * encrypted key is used only when `passphrase` answers. `hopOptions` may
 * change what each hop gets (credentials, a verifier, transport settings).
 * What a jump host's options leave unset is inherited from the
 * destination's as connect() does (chain.ts): ConnectTimeout and
 * ServerAlive* of the destination apply to jump hosts that set none.
 */
import type { AgentClient } from '../auth/agent-client.ts';
import type { ChainRuntime } from './chain.ts';
import { connect, type SshClient } from './client.ts';
import { HopError } from './errors.ts';
import type { HopOptions } from './hop.ts';
import { parseDestination, type HostSpec } from './jump-spec.ts';
import { resolveConfig, type ConfigContext, type ResolvedConfig, type ResolveOptions } from './ssh-config.ts';

/** How many ProxyJump levels a chain may nest (jump hosts naming each other would otherwise never end). */
export const MAX_PROXY_JUMP_DEPTH = 16;

/** The runtime, and what ssh(1) would take from its command line or ask. */
export interface ConfigConnectOptions extends ChainRuntime {
  /** The destination's user and port as `-l` and `-p` give them: over User and Port in the files. */
  user?: string;
  port?: number;
  /** `-o` options for the destination, one `Keyword value` each. */
  options?: readonly string[];
  /** Offered at every hop unless its configuration says IdentityAgent none, IdentitiesOnly yes or PubkeyAuthentication no. */
  agent?: AgentClient;
  /** Asked for an encrypted identity file; undefined skips the key. */
  passphrase?: HopOptions['passphrase'];
  /** Changes each hop's options once resolved (the target last); `config` is the host's resolved configuration. */
  hopOptions?: (options: HopOptions, config: ResolvedConfig) => HopOptions | Promise<HopOptions>;
}

/** The HopOptions of one host from its resolved configuration (its `jump` and `proxyCommand` are set by resolveChain). */
export function hopOptionsFromConfig(cfg: ResolvedConfig, opts: Pick<ConfigConnectOptions, 'agent' | 'passphrase'> = {}): HopOptions {
  const pubkey = cfg.pubkeyAuthentication !== 'no' && cfg.preferredAuthentications.includes('publickey');
  const identityAgent = cfg.other.get('identityagent')?.[0];
  const useAgent = pubkey && !cfg.identitiesOnly && identityAgent?.toLowerCase() !== 'none';
  const strict = cfg.strictHostKeyChecking;
  const algorithms = {
    ...(cfg.kexAlgorithms !== undefined && { kex: cfg.kexAlgorithms }),
    ...(cfg.hostKeyAlgorithms !== undefined && { hostKeyAlgorithms: cfg.hostKeyAlgorithms }),
    ...(cfg.ciphers !== undefined && { ciphers: cfg.ciphers }),
    ...(cfg.macs !== undefined && { macs: cfg.macs }),
  };
  return {
    host: cfg.hostName,
    port: cfg.port,
    name: cfg.host,
    username: cfg.user,
    identityFiles: pubkey ? cfg.identityFiles : [],
    ...(opts.passphrase !== undefined && { passphrase: opts.passphrase }),
    ...(useAgent && opts.agent !== undefined && { agent: opts.agent }),
    knownHosts: {
      files: cfg.userKnownHostsFiles,
      globalFiles: cfg.globalKnownHostsFiles,
      strict: strict === 'ask' ? 'yes' : strict,
      hashKnownHosts: cfg.hashKnownHosts,
      ...(cfg.hostKeyAlias !== undefined && { hostKeyAlias: cfg.hostKeyAlias }),
    },
    algorithms,
    ...(cfg.connectTimeout !== undefined && { connectTimeoutMs: cfg.connectTimeout * 1000 }),
    ...(cfg.serverAliveInterval > 0 && { keepalive: { intervalMs: cfg.serverAliveInterval * 1000, countMax: cfg.serverAliveCountMax } }),
  };
}

function resolveSpec(spec: HostSpec, ctx: ConfigContext, extra: Pick<ResolveOptions, 'options'> = {}): Promise<ResolvedConfig> {
  return resolveConfig(spec.host, ctx, {
    ...(spec.user !== undefined && { user: spec.user }),
    ...(spec.port !== undefined && { port: spec.port }),
    ...extra,
  });
}

/**
 * The options of `cfg`'s host and, when `ownProxy`, the hops its ProxyJump
 * names (resolved each from its own configuration, the first with its own
 * proxy), or its ProxyCommand.
 */
async function hopFromConfig(cfg: ResolvedConfig, ownProxy: boolean, depth: number, ctx: ConfigContext, opts: ConfigConnectOptions): Promise<HopOptions> {
  let options = hopOptionsFromConfig(cfg, opts);
  if (ownProxy && cfg.proxyJump.length > 0) {
    if (depth >= MAX_PROXY_JUMP_DEPTH) {
      const address = { index: 0, host: cfg.hostName, port: cfg.port, user: cfg.user };
      const e = new RangeError(`more than ${MAX_PROXY_JUMP_DEPTH} nested ProxyJump levels`);
      throw new HopError(address, 'config', e, `${cfg.host}: loop in the ProxyJump configuration`, 'do the jump hosts name each other?');
    }
    const jump: HopOptions[] = [];
    for (const [i, spec] of cfg.proxyJump.entries()) jump.push(await hopFromConfig(await resolveSpec(spec, ctx), i === 0, depth + 1, ctx, opts));
    options.jump = jump;
  } else if (ownProxy && cfg.proxyCommand !== undefined) {
    // Tokens are expanded already; what is left of `%` is escaped from the chain's own expansion.
    options.proxyCommand = cfg.proxyCommand.replaceAll('%', '%%');
  }
  if (opts.hopOptions) options = await opts.hopOptions(options, cfg);
  return options;
}

/**
 * The target's HopOptions with the chain to it (`jump`, to any depth, or
 * `proxyCommand`), all from the configuration. `destination` is what ssh(1)
 * takes: an alias or host, `user@host`, or `ssh://user@host:port`.
 */
export async function resolveChain(destination: string, ctx: ConfigContext, opts: ConfigConnectOptions = {}): Promise<HopOptions> {
  const spec = parseDestination(destination);
  const cfg = await resolveSpec({ host: spec.host, user: opts.user ?? spec.user, port: opts.port ?? spec.port }, ctx, { options: opts.options });
  return hopFromConfig(cfg, true, 0, ctx, opts);
}

/**
 * Connects to `destination` through the chain its configuration describes
 * (resolveChain), authenticating at every hop with that hop's own keys and
 * checking its host key against its own known_hosts files. Rejects as
 * connect() does (HopError naming the hop), or with ConfigError, SpecError or
 * TokenError for a configuration or destination that cannot be resolved.
 */
export async function connectFromConfig(destination: string, ctx: ConfigContext, opts: ConfigConnectOptions = {}): Promise<SshClient> {
  const target = await resolveChain(destination, ctx, opts);
  return connect({ ...target, username: target.username!, network: opts.network, fs: opts.fs, processes: opts.processes });
}
