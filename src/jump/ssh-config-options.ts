/**
 * The keywords of ssh_config(5) and what each does to the options being
 * gathered. As in ssh(1), the first value obtained for an option is used;
 * IdentityFile, CertificateFile, LocalForward, RemoteForward, DynamicForward
 * and SendEnv accumulate instead. Every line is checked whether or not its
 * block applies (a bad value is an error anywhere in the file, as ssh(1)
 * treats it); only lines of applying blocks set anything.
 *
 * The keyword set is OpenSSH 9.2's (with Debian's additions), plus the
 * keywords later OpenSSH releases added, so that a newer ssh_config does not
 * fail here; keywords hopssh does not interpret are kept, first value, in
 * `other`. Host, Match and Include are handled by ssh-config.ts.
 */
import { matchPattern, matchPatternList } from '../auth/patterns.ts';
import { ConfigError, SpecError, TokenError } from './errors.ts';
import { parseDynamicForward, parseLocalForward, parseRemoteForward, type DynamicForwardSpec, type LocalForwardSpec, type RemoteForwardSpec } from './forward-spec.ts';
import { parseJumpHost, parsePortNumber, type HostSpec } from './jump-spec.ts';
import type { ConfigLine } from './ssh-config-lexer.ts';
import { FLAG_WORDS, parseInteger, parseTimeInterval, parseWord } from './ssh-config-values.ts';

