/**
 * ssh(1) -Q (the algorithms supported) and -G (the configuration after
 * resolution, one `keyword value` line each, as `ssh -G` prints it).
 */
import { CERTIFICATE_SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS } from '../crypto/signature.ts';
import { describeEndpoint } from '../channel/forwarding-endpoint.ts';
import { SUPPORTED } from '../transport/algorithms.ts';
import type { ForwardListen, ResolvedConfig } from '../jump/ssh-config.ts';
import { EXIT_ERROR } from './exit-codes.ts';

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];
const plainKeys = unique(SIGNATURE_ALGORITHMS.map((a) => (a.startsWith('rsa-sha2-') ? 'ssh-rsa' : a)));
const certKeys = unique(CERTIFICATE_SIGNATURE_ALGORITHMS.map((a) => (a.startsWith('rsa-sha2-') ? 'ssh-rsa-cert-v01@openssh.com' : a)));
const signatures = [...SIGNATURE_ALGORITHMS, ...CERTIFICATE_SIGNATURE_ALGORITHMS];

/** Query names of ssh(1) -Q. */
const QUERIES: Readonly<Record<string, readonly string[]>> = {
  cipher: SUPPORTED.cipher,
  'cipher-auth': SUPPORTED.cipher.filter((c) => c.includes('gcm') || c.includes('poly1305')),
  compression: SUPPORTED.compression,
  kex: SUPPORTED.kex,
  key: [...plainKeys, ...certKeys],
  'key-cert': certKeys,
  'key-plain': plainKeys,
  'key-sig': signatures,
  'key-ca-sign': SIGNATURE_ALGORITHMS,
  mac: SUPPORTED.mac,
  'protocol-version': ['2'],
  sig: signatures,
};

/** ssh_config keywords -Q accepts in place of a query name. */
const KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  ciphers: SUPPORTED.cipher,
  macs: SUPPORTED.mac,
  kexalgorithms: SUPPORTED.kex,
  hostkeyalgorithms: SUPPORTED.hostKey,
  pubkeyacceptedalgorithms: signatures,
  casignaturealgorithms: SIGNATURE_ALGORITHMS,
};

/** Prints the answer to `-Q what`; returns the exit code. */
export function query(what: string): number {
  const name = what.toLowerCase();
  const list = name === 'help' ? [...Object.keys(QUERIES), 'help'] : Object.hasOwn(QUERIES, name) ? QUERIES[name] : Object.hasOwn(KEYWORDS, name) ? KEYWORDS[name] : undefined;
  if (list === undefined) {
    process.stderr.write(`Unsupported query "${what}"\n`);
    return EXIT_ERROR;
  }
  process.stdout.write(`${list.join('\n')}\n`);
  return 0;
}

function listen(l: ForwardListen): string {
  if ('path' in l) return l.path;
  return l.bindAddress === undefined ? String(l.port) : `${l.bindAddress}:${l.port}`;
}

/** `ssh -G`: the resolved options, lower-case keywords (a subset: the options hopssh acts on, and the kept ones). */
export function printConfig(cfg: ResolvedConfig): void {
  const lines: string[] = [];
  const add = (keyword: string, value: string | number | boolean | undefined): void => {
    if (value === undefined) return;
    lines.push(`${keyword} ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : value}`);
  };
  add('host', cfg.host);
  add('hostname', cfg.hostName);
  add('user', cfg.user);
  add('port', cfg.port);
  add('batchmode', cfg.batchMode);
  add('checkhostip', cfg.checkHostIP);
  add('clearallforwardings', cfg.clearAllForwardings);
  add('exitonforwardfailure', cfg.exitOnForwardFailure);
  add('hashknownhosts', cfg.hashKnownHosts);
  add('identitiesonly', cfg.identitiesOnly);
  add('kbdinteractiveauthentication', cfg.kbdInteractiveAuthentication);
  add('passwordauthentication', cfg.passwordAuthentication);
  add('pubkeyauthentication', cfg.pubkeyAuthentication);
  add('loglevel', cfg.logLevel);
  add('numberofpasswordprompts', cfg.numberOfPasswordPrompts);
  add('serveraliveinterval', cfg.serverAliveInterval);
  add('serveralivecountmax', cfg.serverAliveCountMax);
  add('connecttimeout', cfg.connectTimeout ?? 'none');
  add('stricthostkeychecking', cfg.strictHostKeyChecking === 'yes' ? 'true' : cfg.strictHostKeyChecking === 'no' ? 'false' : cfg.strictHostKeyChecking);
  add('requesttty', cfg.requestTTY === 'yes' ? 'true' : cfg.requestTTY === 'no' ? 'false' : cfg.requestTTY);
  add('ciphers', cfg.ciphers ?? SUPPORTED.cipher.join(','));
  add('macs', cfg.macs);
  add('kexalgorithms', cfg.kexAlgorithms);
  add('hostkeyalgorithms', cfg.hostKeyAlgorithms);
  add('hostkeyalias', cfg.hostKeyAlias);
  add('proxycommand', cfg.proxyCommand);
  if (cfg.proxyJump.length > 0) add('proxyjump', cfg.proxyJump.map((h) => `${h.user === undefined ? '' : `${h.user}@`}${h.host}${h.port === undefined ? '' : `:${h.port}`}`).join(','));
  add('forwardagent', cfg.forwardAgent);
  add('preferredauthentications', cfg.preferredAuthentications.join(','));
  for (const f of cfg.identityFiles) add('identityfile', f);
  for (const f of cfg.certificateFiles) add('certificatefile', f);
  add('userknownhostsfile', cfg.userKnownHostsFiles.join(' ') || 'none');
  add('globalknownhostsfile', cfg.globalKnownHostsFiles.join(' ') || 'none');
  for (const f of cfg.localForwards) add('localforward', `${listen(f.listen)} ${describeEndpoint(f.to)}`);
  for (const f of cfg.remoteForwards) add('remoteforward', f.to === undefined ? listen(f.listen) : `${listen(f.listen)} ${describeEndpoint(f.to)}`);
  for (const f of cfg.dynamicForwards) add('dynamicforward', listen(f.listen));
  for (const p of cfg.sendEnv) add('sendenv', p);
  for (const e of cfg.setEnv) add('setenv', `${e.name}=${e.value}`);
  for (const [keyword, args] of cfg.other) add(keyword, args.join(' '));
  process.stdout.write(`${lines.join('\n')}\n`);
}
