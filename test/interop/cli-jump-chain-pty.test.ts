/**
 * An interactive shell through a chain of OpenSSH jump hosts, on a real
 * terminal (script(1)): `hopssh -J jump1,jump2 target` with no command gets
 * a pty on the target (tty names a /dev/pts device there), keys typed reach
 * the remote shell, a resize of the local terminal reaches the target's pty,
 * and the shell's exit status is hopssh's. `~.` ends the whole chain (255).
 * After each, no session is left on any host of the chain.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { requireNetns, requireOpenSSH, run } from '../helpers/openssh.ts';
import { cliEnv, hopsshArgv } from '../helpers/hopssh-cli.ts';
import { WHERE } from '../helpers/jump-chain-cli.ts';
import { useCliChain } from '../helpers/suite-fixtures.ts';
import { OnTerminal, shellCommand } from '../helpers/terminal.ts';

const describeOpenSSH = requireOpenSSH();
const describeNetns = requireNetns();

describeOpenSSH('hopssh -J jump1,jump2 on a terminal', () => {
  describeNetns('through jump hosts in network namespaces', () => {
    const chain = useCliChain();

    /** A shell command line running hopssh inside the client's namespace. */
    const hopssh = (args: readonly string[]): string => shellCommand(chain.inClient(hopsshArgv(args)));

    test('a login shell: a pty on the target, typed commands, a resize, the exit status', async () => {
      const ttyFile = join(chain.topo.dir, 'pty-tty');
      const pidFile = join(chain.topo.dir, 'pty-pid');
      const t = new OnTerminal(`tty > ${ttyFile}; echo $$ > ${pidFile}; stty cols 91 rows 33; exec ${hopssh(chain.args)}`, cliEnv({ TERM: 'xterm' }));
      try {
        // The typed line is echoed as typed: each marker is split by "" so only the shell's output holds it whole.
        t.type(`echo "A""T=$(${WHERE})"; echo "TT""Y=$(tty)"; echo "SI""ZE=$(stty size)"; echo "SU""M=$((6*7))"\r`);
        const [, where] = await t.waitFor(/AT=([^\r\n]*)\r\n/);
        expect(where).toBe(chain.expectedWhere);
        expect((await t.waitFor(/TTY=([^\r\n]*)\r\n/))[1]).toMatch(/^\/dev\/pts\/\d+$/);
        expect((await t.waitFor(/SIZE=([^\r\n]*)\r\n/))[1]).toBe('33 91');
        expect((await t.waitFor(/SUM=([^\r\n]*)\r\n/))[1]).toBe('42');

        // Wait on the target for the new size, then resize the local terminal.
        t.type('while [ "$(stty size)" = "33 91" ]; do sleep 0.1; done; echo "NE""W=$(stty size)"\r');
        const tty = (await readFile(ttyFile, 'utf8')).trim();
        const r = await run(['stty', '-F', tty, 'cols', '120', 'rows', '40']);
        expect(r.code, r.stderr).toBe(0);
        process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGWINCH');
        expect((await t.waitFor(/NEW=([^\r\n]*)\r\n/))[1]).toBe('40 120');

        t.type('exit 7\r');
        expect(await t.exited).toBe(7);
        // As ssh(1): the resolved HostName, not the alias typed.
        expect(t.output).toMatch(new RegExp(`Connection to ${chain.topo.addr.targetFrom('jump2').replace(/\./g, '\\.')} closed\\.\\r\\n$`));
      } finally {
        t.kill();
      }
      await chain.sessionsEnded();
    });

    test('~. on the terminal ends the session and every hop: 255, nothing left running', async () => {
      const t = new OnTerminal(hopssh(['-tt', ...chain.args, 'cat']), cliEnv());
      try {
        t.type('through-the-chain\r');
        await t.waitFor(/through-the-chain\r\n.*through-the-chain\r\n/s);
        t.type('~.');
        expect(await t.exited).toBe(255);
      } finally {
        t.kill();
      }
      await chain.sessionsEnded();
    });
  });
});
