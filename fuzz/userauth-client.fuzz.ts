/**
 * State-machine fuzzing of the user-authentication client (RFC 4252,
 * RFC 4256): authenticateClient over a real in-memory transport pair whose
 * server side answers each client message with the next group of an
 * arbitrary script — well-formed FAILURE/SUCCESS/BANNER/PK_OK/
 * PASSWD_CHANGEREQ/INFO_REQUEST messages (PK_OK sometimes echoing the
 * client's query, so signing is reached), malformed ones, and stray message
 * numbers — and pushes the next group on its own when the client goes quiet.
 * When the script ends the server closes.
 *
 * Whatever it receives, the client must settle with a result or a typed
 * error (never hang, never throw an untyped error), every message it sends
 * must decode, and after a result the transport must be authenticated and
 * its previous message handler back in place.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { transportPair } from '../test/helpers/transport-pair.ts';
import type { ServerTransport } from '../src/transport/transport.ts';
import { ConnectionClosedError, ProtocolError } from '../src/transport/errors.ts';
import { WireError } from '../src/wire/errors.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import { authenticateClient } from '../src/auth/userauth-client.ts';
import { AgentError, AuthenticationError } from '../src/auth/errors.ts';
import type { Credential } from '../src/auth/credentials.ts';
import {
  decodeUserauthInfoResponse,
  decodeUserauthRequest,
  encodeUserauthBanner,
  encodeUserauthFailure,
  encodeUserauthInfoRequest,
  encodeUserauthPasswdChangereq,
  encodeUserauthPkOk,
  encodeUserauthSuccess,
  type UserauthRequest,
} from '../src/auth/userauth-messages.ts';
import { checkAsync, concat, ensure, FuzzFailure, outcomeAsync, printStats, stat, watchStrayErrors, timeoutFor, type ErrorClass } from './fuzz-config.ts';

/** What authenticateClient may reject with when the server misbehaves. */
const ALLOWED: ErrorClass[] = [AuthenticationError, ProtocolError, WireError, ConnectionClosedError];

const strays = watchStrayErrors();
afterAll(() => printStats());

const KEY = generateSigningKey('ssh-ed25519');
const OTHER = generateSigningKey('ecdsa-sha2-nistp256');

// ------------------------------------------------------------------ script

type Item =
  | { kind: 'plausible'; choice: number }
  | { kind: 'failure'; methods: string[]; partial: boolean }
  | { kind: 'success'; trailing: boolean }
  | { kind: 'banner'; text: string }
  | { kind: 'pk-ok-echo' }
  | { kind: 'pk-ok'; algorithm: string; other: boolean }
  | { kind: 'change'; prompt: string }
  | { kind: 'info'; prompts: number; name: string }
  | { kind: 'raw'; type: number; body: Uint8Array };

const methodArb = fc.constantFrom('publickey', 'password', 'keyboard-interactive', 'none', 'hostbased', 'gssapi-with-mic');

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('plausible' as const), choice: fc.nat({ max: 99 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('failure' as const), methods: fc.uniqueArray(methodArb, { maxLength: 4 }), partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('success' as const), trailing: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('banner' as const), text: fc.string({ maxLength: 20 }) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'pk-ok-echo' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pk-ok' as const), algorithm: fc.constantFrom('ssh-ed25519', 'ecdsa-sha2-nistp256', 'x'), other: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), prompt: fc.string({ maxLength: 10 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('info' as const), prompts: fc.nat({ max: 3 }), name: fc.string({ maxLength: 5 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      type: fc.oneof(fc.integer({ min: 50, max: 79 }), fc.constantFrom(60, 61, 80, 90, 94, 97, 192, 255)),
      body: fc.uint8Array({ maxLength: 24 }),
    }),
  },
);

