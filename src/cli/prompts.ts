/**
 * Asking the user: passphrases, passwords, keyboard-interactive answers and
 * the host-key question, on the controlling terminal (/dev/tty, not stdin:
 * stdin may carry data for the remote command) with echo off for secrets —
 * or through the SSH_ASKPASS program, as ssh(1) ENVIRONMENT describes
 * (SSH_ASKPASS_REQUIRE=force|prefer|never; by default only without a
 * terminal and with DISPLAY set). With BatchMode=yes nobody is asked.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, read, writeSync } from 'node:fs';

export interface Prompter {
  /** Whether a prompt can be shown at all (a terminal or an askpass program, and not BatchMode). */
  readonly interactive: boolean;
  /** Reads an answer without echo; undefined when nobody can be asked or the input ended (^D). */
  secret(prompt: string): Promise<string | undefined>;
  /** Reads an answer with echo (keyboard-interactive prompts that want it, the host-key question). */
  line(prompt: string): Promise<string | undefined>;
}

/** A prompter that never asks: BatchMode=yes. */
export const batchPrompter: Prompter = {
  interactive: false,
  secret: () => Promise.resolve(undefined),
  line: () => Promise.resolve(undefined),
};

/** Runs `stty` on the controlling terminal; its output, or undefined when it failed. */
function stty(args: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', `stty ${args} </dev/tty`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** One line from a terminal file descriptor, read one read(2) at a time so nothing past the newline is consumed. */
function readTerminalLine(fd: number): Promise<string | undefined> {
  const buf = Buffer.alloc(1024);
  let text = '';
  return new Promise((resolve, reject) => {
    const next = (): void =>
      read(fd, buf, 0, buf.length, null, (err, n) => {
        if (err) return reject(err);
        if (n === 0) return resolve(text === '' ? undefined : text);
        text += buf.toString('utf8', 0, n);
        const nl = text.indexOf('\n');
        if (nl >= 0) return resolve(text.slice(0, nl).replace(/\r$/, ''));
        next();
      });
    next();
  });
}

/**
 * Prompts on /dev/tty. While echo is off, SIGINT (^C) first restores the
 * terminal, then ends the process with the signal, as ssh(1)'s
 * readpassphrase does.
 */
async function askTerminal(prompt: string, echo: boolean): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  const saved = echo ? undefined : stty('-g');
  const restore = (): void => {
    if (saved !== undefined) stty(saved);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.removeListener(signal, onSignal);
    writeSync(fd, '\n');
    process.kill(process.pid, signal);
  };
  if (saved !== undefined) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    stty('-echo');
  }
  try {
    writeSync(fd, prompt);
    return await readTerminalLine(fd);
  } finally {
    if (saved !== undefined) {
      restore();
      writeSync(fd, '\n');
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    closeSync(fd);
  }
}

/** Runs the askpass program with the prompt as its argument: its first output line, or undefined when it failed. */
function askpass(program: string, prompt: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(program, [prompt], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0) return resolve(undefined);
      resolve(Buffer.concat(out).toString('utf8').replace(/\r?\n[\s\S]*$/, ''));
    });
  });
}

/** Whether this process has a controlling terminal. */
export function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** The prompter ssh(1) would use here: askpass or the terminal, per SSH_ASKPASS / SSH_ASKPASS_REQUIRE / DISPLAY. */
export function terminalPrompter(env: NodeJS.ProcessEnv): Prompter {
  const terminal = hasTerminal();
  const require = env.SSH_ASKPASS_REQUIRE;
  const program = env.SSH_ASKPASS || '/usr/bin/ssh-askpass';
  const display = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  const useAskpass =
    require === 'force' || (require === 'prefer' && Boolean(env.SSH_ASKPASS || display)) || (require !== 'never' && !terminal && display && Boolean(env.SSH_ASKPASS));
  // One question at a time: hops of a chain prepare concurrently (jump/chain.ts loads the next hop's
  // keys while this one logs in), and two questions on one terminal would interleave.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn =
    (ask: (prompt: string) => Promise<string | undefined>) =>
    (prompt: string): Promise<string | undefined> => {
      const answer = turn.then(() => ask(prompt));
      turn = answer.catch(() => undefined);
      return answer;
    };
  if (useAskpass) {
    const ask = inTurn((prompt) => askpass(program, prompt));
    return { interactive: true, secret: ask, line: ask };
  }
  return {
    interactive: terminal,
    secret: inTurn((prompt) => askTerminal(prompt, false)),
    line: inTurn((prompt) => askTerminal(prompt, true)),
  };
}
