/**
 * The portable provider's WebAssembly SHA-2 HMAC on whichever runtime
 * executes this file (Node via tsx, Bun, Deno): whether the module compiles
 * and passes its known answers here, whether the provider's self-test and
 * selection (`crypto: 'noble'`) accept HMAC-SHA-256/512, RFC 4231 test case
 * 2 through the provider, and HMAC-SHA-256/512 against @noble/hashes on
 * random keys, lengths up to 70000 bytes and pieces. Prints one JSON line;
 * test/crypto/sha2-wasm-runtimes.test.ts checks it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { nobleProvider } from '../src/crypto/providers/noble.ts';
import { providerFor } from '../src/crypto/providers/select.ts';
import { selfTest } from '../src/crypto/providers/self-test.ts';
import { HmacSha2Wasm } from '../src/crypto/sha2-wasm-hmac.ts';
import { sha2WasmAvailable } from '../src/crypto/sha2-wasm.ts';
import { toHex, utf8 } from '../src/wire/bytes.ts';
import { below, random } from './deterministic-bytes.ts';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const available = sha2WasmAvailable();
const usesWasm = nobleProvider.hmac!('sha256', new Uint8Array(32)) instanceof HmacSha2Wasm;
const selfTests = [selfTest(nobleProvider, 'hmac-sha256'), selfTest(nobleProvider, 'hmac-sha512')];
const selected = [providerFor('hmac-sha2-256-etm@openssh.com', 'noble'), providerFor('hmac-sha2-512', 'noble')];

const mac = (hash: 'sha256' | 'sha512', key: Uint8Array, pieces: Uint8Array[]): string => {
  const h = nobleProvider.hmac!(hash, key);
  const out = new Uint8Array(h.length);
  h.begin();
  for (const p of pieces) h.update(p, 0, p.length);
  h.finish(out, 0);
  h.dispose();
  return toHex(out);
};
// RFC 4231 §4.3, test case 2.
const vectors = (['sha256', 'sha512'] as const).map((hash) => mac(hash, utf8('Jefe'), [utf8('what do '), utf8('ya want for nothing?')]));

let cases = 0;
const mismatches: string[] = [];
for (let i = 0; available && i < 60; i++) {
  const hash = i % 2 === 0 ? 'sha256' : 'sha512';
  const key = random(below(200));
  const len = i % 10 === 0 ? 65536 + below(4500) : below(3000);
  const msg = random(len);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < len; ) {
    const n = Math.min(len - at, 1 + below(5000));
    pieces.push(msg.subarray(at, at + n));
    at += n;
  }
  if (mac(hash, key, pieces) !== toHex(hmac(hash === 'sha256' ? sha256 : sha512, key, msg))) mismatches.push(`${hash} key ${key.length} message ${len}`);
  cases++;
}

console.log(JSON.stringify({ runtime, available, usesWasm, selfTests, selected, vectors, cases, mismatches }));
