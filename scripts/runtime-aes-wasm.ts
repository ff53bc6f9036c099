/**
 * The portable provider's WebAssembly AES on whichever runtime executes this
 * file (Node via tsx, Bun, Deno): whether the module compiles here (it needs
 * WebAssembly SIMD), GCM test case 16 and SP 800-38A F.5.5 through the
 * provider, and AES-GCM (seal, open, open in pieces) and AES-CTR (xorTo in
 * pieces) against @noble/ciphers on random keys, IVs and lengths up to
 * 70000 bytes. Prints one JSON line; test/crypto/aes-wasm-runtimes.test.ts checks it.
 */
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { AesCtrWasm } from '../src/crypto/aes-ctr-wasm.ts';
import { AesGcmWasm } from '../src/crypto/aes-gcm-wasm.ts';
import { aesWasmAvailable } from '../src/crypto/aes-wasm.ts';
import { nobleProvider } from '../src/crypto/providers/noble.ts';
import { fromHex, toHex } from '../src/wire/bytes.ts';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const available = aesWasmAvailable();

/** Deterministic test bytes: AES-CTR keystreams of a fixed key (@noble/ciphers), a fresh counter block per call. */
let draws = 0;
function random(n: number): Uint8Array {
  const counter = new Uint8Array(16);
  new DataView(counter.buffer).setUint32(0, ++draws);
  return ctr(new Uint8Array(16), counter).encrypt(new Uint8Array(n));
}
const below = (n: number): number => new DataView(random(4).buffer).getUint32(0) % n;
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const vectors: string[] = [];
if (available) {
  // GCM specification, test case 16.
  const key = fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const aad = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const pt = fromHex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
  const buf = new Uint8Array(aad.length + pt.length + 16);
  buf.set(aad);
  buf.set(pt, aad.length);
  nobleProvider.aesGcm!(key).seal(fromHex('cafebabefacedbaddecaf888'), buf, 0, aad.length, pt.length);
  vectors.push(toHex(buf.subarray(aad.length + pt.length)));
  // SP 800-38A F.5.5, first block.
  const block = fromHex('6bc1bee22e409f96e93d7e117393172a');
  nobleProvider.aesCtr!(fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'), fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff')).update(block, 0, 16);
  vectors.push(toHex(block));
}

let cases = 0;
const mismatches: string[] = [];
for (let i = 0; available && i < 60; i++) {
  const keyLen = [16, 24, 32][i % 3]!;
  const key = random(keyLen), iv = random(12), aad = random(below(30));
  const len = i % 10 === 0 ? 65536 + below(4500) : below(3000);
  const pt = random(len);
  const want = gcm(key, iv, aad).encrypt(pt);
  const g = new AesGcmWasm(key);
  const buf = new Uint8Array(aad.length + len + 16);
  buf.set(aad);
  buf.set(pt, aad.length);
  g.seal(iv, buf, 0, aad.length, len);
  if (!same(buf.subarray(aad.length), want)) mismatches.push(`gcm seal ${keyLen} ${len}`);
  if (!g.open(iv, buf, 0, aad.length, len) || !same(buf.subarray(aad.length, aad.length + len), pt)) mismatches.push(`gcm open ${keyLen} ${len}`);
  const out = new Uint8Array(len);
  g.beginOpen(iv, aad, 0, aad.length);
  for (let at = 0; at < len; ) {
    const n = Math.min(len - at, 1 + below(5000));
    g.openPiece(want, at, n, out, at);
    at += n;
  }
  if (!g.endOpen(want, len) || !same(out, pt)) mismatches.push(`gcm pieces ${keyLen} ${len}`);
  const ctrIv = random(16);
  const s = new AesCtrWasm(key, ctrIv);
  const stream = new Uint8Array(len);
  for (let at = 0; at < len; ) {
    const n = Math.min(len - at, 1 + below(7000));
    s.xorTo(pt, at, n, stream, at);
    at += n;
  }
  if (!same(stream, ctr(key, ctrIv).encrypt(pt))) mismatches.push(`ctr ${keyLen} ${len}`);
  cases++;
}

console.log(JSON.stringify({ runtime, available, vectors, cases, mismatches }));
