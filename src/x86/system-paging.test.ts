/**
 * Paging behaviour that the QEMU-recorded guests (guests/paging32.asm, paging-pae.asm,
 * long-mode.asm) cannot judge because QEMU 7.2's TCG departs from the Intel SDM there:
 * - a reserved-bit #PF reports P = 1 with RSVD (Vol. 3A §4.7: "bit 3 of the error code can be set
 *   only if bit 0 is also set"); QEMU's mmu_translate reports RSVD without P, so the guests mask P;
 * - PAE PDPTEs are loaded by MOV CR3 and a reserved bit in a present one is #GP(0) there (§4.4.1);
 *   QEMU reads them at walk time;
 * - the processor never writes a PAE PDPTE (bits 8:5 are reserved, table 4-8); QEMU sets its bit 5.
 * These tests follow the SDM.
 */
import { describe, expect, it } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x100000;
const IDT = 0x5000;
const HANDLER = ENTRY + 0x800;
const PD = 0x10000;

/**
 * 32-bit code at ENTRY with a #PF/#GP handler: EDI = vector, ESI = error code, EDX = faulting EIP.
 * EDI starts at -1 (no exception).
 */
function prot32(body: string): Runner {
  const handler = (v: number, at: number) => `times ${at - ENTRY} - ($ - $$) db 0xcc\n mov edi, ${v}\n pop esi\n mov edx, [esp]\n hlt`;
  const r = new Runner()
    .asm(`bits 32\norg ${ENTRY}\n${body}\nhlt\n${handler(14, HANDLER)}\n${handler(13, HANDLER + 0x20)}`, ENTRY)
    .flat32(ENTRY);
  for (const [v, at] of [[14, HANDLER], [13, HANDLER + 0x20]]) {
    r.w32(IDT + v * 8, (0x08 << 16) | (at & 0xffff));
    r.w32(IDT + v * 8 + 4, (at & 0xffff0000) | 0x8e00);
  }
  r.cpu.idtrBase = BigInt(IDT);
  r.cpu.idtrLimit = 0x7ff;
  r.reg(4, 0x90000);
  r.reg(7, -1);
  return r;
}

const PAGING_ON = "mov eax, cr0\nor eax, 0x80000000\nmov cr0, eax";

describe("reserved-bit #PF error codes have P = 1 (SDM Vol. 3A §4.7)", () => {
  it("32-bit paging: a 4 MiB PDE with bit 21 set → #PF 9 (read), 0xB (write)", () => {
    for (const [access, code] of [["mov eax, [0x400010]", 9n], ["mov dword [0x400010], 1", 0xbn]] as const) {
      const r = prot32(`mov eax, cr4\nor eax, 0x10\nmov cr4, eax\nmov eax, ${PD}\nmov cr3, eax\n${PAGING_ON}\nfault: ${access}`);
      r.w32(PD, 0x83); // identity 0-4 MiB (the code)
      r.w32(PD + 4, 0x00600083); // 4 MiB page at 0x400000 with bit 21 (reserved) set
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r32(7)).toBe(14);
      expect(BigInt(r.r32(6))).toBe(code);
      expect(r.cpu.cr2).toBe(0x400010n);
    }
  });

  it("PAE: a 2 MiB PDE with bit 51 set, and one with bit 13 set → #PF 9", () => {
    for (const [hi, lo] of [[0x00080000, 0x200083], [0, 0x202083]]) {
      const r = prot32(`mov eax, cr4\nor eax, 0x20\nmov cr4, eax\nmov eax, ${PD}\nmov cr3, eax\n${PAGING_ON}\nmov eax, [0x200004]`);
      r.w32(PD, (PD + 0x1000) | 1); // PDPTE 0 → PD
      r.w32(PD + 0x1000, 0x83); // 0-2 MiB identity
      r.w32(PD + 0x1000 + 8, lo);
      r.w32(PD + 0x1000 + 12, hi);
      expect(r.run()).toBe(EXIT_HLT);
      expect([r.r32(7), r.r32(6)]).toEqual([14, 9]);
      expect(r.cpu.cr2).toBe(0x200004n);
    }
  });

  it("4-level paging: a PTE with bit 51 set → #PF 9; XD with EFER.NXE = 0 → #PF 9", () => {
    for (const [efer, hi] of [[0xd01, 0x00080000], [0x501, 0x80000000]]) {
      const r = new Runner().asm(`bits 64\norg 0x2000\nmov rax, 0x40000000\nmov eax, [rax]\nhlt\ntimes 0x100 - ($ - $$) db 0xcc\nmov edi, 14\npop rsi\nhlt`, 0x2000).long64(0x2000);
      r.cpu.efer = efer;
      r.w32(0x5000 + 14 * 16, (0x28 << 16) | 0x2100);
      r.w32(0x5000 + 14 * 16 + 4, 0x8e00);
      r.cpu.idtrBase = 0x5000n;
      r.cpu.idtrLimit = 0xfff;
      r.reg(4, 0x8000);
      // PDPT[1] (0x40000000) → PD 0x20000 → PT 0x21000 → PTE 0 with the reserved bit
      r.w32(0x11000 + 8, 0x20007);
      r.w32(0x20000, 0x21007);
      r.w32(0x21000, 0x30007);
      r.w32(0x21004, hi);
      expect(r.run()).toBe(EXIT_HLT);
      expect([r.r32(7), r.r32(6)]).toEqual([14, 9]);
    }
  });
});

