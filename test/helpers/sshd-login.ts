/**
 * A hopssh client logged in to a test sshd, with a Connection (channel layer)
 * on top: what channel and jump tests start from. Login is publickey with an
 * Ed25519 key generated per process and added to sshd's authorized_keys for
 * the user. (Once src/auth's userauth client is in, this uses it.)
 */
import { ClientTransport } from '../../src/transport/transport.ts';
import type { ClientTransportOptions } from '../../src/transport/options.ts';
import { connectTcp } from '../../src/io/node-socket.ts';
import { Connection, type ConnectionOptions } from '../../src/channel/connection.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { Writer } from '../../src/wire/writer.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { toBase64 } from '../../src/wire/base64.ts';
import type { SshdServer } from './sshd.ts';

const userKey = generateSigningKey('ssh-ed25519');

/** The public key line of the key loginToSshd uses (authorize it with sshd.authorize(user, line)). */
export const LOGIN_KEY_LINE = `ssh-ed25519 ${toBase64(userKey.publicBlob)} hopssh-test`;

function hostKeyMatches(sshd: SshdServer, publicKey: Uint8Array): boolean {
  const b64 = toBase64(publicKey);
  return sshd.hostKeys.some((k) => k.publicKeyLine.split(' ')[1] === b64);
}

export interface LoginOptions {
  user?: string;
  /** Where to connect, when not sshd itself (a proxy in front of it). */
  host?: string;
  port?: number;
  transport?: Partial<ClientTransportOptions>;
  connection?: ConnectionOptions;
}

/** Connect, verify sshd's host key, log in with publickey (RFC 4252 §7), and return the connection. */
export async function loginToSshd(sshd: SshdServer, opts: LoginOptions = {}): Promise<{ transport: ClientTransport; connection: Connection }> {
  const user = opts.user ?? 'root';
  await sshd.authorize(user, LOGIN_KEY_LINE);
  const stream = await connectTcp({ host: opts.host ?? sshd.host, port: opts.port ?? sshd.port, timeoutMs: 10_000 });
  const transport = new ClientTransport(stream, { verifyHostKey: ({ publicKey }) => hostKeyMatches(sshd, publicKey), ...opts.transport });
  await transport.requestService('ssh-userauth');
  const alg = 'ssh-ed25519';
  const fields = (w: Writer): Writer => w.string(user).string('ssh-connection').string('publickey').boolean(true).string(alg).string(userKey.publicBlob);
  const signed = fields(new Writer(256).string(transport.sessionId!).byte(MSG.USERAUTH_REQUEST)).bytes();
  const reply = new Promise<number>((resolve) => {
    transport.onMessage = (p) => {
      if (p[0] === MSG.USERAUTH_SUCCESS || p[0] === MSG.USERAUTH_FAILURE) resolve(p[0]);
      return true;
    };
  });
  transport.send(fields(new Writer(512).byte(MSG.USERAUTH_REQUEST)).string(userKey.sign(alg, signed)).bytes());
  const r = await Promise.race([reply, transport.closed.then((e) => Promise.reject(e ?? new Error('closed during login')))]);
  if (r !== MSG.USERAUTH_SUCCESS) throw new Error(`sshd refused the test key for ${user}`);
  transport.markAuthenticated();
  return { transport, connection: new Connection(transport, opts.connection) };
}
