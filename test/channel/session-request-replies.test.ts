/**
 * Replies to channel requests and CLOSE (RFC 4254 §5.3, §5.4), as a session
 * server needs them: a request decided at once is answered before whatever
 * the handler goes on to send (output, exit-status, CLOSE), and a close()
 * made while an asynchronous decision is pending waits for its reply — so an
 * `ssh host cmd` whose command ends at once still gets its exec SUCCESS.
 */
import { describe, expect, test } from 'vitest';
import { transportPair } from '../helpers/transport-pair.ts';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import { ChannelClosedError, RequestFailedError } from '../../src/channel/errors.ts';
import { MSG } from '../../src/wire/message-numbers.ts';

async function open(serverSide: (c: Channel) => void) {
  const { client, server } = transportPair();
  await Promise.all([client.ready, server.ready]);
  const sc = new Connection(server);
  const cc = new Connection(client);
  sc.onChannelOpen = (o) => serverSide(o.accept());
  // What the client receives, in order (message numbers), by wrapping the connection's handler.
  const seen: number[] = [];
  const handle = client.onMessage!;
  client.onMessage = (p) => (seen.push(p[0]!), handle(p));
  const ch = await cc.openChannel('session');
  seen.length = 0; // the open confirmation
  const closed = new Promise<Error | undefined>((r) => (ch.onClose = r));
  return { ch, seen, closed };
}

describe('request replies and CLOSE', () => {
  test('a synchronous decision is answered before what the handler sends next', async () => {
    const { ch, seen, closed } = await open((c) => {
      c.onRequest = () => {
        // As a session server does: accept exec, then print, exit and close in the same turn.
        queueMicrotask(() => {
          c.write(Uint8Array.of(1));
          c.close();
        });
        return true;
      };
    });
    ch.onData = () => undefined;
    await ch.request('exec', new Uint8Array(0));
    await closed;
    expect(seen).toEqual([MSG.CHANNEL_SUCCESS, MSG.CHANNEL_DATA, MSG.CHANNEL_EOF, MSG.CHANNEL_CLOSE]);
  });

  test('a handler returning nothing (plain JavaScript) refuses the request; null and thenables are handled', async () => {
    const { ch } = await open((c) => {
      c.onRequest = (r) => (r.type === 'nothing' ? undefined : r.type === 'null' ? null : { then: (ok: (v: boolean) => void) => ok(true) }) as never;
    });
    await expect(ch.request('nothing', new Uint8Array(0))).rejects.toBeInstanceOf(RequestFailedError);
    await expect(ch.request('null', new Uint8Array(0))).rejects.toBeInstanceOf(RequestFailedError);
    await ch.request('thenable', new Uint8Array(0));
  });

  test('close() inside the handler, before it returns its decision: CLOSE still follows the reply', async () => {
    const { ch, seen, closed } = await open((c) => {
      c.onRequest = () => {
        c.write(Uint8Array.of(1));
        c.close();
        return true;
      };
    });
    ch.onData = () => undefined;
    await ch.request('exec', new Uint8Array(0));
    await closed;
    expect(seen).toEqual([MSG.CHANNEL_DATA, MSG.CHANNEL_EOF, MSG.CHANNEL_SUCCESS, MSG.CHANNEL_CLOSE]);
  });

  test('close() while an asynchronous decision is pending: CLOSE waits for the reply; replies stay in order', async () => {
    let release!: () => void;
    const { ch, seen, closed } = await open((c) => {
      c.onRequest = (r) => {
        if (r.type === 'sync') {
          c.close();
          return false;
        }
        return new Promise<boolean>((res) => (release = () => res(true)));
      };
    });
    const a = ch.request('async', new Uint8Array(0));
    const b = ch.request('sync', new Uint8Array(0));
    await new Promise((r) => setTimeout(r, 20));
    // EOF went out; CLOSE and the sync reply wait behind the pending one.
    expect(seen).toEqual([MSG.CHANNEL_EOF]);
    release();
    await a;
    await expect(b).rejects.toBeInstanceOf(RequestFailedError);
    await closed;
    expect(seen).toEqual([MSG.CHANNEL_EOF, MSG.CHANNEL_SUCCESS, MSG.CHANNEL_FAILURE, MSG.CHANNEL_CLOSE]);
  });

  test('destroy() does not wait for a pending decision; the request fails as closed', async () => {
    const { ch, closed } = await open((c) => {
      c.onRequest = () => {
        setTimeout(() => c.destroy(), 5);
        return new Promise<boolean>(() => undefined);
      };
    });
    await expect(ch.request('never', new Uint8Array(0))).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await closed).toBeUndefined();
  });

  test('the peer closing while a decision is pending is answered with CLOSE at once', async () => {
    let serverClosed = false;
    const { ch, closed } = await open((c) => {
      c.onRequest = () => new Promise<boolean>(() => undefined);
      c.onClose = () => (serverClosed = true);
    });
    const pending = ch.request('never', new Uint8Array(0));
    ch.close();
    await expect(pending).rejects.toBeInstanceOf(ChannelClosedError);
    await closed;
    expect(serverClosed).toBe(true);
  });
});
