/**
 * Channel.keep: a consumer that must hold incoming data beyond its onData
 * call (a forwarded socket, stdout, an output collector) takes each chunk as
 * a buffer of its own — the decrypted packet itself where node:crypto's AEADs
 * opened it into a buffer of their own, or data the channel held while
 * paused; a copy where packets were opened in place. Either way every byte
 * kept stays intact while later packets arrive and after the transfer.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/channel/connection.ts';
import type { Channel } from '../../src/channel/channel.ts';
import type { ProviderChoice } from '../../src/crypto/types.ts';
import { writeAllToChannel } from '../helpers/echo-server.ts';
import { transportPair } from '../helpers/transport-pair.ts';
import { isRealNode } from '../crypto/cipher-helpers.ts';

const TOTAL = 3 << 20;

async function channelPair(ciphers: string[], macs: string[], crypto: ProviderChoice): Promise<{ near: Channel; far: Channel }> {
  const { client, server } = transportPair({ client: { ciphers, macs, crypto }, server: { ciphers, macs, crypto } });
  await Promise.all([client.ready, server.ready]);
  const cc = new Connection(client);
  const sc = new Connection(server);
  let far!: Channel;
  sc.onChannelOpen = (o) => (far = o.accept());
  const near = await cc.openChannel('keep-test@hopssh.invalid');
  return { near, far };
}

interface Kept {
  hash: string;
  bytes: number;
  /** Chunks keep() handed over as they were given (no copy). */
  same: number;
  chunks: number;
}

/**
 * The far side sends TOTAL bytes; the near side keeps every chunk and
 * hashes them all only at the end. Between 1 and 2 MiB it pauses for a
 * while, so data arrives held and is delivered on resume.
 */
async function keepAll(near: Channel, far: Channel): Promise<{ sent: string; kept: Kept; heldSeen: boolean }> {
  const kept: Uint8Array[] = [];
  let same = 0;
  let bytes = 0;
  let paused = false;
  let heldSeen = false;
  const ended = new Promise<void>((resolve) => (near.onEnd = resolve));
  near.onData = (d) => {
    const k = near.keep(d);
    if (k === d) same++;
    kept.push(k);
    bytes += d.length;
    if (!paused && bytes > 1 << 20) {
      paused = true;
      near.pause();
      setTimeout(() => {
        heldSeen = near.heldBytes > 0;
        near.resume();
      }, 30);
    }
  };
  const sent = await writeAllToChannel(far, TOTAL, 50_000);
  await ended;
  const all = createHash('sha256');
  for (const k of kept) all.update(k);
  return { sent, kept: { hash: all.digest('hex'), bytes, same, chunks: kept.length }, heldSeen };
}

describe('keeping received data', () => {
  const cases: { label: string; ciphers: string[]; macs: string[]; crypto: ProviderChoice; handedOver: boolean }[] = [
    { label: 'aes128-gcm, runtime (opened detached)', ciphers: ['aes128-gcm@openssh.com'], macs: ['hmac-sha2-256'], crypto: 'runtime', handedOver: true },
    { label: 'chacha20-poly1305, runtime (opened detached)', ciphers: ['chacha20-poly1305@openssh.com'], macs: ['hmac-sha2-256'], crypto: 'runtime', handedOver: true },
    { label: 'aes128-ctr + hmac-sha2-256-etm, runtime (opened in place)', ciphers: ['aes128-ctr'], macs: ['hmac-sha2-256-etm@openssh.com'], crypto: 'runtime', handedOver: false },
    { label: 'aes256-gcm, noble (opened in place)', ciphers: ['aes256-gcm@openssh.com'], macs: ['hmac-sha2-256'], crypto: 'noble', handedOver: false },
  ];
  for (const c of cases) {
    it.runIf(isRealNode || c.crypto === 'noble')(`${c.label}: every kept byte intact; ${c.handedOver ? 'packets handed over, no copy' : 'copies'}`, async () => {
      const { near, far } = await channelPair(c.ciphers, c.macs, c.crypto);
      const { sent, kept, heldSeen } = await keepAll(near, far);
      expect(kept.bytes).toBe(TOTAL);
      expect(kept.hash).toBe(sent);
      expect(heldSeen).toBe(true);
      if (c.handedOver) {
        // Every chunk: the opener's own buffer, or data the channel held (its copy) — never a second copy.
        expect(kept.same).toBe(kept.chunks);
      } else {
        // Only what was held while paused is handed over as it is; the rest is copied.
        expect(kept.same).toBeGreaterThan(0);
        expect(kept.same).toBeLessThan(kept.chunks);
      }
    });
  }
});
