/**
 * glob(7) for ssh_config(5) Include patterns, over any directory lister (a
 * ConfigContext's `glob` is `(p) => expandGlob(p, listDirectory)`): `*` and
 * `?` match within one path component and not a leading `.`; `[...]` and
 * `[!...]` are character classes. Results are sorted, as glob(3) returns
 * them; a pattern without wildcards is returned as is (its file need not
 * exist: a missing Include file is skipped when read).
 */

/** Whether a pattern holds glob wildcards. */
export function hasGlobWildcards(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** The RegExp for one path component of a glob pattern. */
export function globComponentRegExp(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = component.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = component.slice(i + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // A leading dot is matched only by a literal one.
  return new RegExp(component.startsWith('.') ? `^${re}$` : `^(?!\\.)${re}$`, 'u');
}

/** Whether `path` matches `pattern`, component by component. */
export function globMatches(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const s = path.split('/');
  return p.length === s.length && p.every((g, i) => (hasGlobWildcards(g) ? globComponentRegExp(g).test(s[i]!) : g === s[i]));
}

/**
 * The paths a pattern names, sorted: components with wildcards are matched
 * against `list(directory)` (the names in it; a directory that cannot be
 * listed contributes nothing). A relative pattern starts from ".".
 */
export async function expandGlob(pattern: string, list: (directory: string) => Promise<readonly string[]>): Promise<string[]> {
  if (!hasGlobWildcards(pattern)) return [pattern];
  const parts = pattern.split('/');
  // Prefixes matched so far, without a trailing "/": "" is the root of an absolute pattern.
  let found = [''];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const join = (prefix: string, name: string) => (i === 0 ? name : `${prefix}/${name}`);
    const next: string[] = [];
    for (const prefix of found) {
      if (!hasGlobWildcards(part)) {
        next.push(join(prefix, part));
        continue;
      }
      const re = globComponentRegExp(part);
      const names = await list(i === 0 ? '.' : prefix === '' ? '/' : prefix).catch(() => [] as readonly string[]);
      for (const n of names) if (re.test(n)) next.push(join(prefix, n));
    }
    found = next;
  }
  return found.sort();
}
