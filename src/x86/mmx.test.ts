/**
 * MMX unit tests: the aliasing of MM0–MM7 with the x87 registers (Intel SDM Vol. 3A §12.1–12.2,
 * table 12-2), the exception conditions (Vol. 3B table 23-7, Vol. 3A table 12-1), every integer
 * operation in its MMX and XMM forms against the per-element reference models of
 * testing/simd-ref.ts, and the MMX-specific instructions (moves, PSHUFW, PINSRW/PEXTRW, PMOVMSKB,
 * MASKMOVQ, MOVQ2DQ/MOVDQ2Q, the CVT…PI family). The whole set is also compared with QEMU by
 * guests/simd.asm.
 */
import { describe, it, expect } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";
import { REF, type Bytes } from "./testing/simd-ref";
import { guest } from "./testing/simd-guest";

const ENTRY = 0x2000;
const DATA = 0x3000;

const dvOf = (r: Runner): DataView => new DataView(r.ram.buffer);
const q = (r: Runner, addr: number): bigint => dvOf(r).getBigUint64(addr, true);
const TOP = (r: Runner): number => (r.cpu.fpuSw >> 11) & 7;
const bytesOf = (v: bigint, w = 8): Bytes => Array.from({ length: w }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn));
const valueOf = (b: Bytes): bigint => b.reduceRight((s, x) => (s << 8n) | BigInt(x), 0n);

