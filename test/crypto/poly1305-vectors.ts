/**
 * Poly1305 known answers: RFC 8439 §2.5.2 and Appendix A.3 (test vectors
 * #1–#11), and a cross-check against noble's Poly1305 over random and edge
 * inputs. Shared by poly1305.test.ts (Node) and poly1305-check.ts (Bun, Deno).
 */
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { fromHex, toHex } from '../../src/wire/bytes.ts';
import type { Poly1305 } from '../../src/crypto/poly1305.ts';
import { rng } from './cipher-helpers.ts';

export interface Poly1305Vector {
  name: string;
  key: string;
  msg: string;
  tag: string;
}

const IETF_TEXT =
  '416e79207375626d697373696f6e20746f20746865204945544620696e74656e6465642062792074686520436f6e7472696275746f7220666f72207075626c69' +
  '636174696f6e20617320616c6c206f722070617274206f6620616e204945544620496e7465726e65742d4472616674206f722052464320616e6420616e792073' +
  '746174656d656e74206d6164652077697468696e2074686520636f6e74657874206f6620616e204945544620616374697669747920697320636f6e7369646572' +
  '656420616e20224945544620436f6e747269627574696f6e222e20537563682073746174656d656e747320696e636c756465206f72616c2073746174656d656e' +
  '747320696e20494554462073657373696f6e732c2061732077656c6c206173207772697474656e20616e6420656c656374726f6e696320636f6d6d756e696361' +
  '74696f6e73206d61646520617420616e792074696d65206f7220706c6163652c207768696368206172652061646472657373656420746f';
const JABBERWOCKY =
  '2754776173206272696c6c69672c20616e642074686520736c6974687920746f7665730a446964206779726520616e642067696d626c6520696e207468652077' +
  '6162653a0a416c6c206d696d737920776572652074686520626f726f676f7665732c0a416e6420746865206d6f6d65207261746873206f757467726162652e';
const Z16 = '00000000000000000000000000000000';

export const RFC8439_VECTORS: Poly1305Vector[] = [
  {
    name: '§2.5.2',
    key: '85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b',
    msg: '43727970746f6772617068696320466f72756d2052657365617263682047726f7570',
    tag: 'a8061dc1305136c6c22b8baf0c0127a9',
  },
  { name: 'A.3 #1', key: Z16 + Z16, msg: Z16.repeat(4), tag: Z16 },
  { name: 'A.3 #2', key: Z16 + '36e5f6b5c5e06070f0efca96227a863e', msg: IETF_TEXT, tag: '36e5f6b5c5e06070f0efca96227a863e' },
  { name: 'A.3 #3', key: '36e5f6b5c5e06070f0efca96227a863e' + Z16, msg: IETF_TEXT, tag: 'f3477e7cd95417af89a6b8794c310cf0' },
  {
    name: 'A.3 #4',
    key: '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
    msg: JABBERWOCKY,
    tag: '4541669a7eaaee61e708dc7cbcc5eb62',
  },
  // #5–#11 exercise the final reduction: h ≥ p, h + s wrapping 2^128, and carries through every limb.
  { name: 'A.3 #5', key: '02' + '00'.repeat(31), msg: 'ff'.repeat(16), tag: '03' + '00'.repeat(15) },
  { name: 'A.3 #6', key: '02' + '00'.repeat(15) + 'ff'.repeat(16), msg: '02' + '00'.repeat(15), tag: '03' + '00'.repeat(15) },
  {
    name: 'A.3 #7',
    key: '01' + '00'.repeat(31),
    msg: 'ff'.repeat(16) + 'f0' + 'ff'.repeat(15) + '11' + '00'.repeat(15),
    tag: '05' + '00'.repeat(15),
  },
  {
    name: 'A.3 #8',
    key: '01' + '00'.repeat(31),
    msg: 'ff'.repeat(16) + 'fb' + 'fe'.repeat(15) + '01'.repeat(16),
    tag: Z16,
  },
  { name: 'A.3 #9', key: '02' + '00'.repeat(31), msg: 'fd' + 'ff'.repeat(15), tag: 'fa' + 'ff'.repeat(15) },
  {
    name: 'A.3 #10',
    key: '0100000000000000040000000000000000000000000000000000000000000000',
    msg: 'e33594d7505e43b90000000000000000' + '3394d7505e4379cd0100000000000000' + Z16 + '01000000000000000000000000000000',
    tag: '14000000000000005500000000000000',
  },
  {
    name: 'A.3 #11',
    key: '0100000000000000040000000000000000000000000000000000000000000000',
    msg: 'e33594d7505e43b90000000000000000' + '3394d7505e4379cd0100000000000000' + Z16,
    tag: '13000000000000000000000000000000',
  },
];

/** Our tag for `msg` under `key`, one update call per chunk (chunk lengths cycle through `chunks`). */
export function tagOf(mac: Poly1305, key: Uint8Array, msg: Uint8Array, chunks: readonly number[] = [msg.length]): string {
  const out = new Uint8Array(16);
  mac.init(key, 0);
  for (let off = 0, i = 0; off < msg.length || i === 0; i++) {
    const n = Math.min(chunks[i % chunks.length]!, msg.length - off);
    mac.update(msg, off, n);
    off += n;
    if (i > msg.length + chunks.length) throw new Error('chunks of length 0 only');
  }
  mac.finish(out, 0);
  return toHex(out);
}

export const nobleTag = (key: Uint8Array, msg: Uint8Array): string => toHex(noblePoly1305(msg, key));

/** Keys whose r has every bit the clamp allows, whose s is 2^128 - 1, or both; and a random one. */
export function edgeKeys(rand: (n: number) => Uint8Array): Uint8Array[] {
  const ff = new Uint8Array(16).fill(0xff);
  const r = rand(16);
  const s = rand(16);
  const key = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
  return [key(ff, s), key(r, ff), key(ff, ff), key(new Uint8Array(16), ff), key(r, s)];
}

/** The first disagreement with noble (or with the vectors), as a message; null when all agree. */
export function crossCheck(mac: Poly1305, seed: number): string | null {
  for (const v of RFC8439_VECTORS) {
    const got = tagOf(mac, fromHex(v.key), fromHex(v.msg));
    if (got !== v.tag) return `${v.name}: got ${got}, expected ${v.tag}`;
  }
  const rand = rng(seed);
  const lengths = [...Array.from({ length: 300 }, (_, i) => i), 1000, 2047, 65472 - 1, 65472 + 17, 131072 + 5];
  for (const n of lengths) {
    const key = rand(32);
    const msg = rand(n);
    const want = nobleTag(key, msg);
    for (const chunks of [[n], [1], [15, 17], [1000]]) {
      const got = tagOf(mac, key, msg, chunks);
      if (got !== want) return `length ${n}, chunks ${chunks.join('/')}: got ${got}, noble ${want}`;
    }
  }
  for (const key of edgeKeys(rand)) {
    for (const fill of [0xff, 0xfe, 0x00]) {
      for (const n of [0, 1, 15, 16, 17, 32, 33, 64, 127, 1024]) {
        const msg = new Uint8Array(n).fill(fill);
        const got = tagOf(mac, key, msg);
        const want = nobleTag(key, msg);
        if (got !== want) return `edge key ${toHex(key)}, ${n} × ${fill}: got ${got}, noble ${want}`;
      }
    }
  }
  return null;
}
