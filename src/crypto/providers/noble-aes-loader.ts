/**
 * Loads the portable provider's JavaScript AES (noble-aes.ts) only where it
 * is needed: where hopssh's WebAssembly AES cannot run. Every process used to
 * import it, building @noble/ciphers' 1.3 MiB of AES tables at start-up for
 * nothing on Node, Bun and Deno (bench/results/startup.md).
 *
 * Where WebAssembly SIMD is missing (a module declaring one v128 local does
 * not validate: no WebAssembly, --jitless, an engine without SIMD), loading
 * starts at import and `nobleAesReady` resolves once done;
 * cryptoProvidersReady() (select.ts) waits for it, as for node:crypto.
 * Should SIMD validate but the WebAssembly AES still fail its known answers,
 * loading starts at that first use; until it is done the provider's AES is
 * unavailable (never used unverified, and not counted as failed).
 */
import { V128, functionBody, moduleBytes } from '../wasm-emitter.ts';

type NobleAes = typeof import('./noble-aes.ts');

let nobleAes: NobleAes | undefined;
let loading: Promise<void> | undefined;

/** Starts loading noble-aes.ts (once); resolves when it is loaded. */
export function loadNobleAes(): Promise<void> {
  loading ??= import('./noble-aes.ts').then((m) => {
    nobleAes = m;
  });
  return loading;
}

/** noble-aes.ts once loaded, else undefined (and its loading started). */
export function nobleAesLoaded(): NobleAes | undefined {
  if (nobleAes === undefined) loadNobleAes().catch(() => undefined); // a load that fails leaves AES unavailable here
  return nobleAes;
}

/** Whether this runtime's WebAssembly validates SIMD (WebAssembly Core Specification 2.0, §5.3.1 vector type). */
function wasmSimdValidates(): boolean {
  const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  if (wasm === undefined) return false;
  try {
    return wasm.validate(moduleBytes({ types: [{ params: [], results: [] }], functions: [{ type: 0, body: functionBody([[1, V128]], []) }], memoryPages: 0, exports: [] }));
  } catch {
    return false;
  }
}

/** Where WebAssembly SIMD is missing, resolves once the JavaScript AES is loaded; undefined where SIMD is present (nothing to wait for). */
export const nobleAesReady: Promise<void> | undefined = wasmSimdValidates() ? undefined : loadNobleAes();
