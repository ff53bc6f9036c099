/**
 * `connect` with this runtime's defaults: node:net for TCP (also Bun and
 * Deno's Node compatibility), node:fs for keys and known_hosts, child
 * processes for ProxyCommand. src/jump stays runtime-neutral and takes them
 * injected (`connectWith`); this top-level file supplies them.
 */
import { connect as connectWith, type ConnectOptions, type SshClient } from './jump/client.ts';
import type { ChainRuntime } from './jump/chain.ts';
import { nodeNetwork } from './io/node-network.ts';
import { nodeFileSystem } from './io/node-file-system.ts';
import { nodeProcessSpawner } from './io/node-process.ts';

export type NodeConnectOptions = Omit<ConnectOptions, keyof ChainRuntime> & Partial<ChainRuntime>;

/** Connect through every hop to the target (see src/jump/client.ts), with Node's network, files and processes by default. */
export function connect(options: NodeConnectOptions): Promise<SshClient> {
  return connectWith({ network: nodeNetwork, fs: nodeFileSystem, processes: nodeProcessSpawner, ...options });
}

export { connectWith };
