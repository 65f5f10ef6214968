/**
 * The VT-x boundary (vtx.ts): instruction exits leave RIP on the instruction and change nothing;
 * EPT violations; IO qualification; CR0 guest/host mask; interrupt shadow and window; single-step;
 * injected events; triple fault; page faults with exact error codes, CR2 and A/D bits.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import {
  EXIT_CPUID, EXIT_CR_ACCESS, EXIT_EPT_VIOLATION, EXIT_HLT, EXIT_INTERRUPT_WINDOW, EXIT_IO, EXIT_TRIPLE_FAULT,
  ACCESS_WRITE, ACCESS_READ, EVENT_EXTERNAL_INTERRUPT, PERM_READ,
} from "./vtx";

const ENTRY = 0x100000;

function flat(src: string): Runner {
  return new Runner().asm(`bits 32\norg ${ENTRY}\n${src}`, ENTRY).flat32(ENTRY);
}

/** 32-bit interrupt gate at IDT 0x5000 for `vector` → 0x08:target. */
function gate32(r: Runner, vector: number, target: number, dpl = 0): void {
  r.w32(0x5000 + vector * 8, (0x08 << 16) | (target & 0xffff));
  r.w32(0x5000 + vector * 8 + 4, (target & 0xffff0000) | 0x8e00 | (dpl << 13));
  r.cpu.idtrBase = 0x5000n;
  r.cpu.idtrLimit = 0x7ff;
}

describe("instruction exits", () => {
  it("EPT violation on a store: exact GPA, instruction bytes, no state change", () => {
    const r = flat(`
      mov eax, 0x11223344
      mov ebx, 0x2000000
      add [ebx+4], eax
      hlt`);
    r.w32(0x2000004 - 0x2000000, 0);
    expect(r.run()).toBe(EXIT_EPT_VIOLATION);
    const e = r.cpu.exit;
    expect(e.gpa).toBe(0x2000004);
    expect(e.access).toBe(ACCESS_WRITE);
    expect(e.instructionLength).toBe(3);
    expect([...e.instructionBytes.subarray(0, 3)]).toEqual([0x01, 0x43, 0x04]);
    expect(r.rip()).toBe(ENTRY + 10);
    expect(r.r32(0)).toBe(0x11223344);
    expect(r.cpu.instructionsRetired).toBe(2);
  });

  it("a read-only page makes a read-modify-write exit before anything is written", () => {
    const r = flat(`
      mov ebx, 0x3000
      inc dword [ebx]
      hlt`);
    r.mem.protect(0x3000, 0x1000, PERM_READ);
    const flags = r.cpu.getRflags();
    expect(r.run()).toBe(EXIT_EPT_VIOLATION);
    expect(r.cpu.exit.access).toBe(ACCESS_WRITE);
    expect(r.cpu.getRflags()).toBe(flags);
    expect(r.u32(0x3000)).toBe(0);
  });

  it("IN/OUT exit with the port qualification and RIP on the instruction", () => {
    const r = flat(`
      mov dx, 0x3f8
      mov al, 0x41
      out dx, al
      in ax, 0x60
      rep outsb
      hlt`);
    expect(r.run()).toBe(EXIT_IO);
    let e = r.cpu.exit;
    expect([e.port, e.size, e.input, e.string, e.rep, e.instructionLength]).toEqual([0x3f8, 1, false, false, false, 1]);
    r.cpu.setRip(r.cpu.getRip() + 1n);
    expect(r.run()).toBe(EXIT_IO);
    e = r.cpu.exit;
    expect([e.port, e.size, e.input]).toEqual([0x60, 2, true]);
    r.cpu.setRip(r.cpu.getRip() + 3n);
    expect(r.run()).toBe(EXIT_IO);
    expect([e.string, e.rep]).toEqual([true, true]);
  });

  it("CPUID exits without executing", () => {
    const r = flat(`mov eax, 1\ncpuid\nhlt`);
    expect(r.run()).toBe(EXIT_CPUID);
    expect(r.r32(0)).toBe(1);
    expect(r.cpu.exit.instructionLength).toBe(2);
  });

  it("MOV to CR0 exits when it changes a host-owned bit; reads see the shadow", () => {
    const r = flat(`
      mov eax, cr0
      mov ebx, eax
      or eax, 0x40000000     ; CD: owned by the host
      mov cr0, eax
      hlt`);
    r.cpu.cr0Mask = 0x60000020;
    r.cpu.cr0Shadow = 0x10;
    r.cpu.cr0 = 0x31;
    expect(r.run()).toBe(EXIT_CR_ACCESS);
    expect(r.cpu.exit.cr).toBe(0);
    expect(r.cpu.exit.gpr).toBe(0);
    expect(r.r32(3)).toBe(0x11); // NE hidden by the shadow
  });
});

