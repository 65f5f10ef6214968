/**
 * Machine.read32/read64/write32/write64 at every alignment: a TLB hit reads and writes the page's
 * word view (one word, or parts of two or three when misaligned), a miss the bytes. Both must
 * give exactly the bytes in guest RAM, little-endian, and leave every other byte alone. The
 * differential suites cannot see a mistake here (their two sides share these methods), so this
 * checks them against the RAM itself.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { rng } from "./testing/rng";

const BASE = 0x200000;

function fresh(seed: number): { r: Runner; ram: Uint8Array } {
  const r = new Runner().flat32(0x1000);
  const rnd = rng(seed);
  for (let i = 0; i < 3 * 4096; i++) r.ram[BASE + i] = Math.floor(rnd() * 256);
  return { r, ram: r.ram };
}

const le = (ram: Uint8Array, at: number, n: number): bigint => {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(ram[at + i]);
  return v;
};

// Offsets in the middle page: all four alignments at its start, middle and end, and across into the next page.
const OFFSETS = [0, 1, 2, 3, 4, 5, 6, 7, 0x7fd, 0x7fe, 0x7ff, 0x800, 0xff4, 0xff5, 0xff6, 0xff7, 0xff8, 0xff9, 0xffa, 0xffb, 0xffc, 0xffd, 0xffe, 0xfff];

describe("32- and 64-bit memory access at every alignment", () => {
  it("reads what RAM holds, on the filling access and on the TLB hit after it", () => {
    const { r, ram } = fresh(1);
    for (const o of OFFSETS) {
      const lin = BASE + 0x1000 + o;
      for (let pass = 0; pass < 2; pass++) {
        const m = r.cpu as unknown as { read32(l: number): number; read64(l: number): number; hi: number };
        expect(BigInt(m.read32(lin) >>> 0), `read32 ${o.toString(16)} pass ${pass}`).toBe(le(ram, lin, 4));
        const lo = m.read64(lin);
        expect((BigInt(m.hi >>> 0) << 32n) | BigInt(lo >>> 0), `read64 ${o.toString(16)} pass ${pass}`).toBe(le(ram, lin, 8));
      }
    }
  });

  it("writes exactly its bytes, on the filling access and on the TLB hit after it", () => {
    for (const size of [4, 8] as const) {
      for (const o of OFFSETS) {
        for (let pass = 0; pass < 2; pass++) {
          const { r, ram } = fresh(o * 16 + size + pass);
          const m = r.cpu as unknown as { write32(l: number, v: number): void; write64(l: number, lo: number, hi: number): void; read32(l: number): number };
          const lin = BASE + 0x1000 + o;
          if (pass === 1) m.read32(lin); // a hit in the read TLB does not make the write one
          if (pass === 1) m.write32(BASE + 0x1000 + (o ^ 0x800), 0); // the write TLB holds the page
          const before = Uint8Array.from(ram.subarray(BASE, BASE + 3 * 4096));
          const lo = 0x89abcdef | 0;
          const hi = 0x01234567;
          if (size === 4) m.write32(lin, lo);
          else m.write64(lin, lo, hi);
          const want = Uint8Array.from(before);
          const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
          for (let i = 0; i < size; i++) want[lin - BASE + i] = Number((value >> BigInt(8 * i)) & 0xffn);
          expect(Array.from(ram.subarray(BASE, BASE + 3 * 4096)), `write${size * 8} at ${o.toString(16)} pass ${pass}`).toEqual(Array.from(want));
        }
      }
    }
  });
});
