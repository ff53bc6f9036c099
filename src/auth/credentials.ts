/**
 * What a client authenticates with (RFC 4252 §7, §8, RFC 4256): keys held in
 * process or by an ssh-agent, a password, keyboard-interactive answers.
 * authenticateClient tries them in OpenSSH's method order, not list order;
 * keys are tried in list order.
 */
import type { SigningKey } from '../crypto/types.ts';
import type { KbdPrompt } from './userauth-messages.ts';

/**
 * A private key in this process (e.g. parsePrivateKey(...).key); for a user
 * certificate, a CertifiedSigningKey (certified-key.ts), which offers the
 * certificate and signs with the key.
 */
export interface KeyCredential {
  type: 'publickey';
  key: SigningKey;
  /** For messages, e.g. the key file's comment. */
  comment?: string;
}

/** What signs for an agent credential: an AgentClient, or anything with its `sign`. */
export interface AgentSigner {
  sign(keyBlob: Uint8Array, data: Uint8Array, flags: number): Promise<Uint8Array>;
}

/** A key (or certificate) held by an ssh-agent; see agentCredentials() in agent-client.ts. */
export interface AgentKeyCredential {
  type: 'agent';
  agent: AgentSigner;
  /** Public key or certificate blob, as the agent listed it. */
  publicKey: Uint8Array;
  comment: string;
}

/**
 * A password: fixed (tried once), or asked for — the callback is called for
 * each attempt (1, 2, 3: OpenSSH's NumberOfPasswordPrompts) and may return
 * undefined to stop.
 */
export interface PasswordCredential {
  type: 'password';
  password: string | ((attempt: number) => string | undefined | Promise<string | undefined>);
}

/**
 * Keyboard-interactive (RFC 4256): `respond` answers each round's prompts, in
 * order. Rounds without prompts are answered without calling it (their name
 * and instruction go to `onInstruction`, when given).
 */
export interface KeyboardInteractiveCredential {
  type: 'keyboard-interactive';
  respond: (name: string, instruction: string, prompts: readonly KbdPrompt[]) => string[] | Promise<string[]>;
  onInstruction?: (name: string, instruction: string) => void;
  /** RFC 4256 §3.1 submethods hint; default empty. */
  submethods?: string;
}

export type Credential = KeyCredential | AgentKeyCredential | PasswordCredential | KeyboardInteractiveCredential;
