/**
 * Which algorithm a client names in a publickey request for a key
 * (RFC 4252 §7, RFC 8332 §3.3, RFC 8308 §3.1, PROTOCOL.certkeys).
 */
import { isCertificateType, plainKeyTypeOf } from '../crypto/certificate-blob.ts';

/**
 * Key types hopssh offers: OpenSSH's default PubkeyAcceptedAlgorithms without
 * ssh-rsa (SHA-1). The security-key types can only sign through an agent.
 */
const OFFERED_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
]);

/** RSA signature algorithms, hopssh's preference first (RFC 8332 §3). */
const RSA_ALGORITHMS = ['rsa-sha2-512', 'rsa-sha2-256'] as const;

/**
 * The algorithm names to offer a key (or certificate) of `keyType` with, in order.
 * Non-RSA keys have one: their key type (a certificate's type for a certificate).
 * RSA keys: rsa-sha2-512 then rsa-sha2-256, those of them the server lists
 * in server-sig-algs (RFC 8308 §3.1); none when it lists neither.
 * OpenSSH offers only the first: but sshd (9.2) lists every algorithm it
 * knows in server-sig-algs whatever its PubkeyAcceptedAlgorithms, so against
 * a server that accepts only rsa-sha2-256 OpenSSH's client fails where this
 * one succeeds, at the price of one refused query (counted by MaxAuthTries).
 * Without server-sig-algs OpenSSH would fall back to ssh-rsa (SHA-1); hopssh
 * never signs with SHA-1 by default, so it offers both rsa-sha2 algorithms.
 * RSA certificates use the -cert-v01@openssh.com forms of the same names.
 * Other key types (ssh-dss, security-key certificates, …) get none.
 */
export function requestAlgorithms(keyType: string, serverSigAlgs: readonly string[] | undefined): string[] {
  const certificate = isCertificateType(keyType);
  const plain = certificate ? plainKeyTypeOf(keyType) : keyType;
  if (!OFFERED_TYPES.has(plain)) return [];
  if (plain !== 'ssh-rsa') return [keyType];
  const rsa = serverSigAlgs === undefined ? [...RSA_ALGORITHMS] : RSA_ALGORITHMS.filter((a) => serverSigAlgs.includes(a));
  return certificate ? rsa.map((a) => `${a}-cert-v01@openssh.com`) : rsa;
}
