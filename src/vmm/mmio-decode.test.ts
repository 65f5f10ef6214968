import { describe, expect, it } from "vitest";
import { nasm } from "../testing/nasm";
import type { GeneralRegisters } from "./api";
import { decodeMmio, emulateMmio, type MmioInstruction } from "./mmio-decode";

function asm(bits: 16 | 32 | 64, line: string): Uint8Array {
  return nasm(`bits ${bits}\n${line}\n`);
}
function decode(bits: 32 | 64, line: string): MmioInstruction {
  const b = asm(bits, line);
  const r = decodeMmio(b, b.length, 4);
  if (typeof r === "string") throw new Error(`${line}: ${r}`);
  return r;
}
function regs(over: Partial<GeneralRegisters> = {}): GeneralRegisters {
  const z = 0n;
  return { rax: z, rcx: z, rdx: z, rbx: z, rsp: z, rbp: z, rsi: z, rdi: z, r8: z, r9: z, r10: z, r11: z, r12: z, r13: z, r14: z, r15: z, rflags: 2n, ...over };
}
/** A one-register device that records writes. */
function bus(value: bigint) {
  const writes: Array<[number, bigint]> = [];
  return { writes, read: (_size: number) => value, write: (size: number, v: bigint) => void writes.push([size, v]) };
}

describe("decodeMmio", () => {
  it("decodes MOV loads and stores in 64-bit code, with REX and the Zircon test's 12-byte store", () => {
    expect(decode(64, "mov eax, [0xfff000]")).toMatchObject({ op: "load", accessSize: 4, reg: 0 });
    expect(decode(64, "mov r9, [rbx+rcx*8+0x10]")).toMatchObject({ op: "load", accessSize: 8, reg: 9 });
    expect(decode(64, "mov [rdi], cx")).toMatchObject({ op: "store", accessSize: 2, reg: 1 });
    expect(decode(64, "mov qword [0xfff000], 0")).toMatchObject({ op: "store", accessSize: 8, reg: -1, imm: 0n });
    expect(asm(64, "mov qword [0xfff000], 0").length).toBe(12);
    expect(decode(64, "mov dword [rax], -2")).toMatchObject({ op: "store", accessSize: 4, imm: 0xfffffffen });
    expect(decode(64, "mov qword [rax], -2")).toMatchObject({ imm: 0xfffffffffffffffen });
  });

  it("tells AH from SPL by the presence of REX", () => {
    expect(decode(64, "mov [rax], ah")).toMatchObject({ reg: 0, highByte: true, accessSize: 1 });
    expect(decode(64, "mov [rax], spl")).toMatchObject({ reg: 4, highByte: false });
    expect(decode(64, "mov r10b, [rax]")).toMatchObject({ reg: 10, highByte: false });
  });

  it("decodes 32-bit forms, operand-size prefixes, MOVZX/MOVSX, moffs and STOS", () => {
    expect(decode(32, "mov ax, [0xfee00020]")).toMatchObject({ op: "load", accessSize: 2 });
    expect(decode(32, "mov al, [0xfec00000]")).toMatchObject({ op: "load", accessSize: 1, reg: 0 });
    expect(decode(32, "mov [0xfec00000], eax")).toMatchObject({ op: "store", accessSize: 4 });
    expect(decode(32, "movzx ecx, byte [esi]")).toMatchObject({ op: "load", accessSize: 1, regSize: 4, extend: "zero", reg: 1 });
    expect(decode(32, "movsx edx, word [esi+4]")).toMatchObject({ accessSize: 2, extend: "sign", reg: 2 });
    expect(decode(32, "stosd")).toMatchObject({ op: "store", accessSize: 4, stringStore: true });
    expect(decode(32, "fs mov ebx, [ebp-8]")).toMatchObject({ op: "load", reg: 3 });
  });

  it("decodes TEST/OR/AND/XOR in both directions and with immediates", () => {
    expect(decode(64, "test [rax], edx")).toMatchObject({ op: "test", reg: 2 });
    expect(decode(64, "test byte [rax], 0x80")).toMatchObject({ op: "test", accessSize: 1, imm: 0x80n });
    expect(decode(64, "or [rax], ecx")).toMatchObject({ op: "or", toRegister: false });
    expect(decode(64, "or ecx, [rax]")).toMatchObject({ op: "or", toRegister: true });
    expect(decode(32, "and dword [eax], 0xfffffff0")).toMatchObject({ op: "and", imm: 0xfffffff0n });
    expect(decode(32, "xor word [eax], byte -1")).toMatchObject({ op: "xor", accessSize: 2, imm: 0xffffn });
  });

  it("refuses register operands, other opcodes, REP STOS and a length that does not match", () => {
    const add = asm(64, "add [rax], eax");
    expect(decodeMmio(add, add.length, 4)).toMatch(/not an MMIO form/);
    const regOnly = asm(64, "mov eax, ecx");
    expect(decodeMmio(regOnly, regOnly.length, 4)).toMatch(/register operand/);
    const rep = asm(32, "rep stosd");
    expect(decodeMmio(rep, rep.length, 4)).toMatch(/REP/);
    const mov = asm(64, "mov eax, [rbx]");
    expect(decodeMmio(mov, mov.length + 1, 4)).toMatch(/length/);
  });

  it("honours a 16-bit default operand size", () => {
    const b = asm(16, "mov [bx+si], ax");
    expect(decodeMmio(b, b.length, 2)).toMatchObject({ op: "store", accessSize: 2 });
    const d = asm(16, "mov [bx], eax");
    expect(decodeMmio(d, d.length, 2)).toMatchObject({ accessSize: 4 });
  });
});

