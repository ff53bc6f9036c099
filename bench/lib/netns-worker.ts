/**
 * A bench's worker process inside a test host's network namespace, so what
 * it times (hopssh's library, or an `ssh` it spawns) runs where `ssh` would:
 * no relay between it and the network, no `ip netns exec` in the timing.
 * Requests and replies are JSON lines on its stdin/stdout, one at a time.
 *
 *   parent: const w = await startNetnsWorker(net, 'client', new URL('./my-worker.ts', import.meta.url), setup);
 *           const reply = await w.request({ … });
 *   worker: serveRequests(async (req, setup) => ({ … }));
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { registerPid, unregisterPid } from '../../test/helpers/cleanup.ts';
import type { TestNetwork } from '../../test/helpers/netns.ts';

export interface NetnsWorker {
  readonly pid: number;
  request<Req, Reply>(req: Req): Promise<Reply>;
  close(): Promise<void>;
}

/** Starts `script` (TypeScript, through tsx) inside `host` with `setup` as its first argument (JSON). */
export async function startNetnsWorker(net: TestNetwork, host: string, script: URL, setup: unknown): Promise<NetnsWorker> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const [cmd, ...args] = net.argv(host, [process.execPath, '--import', 'tsx', fileURLToPath(script), JSON.stringify(setup)]);
  const child: ChildProcess = spawn(cmd!, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  registerPid(child.pid!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    const msg = JSON.parse(line) as { ok: true; reply: unknown } | { ok: false; error: string };
    if (msg.ok) w.resolve(msg.reply);
    else w.reject(new Error(msg.error));
  });
  void exited.then((code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`worker in ${host} exited (${code})`));
  });
  return {
    pid: child.pid!,
    request: <Req, Reply>(req: Req) =>
      new Promise<Reply>((resolve, reject) => {
        waiting.push({ resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(JSON.stringify(req) + '\n');
      }),
    close: async () => {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      unregisterPid(child.pid!);
    },
  };
}

/** In the worker: answers each request line with `handle`'s reply (or its error), in order, until stdin ends. */
export async function serveRequests<Setup, Req, Reply>(handle: (req: Req, setup: Setup) => Promise<Reply>): Promise<void> {
  const setup = JSON.parse(process.argv[2] ?? 'null') as Setup;
  for await (const line of createInterface({ input: process.stdin })) {
    let out: string;
    try {
      out = JSON.stringify({ ok: true, reply: await handle(JSON.parse(line) as Req, setup) });
    } catch (e) {
      out = JSON.stringify({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e) });
    }
    process.stdout.write(out + '\n');
  }
}
