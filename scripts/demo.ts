/**
 * The quick-start demo (`npm start`).
 *   1. The `hopssh` program through a jump host: two local OpenSSH sshd test
 *      hosts (a jump host and a target, each with its own host key), a user key
 *      made by hopssh, and an ssh_config where the target has `ProxyJump jump`;
 *      then `hopssh -F <config> target <command>`, exactly as one runs `ssh`.
 *   2. The transport underneath: key exchanges with sshd and with hopssh's own
 *      server, printing what was negotiated and which crypto provider ran it.
 */
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { ClientTransport, ServerTransport, type Transport } from '../src/transport/transport.ts';
import { connectTcp, NodeSocketStream } from '../src/io/node-socket.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../src/crypto/fingerprint.ts';
import { generateKeyPair, writeKeyPairFiles } from '../src/auth/keygen.ts';
import { nodeFileSystem } from '../src/io/node-file-system.ts';
import { constantTimeEqual } from '../src/wire/bytes.ts';
import { fromBase64, toBase64 } from '../src/wire/base64.ts';
import { Writer } from '../src/wire/writer.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import { startSshd, runSsh, knownHostsLine, openSSHStatus, type SshdServer } from '../test/helpers/openssh.ts';

const root = resolve(import.meta.dirname, '..');

async function programThroughJumpHost(): Promise<void> {
  const user = userInfo().username;
  const jump = await startSshd({ hostKeys: ['ed25519'], freshHostKeys: true, config: ['LogLevel INFO'] });
  const target = await startSshd({ hostKeys: ['ecdsa-256'], freshHostKeys: true, config: ['LogLevel INFO'] });
  const dir = mkdtempSync(join(tmpdir(), 'hopssh-demo-'));
  try {
    const id = join(dir, 'id_ed25519');
    const pair = generateKeyPair('ed25519', { comment: 'hopssh-demo' });
    await writeKeyPairFiles(nodeFileSystem, id, pair.key, { comment: 'hopssh-demo' });
    for (const s of [jump, target]) await s.authorize(user, pair.publicKeyLine);
    const known = (s: SshdServer) => knownHostsLine('127.0.0.1', s.port, s.hostKeys[0]!.publicKeyLine);
    writeFileSync(join(dir, 'known_hosts'), `${known(jump)}\n${known(target)}\n`);
    const config = join(dir, 'config');
    writeFileSync(
      config,
      [
        `Host *`,
        `  User ${user}`,
        `  IdentityFile ${id}`,
        `  IdentitiesOnly yes`,
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        `  StrictHostKeyChecking yes`,
        `Host jump`,
        `  HostName 127.0.0.1`,
        `  Port ${jump.port}`,
        `Host target`,
        `  HostName 127.0.0.1`,
        `  Port ${target.port}`,
        `  ProxyJump jump`,
        ``,
      ].join('\n'),
    );
    console.log(`Two local OpenSSH test hosts: "jump" on port ${jump.port} (ed25519 host key), "target" on port ${target.port} (ecdsa host key).`);
    console.log(`ssh_config:\n${spawnSync('sed', ['s/^/    /', config], { encoding: 'utf8' }).stdout}`);
    const argv = ['bin/hopssh.js', '-F', config, 'target', 'echo "$(whoami) on the target; it sees the client as ${SSH_CONNECTION%% *}:$(echo $SSH_CONNECTION | cut -d" " -f2)"; uname -sr'];
    console.log(`$ hopssh -F config target '<command>'`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SSH_AUTH_SOCK: '' } });
    const ms = performance.now() - t0;
    const indent = (t: string) => t.trimEnd().replace(/^/gm, '    ') + '\n';
    if (r.stdout) process.stdout.write(indent(r.stdout));
    if (r.stderr) process.stdout.write(indent(r.stderr));
    console.log(`  exit status ${r.status}; ${ms.toFixed(0)} ms including the program's start-up, two key exchanges and two logins`);
    if (r.status !== 0) throw new Error('hopssh through the jump host failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await jump.stop();
    await target.stop();
  }
}

