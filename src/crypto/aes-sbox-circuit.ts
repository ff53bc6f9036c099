/**
 * The AES S-box (FIPS 197 §5.1.1) as a Boolean circuit of 113 gates — 32 AND,
 * 81 XOR/XNOR — from J. Boyar and R. Peralta, "A depth-16 circuit for the AES
 * S-box" (IFIP SEC 2012; ePrint 2011/332): a linear top layer, a shared
 * non-linear middle (inversion in GF(2^4)^2) and a linear bottom layer.
 * No table is indexed by data, so evaluating it on bit slices runs in
 * constant time. test/crypto/aes-wasm.test.ts checks it against the S-box's
 * definition for all 256 inputs.
 *
 * Inputs U0..U7 are the bits of a byte from the most significant down; S0..S7
 * are the output bits likewise. `#` is XNOR: the four XNORs produce exactly
 * the affine constant 0x63 (bits S1, S2, S6, S7), so a bitsliced cipher may
 * compute them as XOR and add 0x63 to its round keys instead (aes-key-schedule.ts).
 */

const LISTING = `
y14 = U3 ^ U5; y13 = U0 ^ U6; y9 = U0 ^ U3; y8 = U0 ^ U5; t0 = U1 ^ U2; y1 = t0 ^ U7; y4 = y1 ^ U3;
y12 = y13 ^ y14; y2 = y1 ^ U0; y5 = y1 ^ U6; y3 = y5 ^ y8; t1 = U4 ^ y12; y15 = t1 ^ U5; y20 = t1 ^ U1;
y6 = y15 ^ U7; y10 = y15 ^ t0; y11 = y20 ^ y9; y7 = U7 ^ y11; y17 = y10 ^ y11; y19 = y10 ^ y8;
y16 = t0 ^ y11; y21 = y13 ^ y16; y18 = U0 ^ y16;
t2 = y12 & y15; t3 = y3 & y6; t4 = t3 ^ t2; t5 = y4 & U7; t6 = t5 ^ t2; t7 = y13 & y16; t8 = y5 & y1;
t9 = t8 ^ t7; t10 = y2 & y7; t11 = t10 ^ t7; t12 = y9 & y11; t13 = y14 & y17; t14 = t13 ^ t12;
t15 = y8 & y10; t16 = t15 ^ t12; t17 = t4 ^ y20; t18 = t6 ^ t16; t19 = t9 ^ t14; t20 = t11 ^ t16;
t21 = t17 ^ t14; t22 = t18 ^ y19; t23 = t19 ^ y21; t24 = t20 ^ y18; t25 = t21 ^ t22; t26 = t21 & t23;
t27 = t24 ^ t26; t28 = t25 & t27; t29 = t28 ^ t22; t30 = t23 ^ t24; t31 = t22 ^ t26; t32 = t31 & t30;
t33 = t32 ^ t24; t34 = t23 ^ t33; t35 = t27 ^ t33; t36 = t24 & t35; t37 = t36 ^ t34; t38 = t27 ^ t36;
t39 = t29 & t38; t40 = t25 ^ t39; t41 = t40 ^ t37; t42 = t29 ^ t33; t43 = t29 ^ t40; t44 = t33 ^ t37;
t45 = t42 ^ t41;
z0 = t44 & y15; z1 = t37 & y6; z2 = t33 & U7; z3 = t43 & y16; z4 = t40 & y1; z5 = t29 & y7;
z6 = t42 & y11; z7 = t45 & y17; z8 = t41 & y10; z9 = t44 & y12; z10 = t37 & y3; z11 = t33 & y4;
z12 = t43 & y13; z13 = t40 & y5; z14 = t29 & y2; z15 = t42 & y9; z16 = t45 & y14; z17 = t41 & y8;
tc1 = z15 ^ z16; tc2 = z10 ^ tc1; tc3 = z9 ^ tc2; tc4 = z0 ^ z2; tc5 = z1 ^ z0; tc6 = z3 ^ z4;
tc7 = z12 ^ tc4; tc8 = z7 ^ tc6; tc9 = z8 ^ tc7; tc10 = tc8 ^ tc9; tc11 = tc6 ^ tc5; tc12 = z3 ^ z5;
tc13 = z13 ^ tc1; tc14 = tc4 ^ tc12; S3 = tc3 ^ tc11; tc16 = z6 ^ tc8; tc17 = z14 ^ tc10;
tc18 = tc13 ^ tc14; S7 = z12 # tc18; tc20 = z15 ^ tc16; tc21 = tc2 ^ z11; S0 = tc3 ^ tc16;
S6 = tc10 # tc18; S4 = tc14 ^ S3; S1 = S3 # tc16; tc26 = tc17 ^ tc20; S2 = tc26 # z17; S5 = tc21 ^ tc17;
`;

export type GateOp = 'xor' | 'and' | 'xnor';

/** One gate: wire `out` = `a` op `b`. Wires 0..7 are U0..U7; every gate's output is a new wire, numbered in order. */
export interface Gate {
  out: number;
  op: GateOp;
  a: number;
  b: number;
}

const OPS: Record<string, GateOp> = { '^': 'xor', '&': 'and', '#': 'xnor' };

/** The gates in evaluation order, and the wires holding S0..S7. */
export const SBOX_CIRCUIT: { gates: readonly Gate[]; outputs: readonly number[]; wires: number } = (() => {
  const wire = new Map<string, number>();
  for (let i = 0; i < 8; i++) wire.set(`U${i}`, i);
  const gates: Gate[] = [];
  const ref = (w: string): number => {
    const x = wire.get(w);
    if (x === undefined) throw new Error(`aes-sbox-circuit: wire ${w} used before it is set`);
    return x;
  };
  for (const stmt of LISTING.split(';')) {
    const m = /^\s*(\w+) = (\w+) ([&^#]) (\w+)\s*$/.exec(stmt);
    if (m === null) {
      if (stmt.trim() !== '') throw new Error(`aes-sbox-circuit: cannot read "${stmt.trim()}"`);
      continue;
    }
    const out = wire.size;
    gates.push({ out, op: OPS[m[3]!]!, a: ref(m[2]!), b: ref(m[4]!) });
    wire.set(m[1]!, out);
  }
  return { gates, outputs: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ref(`S${i}`)), wires: wire.size };
})();

/**
 * Evaluates the circuit on 32 bit slices at once: `u[j]` holds input bit U_j
 * of up to 32 bytes (one per bit position); returns S0..S7 likewise.
 */
export function sboxSlices(u: readonly number[]): number[] {
  const w = new Int32Array(SBOX_CIRCUIT.wires);
  for (let i = 0; i < 8; i++) w[i] = u[i]!;
  for (const g of SBOX_CIRCUIT.gates) {
    const x = w[g.a]!, y = w[g.b]!;
    w[g.out] = g.op === 'and' ? x & y : g.op === 'xor' ? x ^ y : ~(x ^ y);
  }
  return SBOX_CIRCUIT.outputs.map((o) => w[o]!);
}

/** SubWord (FIPS 197 §5.2): the S-box on each byte of `word` (4 bytes, any order), through the circuit. */
export function subWord(word: number): number {
  const u: number[] = [];
  for (let j = 0; j < 8; j++) {
    let slice = 0;
    for (let k = 0; k < 4; k++) slice |= ((word >>> (8 * k + 7 - j)) & 1) << k;
    u.push(slice);
  }
  const s = sboxSlices(u);
  let out = 0;
  for (let j = 0; j < 8; j++) for (let k = 0; k < 4; k++) out |= ((s[j]! >>> k) & 1) << (8 * k + 7 - j);
  return out >>> 0;
}
