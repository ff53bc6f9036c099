/**
 * The same hopssh program under Node (bin/hopssh.js), Bun (`bun
 * src/cli/hopssh.ts`) and Deno (`deno run -A src/cli/hopssh.ts`) against
 * sshd: a command's output and exit status, 1 MB of stdin by hash, -W, and
 * a pty with a resize. Bun and Deno come from npm (devDependencies).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { requireOpenSSH, run } from '../helpers/openssh.ts';
import { startEchoServer } from '../helpers/echo-server.ts';
import { cliEnv, describeRun, hopsshArgv, runHopssh, withTempDir } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();
const RUNTIMES = ['node', 'bun', 'deno'] as const;

describeOpenSSH('hopssh under Node, Bun and Deno', () => {
  const host = useCliHost();

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      test('a command: stdout, stderr, exit status', async () => {
        const r = await runHopssh([...host.target, 'echo out; echo err >&2; exit 6'], { runtime, timeoutMs: 60_000 });
        expect(r.code, describeRun(r)).toBe(6);
        expect(r.stdout).toBe('out\n');
        expect(r.stderr).toBe('err\n');
      });

      test('1 MB of stdin by hash', async () => {
        const data = randomBytes(1 << 20);
        const r = await runHopssh([...host.target, 'sha256sum'], { runtime, input: data, timeoutMs: 60_000 });
        expect(r.code, describeRun(r)).toBe(0);
        expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
      });

      test('-W to an echo server', async () => {
        const echo = await startEchoServer();
        try {
          const data = randomBytes(100_000).toString('hex');
          const r = await runHopssh([...host.target.slice(0, 4), '-W', `127.0.0.1:${echo.port}`, host.target[4]!], { runtime, input: data, timeoutMs: 60_000 });
          expect(r.code, describeRun(r).slice(0, 300)).toBe(0);
          expect(r.stdout).toBe(data);
        } finally {
          await echo.close();
        }
      });

      test('a refused connection: 255', async () => {
        const r = await runHopssh(['-F', host.configPath, '-p', '1', '127.0.0.1', 'true'], { runtime, timeoutMs: 60_000 });
        expect(r.code, describeRun(r)).toBe(255);
        expect(r.stderr).toBe('hopssh: connect to host 127.0.0.1 port 1: Connection refused\n');
      });

      test('-tt on a terminal: size, resize, exit status', async () => {
        await withTempDir('hop-cli-rt-', async (dir) => {
          const ttyFile = join(dir, 'tty');
          const remote = 'stty size; while [ "$(stty size)" = "33 91" ]; do sleep 0.1; done; echo "NEW $(stty size)"; exit 5';
          const cmd = hopsshArgv(['-tt', ...host.target, remote], runtime).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
          const child = spawn('script', ['-qefc', `tty > ${ttyFile}; stty cols 91 rows 33; exec ${cmd}`, '/dev/null'], { env: cliEnv(), stdio: 'pipe' });
          let out = '';
          child.stdout.on('data', (b: Buffer) => (out += b));
          const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
          try {
            await waitUntil(() => out.includes('33 91'), () => out);
            const r = await run(['stty', '-F', (await readFile(ttyFile, 'utf8')).trim(), 'cols', '120', 'rows', '40']);
            expect(r.code).toBe(0);
            await waitUntil(() => out.includes('NEW 40 120'), () => out);
            expect(await exited).toBe(5);
          } finally {
            child.kill('SIGKILL');
          }
        });
      });
    });
  }
});

async function waitUntil(done: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far: ${JSON.stringify(what())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
