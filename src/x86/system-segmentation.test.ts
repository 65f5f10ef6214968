/**
 * Protected-mode segmentation that the QEMU-recorded guest guests/segmentation.asm cannot judge,
 * because QEMU 7.2's TCG does not implement it or departs from the Intel SDM (Vol. 3A ch. 3 and 5):
 * expand-down limits (16- and 32-bit), stack-segment limit faults (#SS), writes through a read-only
 * data segment, use of a null data segment (QEMU checks none of these on access), the accessed bit
 * set when CS is loaded (QEMU sets it for data-segment loads only), and CS.RPL = CPL after a CALL
 * through a call gate to conforming code (QEMU keeps the gate's selector RPL).
 * src/x86/segment-limits.test.ts covers expand-up data limits.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x100000;
const IDT = 0x5000;
const GDT = 0x6000;
const TSS = 0x1000;

/** Segment descriptor (§3.4.5): access = P|DPL|S|type, flags = G|D/B|L|AVL. */
function desc(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}

/**
 * The test's GDT: 0x08 ring-0 code, 0x10 ring-0 data, 0x1B ring-3 code, 0x23 ring-3 data, 0x28 the
 * TSS (ESP0 = 0x9000), then `extra` from 0x30. Handlers for #UD, #NP, #SS, #GP, #PF leave the vector
 * in EDI, the error code in ESI (0 if none), the faulting EIP in EDX, and halt. EDI starts at -1.
 */
function prot32(body: string, extra: [number, number][] = []): Runner {
  const vectors = [6, 11, 12, 13, 14];
  const handlers = vectors.map((v, i) => `times ${0x800 + i * 0x20} - ($ - $$) db 0xcc\n mov edi, ${v}\n ${v === 6 ? "xor esi, esi" : "pop esi"}\n mov edx, [esp]\n hlt`).join("\n");
  const source = `bits 32\norg ${ENTRY}\nlgdt [gdtr]\njmp 0x08:start\nstart:\n${body}\nhlt\ngdtr: dw ${(6 + extra.length) * 8 - 1}\ndd ${GDT}\n${handlers}`;
  const r = new Runner().asm(source, ENTRY).flat32(ENTRY);
  const table = [[0, 0], desc(0, 0xfffff, 0x9b, 0xc), desc(0, 0xfffff, 0x93, 0xc), desc(0, 0xfffff, 0xfb, 0xc), desc(0, 0xfffff, 0xf3, 0xc), desc(TSS, 0x67, 0x8b, 0), ...extra];
  table.forEach(([lo, hi], i) => r.w32(GDT + i * 8, lo).w32(GDT + i * 8 + 4, hi));
  vectors.forEach((v, i) => {
    const at = ENTRY + 0x800 + i * 0x20;
    r.w32(IDT + v * 8, (0x08 << 16) | (at & 0xffff));
    r.w32(IDT + v * 8 + 4, (at & 0xffff0000) | 0x8e00);
  });
  r.cpu.idtrBase = BigInt(IDT);
  r.cpu.idtrLimit = 0x7ff;
  r.w32(TSS + 4, 0x9000).w32(TSS + 8, 0x10);
  r.reg(4, 0x90000);
  r.reg(7, -1);
  return r;
}

/** Run to HLT; return [vector, or -1 when no exception was taken; error code]. */
function outcome(r: Runner): [number, number] {
  expect(r.run()).toBe(EXIT_HLT);
  return [r.r32(7) | 0, r.r32(6)];
}

const TO_RING3 = "push 0x23\npush 0x8000\npushfd\npush 0x1b\npush user\niret\nuser:";

