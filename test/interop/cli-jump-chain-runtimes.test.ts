/**
 * The hopssh program under Bun and Deno (from npm, running
 * src/cli/hopssh.ts) through a chain of OpenSSH jump hosts, `-J
 * jump1,jump2` from the client's namespace — the named subset of the chain
 * tests for those runtimes (Node runs the full set in the other
 * cli-jump-chain-* files): a command with 1 MiB of stdin hashed on the
 * target, stdout, stderr and exit status; -N -L to an echo server only the
 * target reaches, 4 MiB by SHA-256, the listener gone after SIGTERM; and
 * `scp -S` with a wrapper running hopssh under that runtime, 4 MiB up and
 * down by SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireNetns, requireOpenSSH, run } from '../helpers/openssh.ts';
import { hashedEcho, type TestServer } from '../helpers/echo-server.ts';
import { cliEnv, describeRun, writeHopsshWrapper, writeRandomFile } from '../helpers/hopssh-cli.ts';
import { CHAIN, WHERE } from '../helpers/jump-chain-cli.ts';
import { useCliChain } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

const MiB = 1 << 20;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** The echo server's port on the target's loopback; each runtime's -L listens on its own port in the client namespace. */
const ECHO = 7001;
const LOCAL = { bun: 7100, deno: 7200 } as const;

describeOpenSSH('hopssh under Bun and Deno through -J jump1,jump2', () => {
  describeNetns('through jump hosts in network namespaces', () => {
    const chain = useCliChain();
    let echo: TestServer;
    let content: Buffer;
    let local: string;

    beforeAll(async () => {
      echo = await chain.echoOnTarget(ECHO);
      local = join(chain.topo.dir, 'local.bin');
      content = await writeRandomFile(local, 4 * MiB);
    });
    afterAll(async () => {
      await echo?.close();
    });

    for (const runtime of ['bun', 'deno'] as const) {
      describe(runtime, () => {
        test('a command: 1 MiB of stdin hashed on the target, stdout, stderr, exit status', async () => {
          const input = randomBytes(MiB);
          const r = await chain.hopssh([...chain.args, `${WHERE}; sha256sum; echo err >&2; exit 6`], { runtime, input });
          expect(r.code, describeRun(r)).toBe(6);
          const [where, sum] = r.stdout.split('\n');
          expect(where).toBe(chain.expectedWhere);
          expect(sum!.split(' ')[0]).toBe(sha256(input));
          expect(r.stderr).toBe('err\n');
          await chain.sessionsEnded();
        });

        test('-N -L to a server only the target reaches: 4 MiB by SHA-256; SIGTERM ends it and its listener', async () => {
          const hopssh = chain.spawnHopssh(['-N', '-L', `${LOCAL[runtime]}:127.0.0.1:${ECHO}`, ...chain.args], runtime);
          try {
            const r = await hashedEcho(await chain.connectInClient(LOCAL[runtime], 30_000), 4 * MiB);
            expect(r.bytes).toBe(4 * MiB);
            expect(r.received).toBe(r.sent);
          } finally {
            await hopssh.stop();
          }
          expect(hopssh.stderr).toBe('');
          expect(await chain.topo.net.canConnect('client', '127.0.0.1', LOCAL[runtime])).toBe(false);
          await chain.sessionsEnded();
        });

        test('scp -S hopssh -o ProxyJump=jump1,jump2: 4 MiB up and down by SHA-256', async () => {
          const dir = chain.topo.dir;
          const hopssh = await writeHopsshWrapper(join(dir, `hopssh-${runtime}`), runtime);
          const scp = ['scp', '-S', hopssh, '-F', chain.config, '-o', `ProxyJump=${CHAIN}`];
          const copy = (from: string, to: string) => run(chain.inClient([...scp, from, to]), { env: cliEnv(), timeoutMs: 60_000 });
          const up = join(dir, `up-${runtime}.bin`);
          const r1 = await copy(local, `target:${up}`);
          expect(r1.code, r1.stderr).toBe(0);
          expect(sha256(await readFile(up))).toBe(sha256(content));
          const down = join(dir, `down-${runtime}.bin`);
          const r2 = await copy(`target:${up}`, down);
          expect(r2.code, r2.stderr).toBe(0);
          expect(sha256(await readFile(down))).toBe(sha256(content));
          await chain.sessionsEnded();
        });
      });
    }
  });
});
