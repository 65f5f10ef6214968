/**
 * SSE3 and SSSE3 unit tests beyond the reference-model table of simd-int.test.ts: HADDPS/HSUBPS/
 * ADDSUBPS/PD with NaNs, infinities, rounding under MXCSR.RC, DAZ/FZ and #XM; MOVSLDUP/MOVSHDUP/
 * MOVDDUP/LDDQU and their alignment rules; FISTTP (truncation whatever RC, overflow → the integer
 * indefinite); MONITOR/MWAIT (#UD: CPUID does not advertise them); the #UD of undefined map-2/3
 * forms. Oracles: the IEEE operations of the host (Math.fround, doubles) and the SDM's rules.
 */
import { describe, it, expect } from "vitest";
import { EXIT_HLT } from "./vtx";
import { guest } from "./testing/simd-guest";
import { REF } from "./testing/simd-ref";

const DATA = 0x3000;
const dv = new DataView(new ArrayBuffer(8));
const f32 = (x: number): number => {
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
};
const u32s = (r: ReturnType<typeof guest>, at: number, n: number): number[] => Array.from({ length: n }, (_, i) => r.u32(at + 4 * i));

/** Run `insn xmm0, xmm1` with xmm0 = a, xmm1 = b (four dwords each) under mxcsr; returns [xmm0 dwords, MXCSR, RBX]. */
function op4(insn: string, a: number[], b: number[], mxcsr = 0x1f80): [number[], number, bigint] {
  const r = guest(`
    ldmxcsr [rel m]
    movdqu xmm0, [rel va]
    movdqu xmm1, [rel vb]
    ${insn} xmm0, xmm1`, `m: dd ${mxcsr}\nva: dd ${a.map((x) => x >>> 0).join(",")}\nvb: dd ${b.map((x) => x >>> 0).join(",")}`);
  expect(r.run()).toBe(EXIT_HLT);
  return [Array.from(r.cpu.xmm32.slice(0, 4), (x) => x >>> 0), r.cpu.mxcsr, r.r(3)];
}

const QNAN_A = 0x7fc00001, QNAN_B = 0xffc00002, SNAN = 0x7f800003, INF = 0x7f800000, NINF = 0xff800000;

