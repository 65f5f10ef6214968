/**
 * Long mode as Zircon starts the boot VCPU (zircon-hypervisor.md §4.1): 64-bit arithmetic and
 * addressing, RIP-relative and high canonical addresses, IDT delivery + IRETQ, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, compatibility mode with SS.B = 0 (test VcpuCompatMode), SSE (VcpuExtendedRegisters).
 */
import { describe, expect, it } from "vitest";
import { Runner, GDT_BASE, TSS_BASE } from "./testing/runner";
import { EXIT_HLT, EXIT_NONE } from "./vtx";

const ENTRY = 0x2000;

/** A 64-bit interrupt gate for `vector` at IDT 0x5000 → selector 0x28:target. */
function gate(r: Runner, vector: number, target: number): void {
  r.w32(0x5000 + vector * 16, (0x28 << 16) | (target & 0xffff));
  r.w32(0x5000 + vector * 16 + 4, (target & 0xffff0000) | 0x8e00);
}

function long(src: string): Runner {
  return new Runner().asm(`bits 64\norg ${ENTRY}\n${src}`, ENTRY).long64(ENTRY);
}

describe("64-bit integer", () => {
  it("does 64-bit arithmetic, MUL/DIV and shifts on full registers", () => {
    const r = long(`
      mov rax, 0x123456789abcdef0
      mov rbx, 0x0fedcba987654321
      add rax, rbx            ; 0x2222222222222211
      mov rcx, rax
      shl rcx, 4
      mov rdx, 0
      mov r8, 3
      mov rsi, rax
      mov rax, rsi
      xor edx, edx
      div r8                  ; 0x2222222222222211 / 3
      mov r9, rax
      mov r10, rdx
      mov rax, -5
      cqo
      mov r11, 7
      imul r11                ; rdx:rax = -35
      hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(1)).toBe(0x2222222222222110n);
    expect(r.r(9)).toBe(0x2222222222222211n / 3n);
    expect(r.r(10)).toBe(0x2222222222222211n % 3n);
    expect(r.r(0)).toBe(BigInt.asUintN(64, -35n));
    expect(r.r(2)).toBe(0xffffffffffffffffn);
  });

  it("zero-extends 32-bit writes and keeps 8/16-bit writes partial", () => {
    const r = long(`
      mov rax, -1
      mov eax, 5
      mov rbx, -1
      mov bx, 7
      mov rcx, -1
      mov cl, 9
      mov r12, -1
      mov r12b, 1
      mov sil, 0x42
      hlt`);
    r.run();
    expect(r.r(0)).toBe(5n);
    expect(r.r(3)).toBe(0xffffffffffff0007n);
    expect(r.r(1)).toBe(0xffffffffffffff09n);
    expect(r.r(12)).toBe(0xffffffffffffff01n);
    expect(r.r(6) & 0xffn).toBe(0x42n);
  });

  it("addresses RIP-relative data and a high canonical mapping", () => {
    const r = long(`
      mov rax, [rel data]
      lea rbx, [rel data]
      mov rcx, 0xffffffff80003000
      mov qword [rcx], 0x55
      mov rdx, [rcx]
      hlt
      align 8
    data: dq 0x1122334455667788`);
    // Map 0xffffffff80000000 (PML4 511, PDPT 510) onto the first GiB with another 1 GiB page.
    r.w64(0x10000 + 511 * 8, 0x12007n);
    r.w64(0x12000 + 510 * 8, 0x87n);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(0x1122334455667788n);
    expect(r.r(3) % 8n).toBe(0n);
    expect(r.r(2)).toBe(0x55n);
    expect(r.u32(0x3000)).toBe(0x55);
  });
});

describe("64-bit events", () => {
  it("delivers #UD through a 64-bit IDT gate and returns with IRETQ", () => {
    const r = long(`
      mov rsp, 0x8000
      lidt [idtr]
    fault:
      ud2
      mov rbx, 1
      mov rdi, fault
      hlt
    idtr: dw 16*256-1
          dq 0x5000
      times 0x100-($-$$) db 0
    handler:
      mov rax, [rsp]          ; faulting RIP
      mov rsi, rsp
      add qword [rsp], 2      ; skip ud2
      iretq`);
    gate(r, 6, ENTRY + 0x100);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(1n);
    expect(r.r(0)).toBe(r.r(7));
    expect(r.r(6)).toBe(0x8000n - 40n);
    expect(r.r(4)).toBe(0x8000n);
  });

  it("SYSCALL/SYSRET to ring 3 and back (VcpuSyscall)", () => {
    const r = long(`
      mov rsp, 0x8000
      mov ecx, 0xc0000081
      mov edx, 0x00200010
      xor eax, eax
      wrmsr
      mov ecx, 0xc0000082
      mov rax, done
      xor edx, edx
      wrmsr
      pushfq
      pop r11
      mov rcx, ring3
      o64 sysret
    ring3:
      mov r13, 3
      syscall
    done:
      hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(13)).toBe(3n);
    expect(r.cpu.getSegment(1).selector).toBe(0x10);
    expect(r.cpu.cpl).toBe(0);
  });

  it("REX.W SYSEXIT to 64-bit ring 3 and SYSENTER back (VcpuSysenter)", () => {
    const r = long(`
      mov ecx, 0x174
      mov eax, 0x10
      xor edx, edx
      wrmsr
      mov ecx, 0x176
      mov rax, done
      wrmsr
      mov ecx, 0x175
      mov rax, rsp
      wrmsr
      mov rdx, ring3
      o64 sysexit
    ring3:
      mov r14, cs
      sysenter
    done:
      hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(14)).toBe(0x33n);
    expect(r.cpu.getSegment(1).selector).toBe(0x10);
  });

  it("runs compatibility-mode code with a 16-bit stack when SS.B = 0 (VcpuCompatMode)", () => {
    const r = long(`
      mov rsp, 0x3000
      xor ebx, ebx
      xor ecx, ecx
      push 0x08
      push compat
      retfq
    bits 32
    compat:
      xor ecx, ecx
      db 0x41                ; inc ecx in 32-bit mode (a REX prefix in 64-bit mode)
      loop fail
      mov ebx, 1
      mov eax, esp
      sub eax, 2
      push word 0
      cmp eax, esp
      jne fail
      pop ax
      mov ecx, 2
    fail:
      hlt`);
    // GDT 0x08 is a 32-bit code segment in the harness GDT.
    expect(GDT_BASE).toBe(0x800);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(1n);
    expect(r.r(1)).toBe(2n);
    expect(r.r(4) & 0xffffn).toBe(0x3000n);
  });

  it("moves XMM data and MOVHLPS (VcpuExtendedRegisters)", () => {
    const r = long(`
      mov rax, cr4
      or rax, 0x200
      mov cr4, rax
      movdqu xmm0, [rel xmm_data]
      movq rax, xmm0
      movhlps xmm0, xmm0
      movq rbx, xmm0
      hlt
    xmm_data: dd 0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(0x89abcdef01234567n);
    expect(r.r(3)).toBe(0x76543210fedcba98n);
  });

  it("raises #UD for SSE with CR4.OSFXSR clear", () => {
    const r = long(`
      mov rsp, 0x8000
      lidt [idtr]
      movdqu xmm0, [rsp]
      hlt
    idtr: dw 16*256-1
          dq 0x5000
      times 0x100-($-$$) db 0
      mov rbx, 6
      hlt`);
    r.cpu.cr4 = 0x20;
    gate(r, 6, ENTRY + 0x100);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(6n);
  });

  it("counts retired instructions and derives the TSC from them", () => {
    const r = long(`
      nop
      nop
      rdtsc
      hlt`);
    r.cpu.tscOffset = 1000;
    r.cpu.tscPerInstruction = 10;
    expect(r.run(2)).toBe(EXIT_NONE);
    expect(r.cpu.instructionsRetired).toBe(2);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(1020n);
    expect(r.cpu.instructionsRetired).toBe(3);
    void TSS_BASE;
  });
});
