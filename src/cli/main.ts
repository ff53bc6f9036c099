/**
 * hopssh, the program: `hopssh [options] destination [command ...]` as
 * ssh(1). It reads the command line (args.ts), resolves ssh_config(5) for
 * the destination and each jump host (src/jump/ssh-config.ts), connects
 * through the chain (src/jump/client.ts), then runs what was asked: a
 * shell or command (session.ts), stdio forwarding (-W), port forwarding
 * (-L/-R/-D), or nothing (-N). It exits with the remote exit status, or
 * 255 for its own errors.
 */
import { nodeNetwork } from '../io/node-network.ts';
import { nodeProcessSpawner } from '../io/node-process.ts';
import { SOFTWARE_VERSION } from '../transport/transport.ts';
import { LimitError } from '../transport/errors.ts';
import { connect, type SshClient } from '../jump/client.ts';
import { resolveChain } from '../jump/config-client.ts';
import { parseDestination, parsePortNumber } from '../jump/jump-spec.ts';
import { parseDynamicForward, parseLocalForward, parseRemoteForward, parseStdioForward } from '../jump/forward-spec.ts';
import { resolveConfig, type ResolvedConfig } from '../jump/ssh-config.ts';
import { matchPatternList } from '../auth/patterns.ts';
import { noMoreSessions } from '../channel/forward-client.ts';
import { pipe } from '../channel/pipe.ts';
import { closeSync } from 'node:fs';
import { allValues, count, parseCommandLine, UsageError, USAGE, type CommandLine } from './args.ts';
import { detach, isBackgroundCopy, runInBackground } from './background.ts';
import { configContext } from './config-context.ts';
import { cliFileSystem } from './file-system.ts';
import { parseEscapeChar } from './escape.ts';
import { describeFailure, EXIT_ERROR } from './exit-codes.ts';
import { startForwards } from './forwards.ts';
import { cliHopOptions, type HopContext, type HopState } from './hop-options.ts';
import { agentSocket } from './identities.ts';
import { Log } from './log.ts';
import { terminalPrompter } from './prompts.ts';
import { printConfig, query } from './query.ts';
import { runSession, type SessionPlan } from './session.ts';
import { StdioStream } from './stdio-stream.ts';
import { stdinIsTerminal } from './terminal.ts';

/** The runtime and its version: Bun and Deno also report a Node version, so they are asked first. */
function runtimeVersion(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun !== undefined) return `bun ${v.bun}`;
  if (v.deno !== undefined) return `deno ${v.deno}`;
  return `node ${process.version}`;
}

/** hopssh's version line (-V). */
export const VERSION = `hopssh 0.1.0 (${SOFTWARE_VERSION}), ${runtimeVersion()}`;

