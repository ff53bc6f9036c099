/**
 * The hopssh program through a chain of OpenSSH jump hosts
 * (jump-topology.ts: client → jump1 → jump2 → jump3, the target linked to
 * each jump host, the client reaching jump1 only — checked at start):
 *
 *   hopssh -F <config> -J jump1,jump2 target
 *
 * The ssh_config names every host by an alias with its own HostName and its
 * own user key (root everywhere), the topology's known_hosts, no agent and
 * BatchMode; `target` is the target at its address on jump2's link, and
 * `chained` is the same host with `ProxyJump jump1,jump2` in its own block.
 * Programs run inside the client's namespace (`inClient`); `echoOnTarget`
 * serves a TCP echo that only the target can reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { registerPid, unregisterPid } from './cleanup.ts';
import { startEchoServer, type TestServer } from './echo-server.ts';
import { cliEnv, hopsshArgv, isolatedConfig, runHopssh, type RunHopsshOptions } from './hopssh-cli.ts';
import { exposeInNetns } from './netns-network.ts';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ConnectError } from '../../src/io/network.ts';
import { HOSTS, startJumpTopology, type JumpTopology } from './jump-topology.ts';
import type { RunResult } from './run.ts';
import { noSessionsLeft } from './sshd.ts';

/** The jump hosts of every chain here, as given to -J / ProxyJump. */
export const CHAIN = 'jump1,jump2';

/**
 * A remote command printing where it runs and where the connection came
 * from: "<namespace> <client address>" (`expectedWhere` of the chain).
 */
export const WHERE = 'echo "$(ip netns identify) ${SSH_CONNECTION%% *}"';

export interface CliChain {
  readonly topo: JumpTopology;
  /** The ssh_config file (for -F). */
  readonly config: string;
  /** `-F config -J jump1,jump2 target`: the arguments that reach the target through the chain (a command may follow). */
  readonly args: readonly string[];
  /** What {@link WHERE} prints on the target reached through jump1 and jump2. */
  readonly expectedWhere: string;
  /** `argv` run inside the client's namespace. */
  inClient(argv: readonly string[]): string[];
  /** Runs hopssh with `args` inside the client's namespace (timeout 60 s unless given). */
  hopssh(args: readonly string[], opts?: RunHopsshOptions): Promise<RunResult>;
  /** Starts hopssh with `args` inside the client's namespace, in the background. */
  spawnHopssh(args: readonly string[], runtime?: RunHopsshOptions['runtime']): Background;
  /** A TCP connection from inside the client's namespace to 127.0.0.1:`port`, retried while refused (a listener starting) for up to `timeoutMs`. */
  connectInClient(port: number, timeoutMs?: number): Promise<Socket>;
  /**
   * An echo server reachable only from inside the target's namespace, at its
   * 127.0.0.1:`port` (a relay there to a unix socket of this process).
   */
  echoOnTarget(port: number): Promise<TestServer>;
  /** Resolves once jump1, jump2 and the target have no session left (nothing of a finished run still running there). */
  sessionsEnded(): Promise<void>;
  teardown(): Promise<void>;
}

/** A program running in the background, its stderr collected. */
export class Background {
  readonly child: ChildProcess;
  stderr = '';
  /** The exit status, or null when a signal ended it. */
  readonly exited: Promise<number | null>;

  constructor(argv: readonly string[]) {
    const [cmd, ...args] = argv;
    this.child = spawn(cmd!, args, { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    registerPid(this.child.pid!);
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        unregisterPid(this.child.pid!);
        resolve(code);
      }),
    );
  }

  /** Sends `signal` and waits for the exit status. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

export async function startCliChain(): Promise<CliChain> {
  const topo = await startJumpTopology();
  try {
    const { net, addr, keyFile } = topo;
    // The path is proved, not assumed: the client has no route to the target.
    for (const j of ['jump1', 'jump2', 'jump3'] as const) {
      if (await net.canConnect('client', addr.targetFrom(j), 22, 2_000)) throw new Error(`the client reaches the target at ${addr.targetFrom(j)} directly`);
    }
    const hostName = { jump1: addr.jump1(), jump2: addr.jump2(), jump3: addr.jump3(), target: addr.targetFrom('jump2') };
    const block = (alias: string, host: (typeof HOSTS)[number], extra: readonly string[] = []): string[] => [
      `Host ${alias}`,
      `  HostName ${hostName[host]}`,
      `  IdentityFile ${keyFile[host]}`,
      ...extra.map((l) => `  ${l}`),
    ];
    const config = join(topo.dir, 'config');
    await writeFile(
      config,
      [
        ...HOSTS.flatMap((h) => block(h, h)),
        ...block('chained', 'target', [`ProxyJump ${CHAIN}`]),
        isolatedConfig(undefined, topo.knownHosts, ['User root']),
      ].join('\n'),
    );
    const prefix = net.argv('client', []);
    return {
      topo,
      config,
      args: ['-F', config, '-J', CHAIN, 'target'],
      expectedWhere: `${net.netns('target')} ${net.address('jump2', 'target')}`,
      inClient: (argv) => [...prefix, ...argv],
      hopssh: (args, opts = {}) => runHopssh(args, { timeoutMs: 60_000, ...opts, prefix }),
      spawnHopssh: (args, runtime) => new Background([...prefix, ...hopsshArgv(args, runtime)]),
      connectInClient: async (port, timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            const stream = await topo.clientNet.connectTcp('127.0.0.1', port);
            if (!(stream instanceof NodeSocketStream)) throw new TypeError('connectInClient: not a node:net socket');
            return stream.socket;
          } catch (e) {
            if (!(e instanceof ConnectError) || Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
      echoOnTarget: async (port) => {
        const echo = await startEchoServer({ path: join(topo.dir, `echo-${port}.sock`) });
        const relay = await exposeInNetns(net, 'target', port, echo.path!).catch(async (e: unknown) => {
          await echo.close();
          throw e;
        });
        const closeEcho = echo.close;
        echo.close = async () => {
          await relay.close();
          await closeEcho();
        };
        return echo;
      },
      sessionsEnded: () => noSessionsLeft([topo.sshd.jump1, topo.sshd.jump2, topo.sshd.target]),
      teardown: () => topo.teardown(),
    };
  } catch (e) {
    await topo.teardown();
    throw e;
  }
}
