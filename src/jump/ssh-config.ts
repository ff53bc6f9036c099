/**
 * Resolving the ssh_config(5) options of one host, as ssh(1) does before it
 * connects (and prints with `ssh -G`):
 *
 * - sources in order, the first value of an option winning: the caller's
 *   command-line options, then the user's file (~/.ssh/config) and the system
 *   file (/etc/ssh/ssh_config), or only the file given as ssh's `-F`;
 * - `Host` blocks apply when a pattern matches the host as given (a `!`
 *   pattern that matches excludes the block); `Match` blocks when all their
 *   criteria hold (ssh-config-match.ts); `Include` reads files (globs through
 *   the caller's `glob`, relative paths under ~/.ssh or /etc/ssh) in place,
 *   at most 16 deep, a file including itself being an error;
 * - a final pass: when a `Match final` was seen or CanonicalizeHostname is
 *   on, the files are read again with the host name (HostName, lower-cased)
 *   in place of the host given; `final` and `canonical` match only then, and
 *   what the first pass set stays set;
 * - then defaults (ssh_config(5)) and the expansion of `~`, `%` tokens and
 *   `${VAR}` in the options that take them (ssh_config(5) TOKENS).
 *
 * Each host of a jump chain is resolved on its own (ssh_config(5)
 * ProxyJump: the destination's configuration does not apply to jump hosts).
 * Nothing here touches the process: files come through `ctx.fs`, the user,
 * home and local host name from `ctx`, and `Match exec` through `ctx.exec`.
 */
import { asciiLowerCase, matchPattern, parseIpAddress } from '../auth/patterns.ts';
import type { FileSystem } from '../io/file-system.ts';
import { fromUtf8 } from '../wire/bytes.ts';
import { ConfigError, TokenError } from './errors.ts';
import type { DynamicForwardSpec, ForwardListen, LocalForwardSpec, RemoteForwardSpec } from './forward-spec.ts';
import type { Endpoint } from '../channel/forwarding-endpoint.ts';
import type { HostSpec } from './jump-spec.ts';
import { lexConfigLine, type ConfigLine } from './ssh-config-lexer.ts';
import { hasGlobWildcards } from './ssh-config-glob.ts';
import { evaluateMatch, type MatchExec } from './ssh-config-match.ts';
import {
  applyOption,
  ConfigOptions,
  type AddKeysToAgent,
  type CanonicalizeHostname,
  type EnvAssignment,
  type IgnoredKeyword,
  type LogLevel,
  type PubkeyAuthentication,
  type RequestTTY,
  type Setting,
  type StrictHostKeyChecking,
} from './ssh-config-options.ts';
import { CLIENT_TOKENS, connectionHash, expandTilde, expandTokens, HOSTNAME_TOKENS, PROXY_TOKENS, type TokenName, type TokenValues } from './tokens.ts';

export type { AddKeysToAgent, CanonicalizeHostname, EnvAssignment, IgnoredKeyword, LogLevel, PubkeyAuthentication, RequestTTY, StrictHostKeyChecking };

