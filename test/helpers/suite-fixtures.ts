/**
 * Servers shared by the tests of one describe block: started by a beforeAll
 * hook, stopped by an afterAll hook. (Not in hopssh-cli.ts: these register
 * vitest hooks, and hopssh-cli.ts serves the benchmarks too.)
 *
 *     const host = useCliHost();
 *     test('…', async () => { await runHopssh([...host.target, 'true']); });
 *
 * The returned object reads through to the running server, so tests and
 * hooks registered after the call use it as the server itself (beforeAll
 * hooks run in the order they are registered, afterAll hooks in reverse).
 * Read before the server started, it throws.
 */
import { afterAll, beforeAll } from 'vitest';
import { startSshd, type SshdOptions, type SshdServer } from './sshd.ts';
import { startCliHost, type CliHost, type CliHostOptions } from './hopssh-cli.ts';
import { startCliChain, type CliChain } from './jump-chain-cli.ts';

/** `start()` before the block's tests, `stop()` after them; a failed start fails the block. */
export function suiteFixture<T extends object>(what: string, start: () => Promise<T>, stop: (it: T) => Promise<void>, timeoutMs?: number): T {
  let it: T | undefined;
  beforeAll(async () => {
    it = await start();
  }, timeoutMs);
  afterAll(async () => {
    if (it !== undefined) await stop(it);
  });
  return new Proxy({} as T, {
    get: (_, key) => {
      if (it === undefined) throw new Error(`${what}: read of ${String(key)} before it started (use it in tests and in hooks registered later)`);
      return Reflect.get(it, key);
    },
  });
}

/** An OpenSSH sshd (sshd.ts). */
export function useSshd(opts: SshdOptions = {}): SshdServer {
  return suiteFixture('useSshd', () => startSshd(opts), (s) => s.stop());
}

/** A CliHost (hopssh-cli.ts): sshd with a client key, known_hosts and an ssh_config file. */
export function useCliHost(opts: CliHostOptions = {}): CliHost {
  return suiteFixture('useCliHost', () => startCliHost(opts), (h) => h.stop());
}

/** A CliChain (jump-chain-cli.ts): the jump-host namespaces with their sshds (two minutes to start). */
export function useCliChain(): CliChain {
  return suiteFixture('useCliChain', startCliChain, (c) => c.teardown(), 120_000);
}