describe("events", () => {
  it("STI shadow: the interrupt window opens one instruction after STI", () => {
    const r = flat(`
      sti
      nop
      nop
      hlt`);
    r.cpu.interruptWindowExiting = true;
    expect(r.run()).toBe(EXIT_INTERRUPT_WINDOW);
    expect(r.rip()).toBe(ENTRY + 2); // after STI and the NOP in its shadow
  });

  it("injects an external interrupt through the IDT at the start of run()", () => {
    const r = flat(`
      mov esp, 0x9000
      hlt
      times 0x40-($-$$) db 0
      mov ebx, [esp]
      hlt`);
    gate32(r, 0x20, ENTRY + 0x40);
    expect(r.run()).toBe(EXIT_HLT);
    r.cpu.setRip(r.cpu.getRip() + 1n);
    r.cpu.injectEvent(0x20, EVENT_EXTERNAL_INTERRUPT, -1);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(ENTRY + 6);
  });

  it("single-steps with TF: #DB after each instruction", () => {
    const r = flat(`
      mov esp, 0x9000
      pushfd
      or dword [esp], 0x100
      popfd
      inc eax
      inc eax
      hlt
      times 0x40-($-$$) db 0
      inc ecx
      iretd`);
    gate32(r, 1, ENTRY + 0x40);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(2);
    expect(r.r32(1)).toBe(2); // after each INC (POPF set TF: no trap after POPF itself)
  });

  it("a fault with no usable IDT becomes a triple fault exit", () => {
    const r = flat(`ud2`);
    r.cpu.idtrLimit = 0;
    expect(r.run()).toBe(EXIT_TRIPLE_FAULT);
  });

  it("delivers through a 32-bit gate to ring 0 from ring 3 using TSS.ESP0, IRET back", () => {
    const r = flat(`
      mov esp, 0x9000
      mov dword [0x1004], 0x7000   ; TSS.ESP0
      mov dword [0x1008], 0x10     ; TSS.SS0
      mov ax, 0x48
      ltr ax
      push 0x3b
      push 0x6000
      push 0x202
      push 0x33
      push ring3
      iretd
    ring3:
      int 0x80
      mov edi, 1
      jmp $
      times 0x80-($-$$) db 0
      mov esi, [esp+12]           ; user ESP from the frame
      mov ebp, ss
      iretd`);
    gate32(r, 0x80, ENTRY + 0x80, 3);
    r.w32(0x1066, 0x68);
    r.run(30);
    expect(r.r32(6)).toBe(0x6000);
    expect(r.r32(5)).toBe(0x10);
    expect(r.r32(7)).toBe(1);
    expect(r.cpu.cpl).toBe(3);
  });
});

describe("paging", () => {
  it("32-bit paging: #PF error code, CR2 and A/D bits", () => {
    const r = flat(`
      mov esp, 0x9000
      mov eax, 0x80000011
      mov cr0, eax
      mov ebx, [0x400000]      ; PDE 1 not present
      hlt
      times 0x40-($-$$) db 0
      mov ecx, [esp]           ; error code
      mov edx, cr2
      hlt`);
    // Page directory at 0x20000: identity-map the first 4 MiB with a 4K page table at 0x21000.
    r.cpu.cr3 = 0x20000n;
    r.w32(0x20000, 0x21000 | 3);
    for (let i = 0; i < 1024; i++) r.w32(0x21000 + i * 4, (i << 12) | 3);
    gate32(r, 14, ENTRY + 0x40);
    // The code at 1 MiB is above the first 4 MiB? No: 0x100000 is inside it.
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(1)).toBe(0); // not present, read, supervisor
    expect(r.r32(2)).toBe(0x400000);
    expect(r.u32(0x20000) & 0x20).toBe(0x20); // accessed
    expect(r.u32(0x21000 + 8 * 4) & 0x60).toBe(0x60); // stack page 0x8000 (the frame below ESP): accessed + dirty
  });

  it("4-level paging: NX fetch and WP faults carry I/D and P|W bits", () => {
    const r = new Runner().asm(`bits 64
      org 0x2000
      mov rsp, 0x8000
      lidt [idtr]
      mov rax, 0x300000
      mov byte [rax], 1        ; 2 MiB page 1 is read-only → #PF P|W
      hlt
    idtr: dw 4095
          dq 0x5000
      times 0x100-($-$$) db 0
      pop rcx
      mov rdx, cr2
      hlt`, 0x2000).long64(0x2000);
    // Replace the 1 GiB page with a page directory of 2 MiB pages; page 1 (2-4 MiB) read-only.
    r.w64(0x11000, 0x13007n);
    for (let i = 0; i < 8; i++) r.w64(0x13000 + i * 8, BigInt(i * 0x200000) | (i === 1 ? 0x85n : 0x87n));
    r.cpu.cr0 = r.cpu.cr0 | 0x10000; // WP
    r.w32(0x5000 + 14 * 16, (0x28 << 16) | 0x2100);
    r.w32(0x5000 + 14 * 16 + 4, 0x8e00);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(1)).toBe(3n);
    expect(r.r(2)).toBe(0x300000n);
    expect(ACCESS_READ).toBe(1);
  });
});
