/**
 * PacketSender's arena: packets sealed in one tick go out in one write, and
 * once the arena is full it starts over only where the stream says it holds
 * nothing written from it (ByteStream.settled: a socket whose writes reached
 * the kernel, a channel that copies); otherwise a fresh arena is taken, so a
 * stream that keeps what it is given (a queue) never sees it overwritten.
 * Either way every packet arrives as sealed: opened in order by a receiver.
 */
import { describe, expect, it } from 'vitest';
import type { ByteStream, ByteStreamHandler } from '../../src/io/byte-stream.ts';
import { createOpener, createSealer } from '../../src/crypto/packet-protection.ts';
import { PacketSender } from '../../src/transport/packet-sender.ts';
import { PacketReceiver } from '../../src/transport/packet-receiver.ts';
import { hex, keysFor, rng } from '../crypto/cipher-helpers.ts';

/** A stream that either copies each write at once (settled) or keeps the buffers it is given until read. */
class RecordingStream implements ByteStream {
  readonly kept: Uint8Array[] = [];
  readonly buffers = new Set<ArrayBufferLike>();
  constructor(readonly settled: boolean | undefined) {}
  start(_h: ByteStreamHandler): void {}
  write(data: Uint8Array): boolean {
    this.buffers.add(data.buffer);
    this.kept.push(this.settled ? data.slice() : data);
    return true;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  close(): void {}
}

const KEYS = keysFor('aes128-gcm@openssh.com', 'none', rng(7));

/** 60 payloads of 1–12 KiB sent one per flush (as one per tick), then what the stream got, opened. */
function sendAll(stream: RecordingStream): { sent: string[]; opened: string[] } {
  const sender = new PacketSender(stream, createSealer(KEYS, 'noble'));
  const bytes = rng(11);
  const sent: string[] = [];
  for (let i = 0; i < 60; i++) {
    const payload = bytes(1024 + ((i * 977) % 11000));
    sent.push(hex(payload));
    sender.send(payload);
    sender.flush();
  }
  const opened: string[] = [];
  const r = new PacketReceiver(createOpener(KEYS, 'noble'), (p) => opened.push(hex(p)));
  r.setOpener(createOpener(KEYS, 'noble'), true);
  for (const chunk of stream.kept) r.feed(chunk);
  return { sent, opened };
}

describe('the packet arena', () => {
  it('starts over once full where the stream holds nothing written from it', () => {
    const stream = new RecordingStream(true);
    const { sent, opened } = sendAll(stream);
    expect(opened).toEqual(sent);
    expect(stream.buffers.size).toBe(1);
  });

  for (const settled of [false, undefined]) {
    it(`takes a fresh arena where the stream may still hold what it was given (settled: ${settled})`, () => {
      const stream = new RecordingStream(settled);
      const { sent, opened } = sendAll(stream);
      // The stream kept the arena's own bytes: had one been reused, earlier packets would have been overwritten.
      expect(opened).toEqual(sent);
      expect(stream.buffers.size).toBeGreaterThan(1);
    });
  }
});
