/**
 * glob(7) for the ssh_config tests and fuzz targets: Include patterns over a
 * MemoryFileSystem, and over the real file system (Node 20 has no fs.glob).
 * `*` and `?` do not match `/` nor a leading `.`; `[...]` and `[!...]` are
 * character classes. Results are sorted, as glob(3) sorts them.
 */
import { readdir } from 'node:fs/promises';
import type { MemoryFileSystem } from '../helpers/memory-file-system.ts';

/** The RegExp one path component of a glob pattern stands for. */
function componentRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // A leading dot is matched only by a literal dot.
  return new RegExp(glob.startsWith('.') ? `^${re}$` : `^(?!\\.)${re}$`);
}

/** Whether `path` matches the glob `pattern`, component by component. */
export function globMatches(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const s = path.split('/');
  return p.length === s.length && p.every((g, i) => componentRegExp(g).test(s[i]!));
}

/** Include's glob over a MemoryFileSystem's files. */
export function memoryGlob(fs: MemoryFileSystem): (pattern: string) => Promise<string[]> {
  return async (pattern) => [...fs.files.keys()].filter((p) => globMatches(pattern, p)).sort();
}

/** Include's glob over the real file system (absolute patterns). */
export async function nodeGlob(pattern: string): Promise<string[]> {
  let found = [''];
  for (const part of pattern.split('/').slice(1)) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        next.push(`${dir}/${part}`);
        continue;
      }
      const names = await readdir(dir || '/').catch(() => [] as string[]);
      for (const n of names) if (componentRegExp(part).test(n)) next.push(`${dir}/${n}`);
    }
    found = next;
  }
  return found.sort();
}
