/**
 * A client of an ssh-agent (draft-miller-ssh-agent) over a ByteStream:
 * list its identities and have it sign. Connecting to $SSH_AUTH_SOCK is the
 * caller's job (src/io/node-socket.ts connectUnix), so this works over any
 * stream — a forwarded agent channel included.
 *
 * The agent answers requests in order (§3), so requests may overlap: each
 * waits in a FIFO for its answer.
 */
import type { ByteStream } from '../io/byte-stream.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { AgentError } from './errors.ts';
import {
  AgentFrameReader,
  decodeIdentitiesAnswer,
  decodeSignResponse,
  encodeRequestIdentities,
  encodeSignRequest,
  type AgentIdentity,
} from './agent-protocol.ts';
import type { AgentKeyCredential } from './credentials.ts';

interface Pending {
  operation: string;
  resolve: (body: Uint8Array) => void;
  reject: (e: Error) => void;
}

export class AgentClient {
  private readonly frames = new AgentFrameReader();
  private readonly pending: Pending[] = [];
  private closedError: AgentError | undefined;

  constructor(private readonly stream: ByteStream) {
    stream.start({
      data: (chunk) => this.onData(chunk),
      drain: () => undefined,
      end: () => this.shutdown(new AgentError('connection', 'the agent closed the connection')),
      close: (err) => this.shutdown(new AgentError('connection', err ? `closed: ${err.message}` : 'closed', { cause: err })),
    });
  }

  /** The keys (and certificates) the agent holds (SSH_AGENTC_REQUEST_IDENTITIES, §3.4). */
  async identities(): Promise<AgentIdentity[]> {
    const op = 'list identities';
    const body = await this.request(op, encodeRequestIdentities());
    const ids = this.decode(op, () => decodeIdentitiesAnswer(body));
    if (ids === undefined) throw new AgentError(op, 'the agent refused (SSH_AGENT_FAILURE)');
    return ids;
  }

  /**
   * Has the agent sign `data` with the key of `keyBlob` (SSH_AGENTC_SIGN_REQUEST,
   * §3.6); `flags` from AGENT_SIGN_FLAGS pick rsa-sha2-256/512 for RSA keys.
   * Returns the signature blob: string(algorithm) ‖ string(signature).
   */
  async sign(keyBlob: Uint8Array, data: Uint8Array, flags = 0): Promise<Uint8Array> {
    const op = `sign with ${describeKey(keyBlob)}`;
    const body = await this.request(op, encodeSignRequest(keyBlob, data, flags));
    const sig = this.decode(op, () => decodeSignResponse(body));
    if (sig === undefined) throw new AgentError(op, 'the agent refused (SSH_AGENT_FAILURE)');
    return sig;
  }

  /** Closes the connection; requests still waiting reject with AgentError. */
  close(): void {
    this.shutdown(new AgentError('connection', 'closed by the client'));
  }

  private request(operation: string, framed: Uint8Array): Promise<Uint8Array> {
    if (this.closedError) return Promise.reject(new AgentError(operation, 'the agent connection is closed', { cause: this.closedError }));
    return new Promise((resolve, reject) => {
      this.pending.push({ operation, resolve, reject });
      this.stream.write(framed);
    });
  }

  private decode<T>(operation: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      const err = new AgentError(operation, `malformed answer: ${(e as Error).message}`, { cause: e });
      this.shutdown(err);
      throw err;
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.closedError) return;
    let bodies: Uint8Array[];
    try {
      bodies = this.frames.feed(chunk);
    } catch (e) {
      this.shutdown(new AgentError('read', (e as Error).message, { cause: e }));
      return;
    }
    for (const body of bodies) {
      const p = this.pending.shift();
      if (p === undefined) {
        this.shutdown(new AgentError('read', `unrequested message ${body[0]} from the agent`));
        return;
      }
      p.resolve(body);
    }
  }

  private shutdown(err: AgentError): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const p of this.pending.splice(0)) p.reject(new AgentError(p.operation, err.message, { cause: err }));
    this.stream.close();
  }
}

/** "ssh-ed25519 SHA256:…" for messages; never throws. */
function describeKey(blob: Uint8Array): string {
  let type = '(malformed key)';
  try {
    type = publicKeyType(blob);
  } catch {
    // keep the placeholder
  }
  return `${type} ${fingerprintSha256(blob)}`;
}

/** One credential per identity the agent holds, for authenticateClient (in the agent's order). */
export async function agentCredentials(agent: AgentClient): Promise<AgentKeyCredential[]> {
  const ids = await agent.identities();
  return ids.map((id) => ({ type: 'agent', agent, publicKey: id.publicKey, comment: id.comment }));
}