describe("expand-down data segments (SDM Vol. 3A §3.4.5.1, §5.3)", () => {
  // Valid offsets of an expand-down segment: limit+1 .. 0xFFFF (B = 0) or 0xFFFFFFFF (B = 1).
  const ED16 = desc(0x20000, 0x0fff, 0x97, 0x0); // 0x30: expand-down, B = 0, byte limit 0xFFF
  const ED32 = desc(0x20000, 0xffffe, 0x97, 0xc); // (also at 0x30 in its test): expand-down, B = 1, G = 1: limit 0xFFFFEFFF

  it("B = 0: offsets 0x1000..0xFFFF are valid, 0xFFF and a dword over 0xFFFF are #GP(0)", () => {
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov eax, [es:0x1000]\nmov al, [es:0xffff]\nmov eax, [es:0xfffc]", [ED16]))).toEqual([-1, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov eax, [es:0xfff]", [ED16]))).toEqual([13, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov eax, [es:0xfffe]", [ED16]))).toEqual([13, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov al, [es:0x10000]", [ED16]))).toEqual([13, 0]);
  });

  it("B = 1: offsets above the scaled limit are valid, up to 0xFFFFFFFF", () => {
    const ok = prot32("mov ax, 0x30\nmov es, ax\nmov dword [es:0xfffff000], 0x1234\nmov eax, [es:0xfffffffc]\nmov ebx, [0x1f000]", [ED32]);
    expect(outcome(ok)).toEqual([-1, 0]);
    expect(ok.r32(3)).toBe(0x1234); // base 0x20000 + 0xFFFFF000 wraps to 0x1F000
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov eax, [es:0xffffeffc]", [ED32]))).toEqual([13, 0]);
  });

  it("an expand-down stack: PUSH below the limit is #SS(0) (from ring 3, so the handler has a stack)", () => {
    const SS3 = desc(0, 0x7fff, 0xf7, 0x4); // 0x30|3: expand-down, B = 1, valid 0x8000..0xFFFFFFFF
    const r = prot32(`${TO_RING3}\nmov ax, 0x33\nmov ss, ax\nmov esp, 0x8008\npush eax\npush eax\npush eax`, [SS3]);
    expect(outcome(r)).toEqual([12, 0]);
    expect(r.u32(0x9000 - 8)).toBe(0x8000); // the ring-3 ESP in the frame: the third PUSH did nothing
  });
});

describe("limit, type and null checks on access", () => {
  it("an SS-relative access past the SS limit is #SS(0), a DS one #GP(0)", () => {
    const SMALL = desc(0, 0xfff, 0x93, 0x4); // 0x30: 4 KiB expand-up data
    expect(outcome(prot32("mov ax, 0x30\nmov ss, ax\nmov esp, 0xf00\nmov ebp, 0xffe\nmov eax, [ebp]", [SMALL]))).toEqual([12, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov ss, ax\nmov esp, 0xf00\nmov eax, [ss:0x1000]", [SMALL]))).toEqual([12, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov ds, ax\nmov eax, [0xffe]", [SMALL]))).toEqual([13, 0]);
  });

  it("a write through a read-only data segment is #GP(0); a read is fine", () => {
    const RO = desc(0, 0xfffff, 0x91, 0xc);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov eax, [es:0x2000]", [RO]))).toEqual([-1, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov [es:0x2000], eax", [RO]))).toEqual([13, 0]);
    expect(outcome(prot32("mov ax, 0x30\nmov es, ax\nmov edi, 0x2000\nstosb", [RO]))).toEqual([13, 0]);
  });

  it("an access through a null data segment is #GP(0); loading it is not", () => {
    expect(outcome(prot32("xor eax, eax\nmov ds, ax\nmov ax, 3\nmov es, ax"))).toEqual([-1, 0]);
    expect(outcome(prot32("xor eax, eax\nmov ds, ax\nmov eax, [0x2000]"))).toEqual([13, 0]);
    expect(outcome(prot32("mov ax, 3\nmov es, ax\nmov edi, 0x2000\nstosd"))).toEqual([13, 0]);
  });
});

describe("code segments", () => {
  // §3.4.5.1: "The processor sets this bit whenever it loads a segment selector for the segment into
  // a segment register" — CS included (a far JMP here).
  it("a far JMP sets the accessed bit of the code descriptor", () => {
    const CODE = desc(0, 0xfffff, 0x9a, 0xc); // 0x30: accessed bit clear
    const r = prot32("jmp 0x30:next\nnext:\nmov ebx, cs", [CODE]);
    expect(outcome(r)).toEqual([-1, 0]);
    expect(r.r32(3) & 0xffff).toBe(0x30);
    expect(r.u8(GDT + 0x30 + 5)).toBe(0x9b);
  });

  // CALL, call gate, SAME-PRIVILEGE (a conforming target): "CS(RPL) ← CPL".
  it("a CALL through a call gate to conforming code keeps CPL 3 and sets CS.RPL = 3", () => {
    const CONF = desc(0, 0xfffff, 0x9f, 0xc); // 0x30: conforming, DPL 0
    const gate = (sel: number, offset: number): [number, number] => [((sel << 16) | (offset & 0xffff)) >>> 0, ((offset & 0xffff0000) | 0xec00) >>> 0];
    const target = ENTRY + 0x700; // conf: below
    const r = prot32(`${TO_RING3}\ncall 0x3b:0\ntimes 0x700 - ($ - $$) db 0xcc\nconf: mov ebx, cs\nmov ecx, [esp + 4]\nud2`, [CONF, gate(0x30, target)]);
    expect(outcome(r)).toEqual([6, 0]);
    expect(r.r32(3) & 0xffff).toBe(0x33);
    expect(r.r32(1)).toBe(0x1b); // the caller's CS, pushed
  });
});