function describe(label: string, t: Transport, ms: number): void {
  const n = t.negotiated!;
  console.log(`\n${label}`);
  console.log(`  peer            ${t.peerIdentification}`);
  console.log(`  kex             ${n.kex}${t.strictKex ? '  (strict kex)' : ''}`);
  console.log(`  host key        ${n.hostKey}`);
  console.log(`  cipher c→s      ${t.cipherDescription.send}${n.macCtoS !== 'none' ? ' + ' + n.macCtoS : ''}`);
  console.log(`  cipher s→c      ${t.cipherDescription.receive}${n.macStoC !== 'none' ? ' + ' + n.macStoC : ''}`);
  console.log(`  key exchanges   ${t.kexCount} (first one took ${ms.toFixed(1)} ms)`);
}

async function againstSshd(): Promise<void> {
  const sshd = await startSshd({ hostKeys: ['ed25519'] });
  try {
    const expected = fromBase64(sshd.hostKeys[0]!.publicKeyLine.split(' ')[1]!);
    const t0 = performance.now();
    const client = new ClientTransport(await connectTcp({ host: sshd.host, port: sshd.port }), {
      verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, expected),
    });
    await client.ready;
    const ms = performance.now() - t0;
    await client.requestService('ssh-userauth');
    describe(`hopssh client → OpenSSH sshd on ${sshd.host}:${sshd.port} (service ssh-userauth accepted)`, client, ms);
    client.disconnect();
  } finally {
    await sshd.stop();
  }
}

async function ownServer(): Promise<void> {
  const hostKey = generateSigningKey('ssh-ed25519');
  const servers: ServerTransport[] = [];
  const listener = net.createServer((socket) => {
    const server = new ServerTransport(new NodeSocketStream(socket), { hostKeys: [hostKey] });
    servers.push(server);
    // Only the transport here: every USERAUTH_REQUEST gets a failure (RFC 4252 §5.1).
    server.onMessage = (p) => {
      if (p[0] === MSG.USERAUTH_REQUEST) server.send(new Writer(32).byte(MSG.USERAUTH_FAILURE).nameList(['publickey']).boolean(false).bytes());
    };
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    console.log(`\nhopssh server (transport only) on 127.0.0.1:${port}, host key ${fingerprintSha256(hostKey.publicBlob)}`);
    const t0 = performance.now();
    const client = new ClientTransport(await connectTcp({ host: '127.0.0.1', port }), {
      verifyHostKey: ({ publicKey }) => constantTimeEqual(publicKey, hostKey.publicBlob),
    });
    await client.ready;
    const ms = performance.now() - t0;
    await client.rekey();
    await client.requestService('ssh-userauth');
    describe('hopssh client → hopssh server', client, ms);
    client.disconnect();
    const line = knownHostsLine('127.0.0.1', port, `ssh-ed25519 ${toBase64(hostKey.publicBlob)}`);
    const r = await runSsh(['-vv', 'demo@127.0.0.1', 'true'], { port, knownHosts: [line], timeoutMs: 20_000 });
    const kexLine = (re: RegExp) => re.exec(r.stderr)?.[1] ?? '?';
    const server = servers[servers.length - 1]!;
    console.log(`\nOpenSSH ssh → hopssh server`);
    console.log(`  kex             ${kexLine(/kex: algorithm: (\S+)/)}${server.strictKex ? '  (strict kex)' : ''}`);
    console.log(`  host key        ${kexLine(/kex: host key algorithm: (\S+)/)} (verified by ssh against its known_hosts)`);
    console.log(`  cipher s→c      ${kexLine(/kex: server->client cipher: (\S+)/)}`);
    console.log(`  service accept  ${/SSH2_MSG_SERVICE_ACCEPT received/.test(r.stderr) ? 'yes' : 'no'}; ssh exited ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
  } finally {
    for (const s of servers) s.close();
    listener.close();
  }
}

const status = openSSHStatus();
if (!status.available) {
  console.error(`OpenSSH is not installed (${status.reason}); run \`npm start\` as root so scripts/setup.sh can install it.`);
  process.exit(1);
}
console.log('1. The hopssh program through a jump host\n');
await programThroughJumpHost();
console.log('\n2. The transport underneath');
await againstSshd();
await ownServer();
