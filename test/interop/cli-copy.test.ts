/**
 * hopssh as a drop-in for ssh under the real copy tools: `scp -S hopssh`
 * (the SFTP protocol, scp's default since OpenSSH 9.0, and the legacy scp
 * protocol with -O) and `rsync -e hopssh`, uploading and downloading, the
 * content compared byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { inCI, requireOpenSSH, run } from '../helpers/openssh.ts';
import { cliEnv, LOGIN, writeHopsshWrapper, writeRandomFile } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();

function installed(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeOpenSSH('scp -S hopssh and rsync -e hopssh', () => {
  const host = useCliHost();
  let hopssh: string;
  let content: Buffer;

  beforeAll(async () => {
    hopssh = await writeHopsshWrapper(join(host.dir, 'hopssh'));
    content = await writeRandomFile(join(host.dir, 'local.bin'), 3 << 20);
  });

  const remote = (path: string) => `${LOGIN}@127.0.0.1:${path}`;

  for (const mode of [
    { name: 'SFTP protocol', flags: [] as string[] },
    { name: 'legacy scp protocol (-O)', flags: ['-O'] },
  ]) {
    test(`scp -S hopssh, ${mode.name}: upload then download`, async () => {
      const scp = ['scp', ...mode.flags, '-S', hopssh, '-F', host.configPath, '-P', String(host.sshd.port)];
      const up = join(host.dir, `up${mode.flags.join('')}.bin`);
      const r1 = await run([...scp, join(host.dir, 'local.bin'), remote(up)], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r1.code, r1.stderr).toBe(0);
      expect((await readFile(up)).equals(content)).toBe(true);
      const down = join(host.dir, `down${mode.flags.join('')}.bin`);
      const r2 = await run([...scp, remote(up), down], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r2.code, r2.stderr).toBe(0);
      expect((await readFile(down)).equals(content)).toBe(true);
    }, 120_000);
  }

  test('scp -S hopssh: a remote file that does not exist fails with scp\'s error', async () => {
    const r = await run(['scp', '-S', hopssh, '-F', host.configPath, '-P', String(host.sshd.port), remote(join(host.dir, 'missing')), join(host.dir, 'x')], { env: cliEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No such file/);
  });

  const haveRsync = installed('rsync');
  (haveRsync || inCI() ? describe : describe.skip)(`rsync -e hopssh${haveRsync ? '' : ' [rsync not installed: run scripts/setup.sh]'}`, () => {
    test('upload and download a tree', async () => {
      const src = join(host.dir, 'tree');
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'big.bin'), content);
      await writeFile(join(src, 'sub', 'small.txt'), 'small\n');
      const e = `${hopssh} -F ${host.configPath} -p ${host.sshd.port}`;
      const up = join(host.dir, 'rsync-up');
      const r1 = await run(['rsync', '-a', '-e', e, `${src}/`, remote(`${up}/`)], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r1.code, r1.stderr).toBe(0);
      expect((await readFile(join(up, 'big.bin'))).equals(content)).toBe(true);
      expect(await readFile(join(up, 'sub', 'small.txt'), 'utf8')).toBe('small\n');
      const down = join(host.dir, 'rsync-down');
      const r2 = await run(['rsync', '-a', '-e', e, remote(`${up}/`), `${down}/`], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r2.code, r2.stderr).toBe(0);
      expect((await readFile(join(down, 'big.bin'))).equals(content)).toBe(true);
      expect(await readFile(join(down, 'sub', 'small.txt'), 'utf8')).toBe('small\n');
      // A second run sends only what changed (rsync's delta protocol over hopssh).
      await writeFile(join(src, 'sub', 'small.txt'), 'changed\n');
      const r3 = await run(['rsync', '-a', '--stats', '-e', e, `${src}/`, remote(`${up}/`)], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r3.code, r3.stderr).toBe(0);
      expect(r3.stdout).toMatch(/Number of regular files transferred: 1\n/);
      expect(await readFile(join(up, 'sub', 'small.txt'), 'utf8')).toBe('changed\n');
    }, 120_000);
  });
});