/** What resolving needs from the environment; everything process-specific is passed in. */
export interface ConfigContext {
  /** Reads the files; `stat`, when present, enables ssh's owner/permission check of the user's files (with `uid`). */
  readonly fs: Pick<FileSystem, 'readFile'> & Partial<Pick<FileSystem, 'stat'>>;
  /**
   * Expands an Include pattern holding glob(7) wildcards (`*`, `?`, `[`) to
   * the existing paths, sorted (`expandGlob` of ssh-config-glob.ts over a
   * directory lister does it). Needed only for such patterns.
   */
  readonly glob?: (pattern: string) => Promise<readonly string[]>;
  /** The local user's name (`%u`, Match localuser, the default User). */
  readonly localUser: string;
  /** The local user's home directory (`~`, `%d`). */
  readonly home: string;
  /** The local host name as gethostname(2) gives it (`%l`; `%L` is its part before the first dot). */
  readonly localHostName: string;
  /** The local user id (`%i`; the permission check). */
  readonly uid?: number;
  /** Environment for `${VAR}` (ssh_config(5) ENVIRONMENT VARIABLES); none given: every reference is an error. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home directory of another user, for `~user` in paths. */
  readonly homeOf?: (user: string) => string | undefined;
  /** ssh's `-F`: only this file is read (as the user's configuration); "none": no file at all. */
  readonly configFile?: string;
  /** The user's file. Default `<home>/.ssh/config`. */
  readonly userConfigFile?: string;
  /** The system file, read after the user's; null: none. Default /etc/ssh/ssh_config. */
  readonly systemConfigFile?: string | null;
  /** Decides `Match exec` (ssh runs the command with the user's shell). Absent: such a Match is an error. */
  readonly exec?: MatchExec;
  /**
   * Hostname canonicalization (CanonicalizeHostname yes/always; DNS is the
   * caller's): the canonical name, or undefined to keep the name.
   * `proxied` says whether a ProxyJump/ProxyCommand is in use (ssh
   * canonicalizes proxied hosts only with `always`). Absent: names stay.
   */
  readonly canonicalize?: (host: string, info: { readonly proxied: boolean; readonly mode: 'yes' | 'always' }) => string | undefined | Promise<string | undefined>;
}

/** Per-call settings: what ssh takes from its command line. */
export interface ResolveOptions {
  /** `-l user` (or the user of `user@host`): wins over User in the files. */
  readonly user?: string;
  /** `-p port` (or a URI's port): wins over Port in the files. */
  readonly port?: number;
  /** `-o` options, one `Keyword value` (or `Keyword=value`) each, applied before the files. */
  readonly options?: readonly string[];
  /** `-W` is in use: ExitOnForwardFailure and ClearAllForwardings default to yes (ssh(1) -W). */
  readonly stdioForward?: boolean;
}

/** A forwarding's listener and target as configured, with `%` tokens of socket paths expanded. */
export type { DynamicForwardSpec, ForwardListen, LocalForwardSpec, RemoteForwardSpec };

/** The options of one host after resolution and defaults (ssh_config(5); what `ssh -G` prints). */
export interface ResolvedConfig {
  /** The host as given (`%n`). */
  readonly host: string;
  /** HostName with `%h` expanded (default: the host), lower-cased unless it is an address, canonicalized if asked (`%h`). */
  readonly hostName: string;
  /** Default: the local user. */
  readonly user: string;
  /** Default 22. */
  readonly port: number;
  /** IdentityFile, expanded; the defaults (~/.ssh/id_rsa, id_ecdsa, id_ecdsa_sk, id_ed25519, id_ed25519_sk, id_dsa) when none is configured. */
  readonly identityFiles: readonly string[];
  /** Whether `identityFiles` are the defaults (ssh is silent about missing default files). */
  readonly identityFilesAreDefault: boolean;
  readonly identitiesOnly: boolean;
  readonly certificateFiles: readonly string[];
  /** ProxyJump hops, first connected first, `%h %n %p %r` expanded; empty for none. */
  readonly proxyJump: readonly HostSpec[];
  /** ProxyCommand with `%h %n %p %r` expanded (run it with the user's shell); undefined for none. */
  readonly proxyCommand: string | undefined;
  /** Default ~/.ssh/known_hosts, ~/.ssh/known_hosts2; empty for `none`. */
  readonly userKnownHostsFiles: readonly string[];
  /** Default /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2; empty for `none`. */
  readonly globalKnownHostsFiles: readonly string[];
  /** Default `ask`. */
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  /** Algorithm lists as configured (`+`/`-`/`^` prefixes kept, for resolveAlgorithms); undefined: the defaults. */
  readonly hostKeyAlgorithms: string | undefined;
  readonly kexAlgorithms: string | undefined;
  readonly ciphers: string | undefined;
  readonly macs: string | undefined;
  /** Seconds; undefined: none (the system's TCP timeout). */
  readonly connectTimeout: number | undefined;
  /** Seconds, 0: off (the default upstream; Debian's ssh defaults it to 300 under BatchMode, hopssh does not). */
  readonly serverAliveInterval: number;
  /** Default 3. */
  readonly serverAliveCountMax: number;
  /** Default false; a string is an agent socket path (`~` and tokens expanded) or `$VARIABLE`. */
  readonly forwardAgent: boolean | string;
  /** Empty when ClearAllForwardings is on. */
  readonly localForwards: readonly LocalForwardSpec[];
  readonly remoteForwards: readonly RemoteForwardSpec[];
  readonly dynamicForwards: readonly DynamicForwardSpec[];
  /** Lower-cased, as ssh. */
  readonly hostKeyAlias: string | undefined;
  readonly hashKnownHosts: boolean;
  readonly checkHostIP: boolean;
  readonly batchMode: boolean;
  /** Default gssapi-with-mic, hostbased, publickey, keyboard-interactive, password. */
  readonly preferredAuthentications: readonly string[];
  readonly passwordAuthentication: boolean;
  readonly kbdInteractiveAuthentication: boolean;
  readonly pubkeyAuthentication: PubkeyAuthentication;
  /** Default 3. */
  readonly numberOfPasswordPrompts: number;
  /** Default `auto`. */
  readonly requestTTY: RequestTTY;
  /** SendEnv patterns in order (duplicates kept, as ssh). */
  readonly sendEnv: readonly string[];
  readonly setEnv: readonly EnvAssignment[];
  /** Default INFO; DEBUG is DEBUG1. */
  readonly logLevel: LogLevel;
  readonly addKeysToAgent: AddKeysToAgent;
  readonly exitOnForwardFailure: boolean;
  readonly clearAllForwardings: boolean;
  readonly canonicalizeHostname: CanonicalizeHostname;
  /** Unknown keywords skipped because IgnoreUnknown matched them. */
  readonly unknown: readonly IgnoredKeyword[];
  /** Keywords hopssh knows but does not interpret (lower-cased) → their first arguments. */
  readonly other: ReadonlyMap<string, readonly string[]>;
  /** Whether a final pass ran (Match final, or canonicalization). */
  readonly finalPass: boolean;
}

