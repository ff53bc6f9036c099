/**
 * The bundled hopssh program (scripts/bundle-cli.ts, what `npm run build`
 * writes to dist/hopssh/ for bin/hopssh.js), bundled into a temporary
 * directory outside the project — so it must run with no node_modules beside
 * it — against OpenSSH's sshd: the same -V line as the source, a command's
 * output and exit status, stdin intact, a jump, and key exchanges whose code
 * loads on first use (ML-KEM is not in OpenSSH 9.2; finite-field DH is).
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { bundleCli } from '../../scripts/bundle-cli.ts';
import { requireOpenSSH } from '../helpers/openssh.ts';
import { cliEnv, describeRun, LOGIN, runHopssh } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';
import { run, type RunResult } from '../helpers/run.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('the bundled hopssh program against sshd', () => {
  const host = useCliHost();
  let bundle: string;

  beforeAll(async () => {
    bundle = await bundleCli(join(host.dir, 'bundle'));
  }, 60_000);

  const runBundle = (args: readonly string[], input: string | Uint8Array = ''): Promise<RunResult> =>
    run([process.execPath, bundle, ...args], { input, env: cliEnv(), timeoutMs: 30_000 });

  test('-V: the same version line as the source program', async () => {
    const [built, source] = await Promise.all([runBundle(['-V']), runHopssh(['-V'])]);
    expect(built.code, describeRun(built)).toBe(0);
    expect(built.stderr + built.stdout).toMatch(/^hopssh \d+\.\d+\.\d+ /);
    expect(built.stderr + built.stdout).toBe(source.stderr + source.stdout);
  });

  test('a command: stdout, stderr and the exit status', async () => {
    const r = await runBundle([...host.target, 'echo out; echo err >&2; exit 3']);
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  test('1 MB of stdin reaches the command intact (hash), over AES-GCM and over ChaCha20-Poly1305', async () => {
    const data = randomBytes(1 << 20);
    for (const cipher of ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']) {
      const r = await runBundle(['-c', cipher, ...host.target, 'sha256sum'], data);
      expect(r.code, `${cipher}: ${describeRun(r)}`).toBe(0);
      expect(r.stdout.split(' ')[0], cipher).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  test('key exchanges whose code loads on first use: finite-field DH, fixed group and group exchange', async () => {
    for (const kex of ['diffie-hellman-group14-sha256', 'diffie-hellman-group-exchange-sha256']) {
      const r = await runBundle(['-o', `KexAlgorithms=${kex}`, '-v', ...host.target, 'echo', 'ok']);
      expect(r.code, `${kex}: ${describeRun(r)}`).toBe(0);
      expect(r.stdout, kex).toBe('ok\n');
      expect(r.stderr, kex).toContain(kex);
    }
  });

  test('-J: through the server to itself (as "localhost", its host key checked under its address)', async () => {
    const [, config, , port] = host.target;
    const alias = `HostKeyAlias=[127.0.0.1]:${port}`;
    const r = await runBundle(['-F', config!, '-o', alias, '-J', `${LOGIN}@127.0.0.1:${port}`, '-p', port!, `${LOGIN}@localhost`, 'echo', 'through']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('through\n');
  });
});
