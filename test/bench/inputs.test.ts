import { describe, expect, test } from 'vitest';
import { fill, plainPacket } from '../../bench/lib/inputs.ts';

// bench/lib/inputs.ts: the plaintext packets bench:cipher and bench:poly1305 seal (RFC 4253 §6).

describe('plainPacket', () => {
  const parts = (p: Uint8Array) => ({ length: new DataView(p.buffer).getUint32(0), pad: p[4]! });

  test.each([
    // payload, block, length excluded, padding
    [32768, 8, true, 7], // chacha20-poly1305
    [32768, 16, true, 15], // aes-gcm, or aes-ctr with an etm MAC
    [32768, 16, false, 11], // aes-ctr with a MAC over the whole packet
    [13, 8, true, 10], // 2 bytes would align, but padding is at least 4
    [13, 4, false, 6], // blocks under 8 count as 8
  ])('payload %i, block %i, length excluded %s: %i bytes of padding', (payload, block, excluded, pad) => {
    const p = plainPacket(payload, block, excluded);
    expect(parts(p)).toEqual({ length: 1 + payload + pad, pad });
    expect(p.length).toBe(4 + 1 + payload + pad);
    expect((p.length - (excluded ? 4 : 0)) % Math.max(8, block)).toBe(0);
  });
});

describe('fill', () => {
  test('the same bytes for the same seed, other bytes for another', () => {
    expect(fill(64, 3)).toEqual(fill(64, 3));
    expect(fill(64, 3)).not.toEqual(fill(64, 4));
    expect(new Set(fill(256, 1)).size).toBeGreaterThan(64);
  });
});
