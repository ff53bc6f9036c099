/**
 * ProxyCommand (ssh_config(5)): the first hop's connection is the stdin and
 * stdout of a local command, e.g. `ssh -W %h:%p jump` or `nc -X connect -x
 * proxy:8080 %h %p`.
 */
import { ProcessExitError, type ProcessExit, type ProcessSpawner, type SpawnedProcess } from '../io/process.ts';
import { expandTokens, PROXY_TOKENS } from './tokens.ts';
import type { ResolvedHop } from './hop.ts';

/** A ProxyCommand value that runs something: set, and not `none` (ssh_config(5)). */
export function proxyCommandOf(value: string | undefined): string | undefined {
  return value === undefined || value.toLowerCase() === 'none' ? undefined : value;
}

/** The command line for `hop`: %h host, %p port, %r user, %n the name as given, %% a percent (ssh_config(5) TOKENS). */
export function expandProxyCommand(command: string, hop: ResolvedHop): string {
  const { host, port, user } = hop.address;
  return expandTokens(command, { h: host, p: String(port), r: user, n: hop.name }, PROXY_TOKENS);
}

/** Starts the ProxyCommand of `hop`; its stdio is the hop's stream. Throws TokenError for a token it cannot expand. */
export function startProxyCommand(processes: ProcessSpawner, command: string, hop: ResolvedHop): SpawnedProcess {
  return processes.spawn(expandProxyCommand(command, hop));
}

/**
 * Why a ProxyCommand connection ended before the server spoke: the
 * command's exit when it ended badly within `waitMs` (its exit usually
 * follows the end of its output closely), else undefined.
 */
export async function proxyCommandFailure(process: SpawnedProcess, waitMs = 1_000): Promise<ProcessExitError | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
  const exit: ProcessExit | undefined = await Promise.race([process.exited, timeout]);
  clearTimeout(timer);
  if (exit === undefined || (exit.code === 0 && exit.error === undefined)) return undefined;
  return new ProcessExitError(process.command, exit);
}
