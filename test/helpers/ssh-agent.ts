/**
 * A real OpenSSH ssh-agent for a test: `ssh-agent -D -a <socket>` in a temp
 * directory, keys loaded with `ssh-add` (SSH_AUTH_SOCK in the child's
 * environment only). Registered with ./cleanup.ts, so it is ended at exit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { registerDir, registerPid, unregisterDir, unregisterPid } from './cleanup.ts';
import { findSshKeygen } from './openssh-binaries.ts';
import { runChecked } from './run.ts';

export interface SshAgentProcess {
  /** The agent's socket (what SSH_AUTH_SOCK would hold). */
  socket: string;
  pid: number;
  /** `ssh-add <path>` against this agent. */
  add(path: string): Promise<void>;
  /** Kills the agent and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** ssh-agent and ssh-add sit beside ssh-keygen. */
function tool(name: string): string {
  const p = join(dirname(findSshKeygen()), name);
  return existsSync(p) ? p : name;
}

export async function startSshAgent(): Promise<SshAgentProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'hop-agent-'));
  registerDir(dir);
  const socket = join(dir, 'agent.sock');
  const child = spawn(tool('ssh-agent'), ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`ssh-agent did not start: ${stderr}`);
  const pid = child.pid;
  registerPid(pid);
  child.unref();
  for (let i = 0; !existsSync(socket); i++) {
    if (i > 200) throw new Error(`ssh-agent made no socket within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    socket,
    pid,
    add: async (path) => {
      await runChecked([tool('ssh-add'), path], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    },
    stop: () =>
      (stopping ??= (async () => {
        child.kill('SIGTERM');
        await exited;
        unregisterPid(pid);
        await rm(dir, { recursive: true, force: true });
        unregisterDir(dir);
      })()),
  };
}
