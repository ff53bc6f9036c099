/**
 * Session channels (RFC 4254 §6) between hopssh's client (openSession, exec)
 * and hopssh's server (serveSessions) over an in-memory transport pair.
 */
import { describe, expect, test } from 'vitest';
import { transportPair } from '../helpers/transport-pair.ts';
import { Connection } from '../../src/channel/connection.ts';
import { ChannelClosedError, ChannelOpenError, OutputLimitError, RequestFailedError } from '../../src/channel/errors.ts';
import { openSession, type Session } from '../../src/channel/session-client.ts';
import { serveSessions, type ServerSession } from '../../src/channel/session-server.ts';
import { exec } from '../../src/channel/exec.ts';
import { terminalModeValue } from '../../src/channel/session-requests.ts';
import { LimitError } from '../../src/transport/errors.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function pair(opts: Parameters<typeof transportPair>[0] = {}) {
  const { client, server } = transportPair(opts);
  await Promise.all([client.ready, server.ready]);
  return { client: new Connection(client), server: new Connection(server) };
}

/** A pair whose server runs `setup` for every session. */
async function serving(setup: (s: ServerSession) => void, opts: Parameters<typeof transportPair>[0] = {}) {
  const p = await pair(opts);
  const sessions: ServerSession[] = [];
  serveSessions(p.server, (s) => {
    sessions.push(s);
    setup(s);
  });
  return { ...p, sessions };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

function collect(s: Session): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  s.onData = (d) => (out += text(d));
  s.onStderr = (d) => (err += text(d));
  return { out: () => out, err: () => err };
}

/** A server that runs a tiny "shell": exec of `echo X`, `fail N`, `kill SIG`, `cat` (echoes stdin), `big N` (N bytes on each stream). */
function toyServer(s: ServerSession): void {
  s.onEnv = (name) => name.startsWith('LC_');
  s.onPty = () => true;
  s.onExec = (command) => {
    const [verb, arg = ''] = command.split(' ');
    queueMicrotask(() => {
      if (verb === 'echo') {
        s.write(arg + '\n');
        s.writeStderr(`env ${[...s.env].map(([k, v]) => `${k}=${v}`).join(',')}\n`);
        s.exit(0);
      } else if (verb === 'fail') s.exit(Number(arg));
      else if (verb === 'kill') s.exitSignal(arg, { coreDumped: arg === 'SEGV', message: `killed by ${arg}` });
      else if (verb === 'cat') {
        s.onData = (d) => s.write(d);
        s.onEnd = () => s.exit(0);
      } else if (verb === 'big') {
        const chunk = new Uint8Array(4096).fill(0x61);
        for (let n = 0; n < Number(arg); n += chunk.length) {
          s.write(chunk);
          s.writeStderr(chunk);
        }
        s.exit(0);
      } else if (verb === 'pty') {
        const p = s.pty;
        s.write(p ? `${p.term} ${p.cols}x${p.rows} echo=${terminalModeValue(p.modes, 'ECHO')}\n` : 'no pty\n');
        s.exit(0);
      }
    });
    return ['echo', 'fail', 'kill', 'cat', 'big', 'pty'].includes(verb!);
  };
}

