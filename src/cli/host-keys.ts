/**
 * StrictHostKeyChecking=ask, OpenSSH's default: the known_hosts check of
 * src/auth with `yes`, and for a host with no known key the question ssh(1)
 * asks — "Are you sure you want to continue connecting (yes/no/[fingerprint])?"
 * — on the terminal; on "yes" (or the key's fingerprint typed back) the key
 * is recorded as `accept-new` records it. A changed or revoked key is refused
 * without a question, as by ssh(1).
 */
import { knownHostsVerifier, checkHostKey, type KnownHostsVerifierOptions } from '../auth/host-key-policy.ts';
import { knownHostsName, loadKnownHosts } from '../auth/known-hosts.ts';
import { isCertificateType } from '../crypto/certificate-blob.ts';
import { publicKeyType } from '../crypto/public-key.ts';
import { HostKeyError } from '../transport/errors.ts';
import type { HostKeyInfo, HostKeyVerifier } from '../transport/kex-exchange.ts';
import type { Prompter } from './prompts.ts';

/** "ED25519", "ECDSA", "RSA": how ssh(1) names a key type in its question. */
function keyTypeLabel(blob: Uint8Array): string {
  const type = publicKeyType(blob);
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-')) return 'ECDSA';
  if (type === 'ssh-rsa') return 'RSA';
  return type.toUpperCase();
}

/** Whether known_hosts holds no key at all for the host (ssh's HOST_NEW): only then is the user asked. */
async function isNewHost(options: KnownHostsVerifierOptions, info: HostKeyInfo): Promise<boolean> {
  if (isCertificateType(publicKeyType(info.publicKey))) return false;
  const files = [...(options.files ?? []), ...(options.globalFiles ?? [])];
  const { entries } = await loadKnownHosts(options.fs, files);
  const name = options.hostKeyAlias ?? knownHostsName(options.host, options.port ?? 22);
  return checkHostKey(entries, name, info.publicKey).status === 'new';
}

/** ssh(1)'s question, asked until the answer is yes, no, or the fingerprint. */
async function confirm(prompter: Prompter, name: string, info: HostKeyInfo): Promise<boolean> {
  let prompt =
    `The authenticity of host '${name}' can't be established.\n` +
    `${keyTypeLabel(info.publicKey)} key fingerprint is ${info.fingerprint}.\n` +
    `This key is not known by any other names.\n` +
    `Are you sure you want to continue connecting (yes/no/[fingerprint])? `;
  for (;;) {
    const answer = (await prompter.line(prompt))?.trim();
    if (answer === undefined) return false;
    if (answer.toLowerCase() === 'yes' || answer === info.fingerprint) return true;
    if (answer.toLowerCase() === 'no') return false;
    prompt = `Please type 'yes', 'no' or the fingerprint: `;
  }
}

/**
 * The verifier for StrictHostKeyChecking=ask. `options` must name the files
 * (the resolved UserKnownHostsFile and GlobalKnownHostsFile lists).
 */
export function askingVerifier(options: Omit<KnownHostsVerifierOptions, 'strict'>, prompter: Prompter): HostKeyVerifier {
  const strict = knownHostsVerifier({ ...options, strict: 'yes' });
  const record = knownHostsVerifier({ ...options, strict: 'accept-new' });
  return async (info) => {
    try {
      return await strict(info);
    } catch (e) {
      if (!(e instanceof HostKeyError) || !prompter.interactive || !(await isNewHost(options, info))) throw e;
      const shown = options.hostKeyAlias ?? (options.port === undefined || options.port === 22 ? options.host : `[${options.host}]:${options.port}`);
      if (!(await confirm(prompter, shown, info))) throw new HostKeyError(info.algorithm, info.fingerprint, `not accepted for ${shown}`);
      return record(info);
    }
  };
}