/** Where a value was set. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** A value and where it was set. */
export interface Setting<T> extends Origin {
  readonly value: T;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';
export type RequestTTY = 'yes' | 'no' | 'force' | 'auto';
export type PubkeyAuthentication = 'yes' | 'no' | 'unbound' | 'host-bound';
export type CanonicalizeHostname = 'yes' | 'no' | 'always';
export type LogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

/** AddKeysToAgent: the mode and, for `yes`/`confirm` with a time, the key's lifetime in the agent (seconds). */
export interface AddKeysToAgent {
  readonly mode: 'no' | 'yes' | 'ask' | 'confirm';
  readonly lifetime?: number;
}

export interface EnvAssignment {
  readonly name: string;
  readonly value: string;
}

/** An unknown keyword skipped because IgnoreUnknown matched it. */
export interface IgnoredKeyword extends Origin {
  readonly keyword: string;
}

/** ssh(1)'s limits: 100 identity and certificate files, 32 known-hosts files. */
const MAX_FILES = 100;
const MAX_HOSTS_FILES = 32;

/**
 * The options gathered so far, before defaults (ssh's Options while reading
 * its configuration): unset ones are undefined.
 */
export class ConfigOptions {
  hostName?: Setting<string>;
  user?: Setting<string>;
  port?: Setting<number>;
  identityFiles: Setting<string>[] = [];
  certificateFiles: Setting<string>[] = [];
  identitiesOnly?: Setting<boolean>;
  /** ProxyCommand as written ("none" included). */
  proxyCommand?: Setting<string>;
  /** ProxyJump: the hops, or "none". */
  proxyJump?: Setting<readonly HostSpec[] | 'none'>;
  userKnownHostsFiles?: Setting<readonly string[]>;
  globalKnownHostsFiles?: Setting<readonly string[]>;
  strictHostKeyChecking?: Setting<StrictHostKeyChecking>;
  hostKeyAlgorithms?: Setting<string>;
  kexAlgorithms?: Setting<string>;
  ciphers?: Setting<string>;
  macs?: Setting<string>;
  /** Seconds. */
  connectTimeout?: Setting<number>;
  serverAliveInterval?: Setting<number>;
  serverAliveCountMax?: Setting<number>;
  forwardAgent?: Setting<boolean | string>;
  localForwards: Setting<LocalForwardSpec>[] = [];
  remoteForwards: Setting<RemoteForwardSpec>[] = [];
  dynamicForwards: Setting<DynamicForwardSpec>[] = [];
  hostKeyAlias?: Setting<string>;
  hashKnownHosts?: Setting<boolean>;
  checkHostIP?: Setting<boolean>;
  batchMode?: Setting<boolean>;
  preferredAuthentications?: Setting<string>;
  passwordAuthentication?: Setting<boolean>;
  kbdInteractiveAuthentication?: Setting<boolean>;
  pubkeyAuthentication?: Setting<PubkeyAuthentication>;
  numberOfPasswordPrompts?: Setting<number>;
  requestTTY?: Setting<RequestTTY>;
  sendEnv: string[] = [];
  setEnv?: Setting<readonly EnvAssignment[]>;
  logLevel?: Setting<LogLevel>;
  addKeysToAgent?: Setting<AddKeysToAgent>;
  exitOnForwardFailure?: Setting<boolean>;
  clearAllForwardings?: Setting<boolean>;
  ignoreUnknown?: Setting<string>;
  canonicalizeHostname?: Setting<CanonicalizeHostname>;
  /** Keywords hopssh knows but does not interpret: lower-cased keyword → first arguments. */
  other = new Map<string, Setting<readonly string[]>>();
  /** Unknown keywords that IgnoreUnknown let through. */
  ignored: IgnoredKeyword[] = [];
}

/** What a keyword's handler gets: the line, whether its block applies, and the environment for `${VAR}` in forwarding specs. */
export interface LineContext {
  readonly line: ConfigLine;
  readonly active: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Handler = (o: ConfigOptions, c: LineContext) => void;

function fail(c: LineContext, detail: string, cause?: unknown): never {
  throw new ConfigError(c.line.file, c.line.line, detail, cause === undefined ? undefined : { cause });
}

/** The only argument of a single-valued keyword (ssh: "Missing argument", "extra arguments at end of line"). */
function single(c: LineContext): string {
  const [arg, ...extra] = c.line.args;
  if (arg === undefined || arg === '') fail(c, `missing argument for ${c.line.keyword}`);
  if (extra.length > 0) fail(c, `${c.line.keyword}: extra arguments at end of line`);
  return arg;
}

function setting<T>(c: LineContext, value: T): Setting<T> {
  return { value, file: c.line.file, line: c.line.line };
}

/** The first-value-wins options of ConfigOptions, and the type of each one's value. */
type Slot = { [K in keyof ConfigOptions]-?: NonNullable<ConfigOptions[K]> extends Setting<unknown> ? K : never }[keyof ConfigOptions];
type SlotValue<K extends Slot> = NonNullable<ConfigOptions[K]> extends Setting<infer T> ? T : never;

/** First value wins: set `slot` when the block applies and nothing set it before. */
function first<K extends Slot>(o: ConfigOptions, c: LineContext, slot: K, value: SlotValue<K>): void {
  if (c.active && o[slot] === undefined) (o as unknown as Record<K, Setting<SlotValue<K>>>)[slot] = setting(c, value);
}

/** A keyword taking one word of a fixed set. */
function words<K extends Slot>(slot: K, set: Readonly<Record<string, SlotValue<K>>>): Handler {
  return (o, c) => {
    const arg = single(c);
    const v = parseWord(arg, set);
    if (v === undefined) fail(c, `${c.line.keyword}: unsupported value ${JSON.stringify(arg)} (one of ${Object.keys(set).join(', ')})`);
    first(o, c, slot, v);
  };
}

function flag<K extends Slot>(slot: K): Handler {
  return words(slot, FLAG_WORDS as never);
}

function text<K extends Slot>(slot: K): Handler {
  return (o, c) => first(o, c, slot, single(c) as never);
}

function integer<K extends Slot>(slot: K): Handler {
  return (o, c) => {
    const arg = single(c);
    const v = parseInteger(arg);
    if (v === undefined) fail(c, `${c.line.keyword}: ${JSON.stringify(arg)} is not a non-negative integer`);
    first(o, c, slot, v as never);
  };
}

/** A time interval; with `noneAllowed`, `none` is accepted and leaves the option unset (a later line may still set it, as in ssh). */
function time<K extends Slot>(slot: K, noneAllowed: boolean): Handler {
  return (o, c) => {
    const arg = single(c);
    if (noneAllowed && arg === 'none') return;
    const v = parseTimeInterval(arg);
    if (v === undefined) fail(c, `${c.line.keyword}: invalid time value ${JSON.stringify(arg)}`);
    first(o, c, slot, v as never);
  };
}

/** An algorithm list (kept as written, with its +, - or ^ prefix: resolveAlgorithms understands it). */
function algorithms<K extends Slot>(slot: K): Handler {
  return (o, c) => {
    const arg = single(c);
    const names = /^[+\-^]/.test(arg) ? arg.slice(1) : arg;
    if (names.split(',').some((n) => n === '')) fail(c, `${c.line.keyword}: empty algorithm name in ${JSON.stringify(arg)}`);
    first(o, c, slot, arg as never);
  };
}

/** An accumulating file list (IdentityFile, CertificateFile): duplicates skipped, as ssh. */
function fileList(slot: 'identityFiles' | 'certificateFiles'): Handler {
  return (o, c) => {
    const arg = single(c);
    if (!c.active) return;
    const list = o[slot];
    if (list.some((s) => s.value === arg)) return;
    if (list.length >= MAX_FILES) fail(c, `too many ${c.line.keyword} entries (at most ${MAX_FILES})`);
    list.push(setting(c, arg));
  };
}

/** UserKnownHostsFile / GlobalKnownHostsFile: a whole list, first one wins; `none` only alone. */
function hostsFiles(slot: 'userKnownHostsFiles' | 'globalKnownHostsFiles'): Handler {
  return (o, c) => {
    const args = c.line.args;
    if (args.length === 0) fail(c, `missing argument for ${c.line.keyword}`);
    if (args.some((a) => a === '')) fail(c, `${c.line.keyword}: empty argument`);
    if (args.length > 1 && args.some((a) => a.toLowerCase() === 'none')) fail(c, `${c.line.keyword}: "none" must appear alone`);
    if (args.length > MAX_HOSTS_FILES) fail(c, `too many ${c.line.keyword} entries (at most ${MAX_HOSTS_FILES})`);
    first(o, c, slot, [...args]);
  };
}

/** LocalForward / RemoteForward (listen and target, or for RemoteForward the listener alone) and DynamicForward. */
function forward(kind: 'local' | 'remote' | 'dynamic'): Handler {
  return (o, c) => {
    const [a, b, ...extra] = c.line.args;
    if (a === undefined || a === '') fail(c, `missing argument for ${c.line.keyword}`);
    if (extra.length > 0 || (kind === 'dynamic' && b !== undefined)) fail(c, `${c.line.keyword}: extra arguments at end of line`);
    if (kind === 'local' && (b === undefined || b === '')) fail(c, `${c.line.keyword}: missing target argument`);
    const spec = b === undefined || b === '' ? a : `${a}:${b}`;
    const opts = { env: c.env };
    let parsed: Setting<LocalForwardSpec | RemoteForwardSpec | DynamicForwardSpec>;
    try {
      parsed = setting(c, kind === 'local' ? parseLocalForward(spec, opts) : kind === 'remote' ? parseRemoteForward(spec, opts) : parseDynamicForward(spec, opts));
    } catch (e) {
      if (e instanceof SpecError || e instanceof TokenError) fail(c, `bad forwarding specification: ${e.message}`, e);
      throw e;
    }
    if (!c.active) return;
    const list = (kind === 'local' ? o.localForwards : kind === 'remote' ? o.remoteForwards : o.dynamicForwards) as Setting<unknown>[];
    const key = JSON.stringify(parsed.value);
    if (!list.some((s) => JSON.stringify(s.value) === key)) list.push(parsed);
  };
}

const sendEnv: Handler = (o, c) => {
  for (const arg of c.line.args) {
    if (arg === '' || arg.includes('=')) fail(c, `SendEnv: invalid environment name ${JSON.stringify(arg)}`);
    if (!c.active) continue;
    if (arg.startsWith('-')) o.sendEnv = o.sendEnv.filter((name) => !matchPattern(name, arg.slice(1)));
    else o.sendEnv.push(arg);
  }
};

/** SetEnv: the first line that applies sets the whole list; within it, the first assignment of a name wins. */
const setEnv: Handler = (o, c) => {
  const list: EnvAssignment[] = [];
  for (const arg of c.line.args) {
    const eq = arg.indexOf('=');
    if (eq < 0) fail(c, `SetEnv: ${JSON.stringify(arg)} is not NAME=VALUE`);
    const name = arg.slice(0, eq);
    if (!list.some((e) => e.name === name)) list.push({ name, value: arg.slice(eq + 1) });
  }
  if (list.length > 0) first(o, c, 'setEnv', list);
};

const forwardAgent: Handler = (o, c) => {
  const arg = single(c);
  const v = parseWord(arg, FLAG_WORDS);
  // Neither yes nor no: a socket path or an environment variable (`$NAME`), as ssh_config(5) ForwardAgent.
  first(o, c, 'forwardAgent', v ?? arg);
};

const LOG_LEVELS: Readonly<Record<string, LogLevel>> = {
  quiet: 'QUIET',
  fatal: 'FATAL',
  error: 'ERROR',
  info: 'INFO',
  verbose: 'VERBOSE',
  debug: 'DEBUG1',
  debug1: 'DEBUG1',
  debug2: 'DEBUG2',
  debug3: 'DEBUG3',
};

const ADD_KEYS_MODES: Readonly<Record<string, AddKeysToAgent['mode']>> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', ask: 'ask', confirm: 'confirm' };

const PUBKEY_AUTHENTICATION: Readonly<Record<string, PubkeyAuthentication>> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', unbound: 'unbound', 'host-bound': 'host-bound' };

/** AddKeysToAgent: yes, no, ask, confirm, `confirm <time>`, or a time alone (yes with that lifetime). */
const addKeysToAgent: Handler = (o, c) => {
  const [arg, when, ...extra] = c.line.args;
  if (arg === undefined || extra.length > 0) fail(c, 'AddKeysToAgent: expected yes, no, ask, confirm [time] or a time');
  const mode = parseWord(arg, ADD_KEYS_MODES);
  let value: AddKeysToAgent;
  if (mode === 'confirm' && when !== undefined) {
    const lifetime = parseTimeInterval(when);
    if (lifetime === undefined) fail(c, `AddKeysToAgent: invalid time value ${JSON.stringify(when)}`);
    value = { mode, lifetime };
  } else if (mode === undefined && when === undefined) {
    const lifetime = parseTimeInterval(arg);
    if (lifetime === undefined) fail(c, `AddKeysToAgent: unsupported value ${JSON.stringify(arg)}`);
    value = { mode: 'yes', lifetime };
  } else if (mode === undefined || when !== undefined) {
    fail(c, 'AddKeysToAgent: expected yes, no, ask, confirm [time] or a time');
  } else {
    value = { mode };
  }
  first(o, c, 'addKeysToAgent', value);
};

const port: Handler = (o, c) => {
  const arg = single(c);
  const v = parsePortNumber(arg);
  if (v === undefined) fail(c, `bad port ${JSON.stringify(arg)} (a number from 1 to 65535)`);
  first(o, c, 'port', v);
};

/** ProxyCommand: the rest of the line, as written. */
const proxyCommand: Handler = (o, c) => {
  const command = c.line.rest.replace(/^[ \t\r\n=]+/, '');
  if (command === '') fail(c, 'missing argument for proxycommand');
  first(o, c, 'proxyCommand', command);
};

/**
 * ProxyJump: the rest of the line (a `#` ends it). ProxyJump and
 * ProxyCommand are first-match-wins between each other: hops are taken
 * only when neither is set yet; `none` only when ProxyJump is not
 * (OpenSSH 9.2 as Debian ships it, and later releases).
 */
const proxyJump: Handler = (o, c) => {
  const spec = c.line.rest.replace(/^[ \t\r\n=]+/, '');
  if (spec.toLowerCase() === 'none') return first(o, c, 'proxyJump', 'none');
  const hash = spec.indexOf('#');
  const body = (hash >= 0 ? spec.slice(0, hash) : spec).replace(/[ \t\r\n]+$/, '');
  let hops: HostSpec[];
  try {
    if (body === '') throw new SpecError(spec, 'no jump host');
    hops = body.split(',').map((entry) => {
      if (entry === '') throw new SpecError(spec, 'empty jump host between commas');
      return parseJumpHost(entry);
    });
  } catch (e) {
    if (e instanceof SpecError) fail(c, `invalid ProxyJump: ${e.message}`, e);
    throw e;
  }
  if (o.proxyCommand !== undefined) return;
  first(o, c, 'proxyJump', hops);
  if (c.active && o.proxyJump?.value === hops) o.proxyCommand = setting(c, 'none');
};

/** A known keyword hopssh does not interpret: first arguments kept in `other`. */
const keep: Handler = (o, c) => {
  if (c.active && !o.other.has(c.line.keyword)) o.other.set(c.line.keyword, setting(c, c.line.args));
};

/** Deprecated and unsupported keywords: accepted and ignored, as ssh(1) does. */
const ignore: Handler = () => {};

const HANDLERS: Readonly<Record<string, Handler>> = {
  hostname: text('hostName'),
  user: text('user'),
  port,
  identityfile: fileList('identityFiles'),
  identityfile2: fileList('identityFiles'),
  certificatefile: fileList('certificateFiles'),
  identitiesonly: flag('identitiesOnly'),
  proxycommand: proxyCommand,
  proxyjump: proxyJump,
  userknownhostsfile: hostsFiles('userKnownHostsFiles'),
  globalknownhostsfile: hostsFiles('globalKnownHostsFiles'),
  stricthostkeychecking: words('strictHostKeyChecking', { yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' }),
  hostkeyalgorithms: algorithms('hostKeyAlgorithms'),
  kexalgorithms: algorithms('kexAlgorithms'),
  ciphers: algorithms('ciphers'),
  macs: algorithms('macs'),
  connecttimeout: time('connectTimeout', true),
  serveraliveinterval: time('serverAliveInterval', false),
  // Debian's compatibility aliases (ssh_config(5) ServerAliveInterval, Debian-specific).
  protocolkeepalives: time('serverAliveInterval', false),
  setuptimeout: time('serverAliveInterval', false),
  serveralivecountmax: integer('serverAliveCountMax'),
  forwardagent: forwardAgent,
  localforward: forward('local'),
  remoteforward: forward('remote'),
  dynamicforward: forward('dynamic'),
  hostkeyalias: text('hostKeyAlias'),
  hashknownhosts: flag('hashKnownHosts'),
  checkhostip: flag('checkHostIP'),
  batchmode: flag('batchMode'),
  preferredauthentications: text('preferredAuthentications'),
  passwordauthentication: flag('passwordAuthentication'),
  kbdinteractiveauthentication: flag('kbdInteractiveAuthentication'),
  challengeresponseauthentication: flag('kbdInteractiveAuthentication'),
  skeyauthentication: flag('kbdInteractiveAuthentication'),
  tisauthentication: flag('kbdInteractiveAuthentication'),
  pubkeyauthentication: words('pubkeyAuthentication', PUBKEY_AUTHENTICATION),
  dsaauthentication: words('pubkeyAuthentication', PUBKEY_AUTHENTICATION),
  numberofpasswordprompts: integer('numberOfPasswordPrompts'),
  requesttty: words('requestTTY', { yes: 'yes', true: 'yes', no: 'no', false: 'no', force: 'force', auto: 'auto' }),
  sendenv: sendEnv,
  setenv: setEnv,
  loglevel: words('logLevel', LOG_LEVELS),
  addkeystoagent: addKeysToAgent,
  exitonforwardfailure: flag('exitOnForwardFailure'),
  clearallforwardings: flag('clearAllForwardings'),
  ignoreunknown: text('ignoreUnknown'),
  canonicalizehostname: words('canonicalizeHostname', { yes: 'yes', true: 'yes', no: 'no', false: 'no', always: 'always' }),
};

/** Keywords kept in `other` (OpenSSH 9.2, Debian's GSSAPI additions, and keywords of later releases). */
const KEPT = [
  'addressfamily', 'bindaddress', 'bindinterface', 'canonicaldomains', 'canonicalizefallbacklocal', 'canonicalizemaxdots',
  'canonicalizepermittedcnames', 'casignaturealgorithms', 'channeltimeout', 'compression', 'connectionattempts', 'controlmaster',
  'controlpath', 'controlpersist', 'enableescapecommandline', 'enablesshkeysign', 'escapechar', 'fingerprinthash',
  'forkafterauthentication', 'forwardx11', 'forwardx11timeout', 'forwardx11trusted', 'gatewayports', 'gssapiauthentication',
  'gssapiclientidentity', 'gssapidelegatecredentials', 'gssapikexalgorithms', 'gssapikeyexchange', 'gssapirenewalforcesrekey',
  'gssapiserveridentity', 'gssapitrustdns', 'hostbasedacceptedalgorithms', 'hostbasedauthentication', 'hostbasedkeytypes',
  'identityagent', 'ipqos', 'kbdinteractivedevices', 'keepalive', 'knownhostscommand', 'localcommand', 'logverbose',
  'nohostauthenticationforlocalhost', 'obscurekeystroketiming', 'permitlocalcommand', 'permitremoteopen', 'pkcs11provider',
  'proxyusefdpass', 'pubkeyacceptedalgorithms', 'pubkeyacceptedkeytypes', 'refuseconnection', 'rekeylimit', 'remotecommand',
  'requiredrsasize', 'revokedhostkeys', 'securitykeyprovider', 'sessiontype', 'smartcarddevice', 'stdinnull', 'streamlocalbindmask',
  'streamlocalbindunlink', 'syslogfacility', 'tag', 'tcpkeepalive', 'tunnel', 'tunneldevice', 'updatehostkeys', 'verifyhostkeydns',
  'versionaddendum', 'visualhostkey', 'warnweakcrypto', 'xauthlocation',
];

/** Deprecated and unsupported keywords of OpenSSH, silently accepted. */
const IGNORED = [
  'protocol', 'cipher', 'fallbacktorsh', 'globalknownhostsfile2', 'rhostsauthentication', 'userknownhostsfile2', 'useroaming',
  'usersh', 'useprivilegedport', 'afstokenpassing', 'kerberosauthentication', 'kerberostgtpassing', 'rsaauthentication',
  'rhostsrsaauthentication', 'compressionlevel',
];

const TABLE: ReadonlyMap<string, Handler> = new Map([
  ...Object.entries(HANDLERS),
  ...KEPT.map((k): [string, Handler] => [k, keep]),
  ...IGNORED.map((k): [string, Handler] => [k, ignore]),
]);

/** Whether `keyword` (lower-cased) is an ssh_config keyword (Host, Match and Include included). */
export function isKnownKeyword(keyword: string): boolean {
  return TABLE.has(keyword) || keyword === 'host' || keyword === 'match' || keyword === 'include';
}

/**
 * Applies one option line (not Host, Match or Include). An unknown keyword
 * is an error unless IgnoreUnknown (set earlier) matches it (ssh_config(5)
 * IgnoreUnknown); then it is recorded in `ignored` when its block applies.
 */
export function applyOption(o: ConfigOptions, c: LineContext): void {
  const handler = TABLE.get(c.line.keyword);
  if (handler !== undefined) return handler(o, c);
  const ignoreList = o.ignoreUnknown?.value;
  if (ignoreList !== undefined && matchPatternList(c.line.keyword, ignoreList, true) === 'match') {
    if (c.active) o.ignored.push({ keyword: c.line.keyword, file: c.line.file, line: c.line.line });
    return;
  }
  fail(c, `bad configuration option: ${c.line.keyword}`);
}
