/**
 * Prompt acknowledgements, for setup latency through OpenSSH's sshd.
 *
 * sshd writes to its client with Nagle's algorithm on (it sets TCP_NODELAY
 * only for interactive sessions), so when it writes two small packets in a
 * row the second waits until the first is acknowledged. It does so at every
 * step of a jump chain: after USERAUTH_SUCCESS it sends
 * hostkeys-00@openssh.com and the DEBUG lines of the key's options, then the
 * CHANNEL_OPEN_CONFIRMATION; at the end of a command CHANNEL_EOF, then
 * exit-status and CHANNEL_CLOSE. A client with nothing to send acknowledges
 * only when its delayed-ACK timer fires (40 ms on Linux), so each of these
 * costs 40 ms. TCP_QUICKACK would acknowledge at once, but no runtime we run
 * on exposes it; so after a connection-layer control message, when the
 * client has sent nothing by the next timer turn, it sends SSH_MSG_IGNORE
 * (RFC 4253 §11.2), whose segment carries the ACK. Nested in a jump host's
 * channel, the IGNORE makes that jump host write to the next host's socket,
 * which acknowledges there too.
 *
 * A jump host's sshd writes what the next host sends it the same way, as
 * CHANNEL_DATA: the next host's version line, then its KEXINIT, arrive in two
 * packets. So while a hop is being set up through this connection
 * (`PromptAck.nestedSetups`), CHANNEL_DATA is acknowledged promptly too.
 *
 * Bounded: otherwise never for CHANNEL_DATA / CHANNEL_EXTENDED_DATA (a data
 * stream is acknowledged by TCP's own rules and our window adjusts), at most
 * one per timer turn, none before authentication or during a key exchange,
 * none when the client answered anyway.
 */
import type { Transport } from '../transport/transport.ts';
import { MSG } from '../wire/message-numbers.ts';

/** SSH_MSG_IGNORE with empty data. */
const IGNORE = Uint8Array.of(MSG.IGNORE, 0, 0, 0, 0);

/** The prompt acknowledgements of one transport. */
export interface PromptAck {
  /** Hops being set up through this transport: while above 0, CHANNEL_DATA is acknowledged promptly too. */
  nestedSetups: number;
}

/** Wraps `transport.onMessage` (install the Connection first): see the file comment. */
export function acknowledgePromptly(transport: Transport): PromptAck {
  const state: PromptAck = { nestedSetups: 0 };
  const inner = transport.onMessage;
  if (inner === undefined) throw new TypeError('acknowledgePromptly needs the connection layer installed first');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seqBefore = 0;
  const check = (): void => {
    timer = undefined;
    // The sender's sequence number moved: something went out, and with it the ACK.
    if (transport.isOpen && transport.canSendDirectly && transport.sender.seq === seqBefore) transport.send(IGNORE);
  };
  transport.onMessage = (payload) => {
    const type = payload[0];
    const data = type === MSG.CHANNEL_DATA || type === MSG.CHANNEL_EXTENDED_DATA;
    if (timer === undefined && transport.authenticated && (!data || state.nestedSetups > 0)) {
      seqBefore = transport.sender.seq;
      timer = setTimeout(check, 0);
    }
    return inner(payload);
  };
  void transport.closed.then(() => clearTimeout(timer));
  return state;
}
