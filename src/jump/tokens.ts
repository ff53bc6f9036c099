/**
 * Expansions in ssh_config values, as ssh_config(5) TOKENS and ENVIRONMENT
 * VARIABLES describe them: `%x` tokens, `${VAR}` environment references and a
 * leading `~` (home directory). Which keyword takes which is decided by the
 * caller (ssh-config.ts) from the token lists below. Nothing here reads the
 * environment: every value is passed in.
 */
import { createHash } from '../crypto/hash.ts';
import { toHex, utf8 } from '../wire/bytes.ts';
import { TokenError } from './errors.ts';

/** A `%` token letter (ssh_config(5) TOKENS); `%%` is always a literal `%`. */
export type TokenName = 'C' | 'd' | 'h' | 'i' | 'k' | 'L' | 'l' | 'n' | 'p' | 'r' | 'u';

/** The value of each token for one connection; a token whose value is missing cannot be expanded. */
export type TokenValues = Readonly<Partial<Record<TokenName, string>>>;

/**
 * Tokens of CertificateFile, ControlPath, IdentityAgent, IdentityFile,
 * KnownHostsCommand, LocalForward, Match exec, RemoteCommand, RemoteForward
 * and UserKnownHostsFile (ssh_config(5) TOKENS).
 */
export const CLIENT_TOKENS: readonly TokenName[] = ['C', 'd', 'h', 'i', 'k', 'L', 'l', 'n', 'p', 'r', 'u'];

/** Tokens of Hostname: `%h` (and `%%`). */
export const HOSTNAME_TOKENS: readonly TokenName[] = ['h'];

/** Tokens of ProxyCommand and ProxyJump: `%h`, `%n`, `%p`, `%r` (and `%%`). */
export const PROXY_TOKENS: readonly TokenName[] = ['h', 'n', 'p', 'r'];

const TOKEN_LETTERS = new Set<string>(CLIENT_TOKENS);

export interface ExpandOptions {
  /** Also expand `${VAR}` from this environment (ssh_config(5) ENVIRONMENT VARIABLES); a missing variable is an error. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Expands `%%` and the `allowed` tokens of `text` in one pass (an expanded
 * value is not expanded again), and `${VAR}` when `opts.env` is given.
 * Throws TokenError naming the token for one that is unknown, not allowed
 * here or without a value, for a trailing `%`, and for a `${` that is not
 * closed, empty or names a variable that is not set.
 */
export function expandTokens(text: string, values: TokenValues, allowed: readonly TokenName[], opts: ExpandOptions = {}): string {
  return expand(text, { values, allowed }, opts.env);
}

/** Expands `${VAR}` only (a `%` stays as it is). Throws TokenError as expandTokens. */
export function expandEnvironment(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return expand(text, undefined, env);
}

function expand(text: string, tokens: { values: TokenValues; allowed: readonly TokenName[] } | undefined, env: Readonly<Record<string, string | undefined>> | undefined): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '{' && env !== undefined) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new TokenError(text, text.slice(i), 'environment variable reference without a closing "}"');
      const name = text.slice(i + 2, end);
      if (name === '') throw new TokenError(text, '${}', 'empty environment variable name');
      const value = Object.hasOwn(env, name) ? env[name] : undefined;
      if (value === undefined) throw new TokenError(text, `\${${name}}`, 'environment variable is not set');
      out += value;
      i = end + 1;
      continue;
    }
    if (c !== '%' || tokens === undefined) {
      out += c;
      i++;
      continue;
    }
    const t = text[i + 1];
    if (t === undefined) throw new TokenError(text, '%', 'a "%" ends the text (write "%%" for a literal percent)');
    if (t === '%') {
      out += '%';
    } else if (!TOKEN_LETTERS.has(t)) {
      throw new TokenError(text, `%${t}`, 'unknown token');
    } else if (!tokens.allowed.includes(t as TokenName)) {
      throw new TokenError(text, `%${t}`, `token not accepted here (accepted: ${tokens.allowed.map((a) => `%${a}`).join(' ')} %%)`);
    } else {
      const v = tokens.values[t as TokenName];
      if (v === undefined) throw new TokenError(text, `%${t}`, 'token has no value here');
      out += v;
    }
    i += 2;
  }
  return out;
}

/**
 * Expands a leading `~` (the home directory) or `~user` (through `homeOf`)
 * as OpenSSH's tilde expansion of file names: `~` alone, `~/…`, `~user`,
 * `~user/…`. Anything else is returned unchanged. Throws TokenError for a
 * user whose home is unknown.
 */
export function expandTilde(path: string, home: string, homeOf?: (user: string) => string | undefined): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const user = path.slice(1, slash < 0 ? path.length : slash);
  const rest = slash < 0 ? '' : path.slice(slash + 1);
  const dir = user === '' ? home : homeOf?.(user);
  if (dir === undefined) throw new TokenError(path, `~${user}`, 'no home directory known for this user');
  if (rest === '') return dir;
  return dir.endsWith('/') ? dir + rest : `${dir}/${rest}`;
}

/**
 * `%C`: the hex SHA-1 of `%l%h%p%r` (local host name, remote host name, port,
 * remote user), as OpenSSH 9.2 computes it for ControlPath and friends.
 */
export function connectionHash(localHostName: string, host: string, port: string, user: string): string {
  const h = createHash('sha1');
  h.update(utf8(localHostName + host + port + user));
  return toHex(h.digest());
}
