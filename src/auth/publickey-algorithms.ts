/**
 * Which signature algorithm a client uses for a key in a publickey request
 * (RFC 4252 §7, RFC 8332 §3.3, RFC 8308 §3.1, PROTOCOL.certkeys).
 */

/** Key types hopssh offers (OpenSSH's default PubkeyAcceptedAlgorithms, without ssh-rsa SHA-1), certificates included. */
const PLAIN_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
]);

/** Certificate key type → the key type it certifies (PROTOCOL.certkeys). */
const CERT_BASE: Readonly<Record<string, string>> = Object.freeze({
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519-cert-v01@openssh.com': 'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com': 'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
});

/** RSA signature algorithms, hopssh's preference first (RFC 8332 §3). */
const RSA_ALGORITHMS = ['rsa-sha2-512', 'rsa-sha2-256'] as const;

/** The certified key type of a certificate type, or undefined for a plain key type. */
export function certificateBaseType(keyType: string): string | undefined {
  return Object.hasOwn(CERT_BASE, keyType) ? CERT_BASE[keyType] : undefined;
}

/**
 * The algorithm names to offer a key of `keyType` with, in order.
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
 * Unknown key types (ssh-dss, …) get none.
 */
export function requestAlgorithms(keyType: string, serverSigAlgs: readonly string[] | undefined): string[] {
  const base = certificateBaseType(keyType);
  const plain = base ?? keyType;
  if (!PLAIN_TYPES.has(plain)) return [];
  if (plain !== 'ssh-rsa') return [keyType];
  const rsa = serverSigAlgs === undefined ? [...RSA_ALGORITHMS] : RSA_ALGORITHMS.filter((a) => serverSigAlgs.includes(a));
  return base === undefined ? rsa : rsa.map((a) => `${a}-cert-v01@openssh.com`);
}

/**
 * The algorithm inside the signature blob for a request algorithm: a
 * certificate signs as its plain key (PROTOCOL.certkeys), e.g.
 * rsa-sha2-512-cert-v01@openssh.com → rsa-sha2-512.
 */
export function signatureAlgorithm(requestAlgorithm: string): string {
  const base = certificateBaseType(requestAlgorithm);
  if (base !== undefined) return base;
  for (const a of RSA_ALGORITHMS) if (requestAlgorithm === `${a}-cert-v01@openssh.com`) return a;
  return requestAlgorithm;
}
