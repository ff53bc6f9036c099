/**
 * OpenSSH's `ssh` against hopssh's session server (serveSessions, RFC 4254
 * §6) behind serveUserAuth (publickey): `ssh host cmd` (output, stderr, exit
 * code, exit-signal, a refused command), a shell without a pty, bulk data
 * through `cat`, SetEnv, a subsystem, `ssh -tt` under `script` (terminal
 * type, size, and a window-change sent by ssh on SIGWINCH), `ssh -N` with no
 * session, keepalives (ServerAliveInterval) answered, eow@openssh.com.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateKey, knownHostsLine, requireOpenSSH, runSsh, type GeneratedKey, type RunSshOptions } from '../helpers/openssh.ts';
import { registerDir, unregisterDir } from '../helpers/cleanup.ts';
import { hostKey } from '../helpers/transport-pair.ts';
import { NodeSocketStream } from '../../src/io/node-socket.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import { serveUserAuth } from '../../src/auth/userauth-server.ts';
import { Connection } from '../../src/channel/connection.ts';
import { serveSessions, type ServerSession } from '../../src/channel/session-server.ts';
import { toBase64 } from '../../src/wire/base64.ts';

const describeOpenSSH = requireOpenSSH();

const HOST_KEY = hostKey('ssh-ed25519');
const USER = 'hoptest';

/** What the server saw on one connection. */
interface Seen {
  connection: Connection;
  sessions: ServerSession[];
  globalRequests: string[];
  errors: unknown[];
}

/** The test "shell": a few commands, enough to see each part of the protocol from ssh. */
function serve(s: ServerSession): void {
  s.onEnv = (name) => name.startsWith('HOPSSH_');
  s.onPty = () => true;
  s.onShell = () => {
    // No pty: upper-case what comes in, exit 0 at EOF.
    s.onData = (d) => s.write(new TextDecoder().decode(d).toUpperCase());
    s.onEnd = () => s.exit(0);
    return true;
  };
  s.onSubsystem = (name) => {
    if (name !== 'echo-subsystem') return false;
    s.onData = (d) => s.write(d);
    s.onEnd = () => s.exit(0);
    return true;
  };
  s.onExec = (command) => {
    const [verb, arg] = command.split(' ');
    switch (verb) {
      case 'hello':
        s.write('hello from hopssh\n');
        s.writeStderr('to stderr\n');
        s.exit(7);
        return true;
      case 'env':
        s.write([...s.env].map(([k, v]) => `${k}=${v}\n`).join(''));
        s.exit(0);
        return true;
      case 'cat':
        s.onData = (d) => {
          if (!s.write(d)) {
            s.pause();
            s.onDrain = () => s.resume();
          }
        };
        s.onEnd = () => s.exit(0);
        return true;
      case 'killed':
        s.exitSignal('KILL');
        return true;
      case 'sleep':
        setTimeout(() => (s.write('slept\n'), s.exit(0)), Number(arg) * 1000);
        return true;
      case 'eow':
        // The "program" closes its stdin at once, then finishes a second later.
        s.closeRead();
        setTimeout(() => s.exit(0), 1000);
        return true;
      case 'pty': {
        const p = s.pty;
        if (!p) return false;
        s.write(`term=${p.term} size=${p.cols}x${p.rows}\r\n`);
        const giveUp = setTimeout(() => (s.write('no window-change\r\n'), s.exit(1)), 15_000);
        // stty may resize in two steps (columns, then rows): each is a window-change; done at 120x40.
        s.onWindowChange = (w) => {
          s.write(`resized ${w.cols}x${w.rows}\r\n`);
          if (w.cols !== 120 || w.rows !== 40) return;
          clearTimeout(giveUp);
          s.exit(0);
        };
        return true;
      }
    }
    // Anything else is refused: ssh prints "exec request failed".
    return false;
  };
}

