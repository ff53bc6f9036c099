/**
 * The quick-start demo (`npm start`): real key exchanges, printed.
 *   1. hopssh's client against a local OpenSSH sshd started for the demo;
 *   2. hopssh's client and OpenSSH's `ssh` client against hopssh's own server.
 * Each completes key exchange and the ssh-userauth service request (hopssh's
 * client also a rekey against hopssh's server: OpenSSH accepts rekeying only
 * after user authentication), and prints what was negotiated and which crypto
 * provider ran each cipher.
 */
import * as net from 'node:net';
import { ClientTransport, ServerTransport, type Transport } from '../src/transport/transport.ts';
import { connectTcp, NodeSocketStream } from '../src/io/node-socket.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { fingerprintSha256 } from '../src/crypto/fingerprint.ts';
import { constantTimeEqual } from '../src/wire/bytes.ts';
import { fromBase64, toBase64 } from '../src/wire/base64.ts';
import { Writer } from '../src/wire/writer.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import { startSshd, runSsh, knownHostsLine, openSSHStatus } from '../test/helpers/openssh.ts';

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
      verifyHostKey: ({ publicKey, fingerprint }) => {
        console.log(`\nsshd's host key ${fingerprint} matches the key the demo generated for it`);
        return constantTimeEqual(publicKey, expected);
      },
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
    // No user authentication yet: answer every USERAUTH_REQUEST with a failure (RFC 4252 §5.1).
    server.onMessage = (p) => {
      if (p[0] === MSG.USERAUTH_REQUEST) server.send(new Writer(32).byte(MSG.USERAUTH_FAILURE).nameList(['publickey']).boolean(false).bytes());
    };
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    console.log(`\nhopssh server on 127.0.0.1:${port}, host key ${fingerprintSha256(hostKey.publicBlob)}`);
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
    console.log(`  service accept  ${/SSH2_MSG_SERVICE_ACCEPT received/.test(r.stderr) ? 'yes' : 'no'}; key exchanges seen by the server: ${server.kexCount}`);
    console.log(`  ssh exited ${r.code}: ${r.stderr.trim().split('\n').pop()}  (user authentication comes in a later release)`);
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
await againstSshd();
await ownServer();
