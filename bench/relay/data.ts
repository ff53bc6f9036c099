/**
 * The bytes every transfer moves: a deterministic pseudo-random stream (an
 * AES-128-CTR keystream under a fixed key, 16 MiB repeated), so a peer that
 * drops, duplicates, reorders or corrupts anything is caught, and nothing
 * compresses.
 *
 * The same stream is written once to a file per size; the target sends it
 * with `cat FILE` (download) and checks an upload with `cmp - FILE` (length
 * and every byte; exit status 0 only when identical). Here a download is
 * compared byte for byte against the stream as it arrives (StreamChecker),
 * and an upload is fed from it (streamChunks).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';

/** Period of the stream. */
export const BLOCK_BYTES = 16 << 20;

export const block: Buffer = (() => {
  const c = createCipheriv('aes-128-ctr', Buffer.alloc(16, 0x68), Buffer.alloc(16, 0x6f));
  return Buffer.concat([c.update(Buffer.alloc(BLOCK_BYTES)), c.final()]);
})();

/** Writes the first `size` bytes of the stream to `path` (kept when already there at that size). Returns its SHA-256 (hex). */
export function writeStreamFile(path: string, size: number): string {
  const hash = createHash('sha256');
  const keep = existsSync(path) && statSync(path).size === size;
  const fd = keep ? -1 : openSync(path, 'w', 0o644);
  try {
    for (let off = 0; off < size; off += BLOCK_BYTES) {
      const part = block.subarray(0, Math.min(BLOCK_BYTES, size - off));
      hash.update(part);
      if (fd >= 0) writeSync(fd, part);
    }
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return hash.digest('hex');
}

/** The stream from byte 0 to `size`, in chunks of at most `chunk` bytes (views of `block`). */
export function* streamChunks(size: number, chunk = 256 << 10): Generator<Buffer> {
  for (let off = 0; off < size; ) {
    const at = off % BLOCK_BYTES;
    const n = Math.min(chunk, size - off, BLOCK_BYTES - at);
    yield block.subarray(at, at + n);
    off += n;
  }
}

/** Compares bytes as they arrive with the stream; `error` holds the first difference. */
export class StreamChecker {
  received = 0;
  error: string | undefined;

  constructor(readonly expected: number) {}

  push(d: Uint8Array): void {
    if (this.error !== undefined) return;
    if (this.received + d.length > this.expected) {
      this.error = `more than the ${this.expected} bytes expected`;
      return;
    }
    let off = 0;
    while (off < d.length) {
      const at = (this.received + off) % BLOCK_BYTES;
      const n = Math.min(d.length - off, BLOCK_BYTES - at);
      if (Buffer.compare(d.subarray(off, off + n), block.subarray(at, at + n)) !== 0) {
        this.error = `wrong bytes in ${this.received + off}..${this.received + off + n}`;
        return;
      }
      off += n;
    }
    this.received += d.length;
  }

  /** Undefined when exactly the expected bytes arrived. */
  verdict(): string | undefined {
    return this.error ?? (this.received === this.expected ? undefined : `${this.received} of ${this.expected} bytes`);
  }
}
