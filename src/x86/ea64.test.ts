/**
 * Machine.ea with 64-bit addressing (the offset every memory operand in long mode starts from)
 * and Machine.ea64Halves (LEA's whole 64-bit sum), against BigInt: base + index << scale + disp
 * modulo 2^64, as a signed number. The machine keeps addresses as doubles, so ea's contract is:
 * the exact sum while it lies within ±2^52 (every canonical address, and far past), NaN beyond
 * (linear() then raises #GP, as for any non-canonical address); ea64Halves gives all 64 bits.
 * Registers near the ±2^52 seam and far beyond it (wrapping sums) are mixed in on purpose: the
 * fast double sum and the 32-bit-halves path split there.
 */
import { describe, expect, it } from "vitest";
import { Decoded } from "./decode";
import { Runner } from "./testing/runner";
import { rng } from "./testing/rng";

const LIMIT = 1n << 52n;

/** base + index << scale + disp modulo 2^64, as a signed number. */
function wrapped(base: bigint | null, index: bigint | null, scale: number, disp: number): bigint {
  let s = BigInt(disp);
  if (base !== null) s += base;
  if (index !== null) s += index << BigInt(scale);
  return BigInt.asIntN(64, s);
}

function expected(base: bigint | null, index: bigint | null, scale: number, disp: number): number {
  const v = wrapped(base, index, scale, disp);
  return v >= -LIMIT && v < LIMIT ? Number(v) : NaN;
}

describe("Machine.ea, 64-bit addressing", () => {
  it("is the exact 64-bit sum within ±2^52 and NaN beyond, for registers on both sides of the seam", () => {
    const r = new Runner();
    const c = r.cpu;
    const rnd = rng(0xea64);
    const seam = [0n, 1n, -1n, LIMIT - 1n, LIMIT, -LIMIT, -LIMIT - 1n, (1n << 47n) - 1n, -(1n << 47n), 0xffffffff80000000n, 0xffff888000000000n,
      (1n << 63n) - 1n, -(1n << 63n), 0x7ffffffffffff000n, 0x8000000000001000n];
    const value = (): bigint => {
      const k = Math.floor(rnd() * 4);
      if (k === 0) return BigInt.asIntN(64, seam[Math.floor(rnd() * seam.length)] + BigInt(Math.floor(rnd() * 17) - 8));
      if (k === 1) return BigInt.asIntN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)));
      if (k === 2) return BigInt(Math.floor(rnd() * 2 ** 53) - 2 ** 52);
      return BigInt(Math.floor(rnd() * 2 ** 32) - 2 ** 31);
    };
    const set = (reg: number, v: bigint) => {
      const u = BigInt.asUintN(64, v);
      c.r32[reg << 1] = Number(u & 0xffffffffn) | 0;
      c.r32[(reg << 1) + 1] = Number(u >> 32n) | 0;
    };
    const d = new Decoded();
    d.asz = 8;
    let n = 0;
    for (let k = 0; k < 20000; k++) {
      const hasBase = rnd() < 0.9;
      const hasIndex = rnd() < 0.6;
      const base = hasBase ? value() : null;
      const index = hasIndex ? value() : null;
      d.base = hasBase ? 3 : -1;
      d.index = hasIndex ? 6 : -1;
      d.scale = Math.floor(rnd() * 4);
      d.disp = [0, 8, -8, 0x7fffffff, -0x80000000, Math.floor(rnd() * 2 ** 32) - 2 ** 31][Math.floor(rnd() * 6)];
      if (base !== null) set(3, base);
      if (index !== null) set(6, index);
      const want = expected(base, index, d.scale, d.disp);
      const got = c.ea(d);
      const at = `base ${base} index ${index} scale ${d.scale} disp ${d.disp}`;
      expect(got, at).toBe(want);
      // LEA's sum (ea64Halves): always the whole 64 bits, wrapping, whatever the magnitude.
      const lo = c.ea64Halves(d);
      expect((BigInt(c.hi) << 32n) + BigInt(lo), at).toBe(wrapped(base, index, d.scale, d.disp));
      if (!Number.isNaN(want)) n++;
    }
    expect(n).toBeGreaterThan(5000); // half the sums are in range: the exact path is what is tested
  });
});
