/**
 * Whether a user's public key or certificate may log in, from the sources
 * sshd consults in turn — TrustedUserCAKeys, then the authorized_keys file —
 * and then the owner's `publicKey` decision: any one accepting suffices
 * (sshd(8) "AUTHORIZED_KEYS FILE FORMAT", sshd_config(5) TrustedUserCAKeys).
 */
import { CertificateError, KeyParseError } from './errors.ts';
import { verifyCertificate } from './certificate.ts';
import { matchAuthorizedKeys, parseAuthorizedKeys } from './authorized-keys.ts';
import { UNRESTRICTED, type KeyRestrictions } from './key-restrictions.ts';
import type { PublicKeyContext, UserAuthServerOptions } from './userauth-server-options.ts';
import type { ProviderChoice } from '../crypto/types.ts';

/** An accepted key: what it restricts and which source accepted it (for logs). */
export interface KeyAuthorization {
  readonly restrictions: KeyRestrictions;
  /** e.g. "TrustedUserCAKeys", "authorized_keys line 3", "publicKey decision". */
  readonly source: string;
}

/**
 * Asks each configured source in sshd's order. Returns the first acceptance,
 * or a string saying why every source refused (lines that matched but
 * refused, unreadable lines, certificate checks that failed). `crypto`: who
 * verifies CA signatures (the connection's `crypto` option).
 */
export async function authorizeUserKey(opts: UserAuthServerOptions, ctx: PublicKeyContext, nowMs: number, crypto?: ProviderChoice): Promise<KeyAuthorization | string> {
  const now = new Date(nowMs);
  const reasons: string[] = [];
  const cert = ctx.certificate;

  // TrustedUserCAKeys: a user certificate signed by a trusted CA, naming the user (no AuthorizedPrincipalsFile).
  const cas = opts.trustedUserCAKeys;
  if (cert !== undefined && cas !== undefined && cas.length > 0) {
    try {
      const v = verifyCertificate(cert, { role: 'user', principal: ctx.username, now, trustedCAs: cas, clientAddress: ctx.clientAddress, crypto });
      return { restrictions: v.restrictions, source: 'TrustedUserCAKeys' };
    } catch (e) {
      if (!(e instanceof CertificateError)) throw e;
      reasons.push(`TrustedUserCAKeys: ${e.message}`);
    }
  }

  if (opts.authorizedKeys !== undefined) {
    const text = await opts.authorizedKeys(ctx.username);
    if (text !== undefined && typeof text !== 'string') throw new TypeError(`authorizedKeys returned ${typeof text}, not a string or undefined`);
    if (text !== undefined) {
      // sshd skips a line it cannot read; we say which.
      const entries = parseAuthorizedKeys(text, { onInvalidLine: (e: KeyParseError) => reasons.push(e.message) });
      const match = matchAuthorizedKeys(entries, {
        keyBlob: ctx.keyBlob,
        ...(cert !== undefined ? { certificate: cert } : {}),
        // Without the client's address, from= and source-address admit nobody.
        clientAddress: ctx.clientAddress ?? '',
        now,
        username: ctx.username,
        onRefused: (entry, reason) => reasons.push(`${entry.source} line ${entry.line}: ${reason}`),
        crypto,
      });
      if (match !== undefined) return { restrictions: match.restrictions, source: `${match.entry.source} line ${match.entry.line}` };
    }
  }

  if (opts.publicKey !== undefined) {
    // A certificate reaches the decision only once sound in itself (CA signature, validity,
    // critical options, source-address); trusting its CA and principals is the decision's.
    let restrictions = UNRESTRICTED;
    if (cert !== undefined) {
      try {
        restrictions = verifyCertificate(cert, { role: 'user', now, trustedCAs: () => true, clientAddress: ctx.clientAddress, crypto }).restrictions;
      } catch (e) {
        if (!(e instanceof CertificateError)) throw e;
        reasons.push(e.message);
        return reasons.join('; ');
      }
    }
    const ok = await opts.publicKey(ctx);
    if (typeof ok !== 'boolean') throw new TypeError(`the publicKey decision returned ${String(ok)}, not a boolean`);
    if (ok) return { restrictions, source: 'publicKey decision' };
    reasons.push('refused by the publicKey decision');
  }
  return reasons.length > 0 ? reasons.join('; ') : 'key not authorized';
}