describe("PAE PDPTEs (SDM Vol. 3A §4.4.1)", () => {
  const pae = (pdpte0: number) => {
    const r = prot32(`mov eax, cr4\nor eax, 0x20\nmov cr4, eax\nmov eax, ${PD}\nmov cr3, eax\n${PAGING_ON}\nmov ebx, 0x600d\nmov eax, cr3\nmov cr3, eax\nmov ecx, 0x600d`);
    r.w32(PD, pdpte0);
    r.w32(PD + 0x1000, 0x83);
    return r;
  };

  it("setting CR0.PG with a reserved bit in a present PDPTE is #GP(0), CR0 unchanged", () => {
    // CR0.PG is still 0 at the first MOV CR3: the PDPTEs are loaded (and checked) when PG is set.
    const r = pae((PD + 0x1000) | 1 | 0x20); // bit 5: reserved in a PAE PDPTE
    expect(r.run()).toBe(EXIT_HLT);
    expect([r.r32(7), r.r32(6)]).toEqual([13, 0]);
    expect(r.r32(3)).not.toBe(0x600d); // the MOV to CR0 faulted
    expect(r.cpu.cr0 & 0x80000000).toBe(0); // PG still clear
  });

  it("a present, valid PDPTE is neither faulted nor written (no accessed bit)", () => {
    const r = pae((PD + 0x1000) | 1);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(7)).toBe(0xffffffff);
    expect(r.r32(1)).toBe(0x600d);
    expect(r.u32(PD)).toBe((PD + 0x1000) | 1);
    expect(r.u32(PD + 0x1000) & 0x20).toBe(0x20); // the PDE's accessed bit is set, by contrast
  });

  it("a PDPTE made invalid after paging is on faults at the next MOV CR3", () => {
    const r = prot32(
      `mov eax, cr4\nor eax, 0x20\nmov cr4, eax\nmov eax, ${PD}\nmov cr3, eax\n${PAGING_ON}\nor dword [${PD}], 4\nmov ebx, 0x600d\nmov eax, ${PD}\nfault: mov cr3, eax\nmov ecx, 0x600d`,
    );
    r.w32(PD, (PD + 0x1000) | 1);
    r.w32(PD + 0x1000, 0x83);
    expect(r.run()).toBe(EXIT_HLT);
    expect([r.r32(7), r.r32(6), r.r32(3)]).toEqual([13, 0, 0x600d]);
    expect(r.r32(1)).not.toBe(0x600d);
  });
});
