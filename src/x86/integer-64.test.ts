/**
 * 64-bit-mode corner cases of the integer instructions found by the alu64 QEMU guest
 * (guests/alu64.asm), pinned here with the hardware behaviour: 32-bit register results zero-extend
 * even when an instruction leaves the value as it was (Intel SDM Vol. 1 §3.4.1.1), except where the
 * register is not written at all (CMPXCHG's destination when the comparison fails), and BT-family
 * memory operands with 64-bit register offsets address far below the operand.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x2000;
const DATA = 0x80000;

function long(body: string): Runner {
  const r = new Runner().asm(`bits 64\norg ${ENTRY}\n${body}\nhlt`, ENTRY).long64(ENTRY);
  r.reg(4, 0x90000);
  expect(r.run()).toBe(EXIT_HLT);
  return r;
}

describe("64-bit mode integer corner cases", () => {
  it("SHLD/SHRD r32 with a zero count still zero-extend the destination", () => {
    const r = long(`
      mov rax, 0xdeadbeef12345678
      mov rbx, 0xfedcba9876543210
      xor ecx, ecx
      shld eax, ebx, cl
      mov rdx, 0xdeadbeef12345678
      shrd edx, ebx, 0
      mov rsi, 0xdeadbeef12345678
      shld si, bx, cl            ; 16-bit: bits 63:16 are kept`);
    expect(r.r(0)).toBe(0x12345678n);
    expect(r.r(2)).toBe(0x12345678n);
    expect(r.r(6)).toBe(0xdeadbeef12345678n);
  });

  it("CMPXCHG r32: on failure only EAX is written (zero-extended); on success only the destination", () => {
    const r = long(`
      mov rax, 0xaaaaaaaa00000001
      mov rbx, 0xbbbbbbbb00000002
      mov rdx, 0xdddddddd00000003
      cmpxchg ebx, edx           ; 1 != 2: EAX <- 2, RBX untouched
      setz cl
      mov r8, rax
      mov r9, rbx
      mov rax, 0xaaaaaaaa00000002
      cmpxchg ebx, edx           ; equal: EBX <- 3 (zero-extended), RAX untouched
      setz ch
      mov r10, rax
      mov r11, rbx`);
    expect(r.r(1) & 0xffffn).toBe(0x0100n);
    expect(r.r(8)).toBe(2n);
    expect(r.r(9)).toBe(0xbbbbbbbb00000002n);
    expect(r.r(10)).toBe(0xaaaaaaaa00000002n);
    expect(r.r(11)).toBe(3n);
  });

  it("BT/BTS/BTC m64, r64 with a negative 64-bit offset address bytes below the operand", () => {
    const r = long(`
      mov qword [${DATA} - 8], 0
      mov qword [${DATA}], 0
      mov rbp, -1                ; bit 63 of the qword before the operand
      bts [${DATA}], rbp
      setc al
      mov rcx, -64               ; bit 0 of the qword before
      btc [${DATA}], rcx
      mov rdx, -65               ; from DATA + 8: bit 7 of DATA - 1, set by the BTS above
      bt [${DATA} + 8], rdx
      setc bl`);
    expect(r.u32(DATA - 4)).toBe(0x80000000);
    expect(r.u32(DATA - 8)).toBe(1);
    expect(r.r(0) & 0xffn).toBe(0n);
    expect(r.r(3) & 0xffn).toBe(1n);
    expect(r.u32(DATA)).toBe(0);
  });
});
