/**
 * IA-32e behaviour that the QEMU-recorded guest guests/long-mode.asm cannot judge, because QEMU 7.2's
 * TCG departs from the Intel SDM there (each case names the SDM rule and what QEMU does instead).
 * The guest leaves these cases out; these tests follow the SDM.
 */
import { describe, expect, it } from "vitest";
import { Runner, SEL_CODE64_R3, SEL_DATA32_R3, TSS_BASE } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x2000;
const IDT = 0x5000;
const HANDLERS = ENTRY + 0x800;
/** Vectors that push an error code (Intel SDM Vol. 3A table 6-1). */
const WITH_ERROR = new Set([8, 10, 11, 12, 13, 14, 17]);

/**
 * 64-bit ring 0 with gates for `vectors`, each to a handler that leaves the vector in R15, the error
 * code (0 if none) in R14 and the faulting RIP in R13, then halts. `ist1` puts the gates on IST1.
 */
function long(body: string, vectors: number[], ist1 = false): Runner {
  const handlers = vectors
    .map((v, i) => `times ${0x800 + i * 0x20} - ($ - $$) db 0xcc\n mov r15, ${v}\n ${WITH_ERROR.has(v) ? "pop r14" : "xor r14, r14"}\n mov r13, [rsp]\n hlt`)
    .join("\n");
  const r = new Runner().asm(`bits 64\norg ${ENTRY}\n${body}\nhlt\n${handlers}`, ENTRY).long64(ENTRY);
  vectors.forEach((v, i) => {
    const target = HANDLERS + i * 0x20;
    r.w32(IDT + v * 16, (0x28 << 16) | (target & 0xffff));
    r.w32(IDT + v * 16 + 4, (target & 0xffff0000) | 0x8e00 | (ist1 ? 1 : 0));
    r.w32(IDT + v * 16 + 8, 0);
  });
  r.cpu.idtrBase = BigInt(IDT);
  r.cpu.idtrLimit = 256 * 16 - 1;
  r.w64(TSS_BASE + 4, 0x9000n); // RSP0
  r.w64(TSS_BASE + 36, 0xa000n); // IST1
  r.reg(4, 0x8000);
  r.reg(15, -1);
  return r;
}

describe("canonical addresses (Intel SDM Vol. 3A §6.15, Vol. 2 JMP/CALL/WRMSR)", () => {
  // §6.15 Interrupt 12: #SS(0) "if a memory operand effective address is non-canonical and the
  // stack segment is referenced" (PUSH, and RSP/RBP-based addresses). QEMU raises #GP(0).
  it("a PUSH with a non-canonical RSP is #SS(0), RSP unchanged", () => {
    const r = long("lea r12, [rel fault]\nmov rsp, 0x0000800000000008\nfault: push rax", [12, 13, 8], true);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(12n);
    expect(r.r(14)).toBe(0n);
    expect(r.r(13)).toBe(r.r(12));
    expect(r.cpu.getRegister(4)).toBe(0xa000n - 40n); // on IST1: 5 qwords + error code, code popped
  });

  it("an RBP-based load from a non-canonical address is #SS(0), an RAX-based one #GP(0)", () => {
    const ss = long("lea r12, [rel fault]\nmov rbp, 0x0000900000000000\nfault: mov eax, [rbp + 8]", [12, 13], true);
    expect(ss.run()).toBe(EXIT_HLT);
    expect([ss.r(15), ss.r(14), ss.r(13) === ss.r(12)]).toEqual([12n, 0n, true]);
    const gp = long("lea r12, [rel fault]\nmov rax, 0x0000900000000000\nfault: mov eax, [rax + 8]", [12, 13], true);
    expect(gp.run()).toBe(EXIT_HLT);
    expect([gp.r(15), gp.r(14), gp.r(13) === gp.r(12)]).toEqual([13n, 0n, true]);
  });

  // JMP/CALL in 64-bit mode: "#GP(0) If the target offset ... is non-canonical" — a fault of the
  // transfer instruction (RIP still on it, nothing pushed). QEMU reports RIP = the target.
  it("a JMP or CALL to a non-canonical target faults on the instruction itself", () => {
    const j = long("lea r12, [rel fault]\nmov rax, 0x0000800000000000\nfault: jmp rax", [13]);
    expect(j.run()).toBe(EXIT_HLT);
    expect([j.r(15), j.r(14), j.r(13) === j.r(12)]).toEqual([13n, 0n, true]);
    const c = long("lea r12, [rel fault]\nmov rbx, rsp\nmov rax, 0xffff000000000000\nfault: call rax", [13]);
    expect(c.run()).toBe(EXIT_HLT);
    expect([c.r(15), c.r(13) === c.r(12)]).toEqual([13n, true]);
    expect(c.cpu.getRegister(4)).toBe(0x8000n - 40n); // the frame only: CALL pushed nothing
  });

  // WRMSR: "#GP(0) if the source register contains a non-canonical address and ECX specifies one of
  // IA32_DS_AREA, IA32_FS_BASE, IA32_GS_BASE, IA32_KERNEL_GS_BASE, IA32_LSTAR, ..." QEMU accepts it.
  for (const [name, msr] of [["FS_BASE", 0xc0000100], ["GS_BASE", 0xc0000101], ["KERNEL_GS_BASE", 0xc0000102], ["LSTAR", 0xc0000082]] as const) {
    it(`WRMSR of a non-canonical ${name} is #GP(0) and leaves the MSR`, () => {
      const r = long(`lea r12, [rel fault]\nmov ecx, ${msr}\nmov eax, 0x1000\nxor edx, edx\nwrmsr\nmov edx, 0x8000\nfault: wrmsr`, [13]);
      expect(r.run()).toBe(EXIT_HLT);
      expect([r.r(15), r.r(14), r.r(13) === r.r(12)]).toEqual([13n, 0n, true]);
      expect(r.cpu.readMsr(msr)).toBe(0x1000n);
    });
  }
});

