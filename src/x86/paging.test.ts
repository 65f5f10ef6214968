/**
 * Paging rules beyond translation itself, each checked against the Intel SDM Vol. 3A ch. 4:
 * SMEP and SMAP (§4.6.1), the I/D bit of the #PF error code (§4.7), reserved bits and RSVD (§4.7,
 * tables 4-4 and 4-8 to 4-20), global pages and TLB invalidation (§4.10.2.4, §4.10.4.1), PAE
 * PDPTE registers (§4.4.1), 1 GiB pages (§4.5.4).
 *
 * The 32-bit programs run with paging set up by the host: a page directory at PD and one page table
 * at PT identity-mapping the first 4 MiB with supervisor pages, except the pages a test makes
 * user-mode. #PF and #GP handlers record the error code, CR2 and a count at REC, then halt.
 */
import { describe, expect, it } from "vitest";
import { Runner, GDT_BASE, SEL_CODE32_R3, SEL_DATA32_R3, TSS_BASE } from "./testing/runner";
import { EXIT_HLT } from "./vtx";

const ENTRY = 0x2000;
const PD = 0x20000;
const PT = 0x21000;
const REC = 0x7000;
const R_PF = REC;
const R_ERR = REC + 4;
const R_CR2 = REC + 8;
const R_GP = REC + 12;
const R_GPERR = REC + 16;
const R_EIP = REC + 20;
const CR0_PG = 0x80000000;
const CR4_PSE = 0x10;
const CR4_PAE = 0x20;
const CR4_PGE = 0x80;
const CR4_SMEP = 0x100000;
const CR4_SMAP = 0x200000;

/** A 32-bit flat program with #PF (14) and #GP (13) handlers that record and halt. */
function source32(body: string): string {
  return `
bits 32
org ${ENTRY}
%macro GATE 2
  mov eax, %2
  mov word [0x5000 + %1*8], ax
  mov word [0x5000 + %1*8 + 2], 0x08
  mov word [0x5000 + %1*8 + 4], 0xee00
  shr eax, 16
  mov word [0x5000 + %1*8 + 6], ax
%endmacro
  mov esp, 0x9000
  lidt [idtr]
  GATE 14, pf_handler
  GATE 13, gp_handler
  jmp start
idtr: dw 256*8-1
      dd 0x5000
pf_handler:
  inc dword [ss:${R_PF}]
  pop dword [ss:${R_ERR}]
  push eax
  mov eax, cr2
  mov [ss:${R_CR2}], eax
  mov eax, [esp+4]
  mov [ss:${R_EIP}], eax
  pop eax
  hlt
gp_handler:
  inc dword [ss:${R_GP}]
  pop dword [ss:${R_GPERR}]
  hlt
start:
${body}
`;
}

/** 32-bit paging over the first 4 MiB (supervisor pages; `user` lists user-mode pages by address). */
function paged32(body: string, cr4: number, user: number[] = []): Runner {
  const r = new Runner().asm(source32(body), ENTRY).flat32(ENTRY);
  r.w32(PD, PT | 0x3);
  for (let i = 0; i < 1024; i++) r.w32(PT + i * 4, (i << 12) | 0x3);
  for (const a of user) r.w32(PT + (a >>> 12) * 4, (a & ~0xfff) | 0x7);
  r.w32(PD, PT | 0x7); // the PDE allows user access; the PTEs decide
  r.cpu.cr3 = BigInt(PD);
  r.cpu.cr4 = cr4;
  r.cpu.cr0 = (r.cpu.cr0 | CR0_PG) | 0;
  return r;
}

