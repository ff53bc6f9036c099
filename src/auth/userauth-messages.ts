/**
 * User-authentication messages (RFC 4252 §5–§8, RFC 4256 §3, OpenSSH
 * PROTOCOL §2.5), declaratively: one encoder and one strict decoder per
 * message. Decoders copy what they return (the payload view is only valid
 * during the transport's callback) and reject trailing bytes.
 *
 * Message number 60 means PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST depending
 * on the method in progress (RFC 4252 §7, §8, RFC 4256 §3.2), so the caller
 * picks the decoder.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';
import { MSG } from '../wire/message-numbers.ts';

/** The method name of OpenSSH's host-bound public-key authentication (PROTOCOL §2.5). */
export const PUBLICKEY_HOSTBOUND = 'publickey-hostbound-v00@openssh.com';

/** Most prompts (or responses) in one keyboard-interactive round; OpenSSH's limit too. */
export const MAX_KBD_PROMPTS = 100;

/** Fields every USERAUTH_REQUEST carries (RFC 4252 §5). */
interface RequestHead {
  /** User name, UTF-8. */
  username: string;
  /** Service to start after authentication, usually "ssh-connection". */
  service: string;
}

/** A publickey request: a query (no signature) or a signed attempt (RFC 4252 §7). */
export interface PublickeyRequest extends RequestHead {
  method: 'publickey';
  /** Signature algorithm, e.g. "rsa-sha2-512" or "ssh-ed25519-cert-v01@openssh.com". */
  algorithm: string;
  /** Public key (or certificate) blob. */
  publicKey: Uint8Array;
  /** Signature blob; absent for a query. */
  signature?: Uint8Array;
}

/** PROTOCOL §2.5: like publickey, but the signed data also binds the server's host key. */
export interface PublickeyHostboundRequest extends RequestHead {
  method: typeof PUBLICKEY_HOSTBOUND;
  algorithm: string;
  publicKey: Uint8Array;
  /** The server host key blob the client saw in the key exchange. */
  hostKey: Uint8Array;
  signature?: Uint8Array;
}

/** RFC 4252 §8: a password, or (with newPassword) a password change. */
export interface PasswordRequest extends RequestHead {
  method: 'password';
  password: string;
  /** Present for the change form (boolean TRUE, old then new password). */
  newPassword?: string;
}

/** RFC 4256 §3.1. */
export interface KeyboardInteractiveRequest extends RequestHead {
  method: 'keyboard-interactive';
  /** Deprecated by RFC 4256 §3.1: sent empty. */
  language: string;
  /** Comma-separated hints; usually empty. */
  submethods: string;
}

/** RFC 4252 §5.2: the "none" method, which asks which methods can continue. */
export interface NoneRequest extends RequestHead {
  method: 'none';
}

/** Any other method (hostbased, gssapi-…): name and the method-specific bytes, undecoded. */
export interface OtherRequest extends RequestHead {
  method: 'other';
  /** The method name as sent. */
  name: string;
  data: Uint8Array;
}

export type UserauthRequest = NoneRequest | PublickeyRequest | PublickeyHostboundRequest | PasswordRequest | KeyboardInteractiveRequest | OtherRequest;

/** Writes the request from the message number up to (not including) a publickey signature. */
function writeRequestBody(w: Writer, req: UserauthRequest, signed: boolean): void {
  w.byte(MSG.USERAUTH_REQUEST).string(req.username).string(req.service);
  switch (req.method) {
    case 'none':
      w.string('none');
      return;
    case 'publickey':
      w.string('publickey').boolean(signed).string(req.algorithm).string(req.publicKey);
      return;
    case PUBLICKEY_HOSTBOUND:
      w.string(PUBLICKEY_HOSTBOUND).boolean(signed).string(req.algorithm).string(req.publicKey).string(req.hostKey);
      return;
    case 'password':
      w.string('password').boolean(req.newPassword !== undefined).string(req.password);
      if (req.newPassword !== undefined) w.string(req.newPassword);
      return;
    case 'keyboard-interactive':
      w.string('keyboard-interactive').string(req.language).string(req.submethods);
      return;
    case 'other':
      if (KNOWN_METHODS.has(req.name)) throw new TypeError(`method ${req.name} has its own request form`);
      w.string(req.name).raw(req.data);
      return;
  }
}

const KNOWN_METHODS = new Set(['none', 'publickey', PUBLICKEY_HOSTBOUND, 'password', 'keyboard-interactive']);

/** SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5). */
export function encodeUserauthRequest(req: UserauthRequest): Uint8Array {
  const w = new Writer(256);
  const signature = req.method === 'publickey' || req.method === PUBLICKEY_HOSTBOUND ? req.signature : undefined;
  writeRequestBody(w, req, signature !== undefined);
  if (signature !== undefined) w.string(signature);
  return w.bytes().slice();
}

/**
 * The bytes a publickey signature covers: string(session id) followed by the
 * request with the boolean TRUE and without the signature (RFC 4252 §7;
 * PROTOCOL §2.5 adds the server host key, which the hostbound request carries).
 */
export function publickeySignedData(sessionId: Uint8Array, req: Omit<PublickeyRequest, 'signature'> | Omit<PublickeyHostboundRequest, 'signature'>): Uint8Array {
  const w = new Writer(512).string(sessionId);
  writeRequestBody(w, req, true);
  return w.bytes().slice();
}

export function decodeUserauthRequest(payload: Uint8Array): UserauthRequest {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_REQUEST');
  expectType(r, MSG.USERAUTH_REQUEST);
  const username = r.text('user name');
  const service = r.ascii('service name');
  const name = r.ascii('method name');
  let req: UserauthRequest;
  switch (name) {
    case 'none':
      req = { method: 'none', username, service };
      break;
    case 'publickey':
    case PUBLICKEY_HOSTBOUND: {
      const signed = r.boolean('has signature');
      const algorithm = r.ascii('public key algorithm name');
      const publicKey = r.string('public key blob').slice();
      req =
        name === 'publickey'
          ? { method: 'publickey', username, service, algorithm, publicKey }
          : { method: PUBLICKEY_HOSTBOUND, username, service, algorithm, publicKey, hostKey: r.string('server host key').slice() };
      if (signed) req.signature = r.string('signature').slice();
      break;
    }
    case 'password': {
      const change = r.boolean('change');
      req = { method: 'password', username, service, password: r.text('password') };
      if (change) req.newPassword = r.text('new password');
      break;
    }
    case 'keyboard-interactive':
      req = { method: 'keyboard-interactive', username, service, language: r.ascii('language tag'), submethods: r.text('submethods') };
      break;
    default:
      req = { method: 'other', username, service, name, data: r.bytes(r.remaining, 'method-specific fields').slice() };
  }
  r.done();
  return req;
}

/** SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1). */
export interface UserauthFailure {
  /** Authentications that can continue. */
  methods: string[];
  /** TRUE when the request succeeded but more authentication is required. */
  partialSuccess: boolean;
}

export function encodeUserauthFailure(f: UserauthFailure): Uint8Array {
  return new Writer(128).byte(MSG.USERAUTH_FAILURE).nameList(f.methods).boolean(f.partialSuccess).bytes().slice();
}

export function decodeUserauthFailure(payload: Uint8Array): UserauthFailure {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_FAILURE');
  expectType(r, MSG.USERAUTH_FAILURE);
  const methods = r.nameList('authentications that can continue');
  const partialSuccess = r.boolean('partial success');
  r.done();
  return { methods, partialSuccess };
}

/** SSH_MSG_USERAUTH_SUCCESS (RFC 4252 §5.1): the message number alone. */
export function encodeUserauthSuccess(): Uint8Array {
  return Uint8Array.of(MSG.USERAUTH_SUCCESS);
}

export function decodeUserauthSuccess(payload: Uint8Array): void {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_SUCCESS');
  expectType(r, MSG.USERAUTH_SUCCESS);
  r.done();
}

/** SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4). */
export interface UserauthBanner {
  /** UTF-8 text; show it after filtering control characters (RFC 4252 §5.4). */
  message: string;
  language: string;
}

export function encodeUserauthBanner(b: UserauthBanner): Uint8Array {
  return new Writer(b.message.length + 16).byte(MSG.USERAUTH_BANNER).string(b.message).string(b.language).bytes().slice();
}

export function decodeUserauthBanner(payload: Uint8Array): UserauthBanner {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_BANNER');
  expectType(r, MSG.USERAUTH_BANNER);
  const message = r.text('message');
  const language = r.ascii('language tag');
  r.done();
  return { message, language };
}

/** SSH_MSG_USERAUTH_PK_OK (RFC 4252 §7): the key in a query is acceptable. */
export interface UserauthPkOk {
  algorithm: string;
  publicKey: Uint8Array;
}