/** How deep Include may nest (OpenSSH READCONF_MAX_DEPTH). */
export const MAX_INCLUDE_DEPTH = 16;
/** Most files read through one configuration file and its Includes, so that wide Include globs cannot make resolution unbounded. */
export const MAX_FILES_READ = 1024;

const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_dsa'];
const DEFAULT_PREFERRED_AUTHENTICATIONS = ['gssapi-with-mic', 'hostbased', 'publickey', 'keyboard-interactive', 'password'];
const COMMAND_LINE = 'command line';

interface FileFlags {
  /** The user's configuration: relative Includes are under ~/.ssh, `~` allowed. */
  readonly user: boolean;
  /** ssh's owner/permission check (the user's default file and every include). */
  readonly checkPermissions: boolean;
  /** Read for a block that does not apply: Host and Match never match in it. */
  readonly neverMatch: boolean;
}

/** Reading one configuration file, and the files it includes, in one pass. */
class Pass {
  private filesRead = 0;
  private readonly stack: string[] = [];
  wantsFinal = false;

  constructor(
    private readonly ctx: ConfigContext,
    private readonly o: ConfigOptions,
    /** The name Host patterns are matched against: the host given, or in the final pass the host name. */
    private readonly host: string,
    private readonly originalHost: string,
    private readonly finalPass: boolean,
  ) {}

  private get env(): Readonly<Record<string, string | undefined>> {
    return this.ctx.env ?? {};
  }