describe("SMEP (Intel SDM Vol. 3A §4.6.1)", () => {
  const body = `
  mov eax, 0x3000
  jmp eax`;
  function userCode(cr4: number): Runner {
    const r = paged32(body, cr4, [0x3000]);
    r.load(0x3000, [0xb8, 0x42, 0, 0, 0, 0xf4]); // mov eax, 0x42; hlt
    return r;
  }

  it("lets CPL 0 run code in a user page while CR4.SMEP = 0", () => {
    const r = userCode(0);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(0x42);
    expect(r.u32(R_PF)).toBe(0);
  });

  it("faults a supervisor fetch from a user page with CR4.SMEP = 1: #PF P | I/D, CR2 = the address", () => {
    const r = userCode(CR4_SMEP);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_PF)).toBe(1);
    expect(r.u32(R_ERR)).toBe(0x11);
    expect(r.u32(R_CR2)).toBe(0x3000);
  });

  it("reports I/D for a fetch from a not-present page only with SMEP (32-bit paging, no NXE)", () => {
    for (const [cr4, err] of [[0, 0x0], [CR4_SMEP, 0x10]]) {
      const r = paged32(`
  mov eax, 0x3000
  jmp eax`, cr4);
      r.w32(PT + 3 * 4, 0); // not present
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.u32(R_ERR)).toBe(err);
    }
  });
});

describe("SMAP (Intel SDM Vol. 3A §4.6.1)", () => {
  it("faults explicit supervisor reads and writes of user pages unless RFLAGS.AC = 1", () => {
    const read = paged32(`
  mov eax, [0x4000]
  hlt`, CR4_SMAP, [0x4000]);
    expect(read.run()).toBe(EXIT_HLT);
    expect(read.u32(R_ERR)).toBe(0x1);
    expect(read.u32(R_CR2)).toBe(0x4000);

    const write = paged32(`
  mov dword [0x4004], 1
  hlt`, CR4_SMAP, [0x4000]);
    expect(write.run()).toBe(EXIT_HLT);
    expect(write.u32(R_ERR)).toBe(0x3);
    expect(write.u32(R_CR2)).toBe(0x4004);

    const ac = paged32(`
  stac
  mov dword [0x4004], 7
  mov eax, [0x4004]
  clac
  hlt`, CR4_SMAP, [0x4000]);
    expect(ac.run()).toBe(EXIT_HLT);
    expect(ac.u32(R_PF)).toBe(0);
    expect(ac.r32(0)).toBe(7);
  });

  it("stops allowing the access once AC is cleared, though the translation was cached while AC = 1", () => {
    const r = paged32(`
  stac
  mov ecx, 100
warm:
  mov eax, [0x4000]           ; a hot, cached access with AC = 1
  add dword [0x4008], 1
  loop warm
  clac
  mov ebx, 0x4000
  mov eax, [ebx]
  hlt`, CR4_SMAP, [0x4000]);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(0x4008)).toBe(100);
    expect(r.u32(R_PF)).toBe(1);
    expect(r.u32(R_ERR)).toBe(0x1);
  });

  it("faults implicit supervisor accesses (a descriptor read from an LDT in a user page) even with AC = 1", () => {
    // LDT descriptor at GDT 0x58 → base 0x4000 (a user page), limit 0xf; LDT entry 1 = flat data.
    const ldt = 0x4000;
    const prep = (r: Runner) => {
      r.w32(GDT_BASE + 0x58, ((ldt & 0xffff) << 16) | 0xf);
      r.w32(GDT_BASE + 0x5c, (ldt & 0xff000000) | 0x8200 | ((ldt >>> 16) & 0xff));
      r.cpu.gdtrLimit = 0x5f;
      r.w32(ldt + 8, 0x0000ffff);
      r.w32(ldt + 12, 0x00cff300);
    };
    const body = `
  mov ax, 0x58
  lldt ax
  stac
  mov ax, 0x0f                ; LDT index 1, RPL 3
  mov fs, ax
  hlt`;
    const off = paged32(body, 0, [0x4000]);
    prep(off);
    expect(off.run()).toBe(EXIT_HLT);
    expect(off.u32(R_PF)).toBe(0);
    const on = paged32(body, CR4_SMAP, [0x4000]);
    prep(on);
    expect(on.run()).toBe(EXIT_HLT);
    expect(on.u32(R_PF)).toBe(1);
    expect(on.u32(R_ERR)).toBe(0x1); // a supervisor-mode read: U/S = 0
    expect(on.u32(R_CR2)).toBe(ldt + 8);
  });

  it("treats descriptor reads made at CPL 3 as supervisor accesses (#PF error code U/S = 0)", () => {
    const ldt = 0x4000;
    const r = paged32(`
  mov dword [${TSS_BASE + 4}], 0x9000
  mov dword [${TSS_BASE + 8}], 0x10
  mov ax, 0x58
  lldt ax
  mov ax, ${SEL_DATA32_R3}
  mov ds, ax
  mov es, ax
  push dword ${SEL_DATA32_R3}
  push dword 0x3ff0
  pushfd
  push dword ${SEL_CODE32_R3}
  push dword 0x3000
  iretd`, CR4_SMAP, [0x3000, 0x4000]);
    r.w32(GDT_BASE + 0x58, ((ldt & 0xffff) << 16) | 0xf);
    r.w32(GDT_BASE + 0x5c, 0x8200);
    r.cpu.gdtrLimit = 0x5f;
    r.w32(ldt + 8, 0x0000ffff);
    r.w32(ldt + 12, 0x00cff300);
    r.load(0x3000, [0x66, 0xb8, 0x0f, 0x00, 0x8e, 0xe0, 0xf4]); // mov ax, 0x0f; mov fs, ax; hlt (ring 3)
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_PF)).toBe(1);
    expect(r.u32(R_ERR)).toBe(0x1);
    expect(r.u32(R_CR2)).toBe(ldt + 8);
    expect(r.u32(R_EIP)).toBe(0x3004);
  });
});

