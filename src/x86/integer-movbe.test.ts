/**
 * MOVBE (Intel SDM Vol. 2B "MOVBE") and CMPXCHG16B (Vol. 2A "CMPXCHG8B/CMPXCHG16B"): the byte-swapping
 * load/store in every operand size and its #UD forms, and the 128-bit compare-exchange with its
 * 16-byte alignment #GP and register-operand #UD. Exceptions land in handlers that record the vector
 * (and the error code) so each test sees exactly what the guest would.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x2000;
const HANDLERS = 0x3000; // vector v's handler at HANDLERS + v * 16
const DATA = 0x8000;

/** 64-bit code with IDT gates for #UD (6) and #GP (13): the handler puts the vector in R15, the error code in R14, and halts. */
function long(body: string): Runner {
  const handlers = [6, 13]
    .map((v) => `times ${HANDLERS + v * 16 - ENTRY} - ($ - $$) db 0xcc\n` + (v === 13 ? `pop r14\n` : ``) + `mov r15d, ${v}\nhlt`)
    .join("\n");
  const r = new Runner().asm(`bits 64\norg ${ENTRY}\n${body}\nhlt\n${handlers}`, ENTRY).long64(ENTRY);
  for (const v of [6, 13]) {
    const target = HANDLERS + v * 16;
    r.w32(0x5000 + v * 16, (0x28 << 16) | (target & 0xffff));
    r.w32(0x5000 + v * 16 + 4, (target & 0xffff0000) | 0x8e00);
  }
  r.cpu.idtrBase = 0x5000n;
  r.cpu.idtrLimit = 16 * 256 - 1;
  r.reg(4, 0x90000);
  r.reg(15, 0xffn);
  return r;
}

/** Same in 32-bit protected mode (8-byte gates), for the forms that exist there. */
function prot(body: string): Runner {
  const r = new Runner().asm(`bits 32\norg ${ENTRY}\n${body}\nhlt\ntimes ${HANDLERS - ENTRY} - ($ - $$) db 0xcc\nmov edi, 6\nhlt`, ENTRY).flat32(ENTRY);
  r.w32(0x5000 + 6 * 8, (0x08 << 16) | (HANDLERS & 0xffff));
  r.w32(0x5000 + 6 * 8 + 4, (HANDLERS & 0xffff0000) | 0x8e00);
  r.cpu.idtrBase = 0x5000n;
  r.cpu.idtrLimit = 0x7ff;
  r.reg(4, 0x90000);
  return r;
}

describe("MOVBE", () => {
  it("loads 16/32/64-bit values byte-reversed; 16-bit keeps the upper bits, 32-bit zero-extends", () => {
    const r = long(`
      mov rax, 0x0102030405060708
      mov [${DATA}], rax
      mov rbx, -1
      movbe bx, [${DATA}]
      mov rcx, -1
      movbe ecx, [${DATA}]
      movbe rdx, [${DATA}]
      mov r9, -1
      movbe r9w, [${DATA} + 6]`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(3)).toBe(0xffffffffffff0807n);
    expect(r.r(1)).toBe(0x08070605n);
    expect(r.r(2)).toBe(0x0807060504030201n);
    expect(r.r(9)).toBe(0xffffffffffff0201n);
    expect(r.r(15)).toBe(0xffn);
  });

  it("stores 16/32/64-bit registers byte-reversed and touches only the operand's bytes", () => {
    const r = long(`
      mov rax, 0x1122334455667788
      mov rcx, -1
      mov [${DATA}], rcx
      mov [${DATA} + 8], rcx
      mov [${DATA} + 16], rcx
      movbe [${DATA}], ax
      movbe [${DATA} + 8], eax
      movbe [${DATA} + 16], rax`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(DATA)).toBe(0xffff8877);
    expect(r.u32(DATA + 4)).toBe(0xffffffff);
    expect(r.u32(DATA + 8)).toBe(0x88776655);
    expect(r.u32(DATA + 12)).toBe(0xffffffff);
    expect(r.u32(DATA + 16)).toBe(0x44332211);
    expect(r.u32(DATA + 20)).toBe(0x88776655);
  });

  it("works in 32-bit mode with 66 (16-bit) and without", () => {
    const r = prot(`
      mov dword [${DATA}], 0xa1b2c3d4
      movbe eax, [${DATA}]
      mov ebx, 0xffffffff
      movbe bx, [${DATA}]
      mov ecx, 0x12345678
      movbe [${DATA} + 4], ecx
      movbe [${DATA} + 8], cx`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(0xd4c3b2a1);
    expect(r.r32(3)).toBe(0xffffd4c3);
    expect(r.u32(DATA + 4)).toBe(0x78563412);
    expect(r.u32(DATA + 8) & 0xffff).toBe(0x7856);
    expect(r.r32(7)).toBe(0);
  });

  // The register forms (mod = 3) are not MOVBE; F2 makes the opcode CRC32 (not implemented), F3 is undefined.
  for (const [name, bytes] of [
    ["a register operand (0F 38 F0 C1)", "db 0x0f, 0x38, 0xf0, 0xc1"],
    ["a register destination of the store (0F 38 F1 C1)", "db 0x0f, 0x38, 0xf1, 0xc1"],
    ["F2 (CRC32)", "db 0xf2, 0x0f, 0x38, 0xf0, 0x03"],
    ["F3", "db 0xf3, 0x0f, 0x38, 0xf1, 0x03"],
    ["LOCK", "db 0xf0, 0x0f, 0x38, 0xf1, 0x03"],
  ] as const) {
    it(`raises #UD for ${name}`, () => {
      const r = long(`mov ebx, ${DATA}\nmov eax, 0x55\n${bytes}\nmov r15d, 1`);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r(15)).toBe(6n);
      expect(r.rip()).toBe(HANDLERS + 6 * 16 + 6); // the handler's HLT (after mov r15d, imm32): an exit leaves RIP on it
      expect(r.u32(DATA)).toBe(0);
    });
  }
});

