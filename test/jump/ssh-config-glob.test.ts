/** glob(7) as Include uses it (src/jump/ssh-config-glob.ts). */
import { describe, expect, test } from 'vitest';
import { expandGlob, globMatches, hasGlobWildcards } from '../../src/jump/ssh-config-glob.ts';

const TREE: Record<string, string[]> = {
  '/': ['etc', 'home'],
  '/etc': ['ssh'],
  '/etc/ssh': ['ssh_config', 'ssh_config.d'],
  '/etc/ssh/ssh_config.d': ['50-b.conf', '10-a.conf', '.hidden.conf', 'x.txt', '[lit].conf'],
  '.': ['rel.conf', 'other'],
};
const list = async (dir: string) => {
  const names = TREE[dir];
  if (names === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return names;
};

describe('Include globs', () => {
  test('wildcards within one component, sorted, no dot files', async () => {
    expect(await expandGlob('/etc/ssh/ssh_config.d/*.conf', list)).toEqual(['/etc/ssh/ssh_config.d/10-a.conf', '/etc/ssh/ssh_config.d/50-b.conf', '/etc/ssh/ssh_config.d/[lit].conf']);
    expect(await expandGlob('/etc/*/ssh_config', list)).toEqual(['/etc/ssh/ssh_config']);
    expect(await expandGlob('/etc/ssh/ssh_config.d/.*.conf', list)).toEqual(['/etc/ssh/ssh_config.d/.hidden.conf']);
  });

  test('? and [..] / [!..] classes', async () => {
    expect(await expandGlob('/etc/ssh/ssh_config.d/[15]0-?.conf', list)).toEqual(['/etc/ssh/ssh_config.d/10-a.conf', '/etc/ssh/ssh_config.d/50-b.conf']);
    expect(await expandGlob('/etc/ssh/ssh_config.d/[!1]0-*', list)).toEqual(['/etc/ssh/ssh_config.d/50-b.conf']);
  });

  test('a pattern without wildcards is returned as is; unlistable directories give nothing; relative patterns start at "."', async () => {
    expect(await expandGlob('/no/such/file', list)).toEqual(['/no/such/file']);
    expect(await expandGlob('/no/such/*', list)).toEqual([]);
    expect(await expandGlob('*.conf', list)).toEqual(['rel.conf']);
  });

  test('globMatches and hasGlobWildcards', () => {
    expect(globMatches('/a/*/c', '/a/b/c')).toBe(true);
    expect(globMatches('/a/*', '/a/b/c')).toBe(false);
    expect(globMatches('/a/*', '/a/.b')).toBe(false);
    expect(globMatches('/a/(x)+', '/a/(x)+')).toBe(true);
    expect(hasGlobWildcards('/a/b')).toBe(false);
    expect(hasGlobWildcards('/a/[b]')).toBe(true);
  });
});
