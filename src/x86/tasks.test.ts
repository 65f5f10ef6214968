/**
 * Call gates, task switches and virtual-8086 mode where the QEMU guest (guests/tasks.asm, compared
 * byte for byte in src/cli/cli.test.ts) cannot reach: IA-32e mode, which has 64-bit call gates and no
 * task switching (Intel SDM Vol. 3A §5.8.3.1, §8.7), and the register state a VMM sees.
 */
import { describe, expect, it } from "vitest";
import { Runner, GDT_BASE, SEL_CODE64, SEL_CODE64_R3, SEL_DATA32_R3, SEL_TSS, TSS_BASE } from "./testing/runner";
import { SEG_CS, SEG_SS } from "./vtx";

const CODE = 0x100000;
const HANDLER = 0x101000;
const GP_HANDLER = 0x102000;
const IDT = 0x5000;
const GATE_SEL = 0x58;

/** 64-bit mode with a #GP handler that stores the error code at 0x7000 and the vector mark in RSI. */
function long64(body: string): Runner {
  const r = new Runner()
    .asm(`bits 64\norg ${CODE}\n${body}\nhlt`, CODE)
    .asm(`bits 64\norg ${GP_HANDLER}\npop rax\nmov [0x7000], eax\nmov esi, 0x600d\nhlt`, GP_HANDLER)
    .long64(CODE);
  // IDT vector 13: a 64-bit interrupt gate to GP_HANDLER.
  r.w32(IDT + 13 * 16, (SEL_CODE64 << 16) | (GP_HANDLER & 0xffff));
  r.w32(IDT + 13 * 16 + 4, (GP_HANDLER & 0xffff0000) | 0x8e00);
  r.cpu.idtrBase = BigInt(IDT);
  r.cpu.idtrLimit = 0xfff;
  r.reg(4, 0x90000);
  r.w32(TSS_BASE + 4, 0x80000); // RSP0
  return r;
}

/** A 64-bit call gate at GDT selector 0x58 (16 bytes) to SEL_CODE64:`target`, DPL `dpl`. */
function callGate64(r: Runner, target: number, dpl: number): void {
  r.w32(GDT_BASE + GATE_SEL, (SEL_CODE64 << 16) | (target & 0xffff));
  r.w32(GDT_BASE + GATE_SEL + 4, (target & 0xffff0000) | 0x8c00 | (dpl << 13));
  r.w32(GDT_BASE + GATE_SEL + 8, 0);
  r.w32(GDT_BASE + GATE_SEL + 12, 0);
  r.cpu.gdtrLimit = GATE_SEL + 15;
}

describe("64-bit call gates (IA-32e mode)", () => {
  it("CALL from ring 3 reaches ring 0 on RSP0 with a null SS and an 8-byte frame; RETF returns", () => {
    const r = long64(`call far dword [rel fptr]\nmov r8, 0x600d\nhlt\nfptr: dd 0\ndw ${GATE_SEL | 3}`);
    r.asm(
      `bits 64\norg ${HANDLER}\nmov r9, rsp\nmov r10, [rsp + 8]\nmov r11, [rsp + 24]\nmov r12, [rsp + 16]\nmov r13, cs\nmov r14, ss\no64 retf`,
      HANDLER,
    );
    callGate64(r, HANDLER, 3);
    // Start at CPL 3 (SS.DPL), user code.
    r.seg(SEG_CS, SEL_CODE64_R3, 0, 0xffff, 0x20fb);
    r.seg(SEG_SS, SEL_DATA32_R3, 0, 0xffffffff, 0xc0f3);
    r.runToHlt();
    expect(r.r32(8)).toBe(0x600d); // back in ring 3 after the RETF
    expect(r.r32(9)).toBe(0x80000 - 32); // RSP0 minus SS, RSP, CS, RIP (no parameters in 64-bit gates)
    expect(r.r32(10)).toBe(SEL_CODE64_R3); // the caller's CS
    expect(r.r32(11)).toBe(SEL_DATA32_R3); // the caller's SS
    expect(r.r32(12)).toBe(0x90000); // the caller's RSP
    expect(r.r32(13)).toBe(SEL_CODE64); // CPL 0
    expect(r.r32(14)).toBe(0); // SS: null selector, RPL = new CPL
    // The HLT after the return runs at CPL 3 again: #GP(0).
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x7000)).toBe(0);
  });

  it("a gate whose DPL is below CPL raises #GP(gate selector)", () => {
    const r = long64(`call far dword [rel fptr]\nhlt\nfptr: dd 0\ndw ${GATE_SEL | 3}`);
    callGate64(r, HANDLER, 0);
    r.seg(SEG_CS, SEL_CODE64_R3, 0, 0xffff, 0x20fb);
    r.seg(SEG_SS, SEL_DATA32_R3, 0, 0xffffffff, 0xc0f3);
    r.w32(TSS_BASE + 4, 0x80000);
    r.runToHlt();
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x7000)).toBe(GATE_SEL);
  });

  it("a 64-bit gate whose upper type field is not 0 raises #GP(gate selector)", () => {
    const r = long64(`call far dword [rel fptr]\nhlt\nfptr: dd 0\ndw ${GATE_SEL}`);
    callGate64(r, HANDLER, 0);
    r.w32(GDT_BASE + GATE_SEL + 12, 0x0c00);
    r.runToHlt();
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x7000)).toBe(GATE_SEL);
  });
});

describe("no task switching in IA-32e mode", () => {
  it("JMP to a TSS descriptor raises #GP(selector)", () => {
    const r = long64(`jmp far dword [rel fptr]\nhlt\nfptr: dd 0\ndw ${SEL_TSS}`);
    r.runToHlt();
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x7000)).toBe(SEL_TSS);
  });

  it("IRETQ with NT = 1 raises #GP(0)", () => {
    const r = long64(`pushfq\nor qword [rsp], 0x4000\npopfq\nmov ecx, 1\niretq`);
    r.runToHlt();
    expect(r.r32(1)).toBe(1);
    expect(r.r32(6)).toBe(0x600d);
    expect(r.u32(0x7000)).toBe(0);
  });
});

describe("virtual-8086 mode seen from the host", () => {
  it("setting RFLAGS.VM through the state accessors gives CPL 3 and 16-bit code", () => {
    const r = new Runner().asm("bits 16\nmov ax, cs\nmov bx, 0x1234\nhlt", 0x20000).flat32(0);
    for (const s of [0, 1, 2, 3, 4, 5]) r.seg(s, 0x2000, 0x20000, 0xffff, 0xf3);
    r.cpu.setRflags(0x23002);
    r.runToHlt();
    // HLT at CPL 3 is #GP(0); with no IDT entry that escalates to a triple fault, but first the
    // two MOVs ran as 16-bit code in the v86 segment.
    expect(r.r32(0) & 0xffff).toBe(0x2000);
    expect(r.r32(3) & 0xffff).toBe(0x1234);
  });
});
