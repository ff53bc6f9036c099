import { describe, expect, test } from 'vitest';
import { frameCategory, selfTimeByCategory, type CpuProfile } from '../../bench/relay/profile-categories.ts';

// bench:relay --profile: self time of a .cpuprofile by category (bench/relay/profile-categories.ts).

const BUILD = 'file:///repo/node_modules/.cache/hopssh-bench-relay-42/out';
const frame = (functionName: string, url = ''): { functionName: string; url: string } => ({ functionName, url });

describe('frameCategory', () => {
  test.each([
    [frame('update', 'node:internal/crypto/cipher'), 'nodeCrypto'],
    [frame('createCipheriv', 'node:crypto'), 'nodeCrypto'],
    [frame('sealAesGcm', `${BUILD}/src/crypto/seal-aes-gcm.js`), 'hopsshCrypto'],
    [frame('select', 'file:///work/main/src/crypto/providers/select.ts'), 'hopsshCrypto'],
    [frame('$ghash', 'wasm://wasm/1a2b3c4d'), 'hopsshCrypto'],
    [frame('wasm-function[7]'), 'hopsshCrypto'],
    [frame('encrypt', 'file:///repo/node_modules/@noble/ciphers/aes.js'), 'hopsshCrypto'],
    [frame('(garbage collector)'), 'gc'],
    [frame('onStreamRead', 'node:internal/stream_base_commons'), 'io'],
    [frame('Writable.write', 'node:internal/streams/writable'), 'io'],
    [frame('Socket._writeGeneric', 'node:net'), 'io'],
    [frame('writeBuffer'), 'io'],
    [frame('sealPacket', `${BUILD}/src/transport/packet-codec.js`), 'protocol'],
    [frame('onData', 'file:///work/main/src/channel/channel.ts'), 'protocol'],
    [frame('connect', 'file:///work/main/src/index.ts'), 'protocol'],
    [frame('relay', `${BUILD}/bench/relay/hopssh-peer.js`), 'other'],
    [frame('x', 'file:///repo/node_modules/foo/src/transport/x.js'), 'other'],
    [frame('emit', 'node:events'), 'other'],
    [frame('(program)'), 'other'],
    [frame('(idle)'), 'idle'],
    [frame('TypedArray.prototype.set'), undefined],
  ])('%o → %s', (f, category) => expect(frameCategory(f)).toBe(category));
});

describe('selfTimeByCategory', () => {
  // (root) ─┬ seal (src/transport) ─┬ update (node:internal/crypto/cipher)
  //         │                       └ TypedArray.prototype.set (no script: takes seal's category)
  //         ├ (garbage collector)
  //         ├ writeGeneric (stream_base_commons) ─ writeBuffer
  //         ├ $aes (wasm)
  //         └ (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5, 6, 8, 9] },
      { id: 2, callFrame: frame('seal', `${BUILD}/src/transport/packet-codec.js`), children: [3, 4] },
      { id: 3, callFrame: frame('update', 'node:internal/crypto/cipher') },
      { id: 4, callFrame: frame('TypedArray.prototype.set') },
      { id: 5, callFrame: frame('(garbage collector)') },
      { id: 6, callFrame: frame('writeGeneric', 'node:internal/stream_base_commons'), children: [7] },
      { id: 7, callFrame: frame('writeBuffer') },
      { id: 8, callFrame: frame('$aes', 'wasm://wasm/00ff') },
      { id: 9, callFrame: frame('(idle)') },
    ],
    startTime: 1_000,
    endTime: 2_000,
    //            t: 1100 1200 1300 1400 1500 1600 1700 1800 1900 2000
    samples: [3, 3, 4, 5, 7, 6, 8, 9, 9, 2],
    timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
  };

  test('attributes each sample delta to its node, scriptless frames to their caller', () => {
    const r = selfTimeByCategory(profile);
    expect(r.wallUs).toBe(1000);
    expect(r.us).toEqual({ nodeCrypto: 200, hopsshCrypto: 100, gc: 100, io: 200, protocol: 200, other: 0, idle: 200 });
    expect(r.top[0]).toMatchObject({ name: 'update', category: 'nodeCrypto', us: 200 });
    expect(r.top.find((f) => f.name === 'TypedArray.prototype.set')?.category).toBe('protocol');
  });

  test('counts only the samples inside the window', () => {
    const r = selfTimeByCategory(profile, [1_250, 1_650]);
    expect(r.wallUs).toBe(400);
    expect(r.us).toEqual({ nodeCrypto: 0, hopsshCrypto: 0, gc: 100, io: 200, protocol: 100, other: 0, idle: 0 });
  });

  test('a sample naming an unknown node is an error', () => {
    expect(() => selfTimeByCategory({ ...profile, samples: [3, 99], timeDeltas: [1, 1] })).toThrow(RangeError);
  });
});
