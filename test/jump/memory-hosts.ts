/**
 * Hosts in memory for chain tests: each a hopssh server (ServerTransport,
 * serveUserAuth with publickey, serveForwarding, serveSessions answering
 * `hostname`, `cat` and `wc -c`), reachable only from the hosts it is listed for, so
 * a chain test proves the path without sshd or namespaces.
 */
import { createMemoryPair } from '../../src/io/memory-pair.ts';
import { ConnectError, type Network } from '../../src/io/network.ts';
import type { ByteStream } from '../../src/io/byte-stream.ts';
import { ServerTransport } from '../../src/transport/transport.ts';
import type { HostKeyInfo } from '../../src/transport/kex-exchange.ts';
import { Connection } from '../../src/channel/connection.ts';
import { serveForwarding } from '../../src/channel/forward-server.ts';
import { serveSessions } from '../../src/channel/session-server.ts';
import { serveUserAuth } from '../../src/auth/userauth-server.ts';
import { generateSigningKey } from '../../src/crypto/signing-keys.ts';
import type { SigningKey } from '../../src/crypto/types.ts';
import { constantTimeEqual } from '../../src/wire/bytes.ts';
import type { HopAddress } from '../../src/jump/errors.ts';

export interface MemoryHostOptions {
  port?: number;
  /** Names of the hosts it can connect to. */
  reaches?: readonly string[];
  /** Serve direct-tcpip. Default true; false refuses it (administratively prohibited, as sshd's AllowTcpForwarding no). */
  forwarding?: boolean;
  /** User keys accepted (for any user name). */
  userKeys: readonly SigningKey[];
  /** Accept connections but never speak. */
  silent?: boolean;
  /** More host keys, offered after the Ed25519 one. */
  moreHostKeys?: readonly SigningKey[];
  /** The maximum packet it grants direct-tcpip channels (sshd: 32768). Default: hopssh's (TCPIP_SIZES). */
  directTcpipMaxPacket?: number;
}

export class MemoryHost {
  readonly hostKey = generateSigningKey('ssh-ed25519');
  readonly port: number;
  /** Server ends of the connections accepted so far, open or not. */
  readonly streams: ByteStream[] = [];
  /** direct-tcpip targets asked of this host. */
  readonly forwards: string[] = [];
  /** Sessions run: the commands, in order. */
  readonly commands: string[] = [];

  constructor(
    readonly name: string,
    readonly world: MemoryWorld,
    readonly options: MemoryHostOptions,
  ) {
    this.port = options.port ?? 22;
  }

  /** Ends every connection to this host now (its server process killed). */
  kill(): void {
    for (const s of this.streams) s.close(new Error(`${this.name} killed`));
  }

  accept(stream: ByteStream): void {
    this.streams.push(stream);
    if (this.options.silent) {
      stream.start({ data: () => undefined, drain: () => undefined, end: () => undefined, close: () => undefined });
      return;
    }
    const t = new ServerTransport(stream, { hostKeys: [this.hostKey, ...(this.options.moreHostKeys ?? [])] });
    const c = new Connection(t);
    serveUserAuth(t, {
      publicKey: (ctx) => this.options.userKeys.some((k) => constantTimeEqual(k.publicBlob, ctx.keyBlob)),
      failureDelayMs: 0,
    }).then(
      () => {
        serveForwarding(c, {
          network: this.world.network(this.name),
          directTcpip: (r) => {
            this.forwards.push(`${r.host}:${r.port}`);
            return this.options.forwarding === false ? { reject: 'open failed' } : 'allow';
          },
        });
        const maxPacket = this.options.directTcpipMaxPacket;
        const direct = c.channelOpenHandlers.get('direct-tcpip');
        if (maxPacket !== undefined && direct) {
          c.channelOpenHandlers.set('direct-tcpip', (o) => direct({ channelType: o.channelType, data: o.data, accept: (a) => o.accept({ maxPacket, ...a }), reject: (code, d) => o.reject(code, d) }));
        }
        serveSessions(c, (s) => {
          s.onExec = (command) => {
            this.commands.push(command);
            if (command === 'hostname') {
              queueMicrotask(() => {
                s.write(`${this.name}\n`);
                s.exit(0);
              });
              return true;
            }
            if (command === 'cat') {
              s.onData = (d) => s.write(d.slice());
              s.onEnd = () => s.exit(0);
              return true;
            }
            if (command === 'wc -c') {
              let n = 0;
              s.onData = (d) => void (n += d.length);
              s.onEnd = () => {
                s.write(`${n}\n`);
                s.exit(0);
              };
              return true;
            }
            return false;
          };
        });
      },
      () => undefined,
    );
  }
}

/** Hosts by name; the client reaches those listed in `clientReaches`. */
export class MemoryWorld {
  readonly hosts = new Map<string, MemoryHost>();
  /** Connections attempted, as "from→host:port". */
  readonly attempts: string[] = [];

  constructor(readonly clientReaches: readonly string[]) {}

  add(name: string, options: MemoryHostOptions): MemoryHost {
    const h = new MemoryHost(name, this, options);
    this.hosts.set(name, h);
    return h;
  }

  /** The network as seen from `from` ("client" or a host's name). */
  network(from: string): Network {
    const reaches = from === 'client' ? this.clientReaches : (this.hosts.get(from)?.options.reaches ?? []);
    const unsupported = (): never => {
      throw new Error('not in the memory world');
    };
    return {
      connectTcp: async (host, port) => {
        this.attempts.push(`${from}→${host}:${port}`);
        const h = this.hosts.get(host);
        if (!h || !reaches.includes(host)) throw new ConnectError(`${host}:${port}`, 'ENETUNREACH', 'Network is unreachable');
        if (h.port !== port) throw new ConnectError(`${host}:${port}`, 'ECONNREFUSED', 'Connection refused');
        const [ours, theirs] = createMemoryPair();
        h.accept(theirs);
        return ours;
      },
      listenTcp: unsupported,
      connectUnix: unsupported,
      listenUnix: unsupported,
    };
  }

  /** Trusts each host's own keys, looked up by the hop's host name. */
  readonly verifyHostKey = (info: HostKeyInfo, hop: HopAddress): boolean => {
    const h = this.hosts.get(hop.host);
    return h !== undefined && [h.hostKey, ...(h.options.moreHostKeys ?? [])].some((k) => constantTimeEqual(k.publicBlob, info.publicKey));
  };
}