describe("global pages and TLB invalidation (Intel SDM Vol. 3A §4.10.2.4, §4.10.4.1)", () => {
  // Linear 0x100000 maps physical 0x100000 (holding A) until the program points its PTE at
  // 0x101000 (holding B); what later reads return shows which translations were dropped.
  const A = 0xaaaa;
  const B = 0xbbbb;
  const PTE = PT + 0x100 * 4;
  function remap(between: string, g: boolean, cr4 = CR4_PGE): Runner {
    const r = paged32(`
  mov eax, [0x100000]
  mov dword [${PTE}], 0x101000 | 0x3 | ${g ? 0x100 : 0}
  mov ebx, [0x100000]
${between}
  mov ecx, [0x100000]
  hlt`, cr4);
    r.w32(PTE, 0x100000 | 0x3 | (g ? 0x100 : 0));
    r.w32(0x100000, A);
    r.w32(0x101000, B);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(A);
    expect(r.r32(3)).toBe(A); // not invalidated yet: the cached translation
    return r;
  }
  const movCr3 = "  mov edx, cr3\n  mov cr3, edx";

  it("MOV to CR3 drops non-global translations", () => {
    expect(remap(movCr3, false).r32(1)).toBe(B);
  });

  it("MOV to CR3 keeps a global page's translation (needs exec-system.ts MOV CR3 → Machine.setCr3)", () => {
    expect(remap(movCr3, true).r32(1)).toBe(A);
  });

  it("Machine.setCr3 (MOV to CR3) keeps global translations and drops the others", () => {
    for (const g of [true, false]) {
      const r = paged32(`
  mov eax, [0x100000]
  mov dword [${PTE}], 0x101000 | 0x3 | ${g ? 0x100 : 0}
  hlt
  mov ecx, [0x100000]
  hlt`, CR4_PGE);
      r.w32(PTE, 0x100000 | 0x3 | (g ? 0x100 : 0));
      r.w32(0x100000, A);
      r.w32(0x101000, B);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.cpu.setCr3(PD)).toBe(true);
      r.cpu.setRip(BigInt(r.rip() + 1));
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r32(1)).toBe(g ? A : B);
    }
  });

  it("a global page needs CR4.PGE: without it MOV CR3 drops it too", () => {
    expect(remap(movCr3, true, 0).r32(1)).toBe(B);
  });

  it("toggling CR4.PGE drops global translations", () => {
    expect(remap("  mov edx, cr4\n  and edx, ~0x80\n  mov cr4, edx\n  or edx, 0x80\n  mov cr4, edx", true).r32(1)).toBe(B);
  });

  it("INVLPG drops a global page's translation", () => {
    expect(remap("  invlpg [0x100000]", true).r32(1)).toBe(B);
  });

  it("INVLPG drops only the page it names (needs exec-system.ts INVLPG → Machine.invalidatePage)", () => {
    const r = paged32(`
  mov eax, [0x100000]
  mov eax, [0x102000]
  mov dword [${PTE}], 0x101000 | 0x3
  mov dword [${PTE + 8}], 0x103000 | 0x3
  invlpg [0x100000]
  mov ebx, [0x100000]
  mov ecx, [0x102000]
  hlt`, 0);
    r.w32(0x100000, A);
    r.w32(0x101000, B);
    r.w32(0x102000, A);
    r.w32(0x103000, B);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(B);
    expect(r.r32(1)).toBe(A);
  });

  it("Machine.invalidatePage in a large page drops every cached slice of it, and only its own page elsewhere", () => {
    // 0x100000 and 0x102000: 4 KiB pages; 0x400000-0x7fffff: one 4 MiB page (PSE).
    const r = paged32(`
  mov eax, [0x100000]
  mov eax, [0x102000]
  mov eax, [0x400000]
  mov eax, [0x401000]
  mov dword [${PTE}], 0x101000 | 0x3
  mov dword [${PTE + 8}], 0x103000 | 0x3
  mov dword [${PD + 4}], 0x800000 | 0x83
  hlt
  mov eax, [0x100000]
  mov ebx, [0x102000]
  mov ecx, [0x400000]
  mov edx, [0x401000]
  hlt`, CR4_PSE);
    r.w32(PD + 4, 0x400000 | 0x83);
    for (const [a, v] of [[0x100000, A], [0x101000, B], [0x102000, A], [0x103000, B], [0x400000, A], [0x401000, A], [0x800000, B], [0x801000, B]]) r.w32(a, v);
    expect(r.run()).toBe(EXIT_HLT);
    r.cpu.invalidatePage(0x100000);
    r.cpu.invalidatePage(0x7ff123); // in the 4 MiB page: both cached slices go
    r.cpu.setRip(BigInt(r.rip() + 1));
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(B); // named
    expect(r.r32(1)).toBe(B); // both slices of the 4 MiB page
    expect(r.r32(2)).toBe(B);
    // Not named, and not in the large page: its stale translation stays (the TLB is not emptied).
    expect(r.r32(3)).toBe(A);
  });
});

