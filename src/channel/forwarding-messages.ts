/**
 * Type-specific data of the forwarding channels and global requests:
 * TCP/IP forwarding (RFC 4254 §7), unix-socket forwarding and the OpenSSH
 * extensions no-more-sessions and keepalive (OpenSSH PROTOCOL §2.2-2.5).
 * Decoders take the type-specific data (what follows the common fields of
 * CHANNEL_OPEN or GLOBAL_REQUEST) and reject trailing bytes.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { WireError } from '../wire/errors.ts';

/** Channel types and global request names. */
export const FORWARDING = {
  DIRECT_TCPIP: 'direct-tcpip',
  FORWARDED_TCPIP: 'forwarded-tcpip',
  TCPIP_FORWARD: 'tcpip-forward',
  CANCEL_TCPIP_FORWARD: 'cancel-tcpip-forward',
  DIRECT_STREAMLOCAL: 'direct-streamlocal@openssh.com',
  FORWARDED_STREAMLOCAL: 'forwarded-streamlocal@openssh.com',
  STREAMLOCAL_FORWARD: 'streamlocal-forward@openssh.com',
  CANCEL_STREAMLOCAL_FORWARD: 'cancel-streamlocal-forward@openssh.com',
  NO_MORE_SESSIONS: 'no-more-sessions@openssh.com',
  KEEPALIVE: 'keepalive@openssh.com',
  AUTH_AGENT: 'auth-agent@openssh.com',
} as const;

function port(r: Reader, what: string): number {
  const at = r.pos;
  const p = r.uint32(what);
  if (p > 65535) throw new WireError(`${r.context}.${what}`, at, `port ${p} is out of range`);
  return p;
}

/**
 * direct-tcpip and forwarded-tcpip open data (RFC 4254 §7.2): the host and
 * port to connect to (direct) or that were connected to (forwarded), then the
 * originator's address and port.
 */
export interface TcpipOpen {
  host: string;
  port: number;
  originatorHost: string;
  originatorPort: number;
}

export function encodeTcpipOpen(m: TcpipOpen): Uint8Array {
  return new Writer(64 + m.host.length + m.originatorHost.length).string(m.host).uint32(m.port).string(m.originatorHost).uint32(m.originatorPort).bytes();
}

export function decodeTcpipOpen(data: Uint8Array, channelType: string = FORWARDING.DIRECT_TCPIP): TcpipOpen {
  const r = new Reader(data, 0, data.length, channelType);
  const m = { host: r.text('host'), port: port(r, 'port'), originatorHost: r.text('originator address'), originatorPort: port(r, 'originator port') };
  r.done();
  return m;
}

/** tcpip-forward and cancel-tcpip-forward data (RFC 4254 §7.1): address to bind and port (0: the server picks). */
export interface TcpipForward {
  host: string;
  port: number;
}

export function encodeTcpipForward(m: TcpipForward): Uint8Array {
  return new Writer(16 + m.host.length).string(m.host).uint32(m.port).bytes();
}

export function decodeTcpipForward(data: Uint8Array, name: string = FORWARDING.TCPIP_FORWARD): TcpipForward {
  const r = new Reader(data, 0, data.length, name);
  const m = { host: r.text('address to bind'), port: port(r, 'port to bind') };
  r.done();
  return m;
}

/** The REQUEST_SUCCESS data of a tcpip-forward for port 0: the port the server bound (RFC 4254 §7.1). */
export function encodeBoundPort(p: number): Uint8Array {
  return new Writer(4).uint32(p).bytes();
}

export function decodeBoundPort(data: Uint8Array): number {
  const r = new Reader(data, 0, data.length, 'tcpip-forward reply');
  const p = port(r, 'bound port');
  r.done();
  return p;
}

/** direct-streamlocal@openssh.com open data (PROTOCOL §2.4): the socket path, then a reserved string and uint32. */
export function encodeDirectStreamlocal(path: string): Uint8Array {
  return new Writer(16 + path.length).string(path).string('').uint32(0).bytes();
}

export function decodeDirectStreamlocal(data: Uint8Array): { path: string } {
  const r = new Reader(data, 0, data.length, FORWARDING.DIRECT_STREAMLOCAL);
  const path = r.text('socket path');
  r.string('reserved');
  r.uint32('reserved');
  r.done();
  return { path };
}

/** forwarded-streamlocal@openssh.com open data (PROTOCOL §2.4): the listening path, then a reserved string. */
export function encodeForwardedStreamlocal(path: string): Uint8Array {
  return new Writer(12 + path.length).string(path).string('').bytes();
}

export function decodeForwardedStreamlocal(data: Uint8Array): { path: string } {
  const r = new Reader(data, 0, data.length, FORWARDING.FORWARDED_STREAMLOCAL);
  const path = r.text('socket path');
  r.string('reserved');
  r.done();
  return { path };
}

/** streamlocal-forward@openssh.com and its cancel (PROTOCOL §2.4): the socket path. */
export function encodeStreamlocalForward(path: string): Uint8Array {
  return new Writer(8 + path.length).string(path).bytes();
}

export function decodeStreamlocalForward(data: Uint8Array, name: string = FORWARDING.STREAMLOCAL_FORWARD): { path: string } {
  const r = new Reader(data, 0, data.length, name);
  const path = r.text('socket path');
  r.done();
  return { path };
}

/** Requests with no data: no-more-sessions@openssh.com (PROTOCOL §2.2), keepalive@openssh.com, auth-agent@openssh.com opens. */
export function decodeEmpty(data: Uint8Array, name: string): void {
  if (data.length !== 0) throw new WireError(name, 0, `${data.length} trailing bytes`);
}
