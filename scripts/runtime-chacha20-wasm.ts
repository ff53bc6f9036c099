/**
 * The portable provider's WebAssembly ChaCha20 on whichever runtime executes
 * this file (Node via tsx, Bun, Deno): whether the module compiles (SIMD) and
 * passes its known answers here, whether the provider uses it and its
 * self-test and selection (`crypto: 'noble'`) accept chacha20, RFC 8439
 * §2.4.2 through the provider, and the keystream against @noble/ciphers on
 * random keys, nonces, counters, lengths up to 70000 bytes and pieces.
 * Prints one JSON line; test/crypto/chacha20-wasm-runtimes.test.ts checks it.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { ChaCha20Wasm, chacha20WasmAvailable } from '../src/crypto/chacha20-wasm.ts';
import { nobleProvider } from '../src/crypto/providers/noble.ts';
import { providerFor } from '../src/crypto/providers/select.ts';
import { selfTest } from '../src/crypto/providers/self-test.ts';
import { fromHex, toHex, utf8 } from '../src/wire/bytes.ts';
import { below, random } from './deterministic-bytes.ts';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const available = chacha20WasmAvailable();
const usesWasm = nobleProvider.chacha20!(new Uint8Array(32)) instanceof ChaCha20Wasm;
const selfTestPassed = selfTest(nobleProvider, 'chacha20');
const selected = providerFor('chacha20-poly1305@openssh.com', 'noble');

/** XORs the keystream from `counter` into `pieces` of a copy of `data`, through the provider. */
const encrypt = (key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array, cuts: number[]): Uint8Array => {
  const s = nobleProvider.chacha20!(key);
  s.reset(nonce, counter);
  const out = new Uint8Array(data.length);
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    const n = Math.min(cut, data.length - at);
    s.xorTo!(data, at, n, out, at);
    at += n;
  }
  s.dispose();
  return out;
};
// RFC 8439 §2.4.2: the first 16 bytes of the ciphertext.
const vector = toHex(
  encrypt(
    fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
    fromHex('000000000000004a00000000'),
    1,
    utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
    [50],
  ).subarray(0, 16),
);

let cases = 0;
const mismatches: string[] = [];
for (let i = 0; available && i < 60; i++) {
  const key = random(32);
  const nonce = random(12);
  const counter = below(2 ** 31);
  const len = i % 10 === 0 ? 65536 + below(4500) : below(3000);
  const data = random(len);
  const cuts = Array.from({ length: below(6) }, () => below(700));
  if (toHex(encrypt(key, nonce, counter, data, cuts)) !== toHex(chacha20(key, nonce, data, undefined, counter))) mismatches.push(`counter ${counter}, ${len} bytes, cuts ${cuts}`);
  cases++;
}

console.log(JSON.stringify({ runtime, available, usesWasm, selfTest: selfTestPassed, selected, vector, cases, mismatches }));
