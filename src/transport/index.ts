export { Transport, ClientTransport, ServerTransport, SOFTWARE_VERSION, type MessageHandler } from './transport.ts';
export type { ClientTransportOptions, ServerTransportOptions, TransportOptions } from './options.ts';
export type { HostKeyInfo, HostKeyVerifier } from './kex-exchange.ts';
export type { Negotiated } from './negotiate.ts';
export { SUPPORTED, CLIENT_DEFAULTS, SERVER_DEFAULTS, type AlgorithmLists, type AlgorithmSpec } from './algorithms.ts';
export * from './errors.ts';