/** An argument as an ssh_config argument: quoted when it holds what would split or end it. */
function configArg(value: string): string {
  return /^[^\s"'\\#]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** The ssh_config lines ssh(1)'s flags stand for, before the -o options (command-line values win over the files). */
function flagOptions(cl: CommandLine): string[] {
  const lines: string[] = [];
  const set = (keyword: string, value: string): void => void lines.push(`${keyword} ${configArg(value)}`);
  const v = count(cl, 'v');
  if (v > 0) set('LogLevel', `DEBUG${Math.min(v, 3)}`);
  else if (count(cl, 'q') > 0) set('LogLevel', 'QUIET');
  if (count(cl, 'A') > 0) set('ForwardAgent', 'yes');
  else if (count(cl, 'a') > 0) set('ForwardAgent', 'no');
  if (count(cl, 'X') + count(cl, 'Y') > 0) set('ForwardX11', 'yes');
  else if (count(cl, 'x') > 0) set('ForwardX11', 'no');
  if (count(cl, 'g') > 0) set('GatewayPorts', 'yes');
  if (count(cl, 'C') > 0) set('Compression', 'yes');
  if (count(cl, '4') > 0) set('AddressFamily', 'inet');
  else if (count(cl, '6') > 0) set('AddressFamily', 'inet6');
  if (count(cl, 'T') > 0) set('RequestTTY', 'no');
  else if (count(cl, 't') > 0) set('RequestTTY', count(cl, 't') > 1 ? 'force' : 'yes');
  if (count(cl, 'N') > 0) set('SessionType', 'none');
  else if (count(cl, 's') > 0) set('SessionType', 'subsystem');
  if (count(cl, 'n') > 0 || count(cl, 'f') > 0) set('StdinNull', 'yes');
  if (count(cl, 'f') > 0) set('ForkAfterAuthentication', 'yes');
  for (const path of allValues(cl, 'i')) set('IdentityFile', path);
  for (const [letter, keyword] of [
    ['c', 'Ciphers'],
    ['m', 'MACs'],
    ['e', 'EscapeChar'],
    ['P', 'Tag'],
    ['b', 'BindAddress'],
    ['B', 'BindInterface'],
    ['S', 'ControlPath'],
  ] as const) {
    const value = allValues(cl, letter)[0];
    if (value !== undefined) set(keyword, value);
  }
  // ProxyJump takes its text whole (no quoting); it also turns a configured ProxyCommand off, as -J does.
  const jump = allValues(cl, 'J');
  if (jump.length > 1) throw new UsageError('Only a single -J option is permitted');
  if (jump[0] !== undefined) lines.push(`ProxyJump ${jump[0]}`);
  return lines;
}

/** The first value of a kept option (ssh_config keywords hopssh reads from `other`). */
function otherValue(cfg: ResolvedConfig, keyword: string): string | undefined {
  return cfg.other.get(keyword)?.[0];
}

function yes(value: string | undefined): boolean {
  return value !== undefined && ['yes', 'true'].includes(value.toLowerCase());
}

/** -L, -R, -D of the command line before the configured ones (ClearAllForwardings clears both, as ssh(1)). */
function withCommandLineForwards(cfg: ResolvedConfig, cl: CommandLine): ResolvedConfig {
  if (cfg.clearAllForwardings) return cfg;
  return {
    ...cfg,
    localForwards: [...allValues(cl, 'L').map((s) => parseLocalForward(s)), ...cfg.localForwards],
    remoteForwards: [...allValues(cl, 'R').map((s) => parseRemoteForward(s)), ...cfg.remoteForwards],
    dynamicForwards: [...allValues(cl, 'D').map((s) => parseDynamicForward(s)), ...cfg.dynamicForwards],
  };
}

/** Local environment variables SendEnv patterns select, then SetEnv (ssh_config(5)). */
function sessionEnv(cfg: ResolvedConfig): [string, string][] {
  const out: [string, string][] = [];
  const patterns = cfg.sendEnv.filter((p) => !p.startsWith('-'));
  if (patterns.length > 0) {
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && patterns.some((p) => matchPatternList(name, p, false) === 'match')) out.push([name, value]);
    }
  }
  for (const { name, value } of cfg.setEnv) out.push([name, value]);
  return out;
}

/** What the session runs (SessionType, the command words or RemoteCommand); `none` for -N. */
function sessionKind(cfg: ResolvedConfig, cl: CommandLine): { kind: SessionPlan['kind'] | 'none'; command: string } {
  const type = (otherValue(cfg, 'sessiontype') ?? 'default').toLowerCase();
  let command = cl.command.join(' ');
  const remoteCommand = otherValue(cfg, 'remotecommand');
  if (command === '' && remoteCommand !== undefined && remoteCommand.toLowerCase() !== 'none') command = remoteCommand;
  return { kind: type === 'none' ? 'none' : type === 'subsystem' ? 'subsystem' : command === '' ? 'shell' : 'exec', command };
}

/** What ssh(1) would start on the session, or undefined for none (-N, SessionType none). */
function sessionPlan(cfg: ResolvedConfig, cl: CommandLine, log: Log): SessionPlan | undefined {
  const { kind, command } = sessionKind(cfg, cl);
  if (kind === 'none') return undefined;
  if (kind === 'subsystem' && command === '') throw new UsageError('You must specify a subsystem to invoke.');
  const stdinNull = yes(otherValue(cfg, 'stdinnull'));
  const tty = cfg.requestTTY;
  let pty = tty === 'force' || tty === 'yes' || (tty === 'auto' && kind === 'shell');
  if (pty && tty !== 'force' && (!stdinIsTerminal() || stdinNull)) {
    log.info('Pseudo-terminal will not be allocated because stdin is not a terminal.');
    pty = false;
  }
  let escapeChar: number | undefined = 0x7e;
  const escape = otherValue(cfg, 'escapechar');
  if (escape !== undefined) escapeChar = parseEscapeChar(escape);
  const forward = cfg.forwardAgent;
  const agent = forward === false ? undefined : forward === true ? agentSocket(cfg, process.env) : forward.startsWith('$') ? process.env[forward.slice(1)] : forward;
  if (forward !== false && agent === undefined) log.debug('agent forwarding: no agent socket');
  return {
    kind,
    command,
    pty: pty ? { term: process.env.TERM ?? '' } : undefined,
    env: sessionEnv(cfg),
    agentSocket: agent,
    stdinNull,
    escapeChar,
    hostLabel: cfg.hostName,
  };
}