describe("emulateMmio", () => {
  it("stores a register's low bytes and leaves the registers alone", () => {
    const b = bus(0n);
    expect(emulateMmio(decode(64, "mov [rax], cx"), regs({ rcx: 0x12345678n }), b)).toBeNull();
    expect(b.writes).toEqual([[2, 0x5678n]]);
  });

  it("loads with x86 register write semantics", () => {
    const start = regs({ rax: 0xffffffffffffffffn });
    expect(emulateMmio(decode(64, "mov eax, [rbx]"), start, bus(0x1234n))!.rax).toBe(0x1234n);
    expect(emulateMmio(decode(64, "mov ax, [rbx]"), start, bus(0x1234n))!.rax).toBe(0xffffffffffff1234n);
    expect(emulateMmio(decode(64, "mov ah, [rbx]"), start, bus(0x12n))!.rax).toBe(0xffffffffffff12ffn);
    expect(emulateMmio(decode(64, "movsx eax, byte [rbx]"), start, bus(0x80n))!.rax).toBe(0xffffff80n);
    expect(emulateMmio(decode(64, "movzx rax, word [rbx]"), start, bus(0x8000n))!.rax).toBe(0x8000n);
  });

  it("sets ZF/SF/PF and clears CF/OF for TEST and read-modify-writes OR/AND/XOR", () => {
    const t = emulateMmio(decode(64, "test byte [rax], 0x01"), regs({ rflags: 0x803n }), bus(0x02n))!;
    expect(t.rflags & 0x8c5n).toBe(0x44n); // ZF | PF, CF and OF cleared
    const b = bus(0xf0n);
    const o = emulateMmio(decode(64, "or dword [rax], 0x0f"), regs(), b)!;
    expect(b.writes).toEqual([[4, 0xffn]]);
    expect(o.rflags & 0xc4n).toBe(0x04n); // PF (0xff has even parity), not ZF/SF
    const x = emulateMmio(decode(64, "xor ecx, [rax]"), regs({ rcx: 0xf0n }), bus(0xf0n))!;
    expect(x.rcx).toBe(0n);
    expect(x.rflags & 0x40n).toBe(0x40n);
  });

  it("advances RDI for STOS according to DF", () => {
    const b = bus(0n);
    expect(emulateMmio(decode(64, "stosd"), regs({ rax: 7n, rdi: 0x1000n }), b)!.rdi).toBe(0x1004n);
    expect(emulateMmio(decode(64, "stosb"), regs({ rax: 7n, rdi: 0x1000n, rflags: 0x402n }), b)!.rdi).toBe(0xfffn);
    expect(b.writes).toEqual([[4, 7n], [1, 7n]]);
  });
});
