/**
 * Include's glob (src/jump/ssh-config-glob.ts) for the ssh_config tests and
 * fuzz targets: over a MemoryFileSystem's files, and over the real file
 * system.
 */
import { readdir } from 'node:fs/promises';
import type { MemoryFileSystem } from '../helpers/memory-file-system.ts';
import { expandGlob } from '../../src/jump/ssh-config-glob.ts';

/** The names directly in `dir` among the MemoryFileSystem's paths (files and directories). */
function memoryList(fs: MemoryFileSystem, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const names = new Set<string>();
  for (const p of fs.files.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
  return [...names];
}

/** Include's glob over a MemoryFileSystem. */
export function memoryGlob(fs: MemoryFileSystem): (pattern: string) => Promise<string[]> {
  return (pattern) => expandGlob(pattern, async (dir) => memoryList(fs, dir));
}

/** Include's glob over the real file system. */
export function nodeGlob(pattern: string): Promise<string[]> {
  return expandGlob(pattern, (dir) => readdir(dir));
}