/** Resolves once what stdout and stderr still queue has gone (at once for a stream that is closed or failed). */
function flushed(): Promise<void> {
  const done = (s: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => {
      if (s.writableLength === 0 || s.destroyed) return resolve();
      s.once('error', () => resolve());
      s.write('', () => resolve());
    });
  return Promise.all([done(process.stdout), done(process.stderr)]).then(() => undefined);
}

/** Options hopssh accepts but does not act on: said at INFO where the user would notice the difference, else at DEBUG. */
function warnUnsupported(cfg: ResolvedConfig, cl: CommandLine, log: Log): void {
  if (yes(otherValue(cfg, 'forwardx11'))) log.info('X11 forwarding is not supported by hopssh; ignored.');
  for (const [keyword, name] of [
    ['bindaddress', 'BindAddress'],
    ['bindinterface', 'BindInterface'],
    ['addressfamily', 'AddressFamily'],
  ] as const) {
    const value = otherValue(cfg, keyword);
    if (value !== undefined && value.toLowerCase() !== 'any') log.info(`${name} ${value} is not supported by hopssh; ignored.`);
  }
  for (const keyword of ['compression', 'controlmaster', 'controlpath', 'tag'])
    if (otherValue(cfg, keyword) !== undefined) log.debug(`${keyword} ${otherValue(cfg, keyword)}: not supported by hopssh; ignored`);
  if (count(cl, 'y') + count(cl, 'k') + count(cl, 'K') > 0) log.debug('-y/-k/-K: ignored');
}

/** Runs hopssh with `args` (argv without the program); resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let cl: CommandLine;
  try {
    cl = parseCommandLine(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`hopssh: ${e.message}\n${USAGE}\n`);
    return EXIT_ERROR;
  }
  const log = new Log(allValues(cl, 'E')[0]);
  if (count(cl, 'V') > 0) {
    process.stderr.write(`${VERSION}\n`);
    return 0;
  }
  const q = allValues(cl, 'Q')[0];
  if (q !== undefined) return query(q);
  if (count(cl, '1') > 0) {
    process.stderr.write('SSH protocol v.1 is no longer supported\n');
    return EXIT_ERROR;
  }
  for (const [letter, what] of [
    ['O', 'control commands (-O): hopssh has no ControlMaster'],
    ['w', 'tunnel forwarding (-w)'],
    ['I', 'PKCS#11 (-I)'],
  ] as const) {
    if (cl.values.has(letter)) {
      process.stderr.write(`hopssh: ${what} is not supported\n`);
      return EXIT_ERROR;
    }
  }
  if (cl.destination === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT_ERROR;
  }

  let direct = true;
  try {
    const dest = parseDestination(cl.destination);
    const portText = allValues(cl, 'p')[0];
    let port = dest.port;
    if (portText !== undefined) {
      port = parsePortNumber(portText);
      if (port === undefined) {
        process.stderr.write(`Bad port '${portText}'\n`);
        return EXIT_ERROR;
      }
    }
    const user = allValues(cl, 'l')[0] ?? dest.user;
    const stdioSpec = allValues(cl, 'W')[0];
    const ctx = configContext(allValues(cl, 'F')[0]);
    const options = [...flagOptions(cl), ...allValues(cl, 'o')];
    // The destination's own options, for what the program does after login (the chain is resolved again by resolveChain).
    let cfg = await resolveConfig(dest.host, ctx, { ...(user !== undefined && { user }), ...(port !== undefined && { port }), options, stdioForward: stdioSpec !== undefined });
    log.level = cfg.logLevel;
    cfg = withCommandLineForwards(cfg, cl);
    if (count(cl, 'G') > 0) {
      printConfig(cfg);
      return 0;
    }
    warnUnsupported(cfg, cl, log);
    const stdio = stdioSpec === undefined ? undefined : parseStdioForward(stdioSpec);
    if (stdio !== undefined && cl.command.length > 0) throw new UsageError('Cannot specify a command with -W');
    if (yes(otherValue(cfg, 'forkafterauthentication')) && !isBackgroundCopy()) {
      if (stdio === undefined && sessionKind(cfg, cl).kind === 'shell') throw new UsageError('Cannot fork into background without a command to execute.');
      return await runInBackground(args);
    }
    const plan = stdio === undefined ? sessionPlan(cfg, cl, log) : undefined;

    // The chain (each jump host from its own configuration), with what the program adds to every hop; the target comes last.
    const hopCtx: HopContext = { log, prompter: terminalPrompter(process.env), env: process.env };
    // The target's state: its hook runs last.
    let state: HopState = { changedKeyAccepted: false };
    const target = await resolveChain(cl.destination, ctx, {
      ...(user !== undefined && { user }),
      ...(port !== undefined && { port }),
      options,
      hopOptions: (base, hopCfg) => {
        state = { changedKeyAccepted: false };
        log.debug(`hop ${hopCfg.user}@${hopCfg.hostName}:${hopCfg.port}${base.jump ? ' (through jump hosts)' : base.proxyCommand ? ` (ProxyCommand ${hopCfg.proxyCommand})` : ''}`);
        return cliHopOptions(base, hopCfg, hopCtx, state);
      },
    });
    direct = target.jump === undefined && target.proxyCommand === undefined;
    log.debug(`Connecting to ${cfg.hostName} port ${cfg.port} as '${cfg.user}'.`);
    const client = await connect({
      ...target,
      username: cfg.user,
      network: nodeNetwork,
      fs: cliFileSystem,
      processes: nodeProcessSpawner,
    });
    logConnected(client, cfg, log);
    return await afterLogin(client, cfg, plan, stdio, state, log);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hopssh: ${e.message}\n`);
      return EXIT_ERROR;
    }
    for (const line of describeFailure(e, direct)) log.fatal(line);
    if (!(e instanceof Error)) log.debug(String(e));
    return EXIT_ERROR;
  }
}

function logConnected(client: SshClient, cfg: ResolvedConfig, log: Log): void {
  if (!log.enabled('DEBUG1')) return;
  for (const hop of client.hops) {
    const t = hop.transport;
    const n = t.negotiated;
    log.debug(`${hop.address.user}@${hop.address.host}:${hop.address.port}: ${t.peerIdentification}`);
    if (n) log.debug(`kex: ${n.kex}, host key: ${n.hostKey}, cipher: ${t.cipherDescription.send}, MAC: ${n.macCtoS}${t.strictKex ? ', strict kex' : ''}`);
  }
  log.debug(`Authenticated to ${cfg.hostName} ([${cfg.hostName}]:${cfg.port}).`);
}

/** ssh(1) on SIGINT, SIGTERM, SIGHUP: "Killed by signal N.", status 255 — 0 for SIGTERM with no session (-N). */
function onSignals(noSession: boolean, log: Log, stop: (code: number) => void): void {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.verbose(`Killed by signal ${numbers[signal]}.`);
      stop(noSession && signal === 'SIGTERM' ? 0 : EXIT_ERROR);
    });
  }
}

