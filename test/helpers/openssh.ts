/**
 * Test harness for real OpenSSH: one import for interop tests.
 *
 *     import { requireOpenSSH, startSshd, runSsh, knownHostsLines } from '../helpers/openssh.ts';
 *
 * Pieces, each in its own file: locating/gating OpenSSH (openssh-binaries.ts),
 * sshd servers (sshd.ts), the ssh client (ssh-client.ts), keys (keygen.ts),
 * a local test account (test-user.ts), network-namespace hosts (netns.ts),
 * free ports (free-port.ts), running commands (run.ts) and the cleanup
 * registry that ends everything at process exit (cleanup.ts).
 */
export { findSsh, findSshd, findSshKeygen, inCI, openSSHStatus, requireOpenSSH } from './openssh-binaries.ts';
export type { GatedDescribe, OpenSSHStatus } from './openssh-binaries.ts';
export { noSessionsLeft, startSshd } from './sshd.ts';
export type { SshdOptions, SshdServer } from './sshd.ts';
export { knownHostsLine, knownHostsLines, runSsh, writeKnownHosts } from './ssh-client.ts';
export type { RunSshOptions } from './ssh-client.ts';
export { ALL_KEY_TYPES, cachedKey, generateKey } from './keygen.ts';
export type { GeneratedKey, KeyType } from './keygen.ts';
export { ensureTestUser } from './test-user.ts';
export type { TestUser } from './test-user.ts';
export { createTestNetwork, netnsStatus, requireNetns } from './netns.ts';
export type { NetworkSpec, TestNetwork } from './netns.ts';
export { freePort } from './free-port.ts';
export { run, runChecked } from './run.ts';
export type { RunOptions, RunResult } from './run.ts';
export { isAlive } from './cleanup.ts';
