/**
 * AES-GCM's two passes in one loop on WebAssembly (NIST SP 800-38D §7.1:
 * GCTR and GHASH over the same blocks). The bitsliced AES of
 * aes-wasm-code.ts runs on the vector unit and GHASH's masked multiplies
 * (ghash-wasm-code.ts) mostly on the integer unit; alone, each leaves much
 * of the core idle (AES waits on its long chains of dependent operations),
 * so interleaving them lets an out-of-order core run both at once. Rounds
 * 1..8 of each AES group of eight blocks each take one block of a GHASH
 * group of eight, with H^8..H^1, reduced once per group; within a round,
 * SubBytes is cut into six parts, one 64-bit product after each.
 *
 * ctrGhash(pc, pg, groups, rounds): for g in 0..groups-1, XORs the keystream
 * of 8 blocks into pc + 128·g (counter at `counterAt`, as ctr) and hashes
 * the 8 blocks at pg + 128·g into Y at `yAt`. Each group is hashed before its
 * keystream is stored, so pg = pc hashes ciphertext being decrypted; sealing
 * passes pg = pc - 128 (the group encrypted just before).
 */
import { AesEmitter, loadCounter } from './aes-wasm-code.ts';
import { GHASH_POWERS, GHASH_SCRATCH, GHASH_TABLE_POWER, GhashEmitter } from './ghash-wasm-code.ts';
import {
  BR_IF, EMPTY, END, FunctionBuilder, I32, I32_ADD, I32_CONST, I32_GT_S, I32_SUB, LOOP, V128, V128_LOAD,
  V128_STORE, sleb, uleb, type Code,
} from './wasm-emitter.ts';

/** Scratch bytes ctrGhash uses at `scratchAt`: GhashEmitter's, then 16 for the AES scheduling stores. */
export const CTR_GHASH_SCRATCH = GHASH_SCRATCH + 16;

export function ctrGhashBody(keysAt: number, counterAt: number, yAt: number, tableAt: number, scratchAt: number): Code {
  const f = new FunctionBuilder(4);
  const PC = 0, PG = 1, GROUPS = 2, ROUNDS = 3;
  const aes = new AesEmitter(f, keysAt, ROUNDS);
  const g = new GhashEmitter(f, scratchAt);
  const base = f.local(V128), y = f.local(V128), block = f.local(V128);
  const table = f.local(I32), eight = f.local(I32);
  const WORDS = 6;

  loadCounter(f, counterAt, base);
  f.op(I32_CONST, 0);
  f.simd(V128_LOAD, 4, ...uleb(yAt));
  f.set(y);
  f.op(I32_CONST, 8).set(eight);
  f.op(LOOP, EMPTY);
  {
    g.clear();
    f.op(I32_CONST, ...sleb(tableAt + (GHASH_POWERS - 1) * GHASH_TABLE_POWER)).set(table);
    aes.counters(base);
    aes.encrypt({
      parts: WORDS,
      anchorAt: scratchAt + GHASH_SCRATCH,
      emit: (part) => {
        if (part === 0) {
          g.loadBlock(PG, y, block);
          g.prepare(block);
        }
        g.word(part, table, 0);
        if (part === WORDS - 1) {
          f.get(PG).op(I32_CONST, 16, I32_ADD).set(PG);
          f.get(table).op(I32_CONST, ...sleb(GHASH_TABLE_POWER), I32_SUB).set(table);
        }
      },
    });
    aes.xorInto(PC, eight);
    g.reduce(y);
    f.get(PC).op(I32_CONST, ...sleb(128), I32_ADD).set(PC);
    f.get(GROUPS).op(I32_CONST, 1, I32_SUB).set(GROUPS);
    f.get(GROUPS).op(I32_CONST, 0, I32_GT_S, BR_IF, 0);
  }
  f.op(END);
  f.op(I32_CONST, 0).get(y);
  f.simd(V128_STORE, 4, ...uleb(yAt));
  return f.body();
}
