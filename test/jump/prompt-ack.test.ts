/**
 * Prompt acknowledgements (src/jump/prompt-ack.ts): after a connection-layer
 * control message that the client does not answer, the client sends one
 * SSH_MSG_IGNORE, so that its TCP acknowledges sshd's packet at once; for
 * channel data only while a hop is set up through the connection; never
 * before authentication, or when it answered anyway.
 * Observed at the server: packets received (its receiver's sequence number)
 * and the messages among them that are not transport-level (IGNORE is
 * swallowed by the transport, everything else reaches onMessage).
 */
import { describe, expect, test } from 'vitest';
import { acknowledgePromptly } from '../../src/jump/prompt-ack.ts';
import { MSG } from '../../src/wire/message-numbers.ts';
import { Writer } from '../../src/wire/writer.ts';
import { transportPair } from '../helpers/transport-pair.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

/** hostkeys-00@openssh.com, want_reply false: what sshd sends right after USERAUTH_SUCCESS. */
const hostkeysNotice = new Writer(64).byte(MSG.GLOBAL_REQUEST).string('hostkeys-00@openssh.com').boolean(false).bytes().slice();
const channelData = new Writer(32).byte(MSG.CHANNEL_DATA).uint32(0).string(new Uint8Array(8)).bytes().slice();

async function pair(answer?: (p: Uint8Array) => Uint8Array | undefined) {
  const { client, server } = transportPair();
  await Promise.all([client.ready, server.ready]);
  const atServer: number[] = [];
  server.onMessage = (p) => void atServer.push(p[0]!);
  // The connection layer's place; `answer` replies as it would.
  client.onMessage = (p) => {
    const reply = answer?.(p);
    if (reply) client.send(reply);
  };
  const ack = acknowledgePromptly(client);
  const received = server.receiver.seq;
  /** Packets the server received since the start that were not upper-layer messages (IGNOREs). */
  const ignores = (): number => server.receiver.seq - received - atServer.length;
  return { client, server, atServer, ignores, ack };
}

describe('prompt acknowledgements', () => {
  test('an unanswered control message after authentication gets one IGNORE per timer turn', async () => {
    const { client, server, atServer, ignores } = await pair();
    client.markAuthenticated();
    server.send(hostkeysNotice);
    server.send(hostkeysNotice);
    await settle();
    expect(ignores()).toBe(1);
    expect(atServer).toEqual([]);
    server.send(hostkeysNotice);
    await settle();
    expect(ignores()).toBe(2);
    client.disconnect();
  });

  test('none before authentication, none for channel data', async () => {
    const { client, server, ignores } = await pair();
    server.send(hostkeysNotice);
    await settle();
    expect(ignores()).toBe(0);
    client.markAuthenticated();
    server.send(channelData);
    await settle();
    expect(ignores()).toBe(0);
    client.disconnect();
  });

  test('channel data too while a hop is being set up through the connection (nestedSetups)', async () => {
    const { client, server, ignores, ack } = await pair();
    client.markAuthenticated();
    ack.nestedSetups++;
    server.send(channelData);
    await settle();
    expect(ignores()).toBe(1);
    ack.nestedSetups--;
    server.send(channelData);
    await settle();
    expect(ignores()).toBe(1);
    client.disconnect();
  });

  test('none when the client answered the message itself', async () => {
    const { client, server, atServer, ignores } = await pair((p) => (p[0] === MSG.GLOBAL_REQUEST ? Uint8Array.of(MSG.REQUEST_FAILURE) : undefined));
    client.markAuthenticated();
    server.send(hostkeysNotice);
    await settle();
    expect(atServer).toEqual([MSG.REQUEST_FAILURE]);
    expect(ignores()).toBe(0);
    client.disconnect();
  });

  test('needs the connection layer installed first', () => {
    const { client } = transportPair();
    expect(() => acknowledgePromptly(client)).toThrow(TypeError);
    client.disconnect();
  });
});
