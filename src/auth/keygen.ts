/**
 * Key generation as ssh-keygen does it: `generateKeyPair` is `ssh-keygen -t
 * <type> [-b bits] [-C comment]`, `writeKeyPairFiles` writes the private key
 * (openssh-key-v1, mode 0600) and `<path>.pub` (mode 0644).
 */
import { utf8 } from '../wire/bytes.ts';
import type { FileSystem } from '../io/file-system.ts';
import { EcdsaSigningKey, Ed25519SigningKey, RsaSigningKey } from '../crypto/signing-keys.ts';
import type { EcdsaCurveName } from '../crypto/public-key.ts';
import { formatPublicKeyLine } from './public-key-line.ts';
import { serializePrivateKey, type PrivateKey, type SerializePrivateKeyOptions } from './private-key.ts';

export type KeyGenType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  key: PrivateKey;
  comment: string;
  /** The `.pub` line: "<type> <base64>[ <comment>]" (no newline). */
  publicKeyLine: string;
}

/** ssh-keygen's RSA default; sizes hopssh generates (the crypto layer's limit, see generateRsaKey). */
export const RSA_DEFAULT_BITS = 3072;
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_GENERATE_BITS = 8192;

const ECDSA_BITS: ReadonlyMap<number, EcdsaCurveName> = new Map([
  [256, 'nistp256'],
  [384, 'nistp384'],
  [521, 'nistp521'],
]);

/**
 * A new key pair. `bits`: for ecdsa 256 (default), 384 or 521; for rsa
 * 2048..8192 (default 3072, as ssh-keygen); ignored for ed25519, as
 * ssh-keygen does. `comment` defaults to "" (ssh-keygen's user@host default
 * needs the environment, which the caller has). Throws RangeError for other
 * sizes, TypeError for another type.
 */
export function generateKeyPair(type: KeyGenType, opts: { bits?: number | undefined; comment?: string | undefined } = {}): KeyPair {
  const comment = opts.comment ?? '';
  let key: PrivateKey;
  if (type === 'ed25519') {
    key = Ed25519SigningKey.generate();
  } else if (type === 'ecdsa') {
    const curve = ECDSA_BITS.get(opts.bits ?? 256);
    if (curve === undefined) throw new RangeError(`invalid ECDSA key length ${opts.bits}: valid lengths are 256, 384 or 521 bits`);
    key = EcdsaSigningKey.generate(curve);
  } else if (type === 'rsa') {
    const bits = opts.bits ?? RSA_DEFAULT_BITS;
    if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_GENERATE_BITS) {
      throw new RangeError(`invalid RSA key length ${bits}: hopssh generates ${RSA_MIN_BITS}..${RSA_MAX_GENERATE_BITS} bits`);
    }
    key = RsaSigningKey.generate(bits);
  } else {
    throw new TypeError(`unknown key type ${String(type)} (ed25519, ecdsa or rsa)`);
  }
  return { key, comment, publicKeyLine: formatPublicKeyLine(key.publicBlob, comment) };
}

/**
 * Writes `path` (the private key, openssh-key-v1, mode 0600; encrypted when
 * a passphrase is given, as ssh-keygen -N/-a/-Z) and `path.pub` (mode 0644,
 * "<type> <base64> <comment>\n"), replacing existing files. A leading "~"
 * is expanded.
 */
export async function writeKeyPairFiles(
  fs: FileSystem,
  path: string,
  key: PrivateKey,
  opts: Pick<SerializePrivateKeyOptions, 'comment' | 'passphrase' | 'rounds' | 'cipher'> = {},
): Promise<void> {
  const pubLine = formatPublicKeyLine(key.publicBlob, opts.comment ?? '');
  const full = fs.expandHome(path);
  await fs.writeFile(full, utf8(serializePrivateKey(key, opts)), 0o600);
  await fs.writeFile(`${full}.pub`, utf8(`${pubLine}\n`), 0o644);
}
