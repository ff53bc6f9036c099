/**
 * hopssh's -R and -D against sshd: a remote forward carries a connection
 * made on the server back to a local service (and `-R 0:…` reports the
 * port sshd chose, as ssh does); a SOCKS5 client through -D reaches a
 * service on the server's side; -f -N -L returns once logged in and leaves
 * the forward running in the background. (-L and -W are in
 * cli-session.test.ts.)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { expect, test } from 'vitest';
import { freePort, requireOpenSSH } from '../helpers/openssh.ts';
import { cliEnv, describeRun, hopsshArgv, runHopssh } from '../helpers/hopssh-cli.ts';
import { useCliHost } from '../helpers/suite-fixtures.ts';

const describeOpenSSH = requireOpenSSH();

/** A TCP service on 127.0.0.1 that greets each connection and closes it. */
async function greeter(text: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.end(text));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** SOCKS5 CONNECT (RFC 1928, no authentication) to 127.0.0.1:port through the proxy at proxyPort; resolves with what the target sent. */
function socks5Fetch(proxyPort: number, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(proxyPort, '127.0.0.1');
    let stage = 0;
    let buf = Buffer.alloc(0);
    let out = '';
    s.on('connect', () => s.write(Buffer.from([5, 1, 0])));
    s.on('data', (b: Buffer) => {
      if (stage === 2) {
        out += b;
        return;
      }
      buf = Buffer.concat([buf, b]);
      if (stage === 0 && buf.length >= 2) {
        if (buf[1] !== 0) return reject(new Error('SOCKS: method refused'));
        buf = buf.subarray(2);
        stage = 1;
        s.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]));
      }
      if (stage === 1 && buf.length >= 10) {
        if (buf[1] !== 0) return reject(new Error(`SOCKS: reply ${buf[1]}`));
        out += buf.subarray(10).toString();
        stage = 2;
      }
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** Pids of this user's processes whose command line holds every one of `words` (Linux /proc). */
function processesWith(words: readonly string[]): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (words.every((w) => argv.includes(w))) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describeOpenSSH('hopssh -R and -D', () => {
  const host = useCliHost();

  test('-R: a connection to the server\'s port reaches a local service', async () => {
    const g = await greeter('hello from the client side\n');
    try {
      const remotePort = await freePort();
      const fetch = `exec 3<>/dev/tcp/127.0.0.1/${remotePort}; cat <&3`;
      const r = await runHopssh(['-R', `${remotePort}:127.0.0.1:${g.port}`, ...host.target, `bash -c '${fetch}'`]);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout).toBe('hello from the client side\n');
    } finally {
      g.server.close();
    }
  });

  test('-R 0: "Allocated port N for remote forward to …"', async () => {
    const r = await runHopssh(['-R', '0:127.0.0.1:9', ...host.target, 'true']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toMatch(/^Allocated port \d+ for remote forward to 127\.0\.0\.1:9\n$/);
  });

  test('-N -D: a SOCKS5 client reaches a service through the server', async () => {
    const g = await greeter('hello through socks\n');
    const socksPort = await freePort();
    const [cmd, ...args] = hopsshArgv(['-N', '-D', `127.0.0.1:${socksPort}`, ...host.target]);
    const child = spawn(cmd!, args, { env: cliEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    try {
      let got: string | undefined;
      for (const deadline = Date.now() + 20_000; got === undefined; ) {
        got = await socks5Fetch(socksPort, g.port).catch((e: Error) => {
          if (Date.now() > deadline) throw new Error(`${e.message}; hopssh stderr: ${stderr}`);
          return new Promise<undefined>((r) => setTimeout(() => r(undefined), 100));
        });
      }
      expect(got).toBe('hello through socks\n');
    } finally {
      child.kill('SIGTERM');
      g.server.close();
    }
  });

  test('-f -N -L: exits 0 once logged in; the forward keeps working in the background', async () => {
    const g = await greeter('hello from the background\n');
    const local = await freePort();
    const spec = `127.0.0.1:${local}:127.0.0.1:${g.port}`;
    try {
      const r = await runHopssh(['-f', '-N', '-L', spec, ...host.target]);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stderr).toBe('');
      const got = await new Promise<string>((resolve, reject) => {
        const s = connect(local, '127.0.0.1');
        let out = '';
        s.on('data', (b: Buffer) => (out += b));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
      expect(got).toBe('hello from the background\n');
    } finally {
      for (const pid of processesWith(['-L', spec])) process.kill(pid, 'SIGTERM');
      g.server.close();
    }
  });

  test('-f without a command: ssh\'s refusal, 255', async () => {
    const r = await runHopssh(['-f', ...host.target]);
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('hopssh: Cannot fork into background without a command to execute.\n');
  });
});
