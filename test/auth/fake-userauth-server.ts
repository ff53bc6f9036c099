/**
 * A small user-authentication server for in-memory tests of the client
 * (RFC 4252, RFC 4256, PROTOCOL §2.5), written against the message codecs:
 * keys, a password (with an optional forced change), keyboard-interactive
 * rounds, AuthenticationMethods-like chains and a banner. It records every
 * request it decoded.
 */
import type { ServerTransport } from '../../src/transport/transport.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import {
  PUBLICKEY_HOSTBOUND,
  decodeUserauthInfoResponse,
  decodeUserauthRequest,
  encodeUserauthBanner,
  encodeUserauthFailure,
  encodeUserauthInfoRequest,
  encodeUserauthPasswdChangereq,
  encodeUserauthPkOk,
  encodeUserauthSuccess,
  publickeySignedData,
  type KbdPrompt,
  type UserauthRequest,
} from '../../src/auth/userauth-messages.ts';

export interface KbdRound {
  name?: string;
  instruction?: string;
  prompts: KbdPrompt[];
  answers: string[];
}

export interface FakePolicy {
  username: string;
  /** Accepted public key (or certificate) blobs. */
  keys?: Uint8Array[];
  /** Accepted request algorithms for keys; default any. */
  algorithms?: string[];
  password?: string;
  /** Ask for a change after the right password; the new one must be `newPassword`. */
  passwordChange?: { prompt: string; newPassword: string };
  kbd?: KbdRound[];
  /** Like sshd's AuthenticationMethods; default: each offered method alone. */
  chains?: string[][];
  /** Shown once, before the first answer. Certificates are checked for the signature, never for trust. */
  banner?: string;
}

export interface FakeServer {
  requests: UserauthRequest[];
  /** Methods completed, in order. */
  done: string[];
}

/** Installs the fake on `server`; `hostKey` is the server's host key blob (for hostbound requests). */
export function fakeUserauthServer(server: ServerTransport, policy: FakePolicy, hostKey: Uint8Array): FakeServer {
  const state: FakeServer = { requests: [], done: [] };
  const offered = [
    ...(policy.keys ? ['publickey'] : []),
    ...(policy.password !== undefined ? ['password'] : []),
    ...(policy.kbd ? ['keyboard-interactive'] : []),
  ];
  const chains = policy.chains ?? offered.map((m) => [m]);
  let bannerSent = false;
  let kbdRound = -1;
  let changing = false;

  const canContinue = (): string[] => {
    const out = new Set<string>();
    for (const c of chains) {
      if (!state.done.every((d) => c.includes(d))) continue;
      const next = c.find((m) => !state.done.includes(m));
      if (next) out.add(next);
    }
    return [...out];
  };
  const send = (p: Uint8Array): void => void server.send(p);
  const fail = (): void => send(encodeUserauthFailure({ methods: canContinue(), partialSuccess: false }));
  const succeed = (method: string): void => {
    state.done.push(method);
    if (chains.some((c) => c.every((m) => state.done.includes(m)))) send(encodeUserauthSuccess());
    else send(encodeUserauthFailure({ methods: canContinue(), partialSuccess: true }));
  };
  const sendRound = (): void => {
    const r = policy.kbd![kbdRound]!;
    send(encodeUserauthInfoRequest({ name: r.name ?? '', instruction: r.instruction ?? '', language: '', prompts: r.prompts }));
  };

  server.onMessage = (payload) => {
    if (payload[0] === MSG.USERAUTH_INFO_RESPONSE) {
      const res = decodeUserauthInfoResponse(payload);
      const r = policy.kbd?.[kbdRound];
      if (!r || res.responses.join('\n') !== r.answers.join('\n')) {
        kbdRound = -1;
        return fail();
      }
      if (++kbdRound < policy.kbd!.length) return sendRound();
      kbdRound = -1;
      return succeed('keyboard-interactive');
    }
    const req = decodeUserauthRequest(payload);
    state.requests.push(req);
    if (policy.banner !== undefined && !bannerSent) {
      bannerSent = true;
      send(encodeUserauthBanner({ message: policy.banner, language: '' }));
    }
    const method = req.method === PUBLICKEY_HOSTBOUND ? 'publickey' : req.method;
    if (req.username !== policy.username || !canContinue().includes(method)) return fail();
    switch (req.method) {
      case 'publickey':
      case PUBLICKEY_HOSTBOUND: {
        const known = policy.keys?.some((k) => constantTimeEqual(k, req.publicKey)) ?? false;
        const algOk = policy.algorithms?.includes(req.algorithm) ?? true;
        if (!known || !algOk) return fail();
        if (req.method === PUBLICKEY_HOSTBOUND && !constantTimeEqual(req.hostKey, hostKey)) return fail();
        if (req.signature === undefined) return send(encodeUserauthPkOk({ algorithm: req.algorithm, publicKey: req.publicKey }));
        const data = publickeySignedData(server.sessionId!, req);
        return verifySignature(req.algorithm, req.publicKey, req.signature, data) ? succeed('publickey') : fail();
      }
      case 'password': {
        if (req.newPassword !== undefined) {
          if (!changing || req.password !== policy.password) return fail();
          if (req.newPassword !== policy.passwordChange!.newPassword) return send(encodeUserauthPasswdChangereq({ prompt: 'try another', language: '' }));
          changing = false;
          return succeed('password');
        }
        if (req.password !== policy.password) return fail();
        if (policy.passwordChange) {
          changing = true;
          return send(encodeUserauthPasswdChangereq({ prompt: policy.passwordChange.prompt, language: '' }));
        }
        return succeed('password');
      }
      case 'keyboard-interactive':
        kbdRound = 0;
        return sendRound();
      default:
        return fail();
    }
  };
  return state;
}
