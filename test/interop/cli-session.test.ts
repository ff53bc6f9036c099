/**
 * The hopssh program against OpenSSH's sshd: a command's stdout, stderr and
 * exit status; 1 MB of stdin by hash; a remote signal; ssh(1)'s 255 with its
 * messages for a refused connection, an unknown name, a wrong host key and a
 * refused login; ~/.ssh-style options from -o; -W as OpenSSH's ProxyCommand;
 * -L; -N; BatchMode never asking, and SSH_ASKPASS asked otherwise.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { beforeAll, expect, test } from 'vitest';
import { ensureTestUser, freePort, requireOpenSSH, runSsh, startSshd } from '../helpers/openssh.ts';
import { startEchoServer } from '../helpers/echo-server.ts';
import { generateKey } from '../helpers/keygen.ts';
import { cliEnv, describeRun, hopsshArgv, LOGIN, runHopssh, withTempDir, writeHopsshWrapper } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';
import { knownHostsLines, writeKnownHosts } from '../helpers/ssh-client.ts';
import type { RunResult } from '../helpers/run.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('hopssh against sshd', () => {
  const host = useCliHost();

  test('a command: stdout, stderr and the exit status', async () => {
    const r = await runHopssh([...host.target, 'echo out; echo err >&2; exit 3']);
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  test('command words are joined with spaces, as ssh joins them', async () => {
    const r = await runHopssh([...host.target, 'printf', "'%s-%s\\n'", 'a', 'b c']);
    expect(r.stdout, describeRun(r)).toBe('a-b\nc-\n');
  });

  test('options after the destination, combined flags and attached arguments', async () => {
    const [, config, , port] = host.target;
    const r = await runHopssh(['-F', config!, `${LOGIN}@127.0.0.1`, `-p${port}`, '-qT', 'echo', 'ok']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('ok\n');
  });

  test('1 MB of stdin reaches the command intact (hash), EOF ends it', async () => {
    const data = randomBytes(1 << 20);
    const r = await runHopssh([...host.target, 'sha256sum'], { input: data });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
  });

  test('-n: stdin is not read, the command sees EOF', async () => {
    const r = await runHopssh(['-n', ...host.target, 'wc -c'], { input: 'not sent' });
    expect(r.stdout.trim(), describeRun(r)).toBe('0');
  });

  test('a remote program killed by a signal: 255, as ssh', async () => {
    const r = await runHopssh([...host.target, 'kill -9 $$']);
    expect(r.code, describeRun(r)).toBe(255);
  });

  test('output larger than the pipes (8 MB on stdout and stderr at once) arrives whole', async () => {
    const r = await runHopssh([...host.target, 'head -c 8000000 /dev/zero | tr "\\0" a & head -c 8000000 /dev/zero | tr "\\0" b >&2; wait']);
    expect(r.code, describeRun(r).slice(0, 500)).toBe(0);
    expect(r.stdout.length).toBe(8_000_000);
    expect(r.stderr.length).toBe(8_000_000);
  });

  test('connection refused: 255 and ssh\'s message', async () => {
    const port = await freePort();
    const r = await runHopssh(['-F', host.configPath, '-p', String(port), `${LOGIN}@127.0.0.1`, 'true']);
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toBe(`hopssh: connect to host 127.0.0.1 port ${port}: Connection refused\n`);
  });

  test('a name that does not resolve: 255', async () => {
    const r = await runHopssh(['-F', host.configPath, 'no-such-host.invalid', 'true']);
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toBe('hopssh: Could not resolve hostname no-such-host.invalid: Name or service not known\n');
  });

  test('a wrong host key: 255, "Host key verification failed.", nothing run', async () => {
    await withTempDir('hop-cli-kh-', async (dir) => {
      const other = await startSshd({ hostKeys: ['ed25519'], freshHostKeys: true });
      try {
        // known_hosts holds the other server's key under this server's name.
        const wrong = join(dir, 'known_hosts');
        await writeKnownHosts(wrong, knownHostsLines({ ...other, port: host.sshd.port }));
        const r = await runHopssh([...host.target.slice(0, 4), '-o', `UserKnownHostsFile=${wrong}`, host.target[4]!, 'touch', join(dir, 'ran')]);
        expect(r.code, describeRun(r)).toBe(255);
        expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
        expect(r.stderr.trimEnd().split('\n').pop()).toBe('Host key verification failed.');
      } finally {
        await other.stop();
      }
    });
  });

  test('an unknown host under StrictHostKeyChecking=accept-new is recorded, then known', async () => {
    await withTempDir('hop-cli-kh-', async (dir) => {
      const kh = join(dir, 'known_hosts');
      const args = [...host.target.slice(0, 4), '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=accept-new', host.target[4]!, 'echo', 'ok'];
      const first = await runHopssh(args);
      expect(first.code, describeRun(first)).toBe(0);
      expect(first.stderr).toMatch(/^Warning: Permanently added '\[127\.0\.0\.1\]:\d+' \(ssh-ed25519\)/);
      const second = await runHopssh(args);
      expect(second.code, describeRun(second)).toBe(0);
      expect(second.stderr).toBe('');
    });
  });

  test('a first connection with a fresh $HOME: ~/.ssh is made (0700) and the key recorded there, as ssh does', async () => {
    await withTempDir('hop-cli-home-', async (dir) => {
      const config = join(dir, 'config');
      await writeFile(config, `IdentityFile ${host.key.path}\nStrictHostKeyChecking accept-new\nGlobalKnownHostsFile /dev/null\nIdentityAgent none\n`);
      const r = await runHopssh(['-F', config, '-p', String(host.sshd.port), `${LOGIN}@127.0.0.1`, 'echo', 'ok'], { env: { HOME: dir } });
      expect(r.code, describeRun(r)).toBe(0);
      expect((await stat(join(dir, '.ssh'))).mode & 0o777).toBe(0o700);
      expect(await readFile(join(dir, '.ssh', 'known_hosts'), 'utf8')).toContain(host.sshd.hostKeys[0]!.publicKeyLine.split(' ')[1]);
    });
  });

  test('a refused login: 255 and "Permission denied (…)."', async () => {
    await withTempDir('hop-cli-key-', async (dir) => {
      const stranger = await generateKey('ed25519', join(dir, 'stranger'));
      const r = await runHopssh(['-i', stranger.path, '-o', 'IdentitiesOnly=yes', '-F', '/dev/null', '-o', `UserKnownHostsFile=${host.knownHostsPath}`, '-o', 'BatchMode=yes', '-p', String(host.sshd.port), `${LOGIN}@127.0.0.1`, 'true']);
      expect(r.code, describeRun(r)).toBe(255);
      expect(r.stderr).toBe(`${LOGIN}@127.0.0.1: Permission denied (publickey).\n`);
    });
  });

  test('-W as the ProxyCommand of OpenSSH\'s ssh', async () => {
    await withTempDir('hop-cli-w-', async (dir) => {
      const wrapper = await writeHopsshWrapper(join(dir, 'hopssh'));
      const proxy = `${wrapper} -F ${host.configPath} -p ${host.sshd.port} -W %h:%p ${LOGIN}@127.0.0.1`;
      const r = await runSsh(['-o', `ProxyCommand=${proxy}`, `${LOGIN}@127.0.0.1`, 'echo through-hopssh; exit 4'], {
        port: host.sshd.port,
        identityFile: host.key.path,
        knownHostsFile: host.knownHostsPath,
      });
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(4);
      expect(r.stdout).toBe('through-hopssh\n');
    });
  });

  test('-W to a port nobody listens on: "stdio forwarding failed", 255', async () => {
    const port = await freePort();
    const r = await runHopssh([...host.target.slice(0, 4), '-W', `127.0.0.1:${port}`, host.target[4]!]);
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toMatch(/stdio forwarding failed\n$/);
  });

  test('-W relays both ways with half-close: an echo server gets stdin and returns it', async () => {
    const echo = await startEchoServer();
    try {
      const data = randomBytes(300_000).toString('hex');
      const r = await runHopssh([...host.target.slice(0, 4), '-W', `127.0.0.1:${echo.port}`, host.target[4]!], { input: data });
      expect(r.code, describeRun(r).slice(0, 400)).toBe(0);
      expect(r.stdout).toBe(data);
    } finally {
      await echo.close();
    }
  });

  test('-N -L: a local port reaches a server behind sshd; SIGTERM ends hopssh with 0', async () => {
    const greeting = createServer((s) => s.end('hello from behind\n'));
    await new Promise<void>((resolve) => greeting.listen(0, '127.0.0.1', resolve));
    const target = (greeting.address() as AddressInfo).port;
    const local = await freePort();
    const [cmd, ...args] = hopsshArgv(['-N', '-L', `${local}:127.0.0.1:${target}`, ...host.target]);
    const child = spawn(cmd!, args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const got = await retry(() => readFrom(local), 15_000);
      expect(got).toBe('hello from behind\n');
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
      greeting.close();
    }
  });

  test('ExitOnForwardFailure: a local port already taken is fatal (255)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await runHopssh(['-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:127.0.0.1:1`, ...host.target, 'echo', 'ran']);
      expect(r.code, describeRun(r)).toBe(255);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Could not request local forwarding\./);
    } finally {
      taken.close();
    }
  });

  test('-V prints a version on stderr and exits 0; a bad option prints usage and exits 255', async () => {
    const v = await runHopssh(['-V']);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/^hopssh \d/);
    const bad = await runHopssh(['-Z', 'host']);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/^hopssh: unknown option -- Z\nusage: hopssh/);
  });

  test('-G prints the resolved configuration', async () => {
    const r = await runHopssh(['-G', '-F', host.configPath, '-l', 'alice', '-p', '2222', 'example.org']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^host example\.org\nhostname example\.org\nuser alice\nport 2222\n/);
    expect(r.stdout).toContain(`identityfile ${host.key.path}\n`);
  });

  test('-Q lists algorithms', async () => {
    const r = await runHopssh(['-Q', 'cipher']);
    expect(r.stdout.split('\n')).toContain('chacha20-poly1305@openssh.com');
  });
});

describeOpenSSH('hopssh asking for passwords', () => {
  let user: string | undefined;
  const password = 'hop-cli-pw-7q';

  beforeAll(async () => {
    const u = await ensureTestUser('hopcli', password);
    user = u.ok ? u.name : undefined;
  });
  const host = useCliHost({ passwordAuthentication: true, pubkeyAuthentication: false });

  /**
   * Runs `command` as the test user with `-o BatchMode=<batchMode>` and an
   * askpass program answering with the password; resolves with the result
   * and the prompts the program was run with (undefined: it never ran).
   */
  function loginWithAskpass(batchMode: 'yes' | 'no', command: string): Promise<{ r: RunResult; asked: string | undefined }> {
    return withTempDir('hop-cli-ask-', async (dir) => {
      const log = join(dir, 'asked');
      const program = join(dir, 'askpass');
      await writeFile(program, `#!/bin/sh\nprintf '%s\\n' "$1" >> ${log}\nprintf '%s\\n' '${password}'\n`, { mode: 0o755 });
      const r = await runHopssh(['-F', host.configPath, '-o', `BatchMode=${batchMode}`, '-p', String(host.sshd.port), `${user}@127.0.0.1`, command], {
        env: { SSH_ASKPASS: program, SSH_ASKPASS_REQUIRE: 'force' },
      });
      return { r, asked: existsSync(log) ? await readFile(log, 'utf8') : undefined };
    });
  }

  test('BatchMode=yes never prompts: the askpass program is not run, the login is refused', async (ctx) => {
    if (user === undefined) return ctx.skip();
    const { r, asked } = await loginWithAskpass('yes', 'true');
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(.*password.*\)/);
    expect(asked).toBeUndefined();
  });

  test('without BatchMode the password is asked (SSH_ASKPASS) with ssh\'s prompt, and the login succeeds', async (ctx) => {
    if (user === undefined) return ctx.skip();
    const { r, asked } = await loginWithAskpass('no', 'whoami');
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(`${user}\n`);
    expect(asked).toBe(`${user}@127.0.0.1's password: \n`);
  });
});

/** Connects to 127.0.0.1:port and reads until EOF. */
function readFrom(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (b: Buffer) => (out += b));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

async function retry<T>(f: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