describe("the instruction TLB (Machine.loadCodePage): code pages found again without a walk", () => {
  // A function at 0x3000 is called, its page remapped to another frame, and called again: after
  // INVLPG or a MOV to CR3 the call must run the new frame's code, and a return to the caller's page
  // (a page made current before) must still land on the caller's code.
  const body = (flush: string) => `
  call 0x3000
  mov ebx, eax
  mov dword [${PT + 3 * 4}], 0x5000 | 0x3
  ${flush}
  call 0x3000
  hlt`;
  for (const [what, flush] of [["INVLPG", "invlpg [0x3000]"], ["MOV to CR3", `mov ecx, ${PD}\n  mov cr3, ecx`]] as const) {
    it(`runs the new frame's code after ${what}`, () => {
      const r = paged32(body(flush), 0);
      r.load(0x3000, [0xb8, 0x11, 0, 0, 0, 0xc3]); // mov eax, 0x11; ret
      r.load(0x5000, [0xb8, 0x22, 0, 0, 0, 0xc3]); // mov eax, 0x22; ret
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r32(3)).toBe(0x11);
      expect(r.r32(0)).toBe(0x22);
    });
  }
});


describe("INVLPG in a large page (Machine.largeRegions)", () => {
  it("drops a code page made current from a 4 MiB page when another address in that page is named", () => {
    // A function at 0x401000, in the 4 MiB page at 0x400000; the PDE is then pointed at another
    // frame and INVLPG names 0x7ff000 (same large page, another 4 KiB slice, another iTLB slot).
    const r = paged32(`
  call 0x401000
  mov ebx, eax
  mov dword [${PD + 4}], 0x800000 | 0x83
  invlpg [0x7ff000]
  call 0x401000
  hlt`, CR4_PSE);
    r.w32(PD + 4, 0x400000 | 0x83);
    r.load(0x401000, [0xb8, 0x11, 0, 0, 0, 0xc3]); // mov eax, 0x11; ret
    r.load(0x801000, [0xb8, 0x22, 0, 0, 0, 0xc3]); // mov eax, 0x22; ret
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(0x11);
    expect(r.r32(0)).toBe(0x22);
  });

  it("4-level paging: a 2 MiB page in the upper half loses its cached slices; another 2 MiB page keeps them", () => {
    // PML4[511] → PDPT 0x30000, PDPT[510] → PD 0x31000: linear 0xffffffff80000000. PD[0] and PD[1]
    // are 2 MiB pages at physical 0x200000 and 0x400000.
    const K = "0xffffffff80000000";
    const A = 0xaaaa;
    const B = 0xbbbb;
    const r = new Runner().asm(`bits 64
org ${ENTRY}
  mov rbx, ${K}
  mov eax, [rbx + 0x1000]
  mov eax, [rbx + 0x200000]
  mov qword [0x31000], 0x600000 | 0x83
  mov qword [0x31000 + 8], 0x600000 | 0x83
  invlpg [rbx + 0x1ff000]
  mov ecx, [rbx + 0x1000]
  mov edx, [rbx + 0x200000]
  hlt`, ENTRY).long64(ENTRY);
    r.w32(0x10000 + 511 * 8, 0x30000 | 0x3);
    r.w32(0x30000 + 510 * 8, 0x31000 | 0x3);
    r.w32(0x31000, 0x200000 | 0x83);
    r.w32(0x31000 + 8, 0x400000 | 0x83);
    r.w32(0x201000, A);
    r.w32(0x400000, A);
    r.w32(0x601000, B);
    r.w32(0x600000, B);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(1)).toBe(B); // named: the new frame
    expect(r.r32(2)).toBe(A); // the other large page: still the cached translation
  });
});

