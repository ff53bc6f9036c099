/** What a library peer (hopssh-peer.ts, ssh2-peer.cjs) is told to do, as one JSON argument. */

/** A host as the hop before it reaches it. */
export interface Endpoint {
  host: string;
  port: number;
  /** "ssh-ed25519 AAAA…" */
  hostKey: string;
}

export interface PeerSpec {
  jumps: readonly Endpoint[];
  target: Endpoint;
  user: string;
  keyFile: string;
  knownHosts: string;
  kex: string;
  hostKeyAlgorithm: string;
  cipher: string;
  mac: string | undefined;
  command: string;
  /** 'setup': exec the command with no input and discard its output; 'stdio': relay stdin and stdout through it. */
  mode: 'setup' | 'stdio';
  /** Where to write the JSON report. */
  report: string;
  /** hopssh: the crypto provider ('noble' forces noble everywhere). */
  crypto?: 'noble';
  /** hopssh: record RSS every 64 MiB relayed. */
  rssTrace?: boolean;
  /** ssh2: whether its native binding must be the one loaded. */
  native?: boolean;
}