describe("SSE3 horizontal and alternating arithmetic", () => {
  it("HADDPS / HSUBPS / ADDSUBPS lanes against Math.fround", () => {
    const a = [1.5, -2.25, 1e30, 3], b = [7, 0.1, -5, 5];
    const A = a.map(f32), B = b.map(f32);
    const F = (x: number) => f32(Math.fround(x));
    const fa = a.map(Math.fround), fb = b.map(Math.fround);
    expect(op4("haddps", A, B)[0]).toEqual([F(fa[0] + fa[1]), F(fa[2] + fa[3]), F(fb[0] + fb[1]), F(fb[2] + fb[3])]);
    expect(op4("hsubps", A, B)[0]).toEqual([F(fa[0] - fa[1]), F(fa[2] - fa[3]), F(fb[0] - fb[1]), F(fb[2] - fb[3])]);
    expect(op4("addsubps", A, B)[0]).toEqual([F(fa[0] - fb[0]), F(fa[1] + fb[1]), F(fa[2] - fb[2]), F(fa[3] + fb[3])]);
  });

  it("HADDPD / HSUBPD / ADDSUBPD against doubles", () => {
    const d = (x: number): [number, number] => {
      const v = new DataView(new ArrayBuffer(8));
      v.setFloat64(0, x, true);
      return [v.getUint32(0, true), v.getUint32(4, true)];
    };
    const a = [0.1, 0.2], b = [1e300, -1e300 * 3];
    const A = [...d(a[0]), ...d(a[1])], B = [...d(b[0]), ...d(b[1])];
    expect(op4("haddpd", A, B)[0]).toEqual([...d(a[0] + a[1]), ...d(b[0] + b[1])]);
    expect(op4("hsubpd", A, B)[0]).toEqual([...d(a[0] - a[1]), ...d(b[0] - b[1])]);
    expect(op4("addsubpd", A, B)[0]).toEqual([...d(a[0] - b[0]), ...d(a[1] + b[1])]);
  });

  it("rounding follows MXCSR.RC and sets PE: 1 + 2^-24 in each mode", () => {
    const one = f32(1), tiny = f32(2 ** -24), neg = f32(-1);
    const cases: [number, number, number][] = [
      [0x1f80, 0x3f800000, 0xbf800000], // nearest: ties to even
      [0x3f80, 0x3f800000, 0xbf800001], // down
      [0x5f80, 0x3f800001, 0xbf800000], // up
      [0x7f80, 0x3f800000, 0xbf800000], // toward zero
    ];
    for (const [m, pos, negr] of cases) {
      const [res, mx] = op4("haddps", [one, tiny, neg, f32(-(2 ** -24))], [0, 0, 0, 0], m);
      expect(res.slice(0, 2)).toEqual([pos, negr]);
      expect(mx & 0x3f).toBe(0x20);
    }
  });

  it("NaNs: a single NaN is returned quieted; an SNaN sets IE; with two NaNs the pair's low element wins", () => {
    const [res, mx] = op4("haddps", [QNAN_A, f32(1), SNAN, f32(2)], [QNAN_A, QNAN_B, f32(3), QNAN_B]);
    expect(res).toEqual([QNAN_A, 0x7fc00003, QNAN_A, QNAN_B]);
    expect(mx & 1).toBe(1);
    const [sub] = op4("hsubps", [f32(2), QNAN_B, 0, 0], [0, 0, 0, 0]);
    expect(sub[0]).toBe(QNAN_B);
  });

  it("∞ − ∞ is invalid: the QNaN indefinite, or #XM with the destination unchanged when IM is unmasked", () => {
    const [res, mx] = op4("haddps", [INF, NINF, INF, INF], [NINF, NINF, 0, 0]);
    expect(res).toEqual([0xffc00000, INF, NINF, 0]);
    expect(mx & 1).toBe(1);
    const [kept, , vec] = op4("addsubps", [INF, 0, 0, 0], [INF, 0, 0, 0], 0x1f00);
    expect(vec).toBe(19n);
    expect(kept).toEqual([INF, 0, 0, 0]);
  });

  it("DAZ treats denormal sources as zero; FZ flushes a tiny result (UE|PE)", () => {
    const den = 0x00000001;
    const [r1, m1] = op4("haddps", [den, den, 0, 0], [0, 0, 0, 0], 0x1f80 | 0x40);
    expect(r1[0]).toBe(0);
    expect(m1 & 0x3f).toBe(0);
    const [r2, m2] = op4("hsubps", [0x00800000, 0x00800001, 0, 0], [0, 0, 0, 0], 0x1f80 | 0x8000);
    expect(r2[0]).toBe(0x80000000);
    expect(m2 & 0x30).toBe(0x30);
  });
});

describe("SSE3 moves", () => {
  it("MOVSLDUP / MOVSHDUP / MOVDDUP / LDDQU", () => {
    const r = guest(`
      movsldup xmm0, [rel v]
      movshdup xmm1, [rel v]
      movddup xmm2, [rel v + 8]
      lddqu xmm3, [rel v + 4]
      movddup xmm4, xmm1
      movdqu [${DATA}], xmm0
      movdqu [${DATA + 16}], xmm1
      movdqu [${DATA + 32}], xmm2
      movdqu [${DATA + 48}], xmm3
      movdqu [${DATA + 64}], xmm4`, "align 16\nv: dd 1, 2, 3, 4, 5");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(0xffn);
    expect(u32s(r, DATA, 4)).toEqual([1, 1, 3, 3]);
    expect(u32s(r, DATA + 16, 4)).toEqual([2, 2, 4, 4]);
    expect(u32s(r, DATA + 32, 4)).toEqual([3, 4, 3, 4]);
    expect(u32s(r, DATA + 48, 4)).toEqual([2, 3, 4, 5]);
    expect(u32s(r, DATA + 64, 4)).toEqual([2, 2, 2, 2]);
  });

  it("alignment: MOVSHDUP and HADDPS m128 #GP when misaligned, LDDQU and MOVDDUP m64 do not", () => {
    const cases: [string, bigint][] = [["movshdup xmm0, [rel v + 4]", 13n], ["haddps xmm0, [rel v + 4]", 13n], ["lddqu xmm0, [rel v + 4]", 0xffn], ["movddup xmm0, [rel v + 4]", 0xffn], ["pshufb xmm0, [rel v + 4]", 13n], ["pshufb mm0, [rel v + 4]", 0xffn]];
    for (const [insn, vec] of cases) {
      const r = guest(insn, "align 16\nv: times 8 dd 0");
      expect(r.run()).toBe(EXIT_HLT);
      expect([insn, r.r(3)]).toEqual([insn, vec]);
    }
  });
});

