/**
 * A FileSystem (src/io/file-system.ts) held in a Map, for tests and fuzz
 * targets of code that reads and writes known_hosts and key files.
 */
import type { FileSystem } from '../../src/io/file-system.ts';
import { fromUtf8, utf8 } from '../../src/wire/bytes.ts';

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

export class MemoryFileSystem implements FileSystem {
  /** Path → contents and mode; a mode of 0 makes reads fail with EACCES. */
  readonly files = new Map<string, { data: Uint8Array; mode: number }>();
  /** How many readFile calls were made. */
  reads = 0;
  /** When set, appendFile fails with ENOENT, as when the directory does not exist. */
  failAppend = false;

  /** Starts with these text files (mode 0644); `~/` expands to `home`. */
  constructor(initial: Readonly<Record<string, string>> = {}, readonly home = '/home/u') {
    for (const [p, t] of Object.entries(initial)) this.files.set(p, { data: utf8(t), mode: 0o644 });
  }

  /** A file's contents as text, or undefined when it does not exist. */
  text(path: string): string | undefined {
    const f = this.files.get(path);
    return f && fromUtf8(f.data);
  }

  async readFile(path: string): Promise<Uint8Array> {
    this.reads++;
    const f = this.files.get(path);
    if (f === undefined) throw fsError('ENOENT', path);
    if (f.mode === 0) throw fsError('EACCES', path);
    return f.data.slice();
  }

  async writeFile(path: string, data: Uint8Array, mode: number): Promise<void> {
    this.files.set(path, { data: data.slice(), mode });
  }

  async appendFile(path: string, data: Uint8Array, mode: number): Promise<void> {
    if (this.failAppend) throw fsError('ENOENT', path);
    const old = this.files.get(path);
    const joined = new Uint8Array((old?.data.length ?? 0) + data.length);
    if (old) joined.set(old.data);
    joined.set(data, old?.data.length ?? 0);
    this.files.set(path, { data: joined, mode: old?.mode ?? mode });
  }

  async stat(path: string): Promise<{ mode: number; uid: number; size: number }> {
    const f = this.files.get(path);
    if (f === undefined) throw fsError('ENOENT', path);
    return { mode: f.mode, uid: 1000, size: f.data.length };
  }

  expandHome(path: string): string {
    return path === '~' ? this.home : path.startsWith('~/') ? `${this.home}/${path.slice(2)}` : path;
  }
}
