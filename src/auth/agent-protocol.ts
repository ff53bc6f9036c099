/**
 * The ssh-agent protocol, client side (draft-miller-ssh-agent, OpenSSH's
 * PROTOCOL.agent): the messages a client sends and the answers it reads, and
 * the length framing. Only what user authentication needs: listing
 * identities and signing.
 *
 * Framing (draft-miller-ssh-agent §3): uint32 length, then that many bytes,
 * the first of which is the message number.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';
import { readUint32 } from '../wire/bytes.ts';

/** Message numbers (draft-miller-ssh-agent §5.1). */
export const AGENT_MSG = {
  FAILURE: 5,
  SUCCESS: 6,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
  EXTENSION_FAILURE: 28,
} as const;

/** Signature flags of SIGN_REQUEST (draft-miller-ssh-agent §3.6.1): which hash an RSA key signs with. */
export const AGENT_SIGN_FLAGS = {
  /** rsa-sha2-256 (RFC 8332). */
  RSA_SHA2_256: 2,
  /** rsa-sha2-512 (RFC 8332). */
  RSA_SHA2_512: 4,
} as const;

/** Largest agent message accepted or sent: 256 KiB, as OpenSSH's ssh-agent. */
export const AGENT_MAX_MESSAGE = 256 * 1024;

/** Most identities accepted in one answer (the message size bounds it anyway; this bounds the work). */
export const AGENT_MAX_IDENTITIES = 2048;

/** One key the agent holds (or a certificate for one). */
export interface AgentIdentity {
  /** Public key or certificate blob. */
  publicKey: Uint8Array;
  comment: string;
}

/** A framed message: uint32 length ‖ body (the body starts with the message number). */
function frame(body: Uint8Array): Uint8Array {
  if (body.length > AGENT_MAX_MESSAGE) throw new RangeError(`agent message of ${body.length} bytes exceeds ${AGENT_MAX_MESSAGE}`);
  return new Writer(body.length + 4).string(body).bytes().slice();
}

/** SSH_AGENTC_REQUEST_IDENTITIES (§3.4), framed. */
export function encodeRequestIdentities(): Uint8Array {
  return frame(Uint8Array.of(AGENT_MSG.REQUEST_IDENTITIES));
}

/** SSH_AGENTC_SIGN_REQUEST (§3.6), framed: key blob, data, flags. */
export function encodeSignRequest(keyBlob: Uint8Array, data: Uint8Array, flags: number): Uint8Array {
  const body = new Writer(keyBlob.length + data.length + 16).byte(AGENT_MSG.SIGN_REQUEST).string(keyBlob).string(data).uint32(flags).bytes();
  return frame(body);
}

/**
 * SSH_AGENT_IDENTITIES_ANSWER (§3.4), from a message body. Returns undefined
 * for SSH_AGENT_FAILURE; throws WireError for anything else or a malformed answer.
 */
export function decodeIdentitiesAnswer(body: Uint8Array): AgentIdentity[] | undefined {
  const r = new Reader(body, 0, body.length, 'agent IDENTITIES_ANSWER');
  if (isFailure(r)) return undefined;
  expectType(r, AGENT_MSG.IDENTITIES_ANSWER);
  const at = r.pos;
  const n = r.uint32('nkeys');
  if (n > AGENT_MAX_IDENTITIES) throw new WireError(`${r.context}.nkeys`, at, `${n} is more than ${AGENT_MAX_IDENTITIES}`);
  const out: AgentIdentity[] = [];
  for (let i = 0; i < n; i++) {
    const publicKey = r.string('key blob').slice();
    // Comments are UTF-8 by the draft, but agents store whatever the file said: never fail a listing over one.
    const comment = new TextDecoder().decode(r.string('comment'));
    out.push({ publicKey, comment });
  }
  r.done();
  return out;
}

/**
 * SSH_AGENT_SIGN_RESPONSE (§3.6), from a message body: the signature blob.
 * Returns undefined for a failure; throws WireError for anything else.
 */
export function decodeSignResponse(body: Uint8Array): Uint8Array | undefined {
  const r = new Reader(body, 0, body.length, 'agent SIGN_RESPONSE');
  if (isFailure(r)) return undefined;
  expectType(r, AGENT_MSG.SIGN_RESPONSE);
  const sig = r.string('signature').slice();
  r.done();
  return sig;
}

/** SSH_AGENT_FAILURE and SSH_AGENT_EXTENSION_FAILURE carry nothing (§3.1). */
function isFailure(r: Reader): boolean {
  const t = r.buf[r.pos];
  if (t !== AGENT_MSG.FAILURE && t !== AGENT_MSG.EXTENSION_FAILURE) return false;
  r.byte('message number');
  r.done();
  return true;
}

function expectType(r: Reader, type: number): void {
  const at = r.pos;
  const t = r.byte('message number');
  if (t !== type) throw new WireError(`${r.context}.message number`, at, `is ${t}, expected ${type}`);
}

/**
 * Reassembles framed agent messages from a byte stream's chunks. Holds at
 * most one message (AGENT_MAX_MESSAGE) plus its length; a longer length or
 * an empty message throws WireError.
 */
export class AgentFrameReader {
  private buf = new Uint8Array(0);
  private have = 0;

  /** Feeds bytes; returns the complete message bodies they finish (copies). */
  feed(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < chunk.length) {
      // Complete the 4-byte length first.
      if (this.have < 4 || this.have < 4 + this.expected()) {
        const need = this.have < 4 ? 4 - this.have : 4 + this.expected() - this.have;
        const n = Math.min(need, chunk.length - off);
        this.append(chunk.subarray(off, off + n));
        off += n;
      }
      if (this.have >= 4 && this.have === 4 + this.expected()) {
        out.push(this.buf.slice(4, this.have));
        this.have = 0;
      }
    }
    return out;
  }

  /** Bytes of a partial message held. */
  get pending(): number {
    return this.have;
  }

  private expected(): number {
    const len = readUint32(this.buf, 0);
    if (len === 0) throw new WireError('agent message length', 0, 'is zero');
    if (len > AGENT_MAX_MESSAGE) throw new WireError('agent message length', 0, `${len} exceeds ${AGENT_MAX_MESSAGE}`);
    return len;
  }

  private append(bytes: Uint8Array): void {
    const need = this.have + bytes.length;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.buf.length * 2, 64), AGENT_MAX_MESSAGE + 4));
      grown.set(this.buf.subarray(0, this.have));
      this.buf = grown;
    }
    this.buf.set(bytes, this.have);
    this.have = need;
  }
}

/** SIGN_REQUEST flags for a signature algorithm: the RSA hash to use (§3.6.1), 0 for every other key. */
export function agentSignFlags(signatureAlgorithm: string): number {
  if (signatureAlgorithm === 'rsa-sha2-256') return AGENT_SIGN_FLAGS.RSA_SHA2_256;
  if (signatureAlgorithm === 'rsa-sha2-512') return AGENT_SIGN_FLAGS.RSA_SHA2_512;
  return 0;
}
