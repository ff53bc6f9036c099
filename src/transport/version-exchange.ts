import { LimitError, ProtocolError } from './errors.ts';

/** Limits of the identification-string exchange (RFC 4253 §4.2). */
export interface VersionLimits {
  /** Longest line accepted, CR LF included. RFC 4253 §4.2 says 255. */
  maxLineLength: number;
  /** Lines other than the identification the client accepts before it (servers send none). */
  maxPreBannerLines: number;
  /** Total bytes accepted before the identification line. */
  maxPreBannerBytes: number;
}

export const DEFAULT_VERSION_LIMITS: VersionLimits = {
  maxLineLength: 255,
  maxPreBannerLines: 1024,
  maxPreBannerBytes: 64 * 1024,
};

/** Our identification line, without CR LF. */
export function identificationLine(softwareVersion: string, comment?: string): string {
  const line = `SSH-2.0-${softwareVersion}${comment ? ' ' + comment : ''}`;
  if (!/^SSH-2\.0-[\x21-\x2c\x2e-\x7e]+( [\x20-\x7e]*)?$/.test(line) || line.length > 253) {
    throw new TypeError(`invalid SSH identification: ${JSON.stringify(line)}`);
  }
  return line;
}

export interface VersionResult {
  /** The peer's identification line without CR LF (V_C or V_S in the exchange hash). */
  identification: string;
  /** Lines the server sent before its identification (RFC 4253 §4.2). */
  preBanner: string[];
  /** Offset in the last chunk where the binary packet protocol starts. */
  consumed: number;
}

/**
 * Incremental parser of the peer's identification string (RFC 4253 §4.2).
 * Feed it chunks until it returns a result. As a client (`allowPreBanner`),
 * lines not starting with "SSH-" are collected; a server accepts none.
 */
export class VersionParser {
  private line: number[] = [];
  private preBanner: string[] = [];
  private preBytes = 0;

  constructor(
    private readonly allowPreBanner: boolean,
    private readonly limits: VersionLimits = DEFAULT_VERSION_LIMITS,
  ) {}

  /** Returns the result once the identification line is complete; throws ProtocolError/LimitError. */
  feed(chunk: Uint8Array): VersionResult | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 0x0a) {
        const result = this.endOfLine(i + 1);
        if (result) return result;
        continue;
      }
      this.line.push(c);
      if (this.line.length > this.limits.maxLineLength) {
        const isId = this.startsWithSsh();
        throw new LimitError('version exchange', `${isId ? 'identification' : 'pre-banner'} line longer than ${this.limits.maxLineLength} bytes`);
      }
      if (this.line.length === 4 && !this.allowPreBanner && !this.startsWithSsh()) {
        throw new ProtocolError('version exchange', `peer does not speak SSH: first bytes ${JSON.stringify(this.text())}`);
      }
    }
    return undefined;
  }

  private startsWithSsh(): boolean {
    const l = this.line;
    return l[0] === 0x53 && l[1] === 0x53 && l[2] === 0x48 && l[3] === 0x2d;
  }

  private text(): string {
    let s = '';
    for (const c of this.line) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    return s;
  }

  private endOfLine(consumed: number): VersionResult | undefined {
    let raw = this.line;
    if (raw[raw.length - 1] === 0x0d) raw = raw.slice(0, -1);
    this.line = [];
    const isId = raw.length >= 4 && raw[0] === 0x53 && raw[1] === 0x53 && raw[2] === 0x48 && raw[3] === 0x2d;
    let text = '';
    for (const c of raw) text += String.fromCharCode(c);
    if (!isId) {
      if (!this.allowPreBanner) throw new ProtocolError('version exchange', `peer does not speak SSH: ${JSON.stringify(text)}`);
      this.preBytes += raw.length + 2;
      if (this.preBanner.length >= this.limits.maxPreBannerLines || this.preBytes > this.limits.maxPreBannerBytes) {
        throw new LimitError('version exchange', `more than ${this.limits.maxPreBannerLines} lines or ${this.limits.maxPreBannerBytes} bytes before the SSH identification`);
      }
      this.preBanner.push(text);
      return undefined;
    }
    for (const c of raw) {
      if (c < 0x20 || c > 0x7e) throw new ProtocolError('version exchange', `identification contains byte 0x${c.toString(16)}`);
    }
    const m = /^SSH-([^-]+)-(.*)$/.exec(text);
    if (!m) throw new ProtocolError('version exchange', `malformed identification ${JSON.stringify(text)}`);
    // "1.99" means a server that also speaks 2.0 (RFC 4253 §5.1).
    if (m[1] !== '2.0' && m[1] !== '1.99') {
      throw new ProtocolError('version exchange', `peer speaks SSH protocol ${m[1]}, not 2.0: ${JSON.stringify(text)}`);
    }
    if (m[2]!.length === 0) throw new ProtocolError('version exchange', `identification without software version: ${JSON.stringify(text)}`);
    return { identification: text, preBanner: this.preBanner, consumed };
  }
}
