/**
 * The FileSystem hopssh's program gives the library: node's, except that
 * recording a host key into ~/.ssh/known_hosts creates ~/.ssh (mode 0700)
 * when it does not exist yet, as ssh(1) does on a first connection.
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileSystem } from '../io/file-system.ts';
import { nodeFileSystem } from '../io/node-file-system.ts';

export const cliFileSystem: FileSystem = {
  ...nodeFileSystem,
  async appendFile(path, data, mode) {
    try {
      await nodeFileSystem.appendFile(path, data, mode);
    } catch (e) {
      const sshDir = join(homedir(), '.ssh');
      if ((e as { code?: string }).code !== 'ENOENT' || dirname(nodeFileSystem.expandHome(path)) !== sshDir) throw e;
      await mkdir(sshDir, { mode: 0o700 });
      await nodeFileSystem.appendFile(path, data, mode);
    }
  },
};