describe("CMPXCHG16B", () => {
  const setup = `
      mov rax, 0x1111111111111111
      mov [${DATA}], rax
      mov rax, 0x2222222222222222
      mov [${DATA} + 8], rax`;

  it("stores RCX:RBX and sets ZF when RDX:RAX matches", () => {
    const r = long(`${setup}
      mov rax, 0x1111111111111111
      mov rdx, 0x2222222222222222
      mov rbx, 0x3333333333333333
      mov rcx, 0x4444444444444444
      cmpxchg16b [${DATA}]
      setz r8b`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(8) & 0xffn).toBe(1n);
    expect(r.u32(DATA)).toBe(0x33333333);
    expect(r.u32(DATA + 12)).toBe(0x44444444);
    expect(r.r(0)).toBe(0x1111111111111111n);
    expect(r.r(2)).toBe(0x2222222222222222n);
  });

  it("loads the memory into RDX:RAX and clears ZF when either half differs", () => {
    for (const [a, d] of [["0x1111111111111110", "0x2222222222222222"], ["0x1111111111111111", "0x2222222222222223"]]) {
      const r = long(`${setup}
        mov rax, ${a}
        mov rdx, ${d}
        mov rbx, 0x3333333333333333
        mov rcx, 0x4444444444444444
        stc
        cmpxchg16b [${DATA}]
        setz r8b
        setc r9b`);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r(8) & 0xffn).toBe(0n);
      expect(r.r(9) & 0xffn).toBe(1n); // only ZF is written
      expect(r.r(0)).toBe(0x1111111111111111n);
      expect(r.r(2)).toBe(0x2222222222222222n);
      expect(r.u32(DATA)).toBe(0x11111111);
      expect(r.u32(DATA + 8)).toBe(0x22222222);
    }
  });

  it("raises #GP(0) for an operand not aligned on 16 bytes, changing nothing", () => {
    const r = long(`${setup}
      mov rax, 0x1111111111111111
      mov rdx, 0x2222222222222222
      mov rbx, 0x3333333333333333
      mov rcx, 0x4444444444444444
      mov r14, -1
      cmpxchg16b [${DATA} + 8]`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(13n);
    expect(r.r(14)).toBe(0n);
    expect(r.u32(DATA + 8)).toBe(0x22222222);
  });

  it("raises #UD with a register operand (0F C7 /1, mod = 3)", () => {
    const r = long(`db 0x48, 0x0f, 0xc7, 0xc8\nmov r15d, 1`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(6n);
  });

  it("is CMPXCHG8B without REX.W: 8-byte operand, no 16-byte alignment requirement", () => {
    const r = long(`${setup}
      mov eax, 0x11111111
      mov edx, 0x22222222
      mov ebx, 0x55555555
      mov ecx, 0x66666666
      cmpxchg8b [${DATA} + 4]
      setz r8b`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(0xffn);
    expect(r.r(8) & 0xffn).toBe(1n);
    expect(r.u32(DATA + 4)).toBe(0x55555555);
    expect(r.u32(DATA + 8)).toBe(0x66666666);
  });
});