describe("reserved bits: #PF with RSVD (Intel SDM Vol. 3A §4.7)", () => {
  it("32-bit paging: bit 21 of a 4 MiB PDE", () => {
    const r = paged32(`
  mov eax, [0x400000]
  hlt`, CR4_PSE);
    r.w32(PD + 4, 0x400000 | 0x200000 | 0x83);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_ERR)).toBe(0x9);
    expect(r.u32(R_CR2)).toBe(0x400000);
  });

  /**
   * 4-level paging from the Runner's long64 state: PML4[1] → PDPT 0x30000 → PD 0x31000 → PT 0x32000
   * → physical 0x40000, at linear 0x8000000000. `edit` corrupts one entry; the #PF handler (64-bit
   * gate) leaves the error code in R15 and CR2 in R14.
   */
  function long4(edit: (r: Runner) => void, access = "mov rax, [rbx]", efer = 0xd01): Runner {
    const r = new Runner().asm(`bits 64
org ${ENTRY}
  mov rsp, 0x9000
  lidt [rel idtr]
  mov rbx, 0x8000000000 + 0x208000 + 0x1000 * 0
  ${access}
  mov r13, 1
  hlt
idtr: dw 16*256-1
      dq 0x5000
  times 0x100-($-$$) db 0
  pop r15
  mov r14, cr2
  hlt`, ENTRY).long64(ENTRY);
    r.cpu.efer = efer;
    r.w32(0x5000 + 14 * 16, (0x28 << 16) | ((ENTRY + 0x100) & 0xffff));
    r.w32(0x5000 + 14 * 16 + 4, ((ENTRY + 0x100) & 0xffff0000) | 0x8e00);
    r.w32(0x10000 + 8, 0x30000 | 0x7);
    r.w32(0x30000, 0x31000 | 0x7);
    r.w32(0x31000 + 8, 0x32000 | 0x7); // linear 0x8000200000 → PT
    r.w32(0x32000 + 8 * 8, 0x40000 | 0x7); // + 0x8000 → physical 0x40000
    r.w32(0x40000, 0x5a5a);
    edit(r);
    r.r(0);
    return r;
  }
  const hi = (r: Runner, a: number, v: number) => r.w32(a + 4, v);

  it("4-level paging maps the test page when nothing is reserved", () => {
    const r = long4(() => {});
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(13)).toBe(1n);
    expect(r.r(0)).toBe(0x5a5an);
  });

  const cases: [string, (r: Runner) => void, number][] = [
    ["bit 51 of a PTE (above MAXPHYADDR = 48)", (r) => hi(r, 0x32000 + 64, 0x80000), 0x9],
    ["bit 48 of a PDE", (r) => hi(r, 0x31000 + 8, 0x10000), 0x9],
    ["bit 50 of a PDPTE", (r) => hi(r, 0x30000, 0x40000), 0x9],
    ["bit 49 of a PML4E", (r) => hi(r, 0x10000 + 8, 0x20000), 0x9],
    ["PS in a PML4E", (r) => r.w32(0x10000 + 8, 0x30000 | 0x87), 0x9],
    ["bit 13 of a 2 MiB PDE", (r) => r.w32(0x31000 + 8, 0x200000 | 0x2000 | 0x87), 0x9],
    ["bit 13 of a 1 GiB PDPTE", (r) => r.w32(0x30000, 0x2000 | 0x87), 0x9],
  ];
  for (const [what, edit, err] of cases) {
    it(`4-level paging: ${what}`, () => {
      const r = long4(edit);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r(15)).toBe(BigInt(err));
      expect(r.r(14)).toBe(0x8000208000n);
    });
  }

  it("a write access sets W/R with RSVD; a not-present entry never reports RSVD", () => {
    const w = long4((r) => hi(r, 0x32000 + 64, 0x80000), "mov [rbx], eax");
    expect(w.run()).toBe(EXIT_HLT);
    expect(w.r(15)).toBe(0xbn);
    const np = long4((r) => { r.w32(0x32000 + 64, 0x40000 | 0x6); hi(r, 0x32000 + 64, 0x80000); });
    expect(np.run()).toBe(EXIT_HLT);
    expect(np.r(15)).toBe(0x0n);
  });

  it("XD (bit 63) is reserved while EFER.NXE = 0", () => {
    const r = long4((r) => hi(r, 0x32000 + 64, 0x80000000), "mov rax, [rbx]", 0x501);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(15)).toBe(0x9n);
    const nx = long4((r) => hi(r, 0x32000 + 64, 0x80000000));
    expect(nx.run()).toBe(EXIT_HLT);
    expect(nx.r(13)).toBe(1n); // readable with NXE = 1
  });

  it("1 GiB pages map their whole range (CPUID pdpe1gb)", () => {
    const r = long4((r) => r.w32(0x30000, 0x87)); // linear 0x8000000000 → physical 0 (1 GiB)
    r.w32(0x208000, 0x1234);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(0x1234n);
  });
});

