/**
 * -L, -R and -D (and LocalForward, RemoteForward, DynamicForward) started
 * on the target connection, with ssh(1)'s messages: a local listener that
 * cannot bind ("Could not request local forwarding."), a remote forward the
 * server refuses ("Warning: remote port forwarding failed for listen port
 * N"), the port the server chose for `-R 0:…` ("Allocated port N for remote
 * forward to …"). With ExitOnForwardFailure a failure is fatal.
 */
import { forwardDynamic, forwardLocal, forwardRemote } from '../channel/forward-client.ts';
import { describeEndpoint, type Endpoint } from '../channel/forwarding-endpoint.ts';
import { nodeNetwork } from '../io/node-network.ts';
import type { SshClient } from '../jump/client.ts';
import type { ForwardListen, ResolvedConfig } from '../jump/ssh-config.ts';
import type { Log } from './log.ts';

/**
 * Where a local listener binds (ssh(1) -L): no bind address follows
 * GatewayPorts (loopback unless it is on); `*` or an empty address is every
 * interface.
 */
function localListen(l: ForwardListen, gatewayPorts: boolean): Endpoint {
  if ('path' in l) return l;
  return { host: l.bindAddress ?? (gatewayPorts ? '' : 'localhost'), port: l.port };
}

/** What a remote listener asks the server for: no address is "localhost", `*` is "" (every address), as ssh(1) sends them. */
function remoteListen(l: ForwardListen): Endpoint {
  if ('path' in l) return l;
  const host = l.bindAddress === undefined ? 'localhost' : l.bindAddress === '*' ? '' : l.bindAddress;
  return { host, port: l.port };
}

function listenLabel(e: Endpoint): string {
  return 'path' in e ? e.path : `port ${e.port}`;
}

/**
 * Starts every forward of `cfg` on `client`. Resolves with false when one
 * failed (ssh(1) goes on unless ExitOnForwardFailure).
 */
export async function startForwards(client: SshClient, cfg: ResolvedConfig, gatewayPorts: boolean, log: Log): Promise<boolean> {
  const connection = client.connection;
  const onError = (e: Error): void => log.error(`channel: open failed: ${e.message}`);
  let ok = true;
  for (const f of cfg.localForwards) {
    const listen = localListen(f.listen, gatewayPorts);
    try {
      const fwd = await forwardLocal(connection, nodeNetwork, { listen, to: f.to, onError });
      log.debug(`Local forwarding listening on ${describeEndpoint('path' in listen ? listen : { ...listen, port: fwd.port })} to ${describeEndpoint(f.to)}.`);
    } catch (e) {
      ok = false;
      log.error(`bind ${describeEndpoint(listen)}: ${(e as Error).message}`);
      log.error('Could not request local forwarding.');
    }
  }
  for (const f of cfg.dynamicForwards) {
    const listen = localListen(f.listen, gatewayPorts);
    try {
      const fwd = await forwardDynamic(connection, nodeNetwork, { listen, onError });
      log.debug(`Local connections to ${'path' in listen ? listen.path : `${listen.host}:${fwd.port}`} forwarded to remote address socks:0`);
    } catch (e) {
      ok = false;
      log.error(`bind ${describeEndpoint(listen)}: ${(e as Error).message}`);
      log.error('Could not request local forwarding.');
    }
  }
  for (const f of cfg.remoteForwards) {
    const bind = remoteListen(f.listen);
    if (f.to === undefined) {
      ok = false;
      log.error(`Warning: remote port forwarding failed for listen ${listenLabel(bind)} (remote dynamic forwarding is not supported by hopssh)`);
      continue;
    }
    try {
      const fwd = await forwardRemote(connection, nodeNetwork, { bind, to: f.to, onError });
      if (!('path' in bind) && bind.port === 0) log.info(`Allocated port ${fwd.port} for remote forward to ${describeEndpoint(f.to)}`);
      else log.debug(`remote forward success for: listen ${listenLabel(bind)}, connect ${describeEndpoint(f.to)}`);
    } catch {
      ok = false;
      log.error(`Warning: remote port forwarding failed for listen ${listenLabel(bind)}`);
    }
  }
  return ok;
}
