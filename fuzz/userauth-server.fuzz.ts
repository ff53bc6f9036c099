/**
 * State-machine fuzzing of the user-authentication server (RFC 4252,
 * RFC 4256): serveUserAuth over a real in-memory transport pair whose client
 * side sends an arbitrary sequence of messages — well-formed requests of
 * every method (publickey queries, correctly and wrongly signed requests,
 * host-bound ones, certificates' worth of junk blobs, passwords, password
 * changes, keyboard-interactive starts and answers with any count), changes
 * of user and service, malformed payloads and stray message numbers — while
 * the decisions answer yes or no, at once or later, and sometimes throw.
 *
 * Whatever arrives, serveUserAuth must settle with a user or a typed error
 * (never hang, never an untyped error), answer only with well-formed
 * messages, count no more failures than MaxAuthTries allows and ask its
 * decisions at most once or twice per request.
 */
import { afterAll, describe, test } from 'vitest';
import fc from 'fast-check';
import { transportPair, hostKey } from '../test/helpers/transport-pair.ts';
import { ConnectionClosedError, DisconnectError, LimitError, ProtocolError } from '../src/transport/errors.ts';
import { WireError } from '../src/wire/errors.ts';
import { MSG } from '../src/wire/message-numbers.ts';
import { toBase64 } from '../src/wire/base64.ts';
import { generateSigningKey } from '../src/crypto/signing-keys.ts';
import type { SigningKey } from '../src/crypto/types.ts';
import { serveUserAuth, type UserAuthServerOptions } from '../src/auth/userauth-server.ts';
import {
  PUBLICKEY_HOSTBOUND,
  decodeUserauthBanner,
  decodeUserauthFailure,
  decodeUserauthInfoRequest,
  decodeUserauthPasswdChangereq,
  decodeUserauthPkOk,
  decodeUserauthSuccess,
  encodeUserauthInfoResponse,
  encodeUserauthRequest,
  publickeySignedData,
  type UserauthRequest,
} from '../src/auth/userauth-messages.ts';
import { checkAsync, concat, ensure, FuzzFailure, outcomeAsync, printStats, stat, watchStrayErrors, timeoutFor, type ErrorClass } from './fuzz-config.ts';

/** What serveUserAuth may reject with; DecisionError is the decisions' own. */
class DecisionError extends Error {
  override name = 'DecisionError';
}
const ALLOWED: ErrorClass[] = [DisconnectError, ProtocolError, WireError, LimitError, ConnectionClosedError, DecisionError];

const strays = watchStrayErrors();
afterAll(() => printStats());

const KEY = generateSigningKey('ssh-ed25519');
const OTHER = generateSigningKey('ecdsa-sha2-nistp256');
const HOST = hostKey('ssh-ed25519');
const AUTHORIZED = `${KEY.type} ${toBase64(KEY.publicBlob)}\nfrom="10.0.0.0/8" ${OTHER.type} ${toBase64(OTHER.publicBlob)}\n`;

// ------------------------------------------------------------------ script

type Item =
  | { kind: 'none'; user: number; service: number }
  | { kind: 'query'; key: number; algorithm: number }
  | { kind: 'signed'; key: number; signer: number; hostbound: number; algorithm: number }
  | { kind: 'junk-key'; blob: Uint8Array; algorithm: number }
  | { kind: 'password'; password: number; change: boolean }
  | { kind: 'kbd'; submethods: string }
  | { kind: 'answers'; count: number }
  /** As many answers as the last INFO_REQUEST had prompts. */
  | { kind: 'fitting-answers' }
  | { kind: 'other-method'; name: string; data: Uint8Array }
  | { kind: 'raw'; type: number; body: Uint8Array }
  | { kind: 'truncated'; cut: number; of: number };

