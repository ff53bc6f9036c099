/** hopssh public API. */
export * from './transport/index.ts';
export type { ByteStream, ByteStreamHandler } from './io/byte-stream.ts';
export { createMemoryPair, type MemoryPairOptions } from './io/memory-pair.ts';
export { NodeSocketStream, connectTcp } from './io/node-socket.ts';
export { generateSigningKey } from './crypto/signing-keys.ts';
export { fingerprintSha256, fingerprintMd5 } from './crypto/fingerprint.ts';
export type { SigningKey, ProviderChoice } from './crypto/types.ts';
export { MacError, KexMathError, KeyFormatError, UnsupportedAlgorithmError } from './crypto/errors.ts';
export { WireError } from './wire/errors.ts';
export { DISCONNECT_REASON } from './wire/message-numbers.ts';
export * from './auth/index.ts';
export { nodeFileSystem } from './io/node-file-system.ts';
export type { FileSystem } from './io/file-system.ts';
export { connectUnix } from './io/node-socket.ts';
// Forwarding (RFC 4254 §7, OpenSSH PROTOCOL §2.2-2.4), SOCKS for -D, and stream views of channels.
export type { Network, Listener, RemoteAddress } from './io/network.ts';
export { ConnectError } from './io/network.ts';
export { nodeNetwork } from './io/node-network.ts';
export { toDuplex, type DuplexOptions } from './io/node-duplex.ts';
export {
  directTcpip,
  directStreamlocal,
  forwardLocal,
  forwardRemote,
  forwardDynamic,
  acceptAgentForwarding,
  keepalive,
  noMoreSessions,
  type DirectTcpipTarget,
  type LocalForwardOptions,
  type RemoteForwardOptions,
  type DynamicForwardOptions,
} from './channel/forward-client.ts';
export { serveForwarding, type ForwardingServer, type ForwardingServerOptions, type ForwardDecision, type DirectTcpipRequest } from './channel/forward-server.ts';
export type { Endpoint, TcpEndpoint, UnixEndpoint, Forward, ForwardErrorHandler } from './channel/forwarding-endpoint.ts';
export { pipe } from './channel/pipe.ts';
export { channelWebStreams, webStreams, type WebStreamPair, type WebStreamsOptions } from './channel/web-streams.ts';
export { SocksError } from './channel/socks.ts';
export { Connection, type ConnectionOptions, type IncomingChannelOpen, type OpenOptions } from './channel/connection.ts';
export { Channel } from './channel/channel.ts';
export { ChannelStream } from './channel/channel-stream.ts';
export { ChannelOpenError, RequestFailedError, ChannelClosedError, OutputLimitError, OPEN_FAILURE } from './channel/errors.ts';
export { openSession, Session, type SessionOpenOptions, type PtyOptions, type SessionExit } from './channel/session-client.ts';
export { exec, type ExecOptions, type ExecResult } from './channel/exec.ts';
export { serveSessions, ServerSession, type ServeSessionsOptions } from './channel/session-server.ts';
export { SshClient, type ConnectOptions, type DirectTcpipOptions } from './jump/client.ts';
export { connect, connectWith, type NodeConnectOptions } from './connect.ts';
export type { HopOptions, Jump } from './jump/hop.ts';
export { HopError, ConfigError, SpecError, TokenError, type HopAddress, type HopStage } from './jump/errors.ts';
export { resolveConfig, type ConfigContext, type ResolvedConfig } from './jump/ssh-config.ts';
export { connectFromConfig, resolveChain, hopOptionsFromConfig, type ConfigConnectOptions } from './jump/config-client.ts';
export { parseJumpSpec, parseDestination } from './jump/jump-spec.ts';
export { nodeProcessSpawner } from './io/node-process.ts';
export type { ProcessSpawner } from './io/process.ts';
