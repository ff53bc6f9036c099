/**
 * Window and packet sizes. Session channels use OpenSSH's sizes
 * (CHAN_SES_WINDOW_DEFAULT 2 MiB, CHAN_SES_PACKET_DEFAULT 32 KiB); tcpip and
 * streamlocal channels, which carry bulk relayed data, default larger.
 */
export interface ChannelSizes {
  /** Initial (and maximum) receive window we grant the peer. */
  window: number;
  /** Largest CHANNEL_DATA payload we accept. */
  maxPacket: number;
}

export const SESSION_SIZES: Readonly<ChannelSizes> = { window: 2 * 1024 * 1024, maxPacket: 32 * 1024 };
export const TCPIP_SIZES: Readonly<ChannelSizes> = { window: 16 * 1024 * 1024, maxPacket: 128 * 1024 };

/** Largest window a peer may give us: RFC 4254 §5.2 windows are uint32. */
export const MAX_WINDOW = 0xffffffff;

/** Default bound on bytes a channel buffers for sending before write() returns false. */
export const DEFAULT_WRITE_HIGH_WATER = 1024 * 1024;

/** Default cap on channels open at once on one connection. */
export const DEFAULT_MAX_CHANNELS = 1024;