describe("PAE PDPTE registers (Intel SDM Vol. 3A §4.4.1)", () => {
  const PDPT = 0x20000;
  const PAE_PD = 0x22000;
  const PAE_PT = 0x23000;
  /** PAE paging: PDPTE 0 → PD → PT identity-mapping the first 2 MiB; PDPTE 1 → PD 0x24000 mapping 1 GiB + 0 → physical 0x400000 (2 MiB page); PD 0x25000 maps it to 0x600000. */
  function pae(body: string): Runner {
    const r = new Runner().asm(source32(body), ENTRY).flat32(ENTRY);
    r.w32(PDPT, PAE_PD | 1);
    r.w32(PAE_PD, PAE_PT | 3);
    for (let i = 0; i < 512; i++) r.w32(PAE_PT + i * 8, (i << 12) | 3);
    r.w32(PDPT + 8, 0x24000 | 1);
    r.w32(0x24000, 0x400000 | 0x83);
    r.w32(0x25000, 0x600000 | 0x83);
    r.w32(0x400000, 0x1111);
    r.w32(0x401000, 0x1111);
    r.w32(0x600000, 0x2222);
    r.cpu.cr3 = BigInt(PDPT);
    r.cpu.cr4 = CR4_PAE;
    r.cpu.cr0 = (r.cpu.cr0 | CR0_PG) | 0;
    return r;
  }

  it("walks use the loaded PDPTEs until CR3 is written again", () => {
    const r = pae(`
  mov eax, [0x40000000]
  mov dword [${PDPT + 8}], 0x25000 | 1
  mov ebx, [0x40001000]        ; a page not in the TLB: still through the old PDPTE
  mov edx, cr3
  mov cr3, edx
  mov ecx, [0x40000000]
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(0x1111);
    expect(r.r32(3)).toBe(0x1111);
    expect(r.r32(1)).toBe(0x2222);
  });

  it("Machine.setCr3 raises #GP(0) and keeps CR3 when a present PDPTE has a reserved bit", () => {
    const r = pae(`
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    r.w32(0x26000, PAE_PD | 1);
    r.w32(0x26008, 0x24000 | 1 | 0x2); // bit 1 reserved
    expect(r.cpu.setCr3(0x26000)).toBe(false);
    expect(r.cpu.fault).toBe(1);
    expect(r.cpu.faultVector).toBe(13);
    expect(r.cpu.faultCode).toBe(0);
    expect(r.cpu.cr3).toBe(BigInt(PDPT));
    r.cpu.fault = 0;
    r.w32(0x26008, 0x24000 | 1);
    r.w32(0x26010, 0x2 | 0x4); // not present: its other bits are not checked
    expect(r.cpu.setCr3(0x26000)).toBe(true);
    expect(r.cpu.cr3).toBe(0x26000n);
  });

  it("MOV to CR3 with a reserved bit in a present PDPTE is #GP(0) (needs exec-system.ts MOV CR3 → Machine.setCr3)", () => {
    const r = pae(`
  mov eax, 0x26000
  mov cr3, eax
  hlt`);
    r.w32(0x26000, PAE_PD | 1);
    r.w32(0x26008, 0x24000 | 1 | 0x100);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_GP)).toBe(1);
    expect(r.cpu.cr3).toBe(BigInt(PDPT));
  });

  it("PDPTEs loaded without the check (host-set CR3) fault their walks with RSVD instead", () => {
    const r = pae(`
  mov eax, [0xc0000000]
  hlt`);
    r.w32(PDPT + 24, 0x24000 | 1 | 0x20); // bit 5 is reserved in a PAE PDPTE
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.u32(R_ERR)).toBe(0x9);
    expect(r.u32(R_CR2)).toBe(0xc0000000);
  });

  it("Machine.loadPdptesForControlWrite checks only when PAE paging will be in use and a listed bit changes", () => {
    const r = pae(`
  hlt`);
    expect(r.run()).toBe(EXIT_HLT);
    r.w32(PDPT + 8, 0x24000 | 1 | 0x4);
    const cr0 = r.cpu.cr0;
    expect(r.cpu.loadPdptesForControlWrite(cr0, CR4_PAE | CR4_PSE)).toBe(false); // PSE changes
    expect(r.cpu.faultVector).toBe(13);
    r.cpu.fault = 0;
    expect(r.cpu.loadPdptesForControlWrite(cr0, CR4_PAE | 0x400)).toBe(true); // OSXMMEXCPT: not listed
    expect(r.cpu.loadPdptesForControlWrite(cr0 & ~CR0_PG, CR4_PAE)).toBe(true); // paging off
    void SEL_CODE32_R3;
  });
});