/** Forwards, then the session, -W or nothing (-N); resolves with the exit code once the connection is closed and output flushed. */
async function afterLogin(
  client: SshClient,
  cfg: ResolvedConfig,
  plan: SessionPlan | undefined,
  stdio: { host: string; port: number } | undefined,
  state: HopState,
  log: Log,
): Promise<number> {
  let code: number;
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  onSignals(plan === undefined, log, stop);
  const lost = client.closed.then((err) => {
    if (err) {
      const timeout = err.cause instanceof LimitError && err.cause.limit === 'ServerAliveCountMax';
      log.error(timeout ? `Timeout, server ${cfg.hostName} not responding.` : `Connection to ${cfg.hostName} closed by remote host.`);
      log.debug(err.message);
    }
    return EXIT_ERROR;
  });
  try {
    if (state.changedKeyAccepted) {
      log.error('Port forwarding and agent forwarding are disabled to avoid man-in-the-middle attacks.');
    } else if (!(await startForwards(client, cfg, yes(otherValue(cfg, 'gatewayports')), log)) && cfg.exitOnForwardFailure) {
      log.fatal('Error: forwarding failed (ExitOnForwardFailure).');
      return EXIT_ERROR;
    }
    detach(log);
    if (stdio !== undefined) {
      noMoreSessions(client.connection);
      let channel;
      try {
        channel = await client.directTcpip(stdio.host, stdio.port);
      } catch (e) {
        log.error(`channel 0: open failed: ${(e as Error).message}`);
        log.error('stdio forwarding failed');
        return EXIT_ERROR;
      }
      const stream = new StdioStream(process.stdin, process.stdout, () => {
        try {
          closeSync(1);
        } catch {
          // already closed
        }
      });
      code = await Promise.race([pipe(stream, channel).then(() => 0), stopped, lost]);
    } else if (plan === undefined) {
      noMoreSessions(client.connection);
      code = await Promise.race([stopped, lost]);
    } else {
      const session = { ...plan, agentSocket: state.changedKeyAccepted ? undefined : plan.agentSocket };
      code = await Promise.race([runSession(client, session, process, log), stopped]);
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  await flushed();
  return code;
}
