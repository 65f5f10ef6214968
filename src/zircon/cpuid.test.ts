/**
 * CPUID leaf 1 advertises exactly the SIMD extensions src/x86 implements (issue 3: "CPUID advertises
 * exactly what is implemented"), after Zircon's edits (zircon-hypervisor.md §4.6). Bits from Intel
 * SDM Vol. 2A CPUID, tables 3-10 (ECX) and 3-11 (EDX).
 */
import { describe, it, expect } from "vitest";
import { cpuid } from "./cpuid";

const bit = (v: number, n: number): boolean => ((v >>> n) & 1) === 1;

describe("CPUID leaf 1 features", () => {
  const [, , ecx, edx] = cpuid(1, 0, 1);
  it("advertises MMX, FXSR, SSE, SSE2 (EDX 23, 24, 25, 26) and SSE3, SSSE3 (ECX 0, 9)", () => {
    expect([23, 24, 25, 26].map((n) => bit(edx, n))).toEqual([true, true, true, true]);
    expect([0, 9].map((n) => bit(ecx, n))).toEqual([true, true]);
  });
  it("advertises CMPXCHG16B and MOVBE (ECX 13, 22), implemented in exec-0f.ts", () => {
    expect([13, 22].map((n) => bit(ecx, n))).toEqual([true, true]);
  });
  it("does not advertise MONITOR (hidden by Zircon: MONITOR/MWAIT raise #UD), SSE4.1/4.2, XSAVE, AVX", () => {
    expect([3, 19, 20, 26, 27, 28].map((n) => bit(ecx, n))).toEqual([false, false, false, false, false, false]);
  });
});

describe("CPUID leaf 0x80000001", () => {
  const [, , ecx, edx] = cpuid(0x80000001, 0, 1);
  it("advertises SYSCALL, NX, 1 GiB pages, RDTSCP and long mode (EDX 11, 20, 26, 27, 29); LAHF64 and LZCNT (ECX 0, 5)", () => {
    expect([11, 20, 26, 27, 29].map((n) => bit(edx, n))).toEqual([true, true, true, true, true]);
    expect([0, 5].map((n) => bit(ecx, n))).toEqual([true, true]);
  });
});

describe("CPUID paging features", () => {
  it("advertises PSE-36 (leaf 1 EDX 17) and SMEP, SMAP (leaf 7 EBX 7, 20), which the page walk implements", () => {
    expect(bit(cpuid(1, 0, 1)[3], 17)).toBe(true);
    const ebx7 = cpuid(7, 0, 1)[1];
    expect([7, 20].map((n) => bit(ebx7, n))).toEqual([true, true]);
  });
});
