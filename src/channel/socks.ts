/**
 * The server side of a SOCKS handshake, for dynamic forwarding (ssh -D):
 * SOCKS5 (RFC 1928) with the "no authentication" method, SOCKS4 and SOCKS4a,
 * CONNECT only — what OpenSSH's -D accepts. Incremental over any chunking,
 * bounded (a request is at most a few hundred bytes), typed errors.
 */

/** SOCKS5 reply codes (RFC 1928 §6). */
export const SOCKS5_REPLY = {
  SUCCEEDED: 0,
  GENERAL_FAILURE: 1,
  NOT_ALLOWED: 2,
  NETWORK_UNREACHABLE: 3,
  HOST_UNREACHABLE: 4,
  CONNECTION_REFUSED: 5,
  TTL_EXPIRED: 6,
  COMMAND_NOT_SUPPORTED: 7,
  ADDRESS_TYPE_NOT_SUPPORTED: 8,
} as const;

/** SOCKS4 result codes: request granted, rejected or failed. */
const SOCKS4_GRANTED = 90;
const SOCKS4_REJECTED = 91;

/** Longest user id or host name in a SOCKS4/4a request (bytes before the NUL). */
export const SOCKS4_MAX_FIELD = 255;

/** A CONNECT request. */
export interface SocksConnect {
  version: 4 | 5;
  /** A host name, dotted IPv4, or IPv6 (eight hex groups). */
  host: string;
  port: number;
  /** SOCKS4 USERID (bytes as Latin-1); "" for SOCKS5. */
  userId: string;
}

/** What one feed() produced. */
export interface SocksStep {
  /** Bytes to send the client now: the SOCKS5 method selection. */
  reply?: Uint8Array;
  /** The request, once complete; answer it with socksReply(). */
  request?: SocksConnect;
  /** With `request`: bytes the client sent after it (data sent early), a copy. */
  rest?: Uint8Array;
}

/** A malformed or unsupported handshake. `reply`, when set, tells the client why in its protocol; send it, then close. */
export class SocksError extends Error {
  override name = 'SocksError';
  constructor(
    readonly detail: string,
    readonly reply?: Uint8Array,
  ) {
    super(`SOCKS: ${detail}`);
  }
}

/** The reply to a SOCKS request: code 0 is success. SOCKS4 has only granted (90) and rejected (91). */
export function socksReply(version: 4 | 5, code: number): Uint8Array {
  // The bound address is not meaningful through SSH: zeros, as OpenSSH sends.
  if (version === 4) return Uint8Array.of(0, code === SOCKS5_REPLY.SUCCEEDED ? SOCKS4_GRANTED : SOCKS4_REJECTED, 0, 0, 0, 0, 0, 0);
  return Uint8Array.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
}

type State = 'version' | 'greeting' | 'request' | 'done';

/**
 * Feed the client's bytes as they come; each call returns what to send and,
 * at the end, the request. Throws SocksError on bad input (then close).
 */
export class SocksHandshake {
  private state: State = 'version';
  private version: 4 | 5 = 5;
  private pending: Uint8Array = new Uint8Array(0);

  get done(): boolean {
    return this.state === 'done';
  }

  feed(chunk: Uint8Array): SocksStep {
    if (this.state === 'done') throw new Error('SOCKS handshake already complete');
    let data = chunk;
    if (this.pending.length > 0) {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
    }
    const step: SocksStep = {};
    let off = 0;
    for (;;) {
      let used: number;
      try {
        used = this.step(data, off, step);
      } catch (e) {
        // A method selection already due goes out before the refusal.
        if (step.reply && e instanceof SocksError && e.reply) throw new SocksError(e.detail, concat(step.reply, e.reply));
        throw e;
      }
      if (used === 0) break;
      off += used;
      if (this.done) {
        step.rest = data.slice(off);
        this.pending = new Uint8Array(0);
        return step;
      }
    }
    // Each step needs at most ~520 bytes, so what waits is bounded.
    this.pending = data.slice(off);
    return step;
  }

  /** Parse one message at data[off..]; returns the bytes used, 0 if incomplete. */
  private step(d: Uint8Array, off: number, out: SocksStep): number {
    if (d.length - off === 0) return 0;
    switch (this.state) {
      case 'version': {
        const v = d[off]!;
        if (v !== 4 && v !== 5) throw new SocksError(`unknown protocol version ${v}`);
        this.version = v;
        // The version byte begins the greeting (5) or the request (4): parse that now.
        this.state = v === 5 ? 'greeting' : 'request';
        return this.step(d, off, out);
      }
      case 'greeting':
        return this.greeting(d, off, out);
      case 'request':
        return this.version === 5 ? this.request5(d, off, out) : this.request4(d, off, out);
      default:
        return 0;
    }
  }

