/**
 * hopssh as the ssh of the copy tools, through a chain of OpenSSH jump
 * hosts, run from the client's namespace (the target reachable only through
 * jump1 and jump2): `scp -S hopssh -o ProxyJump=jump1,jump2` (SFTP
 * protocol), `scp -S hopssh -J jump1,jump2 -O` (legacy scp protocol, scp's
 * own -J handed to hopssh), and `rsync -e hopssh` to a host whose ssh_config
 * block holds the ProxyJump. 8 MiB up and back down, compared by SHA-256
 * (the namespaces share one filesystem, so the target's copy is read here).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { requireNetns, requireOpenSSH, run } from '../helpers/openssh.ts';
import { cliEnv, writeHopsshWrapper, writeRandomFile } from '../helpers/hopssh-cli.ts';
import { CHAIN } from '../helpers/jump-chain-cli.ts';
import { useCliChain } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describeOpenSSH('scp -S hopssh and rsync -e hopssh through -J jump1,jump2', () => {
  describeNetns('through jump hosts in network namespaces', () => {
    const chain = useCliChain();
    let hopssh: string;
    let dir: string;
    let local: string;
    let hash: string;

    beforeAll(async () => {
      dir = chain.topo.dir;
      hopssh = await writeHopsshWrapper(join(dir, 'hopssh'));
      local = join(dir, 'local.bin');
      hash = sha256(await writeRandomFile(local, 8 << 20));
    });

    /** Runs a copy tool inside the client's namespace. */
    const copy = (argv: readonly string[]) => run(chain.inClient(argv), { env: cliEnv(), timeoutMs: 60_000 });
    const hashOf = async (path: string): Promise<string> => sha256(await readFile(path));

    for (const mode of [
      { name: 'SFTP protocol, -o ProxyJump=jump1,jump2', flags: ['-o', `ProxyJump=${CHAIN}`], tag: 'sftp' },
      { name: "legacy scp protocol (-O), scp's -J jump1,jump2", flags: ['-O', '-J', CHAIN], tag: 'legacy' },
    ]) {
      test(`scp -S hopssh, ${mode.name}: 8 MiB up and down by SHA-256`, async () => {
        const scp = ['scp', '-S', hopssh, '-F', chain.config, ...mode.flags];
        const up = join(dir, `up-${mode.tag}.bin`);
        const r1 = await copy([...scp, local, `target:${up}`]);
        expect(r1.code, r1.stderr).toBe(0);
        expect(await hashOf(up)).toBe(hash);
        const down = join(dir, `down-${mode.tag}.bin`);
        const r2 = await copy([...scp, `target:${up}`, down]);
        expect(r2.code, r2.stderr).toBe(0);
        expect(await hashOf(down)).toBe(hash);
        await chain.sessionsEnded();
      });
    }

    test('scp -S hopssh without the jump hosts cannot reach the target (the chain is what carries the copies)', async () => {
      const r = await copy(['scp', '-S', hopssh, '-F', chain.config, '-o', 'ConnectTimeout=3', local, `target:${join(dir, 'direct.bin')}`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`hopssh: connect to host ${chain.topo.addr.targetFrom('jump2')} port 22: Network is unreachable\n`);
    });

    test('rsync -e hopssh to a host with ProxyJump in its ssh_config block: a tree up and down, then only the change', async () => {
      const src = join(dir, 'tree');
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'big.bin'), await readFile(local));
      await writeFile(join(src, 'sub', 'small.txt'), 'small\n');
      const e = ['-e', `${hopssh} -F ${chain.config}`];
      const up = join(dir, 'rsync-up');
      const r1 = await copy(['rsync', '-a', ...e, `${src}/`, `chained:${up}/`]);
      expect(r1.code, r1.stderr).toBe(0);
      expect(await hashOf(join(up, 'big.bin'))).toBe(hash);
      expect(await readFile(join(up, 'sub', 'small.txt'), 'utf8')).toBe('small\n');
      const down = join(dir, 'rsync-down');
      const r2 = await copy(['rsync', '-a', ...e, `chained:${up}/`, `${down}/`]);
      expect(r2.code, r2.stderr).toBe(0);
      expect(await hashOf(join(down, 'big.bin'))).toBe(hash);
      expect(await readFile(join(down, 'sub', 'small.txt'), 'utf8')).toBe('small\n');
      // rsync's delta protocol over the chain: a second run sends only what changed.
      await writeFile(join(src, 'sub', 'small.txt'), 'changed\n');
      const r3 = await copy(['rsync', '-a', '--stats', ...e, `${src}/`, `chained:${up}/`]);
      expect(r3.code, r3.stderr).toBe(0);
      expect(r3.stdout).toMatch(/Number of regular files transferred: 1\n/);
      expect(await readFile(join(up, 'sub', 'small.txt'), 'utf8')).toBe('changed\n');
      await chain.sessionsEnded();
    });
  });
});
