/**
 * `Match` lines of ssh_config(5): criteria `all`, `canonical`, `final`,
 * `exec`, `host`, `originalhost`, `user` and `localuser`, each negatable
 * with `!`; the line matches when every criterion does. `exec` never runs a
 * command here: it asks the caller's callback, and without one it is an
 * error.
 */
import { matchHostname, matchPatternList } from '../auth/patterns.ts';
import { ConfigError, TokenError } from './errors.ts';
import type { ConfigLine } from './ssh-config-lexer.ts';
import { CLIENT_TOKENS, expandTokens, type TokenValues } from './tokens.ts';

/** Decides `Match exec`: true when the command (tokens already expanded) would exit 0. */
export type MatchExec = (command: string) => boolean | Promise<boolean>;

/** What the criteria are compared with, at this point of the pass. */
export interface MatchInput {
  /** The target host name: HostName (its `%h` expanded) if set by now, else the host given. */
  readonly host: string;
  /** The host as given on the command line. */
  readonly originalHost: string;
  /** The remote user: User if set by now, else the local user. */
  readonly user: string;
  readonly localUser: string;
  /** Whether this is the final pass (ssh_config(5) Match `final`, `canonical`). */
  readonly finalPass: boolean;
  /** The line is in an Include read for a block that does not apply: nothing can match, so `exec` is not asked. */
  readonly neverMatch: boolean;
  readonly exec: MatchExec | undefined;
  /** Values of the `exec` command's tokens (ssh_config(5) TOKENS). */
  readonly tokens: TokenValues;
}

export interface MatchResult {
  readonly matches: boolean;
  /** A `final` criterion was seen: the configuration asks for a final pass. */
  readonly wantsFinal: boolean;
}

/** Evaluates the criteria of a Match line. Throws ConfigError for a malformed line or a refused `exec`. */
export async function evaluateMatch(line: ConfigLine, input: MatchInput): Promise<MatchResult> {
  const fail: (detail: string, cause?: unknown) => never = (detail, cause) => {
    throw new ConfigError(line.file, line.line, detail, cause === undefined ? undefined : { cause });
  };
  const args = line.args;
  let result = true;
  let wantsFinal = false;
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const negate = raw.startsWith('!');
    const attr = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attr === 'all') {
      // Alone, or right after `canonical` or `final`.
      if (attributes > 1 || i + 1 < args.length) fail(`Match: "${raw}" cannot be combined with other Match attributes`);
      if (result) result = !negate;
      return { matches: result, wantsFinal };
    }
    attributes++;
    if (attr === 'canonical' || attr === 'final') {
      if (attr === 'final') wantsFinal = true;
      if (input.finalPass === negate) result = false;
      continue;
    }
    const arg = args[++i];
    if (arg === undefined || arg === '') fail(`Match: missing criteria for ${attr}`);
    let hit: boolean;
    if (attr === 'host') {
      hit = matchHostname(input.host, arg) === 'match';
    } else if (attr === 'originalhost') {
      hit = matchHostname(input.originalHost, arg) === 'match';
    } else if (attr === 'user') {
      hit = matchPatternList(input.user, arg) === 'match';
    } else if (attr === 'localuser') {
      hit = matchPatternList(input.localUser, arg) === 'match';
    } else if (attr === 'exec') {
      let command: string;
      try {
        command = expandTokens(arg, input.tokens, CLIENT_TOKENS);
      } catch (e) {
        if (e instanceof TokenError) fail(`Match exec: ${e.message}`, e);
        throw e;
      }
      // As ssh: not run once an earlier criterion failed.
      if (!result || input.neverMatch) continue;
      if (input.exec === undefined) fail(`Match exec ${JSON.stringify(command)} refused: hopssh runs no command while reading ssh_config unless the caller supplies an exec callback`);
      hit = await input.exec(command);
    } else {
      fail(`unsupported Match attribute ${JSON.stringify(attr)}`);
    }
    if (hit === negate) result = false;
  }
  if (attributes === 0) fail('Match: one or more attributes required');
  return { matches: result, wantsFinal };
}
