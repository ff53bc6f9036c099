import type { ProviderChoice, SigningKey } from '../crypto/types.ts';
import type { AlgorithmSpec } from './algorithms.ts';
import type { HostKeyVerifier } from './kex-exchange.ts';
import type { VersionLimits } from './version-exchange.ts';

/** Options common to both roles. Every limit has a default; every algorithm list is configurable. */
export interface TransportOptions {
  /** Software version in our identification string (RFC 4253 §4.2). */
  softwareVersion?: string;
  /** Algorithm lists: arrays, or OpenSSH-style strings ("+x", "-x", "^x"). */
  kex?: AlgorithmSpec;
  hostKeyAlgorithms?: AlgorithmSpec;
  ciphers?: AlgorithmSpec;
  macs?: AlgorithmSpec;
  /** 'noble' forces noble for every algorithm (DESIGN.md, "Crypto providers"). */
  crypto?: ProviderChoice;
  /** Offer strict kex (OpenSSH PROTOCOL §1.10). Default true. */
  strictKex?: boolean;
  /**
   * Rekey after this many bytes in either direction; default depends on the
   * cipher (as OpenSSH's RekeyLimit default). Automatic rekeys begin after
   * user authentication (Transport.markAuthenticated), as in OpenSSH.
   */
  rekeyBytes?: number;
  /** Rekey after this many seconds (RFC 4253 §9 recommends one hour). 0 disables. Default 3600. */
  rekeySeconds?: number;
  /** Largest packet_length accepted. Default 256 KiB. */
  maxPacketLength?: number;
  /** Abort if a key exchange takes longer (ms). Default 60 s. */
  kexTimeoutMs?: number;
  /** Abort if the peer's identification does not arrive in time (ms). Default 30 s. */
  versionTimeoutMs?: number;
  /** Upper-layer bytes that may wait for a key exchange to finish before send() refuses. Default 16 MiB. */
  maxQueuedBytes?: number;
  versionLimits?: Partial<VersionLimits>;
  /** Receives SSH_MSG_DEBUG messages the peer sends (RFC 4253 §11.3). */
  onDebug?: (message: string, alwaysDisplay: boolean) => void;
}

export interface ClientTransportOptions extends TransportOptions {
  /** Decides whether the server's host key is trusted. Required: there is no "accept anything" default. */
  verifyHostKey: HostKeyVerifier;
  /** Group sizes for diffie-hellman-group-exchange-sha256 (RFC 4419 §3). Default 2048..8192. */
  gexMinBits?: number;
  gexMaxBits?: number;
}

export interface ServerTransportOptions extends TransportOptions {
  /** The server's host keys; host-key algorithms are offered for the keys given. */
  hostKeys: readonly SigningKey[];
  /** Services a client may request (RFC 4253 §10). Default ["ssh-userauth"]. */
  services?: readonly string[];
  /** Value of server-sig-algs in EXT_INFO (RFC 8308 §3.1). Default: the signature algorithms hopssh verifies. */
  serverSigAlgs?: readonly string[];
  /** More extensions for our EXT_INFO (RFC 8308 §2.4), name → value; see Transport.localExtensions. */
  extensions?: Readonly<Record<string, string>>;
}
