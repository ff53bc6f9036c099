/**
 * The hopssh program against hopssh's own server (serveUserAuth +
 * serveSessions over TCP), for what sshd without PAM cannot offer:
 * keyboard-interactive rounds answered through SSH_ASKPASS with ssh(1)'s
 * "(user@host) " prompt prefix, the login banner on stderr (and not with
 * -q), and BatchMode refusing keyboard-interactive without asking.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hostKey } from '../helpers/transport-pair.ts';
import { describeRun, runHopssh, tempDir } from '../helpers/hopssh-cli.ts';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import { Connection } from '../../src/channel/connection.ts';
import { serveSessions } from '../../src/channel/session-server.ts';
import { serveUserAuth } from '../../src/auth/userauth-server.ts';
import { toBase64 } from '../../src/wire/base64.ts';

const USER = 'kbduser';
const PASSWORD = 'open sesame';
const CODE = '271828';
const HOST_KEY = hostKey('ssh-ed25519');

let server: Server;
let port: number;
let dir: string;
let removeDir: () => Promise<void>;
let knownHosts: string;
const connections: Connection[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    const t = new ServerTransport(new NodeSocketStream(socket), { hostKeys: [HOST_KEY] });
    const connection = new Connection(t);
    connections.push(connection);
    serveSessions(connection, (session) => {
      session.onExec = (command) => {
        session.write(`ran: ${command}\n`);
        session.exit(0);
        return true;
      };
    });
    serveUserAuth(t, {
      failureDelayMs: 0,
      banner: 'Authorized use only.\n',
      keyboardInteractive: async (user, _ctx, dialogue) => {
        const [pw, code] = await dialogue.ask({ name: '', instruction: '', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] });
        return user === USER && pw === PASSWORD && code === CODE;
      },
    }).catch(() => undefined);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  port = (server.address() as AddressInfo).port;
  ({ dir, remove: removeDir } = await tempDir('hop-cli-own-'));
  knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ssh-ed25519 ${toBase64(HOST_KEY.publicBlob)}\n`);
});

afterAll(async () => {
  for (const c of connections) c.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeDir?.();
});

/** An askpass answering the password or the code by prompt, logging the prompts. */
async function askpass(): Promise<{ env: Record<string, string>; log: string }> {
  const log = join(dir, `asked-${Math.random().toString(36).slice(2)}`);
  const program = `${log}.sh`;
  await writeFile(
    program,
    `#!/bin/sh\nprintf '%s\\n' "$1" >> ${log}\ncase "$1" in *Code*) echo '${CODE}' ;; *) echo '${PASSWORD}' ;; esac\n`,
    { mode: 0o755 },
  );
  return { env: { SSH_ASKPASS: program, SSH_ASKPASS_REQUIRE: 'force' }, log };
}

const args = (...extra: string[]) => ['-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'IdentityFile=none', ...extra, '-p', String(port), `${USER}@127.0.0.1`];

test('keyboard-interactive: each prompt asked with "(user@host) ", answers accepted; the banner on stderr', async () => {
  const a = await askpass();
  const r = await runHopssh([...args(), 'hello', 'world'], { env: a.env });
  expect(r.code, describeRun(r)).toBe(0);
  expect(r.stdout).toBe('ran: hello world\n');
  expect(r.stderr).toBe('Authorized use only.\n');
  expect(await readFile(a.log, 'utf8')).toBe(`(${USER}@127.0.0.1) Password: \n(${USER}@127.0.0.1) Code: \n`);
});

test('-q: no banner', async () => {
  const a = await askpass();
  const r = await runHopssh([...args('-q'), 'x'], { env: a.env });
  expect(r.code, describeRun(r)).toBe(0);
  expect(r.stderr).toBe('');
});

test('BatchMode=yes: keyboard-interactive is not tried, nothing asked, 255', async () => {
  const a = await askpass();
  const r = await runHopssh([...args('-o', 'BatchMode=yes'), 'x'], { env: a.env });
  expect(r.code, describeRun(r)).toBe(255);
  expect(r.stderr).toMatch(new RegExp(`${USER}@127\\.0\\.0\\.1: Permission denied \\(keyboard-interactive\\)\\.\\n$`));
  expect(existsSync(a.log)).toBe(false);
});