  /** Reads a file; false when it does not exist. */
  async readFile(path: string, flags: FileFlags, active: { value: boolean }, depth: number): Promise<boolean> {
    if (depth > MAX_INCLUDE_DEPTH) throw new ConfigError(path, 0, `too many nested Include levels (more than ${MAX_INCLUDE_DEPTH})`);
    if (this.stack.includes(path)) throw new ConfigError(path, 0, `Include loop: ${[...this.stack.slice(this.stack.indexOf(path)), path].join(' -> ')}`);
    if (++this.filesRead > MAX_FILES_READ) throw new ConfigError(path, 0, `more than ${MAX_FILES_READ} configuration files read in one pass`);
    let bytes: Uint8Array;
    try {
      bytes = await this.ctx.fs.readFile(path);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT') return false;
      throw new ConfigError(path, 0, `cannot read: ${(e as Error).message}`, { cause: e });
    }
    if (flags.checkPermissions) await this.checkPermissions(path);
    this.stack.push(path);
    try {
      const lines = fromUtf8(bytes).split('\n');
      for (let n = 0; n < lines.length; n++) {
        const line = lexConfigLine(lines[n]!, path, n + 1);
        if (line !== undefined) await this.processLine(line, flags, active, depth);
      }
    } finally {
      this.stack.pop();
    }
    return true;
  }

  /** ssh refuses a user file another user owns, or one that others can write (ssh_config(5) FILES). */
  private async checkPermissions(path: string): Promise<void> {
    const { uid } = this.ctx;
    const stat = this.ctx.fs.stat;
    if (uid === undefined || stat === undefined) return;
    let st: { mode: number; uid: number };
    try {
      st = await stat.call(this.ctx.fs, path);
    } catch (e) {
      throw new ConfigError(path, 0, `cannot stat: ${(e as Error).message}`, { cause: e });
    }
    if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) throw new ConfigError(path, 0, 'bad owner or permissions (must be owned by the user or root, and not writable by group or others)');
  }

  async processLine(line: ConfigLine, flags: FileFlags, active: { value: boolean }, depth: number): Promise<void> {
    if (line.keyword === 'host') active.value = this.hostMatches(line, flags);
    else if (line.keyword === 'match') active.value = (await this.matchMatches(line, flags)) && !flags.neverMatch;
    else if (line.keyword === 'include') await this.include(line, flags, active, depth);
    else applyOption(this.o, { line, active: active.value, env: this.env });
  }

  /** Host: some pattern matches the host and no `!pattern` does (ssh_config(5) Host, PATTERNS). */
  private hostMatches(line: ConfigLine, flags: FileFlags): boolean {
    let matched = false;
    for (const arg of line.args) {
      if (arg === '') throw new ConfigError(line.file, line.line, 'Host: empty pattern');
      if (flags.neverMatch) return false;
      const negated = arg.startsWith('!');
      if (matchPattern(this.host, negated ? arg.slice(1) : arg)) {
        if (negated) return false;
        matched = true;
      }
    }
    return matched;
  }

  private async matchMatches(line: ConfigLine, flags: FileFlags): Promise<boolean> {
    const o = this.o;
    const host = this.finalPass ? o.hostName!.value : o.hostName !== undefined ? expandHostName(o.hostName, this.host) : this.host;
    const user = o.user?.value ?? this.ctx.localUser;
    const port = String(o.port?.value ?? 22);
    const tokens = tokenValues(this.ctx, { host, port, user, originalHost: this.originalHost, keyAlias: o.hostKeyAlias?.value ?? host });
    const r = await evaluateMatch(line, { host, originalHost: this.originalHost, user, localUser: this.ctx.localUser, finalPass: this.finalPass, neverMatch: flags.neverMatch, exec: this.ctx.exec, tokens });
    if (r.wantsFinal) this.wantsFinal = true;
    return r.matches;
  }

  /** Include (ssh_config(5)): each argument a path or glob, relative ones under ~/.ssh (user files) or /etc/ssh. */
  private async include(line: ConfigLine, flags: FileFlags, active: { value: boolean }, depth: number): Promise<void> {
    const fail: (detail: string, cause?: unknown) => never = (detail, cause) => {
      throw new ConfigError(line.file, line.line, detail, cause === undefined ? undefined : { cause });
    };
    for (const arg of line.args) {
      if (arg === '') fail('Include: empty argument');
      if (arg.startsWith('~') && !flags.user) fail(`Include: bad include path ${JSON.stringify(arg)} ("~" only in the user's configuration)`);
      let pattern = arg.startsWith('/') || arg.startsWith('~') ? arg : flags.user ? `~/.ssh/${arg}` : `/etc/ssh/${arg}`;
      try {
        pattern = expandTilde(pattern, this.ctx.home, this.ctx.homeOf);
      } catch (e) {
        if (e instanceof TokenError) fail(`Include: ${e.message}`, e);
        throw e;
      }
      let paths: readonly string[] = [pattern];
      if (hasGlobWildcards(pattern)) {
        if (this.ctx.glob === undefined) fail(`Include ${JSON.stringify(arg)}: wildcards need a glob function in the configuration context`);
        paths = await this.ctx.glob(pattern);
      }
      const wasActive = active.value;
      for (const path of paths) {
        await this.readFile(path, { user: flags.user, checkPermissions: true, neverMatch: flags.neverMatch || !wasActive }, active, depth + 1);
        // A Match or Host in the included file does not change the including file's block.
        active.value = wasActive;
      }
    }
  }
}

