/**
 * mul64 (arith.ts), the 64 × 64 → 128-bit product behind MUL, IMUL and MULX of 64-bit operands,
 * against BigInt: signed and unsigned, on random operands and on the edges where carries chain
 * through every limb.
 */
import { describe, expect, it } from "vitest";
import { mul64 } from "./arith";
import type { Machine } from "./machine";
import { Runner } from "./testing/runner";
import { rng } from "./testing/rng";

const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;

function words(v: bigint): [number, number] {
  return [Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0];
}

function product(c: Machine): bigint {
  const o = c.mulOut;
  return [0, 1, 2, 3].reduce((acc, k) => acc | (BigInt(o[k] >>> 0) << BigInt(32 * k)), 0n);
}

function expected(a: bigint, b: bigint, signed: boolean): bigint {
  const s = (v: bigint) => (signed ? BigInt.asIntN(64, v) : v);
  return (s(a) * s(b)) & M128;
}

describe("mul64", () => {
  const c: Machine = new Runner().cpu;
  const edges = [0n, 1n, 2n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, M64, M64 - 1n, 0xffff0000ffff0000n, 0x0000ffff0000ffffn];
  const rnd = rng(0x6d756c);
  const random = (): bigint => {
    // Limbs of all ones and all zeros as often as random ones: the carry paths.
    let v = 0n;
    for (let k = 0; k < 4; k++) v = (v << 16n) | BigInt([0, 0xffff, Math.floor(rnd() * 0x10000)][Math.floor(rnd() * 3)]);
    return v;
  };
  const cases: [bigint, bigint][] = [];
  for (const a of edges) for (const b of edges) cases.push([a, b]);
  for (let i = 0; i < 5000; i++) cases.push([random(), random()]);

  for (const signed of [false, true]) {
    it(`gives the exact 128-bit ${signed ? "signed" : "unsigned"} product`, () => {
      for (const [a, b] of cases) {
        const [aLo, aHi] = words(a);
        const [bLo, bHi] = words(b);
        mul64(c, aLo, aHi, bLo, bHi, signed);
        expect(product(c), `${a.toString(16)} × ${b.toString(16)}`).toBe(expected(a, b, signed));
      }
    });
  }
});
