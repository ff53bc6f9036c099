/**
 * Key-exchange methods by name (RFC 4253 §7.1 negotiation picks the name; this
 * gives its math). The transport owns the message flow and the exchange hash.
 *
 * Curve25519 and the NIST curves are here from the start (their code serves
 * host and user keys too). ML-KEM (@noble/post-quantum) and finite-field DH
 * (the MODP groups, modular exponentiation) are loaded when a key exchange
 * first negotiates them: most peers never do, and every process would
 * otherwise read, compile and run them at start-up (bench/results/startup.md).
 */
import { UnsupportedAlgorithmError } from './errors.ts';
import { createCurve25519Math } from './kex-curve25519.ts';
import { createEcdhMath } from './kex-ecdh-nist.ts';
import type { HashName, KexMath, ProviderChoice } from './types.ts';

type FiniteFieldDh = typeof import('./kex-modp.ts');
type ModpGroups = typeof import('./modp-groups.ts');

let finiteFieldDh: Promise<[FiniteFieldDh, ModpGroups]> | undefined;

/** kex-modp.ts and its RFC 3526 groups, loaded once (group exchange and the fixed groups). */
export function loadFiniteFieldDh(): Promise<[FiniteFieldDh, ModpGroups]> {
  finiteFieldDh ??= Promise.all([import('./kex-modp.ts'), import('./modp-groups.ts')]);
  return finiteFieldDh;
}

/** RFC 8268 §3 fixed-group methods: name → group id in modp-groups.ts, hash. */
function modpMethod(name: string, group: 'MODP_GROUP_14' | 'MODP_GROUP_16' | 'MODP_GROUP_18', hash: HashName) {
  return async (provider: ProviderChoice): Promise<KexMath> => {
    const [dh, groups] = await loadFiniteFieldDh();
    return dh.createModpMath(name, groups[group], hash, provider);
  };
}

/** Preferred first; each makes the method's math for a provider choice ('auto' or 'noble'). */
const METHODS: Readonly<Record<string, (provider: ProviderChoice) => KexMath | Promise<KexMath>>> = Object.freeze({
  'mlkem768x25519-sha256': async (provider: ProviderChoice) => (await import('./kex-mlkem768x25519.ts')).createMlkem768x25519Math(provider),
  'curve25519-sha256': (provider: ProviderChoice) => createCurve25519Math('curve25519-sha256', provider),
  'curve25519-sha256@libssh.org': (provider: ProviderChoice) => createCurve25519Math('curve25519-sha256@libssh.org', provider),
  'ecdh-sha2-nistp256': () => createEcdhMath('nistp256'),
  'ecdh-sha2-nistp384': () => createEcdhMath('nistp384'),
  'ecdh-sha2-nistp521': () => createEcdhMath('nistp521'),
  'diffie-hellman-group14-sha256': modpMethod('diffie-hellman-group14-sha256', 'MODP_GROUP_14', 'sha256'),
  'diffie-hellman-group16-sha512': modpMethod('diffie-hellman-group16-sha512', 'MODP_GROUP_16', 'sha512'),
  'diffie-hellman-group18-sha512': modpMethod('diffie-hellman-group18-sha512', 'MODP_GROUP_18', 'sha512'),
});

/** Names of the fixed kex methods implemented, preferred first. Group exchange is not here: its group comes from the peer. */
export const KEX_NAMES: readonly string[] = Object.freeze(Object.keys(METHODS));

/** One math object per method and provider ('runtime' is 'auto': the NIST curves have no runtime path). */
const made = new Map<string, KexMath | Promise<KexMath>>();

/**
 * The math of `name` with the given provider ('auto': noble, except where the
 * runtime passes its self-test and is faster — X25519, providers/asymmetric.ts;
 * finite-field exponentiations, kex-modp-runtime.ts). Returned at once when its
 * code is loaded, else as a promise (ML-KEM and finite-field DH, on first use).
 * Throws UnsupportedAlgorithmError for an unknown name.
 */
export function kexMath(name: string, provider: ProviderChoice = 'auto'): KexMath | Promise<KexMath> {
  const make = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (make === undefined) throw new UnsupportedAlgorithmError('kex', name);
  const key = `${provider === 'noble' ? 'noble' : 'auto'} ${name}`;
  const known = made.get(key);
  if (known !== undefined) return known;
  const m = make(provider === 'noble' ? 'noble' : 'auto');
  made.set(key, m);
  if (m instanceof Promise) {
    m.then(
      (math) => made.set(key, math),
      () => made.delete(key), // the caller sees the rejection; the next call tries again
    );
  }
  return m;
}
