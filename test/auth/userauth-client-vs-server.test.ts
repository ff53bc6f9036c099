/**
 * hopssh's userauth client against hopssh's userauth server (serveUserAuth),
 * in memory: keyboard-interactive rounds (the method sshd cannot do without
 * PAM in the interop suite), publickey-hostbound, a user certificate, a
 * password change, AuthenticationMethods, and MaxAuthTries ending the
 * connection.
 */
import { describe, expect, test, vi } from 'vitest';
import { transportPair, type PairOptions } from '../helpers/transport-pair.ts';
import { nobleAsymmetric } from '../../src/crypto/providers/noble-asymmetric.ts';
import { runtimeAsymmetric } from '../../src/crypto/providers/runtime-asymmetric.ts';
import { signTestCertificate } from '../helpers/test-certificates.ts';
import { authenticateClient } from '../../src/auth/userauth-client.ts';
import { serveUserAuth, type UserAuthServerOptions } from '../../src/auth/userauth-server.ts';
import { CertifiedSigningKey } from '../../src/auth/certified-key.ts';
import { AuthenticationError } from '../../src/auth/errors.ts';
import type { Credential } from '../../src/auth/credentials.ts';
import { DisconnectError } from '../../src/transport/errors.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';

const USER = 'carol';
const key = generateSigningKey('ssh-ed25519');
const ca = generateSigningKey('ecdsa-sha2-nistp256');

async function run(server: Partial<UserAuthServerOptions>, credentials: Credential[], onPasswordChange?: (p: string) => string | undefined, pair: PairOptions = {}) {
  const { client, server: srv } = transportPair(pair);
  const served = serveUserAuth(srv, { failureDelayMs: 0, ...server });
  served.catch(() => undefined);
  await client.ready;
  try {
    const res = await authenticateClient(client, { username: USER, credentials, onPasswordChange });
    return { res, served: await served, client };
  } finally {
    client.close();
    srv.close();
  }
}

describe('userauth client against serveUserAuth', () => {
  test('keyboard-interactive: several rounds, one without prompts', async () => {
    const seen: string[] = [];
    const { res, served } = await run(
      {
        keyboardInteractive: async (_u, _ctx, dialogue) => {
          await dialogue.ask({ name: 'Notice', instruction: 'read this', prompts: [] });
          const [pw, otp] = await dialogue.ask({ prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'OTP: ', echo: true }] });
          return pw === 'pw' && otp === '123456';
        },
      },
      [
        {
          type: 'keyboard-interactive',
          respond: (_n, _i, prompts) => prompts.map((p) => (seen.push(p.prompt), p.prompt === 'OTP: ' ? '123456' : 'pw')),
          onInstruction: (n, i) => seen.push(`${n}: ${i}`),
        },
      ],
    );
    expect(res.methods).toEqual(['keyboard-interactive']);
    expect(served.methods).toEqual(['keyboard-interactive']);
    expect(seen).toEqual(['Notice: read this', 'Password: ', 'OTP: ']);
  });

  test('publickey-hostbound with a key the server accepts', async () => {
    const attempts: string[] = [];
    const { res } = await run({ publicKey: (ctx) => constantTimeEqual(ctx.keyBlob, key.publicBlob), onAttempt: (a) => attempts.push(`${a.method} ${a.outcome}`) }, [{ type: 'publickey', key }]);
    expect(res.methods).toEqual(['publickey']);
    expect(res.attempted.at(-1)).toMatch(/^publickey-hostbound-v00@openssh.com ssh-ed25519 /);
    // An in-process key signs at once: no query, so no key-ok.
    expect(attempts).toEqual(['none failure', 'publickey success']);
  });

  test('a user certificate signed by a trusted CA', async () => {
    const cert = new CertifiedSigningKey(key, signTestCertificate(ca, key.publicBlob, { kind: 'user', principals: [USER] }));
    const { served } = await run({ trustedUserCAKeys: [ca.publicBlob] }, [{ type: 'publickey', key: cert }]);
    expect(served.certificate?.keyId).toBe('hopssh-test');
  });

  test("crypto: 'noble' on the server: the user's signature and the certificate's CA signature are verified by noble", async () => {
    const spies = {
      nobleEd: vi.spyOn(nobleAsymmetric, 'ed25519Verify'),
      nobleEcdsa: vi.spyOn(nobleAsymmetric, 'ecdsaVerify'),
      runtimeEd: vi.spyOn(runtimeAsymmetric, 'ed25519Verify'),
      runtimeEcdsa: vi.spyOn(runtimeAsymmetric, 'ecdsaVerify'),
    };
    try {
      const cert = new CertifiedSigningKey(key, signTestCertificate(ca, key.publicBlob, { kind: 'user', principals: [USER] }));
      const { served } = await run({ trustedUserCAKeys: [ca.publicBlob] }, [{ type: 'publickey', key: cert }], undefined, { server: { crypto: 'noble' }, client: { crypto: 'runtime' } });
      expect(served.certificate?.keyId).toBe('hopssh-test');
      const userKey = key.publicBlob.subarray(-32);
      const withUserKey = (calls: unknown[][]) => calls.filter((c) => constantTimeEqual(c[0] as Uint8Array, userKey)).length;
      expect(withUserKey(spies.nobleEd.mock.calls), "the user's signature, by noble").toBe(1);
      expect(withUserKey(spies.runtimeEd.mock.calls), 'not by the runtime').toBe(0);
      expect(spies.nobleEcdsa.mock.calls.length, "the CA's signature, by noble").toBeGreaterThan(0);
      expect(spies.runtimeEcdsa.mock.calls.length).toBe(0);
      // The client ('runtime') checked the server's host key signature on node:crypto.
      expect(spies.runtimeEd.mock.calls.length).toBeGreaterThan(0);
    } finally {
      for (const s of Object.values(spies)) s.mockRestore();
    }
  });

  test('a password change (RFC 4252 §8)', async () => {
    const { res } = await run({ password: (_u, pw, ctx) => (ctx.newPassword === undefined ? (pw === 'old' ? 'change-required' : false) : ctx.newPassword === 'new') }, [{ type: 'password', password: 'old' }], () => 'new');
    expect(res.attempted).toEqual(['none', 'password', 'password change']);
  });

  test('AuthenticationMethods publickey,keyboard-interactive: partial success then the second method', async () => {
    const { res, served } = await run(
      {
        publicKey: () => true,
        keyboardInteractive: async (_u, _c, d) => (await d.ask({ prompts: [{ prompt: 'Code: ', echo: true }] }))[0] === '42',
        authenticationMethods: [['publickey', 'keyboard-interactive']],
      },
      [
        { type: 'keyboard-interactive', respond: () => ['42'] },
        { type: 'publickey', key },
      ],
    );
    expect(res.methods).toEqual(['publickey', 'keyboard-interactive']);
    expect(served.methods).toEqual(['publickey', 'keyboard-interactive']);
  });

  test('refused everywhere: AuthenticationError', async () => {
    const err = await run({ password: () => false }, [{ type: 'password', password: 'x' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).methodsLeft).toEqual(['password']);
  });

  test('more keys than MaxAuthTries: the server disconnects, the client rejects with its DisconnectError', async () => {
    const keys: Credential[] = Array.from({ length: 4 }, () => ({ type: 'publickey', key: generateSigningKey('ssh-ed25519') }));
    const err = await run({ publicKey: () => false, maxAuthTries: 3 }, keys).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisconnectError);
    expect((err as Error).message).toMatch(/Too many authentication failures/);
  });
});