describeOpenSSH('OpenSSH ssh against the hopssh session server', () => {
  let dir: string;
  let key: GeneratedKey;
  let port: number;
  let close: () => Promise<void>;
  const seen: Seen[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hop-ssh-session-'));
    registerDir(dir);
    key = await generateKey('ed25519', join(dir, 'id_ed25519'));
    const server = createServer((socket) => {
      const t = new ServerTransport(new NodeSocketStream(socket), { hostKeys: [HOST_KEY] });
      // Installed before serveUserAuth, which hands the transport back to it after USERAUTH_SUCCESS.
      const connection = new Connection(t);
      const s: Seen = { connection, sessions: [], globalRequests: [], errors: [] };
      seen.push(s);
      // Every global request is answered FAILURE, as by default (keepalive@openssh.com included); recorded.
      connection.onGlobalRequest = (r) => (s.globalRequests.push(r.name), false);
      serveSessions(connection, (session) => {
        s.sessions.push(session);
        serve(session);
      });
      serveUserAuth(t, { failureDelayMs: 0, authorizedKeys: (user) => (user === USER ? key.publicKeyLine : undefined) }).catch((e: unknown) => s.errors.push(e));
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    port = (server.address() as AddressInfo).port;
    close = () =>
      new Promise<void>((resolve) => {
        for (const s of seen) s.connection.close();
        server.close(() => resolve());
      });
  });

  afterAll(async () => {
    await close?.();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
      unregisterDir(dir);
    }
  });

  /** Runs ssh against the server; returns its result and what the server saw on that connection. */
  async function ssh(args: string[], opts: RunSshOptions = {}) {
    const before = seen.length;
    const known = [knownHostsLine('127.0.0.1', port, `${HOST_KEY.type} ${toBase64(HOST_KEY.publicBlob)}`)];
    const r = await runSsh(['-l', USER, ...args], { port, knownHosts: known, identityFile: key.path, ...opts });
    const server = seen[before];
    expect(server, `no connection reached the server; ssh said:\n${r.stderr}`).toBeDefined();
    expect(server!.errors).toEqual([]);
    return { ...r, server: server! };
  }

  test('ssh host cmd: stdout, stderr and the exit code; the exec reply arrives though the command ended in its handler', async () => {
    const r = await ssh(['-vv', '127.0.0.1', 'hello']);
    expect(r.stdout).toBe('hello from hopssh\n');
    expect(r.stderr).toContain('to stderr\n');
    expect(r.stderr).toMatch(/exec request accepted on channel 0/);
    expect(r.code).toBe(7);
    expect(r.server.sessions[0]!.program).toMatchObject({ kind: 'exec', command: 'hello' });
  });

  test('exit-signal: ssh exits 255; a refused command: "exec request failed", 255', async () => {
    const killed = await ssh(['127.0.0.1', 'killed']);
    expect(killed.code).toBe(255);
    const refused = await ssh(['127.0.0.1', 'no-such-command']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/exec request failed on channel 0/);
  });

  test('ssh host (no terminal): a shell reading stdin to EOF', async () => {
    const r = await ssh(['127.0.0.1'], { input: 'hello\nworld\n' });
    expect(r.stdout).toBe('HELLO\nWORLD\n');
    expect(r.code).toBe(0);
    expect(r.server.sessions[0]!.pty).toBeUndefined();
  });

  test('10 MB through cat, both ways, intact (hash)', async () => {
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
    const input = line.repeat(Math.ceil(10_000_000 / line.length));
    const r = await ssh(['127.0.0.1', 'cat'], { input, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(input.length);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(input).digest('hex'));
  }, 90_000);

  test('SetEnv: env requests, accepted as the handler decides', async () => {
    const r = await ssh(['-o', 'SetEnv=HOPSSH_ONE=1 HOPSSH_TWO="two words" OTHER=3', '127.0.0.1', 'env']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('HOPSSH_ONE=1\nHOPSSH_TWO=two words\n');
  });

  test('ssh -s: a subsystem', async () => {
    const r = await ssh(['-s', '127.0.0.1', 'echo-subsystem'], { input: 'through the subsystem\n' });
    expect(r.stdout).toBe('through the subsystem\n');
    expect(r.code).toBe(0);
    expect(r.server.sessions[0]!.program).toEqual({ kind: 'subsystem', name: 'echo-subsystem' });
  });

  test('ssh -tt in a terminal: pty-req with TERM and size, then window-change on SIGWINCH', async () => {
    // ssh runs under `script` (a pty of 100x30); once the server has printed the size, the pty is resized and ssh gets SIGWINCH.
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const wrap = (argv: string[]) => {
      const sh = [
        'f=$(mktemp)',
        'stty cols 100 rows 30',
        `TERM=xterm-256color ${argv.map(q).join(' ')} </dev/tty >"$f" 2>&1 & p=$!`,
        'i=0; until grep -q "size=" "$f" || [ $i -ge 150 ]; do sleep 0.1; i=$((i+1)); done',
        // stty's resize already signals the terminal's foreground group, ssh among it; the kill makes sure.
        'stty cols 120 rows 40; kill -WINCH $p 2>/dev/null',
        'wait $p; s=$?; cat "$f"; rm -f "$f"; exit $s',
      ].join('\n');
      return ['script', '-qec', sh, '/dev/null'];
    };
    const r = await ssh(['-tt', '127.0.0.1', 'pty'], { wrap, timeoutMs: 30_000 });
    // The server wrote \r\n; script's terminal adds a \r of its own.
    expect(r.stdout).toMatch(/^term=xterm-256color size=100x30\r+\n(resized 120x30\r+\n)?resized 120x40\r+\n/);
    expect(r.code).toBe(0);
    expect(r.server.sessions[0]!.pty).toMatchObject({ term: 'xterm-256color', cols: 120, rows: 40 });
  }, 60_000);

  test('ssh -N stays up without a session', async () => {
    const r = await ssh(['-N', '127.0.0.1'], { timeoutMs: 3000 });
    // ssh was still connected when the helper killed it.
    expect(r.timedOut).toBe(true);
    expect(r.server.connection.transport.authenticated).toBe(true);
    expect(r.server.sessions).toEqual([]);
  });

  test('ServerAliveInterval=1: keepalive@openssh.com answered (FAILURE), ssh stays connected', async () => {
    const r = await ssh(['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2', '127.0.0.1', 'sleep 4'], { timeoutMs: 20_000 });
    expect(r.stdout).toBe('slept\n');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/Timeout, server .* not responding/);
    expect(r.server.globalRequests.filter((n) => n === 'keepalive@openssh.com').length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  test('eow@openssh.com: sent to ssh (an OpenSSH peer) when the program stops reading', async () => {
    const r = await ssh(['-vvv', '127.0.0.1', 'eow'], { input: 'unread\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/channel 0: rcvd eow/);
  });
});
