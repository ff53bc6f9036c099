/**
 * Errors of the wire layer: malformed SSH data (RFC 4251 §5).
 * Every error names what was being read and the byte offset where it failed.
 */
export class WireError extends Error {
  override name = 'WireError';
  /** What was being decoded, e.g. "string length" or "KEXINIT.cookie". */
  readonly what: string;
  /** Offset in the buffer being decoded. */
  readonly offset: number;
  constructor(what: string, offset: number, detail: string) {
    super(`${what} at offset ${offset}: ${detail}`);
    this.what = what;
    this.offset = offset;
  }
}
