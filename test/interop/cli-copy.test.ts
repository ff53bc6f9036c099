/**
 * hopssh as a drop-in for ssh under the real copy tools: `scp -S hopssh`
 * (the SFTP protocol, scp's default since OpenSSH 9.0, and the legacy scp
 * protocol with -O) and `rsync -e hopssh`, uploading and downloading, the
 * content compared byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inCI, requireOpenSSH, run } from '../helpers/openssh.ts';
import { cliEnv, LOGIN, startCliHost, tempDir, writeHopsshWrapper, type CliHost } from '../helpers/hopssh-cli.ts';

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
  let host: CliHost;
  let dir: string;
  let removeDir: () => Promise<void>;
  let hopssh: string;
  let content: Buffer;

  beforeAll(async () => {
    host = await startCliHost();
    ({ dir, remove: removeDir } = await tempDir('hop-cli-copy-'));
    hopssh = await writeHopsshWrapper(join(dir, 'hopssh'));
    content = randomBytes(3 << 20);
    await writeFile(join(dir, 'local.bin'), content);
  });
  afterAll(async () => {
    await host?.stop();
    await removeDir?.();
  });

  const remote = (path: string) => `${LOGIN}@127.0.0.1:${path}`;

  for (const mode of [
    { name: 'SFTP protocol', flags: [] as string[] },
    { name: 'legacy scp protocol (-O)', flags: ['-O'] },
  ]) {
    test(`scp -S hopssh, ${mode.name}: upload then download`, async () => {
      const scp = ['scp', ...mode.flags, '-S', hopssh, '-F', host.configPath, '-P', String(host.sshd.port)];
      const up = join(dir, `up${mode.flags.join('')}.bin`);
      const r1 = await run([...scp, join(dir, 'local.bin'), remote(up)], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r1.code, r1.stderr).toBe(0);
      expect((await readFile(up)).equals(content)).toBe(true);
      const down = join(dir, `down${mode.flags.join('')}.bin`);
      const r2 = await run([...scp, remote(up), down], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r2.code, r2.stderr).toBe(0);
      expect((await readFile(down)).equals(content)).toBe(true);
    }, 120_000);
  }

  test('scp -S hopssh: a remote file that does not exist fails with scp\'s error', async () => {
    const r = await run(['scp', '-S', hopssh, '-F', host.configPath, '-P', String(host.sshd.port), remote(join(dir, 'missing')), join(dir, 'x')], { env: cliEnv() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No such file/);
  });

  const haveRsync = installed('rsync');
  (haveRsync || inCI() ? describe : describe.skip)(`rsync -e hopssh${haveRsync ? '' : ' [rsync not installed: run scripts/setup.sh]'}`, () => {
    test('upload and download a tree', async () => {
      const src = join(dir, 'tree');
      await mkdir(join(src, 'sub'), { recursive: true });
      await writeFile(join(src, 'big.bin'), content);
      await writeFile(join(src, 'sub', 'small.txt'), 'small\n');
      const e = `${hopssh} -F ${host.configPath} -p ${host.sshd.port}`;
      const up = join(dir, 'rsync-up');
      const r1 = await run(['rsync', '-a', '-e', e, `${src}/`, remote(`${up}/`)], { env: cliEnv(), timeoutMs: 60_000 });
      expect(r1.code, r1.stderr).toBe(0);
      expect((await readFile(join(up, 'big.bin'))).equals(content)).toBe(true);
      expect(await readFile(join(up, 'sub', 'small.txt'), 'utf8')).toBe('small\n');
      const down = join(dir, 'rsync-down');
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
