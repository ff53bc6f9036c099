/**
 * Prints which provider the self-test and speed check chose for each
 * algorithm on the runtime running this file (`tsx`, `bun` or `deno run -A`).
 * The README's provider table is this output for Node, Bun and Deno.
 */
import { providerFor, cryptoProvidersReady } from '../src/crypto/providers/select.ts';
import { runtimeModpStatus } from '../src/crypto/kex-modp-runtime.ts';
import { CIPHERS, MACS } from '../src/crypto/cipher-registry.ts';

await cryptoProvidersReady();
const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const out: Record<string, string> = {};
for (const name of [...Object.keys(CIPHERS), ...Object.keys(MACS)]) {
  if (name === 'none') continue;
  out[name] = providerFor(name);
}
const dh = runtimeModpStatus();
out['finite-field DH (RFC 3526 groups)'] = JSON.stringify(dh);
console.log(JSON.stringify({ runtime, providers: out }, null, 1));