describe("FISTTP (SSE3, x87 DF /1, DB /1, DD /1)", () => {
  it("truncates whatever the rounding control, for m16, m32 and m64, and pops", () => {
    const r = guest(`
      fninit
      fldcw [rel cw]            ; RC = up: FISTTP must still truncate
      fld qword [rel a]
      fisttp word [${DATA}]
      fld qword [rel b]
      fisttp dword [${DATA + 4}]
      fld qword [rel c]
      fisttp qword [${DATA + 8}]
      fnstsw ax`, "cw: dw 0xb7f\na: dq -2.9\nb: dq 2.9\nc: dq -123456789012.75");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u16(DATA)).toBe(0xfffe);
    expect(r.u32(DATA + 4)).toBe(2);
    expect(new DataView(r.ram.buffer).getBigInt64(DATA + 8, true)).toBe(-123456789012n);
    expect((r.r32(0) >> 11) & 7).toBe(0); // three pushes, three pops
    expect(r.r32(0) & 0x20).toBe(0x20); // PE
  });

  it("out of range, NaN and an empty stack store the integer indefinite with IE (masked)", () => {
    const r = guest(`
      fninit
      fld qword [rel big]
      fisttp word [${DATA}]
      fld qword [rel big]
      fisttp dword [${DATA + 4}]
      fld qword [rel nan]
      fisttp qword [${DATA + 8}]
      fisttp dword [${DATA + 16}]   ; empty: stack underflow
      fnstsw ax`, "big: dq 3e9\nnan: dq __QNaN__");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u16(DATA)).toBe(0x8000);
    expect(r.u32(DATA + 4)).toBe(0x80000000);
    expect(new DataView(r.ram.buffer).getBigUint64(DATA + 8, true)).toBe(0x8000000000000000n);
    expect(r.u32(DATA + 16)).toBe(0x80000000);
    expect(r.r32(0) & 0x41).toBe(0x41); // IE | SF
  });

  it("with IE unmasked the memory is not written and the value stays on the stack (#MF at the next x87 instruction)", () => {
    const r = guest(`
      fninit
      fldcw [rel cw]
      fld qword [rel big]
      fisttp word [${DATA}]
      fnstsw ax
      mov ecx, eax
      fwait`, "cw: dw 0x37e\nbig: dq 1e6");
    r.ram[DATA] = 0x55;
    r.ram[DATA + 1] = 0x55;
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u16(DATA)).toBe(0x5555);
    expect((r.r32(1) >> 11) & 7).toBe(7);
    expect(r.r32(1) & 0x81).toBe(0x81); // IE | ES
    expect(r.r(3)).toBe(16n);
  });
});

describe("undefined forms", () => {
  const cases: [string, string][] = [
    ["MONITOR (CPUID.01H:ECX.MONITOR = 0 under Zircon)", "monitor"],
    ["MWAIT", "mwait"],
    ["F3-prefixed PSHUFB", "db 0xf3, 0x0f, 0x38, 0x00, 0xc1"],
    ["PBLENDVB (SSE4.1, not implemented)", "db 0x66, 0x0f, 0x38, 0x10, 0xc1"],
    ["ROUNDPS (SSE4.1, 0F 3A 08)", "db 0x66, 0x0f, 0x3a, 0x08, 0xc1, 0x00"],
    ["LDDQU with a register source", "db 0xf2, 0x0f, 0xf0, 0xc1"],
    ["HADDPS without a prefix", "db 0x0f, 0x7c, 0xc1"],
    ["PUNPCKLQDQ on MMX registers", "db 0x0f, 0x6c, 0xc1"],
    ["PSRLDQ on an MMX register (0F 73 /3)", "db 0x0f, 0x73, 0xd9, 0x01"],
    ["MOVQ2DQ with a memory operand", "db 0xf3, 0x0f, 0xd6, 0x00"],
  ];
  for (const [name, insn] of cases) {
    it(`${name} → #UD`, () => {
      const r = guest(`xor eax, eax\n xor ecx, ecx\n xor edx, edx\n ${insn}`);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r(3)).toBe(6n);
    });
  }

  it("PMULHRSW of −32768 × −32768 gives 0x8000 (the one overflowing case)", () => {
    expect(REF.pmulhrsw([0, 0x80], [0, 0x80], 2)).toEqual([0, 0x80]);
    const r = guest(`
      mov eax, 0x80008000
      movd mm0, eax
      pmulhrsw mm0, mm0
      movd ecx, mm0`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(1)).toBe(0x80008000);
  });
});