describe('session channels in memory', () => {
  test('exec: stdout, stderr and exit-status; env accepted as the handler decides', async () => {
    const { client } = await serving(toyServer);
    const s = await openSession(client);
    const io = collect(s);
    await s.env('LC_TEST', 'yes');
    await expect(s.env('PATH', '/evil')).rejects.toBeInstanceOf(RequestFailedError);
    await s.exec('echo hello');
    s.end();
    const exit = await s.done;
    expect(exit).toEqual({ exitStatus: 0 });
    expect(io.out()).toBe('hello\n');
    expect(io.err()).toBe('env LC_TEST=yes\n');
    expect(s.exitStatus).toBe(0);
  });

  test('exit-signal: name, core dumped, message; onExit fires before close', async () => {
    const { client } = await serving(toyServer);
    const s = await openSession(client);
    const seen: unknown[] = [];
    s.onExit = (e) => seen.push({ ...e });
    await s.exec('kill SEGV');
    const exit = await s.done;
    expect(exit.exitSignal).toEqual({ name: 'SEGV', coreDumped: true, message: 'killed by SEGV' });
    expect(exit.exitStatus).toBeUndefined();
    expect(seen).toEqual([{ exitSignal: { name: 'SEGV', coreDumped: true, message: 'killed by SEGV' } }]);
  });

  test('requests without a handler are refused; one program per session; no pty after it', async () => {
    const { client, sessions } = await serving((s) => {
      s.onShell = () => true;
    });
    const s = await openSession(client);
    await expect(s.pty()).rejects.toBeInstanceOf(RequestFailedError);
    await expect(s.subsystem('sftp')).rejects.toBeInstanceOf(RequestFailedError);
    await expect(s.exec('ls')).rejects.toBeInstanceOf(RequestFailedError);
    await expect(s.requestAgentForwarding()).rejects.toBeInstanceOf(RequestFailedError);
    await expect(s.channel.request('x11-req', new Uint8Array(0))).rejects.toBeInstanceOf(RequestFailedError);
    await s.shell();
    expect(sessions[0]!.program).toEqual({ kind: 'shell' });
    await expect(s.shell()).rejects.toBeInstanceOf(RequestFailedError);
    sessions[0]!.onPty = () => true;
    await expect(s.pty()).rejects.toBeInstanceOf(RequestFailedError);
    expect(sessions[0]!.agentForwarding).toBe(false);
  });

  test('agent forwarding: off unless asked; asking marks the connection so agent channels are let in', async () => {
    const { client, sessions } = await serving((s) => (s.onAgentForwarding = () => true));
    const s = await openSession(client);
    expect(client.agentForwarding).toBe(false);
    await s.requestAgentForwarding();
    expect(client.agentForwarding).toBe(true);
    expect(sessions[0]!.agentForwarding).toBe(true);
  });

  test('a handler that throws refuses the request (FAILURE) and leaves the session usable', async () => {
    let calls = 0;
    const { client } = await serving((s) => {
      s.onExec = () => {
        if (calls++ === 0) throw new Error('handler bug');
        s.exit(0);
        return true;
      };
    });
    const s = await openSession(client);
    await expect(s.exec('first')).rejects.toBeInstanceOf(RequestFailedError);
    await s.exec('second');
    expect(await s.done).toEqual({ exitStatus: 0 });
  });

  test('an asynchronous program decision: two racing exec requests, only the first runs', async () => {
    let runs = 0;
    const { client, sessions } = await serving((s) => {
      s.onExec = async () => {
        await new Promise((r) => setTimeout(r, 20));
        runs++;
        return true;
      };
    });
    const s = await openSession(client);
    const [a, b] = await Promise.allSettled([s.exec('one'), s.exec('two')]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(runs).toBe(1);
    expect(sessions[0]!.program).toMatchObject({ kind: 'exec', command: 'one' });
  });

  test('pty-req with modes, then window-change updates the size and reaches the handler; signal and break', async () => {
    const sizes: string[] = [];
    const signals: string[] = [];
    const { client, sessions } = await serving((s) => {
      toyServer(s);
      s.onWindowChange = (w) => sizes.push(`${w.cols}x${w.rows}/${w.widthPx}x${w.heightPx}`);
      s.onSignal = (name) => (signals.push(name), true);
      s.onBreak = (ms) => ms < 1000;
    });
    const s = await openSession(client);
    const io = collect(s);
    await s.pty({ term: 'vt220', cols: 100, rows: 30, modes: { ECHO: 0, TTY_OP_ISPEED: 38400 } });
    s.windowChange(120, 40, 1200, 800);
    s.signal('INT');
    await s.channel.request('break', Uint8Array.of(0, 0, 1, 0));
    await expect(s.channel.request('break', Uint8Array.of(0, 0, 0x10, 0))).rejects.toBeInstanceOf(RequestFailedError);
    await s.exec('pty');
    await s.done;
    expect(io.out()).toBe('vt220 120x40 echo=0\n');
    expect(sizes).toEqual(['120x40/1200x800']);
    expect(signals).toEqual(['INT']);
    expect(sessions[0]!.pty).toMatchObject({ term: 'vt220', cols: 120, rows: 40, widthPx: 1200, heightPx: 800 });
  });

  test('window-change without a pty is refused and not delivered', async () => {
    let called = false;
    const { client } = await serving((s) => (s.onWindowChange = () => (called = true)));
    const s = await openSession(client);
    await expect(s.channel.request('window-change', new Uint8Array(16))).rejects.toBeInstanceOf(RequestFailedError);
    expect(called).toBe(false);
  });

  test('malformed request data is refused with FAILURE (the connection stays up)', async () => {
    const { client } = await serving(toyServer);
    const s = await openSession(client);
    await expect(s.channel.request('exec', Uint8Array.of(0, 0, 0, 9, 1))).rejects.toBeInstanceOf(RequestFailedError);
    await expect(s.channel.request('env', Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0))).rejects.toBeInstanceOf(RequestFailedError);
    const io = collect(s);
    await s.exec('echo still-up');
    await s.done;
    expect(io.out()).toBe('still-up\n');
  });

  test('stdin flows to the program (cat), with backpressure, and EOF ends it', async () => {
    const { client } = await serving(toyServer);
    const s = await openSession(client, { window: 64 * 1024 });
    let got = 0;
    s.onData = (d) => (got += d.length);
    await s.exec('cat');
    const chunk = new Uint8Array(50_000).fill(7);
    for (let i = 0; i < 100; i++) if (!s.write(chunk)) await new Promise<void>((r) => (s.onDrain = r));
    s.end();
    expect(await s.done).toEqual({ exitStatus: 0 });
    expect(got).toBe(5_000_000);
  });

  test('maxSessions: opens beyond it are refused as sshd refuses them; closing one frees a place', async () => {
    const p = await pair();
    serveSessions(p.server, (s) => (s.onShell = () => true), { maxSessions: 2 });
    const a = await openSession(p.client);
    await openSession(p.client);
    const err = await openSession(p.client).catch((e) => e);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect(err.reasonCode).toBe(1);
    a.close();
    await a.done;
    await openSession(p.client);
  });

  test('serveSessions leaves other channel types to their handlers; its stop function stops it', async () => {
    const p = await pair();
    const stop = serveSessions(p.server, () => undefined);
    await expect(p.client.openChannel('direct-tcpip')).rejects.toBeInstanceOf(ChannelOpenError);
    stop();
    await expect(openSession(p.client)).rejects.toBeInstanceOf(ChannelOpenError);
  });

  test('eow@openssh.com: sent by closeRead only to OpenSSH peers; on receipt the client ends stdin', async () => {
    for (const peer of ['OpenSSH_9.9', 'hopssh_0.1']) {
      let server!: ServerSession;
      const { client } = await serving(
        (s) => {
          server = s;
          s.onShell = () => true;
        },
        { client: { softwareVersion: peer } },
      );
      const s = await openSession(client);
      let eow = false;
      s.onEow = () => (eow = true);
      let serverGotEof = false;
      server.onEnd = () => (serverGotEof = true);
      await s.shell();
      server.closeRead();
      // A round trip after it: the eow request (no reply) has arrived by then.
      await s.env('X', '1').catch(() => undefined);
      expect(eow).toBe(peer.startsWith('OpenSSH'));
      expect(s.eow).toBe(eow);
      expect(s.writable).toBe(!eow);
      if (eow) await until(() => serverGotEof);
      server.exit(0);
      await s.done;
    }
  });

  test('the server receives eow@openssh.com from an OpenSSH-like client: its output is ended', async () => {
    let server!: ServerSession;
    const { client } = await serving((s) => {
      server = s;
      s.onShell = () => true;
    });
    const s = await openSession(client);
    let clientEof = false;
    s.onEnd = () => (clientEof = true);
    await s.shell();
    await s.channel.request('eow@openssh.com', new Uint8Array(0));
    expect(server.eow).toBe(true);
    expect(server.writable).toBe(false);
    expect(() => server.write('late')).toThrow(ChannelClosedError);
    await until(() => clientEof);
    s.close();
    await s.done;
  });

  test('between the transport closing and the channels hearing of it, nothing throws and no reply is sent', async () => {
    let release!: (v: boolean) => void;
    let server!: ServerSession;
    const { client, server: sc } = await serving((s) => {
      server = s;
      s.onExec = () => new Promise<boolean>((r) => (release = r));
    });
    const s = await openSession(client);
    const exec = s.exec('slow');
    await until(() => release !== undefined);
    sc.transport.close();
    // The same turn: the channel still looks open; writes are dropped, requests refused, the decision goes nowhere.
    expect(server.channel.isClosed).toBe(false);
    expect(server.write('late')).toBe(false);
    server.exit(0);
    release(true);
    expect(sc.isOpen).toBe(false);
    await expect(sc.globalRequest('x')).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(exec).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(s.done).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('session.done rejects when the connection drops; the server session closes with an error too', async () => {
    let serverClosed: Error | undefined;
    const { client, server } = await serving((s) => {
      s.onShell = () => true;
      s.onClose = (e) => (serverClosed = e);
    });
    const s = await openSession(client);
    await s.shell();
    server.transport.close();
    await expect(s.done).rejects.toBeInstanceOf(ChannelClosedError);
    await until(() => serverClosed !== undefined);
  });
});

describe('exec()', () => {
  test('output, exit status, env (refused ones ignored, as ssh)', async () => {
    const { client } = await serving(toyServer);
    const r = await exec(client, 'echo hi', { env: { LC_A: '1', HOME: '/x' } });
    expect(text(r.stdout)).toBe('hi\n');
    expect(text(r.stderr)).toBe('env LC_A=1\n');
    expect(r.exitStatus).toBe(0);
    expect(r.exitSignal).toBeUndefined();
    expect((await exec(client, 'fail 42')).exitStatus).toBe(42);
  });

  test('exit-signal', async () => {
    const { client } = await serving(toyServer);
    const r = await exec(client, 'kill TERM');
    expect(r.exitStatus).toBeUndefined();
    expect(r.exitSignal).toEqual({ name: 'TERM', coreDumped: false, message: 'killed by TERM' });
  });

  test('stdin as a string, bytes, an iterable and an async iterable', async () => {
    const { client } = await serving(toyServer);
    expect(text((await exec(client, 'cat', { stdin: 'abc' })).stdout)).toBe('abc');
    expect((await exec(client, 'cat', { stdin: Uint8Array.of(1, 2) })).stdout).toEqual(Uint8Array.of(1, 2));
    expect(text((await exec(client, 'cat', { stdin: [Uint8Array.of(0x61), Uint8Array.of(0x62)] })).stdout)).toBe('ab');
    async function* gen() {
      for (let i = 0; i < 40; i++) yield new Uint8Array(100_000).fill(i);
    }
    const r = await exec(client, 'cat', { stdin: gen(), maxOutput: 4_000_000 });
    expect(r.stdout.length).toBe(4_000_000);
    expect(r.stdout[3_999_999]).toBe(39);
  });

  test('no stdin: EOF at once (cat ends)', async () => {
    const { client } = await serving(toyServer);
    expect((await exec(client, 'cat')).stdout.length).toBe(0);
  });

  test('maxOutput: past it on stdout or stderr, OutputLimitError (a LimitError) and the session is closed', async () => {
    const { client, sessions } = await serving(toyServer);
    const err = await exec(client, 'big 1000000', { maxOutput: 100_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(OutputLimitError);
    expect(err).toBeInstanceOf(LimitError);
    expect(['stdout', 'stderr']).toContain(err.stream);
    expect(err.maxBytes).toBe(100_000);
    await until(() => sessions[0]!.channel.isClosed);
    // At the limit exactly is fine.
    const ok = await exec(client, 'big 4096', { maxOutput: 4096 });
    expect(ok.stdout.length + ok.stderr.length).toBe(8192);
    expect(client.channelCount).toBe(0);
  });

  test('a refused command or pty rejects with RequestFailedError; a refused session with ChannelOpenError', async () => {
    const { client } = await serving(toyServer);
    await expect(exec(client, 'rm -rf /')).rejects.toBeInstanceOf(RequestFailedError);
    const { client: c2 } = await serving((s) => (s.onExec = () => true));
    await expect(exec(c2, 'ls', { pty: true })).rejects.toBeInstanceOf(RequestFailedError);
    const { client: c3 } = await pair();
    await expect(exec(c3, 'ls')).rejects.toBeInstanceOf(ChannelOpenError);
    await until(() => client.channelCount + c2.channelCount === 0);
  });

  test('pty: true asks for one with defaults; a pty object is passed on', async () => {
    const { client } = await serving(toyServer);
    expect(text((await exec(client, 'pty', { pty: true })).stdout)).toBe('xterm 80x24 echo=undefined\n');
    expect(text((await exec(client, 'pty', { pty: { term: 'dumb', cols: 10, rows: 5, modes: { ECHO: 1 } } })).stdout)).toBe('dumb 10x5 echo=1\n');
  });

  test('an error thrown by the stdin iterable rejects exec and closes the session', async () => {
    const { client } = await serving(toyServer);
    async function* bad() {
      yield Uint8Array.of(1);
      throw new Error('stdin source failed');
    }
    await expect(exec(client, 'cat', { stdin: bad() })).rejects.toThrow('stdin source failed');
    await until(() => client.channelCount === 0);
  });

  test('the connection ending during exec rejects with ChannelClosedError', async () => {
    const { client, server } = await serving((s) => (s.onExec = () => (setTimeout(() => server.close(), 10), true)));
    await expect(exec(client, 'sleep')).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