export function encodeUserauthPkOk(m: UserauthPkOk): Uint8Array {
  return new Writer(m.publicKey.length + 64).byte(MSG.USERAUTH_PK_OK).string(m.algorithm).string(m.publicKey).bytes().slice();
}

export function decodeUserauthPkOk(payload: Uint8Array): UserauthPkOk {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_PK_OK');
  expectType(r, MSG.USERAUTH_PK_OK);
  const algorithm = r.ascii('public key algorithm name');
  const publicKey = r.string('public key blob').slice();
  r.done();
  return { algorithm, publicKey };
}

/** SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (RFC 4252 §8). */
export interface UserauthPasswdChangereq {
  prompt: string;
  language: string;
}

export function encodeUserauthPasswdChangereq(m: UserauthPasswdChangereq): Uint8Array {
  return new Writer(m.prompt.length + 16).byte(MSG.USERAUTH_PASSWD_CHANGEREQ).string(m.prompt).string(m.language).bytes().slice();
}

export function decodeUserauthPasswdChangereq(payload: Uint8Array): UserauthPasswdChangereq {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_PASSWD_CHANGEREQ');
  expectType(r, MSG.USERAUTH_PASSWD_CHANGEREQ);
  const prompt = r.text('prompt');
  const language = r.ascii('language tag');
  r.done();
  return { prompt, language };
}

/** One keyboard-interactive prompt (RFC 4256 §3.2). */
export interface KbdPrompt {
  prompt: string;
  /** Whether the answer may be shown as typed. */
  echo: boolean;
}

/** SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2). */
export interface UserauthInfoRequest {
  name: string;
  instruction: string;
  /** Deprecated (RFC 4256 §3.2); usually empty. */
  language: string;
  prompts: KbdPrompt[];
}

export function encodeUserauthInfoRequest(m: UserauthInfoRequest): Uint8Array {
  if (m.prompts.length > MAX_KBD_PROMPTS) throw new RangeError(`at most ${MAX_KBD_PROMPTS} prompts`);
  const w = new Writer(256).byte(MSG.USERAUTH_INFO_REQUEST).string(m.name).string(m.instruction).string(m.language).uint32(m.prompts.length);
  for (const p of m.prompts) w.string(p.prompt).boolean(p.echo);
  return w.bytes().slice();
}

export function decodeUserauthInfoRequest(payload: Uint8Array): UserauthInfoRequest {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_INFO_REQUEST');
  expectType(r, MSG.USERAUTH_INFO_REQUEST);
  const name = r.text('name');
  const instruction = r.text('instruction');
  const language = r.ascii('language tag');
  const n = countOf(r, 'num-prompts');
  const prompts: KbdPrompt[] = [];
  for (let i = 0; i < n; i++) prompts.push({ prompt: r.text('prompt'), echo: r.boolean('echo') });
  r.done();
  return { name, instruction, language, prompts };
}

/** SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4): one answer per prompt, in order. */
export interface UserauthInfoResponse {
  responses: string[];
}

export function encodeUserauthInfoResponse(m: UserauthInfoResponse): Uint8Array {
  if (m.responses.length > MAX_KBD_PROMPTS) throw new RangeError(`at most ${MAX_KBD_PROMPTS} responses`);
  const w = new Writer(128).byte(MSG.USERAUTH_INFO_RESPONSE).uint32(m.responses.length);
  for (const s of m.responses) w.string(s);
  return w.bytes().slice();
}

export function decodeUserauthInfoResponse(payload: Uint8Array): UserauthInfoResponse {
  const r = new Reader(payload, 0, payload.length, 'USERAUTH_INFO_RESPONSE');
  expectType(r, MSG.USERAUTH_INFO_RESPONSE);
  const n = countOf(r, 'num-responses');
  const responses: string[] = [];
  for (let i = 0; i < n; i++) responses.push(r.text('response'));
  r.done();
  return { responses };
}

function expectType(r: Reader, type: number): void {
  const at = r.pos;
  const t = r.byte('message number');
  if (t !== type) throw new WireError(`${r.context}.message number`, at, `is ${t}, expected ${type}`);
}

/** A prompt/response count, bounded by MAX_KBD_PROMPTS. */
function countOf(r: Reader, what: string): number {
  const at = r.pos;
  const n = r.uint32(what);
  if (n > MAX_KBD_PROMPTS) throw new WireError(`${r.context}.${what}`, at, `${n} is more than ${MAX_KBD_PROMPTS}`);
  return n;
}
