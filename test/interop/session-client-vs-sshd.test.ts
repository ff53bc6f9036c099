/**
 * hopssh's session client (openSession, exec) against OpenSSH's sshd
 * (RFC 4254 §6): bulk stdout and stderr at once, bulk stdin, exit codes and
 * signals, a pty shell with terminal modes and window-change, the sftp
 * subsystem, env with AcceptEnv, eow@openssh.com, bounded output.
 *
 * sshd runs with LogLevel INFO so that no debug line reaches a session's stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureTestUser, inCI, requireOpenSSH, startSshd, type SshdServer } from '../helpers/openssh.ts';
import { registerDir, unregisterDir } from '../helpers/cleanup.ts';
import { loginToSshd } from '../helpers/sshd-login.ts';
import { useSshd } from '../helpers/suite-fixtures.ts';
import type { Connection } from '../../src/channel/connection.ts';
import { exec } from '../../src/channel/exec.ts';
import { openSession, type Session } from '../../src/channel/session-client.ts';
import { OutputLimitError, RequestFailedError } from '../../src/channel/errors.ts';
import { readUint32 } from '../../src/wire/bytes.ts';

const describeOpenSSH = requireOpenSSH();

const MB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Output of a session as text, and a way to wait for a pattern in it. */
function watch(s: Session) {
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  s.onData = (d) => {
    out += text(d);
    for (const w of waiters.splice(0)) (w.re.test(out) ? w.resolve() : waiters.push(w));
  };
  s.onStderr = (d) => (err += text(d));
  return {
    out: () => out,
    err: () => err,
    /** Resolves once stdout matches `re` (rejects when the session closes first). */
    waitFor: (re: RegExp) =>
      re.test(out)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ re, resolve })),
            s.done.then(() => Promise.reject(new Error(`session closed before ${re} in output:\n${out}`))),
          ]),
  };
}