function expandHostName(hostName: Setting<string>, host: string): string {
  try {
    return expandTokens(hostName.value, { h: host }, HOSTNAME_TOKENS);
  } catch (e) {
    if (e instanceof TokenError) throw new ConfigError(hostName.file, hostName.line, `Hostname: ${e.message}`, { cause: e });
    throw e;
  }
}

function tokenValues(ctx: ConfigContext, c: { host: string; port: string; user: string; originalHost: string; keyAlias: string }): TokenValues {
  const values: Partial<Record<TokenName, string>> = {
    C: connectionHash(ctx.localHostName, c.host, c.port, c.user),
    d: ctx.home,
    h: c.host,
    k: c.keyAlias,
    L: ctx.localHostName.split('.')[0]!,
    l: ctx.localHostName,
    n: c.originalHost,
    p: c.port,
    r: c.user,
    u: ctx.localUser,
  };
  if (ctx.uid !== undefined) values.i = String(ctx.uid);
  return values;
}

/** The files ssh reads, in order. */
function configFiles(ctx: ConfigContext): { path: string; flags: FileFlags; required: boolean }[] {
  const userFile = (path: string, checkPermissions: boolean, required: boolean) => ({ path, required, flags: { user: true, checkPermissions, neverMatch: false } });
  if (ctx.configFile !== undefined) return ctx.configFile.toLowerCase() === 'none' ? [] : [userFile(ctx.configFile, false, true)];
  const files = [userFile(ctx.userConfigFile ?? `${ctx.home}/.ssh/config`, true, false)];
  if (ctx.systemConfigFile !== null) files.push({ path: ctx.systemConfigFile ?? '/etc/ssh/ssh_config', required: false, flags: { user: false, checkPermissions: false, neverMatch: false } });
  return files;
}

async function readAll(ctx: ConfigContext, o: ConfigOptions, host: string, originalHost: string, finalPass: boolean): Promise<boolean> {
  let wantsFinal = false;
  for (const f of configFiles(ctx)) {
    const pass = new Pass(ctx, o, host, originalHost, finalPass);
    const found = await pass.readFile(f.path, f.flags, { value: true }, 0);
    if (!found && f.required) throw new ConfigError(f.path, 0, 'cannot open the configuration file: it does not exist');
    wantsFinal ||= pass.wantsFinal;
  }
  return wantsFinal;
}

/** `-o` options: config lines with no Host, Match or Include. */
function applyCommandLine(ctx: ConfigContext, o: ConfigOptions, lines: readonly string[]): void {
  lines.forEach((text, i) => {
    const line = lexConfigLine(text, COMMAND_LINE, i + 1);
    if (line === undefined) return;
    if (line.keyword === 'host' || line.keyword === 'match' || line.keyword === 'include') {
      throw new ConfigError(COMMAND_LINE, i + 1, `${line.keyword} is not supported as a command-line option`);
    }
    applyOption(o, { line, active: true, env: ctx.env ?? {} });
  });
}

function commandLineSetting<T>(value: T): Setting<T> {
  return { value, file: COMMAND_LINE, line: 0 };
}

/** A built-in default, as a Setting (for the error of a default that cannot be expanded). */
function defaultSetting<T>(value: T): Setting<T> {
  return { value, file: '(default)', line: 0 };
}

