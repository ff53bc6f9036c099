/**
 * Key-exchange methods by name (RFC 4253 §7.1 negotiation picks the name; this
 * gives its math). The transport owns the message flow and the exchange hash.
 */
import { UnsupportedAlgorithmError } from './errors.ts';
import { createCurve25519Math } from './kex-curve25519.ts';
import { createEcdhMath } from './kex-ecdh-nist.ts';
import { createMlkem768x25519Math } from './kex-mlkem768x25519.ts';
import { createModpMath } from './kex-modp.ts';
import { MODP_GROUP_14, MODP_GROUP_16, MODP_GROUP_18 } from './modp-groups.ts';
import type { KexMath, ProviderChoice } from './types.ts';

export { createGexMath, chooseGexGroup, GEX_MIN_BITS, GEX_MAX_BITS } from './kex-modp.ts';

function build(provider: ProviderChoice): Record<string, KexMath> {
  return Object.freeze({
    'mlkem768x25519-sha256': createMlkem768x25519Math(provider),
    'curve25519-sha256': createCurve25519Math('curve25519-sha256', provider),
    'curve25519-sha256@libssh.org': createCurve25519Math('curve25519-sha256@libssh.org', provider),
    'ecdh-sha2-nistp256': createEcdhMath('nistp256'),
    'ecdh-sha2-nistp384': createEcdhMath('nistp384'),
    'ecdh-sha2-nistp521': createEcdhMath('nistp521'),
    // RFC 8268 §3
    'diffie-hellman-group14-sha256': createModpMath('diffie-hellman-group14-sha256', MODP_GROUP_14, 'sha256', provider),
    'diffie-hellman-group16-sha512': createModpMath('diffie-hellman-group16-sha512', MODP_GROUP_16, 'sha512', provider),
    'diffie-hellman-group18-sha512': createModpMath('diffie-hellman-group18-sha512', MODP_GROUP_18, 'sha512', provider),
  });
}

/**
 * Fixed-group kex methods with the `auto` provider: noble, except where the
 * runtime passes its self-test and is faster — X25519 (providers/asymmetric.ts)
 * and finite-field exponentiations (kex-modp-runtime.ts). Group exchange is
 * not here: its group comes from the peer (createGexMath).
 */
export const KEX_MATH: Readonly<Record<string, KexMath>> = build('auto');

const NOBLE: Readonly<Record<string, KexMath>> = build('noble');

/** Names of the fixed kex methods implemented, preferred first. */
export const KEX_NAMES: readonly string[] = Object.freeze(Object.keys(KEX_MATH));

/**
 * The math of `name` with the given provider; throws UnsupportedAlgorithmError
 * for an unknown name. 'runtime' is treated as 'auto' (the NIST curves have no
 * runtime path).
 */
export function kexMath(name: string, provider: ProviderChoice = 'auto'): KexMath {
  const table = provider === 'noble' ? NOBLE : KEX_MATH;
  const m = Object.hasOwn(table, name) ? table[name] : undefined;
  if (m === undefined) throw new UnsupportedAlgorithmError('kex', name);
  return m;
}