const KEYS: SigningKey[] = [KEY, OTHER];
const ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'ssh-rsa', 'ssh-ed25519-cert-v01@openssh.com', 'x'];
const USERS = ['u', 'u', 'u', 'root'];
const SERVICES = ['ssh-connection', 'ssh-connection', 'ssh-connection', 'other'];
const PASSWORDS = ['pw', 'wrong', '', 'change'];

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('none' as const), user: fc.nat({ max: 3 }), service: fc.nat({ max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const), key: fc.nat({ max: 1 }), algorithm: fc.nat({ max: 5 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('signed' as const), key: fc.nat({ max: 1 }), signer: fc.nat({ max: 1 }), hostbound: fc.nat({ max: 2 }), algorithm: fc.nat({ max: 5 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk-key' as const), blob: fc.uint8Array({ maxLength: 40 }), algorithm: fc.nat({ max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('password' as const), password: fc.nat({ max: 3 }), change: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('kbd' as const), submethods: fc.constantFrom('', 'pam', 'a,b') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('answers' as const), count: fc.nat({ max: 3 }) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'fitting-answers' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-method' as const), name: fc.constantFrom('hostbased', 'gssapi-with-mic', ''), data: fc.uint8Array({ maxLength: 8 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      type: fc.oneof(fc.integer({ min: 50, max: 79 }), fc.constantFrom(50, 61, 80, 90, 94, 192)),
      body: fc.uint8Array({ maxLength: 24 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncated' as const), cut: fc.nat(), of: fc.nat({ max: 3 }) }) },
);

/** Groups of messages; the client sends a group, then waits a little (or not) for answers. */
const scriptArb = fc.array(fc.record({ items: fc.array(itemArb, { minLength: 1, maxLength: 3 }), pause: fc.constantFrom(0, 2, 2) }), { minLength: 1, maxLength: 12 });

/** The server's configuration and how its decisions behave in one run. */
const configArb = fc.record({
  methods: fc.subarray(['publickey', 'password', 'keyboard-interactive', 'none'] as const, { minLength: 1 }),
  chain: fc.boolean(),
  maxAuthTries: fc.integer({ min: 1, max: 7 }),
  banner: fc.boolean(),
  /** Per decision call: yes/no, sync or later, or a throw. */
  verdicts: fc.array(fc.constantFrom('yes', 'no', 'yes-later', 'no-later', 'throw', 'change'), { minLength: 1, maxLength: 8 }),
  kbdRounds: fc.nat({ max: 2 }),
  clientAddress: fc.constantFrom('10.1.2.3', undefined),
});

type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

const USER = 'u';

/** `lastPrompts`: the prompt count of an unanswered INFO_REQUEST, if there is one. */
function request(item: Item, sessionId: Uint8Array, lastPrompts: number | undefined): Uint8Array {
  const head = { username: USER, service: 'ssh-connection' };
  switch (item.kind) {
    case 'none':
      return encodeUserauthRequest({ method: 'none', username: USERS[item.user]!, service: SERVICES[item.service]! });
    case 'query':
      return encodeUserauthRequest({ ...head, method: 'publickey', algorithm: ALGORITHMS[item.algorithm]!, publicKey: KEYS[item.key]!.publicBlob });
    case 'signed': {
      const key = KEYS[item.key]!;
      const algorithm = item.algorithm === 0 ? key.algorithms[0]! : ALGORITHMS[item.algorithm]!;
      const base = { ...head, algorithm, publicKey: key.publicBlob };
      const req: UserauthRequest =
        item.hostbound === 0 ? { ...base, method: 'publickey' } : { ...base, method: PUBLICKEY_HOSTBOUND, hostKey: item.hostbound === 1 ? HOST.publicBlob : OTHER.publicBlob };
      const signer = KEYS[item.signer]!;
      let signature: Uint8Array;
      try {
        signature = signer.sign(signer.algorithms[0]!, publickeySignedData(sessionId, req));
      } catch {
        signature = Uint8Array.of(0, 0, 0, 1, 0x78);
      }
      return encodeUserauthRequest({ ...req, signature } as UserauthRequest);
    }
    case 'junk-key':
      return encodeUserauthRequest({ ...head, method: 'publickey', algorithm: ALGORITHMS[item.algorithm]!, publicKey: item.blob });
    case 'password':
      return encodeUserauthRequest({ ...head, method: 'password', password: PASSWORDS[item.password]!, ...(item.change ? { newPassword: 'new-pw' } : {}) });
    case 'kbd':
      return encodeUserauthRequest({ ...head, method: 'keyboard-interactive', language: '', submethods: item.submethods });
    case 'answers':
      return encodeUserauthInfoResponse({ responses: Array.from({ length: item.count }, (_, i) => `a${i}`) });
    case 'fitting-answers':
      if (lastPrompts === undefined) return encodeUserauthRequest({ ...head, method: 'password', password: 'pw' });
      return encodeUserauthInfoResponse({ responses: Array.from({ length: lastPrompts }, (_, i) => `a${i}`) });
    case 'other-method':
      return item.name === '' ? encodeUserauthRequest({ method: 'none', ...head }) : encodeUserauthRequest({ ...head, method: 'other', name: item.name, data: item.data });
    case 'raw':
      return concat([Uint8Array.of(item.type), item.body]);
    case 'truncated': {
      const full = encodeUserauthRequest({ ...head, method: 'password', password: 'pw' });
      return full.subarray(0, 1 + (item.cut % (full.length - 1)));
    }
  }
}

/** Decisions that follow the verdict list in turn; `calls` counts them. */
function options(c: Config, calls: { n: number }): UserAuthServerOptions {
  let i = 0;
  const verdict = (): Promise<boolean | 'change-required'> | boolean | 'change-required' => {
    calls.n++;
    const v = c.verdicts[i++ % c.verdicts.length]!;
    switch (v) {
      case 'yes':
        return true;
      case 'no':
        return false;
      case 'yes-later':
        return new Promise((r) => setTimeout(() => r(true), 1));
      case 'no-later':
        return new Promise((r) => setTimeout(() => r(false), 1));
      case 'change':
        return 'change-required';
      case 'throw':
        throw new DecisionError('decision failed');
    }
  };
  const bool = async (): Promise<boolean> => (await verdict()) === true;
  const o: UserAuthServerOptions = {
    maxAuthTries: c.maxAuthTries,
    failureDelayMs: 0,
    loginGraceTimeMs: 0,
    clientAddress: c.clientAddress,
    ...(c.banner ? { banner: 'banner\r\n' } : {}),
  };
  for (const m of c.methods) {
    if (m === 'publickey') {
      o.authorizedKeys = () => AUTHORIZED;
      o.publicKey = () => bool();
    } else if (m === 'password') {
      o.password = () => verdict();
    } else if (m === 'none') {
      o.none = () => bool();
    } else {
      o.keyboardInteractive = async (_u, _ctx, dialogue) => {
        for (let r = 0; r < c.kbdRounds; r++) await dialogue.ask({ prompts: Array.from({ length: r + 1 }, (_, k) => ({ prompt: `p${k}`, echo: false })) });
        return bool();
      };
    }
  }
  const configured = c.methods.filter((m) => m !== 'none');
  if (c.chain && configured.length >= 2) o.authenticationMethods = [configured.slice(0, 2), [configured[0]!]];
  return o;
}

/** Every server message must be a well-formed userauth answer. */
function checkServerMessage(p: Uint8Array): string {
  switch (p[0]) {
    case MSG.USERAUTH_FAILURE:
      decodeUserauthFailure(p);
      return 'failure';
    case MSG.USERAUTH_SUCCESS:
      decodeUserauthSuccess(p);
      return 'success';
    case MSG.USERAUTH_BANNER:
      decodeUserauthBanner(p);
      return 'banner';
    case 60:
      for (const d of [decodeUserauthPkOk, decodeUserauthPasswdChangereq, decodeUserauthInfoRequest]) {
        try {
          d(p);
          return '60';
        } catch {
          // try the next reading of message 60
        }
      }
      throw new FuzzFailure('message 60 that is neither PK_OK, PASSWD_CHANGEREQ nor INFO_REQUEST');
    default:
      throw new FuzzFailure(`the server sent message ${p[0]} during authentication`);
  }
}

describe('fuzz: userauth server against arbitrary client messages', () => {
  test(
    'a user or a typed error, never a hang; well-formed answers; failures bounded by MaxAuthTries',
    async () => {
      await checkAsync(
        fc.asyncProperty(scriptArb, configArb, async (script, config) => {
          const { client, server } = transportPair();
          try {
            const calls = { n: 0 };
            let failures = 0;
            let successes = 0;
            const answers: string[] = [];
            let lastPrompts: number | undefined;
            const opts = options(config, calls);
            let refusals = 0;
            const result = serveUserAuth(server, {
              ...opts,
              onAttempt: (a) => {
                failures = Math.max(failures, a.failures);
                if (a.outcome === 'failure' || a.outcome === 'change-required') refusals++;
              },
            });
            result.catch(() => undefined);
            await client.requestService('ssh-userauth');
            client.onMessage = (p) => {
              try {
                const kind = checkServerMessage(p);
                answers.push(kind);
                if (kind === '60') {
                  try {
                    lastPrompts = decodeUserauthInfoRequest(p).prompts.length;
                  } catch {
                    // PK_OK or PASSWD_CHANGEREQ
                  }
                }
                if (kind === 'success') successes++;
              } catch (e) {
                strays.report(e instanceof FuzzFailure ? e : new FuzzFailure(`malformed answer ${p[0]}: ${(e as Error).message}`));
              }
            };
            let sent = 0;
            for (const group of script) {
              for (const item of group.items) {
                if (!client.isOpen) break;
                client.send(request(item, client.sessionId!, lastPrompts));
                if (item.kind !== 'raw') lastPrompts = undefined;
                sent++;
              }
              if (group.pause) await new Promise((r) => setTimeout(r, group.pause));
            }
            // Let the server answer what it can, then leave.
            await new Promise((r) => setTimeout(r, 5));
            client.close();
            const res = await outcomeAsync(ALLOWED, () => result, 'serveUserAuth');
            stat('userauth server', res.ok ? `user ${res.value.methods.join('+')}` : res.error.name);
            ensure(failures <= config.maxAuthTries, `${failures} failures with maxAuthTries ${config.maxAuthTries}`);
            // Only a first "none" goes uncounted.
            ensure(refusals <= config.maxAuthTries + 1, `${refusals} refusals with maxAuthTries ${config.maxAuthTries}`);
            ensure(calls.n <= 2 * sent, `${calls.n} decision calls for ${sent} messages`);
            ensure(successes <= 1, 'more than one USERAUTH_SUCCESS');
            if (res.ok) {
              ensure(server.authenticated, 'a user without markAuthenticated()');
              ensure(successes === 1 || !client.isOpen, 'a user without USERAUTH_SUCCESS');
            } else {
              ensure(!server.isOpen, `${res.error.name} left the connection open`);
              ensure(!server.authenticated, 'rejected, yet marked authenticated');
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
