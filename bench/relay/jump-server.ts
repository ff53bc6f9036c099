/**
 * hopssh's own server as a jump host, for the relay benchmark: run inside a
 * test host's network namespace, it listens on 0.0.0.0:<port>, accepts one
 * user key (any user name), and forwards direct-tcpip (RFC 4254 §7.2) over
 * that namespace's network — what `sshd` with AllowTcpForwarding does for
 * `ssh -J`. No sessions. Prints "ready <host key line>" once listening.
 *
 *   node --import tsx bench/relay/jump-server.ts <port> "<authorized key line>"
 */
import { createServer } from 'node:net';
import { Connection, NodeSocketStream, ServerTransport, formatPublicKeyLine, generateSigningKey, nodeNetwork, serveForwarding, serveUserAuth } from '../../src/index.ts';

const [portArg, authorized] = process.argv.slice(2);
if (portArg === undefined || authorized === undefined) throw new TypeError('usage: jump-server.ts <port> "<authorized key line>"');
const hostKey = generateSigningKey('ssh-ed25519');

const server = createServer({ noDelay: true }, (socket) => {
  const transport = new ServerTransport(new NodeSocketStream(socket), { hostKeys: [hostKey] });
  const connection = new Connection(transport);
  serveUserAuth(transport, { authorizedKeys: () => authorized, failureDelayMs: 0 }).then(
    () => serveForwarding(connection, { network: nodeNetwork, directTcpip: () => 'allow' }),
    () => transport.close(),
  );
});
server.listen(Number(portArg), '0.0.0.0', () => process.stdout.write(`ready ${formatPublicKeyLine(hostKey.publicBlob)}\n`));
