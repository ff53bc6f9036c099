import { describe, expect, test } from 'vitest';
import { WireError } from '../../src/wire/errors.ts';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import {
  MAX_KBD_PROMPTS,
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
  publickeySignedData,
  type UserauthRequest,
} from '../../src/auth/userauth-messages.ts';

const head = { username: 'alice', service: 'ssh-connection' };
const blob = Uint8Array.of(0, 0, 0, 3, 0x61, 0x62, 0x63);

const requests: UserauthRequest[] = [
  { ...head, method: 'none' },
  { ...head, method: 'publickey', algorithm: 'ssh-ed25519', publicKey: blob },
  { ...head, method: 'publickey', algorithm: 'rsa-sha2-512', publicKey: blob, signature: Uint8Array.of(9, 8, 7) },
  { ...head, method: PUBLICKEY_HOSTBOUND, algorithm: 'ssh-ed25519', publicKey: blob, hostKey: Uint8Array.of(1, 2) },
  { ...head, method: PUBLICKEY_HOSTBOUND, algorithm: 'ssh-ed25519', publicKey: blob, hostKey: Uint8Array.of(1, 2), signature: Uint8Array.of(3) },
  { ...head, method: 'password', password: 'pässword' },
  { ...head, method: 'password', password: 'old', newPassword: 'new' },
  { ...head, method: 'keyboard-interactive', language: '', submethods: '' },
  { ...head, method: 'other', name: 'hostbased', data: Uint8Array.of(0, 0, 0, 1, 0x78) },
];

describe('USERAUTH_REQUEST (RFC 4252 §5)', () => {
  test.each(requests.map((r) => [r.method, r] as const))('%s round-trips', (_, req) => {
    const bytes = encodeUserauthRequest(req);
    expect(decodeUserauthRequest(bytes)).toEqual(req);
  });

  test('exact bytes of a password request', () => {
    const bytes = encodeUserauthRequest({ username: 'u', service: 's', method: 'password', password: 'p' });
    // 50, "u", "s", "password", FALSE, "p"
    expect(toHex(bytes)).toBe('32' + '0000000175' + '0000000173' + '0000000870617373776f7264' + '00' + '0000000170');
  });

  test('trailing bytes, truncation and a wrong number are refused', () => {
    for (const req of requests) {
      const bytes = encodeUserauthRequest(req);
      if (req.method === 'other') continue; // its method-specific bytes are opaque
      expect(() => decodeUserauthRequest(Uint8Array.of(...bytes, 0))).toThrow(WireError);
      expect(() => decodeUserauthRequest(bytes.subarray(0, bytes.length - 1))).toThrow(WireError);
    }
    expect(() => decodeUserauthRequest(Uint8Array.of(51))).toThrow(WireError);
  });

  test('a user name that is not UTF-8 is refused', () => {
    const bytes = fromHex('32' + '00000001ff' + '0000000173' + '000000046e6f6e65');
    expect(() => decodeUserauthRequest(bytes)).toThrow(/UTF-8/);
  });

  test('known methods cannot be smuggled as "other"', () => {
    expect(() => encodeUserauthRequest({ ...head, method: 'other', name: 'password', data: new Uint8Array() })).toThrow(TypeError);
  });
});

describe('signed data', () => {
  const sid = Uint8Array.of(0xaa, 0xbb);
  test('publickey: string(session id) then the request with TRUE and no signature (RFC 4252 §7)', () => {
    const req = { ...head, method: 'publickey' as const, algorithm: 'ssh-ed25519', publicKey: blob };
    const data = publickeySignedData(sid, { ...req, signature: Uint8Array.of(1) } as never);
    const query = encodeUserauthRequest(req);
    const expected = Uint8Array.of(0, 0, 0, 2, 0xaa, 0xbb, ...query);
    const flag = 6 + 1 + 4 + 5 + 4 + 14 + 4 + 9; // where the boolean sits
    expected[flag] = 1;
    expect(toHex(data)).toBe(toHex(expected));
  });

  test('hostbound: the server host key follows the public key (PROTOCOL §2.5)', () => {
    const hostKey = Uint8Array.of(7, 7, 7);
    const data = publickeySignedData(sid, { ...head, method: PUBLICKEY_HOSTBOUND, algorithm: 'ssh-ed25519', publicKey: blob, hostKey });
    const signed = encodeUserauthRequest({ ...head, method: PUBLICKEY_HOSTBOUND, algorithm: 'ssh-ed25519', publicKey: blob, hostKey, signature: new Uint8Array(0) });
    // The signed request minus its (empty) signature field equals the data minus string(session id).
    expect(toHex(data.subarray(6))).toBe(toHex(signed.subarray(0, signed.length - 4)));
  });
});

describe('server messages', () => {
  test('FAILURE', () => {
    const f = { methods: ['publickey', 'password'], partialSuccess: true };
    expect(decodeUserauthFailure(encodeUserauthFailure(f))).toEqual(f);
    expect(decodeUserauthFailure(encodeUserauthFailure({ methods: [], partialSuccess: false }))).toEqual({ methods: [], partialSuccess: false });
    expect(() => decodeUserauthFailure(fromHex('33' + '00000003612c2c' + '00'))).toThrow(WireError);
  });

  test('SUCCESS is one byte', () => {
    expect(() => decodeUserauthSuccess(encodeUserauthSuccess())).not.toThrow();
    expect(() => decodeUserauthSuccess(Uint8Array.of(52, 0))).toThrow(WireError);
  });

  test('BANNER', () => {
    const b = { message: 'Welcome ☺\r\n', language: 'en' };
    expect(decodeUserauthBanner(encodeUserauthBanner(b))).toEqual(b);
  });

  test('PK_OK, PASSWD_CHANGEREQ share number 60', () => {
    const pk = { algorithm: 'rsa-sha2-256', publicKey: blob };
    expect(decodeUserauthPkOk(encodeUserauthPkOk(pk))).toEqual(pk);
    const ch = { prompt: 'Password expired', language: '' };
    expect(decodeUserauthPasswdChangereq(encodeUserauthPasswdChangereq(ch))).toEqual(ch);
  });

  test('INFO_REQUEST and INFO_RESPONSE (RFC 4256 §3.2, §3.4)', () => {
    const req = { name: 'n', instruction: 'i', language: '', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] };
    expect(decodeUserauthInfoRequest(encodeUserauthInfoRequest(req))).toEqual(req);
    const res = { responses: ['a', 'ü'] };
    expect(decodeUserauthInfoResponse(encodeUserauthInfoResponse(res))).toEqual(res);
  });

  test('prompt counts are bounded before anything is allocated', () => {
    expect(() => decodeUserauthInfoRequest(fromHex('3c' + '00000000'.repeat(3) + 'ffffffff'))).toThrow(/more than/);
    expect(() => decodeUserauthInfoResponse(fromHex('3d' + '00000065'))).toThrow(/more than/);
    expect(() => encodeUserauthInfoResponse({ responses: new Array<string>(MAX_KBD_PROMPTS + 1).fill('') })).toThrow(RangeError);
  });

  test('decoded byte fields are copies, not views of the payload', () => {
    const bytes = encodeUserauthPkOk({ algorithm: 'ssh-ed25519', publicKey: blob });
    const m = decodeUserauthPkOk(bytes);
    bytes.fill(0);
    expect(m.publicKey).toEqual(blob);
  });
});
