/**
 * The keys ssh(1) would offer: the ssh-agent's (IdentityAgent, else
 * $SSH_AUTH_SOCK; with IdentitiesOnly only those whose public half is one of
 * the identity files') and the identity files that exist, hold a key type
 * hopssh signs with, and are not readable by others (ssh(1) refuses such a
 * file: "UNPROTECTED PRIVATE KEY FILE!").
 */
import { stat } from 'node:fs/promises';
import { AgentClient } from '../auth/agent-client.ts';
import type { AgentIdentity } from '../auth/agent-protocol.ts';
import { inspectPrivateKey, parsePrivateKey } from '../auth/private-key.ts';
import { parsePublicKey } from '../crypto/public-key.ts';
import { connectUnix } from '../io/node-socket.ts';
import { nodeFileSystem } from '../io/node-file-system.ts';
import { constantTimeEqual } from '../wire/bytes.ts';
import type { ResolvedConfig } from '../jump/ssh-config.ts';
import type { Log } from './log.ts';

/** An identity file hopssh can use, and its public key when the file shows it without a passphrase. */
export interface IdentityFile {
  readonly path: string;
  readonly publicBlob: Uint8Array | undefined;
}

/**
 * The usable identity files of `cfg`, in order. Missing default files are
 * skipped silently; a configured file that cannot be used is reported (as
 * ssh(1) does: `Load key "…": …`) and skipped.
 */
export async function usableIdentityFiles(cfg: ResolvedConfig, log: Log): Promise<IdentityFile[]> {
  const out: IdentityFile[] = [];
  const uid = process.getuid?.();
  for (const path of cfg.identityFiles) {
    const say = (m: string): void => (cfg.identityFilesAreDefault ? log.debug(m) : log.error(m));
    let data: Uint8Array;
    try {
      const st = await stat(path);
      if (uid !== undefined && st.uid === uid && (st.mode & 0o077) !== 0) {
        log.error(`Permissions 0${(st.mode & 0o777).toString(8)} for '${path}' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.`);
        continue;
      }
      data = await nodeFileSystem.readFile(path);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') log.debug(`identity file ${path} type -1`);
      else say(`Load key "${path}": ${(e as Error).message}`);
      continue;
    }
    try {
      const info = inspectPrivateKey(data);
      if (info.encrypted) {
        // The type shows without the passphrase; only keys hopssh can sign with are worth asking for.
        if (info.publicBlob !== undefined) parsePublicKey(info.publicBlob);
        out.push({ path, publicBlob: info.publicBlob });
      } else {
        const key = parsePrivateKey(data).key;
        out.push({ path, publicBlob: key.publicBlob });
      }
      log.debug(`identity file ${path} usable`);
    } catch (e) {
      say(`Load key "${path}": ${(e as Error).message}`);
    }
  }
  return out;
}

/** An agent whose list is cut down to the identity files' keys (IdentitiesOnly). */
class IdentitiesOnlyAgent extends AgentClient {
  constructor(
    stream: ConstructorParameters<typeof AgentClient>[0],
    private readonly allowed: readonly Uint8Array[],
  ) {
    super(stream);
  }

  override async identities(): Promise<AgentIdentity[]> {
    const all = await super.identities();
    return all.filter((id) => this.allowed.some((blob) => constantTimeEqual(blob, id.publicKey)));
  }
}

/** The agent socket ssh(1) would use: IdentityAgent (none, SSH_AUTH_SOCK, $VAR or a path), else $SSH_AUTH_SOCK. */
export function agentSocket(cfg: ResolvedConfig, env: NodeJS.ProcessEnv): string | undefined {
  const configured = cfg.other.get('identityagent')?.[0];
  if (configured === undefined || configured === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (configured.toLowerCase() === 'none') return undefined;
  if (configured.startsWith('$')) return env[configured.slice(1)] || undefined;
  return nodeFileSystem.expandHome(configured);
}

/** Connects to the agent of `cfg`, or undefined when there is none or it cannot be reached (ssh(1) then goes on without it). */
export async function openAgent(cfg: ResolvedConfig, env: NodeJS.ProcessEnv, identities: readonly IdentityFile[], log: Log): Promise<AgentClient | undefined> {
  const path = agentSocket(cfg, env);
  if (path === undefined) return undefined;
  try {
    const stream = await connectUnix(path);
    if (!cfg.identitiesOnly) return new AgentClient(stream);
    const allowed = identities.flatMap((i) => (i.publicBlob === undefined ? [] : [i.publicBlob]));
    return new IdentitiesOnlyAgent(stream, allowed);
  } catch (e) {
    log.debug(`ssh-agent at ${path}: ${(e as Error).message}`);
    return undefined;
  }
}
