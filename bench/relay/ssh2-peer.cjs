'use strict';
/**
 * The `ssh2` npm package as a relay-benchmark peer: hops chained as its
 * README shows — each jump host's `forwardOut` stream is the next Client's
 * `sock` — then `exec` on the target with stdin and stdout piped through.
 * Every hop checks its host key against the one given and offers only the
 * algorithms given.
 *
 *   node bench/relay/ssh2-peer.cjs '<spec JSON>'     (peer-spec.ts, PeerSpec)
 *
 * Run with --require ./no-native.cjs for ssh2's pure-JavaScript path. The
 * report (a JSON file) says which path ran (`bindingAvailable`), so a peer
 * meant to be native that silently fell back fails the run.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { Client } = require('ssh2');
const { bindingAvailable } = require('ssh2/lib/protocol/crypto.js');

const spec = JSON.parse(process.argv[2]);
const privateKey = readFileSync(spec.keyFile);
const now = () => performance.now();

function connectHop(endpoint, sock) {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const expected = Buffer.from(endpoint.hostKey.split(' ')[1], 'base64');
    client.once('ready', () => resolve(client));
    client.once('error', (e) => reject(new Error(`${endpoint.host}:${endpoint.port}: ${e.message}`)));
    // Without this a connection the server drops after the handshake would leave us waiting.
    client.once('close', () => reject(new Error(`${endpoint.host}:${endpoint.port}: connection closed before login completed`)));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      sock,
      username: spec.user,
      privateKey,
      hostVerifier: (key) => Buffer.compare(key, expected) === 0,
      algorithms: {
        kex: [spec.kex],
        serverHostKey: [spec.hostKeyAlgorithm],
        cipher: [spec.cipher],
        ...(spec.mac ? { hmac: [spec.mac] } : {}),
      },
      readyTimeout: 60000,
      ...(process.env.RELAY_SSH2_DEBUG && { debug: (m) => process.stderr.write(`[${endpoint.host}:${endpoint.port}] ${m}\n`) }),
    });
  });
}

function forwardOut(client, endpoint) {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}

async function main() {
  if (spec.native !== bindingAvailable) throw new Error(`ssh2's native binding is ${bindingAvailable ? '' : 'not '}loaded, wanted ${spec.native ? 'it' : 'pure JavaScript'}`);
  const t0 = now();
  const path = [...spec.jumps, spec.target];
  const clients = [];
  let sock;
  for (let i = 0; i < path.length; i++) {
    clients.push(await connectHop(path[i], sock));
    if (i + 1 < path.length) sock = await forwardOut(clients[i], path[i + 1]);
  }
  const connected = now();
  const target = clients[clients.length - 1];
  const status = await new Promise((resolve, reject) => {
    target.exec(spec.command, (err, stream) => {
      if (err) return reject(err);
      let code = null;
      stream.on('exit', (c) => (code = c));
      stream.stderr.pipe(process.stderr);
      stream.on('close', () => resolve(code));
      if (spec.mode === 'setup') stream.end();
      else process.stdin.pipe(stream);
      stream.pipe(process.stdout);
    });
  });
  const done = now();
  writeFileSync(spec.report, JSON.stringify({ connectMs: connected - t0, setupMs: done - t0, bindingAvailable, implementation: `ssh2 ${require('ssh2/package.json').version}${bindingAvailable ? ' (native binding)' : ' (pure JS)'}` }));
  for (const c of clients.reverse()) c.end();
  // stdout must be flushed before exiting with the remote status.
  process.stdout.end(() => process.exit(status === null ? 255 : status));
}

main().catch((e) => {
  process.stderr.write(`ssh2 peer: ${e.stack || e}\n`);
  process.exit(255);
});
