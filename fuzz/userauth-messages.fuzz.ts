/**
 * Fuzzing the user-authentication message decoders (RFC 4252, RFC 4256,
 * PROTOCOL §2.5): any bytes give a message or a WireError; what decodes
 * re-encodes to bytes that decode to the same message (not always the same
 * bytes: any non-zero boolean byte is TRUE, RFC 4251 §5); and every
 * encodable message decodes back to itself.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { WireError } from '../src/wire/errors.ts';
import {
  PUBLICKEY_HOSTBOUND,
  decodeUserauthBanner,
  decodeUserauthFailure,
  decodeUserauthInfoRequest,
  decodeUserauthInfoResponse,
  decodeUserauthPasswdChangereq,
  decodeUserauthPkOk,
  decodeUserauthRequest,
  decodeUserauthSuccess,
  encodeUserauthBanner,
  encodeUserauthFailure,
  encodeUserauthInfoRequest,
  encodeUserauthInfoResponse,
  encodeUserauthPasswdChangereq,
  encodeUserauthPkOk,
  encodeUserauthRequest,
  encodeUserauthSuccess,
  type UserauthRequest,
} from '../src/auth/userauth-messages.ts';
import { check, concat, ensureBytes, outcome, sshString, timeoutFor, u32 } from './fuzz-config.ts';

/** Decoder and its encoder, by name. */
const CODECS: Record<string, { decode: (b: Uint8Array) => unknown; encode: (m: never) => Uint8Array; type: number }> = {
  request: { decode: decodeUserauthRequest, encode: encodeUserauthRequest, type: 50 },
  failure: { decode: decodeUserauthFailure, encode: encodeUserauthFailure, type: 51 },
  success: { decode: decodeUserauthSuccess, encode: encodeUserauthSuccess, type: 52 },
  banner: { decode: decodeUserauthBanner, encode: encodeUserauthBanner, type: 53 },
  pkOk: { decode: decodeUserauthPkOk, encode: encodeUserauthPkOk, type: 60 },
  changereq: { decode: decodeUserauthPasswdChangereq, encode: encodeUserauthPasswdChangereq, type: 60 },
  infoRequest: { decode: decodeUserauthInfoRequest, encode: encodeUserauthInfoRequest, type: 60 },
  infoResponse: { decode: decodeUserauthInfoResponse, encode: encodeUserauthInfoResponse, type: 61 },
};

const fieldArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.constantFrom('none', 'publickey', 'password', 'keyboard-interactive', PUBLICKEY_HOSTBOUND, 'ssh-connection', 'a,b', 'é').map(sshString),
  fc.uint8Array({ maxLength: 20 }).map(sshString),
  fc.constantFrom(0, 1, 2, 100, 101, 0xffffffff).map(u32),
  fc.constantFrom(Uint8Array.of(0), Uint8Array.of(1), Uint8Array.of(0xff)),
);

/** A message number (usually the right one) followed by SSH-like fields. */
const payloadArb = (type: number): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.oneof({ weight: 9, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.nat({ max: 255 }) }), fc.array(fieldArb, { maxLength: 10 }))
    .map(([t, fields]) => concat([Uint8Array.of(t), ...fields]));

describe('fuzz: userauth message decoders', () => {
  for (const [name, codec] of Object.entries(CODECS)) {
    test(
      `${name}: a message or a WireError; decoded messages survive re-encoding`,
      () => {
        check(
          fc.property(payloadArb(codec.type), (payload) => {
            const res = outcome([WireError], () => codec.decode(payload), name);
            if (!res.ok) return;
            // INFO_REQUEST/RESPONSE encoders refuse more than MAX_KBD_PROMPTS, which the decoders never return.
            const again = name === 'success' ? encodeUserauthSuccess() : codec.encode(res.value as never);
            expect(codec.decode(again)).toEqual(res.value);
            if (again.length !== payload.length) throw new Error(`${name} re-encoded to ${again.length} bytes, from ${payload.length}`);
          }),
        );
      },
      timeoutFor(),
    );
  }

  const text = fc.string({ maxLength: 12 });
  const blob = fc.uint8Array({ maxLength: 16 });
  const head = { username: text, service: fc.constantFrom('ssh-connection', 'x') };
  const requestArb: fc.Arbitrary<UserauthRequest> = fc.oneof(
    fc.record({ ...head, method: fc.constant('none' as const) }),
    fc.record({ ...head, method: fc.constant('publickey' as const), algorithm: fc.constantFrom('ssh-ed25519', 'rsa-sha2-512'), publicKey: blob, signature: blob }, { requiredKeys: ['username', 'service', 'method', 'algorithm', 'publicKey'] }),
    fc.record(
      { ...head, method: fc.constant(PUBLICKEY_HOSTBOUND), algorithm: fc.constant('ssh-ed25519'), publicKey: blob, hostKey: blob, signature: blob },
      { requiredKeys: ['username', 'service', 'method', 'algorithm', 'publicKey', 'hostKey'] },
    ),
    fc.record({ ...head, method: fc.constant('password' as const), password: text, newPassword: text }, { requiredKeys: ['username', 'service', 'method', 'password'] }),
    fc.record({ ...head, method: fc.constant('keyboard-interactive' as const), language: fc.constant(''), submethods: text }),
    fc.record({ ...head, method: fc.constant('other' as const), name: fc.constantFrom('hostbased', 'gssapi-with-mic'), data: blob }),
  );

  test(
    'every request decodes back to itself',
    () => {
      check(
        fc.property(requestArb, (req) => {
          const back = decodeUserauthRequest(encodeUserauthRequest(req));
          ensureBytes(encodeUserauthRequest(back), encodeUserauthRequest(req), 'request round trip');
          expect(back).toEqual(req);
        }),
      );
    },
    timeoutFor(),
  );
});
