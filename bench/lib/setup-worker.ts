/**
 * The worker of setup.bench.ts, inside the client's namespace: times one
 * setup — connect through the route's jump hosts, run `true`, close — with
 * OpenSSH's `ssh -J` (a process spawned here, timed to its exit) or with
 * hopssh's library in this process (connect() → exec('true') → close()).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { connect } from '../../src/jump/client.ts';
import { nodeNetwork } from '../../src/io/node-network.ts';
import { nodeFileSystem } from '../../src/io/node-file-system.ts';
import type { ProviderChoice } from '../../src/crypto/types.ts';
import { asymmetricDetails, type AsymmetricSelection } from '../../src/crypto/providers/asymmetric.ts';
import { hopsshOptions, sshArgs, type JumpRoutes } from './jump-routes.ts';
import { serveRequests } from './netns-worker.ts';

export type SetupTool = 'ssh' | 'hopssh' | 'providers';

export interface SetupRequest {
  tool: SetupTool;
  hops: number;
  /** hopssh's crypto option. */
  crypto?: ProviderChoice;
}

export interface SetupReply {
  ms: number;
  /** tool 'providers': the X25519 and Ed25519 provider selections of this process, measured. */
  providers?: AsymmetricSelection[];
  /** What each hop negotiated (hopssh): kex, host key, cipher. */
  negotiated?: string[];
}

function timeSsh(routes: JumpRoutes, hops: number): Promise<SetupReply> {
  const args = [...sshArgs(routes, routes.routes[hops]!), 'true'];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms });
      else reject(new Error(`ssh ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

async function timeHopssh(routes: JumpRoutes, hops: number, crypto: ProviderChoice): Promise<SetupReply> {
  const options = hopsshOptions(routes, routes.routes[hops]!, { network: nodeNetwork, fs: nodeFileSystem }, { transport: { crypto } });
  const t0 = performance.now();
  const client = await connect(options);
  const r = await client.exec('true');
  await client.close();
  const ms = performance.now() - t0;
  if (r.exitStatus !== 0) throw new Error(`true exited ${r.exitStatus}`);
  const negotiated = client.hops.map((h) => {
    const n = h.transport.negotiated!;
    return `${n.kex} ${n.hostKey} ${n.cipherCtoS}`;
  });
  if (client.hops.some((h) => h.transport.negotiated!.kex !== routes.kex)) throw new Error(`negotiated ${negotiated.join('; ')}, not ${routes.kex}`);
  return { ms, negotiated };
}

await serveRequests<JumpRoutes, SetupRequest, SetupReply>(async (req, routes) => {
  if (req.tool === 'providers') return { ms: 0, providers: [asymmetricDetails('x25519'), asymmetricDetails('ed25519')] };
  return req.tool === 'ssh' ? timeSsh(routes, req.hops) : timeHopssh(routes, req.hops, req.crypto ?? 'auto');
});
