import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileSystem } from './file-system.ts';

/** FileSystem on node:fs (also what Bun and Deno's Node compatibility provide). */
export const nodeFileSystem: FileSystem = {
  async readFile(path) {
    const b = await fs.readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  async writeFile(path, data, mode) {
    // Write a sibling temp file with the final mode, then rename: never a moment with looser permissions.
    const tmp = join(dirname(path), `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
    await fs.writeFile(tmp, data, { mode, flag: 'wx' });
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, path);
  },
  async appendFile(path, data, mode) {
    await fs.appendFile(path, data, { mode });
  },
  async stat(path) {
    const s = await fs.stat(path);
    return { mode: s.mode & 0o7777, uid: s.uid, size: s.size };
  },
  expandHome(path) {
    return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  },
};