/**
 * Resolves the options for `host` (the host as given: a Host alias or a
 * name). Throws ConfigError (file and line) for a malformed or unreadable
 * configuration, an unknown keyword not covered by IgnoreUnknown, a refused
 * `Match exec`, or a token that cannot be expanded.
 *
 * For a jump chain, resolve each hop from its own blocks:
 * `resolveConfig(hop.host, ctx, { user: hop.user, port: hop.port })`; as in
 * ssh, a hop reached through earlier hops (`-J` given to it) ignores its own
 * ProxyJump/ProxyCommand, while the first hop's own ones apply.
 */
export async function resolveConfig(host: string, ctx: ConfigContext, opts: ResolveOptions = {}): Promise<ResolvedConfig> {
  const o = new ConfigOptions();
  if (opts.user !== undefined) o.user = commandLineSetting(opts.user);
  if (opts.port !== undefined) o.port = commandLineSetting(opts.port);
  applyCommandLine(ctx, o, opts.options ?? []);

  let wantsFinal = await readAll(ctx, o, host, host, false);

  // ssh(1): HostName takes effect now, lower-cased unless it is an address.
  let name = o.hostName !== undefined ? expandHostName(o.hostName, host) : host;
  if (parseIpAddress(name) === undefined) name = asciiLowerCase(name);
  const canonicalize = o.canonicalizeHostname?.value ?? 'no';
  if (canonicalize !== 'no') {
    const proxied = (o.proxyCommand !== undefined && o.proxyCommand.value.toLowerCase() !== 'none') || (o.proxyJump !== undefined && o.proxyJump.value !== 'none');
    const canonical = await ctx.canonicalize?.(name, { proxied, mode: canonicalize });
    if (canonical !== undefined) name = canonical;
    wantsFinal = true;
  }
  if (wantsFinal) {
    o.hostName = { value: name, file: o.hostName?.file ?? COMMAND_LINE, line: o.hostName?.line ?? 0 };
    await readAll(ctx, o, name, host, true);
  }
  return finish(ctx, o, host, name, opts, wantsFinal);
}

