/**
 * Poly1305 (RFC 8439 §2.5), streaming, reading the input where it lies.
 * One object serves packet after packet (init, update…, finish) with no
 * allocation; finish and dispose wipe the key and accumulator.
 *
 * Two implementations give identical tags: WebAssembly with 64-bit multiplies
 * (poly1305-wasm.ts, module bytes built in that file) wherever WebAssembly
 * runs — Node, Deno and Bun — and plain JavaScript (poly1305-js.ts) elsewhere.
 * bench/poly1305.bench.ts measures both against noble's.
 */
import { fromHex, toHex, utf8 } from '../wire/bytes.ts';
import { Poly1305Js } from './poly1305-js.ts';
import { Poly1305Wasm, wasmPoly1305Available } from './poly1305-wasm.ts';

/** A Poly1305 MAC state, reusable: init, any number of updates, finish. */
export interface Poly1305 {
  /** Starts a message under the one-time key `key[keyOff .. keyOff+32)` (r ‖ s). */
  init(key: Uint8Array, keyOff: number): void;
  /** Absorbs `buf[off .. off+len)`; any split of a message into updates gives the same tag. */
  update(buf: Uint8Array, off: number, len: number): void;
  /** Writes the 16-byte tag to `out[outOff ..)` and wipes the state; init again for the next message. */
  finish(out: Uint8Array, outOff: number): void;
  /** Wipes the key, accumulator and buffered input. */
  dispose(): void;
}

export type Poly1305Implementation = 'wasm' | 'js';

let chosen: Poly1305Implementation | undefined;

/** The implementation `createPoly1305()` uses here: WebAssembly where it compiles and passes the self-test. */
export function poly1305Implementation(): Poly1305Implementation {
  chosen ??= wasmPoly1305Available() && passesSelfTest(new Poly1305Wasm()) ? 'wasm' : 'js';
  return chosen;
}

/** RFC 8439 §2.5.2's example, fed in two uneven pieces. */
function passesSelfTest(mac: Poly1305): boolean {
  const msg = utf8('Cryptographic Forum Research Group');
  const tag = new Uint8Array(16);
  mac.init(fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b'), 0);
  mac.update(msg, 0, 5);
  mac.update(msg, 5, msg.length - 5);
  mac.finish(tag, 0);
  return toHex(tag) === 'a8061dc1305136c6c22b8baf0c0127a9';
}

/** A Poly1305 state on the fastest implementation available (or the one named). */
export function createPoly1305(impl: Poly1305Implementation = poly1305Implementation()): Poly1305 {
  return impl === 'wasm' ? new Poly1305Wasm() : new Poly1305Js();
}
