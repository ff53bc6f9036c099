/**
 * The file access the auth layer needs (keys, known_hosts, authorized_keys),
 * injected so that src/auth stays free of runtime-specific APIs.
 * `nodeFileSystem` (node-file-system.ts) implements it on node:fs.
 */
export interface FileSystem {
  /** File contents; rejects with an Error whose `code` is 'ENOENT' when it does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** Create or replace a file with these permission bits (e.g. 0o600 for private keys), atomically where possible. */
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  /** Append to a file, creating it with `mode` if needed (known_hosts). */
  appendFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  /** Permission bits and owner of an existing file (StrictModes-like checks). */
  stat(path: string): Promise<{ mode: number; uid: number; size: number }>;
  /** Expand a leading "~" to the home directory. */
  expandHome(path: string): string;
}
