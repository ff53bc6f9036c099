/**
 * What ssh_config(5) resolution needs from this process (src/jump stays free
 * of it): files, the local user, home and host name, the environment, glob(7)
 * for Include, `Match exec` run with the user's shell, and `~user`.
 */
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { nodeFileSystem } from '../io/node-file-system.ts';
import type { ConfigContext } from '../jump/ssh-config.ts';
import { expandGlob } from '../jump/ssh-config-glob.ts';

/** A user's home directory from the passwd database (`getent passwd`), for `~user`. */
function homeOf(user: string): string | undefined {
  const r = spawnSync('getent', ['passwd', user], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.split(':')[5];
}

/** `Match exec`: true when the command, run with the user's shell, exits 0 (ssh_config(5)). */
function matchExec(command: string): boolean {
  const shell = process.env.SHELL || '/bin/sh';
  const r = spawnSync(shell, ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0;
}

/** The configuration context of this process; `configFile` is -F. */
export function configContext(configFile: string | undefined): ConfigContext {
  const user = userInfo();
  return {
    fs: nodeFileSystem,
    glob: (pattern) => expandGlob(pattern, (dir) => readdir(dir)),
    localUser: user.username,
    home: homedir(),
    localHostName: hostname(),
    uid: process.getuid?.(),
    env: process.env,
    homeOf,
    exec: matchExec,
    ...(configFile !== undefined && { configFile }),
  };
}
