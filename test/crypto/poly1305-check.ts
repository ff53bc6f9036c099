/**
 * Runs the Poly1305 cross-check (poly1305-vectors.ts) on whichever runtime
 * executes this file and prints one JSON line: the runtime, the implementation
 * createPoly1305() picks there, and each implementation's first
 * disagreement (null when none). poly1305.test.ts runs it on Bun and Deno.
 */
import { createPoly1305, poly1305Implementation } from '../../src/crypto/poly1305.ts';
import { crossCheck } from './poly1305-vectors.ts';

const runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
console.log(
  JSON.stringify({
    runtime,
    implementation: poly1305Implementation(),
    wasm: crossCheck(createPoly1305('wasm'), 11),
    js: crossCheck(createPoly1305('js'), 12),
  }),
);