  /** SOCKS5 version identifier / method selection (RFC 1928 §3). */
  private greeting(d: Uint8Array, off: number, out: SocksStep): number {
    if (d.length - off < 2) return 0;
    const n = d[off + 1]!;
    if (n === 0) throw new SocksError('no authentication methods offered', Uint8Array.of(5, 0xff));
    if (d.length - off < 2 + n) return 0;
    for (let i = 0; i < n; i++) {
      if (d[off + 2 + i] === 0) {
        out.reply = Uint8Array.of(5, 0);
        this.state = 'request';
        return 2 + n;
      }
    }
    throw new SocksError('the client does not offer "no authentication"', Uint8Array.of(5, 0xff));
  }

  /** SOCKS5 request (RFC 1928 §4, §5). */
  private request5(d: Uint8Array, off: number, out: SocksStep): number {
    const have = d.length - off;
    if (have < 5) return 0;
    const fail = (code: number, detail: string): SocksError => new SocksError(detail, socksReply(5, code));
    if (d[off] !== 5) throw fail(SOCKS5_REPLY.GENERAL_FAILURE, `request version ${d[off]}, expected 5`);
    const cmd = d[off + 1]!;
    if (cmd !== 1) throw fail(SOCKS5_REPLY.COMMAND_NOT_SUPPORTED, `command ${cmd} is not supported (CONNECT only)`);
    const atyp = d[off + 3]!;
    let addrLen: number;
    let addrOff = off + 4;
    if (atyp === 1) addrLen = 4;
    else if (atyp === 4) addrLen = 16;
    else if (atyp === 3) {
      addrLen = d[off + 4]!;
      addrOff++;
      if (addrLen === 0) throw fail(SOCKS5_REPLY.GENERAL_FAILURE, 'empty host name');
    } else throw fail(SOCKS5_REPLY.ADDRESS_TYPE_NOT_SUPPORTED, `address type ${atyp} is not supported`);
    const total = addrOff - off + addrLen + 2;
    if (have < total) return 0;
    const a = d.subarray(addrOff, addrOff + addrLen);
    const host = atyp === 1 ? ipv4(a) : atyp === 4 ? ipv6(a) : hostName(a, () => fail(SOCKS5_REPLY.GENERAL_FAILURE, 'host name is not printable ASCII'));
    const port = (d[addrOff + addrLen]! << 8) | d[addrOff + addrLen + 1]!;
    out.request = { version: 5, host, port, userId: '' };
    this.state = 'done';
    return total;
  }

  /** SOCKS4 / SOCKS4a CONNECT: VN CD DSTPORT DSTIP USERID NUL [HOSTNAME NUL]. */
  private request4(d: Uint8Array, off: number, out: SocksStep): number {
    const have = d.length - off;
    if (have < 8) return 0;
    const fail = (detail: string): SocksError => new SocksError(detail, socksReply(4, SOCKS5_REPLY.GENERAL_FAILURE));
    const cmd = d[off + 1]!;
    if (cmd !== 1) throw fail(`SOCKS4 command ${cmd} is not supported (CONNECT only)`);
    const port = (d[off + 2]! << 8) | d[off + 3]!;
    const ip = d.subarray(off + 4, off + 8);
    const userEnd = nul(d, off + 8, fail('SOCKS4 user id too long'));
    if (userEnd < 0) return 0;
    let userId = '';
    for (let i = off + 8; i < userEnd; i++) userId += String.fromCharCode(d[i]!);
    let end = userEnd + 1;
    let host: string;
    // SOCKS4a: an address 0.0.0.x (x ≠ 0) means a host name follows the user id.
    if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
      const nameEnd = nul(d, end, fail('SOCKS4a host name too long'));
      if (nameEnd < 0) return 0;
      if (nameEnd === end) throw fail('empty SOCKS4a host name');
      host = hostName(d.subarray(end, nameEnd), () => fail('host name is not printable ASCII'));
      end = nameEnd + 1;
    } else {
      host = ipv4(ip);
    }
    out.request = { version: 4, host, port, userId };
    this.state = 'done';
    return end - off;
  }
}

/** Index of the NUL ending a SOCKS4 field starting at `from`, -1 if not yet received; throws past the bound. */
function nul(d: Uint8Array, from: number, tooLong: SocksError): number {
  const limit = Math.min(d.length, from + SOCKS4_MAX_FIELD + 1);
  for (let i = from; i < limit; i++) if (d[i] === 0) return i;
  if (d.length > from + SOCKS4_MAX_FIELD) throw tooLong;
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function ipv4(a: Uint8Array): string {
  return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
}

function ipv6(a: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  return groups.join(':');
}

function hostName(a: Uint8Array, bad: () => SocksError): string {
  let s = '';
  for (const c of a) {
    if (c < 0x21 || c > 0x7e) throw bad();
    s += String.fromCharCode(c);
  }
  return s;
}
