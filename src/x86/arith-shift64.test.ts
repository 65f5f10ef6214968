/**
 * shift64 (arith.ts), the 64-bit ROL ROR RCL RCR SHL SHR SAL SAR behind C1/D1/D3 with REX.W,
 * against a bit-at-a-time BigInt model of the Intel SDM's pseudo-code (Vol. 2B SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR): the result and the flags each defines, for every count 0..63 on values whose
 * carries and sign bits sit at the 32-bit seam, and on random ones.
 */
import { describe, expect, it } from "vitest";
import { shift64 } from "./arith";
import { Runner } from "./testing/runner";
import { rng } from "./testing/rng";

const M64 = (1n << 64n) - 1n;
const CF = 0x1;
const PF = 0x4;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;

/** The flags each operation defines for a nonzero count (AF is undefined for shifts; OF only for count 1, but this CPU's choice is checked too). */
interface Model {
  value: bigint;
  cf: number;
  of: number;
  /** SF ZF PF are set from the result (shifts), or left alone (rotates). */
  szp: boolean;
}

function model(op: number, v: bigint, count: number, cfIn: number): Model {
  let x = v;
  let cf = cfIn;
  const top = (y: bigint) => Number((y >> 63n) & 1n);
  for (let i = 0; i < count; i++) {
    switch (op) {
      case 0: cf = top(x); x = ((x << 1n) | BigInt(cf)) & M64; break;
      case 1: cf = Number(x & 1n); x = (x >> 1n) | (BigInt(cf) << 63n); break;
      case 2: { const out = top(x); x = ((x << 1n) | BigInt(cf)) & M64; cf = out; break; }
      case 3: { const out = Number(x & 1n); x = (x >> 1n) | (BigInt(cf) << 63n); cf = out; break; }
      case 4: case 6: cf = top(x); x = (x << 1n) & M64; break;
      case 5: cf = Number(x & 1n); x >>= 1n; break;
      default: cf = Number(x & 1n); x = (x >> 1n) | (BigInt(top(x)) << 63n); break;
    }
  }
  // OF: left forms, MSB(result) XOR CF; right rotates, the two top bits of the result; SHR, the
  // original MSB (count 1, else 0 here); SAR, 0.
  let of: number;
  if (op === 0 || op === 2 || op === 4 || op === 6) of = top(x) ^ cf;
  else if (op === 1 || op === 3) of = top(x) ^ Number((x >> 62n) & 1n);
  else if (op === 5) of = count === 1 ? top(v) : 0;
  else of = 0;
  return { value: x, cf, of, szp: op >= 4 };
}

function parity(b: number): number {
  let p = 1;
  for (let k = 0; k < 8; k++) p ^= (b >> k) & 1;
  return p;
}

describe("shift64", () => {
  const c = new Runner().cpu;
  const rnd = rng(0x73686c);
  const values = [0n, 1n, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, M64, 0xc000000180000001n, 0x00000001ffffffffn];
  for (let k = 0; k < 40; k++) values.push(BigInt(Math.floor(rnd() * 2 ** 32)) << 32n | BigInt(Math.floor(rnd() * 2 ** 32)));
  const names = ["ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"];

  for (let op = 0; op < 8; op++) {
    it(`${names[op]}: result and flags for counts 0..63`, () => {
      let checked = 0;
      for (const v of values) {
        for (let count = 0; count < 64; count++) {
          for (const cfIn of [0, 1]) {
            // Flags before: CF as given, the others set, so a flag the operation keeps is seen kept.
            const before = 0x2 | (cfIn ? CF : 0) | PF | ZF | SF | OF | 0x10;
            c.setRflags(before);
            const lo = Number(v & 0xffffffffn) | 0;
            const hi = Number(v >> 32n) | 0;
            const rLo = shift64(c, op, lo, hi, count);
            const got = (BigInt(c.hi >>> 0) << 32n) | BigInt(rLo >>> 0);
            const flags = c.getRflags();
            if (count === 0) {
              expect(got).toBe(v);
              expect(flags).toBe(before);
              continue;
            }
            const m = model(op, v, count, cfIn);
            const at = `${names[op]} 0x${v.toString(16)}, ${count} (CF in ${cfIn})`;
            expect(got, at).toBe(m.value);
            expect(flags & CF, at).toBe(m.cf);
            expect((flags & OF) !== 0, at).toBe(m.of === 1);
            if (m.szp) {
              expect((flags & ZF) !== 0, at).toBe(m.value === 0n);
              expect((flags & SF) !== 0, at).toBe((m.value >> 63n) === 1n);
              expect((flags & PF) !== 0, at).toBe(parity(Number(m.value & 0xffn)) === 1);
            } else {
              expect(flags & (ZF | SF | PF), at).toBe(ZF | SF | PF);
            }
            checked++;
          }
        }
      }
      expect(checked).toBe(values.length * 63 * 2);
    });
  }
});