function finish(ctx: ConfigContext, o: ConfigOptions, host: string, hostName: string, opts: ResolveOptions, finalPass: boolean): ResolvedConfig {
  const user = o.user?.value ?? ctx.localUser;
  const port = o.port?.value ?? 22;
  const hostKeyAlias = o.hostKeyAlias === undefined ? undefined : asciiLowerCase(o.hostKeyAlias.value);
  const values = tokenValues(ctx, { host: hostName, port: String(port), user, originalHost: host, keyAlias: hostKeyAlias ?? host });
  const env = ctx.env ?? {};
  const expand = (s: Setting<string>, tokens: readonly TokenName[], files: boolean): string => {
    try {
      const text = files ? expandTilde(s.value, ctx.home, ctx.homeOf) : s.value;
      return expandTokens(text, values, tokens, files ? { env } : {});
    } catch (e) {
      if (e instanceof TokenError) throw new ConfigError(s.file, s.line, e.message, { cause: e });
      throw e;
    }
  };
  const expandFile = (s: Setting<string>) => expand(s, CLIENT_TOKENS, true);
  const filesOf = (s: Setting<readonly string[]>) => s.value.map((value) => ({ value, file: s.file, line: s.line }));
  const noneOr = (s: Setting<readonly string[]> | undefined, defaults: readonly string[]) =>
    s === undefined ? defaults.map(defaultSetting) : s.value[0]!.toLowerCase() === 'none' ? [] : filesOf(s);

  const identityFiles = o.identityFiles.length > 0 ? o.identityFiles : DEFAULT_IDENTITY_FILES.map((f) => defaultSetting(`~/.ssh/${f}`));
  const proxyCommand = o.proxyCommand === undefined || o.proxyCommand.value.toLowerCase() === 'none' ? undefined : expand(o.proxyCommand, PROXY_TOKENS, false);
  const jump = o.proxyJump;
  const proxyJump =
    jump === undefined || jump.value === 'none'
      ? []
      : jump.value.map((hop) => ({
          ...hop,
          host: expand({ ...jump, value: hop.host }, PROXY_TOKENS, false),
          ...(hop.user !== undefined && { user: expand({ ...jump, value: hop.user }, PROXY_TOKENS, false) }),
        }));
  const clearAllForwardings = o.clearAllForwardings?.value ?? opts.stdioForward ?? false;
  const path = (s: Setting<unknown>, p: string) => expand({ value: p, file: s.file, line: s.line }, CLIENT_TOKENS, false);
  const listen = (s: Setting<unknown>, l: ForwardListen): ForwardListen => ('path' in l ? { path: path(s, l.path) } : l);
  const target = (s: Setting<unknown>, t: Endpoint): Endpoint => ('path' in t ? { path: path(s, t.path) } : t);
  const forwardAgent = o.forwardAgent?.value ?? false;

  return {
    host,
    hostName,
    user,
    port,
    identityFiles: identityFiles.map(expandFile),
    identityFilesAreDefault: o.identityFiles.length === 0,
    identitiesOnly: o.identitiesOnly?.value ?? false,
    certificateFiles: o.certificateFiles.map(expandFile),
    proxyJump,
    proxyCommand,
    userKnownHostsFiles: noneOr(o.userKnownHostsFiles, ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).map(expandFile),
    globalKnownHostsFiles: noneOr(o.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).map((s) => s.value),
    strictHostKeyChecking: o.strictHostKeyChecking?.value ?? 'ask',
    hostKeyAlgorithms: o.hostKeyAlgorithms?.value,
    kexAlgorithms: o.kexAlgorithms?.value,
    ciphers: o.ciphers?.value,
    macs: o.macs?.value,
    connectTimeout: o.connectTimeout?.value,
    serverAliveInterval: o.serverAliveInterval?.value ?? 0,
    serverAliveCountMax: o.serverAliveCountMax?.value ?? 3,
    // `$NAME` names the variable holding the socket (kept as is); a path, `${VAR}` included, is expanded.
    forwardAgent: typeof forwardAgent === 'string' && !/^\$(?!\{)/.test(forwardAgent) ? expandFile({ ...o.forwardAgent!, value: forwardAgent }) : forwardAgent,
    localForwards: clearAllForwardings ? [] : o.localForwards.map((s) => ({ listen: listen(s, s.value.listen), to: target(s, s.value.to) })),
    remoteForwards: clearAllForwardings
      ? []
      : o.remoteForwards.map((s) => ({ listen: listen(s, s.value.listen), ...(s.value.to !== undefined && { to: target(s, s.value.to) }) })),
    dynamicForwards: clearAllForwardings ? [] : o.dynamicForwards.map((s) => ({ listen: listen(s, s.value.listen) })),
    hostKeyAlias,
    hashKnownHosts: o.hashKnownHosts?.value ?? false,
    checkHostIP: o.checkHostIP?.value ?? false,
    batchMode: o.batchMode?.value ?? false,
    preferredAuthentications: o.preferredAuthentications?.value.split(',') ?? DEFAULT_PREFERRED_AUTHENTICATIONS,
    passwordAuthentication: o.passwordAuthentication?.value ?? true,
    kbdInteractiveAuthentication: o.kbdInteractiveAuthentication?.value ?? true,
    pubkeyAuthentication: o.pubkeyAuthentication?.value ?? 'yes',
    numberOfPasswordPrompts: o.numberOfPasswordPrompts?.value ?? 3,
    requestTTY: o.requestTTY?.value ?? 'auto',
    sendEnv: o.sendEnv,
    setEnv: o.setEnv?.value ?? [],
    logLevel: o.logLevel?.value ?? 'INFO',
    addKeysToAgent: o.addKeysToAgent?.value ?? { mode: 'no' },
    exitOnForwardFailure: o.exitOnForwardFailure?.value ?? opts.stdioForward ?? false,
    clearAllForwardings,
    canonicalizeHostname: o.canonicalizeHostname?.value ?? 'no',
    unknown: o.ignored,
    other: new Map([...o.other].map(([k, s]) => [k, s.value])),
    finalPass,
  };
}