describe("64-bit IDT", () => {
  // §6.13: the error code of a fault that refers to an IDT gate holds the gate's index (the vector)
  // in bits 15:3 with IDT = 1 (bit 1). QEMU's 64-bit path pushes vector * 16 + 2.
  it("INT n through a DPL-0 gate from ring 3 is #GP(vector * 8 + 2)", () => {
    const r = long(
      `push ${SEL_DATA32_R3}\npush 0x7000\npushfq\npush ${SEL_CODE64_R3}\nlea rax, [rel user]\npush rax\niretq\nuser: int 0x32`,
      [13, 0x32],
    );
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(13n);
    expect(r.r(14)).toBe(BigInt(0x32 * 8 + 2));
  });

  it("INT3 through a DPL-0 gate from ring 3 is #GP(3 * 8 + 2)", () => {
    const r = long(`push ${SEL_DATA32_R3}\npush 0x7000\npushfq\npush ${SEL_CODE64_R3}\nlea rax, [rel user]\npush rax\niretq\nuser: int3`, [13, 3]);
    expect(r.run()).toBe(EXIT_HLT);
    expect([r.r(15), r.r(14)]).toEqual([13n, 0x1an]);
  });
});

describe("SYSCALL", () => {
  // Vol. 2B SYSCALL: R11 ← RFLAGS; RFLAGS ← RFLAGS AND NOT(IA32_FMASK). The arithmetic flags not in
  // FMASK survive. QEMU's helper_syscall loses them (it masks only its non-arithmetic copy).
  it("keeps the arithmetic flags FMASK does not clear", () => {
    const r = long(
      `mov ecx, 0xc0000081\nxor eax, eax\nmov edx, 0x00200028\nwrmsr
       mov ecx, 0xc0000082\nlea rax, [rel entry]\nxor edx, edx\nwrmsr
       mov ecx, 0xc0000084\nmov eax, 0x40700\nxor edx, edx\nwrmsr
       push 0xcd7\npopfq\nsyscall
       entry: pushfq\npop rbx\nhlt`,
      [6, 13],
    );
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(0xffffffffffffffffn); // no exception
    expect(r.r(11) & 0x3fffffn).toBe(0xcd7n); // CF PF AF ZF SF DF OF + bit 1
    expect(r.r(3) & 0x3fffffn).toBe(0x8d7n); // DF cleared by FMASK, the rest kept
  });
});
