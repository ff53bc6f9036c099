/**
 * Algorithm lists: what hopssh implements and its defaults, in OpenSSH 10's
 * order of preference (ssh_config(5)/sshd_config(5) of OpenSSH 10.0).
 */

export interface AlgorithmLists {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  compression: string[];
}

/** Every algorithm hopssh can negotiate, per category. */
export const SUPPORTED: Readonly<AlgorithmLists> = {
  kex: [
    'mlkem768x25519-sha256',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  // Certificates first, as OpenSSH 10 (PROTOCOL.certkeys; the verifier gets the certificate blob).
  hostKey: [
    'ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-256-cert-v01@openssh.com',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ],
  mac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  compression: ['none'],
};

/** Names that are accepted only when configured explicitly, never by default. */
const OPT_IN_ONLY = new Set(['hmac-sha1', 'hmac-sha1-etm@openssh.com']);

/** Client defaults (ssh_config(5) of OpenSSH 10, minus what hopssh does not implement). */
export const CLIENT_DEFAULTS: Readonly<AlgorithmLists> = {
  kex: SUPPORTED.kex,
  hostKey: SUPPORTED.hostKey,
  cipher: SUPPORTED.cipher,
  mac: SUPPORTED.mac.filter((m) => !OPT_IN_ONLY.has(m)),
  compression: ['none'],
};

/**
 * Server defaults (sshd_config(5) of OpenSSH 10: finite-field DH is no longer
 * offered by default; it can be configured).
 */
export const SERVER_DEFAULTS: Readonly<AlgorithmLists> = {
  ...CLIENT_DEFAULTS,
  kex: SUPPORTED.kex.filter((k) => !k.startsWith('diffie-hellman-')),
};

/**
 * A configured list: an array, or an OpenSSH-style string
 * ("a,b" replaces, "+a" appends, "-a" removes, "^a" puts first; "*" wildcards in - forms).
 */
export type AlgorithmSpec = string | readonly string[];

/** Resolves a configured list against defaults and the supported set; throws TypeError for unknown names. */
export function resolveAlgorithms(category: keyof AlgorithmLists, spec: AlgorithmSpec | undefined, defaults: readonly string[]): string[] {
  const supported = SUPPORTED[category];
  if (spec === undefined) return [...defaults];
  let list: string[];
  if (typeof spec !== 'string') {
    list = [...spec];
  } else {
    const op = spec[0];
    const names = (op === '+' || op === '-' || op === '^' ? spec.slice(1) : spec).split(',').filter((s) => s.length > 0);
    if (op === '+') list = [...defaults, ...names.filter((n) => !defaults.includes(n))];
    else if (op === '^') list = [...names, ...defaults.filter((d) => !names.includes(d))];
    else if (op === '-') {
      const res = names.map(wildcardToRegExp);
      return defaults.filter((d) => !res.some((r) => r.test(d)));
    } else list = names;
  }
  for (const n of list) {
    if (!supported.includes(n)) {
      throw new TypeError(`unsupported ${category} algorithm ${JSON.stringify(n)}; supported: ${supported.join(',')}`);
    }
  }
  if (list.length === 0) throw new TypeError(`empty ${category} algorithm list`);
  return [...new Set(list)];
}

function wildcardToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}