describeOpenSSH('session client against sshd', () => {
  let sshd: SshdServer;
  let connection: Connection;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd({ hostKeys: ['ed25519'], config: ['LogLevel INFO', 'AcceptEnv HOPSSH_*'] });
    connection = (await loginToSshd(sshd)).connection;
    dir = await mkdtemp(join(tmpdir(), 'hop-session-'));
    registerDir(dir);
  });
  afterAll(async () => {
    connection?.close();
    await sshd?.stop();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
      unregisterDir(dir);
    }
  });

  test('exec: 20 MB on stdout and 20 MB on stderr at the same time, intact (hash), no deadlock', async () => {
    const a = randomBytes(20_000_000);
    const b = randomBytes(20_000_000);
    await writeFile(join(dir, 'a'), a);
    await writeFile(join(dir, 'b'), b);
    const t0 = performance.now();
    const r = await exec(connection, `cat ${dir}/a & cat ${dir}/b >&2; wait`, { maxOutput: 32 * MB });
    const ms = performance.now() - t0;
    console.log(`40 MB of stdout+stderr from sshd in ${ms.toFixed(0)} ms (${(40 / (ms / 1000)).toFixed(0)} MB/s), ${connection.transport.cipherDescription.receive}`);
    expect(r.exitStatus).toBe(0);
    expect(r.stdout.length).toBe(a.length);
    expect(r.stderr.length).toBe(b.length);
    expect(sha256(r.stdout)).toBe(sha256(a));
    expect(sha256(r.stderr)).toBe(sha256(b));
  }, 120_000);

  test('200 MB of stdin, hashed by sha256sum on the server', async () => {
    const hash = createHash('sha256');
    async function* input() {
      for (let i = 0; i < 200; i++) {
        const chunk = randomBytes(MB);
        hash.update(chunk);
        yield chunk;
      }
    }
    const t0 = performance.now();
    const r = await exec(connection, 'sha256sum', { stdin: input() });
    const ms = performance.now() - t0;
    console.log(`200 MiB of stdin to sshd in ${ms.toFixed(0)} ms (${(200 / (ms / 1000)).toFixed(0)} MiB/s), ${connection.transport.cipherDescription.send}`);
    expect(r.exitStatus).toBe(0);
    expect(text(r.stdout)).toBe(`${hash.digest('hex')}  -\n`);
  }, 180_000);

  test('exit codes and exit-signal (kill -TERM $$)', async () => {
    expect((await exec(connection, 'exit 42')).exitStatus).toBe(42);
    expect((await exec(connection, 'true')).exitStatus).toBe(0);
    const killed = await exec(connection, 'kill -TERM $$');
    expect(killed.exitStatus).toBeUndefined();
    expect(killed.exitSignal).toEqual({ name: 'TERM', coreDumped: false, message: '' });
  });

  test('a signal request (§6.9) ends the command (as a user other than root: sshd signals only privilege-separated sessions)', async (ctx) => {
    const user = await ensureTestUser('hopsession', 'hopsession-unused-pw-1');
    if (!user.ok) {
      if (inCI()) throw new Error(`no test user in CI: ${user.skipped}`);
      ctx.skip();
      return;
    }
    const { connection: c } = await loginToSshd(sshd, { user: user.name });
    try {
      const s = await openSession(c);
      const io = watch(s);
      await s.exec('echo started; exec sleep 30');
      await io.waitFor(/started/);
      const t0 = Date.now();
      s.signal('INT');
      const exit = await s.done;
      expect(exit).toEqual({ exitSignal: { name: 'INT', coreDumped: false, message: '' } });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      c.close();
    }
  }, 30_000);

  test('a pty shell: terminal type, size and modes as asked; window-change; exit', async () => {
    const s = await openSession(connection);
    const io = watch(s);
    await s.pty({ term: 'xterm-256color', cols: 100, rows: 30, modes: { TTY_OP_ISPEED: 9600, TTY_OP_OSPEED: 9600, ECHO: 0 } });
    await s.shell();
    s.write('echo "T=$TERM"; stty size; stty -a\n');
    await io.waitFor(/T=xterm-256color[\s\S]*30 100[\s\S]*speed 9600 baud[\s\S]*\n.*(^|\s)-echo\s/m);
    s.windowChange(132, 43);
    s.write('stty size; tty; exit 3\n');
    await io.waitFor(/43 132/);
    const exit = await s.done;
    expect(exit.exitStatus).toBe(3);
    expect(io.out()).toMatch(/\/dev\/pts\/\d+/);
  }, 60_000);

  test('exec with pty: true gets a terminal', async () => {
    const r = await exec(connection, 'tty; echo $TERM', { pty: true });
    expect(text(r.stdout)).toMatch(/^\/dev\/pts\/\d+\r\nxterm\r\n$/);
    const none = await exec(connection, 'tty');
    expect(text(none.stdout)).toBe('not a tty\n');
    expect(none.exitStatus).toBe(1);
  });

  test('the sftp subsystem answers SSH_FXP_INIT with SSH_FXP_VERSION', async () => {
    const s = await openSession(connection);
    const got: number[] = [];
    s.onData = (d) => got.push(...d);
    await s.subsystem('sftp');
    // uint32 length, byte SSH_FXP_INIT (1), uint32 version 3 (draft-ietf-secsh-filexfer-02 §4).
    s.write(Uint8Array.of(0, 0, 0, 5, 1, 0, 0, 0, 3));
    const end = Date.now() + 10_000;
    while ((got.length < 4 || got.length < 4 + readUint32(Uint8Array.from(got), 0)) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    const reply = Uint8Array.from(got);
    expect(reply[4]).toBe(2); // SSH_FXP_VERSION
    expect(readUint32(reply, 5)).toBe(3);
    await expect(s.subsystem('sftp')).rejects.toBeInstanceOf(RequestFailedError);
    s.close();
    await s.done;
    await expect(openSession(connection).then((x) => x.subsystem('no-such-subsystem'))).rejects.toBeInstanceOf(RequestFailedError);
  });

  test('env: names sshd AcceptEnv lists are set, others refused', async () => {
    const s = await openSession(connection);
    const io = watch(s);
    await s.env('HOPSSH_GREETING', 'grüß dich');
    await expect(s.env('NOT_ACCEPTED', 'x')).rejects.toBeInstanceOf(RequestFailedError);
    await s.exec('printf "%s|%s" "$HOPSSH_GREETING" "${NOT_ACCEPTED-unset}"');
    await s.done;
    expect(io.out()).toBe('grüß dich|unset');
    // exec() ignores refused ones, as ssh does.
    const r = await exec(connection, 'echo "$HOPSSH_A"', { env: { HOPSSH_A: 'one', LD_PRELOAD: 'x' } });
    expect(text(r.stdout)).toBe('one\n');
  });

  test('maxOutput: OutputLimitError, and the connection carries on', async () => {
    const err = await exec(connection, 'head -c 10000000 /dev/zero', { maxOutput: MB }).catch((e) => e);
    expect(err).toBeInstanceOf(OutputLimitError);
    expect(err.stream).toBe('stdout');
    expect(text((await exec(connection, 'echo ok')).stdout)).toBe('ok\n');
  });
});

describeOpenSSH('session client against sshd, as an OpenSSH-versioned client', () => {
  const sshd = useSshd({ hostKeys: ['ed25519'], config: ['LogLevel INFO'] });

  test('eow@openssh.com: the command closes its stdin, sshd says so, our stdin is ended', async () => {
    // sshd sends eow only to clients whose banner says OpenSSH (PROTOCOL §2.1).
    const { connection } = await loginToSshd(sshd, { transport: { softwareVersion: 'OpenSSH_9.2p1_hopssh_test' } });
    const s = await openSession(connection);
    const io = watch(s);
    const eow = new Promise<void>((r) => (s.onEow = r));
    await s.exec('exec 0<&-; echo closed; sleep 2; echo done');
    await io.waitFor(/closed/);
    // Writing to the closed pipe fails in sshd (EPIPE), which then sends eow@openssh.com.
    s.write('data nobody reads\n');
    await eow;
    expect(s.eow).toBe(true);
    expect(s.writable).toBe(false);
    expect((await s.done).exitStatus).toBe(0);
    expect(io.out()).toBe('closed\ndone\n');
    connection.close();
  }, 30_000);
});