describe("MMX registers alias the x87 registers (SDM Vol. 3A §12.2)", () => {
  it("MMn is the significand of physical Rn; a read sets TOP = 0 and all tags valid, a write sets bits 64–79", () => {
    const r = guest(`
      fninit
      fld1                  ; R7 = 1.0, TOP = 7
      fldpi                 ; R6 = pi, TOP = 6
      movq rax, mm7
      movq rcx, mm6
      mov rdx, 0x1122334455667788
      movq mm2, rdx
      fxsave [${DATA}]
      fnstenv [${DATA + 0x200}]`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(0xffn);
    expect(r.r(0)).toBe(0x8000000000000000n);
    expect(r.r(1)).toBe(0xc90fdaa22168c235n);
    expect(TOP(r)).toBe(0);
    expect(r.cpu.fpuTw).toBe(0);
    expect(r.cpu.fpuSe[7]).toBe(0x3fff); // read only: the exponent stays
    expect(r.cpu.fpuSe[2]).toBe(0xffff);
    expect(r.cpu.fpuSig[2]).toBe(0x1122334455667788n);
    // FXSAVE: FSW with TOP = 0, abridged tag all valid, ST2 = MM2 with exponent ones (Vol. 1 §10.5.1).
    expect(r.u16(DATA + 2) & 0x3800).toBe(0);
    expect(r.u8(DATA + 4)).toBe(0xff);
    expect(q(r, DATA + 32 + 16 * 2)).toBe(0x1122334455667788n);
    expect(r.u16(DATA + 32 + 16 * 2 + 8)).toBe(0xffff);
    expect(q(r, DATA + 32 + 16 * 7)).toBe(0x8000000000000000n);
    expect(r.u16(DATA + 32 + 16 * 7 + 8)).toBe(0x3fff);
    // FNSTENV recomputes the tags from the contents: R2 (exponent all ones) special, R6/R7 valid, the rest zero.
    expect(r.u16(DATA + 0x200 + 8)).toBe(0b00_00_01_01_01_10_01_01);
  });

  it("an x87 instruction after MMX sees the MMX values (no EMMS: the stack is full)", () => {
    const r = guest(`
      fninit
      mov rax, 0x8000000000000000
      movq mm0, rax         ; R0 = sign 1, exponent 0x7FFF, significand 1.0: −infinity
      fst qword [${DATA}]   ; ST0 = R0 since TOP = 0
      fld1                  ; R7 is valid: stack overflow (IE | SF, C1 = 1), the indefinite pushed
      fnstsw ax`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(q(r, DATA)).toBe(0xfff0000000000000n);
    expect(r.r32(0) & 0x241).toBe(0x241);
  });

  it("EMMS empties the tag word and leaves TOP; x87 code then runs normally", () => {
    const r = guest(`
      fninit
      fld1
      movq mm0, [rel v]
      emms
      fnstenv [${DATA}]
      fld1
      fnstsw ax
      fstp qword [${DATA + 0x40}]`, "v: dq 5");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u16(DATA + 8)).toBe(0xffff);
    expect(r.u16(DATA + 4) & 0x3800).toBe(0);
    expect(r.r32(0) & 0x41).toBe(0);
    expect(q(r, DATA + 0x40)).toBe(0x3ff0000000000000n);
  });

  it("FXRSTOR puts the ST slots (relative to the restored TOP) into the MMX registers", () => {
    const r = guest(`
      fxrstor [${DATA}]
      movq rax, mm5         ; TOP = 5: ST0's slot is R5
      movq rcx, mm4         ; ST7 is R4`);
    dvOf(r).setUint16(DATA, 0x37f, true);
    dvOf(r).setUint16(DATA + 2, 5 << 11, true);
    dvOf(r).setUint8(DATA + 4, 0xff);
    dvOf(r).setUint32(DATA + 24, 0x1f80, true);
    for (let i = 0; i < 8; i++) dvOf(r).setBigUint64(DATA + 32 + 16 * i, 0x1111111111111111n * BigInt(i + 1), true);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(0x1111111111111111n);
    expect(r.r(1)).toBe(0x8888888888888888n);
  });
});

describe("MMX exception conditions (SDM Vol. 3B table 23-7)", () => {
  const cases: [string, string, number][] = [
    ["CR0.EM → #UD", "mov rax, cr0\n or rax, 4\n mov cr0, rax", 6],
    ["CR0.TS → #NM", "mov rax, cr0\n or rax, 8\n mov cr0, rax", 7],
    ["pending x87 exception → #MF", "fninit\n fldcw [rel cw]\n fldz\n fld1\n fdiv st0, st1", 16],
  ];
  for (const insn of ["paddb mm0, mm1", "pshufw mm0, mm1, 0x1b", "pshufb mm0, mm1", "emms", "movd mm0, eax", "cvtps2pi mm0, xmm1"]) {
    for (const [name, setup, vector] of cases) {
      it(`${insn}: ${name}`, () => {
        const r = guest(`mov rax, 0x1234\n movq xmm1, rax\n ${setup}\n mov ebx, 0xff\n ${insn}`, "cw: dw 0x37b");
        expect(r.run()).toBe(EXIT_HLT);
        // EM with an XMM operand is #UD too; the x87 state is untouched (TOP stays 6 after the #MF).
        expect(r.r(3)).toBe(BigInt(vector));
        if (vector === 16) expect(TOP(r)).toBe(6);
      });
    }
  }

  it("CR4.OSFXSR = 0: MMX and SSE/SSSE3 MMX-register forms run, the forms with an XMM operand #UD", () => {
    const r = guest(`
      mov rax, cr4
      and rax, ~0x200
      mov cr4, rax
      mov rax, 0x0102030405060708
      movq mm1, rax
      pshufw mm0, mm1, 0x1b
      pshufb mm1, mm0
      movq rcx, mm0
      movq rdx, mm1
      cvtpi2ps xmm0, mm0`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(6n);
    const mm1 = bytesOf(0x0102030405060708n);
    const mm0 = bytesOf(0x0708050603040102n); // PSHUFW 0x1B reverses the words
    expect(r.r(1)).toBe(valueOf(mm0));
    expect(r.r(2)).toBe(valueOf(REF.pshufb(mm1, mm0, 8)));
  });
});

describe("MMX moves and SSE's MMX extensions", () => {
  it("MOVD/MOVQ with general registers and memory, MOVNTQ, REX.R/REX.B not extending MM numbers", () => {
    const r = guest(`
      mov eax, 0x89abcdef
      movd mm1, eax               ; zero-extended
      mov rax, -2
      movq mm2, rax               ; REX.W form
      movd ecx, mm2               ; low dword, zero-extended into RCX
      movq rdx, mm1
      db 0x44, 0x0f, 0x6f, 0x1d   ; movq mm3, [rel v] with REX.R: still MM3
      dd v - $ - 4
      movq rsi, mm3
      db 0x41, 0x0f, 0x7f, 0xdc   ; movq mm4, mm3 with REX.B (rm = 11 → MM3)
      movq rdi, mm4
      movntq [${DATA}], mm2
      movq [${DATA + 8}], mm1
      movd [${DATA + 16}], mm3`, "v: dq 0x0123456789abcdef");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(0xffn);
    expect(r.r(1)).toBe(0xfffffffen);
    expect(r.r(2)).toBe(0x89abcdefn);
    expect(r.r(6)).toBe(0x0123456789abcdefn);
    expect(r.r(7)).toBe(0x0123456789abcdefn);
    expect(q(r, DATA)).toBe(0xfffffffffffffffen);
    expect(q(r, DATA + 8)).toBe(0x89abcdefn);
    expect(r.u32(DATA + 16)).toBe(0x89abcdef);
    expect(r.cpu.fpuSe[4]).toBe(0xffff);
  });

  it("PSHUFW, PINSRW/PEXTRW (index mod 4), PMOVMSKB, PEXTRW zero-extending into a 64-bit register", () => {
    const r = guest(`
      mov rax, 0x8001_7f02_ff03_0004
      movq mm1, rax
      pshufw mm0, mm1, 0b00_01_10_11
      movq rcx, mm0
      pshufw mm0, [rel v], 0b11_11_00_00
      movq rdx, mm0
      mov r8, -1
      db 0x4c, 0x0f, 0xc5, 0xc1, 7 ; pextrw r8, mm1, 7 (REX.W|REX.R): index 7 & 3 = 3
      mov r9d, 0xabcd1234
      pinsrw mm1, r9d, 6          ; word 2
      pinsrw mm1, [rel v], 1      ; word 1 from memory
      movq rsi, mm1
      pmovmskb edi, mm1`, "v: dq 0x4444_3333_2222_1111");
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(1)).toBe(0x0004_ff03_7f02_8001n);
    expect(r.r(2)).toBe(0x4444_4444_1111_1111n);
    expect(r.r(8)).toBe(0x8001n);
    expect(r.r(6)).toBe(0x8001_1234_1111_0004n);
    // bytes 04 00 11 11 34 12 01 80: sign bits at bytes 7 only
    expect(r.r(7)).toBe(0x80n);
  });

  it("MASKMOVQ stores the bytes whose mask bit 7 is set at DS:RDI", () => {
    const r = guest(`
      mov rdi, ${DATA}
      mov rax, 0x1122334455667788
      movq mm0, rax
      mov rax, 0x80_00_ff_7f_81_01_80_00
      movq mm1, rax
      maskmovq mm0, mm1`);
    for (let i = 0; i < 8; i++) r.ram[DATA + i] = 0xee;
    expect(r.run()).toBe(EXIT_HLT);
    expect(Array.from(r.ram.slice(DATA, DATA + 8))).toEqual([0xee, 0x77, 0xee, 0x55, 0xee, 0x33, 0xee, 0x11]);
  });

  it("MOVQ2DQ / MOVDQ2Q move between MMX and XMM registers and make the MMX transition", () => {
    const r = guest(`
      fninit
      fld1
      mov rax, 0x0123456789abcdef
      movq mm5, rax
      pcmpeqb xmm9, xmm9
      movq2dq xmm9, mm5          ; upper quadword cleared
      movdqu [${DATA}], xmm9
      mov rax, 0x5555aaaa5555aaaa
      movq xmm10, rax
      movdq2q mm6, xmm10
      movq rcx, mm6`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(q(r, DATA)).toBe(0x0123456789abcdefn);
    expect(q(r, DATA + 8)).toBe(0n);
    expect(r.r(1)).toBe(0x5555aaaa5555aaaan);
    expect(r.cpu.fpuSe[6]).toBe(0xffff);
    expect(TOP(r)).toBe(0);
  });
});

describe("CVTPI2PS, CVTPI2PD, CVT(T)PS2PI, CVT(T)PD2PI (SDM Vol. 2)", () => {
  it("CVTPI2PS rounds by MXCSR.RC, sets PE and keeps the upper quadword", () => {
    for (const [mxcsr, lo, hi] of [[0x1f80, 0x4b800000, 0xcb800002], [0x5f80, 0x4b800001, 0xcb800001], [0x7f80, 0x4b800000, 0xcb800001]]) {
      const r = guest(`
        ldmxcsr [rel m]
        movdqu xmm0, [rel ones]
        movq mm0, [rel v]
        cvtpi2ps xmm0, mm0
        movdqu [${DATA}], xmm0
        stmxcsr [${DATA + 16}]`, `m: dd ${mxcsr}\nalign 16\nones: times 4 dd 0x3f800000\nv: dd 16777217, -16777219`);
      expect(r.run()).toBe(EXIT_HLT);
      expect([r.u32(DATA), r.u32(DATA + 4), r.u32(DATA + 8), r.u32(DATA + 12)]).toEqual([lo, hi, 0x3f800000, 0x3f800000]);
      expect(r.u32(DATA + 16) & 0x3f).toBe(0x20);
    }
  });

  it("CVTPI2PD from memory makes no MMX transition; from an MMX register it does", () => {
    const r = guest(`
      fninit
      fld1
      cvtpi2pd xmm0, [rel v]
      fnstsw ax
      mov ecx, eax               ; TOP still 7
      movdqu [${DATA}], xmm0
      movq mm2, [rel v]
      fninit
      fld1
      cvtpi2pd xmm1, mm2
      fnstsw ax
      mov edx, eax`, "v: dd -7, 0x7fffffff");
    expect(r.run()).toBe(EXIT_HLT);
    expect((r.r32(1) >> 11) & 7).toBe(7);
    expect((r.r32(2) >> 11) & 7).toBe(0);
    expect(dvOf(r).getFloat64(DATA, true)).toBe(-7);
    expect(dvOf(r).getFloat64(DATA + 8, true)).toBe(0x7fffffff);
  });

  it("CVTPS2PI/CVTTPS2PI/CVTPD2PI/CVTTPD2PI: rounding, truncation, the integer indefinite with IE", () => {
    const r = guest(`
      cvtps2pi mm0, [rel ps]
      movq [${DATA}], mm0
      cvttps2pi mm1, [rel ps]
      movq [${DATA + 8}], mm1
      movdqa xmm2, [rel pd]
      cvtpd2pi mm2, xmm2
      movq [${DATA + 16}], mm2
      cvttpd2pi mm3, [rel pd]
      movq [${DATA + 24}], mm3
      stmxcsr [${DATA + 32}]
      movdqa xmm3, [rel pd2]
      cvtpd2pi mm4, xmm3
      movq [${DATA + 40}], mm4`, `ps: dd 0x3fc00000, 0xbfd9999a    ; 1.5, -1.7
      align 16
      pd: dq 0x4004000000000000, 0xc004000000000000   ; 2.5, -2.5
      pd2: dq 0x41e0000000000000, 0x7ff8000000000000  ; 2^31 (out of range), NaN`);
    expect(r.run()).toBe(EXIT_HLT);
    expect([r.u32(DATA), r.u32(DATA + 4)]).toEqual([2, -2 >>> 0]);
    expect([r.u32(DATA + 8), r.u32(DATA + 12)]).toEqual([1, -1 >>> 0]);
    expect([r.u32(DATA + 16), r.u32(DATA + 20)]).toEqual([2, -2 >>> 0]);
    expect([r.u32(DATA + 24), r.u32(DATA + 28)]).toEqual([2, -2 >>> 0]);
    expect(r.u32(DATA + 32) & 0x3f).toBe(0x20);
    expect([r.u32(DATA + 40), r.u32(DATA + 44)]).toEqual([0x80000000, 0x80000000]);
    expect(r.cpu.mxcsr & 1).toBe(1);
  });

  it("an unmasked invalid conversion raises #XM and leaves the MMX register and the x87 state alone", () => {
    const r = guest(`
      fninit
      fld1
      ldmxcsr [rel m]
      cvtps2pi mm7, [rel nan]`, "m: dd 0x1f00\nnan: dd 0x7fc00000, 0");
    r.cpu.fpuSig[7] = 0x1234n;
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(19n);
    expect(TOP(r)).toBe(7);
    expect(r.cpu.fpuSig[7]).toBe(0x8000000000000000n); // fld1's significand, not overwritten
  });

  it("MMX arithmetic and CVTPI2PS with a memory source in 32-bit protected mode", () => {
    const r = new Runner().asm(`bits 32
      org ${ENTRY}
      mov eax, cr4
      or eax, 0x200
      mov cr4, eax
      movq mm0, [v]
      cvtpi2ps xmm0, [v]
      movd eax, xmm0
      paddd mm0, mm0
      movd ecx, mm0
      hlt
      v: dd 3, 4`, ENTRY).flat32(ENTRY);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(0x40400000);
    expect(r.r32(1)).toBe(6);
  });
});
