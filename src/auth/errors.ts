/** Errors of the auth layer: keys, known hosts, certificates, user authentication. Each names what and where. */

/** A key file or line could not be parsed: names the format and the field. */
export class KeyParseError extends Error {
  override name = 'KeyParseError';
  constructor(
    /** e.g. "openssh-key-v1", "PKCS#8", "authorized_keys line 3". */
    readonly format: string,
    detail: string,
  ) {
    super(`${format}: ${detail}`);
  }
}

/** The key data ended early. */
export class TruncatedKeyError extends KeyParseError {
  override name = 'TruncatedKeyError';
}

/** A key type, cipher or KDF that hopssh does not implement (e.g. an ssh-dss key, a PKCS#8 encrypted key). */
export class UnsupportedKeyError extends KeyParseError {
  override name = 'UnsupportedKeyError';
}

/** The key is encrypted and no passphrase was given. */
export class PassphraseRequiredError extends KeyParseError {
  override name = 'PassphraseRequiredError';
}

/** The passphrase does not decrypt the key (openssh-key-v1 check integers differ, or the AEAD tag fails). */
export class WrongPassphraseError extends KeyParseError {
  override name = 'WrongPassphraseError';
}

/** A certificate is malformed, badly signed, expired, or not valid for this use. */
export class CertificateError extends Error {
  override name = 'CertificateError';
  constructor(
    /** The certificate's key id, or "(unparsed)". */
    readonly keyId: string,
    detail: string,
  ) {
    super(`certificate ${JSON.stringify(keyId)}: ${detail}`);
  }
}

/** User authentication failed: every method we could try was refused (RFC 4252 §5.1). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(
    /** Methods the server still allows ("authentications that can continue"). */
    readonly methodsLeft: readonly string[],
    /** What was tried, in order, e.g. ["none", "publickey ssh-ed25519 SHA256:…", "password"]. */
    readonly attempted: readonly string[],
    detail = 'no authentication method succeeded',
  ) {
    super(`${detail}; tried: ${attempted.join(', ') || 'nothing'}; server allows: ${methodsLeft.join(',') || 'nothing'}`);
  }
}

/** A pattern or address list is malformed (an empty entry, an inconsistent CIDR network): names the entry. */
export class PatternError extends Error {
  override name = 'PatternError';
  constructor(
    /** The offending entry or list. */
    readonly pattern: string,
    detail: string,
  ) {
    super(`pattern ${JSON.stringify(pattern)}: ${detail}`);
  }
}

/** The ssh-agent refused a request (SSH_AGENT_FAILURE), sent a malformed answer, or went away. */
export class AgentError extends Error {
  override name = 'AgentError';
  constructor(
    /** e.g. "list identities", "sign with ssh-ed25519 SHA256:…". */
    readonly operation: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ssh-agent: ${operation}: ${detail}`, options);
  }
}
