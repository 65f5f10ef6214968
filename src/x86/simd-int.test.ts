/**
 * Every SIMD integer operation (MMX, SSE2 integer, SSSE3) in its MMX form (mm, mm/m64) and its XMM
 * form (xmm, xmm/m128) against the per-element reference models of testing/simd-ref.ts, over edge
 * and pseudo-random inputs: saturation limits, −128/−32768 for PABS/PSIGN/PMULHRSW, PSHUFB indices
 * with bit 7 set, shift counts past the element width and above 2^32, PALIGNR counts up to 255.
 * Alternate operations take the source from memory. One guest program per width runs them all.
 */
import { describe, it, expect } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";
import { REF, palignrRef, vectors, SHIFT_COUNTS, put, type Bytes, type RefOp } from "./testing/simd-ref";

const ENTRY = 0x2000;
const IN = 0x100000;
const IN_SHIFT = 0x180000;
const OUT = 0x200000;
const COUNT = 32;

const PALIGNR_COUNTS = [0, 1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 255];
const OPS: [string, RefOp][] = [
  ...Object.entries(REF),
  ...PALIGNR_COUNTS.map((n): [string, RefOp] => [`palignr ${n}`, palignrRef(n)]),
];
const isShift = (name: string): boolean => /^ps(ll|rl|ra)[wdq]$/.test(name);

function inputs(w: number): { pairs: [Bytes, Bytes][]; shiftPairs: [Bytes, Bytes][] } {
  const as = vectors(COUNT, w, 11 * w), bs = vectors(COUNT, w, 29 * w + 5);
  const pairs = as.map((a, i): [Bytes, Bytes] => [a, bs[i]]);
  const shiftPairs = as.map((a, i): [Bytes, Bytes] => {
    const b: Bytes = new Array(w).fill(0);
    put(b, 0, 8, SHIFT_COUNTS[i % SHIFT_COUNTS.length]);
    if (w === 16 && i % 3 === 0) put(b, 1, 8, 0x55n); // the upper quadword of an XMM count is ignored
    return [a, b];
  });
  return { pairs, shiftPairs };
}

function program(w: number): string {
  const D = w === 8 ? "mm0" : "xmm0", S = w === 8 ? "mm1" : "xmm1";
  const ld = w === 8 ? "movq" : "movdqu";
  const lines = [`bits 64`, `org ${ENTRY}`];
  OPS.forEach(([name], k) => {
    const [mn, imm] = name.split(" ");
    const src = k % 2 === 0 ? S : `[rsi + ${w}]`;
    lines.push(
      `mov rsi, ${isShift(name) ? IN_SHIFT : IN}`,
      `mov rdi, ${OUT + k * COUNT * w}`,
      `mov ecx, ${COUNT}`,
      `l${k}: ${ld} ${D}, [rsi]`,
      `${ld} ${S}, [rsi + ${w}]`,
      `${mn} ${D}, ${src}${imm !== undefined ? `, ${imm}` : ""}`,
      `${ld} [rdi], ${D}`,
      `add rsi, ${2 * w}`,
      `add rdi, ${w}`,
      `dec ecx`,
      `jnz l${k}`,
    );
  });
  lines.push("hlt");
  return lines.join("\n");
}

describe("SIMD integer operations against the reference models", () => {
  for (const w of [8, 16]) {
    it(`${w === 8 ? "MMX" : "XMM"} forms of ${OPS.length} operations`, () => {
      const { pairs, shiftPairs } = inputs(w);
      const r = new Runner().asm(program(w), ENTRY).long64(ENTRY);
      pairs.forEach(([a, b], i) => r.load(IN + 2 * w * i, [...a, ...b]));
      shiftPairs.forEach(([a, b], i) => r.load(IN_SHIFT + 2 * w * i, [...a, ...b]));
      expect(r.run(2_000_000)).toBe(EXIT_HLT);
      const mismatches: string[] = [];
      OPS.forEach(([name, ref], k) => {
        const list = isShift(name) ? shiftPairs : pairs;
        list.forEach(([a, b], i) => {
          const at = OUT + (k * COUNT + i) * w;
          const got = Array.from(r.ram.slice(at, at + w));
          const want = ref(a, b, w);
          if (got.join() !== want.join()) mismatches.push(`${name} #${i}: a=${a} b=${b} got=${got} want=${want}`);
        });
      });
      expect(mismatches.slice(0, 5)).toEqual([]);
      // Each MMX instruction leaves TOP = 0 and every tag valid; the XMM forms do not touch the x87 state.
      expect(r.cpu.fpuTw).toBe(w === 8 ? 0 : 0xffff);
    });
  }
});