const scriptArb = fc.array(fc.array(itemArb, { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 14 });

/** How the client's callbacks behave in one run. */
const behaviourArb = fc.record({
  credentials: fc.subarray(['key', 'other', 'agent-ok', 'agent-refuses', 'agent-garbage', 'password', 'password-cb', 'kbd'] as const),
  passwordAnswer: fc.constantFrom('pw', undefined),
  newPassword: fc.constantFrom('new', undefined),
  hostbound: fc.boolean(),
});

const ALL_METHODS = ['publickey', 'keyboard-interactive', 'password'];

/** An answer that fits the client's last message, so runs get deep: a choice among the replies a server could give. */
function plausible(choice: number, last: UserauthRequest | 'info-response' | undefined): Uint8Array {
  const fail = (partial: boolean) => encodeUserauthFailure({ methods: ALL_METHODS.filter((_, i) => (choice >> i) & 1 || i === 2), partialSuccess: partial });
  if (last === undefined || last === 'info-response') {
    if (choice < 40) return encodeUserauthInfoRequest({ name: '', instruction: '', language: '', prompts: choice % 3 === 0 ? [] : [{ prompt: 'x', echo: false }] });
    return choice < 90 ? fail(choice < 50) : encodeUserauthSuccess();
  }
  switch (last.method) {
    case 'none':
      return fail(false);
    case 'publickey':
    case 'publickey-hostbound-v00@openssh.com':
      if (last.signature === undefined && choice < 70) return encodeUserauthPkOk({ algorithm: last.algorithm, publicKey: last.publicKey });
      return choice < 90 ? fail(choice % 2 === 0) : encodeUserauthSuccess();
    case 'password':
      if (choice < 30) return encodeUserauthPasswdChangereq({ prompt: 'change', language: '' });
      return choice < 90 ? fail(choice % 2 === 0) : encodeUserauthSuccess();
    case 'keyboard-interactive':
      return choice < 80 ? encodeUserauthInfoRequest({ name: 'n', instruction: 'i', language: '', prompts: [{ prompt: 'a', echo: true }] }) : fail(false);
    default:
      return fail(false);
  }
}

function encodeItem(item: Item, last: UserauthRequest | 'info-response' | undefined): Uint8Array {
  const lastRequest = last === 'info-response' ? undefined : last;
  switch (item.kind) {
    case 'plausible':
      return plausible(item.choice, last);
    case 'failure':
      return encodeUserauthFailure({ methods: item.methods, partialSuccess: item.partial });
    case 'success':
      return item.trailing ? Uint8Array.of(MSG.USERAUTH_SUCCESS, 0) : encodeUserauthSuccess();
    case 'banner':
      return encodeUserauthBanner({ message: item.text, language: '' });
    case 'pk-ok-echo':
      if (lastRequest && (lastRequest.method === 'publickey' || lastRequest.method === 'publickey-hostbound-v00@openssh.com')) {
        return encodeUserauthPkOk({ algorithm: lastRequest.algorithm, publicKey: lastRequest.publicKey });
      }
      return encodeUserauthPkOk({ algorithm: 'ssh-ed25519', publicKey: KEY.publicBlob });
    case 'pk-ok':
      return encodeUserauthPkOk({ algorithm: item.algorithm, publicKey: (item.other ? OTHER : KEY).publicBlob });
    case 'change':
      return encodeUserauthPasswdChangereq({ prompt: item.prompt, language: '' });
    case 'info':
      return encodeUserauthInfoRequest({ name: item.name, instruction: '', language: '', prompts: Array.from({ length: item.prompts }, (_, i) => ({ prompt: `p${i}`, echo: i % 2 === 0 })) });
    case 'raw':
      return concat([Uint8Array.of(item.type), item.body]);
  }
}

/** Drives `server` through the script; counts the client messages (each checked to decode). */
function scriptedServer(server: ServerTransport, script: Item[][]): { sent: () => number } {
  let last: UserauthRequest | 'info-response' | undefined;
  let step = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let count = 0;
  const next = (): void => {
    if (idle) clearTimeout(idle);
    idle = undefined;
    if (!server.isOpen) return;
    const group = script[step++];
    if (group === undefined) return server.close();
    for (const item of group) {
      if (!server.isOpen) return;
      server.send(encodeItem(item, last));
    }
    // A quiet client: push the next group unasked (banners, stray messages).
    idle = setTimeout(next, 3);
  };
  server.onMessage = (payload) => {
    count++;
    // Everything the client sends must be well-formed.
    try {
      if (payload[0] === MSG.USERAUTH_INFO_RESPONSE) {
        decodeUserauthInfoResponse(payload);
        last = 'info-response';
      } else last = decodeUserauthRequest(payload);
    } catch (e) {
      strays.report(new FuzzFailure(`the client sent a malformed message ${payload[0]}: ${(e as Error).message}`));
    }
    next();
  };
  void server.closed.then(() => idle && clearTimeout(idle));
  return { sent: () => count };
}

function credentials(b: { credentials: readonly string[]; passwordAnswer: string | undefined }): Credential[] {
  const out: Credential[] = [];
  for (const c of b.credentials) {
    switch (c) {
      case 'key':
        out.push({ type: 'publickey', key: KEY });
        break;
      case 'other':
        out.push({ type: 'publickey', key: OTHER });
        break;
      case 'agent-ok':
        out.push({ type: 'agent', agent: { sign: async (_blob, data) => KEY.sign('ssh-ed25519', data) }, publicKey: KEY.publicBlob, comment: '' });
        break;
      case 'agent-refuses':
        out.push({ type: 'agent', agent: { sign: () => Promise.reject(new AgentError('sign', 'refused')) }, publicKey: KEY.publicBlob, comment: '' });
        break;
      case 'agent-garbage':
        out.push({ type: 'agent', agent: { sign: async () => Uint8Array.of(1, 2, 3) }, publicKey: OTHER.publicBlob, comment: '' });
        break;
      case 'password':
        out.push({ type: 'password', password: 'pw' });
        break;
      case 'password-cb':
        out.push({ type: 'password', password: () => b.passwordAnswer });
        break;
      case 'kbd':
        out.push({ type: 'keyboard-interactive', respond: (_n, _i, prompts) => prompts.map(() => 'a') });
        break;
    }
  }
  return out;
}

describe('fuzz: userauth client against arbitrary server messages', () => {
  test(
    'a result or a typed error, never a hang; well-formed requests; handler handed back',
    async () => {
      await checkAsync(
        fc.asyncProperty(scriptArb, behaviourArb, async (script, b) => {
          const { client, server } = transportPair();
          try {
            await client.ready;
            const before = (): void => undefined;
            client.onMessage = before;
            const srv = scriptedServer(server, script);
            const res = await outcomeAsync(ALLOWED, () =>
              authenticateClient(client, {
                username: 'u',
                credentials: credentials(b),
                onPasswordChange: () => b.newPassword,
                hostbound: b.hostbound,
                onBanner: () => undefined,
              }),
            );
            stat('userauth client', res.ok ? `result ${res.value.methods.join('+')}` : res.error.name);
            ensure(srv.sent() >= 1, 'the client sent nothing');
            if (res.ok) {
              ensure(client.authenticated, 'success without markAuthenticated()');
              ensure(client.onMessage === before, 'the previous message handler was not restored on success');
            } else {
              ensure(client.onMessage === before || !client.isOpen, 'the previous message handler was not restored on failure');
              if (res.error instanceof ProtocolError || res.error instanceof WireError) ensure(!client.isOpen, `${res.error.name} left the connection open`);
            }
            await strays.assertNone('stray error');
          } finally {
            client.close();
            server.close();
          }
        }),
        0.5,
        60,
      );
    },
    timeoutFor(0.5, 60),
  );
});
