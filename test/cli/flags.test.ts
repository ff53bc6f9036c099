/**
 * ssh(1)'s flags as the ssh_config options they stand for, seen through
 * `hopssh -G` (the resolved configuration, nothing connected): command-line
 * values win over the file, -o after the flags, user@host and -l, -p and
 * ssh:// ports, forwards from -L/-R/-D before the file's, -J.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hop-cli-flags-'));
  config = join(dir, 'config');
  await writeFile(config, ['Host *', '  User fileuser', '  Port 2200', '  LocalForward 9000 db:5432', '  RequestTTY no', ''].join('\n'), { mode: 0o644 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `hopssh -G -F config …` in this process: the exit code and the printed options as a map of lists. */
async function resolved(...args: string[]): Promise<{ code: number; options: Map<string, string[]>; stderr: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += chunk), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += chunk), true));
  const code = await main(['-G', '-F', config, ...args]);
  vi.restoreAllMocks();
  const options = new Map<string, string[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [k, ...v] = line.split(' ');
    options.set(k!, [...(options.get(k!) ?? []), v.join(' ')]);
  }
  return { code, options, stderr: err };
}

test('the file applies where the command line says nothing', async () => {
  const { code, options } = await resolved('example.org');
  expect(code).toBe(0);
  expect(options.get('user')).toEqual(['fileuser']);
  expect(options.get('port')).toEqual(['2200']);
  expect(options.get('localforward')).toEqual(['9000 db:5432']);
});

test('user@host, -l and -p win over the file; the first -l wins, as ssh', async () => {
  expect((await resolved('alice@example.org')).options.get('user')).toEqual(['alice']);
  expect((await resolved('-l', 'bob', '-l', 'carol', 'alice@example.org')).options.get('user')).toEqual(['bob']);
  expect((await resolved('-p', '22', 'example.org')).options.get('port')).toEqual(['22']);
  expect((await resolved('ssh://dave@example.org:2022')).options.get('port')).toEqual(['2022']);
});

test('-o wins over the file, flags over -o', async () => {
  expect((await resolved('-o', 'User=olive', 'example.org')).options.get('user')).toEqual(['olive']);
  expect((await resolved('-o', 'RequestTTY=yes', 'example.org')).options.get('requesttty')).toEqual(['true']);
  expect((await resolved('-T', '-o', 'RequestTTY=yes', 'example.org')).options.get('requesttty')).toEqual(['false']);
  expect((await resolved('-tt', 'example.org')).options.get('requesttty')).toEqual(['force']);
});

test('flags as options: -A, -N, -n, -f, -g, -C, -e, -c, -m, -q, -vvv, -i, -J', async () => {
  const { options } = await resolved('-ANngC', '-e', '^]', '-c', 'aes128-ctr', '-m', 'hmac-sha2-256', '-vvv', '-i', '/k/one', '-i', '/k/two', '-J', 'jump:2222', 'example.org');
  expect(options.get('forwardagent')).toEqual(['yes']);
  expect(options.get('sessiontype')).toEqual(['none']);
  expect(options.get('stdinnull')).toEqual(['yes']);
  expect(options.get('gatewayports')).toEqual(['yes']);
  expect(options.get('compression')).toEqual(['yes']);
  expect(options.get('escapechar')).toEqual(['^]']);
  expect(options.get('ciphers')).toEqual(['aes128-ctr']);
  expect(options.get('macs')).toEqual(['hmac-sha2-256']);
  expect(options.get('loglevel')).toEqual(['DEBUG3']);
  expect(options.get('identityfile')).toEqual(['/k/one', '/k/two']);
  expect(options.get('proxyjump')).toEqual(['jump:2222']);
  expect((await resolved('-q', 'x')).options.get('loglevel')).toEqual(['QUIET']);
  expect((await resolved('-s', 'x', 'sftp')).options.get('sessiontype')).toEqual(['subsystem']);
});

test('-L, -R and -D come before the file\'s forwards; ClearAllForwardings clears both', async () => {
  const { options } = await resolved('-L', '8080:web:80', '-R', '9090:localhost:22', '-D', '1080', 'example.org');
  expect(options.get('localforward')).toEqual(['8080 web:80', '9000 db:5432']);
  expect(options.get('remoteforward')).toEqual(['9090 localhost:22']);
  expect(options.get('dynamicforward')).toEqual(['1080']);
  const cleared = await resolved('-L', '8080:web:80', '-o', 'ClearAllForwardings=yes', 'example.org');
  expect(cleared.options.get('localforward')).toBeUndefined();
});

test('usage errors: two -J, a bad port, no destination', async () => {
  expect((await resolved('-J', 'a', '-J', 'b', 'x')).code).toBe(255);
  const bad = await resolved('-p', 'http', 'x');
  expect(bad.code).toBe(255);
  expect(bad.stderr).toBe("Bad port 'http'\n");
  expect((await resolved()).code).toBe(255);
});
