/**
 * hopssh on a terminal, driven through a pseudo-terminal made by script(1)
 * (Node has no pty): `-tt` and the automatic pty of a login shell, the
 * remote side seeing a tty of the local terminal's size and TERM, a resize
 * (stty on the local pty, then SIGWINCH) reaching it as window-change, raw
 * mode (keys go to the remote line discipline), the escape sequence `~.`,
 * and a password asked on the terminal without echo.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ensureTestUser, requireOpenSSH, run, startSshd } from '../helpers/openssh.ts';
import { cliEnv, HOPSSH_BIN } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';
import { OnTerminal, shellCommand } from '../helpers/terminal.ts';

const describeOpenSSH = requireOpenSSH();

describeOpenSSH('hopssh on a terminal', () => {
  const host = useCliHost();

  const hopssh = (args: readonly string[]) => shellCommand([process.execPath, HOPSSH_BIN, ...args]);

  test('-tt: the remote side sees a tty of the terminal\'s size and TERM; a resize (stty + SIGWINCH) reaches it; the exit status comes back', async () => {
    const ttyFile = join(host.dir, 'tty');
    const pidFile = join(host.dir, 'pid');
    const remote = 'tty >/dev/null && echo IS-A-TTY; echo "TERM=$TERM"; stty size; while [ "$(stty size)" = "33 91" ]; do sleep 0.1; done; echo "NEW $(stty size)"; exit 5';
    const t = new OnTerminal(
      `tty > ${ttyFile}; echo $$ > ${pidFile}; stty cols 91 rows 33; exec ${hopssh(['-tt', ...host.target, remote])}`,
      cliEnv({ TERM: 'xterm-256color' }),
    );
    try {
      await t.waitFor(/33 91/);
      expect(t.output).toContain('IS-A-TTY');
      expect(t.output).toContain('TERM=xterm-256color');
      const tty = (await readFile(ttyFile, 'utf8')).trim();
      const pid = (await readFile(pidFile, 'utf8')).trim();
      // Change the size of the local pty, then tell hopssh as the terminal would.
      const r = await run(['stty', '-F', tty, 'cols', '120', 'rows', '40']);
      expect(r.code, r.stderr).toBe(0);
      process.kill(Number(pid), 'SIGWINCH');
      await t.waitFor(/NEW 40 120/);
      expect(await t.exited).toBe(5);
      // Raw mode without output processing: the remote pty's CR LF arrives as sent, not as CR CR LF.
      expect(t.output).not.toContain('\r\r\n');
      expect(t.output).toMatch(/Connection to 127\.0\.0\.1 closed\.\r\n$/);
    } finally {
      t.kill();
    }
  });

  test('a login shell gets a pty by itself (stdin is a terminal); keys go to the remote line discipline', async () => {
    const t = new OnTerminal(hopssh(host.target), cliEnv({ TERM: 'dumb', PS1: '' }));
    try {
      await t.waitFor(/\$ |# /);
      // ^U (kill line) is done by the remote pty: raw mode passes it on.
      t.type('echo wrong\x15echo $((6*7)); exit 3\r');
      await t.waitFor(/\r\n42\r\n/);
      expect(await t.exited).toBe(3);
      expect(t.output).not.toContain('wrong\r\n');
    } finally {
      t.kill();
    }
  });

  test('~. disconnects (255), ~ inside a line is sent', async () => {
    const t = new OnTerminal(hopssh(['-tt', ...host.target, 'cat']), cliEnv());
    try {
      t.type('a~b\r');
      await t.waitFor(/a~b\r\n.*a~b\r\n/s);
      t.type('~.');
      expect(await t.exited).toBe(255);
      expect(t.output).toMatch(/Connection to 127\.0\.0\.1 closed\.\r\n$/);
    } finally {
      t.kill();
    }
  });

  test('a password asked on the terminal, not echoed', async (ctx) => {
    const password = 'hop-pty-pw-3x';
    const user = await ensureTestUser('hopclipty', password);
    if (!user.ok) return ctx.skip();
    const sshd = await startSshd({ hostKeys: ['ed25519'], passwordAuthentication: true, pubkeyAuthentication: false, config: ['LogLevel INFO'] });
    try {
      const args = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(host.dir, 'kh-pw')}`, '-p', String(sshd.port), `${user.name}@127.0.0.1`, 'echo logged-in-as-$(whoami)'];
      const t = new OnTerminal(hopssh(args), cliEnv());
      try {
        await t.waitFor(new RegExp(`${user.name}@127\\.0\\.0\\.1's password: `));
        t.type(`${password}\r`);
        await t.waitFor(/logged-in-as-hopclipty/);
        expect(await t.exited).toBe(0);
        expect(t.output).not.toContain(password);
      } finally {
        t.kill();
      }
    } finally {
      await sshd.stop();
    }
  });
});
