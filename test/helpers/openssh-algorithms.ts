/**
 * The algorithms that both hopssh and the test machine's OpenSSH (9.2)
 * implement, per category of the KEXINIT name-lists (RFC 4253 §7.1): the
 * interop matrices force each one on both sides, hopssh's client against
 * sshd and OpenSSH's ssh against hopssh's server. Not here:
 * mlkem768x25519-sha256 (OpenSSH >= 9.9) and the host certificate
 * algorithms (test/interop/host-certificate.test.ts).
 */
export const KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group-exchange-sha256'];
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];
export const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'];
/** hmac-sha1 and hmac-sha1-etm are never offered by default: the cases that use them configure them explicitly. */
export const MACS = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1', 'hmac-sha1-etm@openssh.com'];
/** The ciphers with their own integrity (no MAC negotiated: "<implicit>" in OpenSSH's logs). */
export const AEAD: ReadonlySet<string> = new Set(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']);
