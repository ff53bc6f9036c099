/**
 * What the hopssh program adds to each hop's options beyond what ssh_config
 * gives (src/jump/config-client.ts): the terminal's questions, the agent,
 * usable identity files, warnings and the banner — each host of a chain
 * with its own configuration's settings (BatchMode, IdentitiesOnly, …), as
 * each `ssh -W` that ssh(1) runs for a jump host reads its own.
 */
import type { Credential } from '../auth/credentials.ts';
import type { KbdPrompt } from '../auth/userauth-messages.ts';
import { knownHostsAlgorithmOrder, knownHostsVerifier, type HostKeyWarning } from '../auth/host-key-policy.ts';
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
 * What the program adds to a hop's options from its configuration
 * (`base`, from the jump library's hopOptionsFromConfig): only the identity
 * files hopssh can use, the agent (IdentitiesOnly keeps the identity files'
 * keys), questions on the terminal (passphrases, passwords,
 * keyboard-interactive, StrictHostKeyChecking=ask; none under BatchMode),
 * ssh(1)'s known_hosts warnings and the banner. `state` is updated while the
 * connection runs.
 */
export async function cliHopOptions(base: HopOptions, cfg: ResolvedConfig, ctx: HopContext, state: HopState): Promise<HopOptions> {
  const { log } = ctx;
  const prompter = cfg.batchMode ? batchPrompter : ctx.prompter;
  const pubkey = (base.identityFiles ?? []).length > 0;
  const identities = pubkey ? await usableIdentityFiles(cfg, log) : [];
  const agent = cfg.pubkeyAuthentication !== 'no' && cfg.preferredAuthentications.includes('publickey') ? await openAgent(cfg, ctx.env, identities, log) : undefined;
  const onWarning = (w: HostKeyWarning): void => {
    if (w.kind === 'changed-key-accepted') state.changedKeyAccepted = true;
    logWarning(w, log);
  };
  const options: HopOptions = {
    ...base,
    identityFiles: identities.map((i) => i.path),
    passphrase: async (path) => {
      const answer = await prompter.secret(`Enter passphrase for key '${path}': `);
      // ssh(1): an empty passphrase skips the key.
      return answer === '' ? undefined : answer;
    },
    credentials: interactiveCredentials(cfg, prompter, state, log),
    ...(agent !== undefined && { agent }),
    onBanner: (message) => log.info(printable(message).replace(/\n$/, '')),
  };
  // Every hop gets its own verifier: a jump host must never inherit the target's (chain.ts passes unset options down).
  const where = {
    fs: cliFileSystem,
    files: cfg.userKnownHostsFiles,
    globalFiles: cfg.globalKnownHostsFiles,
    host: cfg.hostName,
    port: cfg.port,
    hostKeyAlias: cfg.hostKeyAlias,
    hashKnownHosts: cfg.hashKnownHosts,
    onWarning,
  };
  const strict = cfg.strictHostKeyChecking;
  const verify = strict === 'ask' ? askingVerifier(where, prompter) : knownHostsVerifier({ ...where, strict });
  options.verifyHostKey = (info) => verify(info);
  // A verifier of our own replaces the library's known_hosts check, so the host-key algorithm order from known_hosts is set here (ssh(1)).
  if (cfg.hostKeyAlgorithms === undefined) options.algorithms = { ...options.algorithms, hostKeyAlgorithms: await knownHostsAlgorithmOrder(where) };
  return options;
}
