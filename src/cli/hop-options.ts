/**
 * One host's resolved ssh_config(5) options as the jump library's
 * HopOptions: address and user, keys (agent, identity files with their
 * passphrase question), password and keyboard-interactive prompts, the
 * host-key policy, algorithms, ConnectTimeout, ServerAlive*, the banner.
 * Each host of a chain gets its own, from its own configuration, as each
 * `ssh -W` that ssh(1) runs for a jump host reads its own.
 */
import type { Credential } from '../auth/credentials.ts';
import type { KbdPrompt } from '../auth/userauth-messages.ts';
import { knownHostsAlgorithmOrder, type HostKeyWarning } from '../auth/host-key-policy.ts';
import { cliFileSystem } from './file-system.ts';
import type { HopOptions } from '../jump/hop.ts';
import type { ResolvedConfig } from '../jump/ssh-config.ts';
import { askingVerifier } from './host-keys.ts';
import { openAgent, usableIdentityFiles } from './identities.ts';
import { printable, type Log } from './log.ts';
import { batchPrompter, type Prompter } from './prompts.ts';

export interface HopContext {
  readonly log: Log;
  /** The terminal (or askpass); BatchMode=yes replaces it with nobody. */
  readonly prompter: Prompter;
  readonly env: NodeJS.ProcessEnv;
}

/** What the CLI keeps about a hop besides its options. */
export interface HopState {
  /**
   * StrictHostKeyChecking no let a changed host key through: as ssh(1), no
   * password or keyboard-interactive authentication, and (for the target) no
   * forwarding on this connection.
   */
  changedKeyAccepted: boolean;
}

/** A known_hosts warning at the level ssh(1) prints it. */
function logWarning(w: HostKeyWarning, log: Log): void {
  switch (w.kind) {
    case 'added':
    case 'address-added':
      return log.info(`Warning: ${w.message}`);
    case 'changed-key-accepted':
    case 'address-changed':
      return log.error(`WARNING: ${w.message}`);
    default:
      return log.debug(w.message);
  }
}

/** Password and keyboard-interactive credentials that ask on the terminal (none under BatchMode, or when disabled). */
function interactiveCredentials(cfg: ResolvedConfig, prompter: Prompter, state: HopState, log: Log): Credential[] {
  const out: Credential[] = [];
  const preferred = new Set(cfg.preferredAuthentications);
  const who = `${cfg.user}@${cfg.hostKeyAlias ?? cfg.hostName}`;
  if (cfg.kbdInteractiveAuthentication && preferred.has('keyboard-interactive')) {
    out.push({
      type: 'keyboard-interactive',
      respond: async (name: string, instruction: string, prompts: readonly KbdPrompt[]) => {
        if (state.changedKeyAccepted) throw new Error('keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks');
        if (name !== '') log.write(`${printable(name)}\n`);
        if (instruction !== '') log.write(`${printable(instruction)}\n`);
        const answers: string[] = [];
        for (const p of prompts) {
          const text = `(${who}) ${printable(p.prompt)}`;
          answers.push((await (p.echo ? prompter.line(text) : prompter.secret(text))) ?? '');
        }
        return answers;
      },
      onInstruction: (name, instruction) => log.write(`${printable([name, instruction].filter((s) => s !== '').join('\n'))}\n`),
    });
  }
  if (cfg.passwordAuthentication && preferred.has('password')) {
    out.push({
      type: 'password',
      password: async (attempt) => {
        if (state.changedKeyAccepted) {
          log.error('Password authentication is disabled to avoid man-in-the-middle attacks.');
          return undefined;
        }
        if (attempt > cfg.numberOfPasswordPrompts) return undefined;
        if (attempt > 1) log.write('Permission denied, please try again.\n');
        return prompter.secret(`${who}'s password: `);
      },
    });
  }
  return prompter.interactive ? out : [];
}

/**
 * The HopOptions of one host (its `jump` or `proxyCommand` is the caller's
 * to set). `state` is updated while the connection runs.
 */
export async function hopOptions(cfg: ResolvedConfig, ctx: HopContext, state: HopState): Promise<HopOptions> {
  const { log } = ctx;
  const prompter = cfg.batchMode ? batchPrompter : ctx.prompter;
  const pubkey = cfg.pubkeyAuthentication !== 'no' && cfg.preferredAuthentications.includes('publickey');
  const identities = pubkey ? await usableIdentityFiles(cfg, log) : [];
  const agent = pubkey ? await openAgent(cfg, ctx.env, identities, log) : undefined;
  const knownHostsWhere = {
    fs: cliFileSystem,
    files: cfg.userKnownHostsFiles,
    globalFiles: cfg.globalKnownHostsFiles,
    host: cfg.hostName,
    port: cfg.port,
    hostKeyAlias: cfg.hostKeyAlias,
    hashKnownHosts: cfg.hashKnownHosts,
    onWarning: (w: HostKeyWarning) => {
      if (w.kind === 'changed-key-accepted') state.changedKeyAccepted = true;
      logWarning(w, log);
    },
  };
  const strict = cfg.strictHostKeyChecking;
  const options: HopOptions = {
    host: cfg.hostName,
    port: cfg.port,
    name: cfg.host,
    username: cfg.user,
    identityFiles: identities.map((i) => i.path),
    passphrase: async (path) => {
      const answer = await prompter.secret(`Enter passphrase for key '${path}': `);
      // ssh(1): an empty passphrase skips the key.
      return answer === '' ? undefined : answer;
    },
    credentials: interactiveCredentials(cfg, prompter, state, log),
    ...(agent !== undefined && { agent }),
    knownHosts: {
      files: cfg.userKnownHostsFiles,
      globalFiles: cfg.globalKnownHostsFiles,
      strict: strict === 'ask' ? 'yes' : strict,
      hashKnownHosts: cfg.hashKnownHosts,
      ...(cfg.hostKeyAlias !== undefined && { hostKeyAlias: cfg.hostKeyAlias }),
      onWarning: knownHostsWhere.onWarning,
    },
    algorithms: {
      ...(cfg.kexAlgorithms !== undefined && { kex: cfg.kexAlgorithms }),
      ...(cfg.hostKeyAlgorithms !== undefined && { hostKeyAlgorithms: cfg.hostKeyAlgorithms }),
      ...(cfg.ciphers !== undefined && { ciphers: cfg.ciphers }),
      ...(cfg.macs !== undefined && { macs: cfg.macs }),
    },
    ...(cfg.connectTimeout !== undefined && { connectTimeoutMs: cfg.connectTimeout * 1000 }),
    ...(cfg.serverAliveInterval > 0 && { keepalive: { intervalMs: cfg.serverAliveInterval * 1000, countMax: cfg.serverAliveCountMax } }),
    onBanner: (message) => log.info(printable(message).replace(/\n$/, '')),
  };
  if (strict === 'ask') {
    const verify = askingVerifier(knownHostsWhere, prompter);
    options.verifyHostKey = (info) => verify(info);
    // A custom verifier replaces the known_hosts check, so the host-key algorithm order from known_hosts is set here.
    if (cfg.hostKeyAlgorithms === undefined) {
      options.algorithms = { ...options.algorithms, hostKeyAlgorithms: await knownHostsAlgorithmOrder(knownHostsWhere) };
    }
  }
  return options;
}
