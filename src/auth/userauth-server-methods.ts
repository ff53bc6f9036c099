/**
 * What the userauth server decides for each method's request: "none"
 * (RFC 4252 §5.2), publickey and its host-bound form (RFC 4252 §7, OpenSSH
 * PROTOCOL §2.5) and password (RFC 4252 §8). Keyboard-interactive is a
 * conversation and lives with the message flow in userauth-server.ts.
 */
import type { PublicKey } from '../crypto/public-key.ts';
import { parsePublicKey, publicKeyType } from '../crypto/public-key.ts';
import { isCertificateType, parseCertificate, type Certificate } from '../crypto/certificate-blob.ts';
import { keyTypeOfAlgorithm, verifySignature } from '../crypto/signature.ts';
import { KeyFormatError, UnsupportedAlgorithmError } from '../crypto/errors.ts';
import { fingerprintSha256 } from '../crypto/fingerprint.ts';
import type { ProviderChoice } from '../crypto/types.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import type { KeyRestrictions } from './key-restrictions.ts';
import { authorizeUserKey } from './user-key-authorization.ts';
import { PUBLICKEY_HOSTBOUND, publickeySignedData, type PasswordRequest, type PublickeyHostboundRequest, type PublickeyRequest } from './userauth-messages.ts';
import type { UserAuthServerOptions } from './userauth-server-options.ts';

/** How one request ended, before limits and delays are applied. */
export type MethodOutcome =
  | { kind: 'success'; detail: string; key?: PublicKey; certificate?: Certificate; restrictions?: KeyRestrictions }
  | { kind: 'failure'; detail: string }
  | { kind: 'key-ok'; detail: string; algorithm: string; keyBlob: Uint8Array }
  | { kind: 'change-required'; detail: string };

/** What the method handlers need from the connection. */
export interface MethodEnvironment {
  readonly opts: UserAuthServerOptions;
  readonly clientAddress: string | undefined;
  readonly sessionId: Uint8Array;
  /** Our host key blob of the key exchange (PROTOCOL §2.5 binds signatures to it). */
  readonly hostKey: Uint8Array | undefined;
  /** Whether a publickey request's algorithm is acceptable (PubkeyAcceptedAlgorithms). */
  acceptsAlgorithm(algorithm: string): boolean;
  /** Keys (plain blobs) that already succeeded on this connection: sshd refuses to count a key twice. */
  readonly usedKeys: readonly Uint8Array[];
  /** ms since the epoch. */
  now(): number;
  /** Who verifies signatures: the transport's `crypto` option ('noble' forces noble). */
  readonly crypto: ProviderChoice;
}

function failure(detail: string): MethodOutcome {
  return { kind: 'failure', detail };
}

/** The key or certificate of a request, parsed; a string saying why not. */
function parseOffered(algorithm: string, blob: Uint8Array): { key: PublicKey; certificate?: Certificate } | string {
  try {
    const expected = keyTypeOfAlgorithm(algorithm);
    const type = publicKeyType(blob);
    if (type !== expected) return `key type ${type} does not match algorithm ${algorithm}`;
    if (isCertificateType(type)) {
      const certificate = parseCertificate(blob);
      return { key: certificate.publicKey, certificate };
    }
    return { key: parsePublicKey(blob) };
  } catch (e) {
    // sshd refuses a key it cannot parse or does not implement; the connection goes on.
    if (e instanceof KeyFormatError || e instanceof UnsupportedAlgorithmError) return e.message;
    throw e;
  }
}

/**
 * RFC 4252 §7: a query is answered USERAUTH_PK_OK when the key is acceptable;
 * a signed request succeeds when the key is acceptable (asked again) and the
 * signature verifies over the session id and the request.
 */
export async function publicKeyMethod(env: MethodEnvironment, req: PublickeyRequest | PublickeyHostboundRequest): Promise<MethodOutcome> {
  if (req.method === PUBLICKEY_HOSTBOUND && (env.hostKey === undefined || !constantTimeEqual(req.hostKey, env.hostKey))) {
    return failure('the host key in the host-bound request is not the key of this connection');
  }
  if (!env.acceptsAlgorithm(req.algorithm)) return failure(`algorithm ${req.algorithm} is not accepted`);
  const offered = parseOffered(req.algorithm, req.publicKey);
  if (typeof offered === 'string') return failure(offered);
  const { key, certificate } = offered;
  const what = `${req.algorithm} ${fingerprintSha256(req.publicKey)}${certificate ? ` ID ${JSON.stringify(certificate.keyId)} serial ${certificate.serial}` : ''}`;
  if (env.usedKeys.some((k) => constantTimeEqual(k, key.blob))) return failure(`${what}: key already used on this connection`);
  const signed = req.signature !== undefined;
  const ctx = { username: req.username, keyBlob: req.publicKey, key, algorithm: req.algorithm, certificate, clientAddress: env.clientAddress, signed };
  const authorization = await authorizeUserKey(env.opts, ctx, env.now(), env.crypto);
  if (typeof authorization === 'string') return failure(`${what}: ${authorization}`);
  if (req.signature === undefined) return { kind: 'key-ok', detail: what, algorithm: req.algorithm, keyBlob: req.publicKey };
  let valid: boolean;
  try {
    valid = verifySignature(req.algorithm, req.publicKey, req.signature, publickeySignedData(env.sessionId, req), env.crypto);
  } catch (e) {
    // A malformed signature blob, or one naming another algorithm: refused, as sshd does.
    if (e instanceof KeyFormatError || e instanceof UnsupportedAlgorithmError) return failure(`${what}: ${e.message}`);
    throw e;
  }
  if (!valid) return failure(`${what}: the signature does not verify`);
  return { kind: 'success', detail: `${what} (${authorization.source})`, key, certificate, restrictions: authorization.restrictions };
}

/** RFC 4252 §8: a password, or a password change after USERAUTH_PASSWD_CHANGEREQ. */
export async function passwordMethod(env: MethodEnvironment, req: PasswordRequest): Promise<MethodOutcome> {
  const check = env.opts.password;
  if (check === undefined) return failure('password authentication is not configured');
  // sshd's PermitEmptyPasswords (default no): refused without asking.
  if (req.password === '' && !env.opts.permitEmptyPasswords) return failure('empty password');
  const ctx = req.newPassword === undefined ? { clientAddress: env.clientAddress } : { clientAddress: env.clientAddress, newPassword: req.newPassword };
  const verdict = await check(req.username, req.password, ctx);
  const what = req.newPassword === undefined ? 'password' : 'password change';
  if (verdict === true) return { kind: 'success', detail: what };
  if (verdict === 'change-required') return { kind: 'change-required', detail: what };
  if (verdict === false) return failure(what);
  throw new TypeError(`the password decision returned ${String(verdict)}, not true, false or 'change-required'`);
}

/** RFC 4252 §5.2: "none" succeeds only when the `none` decision admits the user. */
export async function noneMethod(env: MethodEnvironment, username: string): Promise<MethodOutcome> {
  const decide = env.opts.none;
  if (decide === undefined) return failure('none is not allowed');
  const ok = await decide(username, { clientAddress: env.clientAddress });
  if (typeof ok !== 'boolean') throw new TypeError(`the none decision returned ${String(ok)}, not a boolean`);
  return ok ? { kind: 'success', detail: 'none' } : failure('none');
}
