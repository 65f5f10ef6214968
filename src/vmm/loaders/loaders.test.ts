/**
 * The flat and ELF loaders: validation (every malformed image gets a reason, nothing is planned), and
 * each start state end to end through the VMM, the kernel model and the CPU. The boot-sector path is
 * also compared with QEMU by src/cli/cli.test.ts (guests/journey-boot.asm).
 */
import { describe, expect, it } from "vitest";
import { nasm } from "../../testing/nasm";
import { createKernel } from "../../zircon";
import { Machine } from "../machine";
import type { BootSpec } from "../api";
import { planElf } from "./elf";
import { planFlat } from "./flat";
import { planLinux } from "./linux";
import { bzImage } from "./test-bzimage";

const RAM = 32 * 1024 * 1024;

async function boot(spec: BootSpec): Promise<{ out: string; status: number | null; error?: string }> {
  let out = "";
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 32 }, { console: (b) => (out += Buffer.from(b).toString("latin1")) });
  if (typeof m === "string") throw new Error(m);
  const err = m.load(spec);
  if (err) return { out, status: null, error: err };
  const r = await m.run(1_000_000);
  m.dispose();
  return { out, status: r.kind === "exit-device" ? r.exitStatus : null, error: r.kind === "error" ? r.message : undefined };
}

/** Prints `tag` then the listed registers (as 8 hex digits, via a loop in the guest) and exits with 0. */
const PRINT32 = `
    mov ecx, 8
.d: rol eax, 4
    push eax
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 7
.o: out 0xe9, al
    pop eax
    loop .d
    ret`;

/** A minimal ELF64 executable: one PT_LOAD at `paddr` (virtual `vaddr`) holding `code`. */
function elf64(code: Uint8Array, paddr: number, vaddr = paddr, entry = vaddr): Uint8Array {
  const hdr = 64 + 56;
  const img = new Uint8Array(hdr + code.length);
  const dv = new DataView(img.buffer);
  img.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 62, true); // EM_X86_64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(entry), true);
  dv.setBigUint64(32, 64n, true); // e_phoff
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  const p = 64;
  dv.setUint32(p, 1, true); // PT_LOAD
  dv.setUint32(p + 4, 7, true);
  dv.setBigUint64(p + 8, BigInt(hdr), true); // p_offset
  dv.setBigUint64(p + 16, BigInt(vaddr), true);
  dv.setBigUint64(p + 24, BigInt(paddr), true);
  dv.setBigUint64(p + 32, BigInt(code.length), true);
  dv.setBigUint64(p + 40, BigInt(code.length + 0x1000), true); // with a bss page
  img.set(code, hdr);
  return img;
}

describe("flat images", () => {
  it("real mode: CS:IP = 0000:7C00, DL = 0x80, SP = the load address, 16-bit code", async () => {
    const code = nasm(`bits 16\norg 0x7c00\nmov ax, cs\nout 0xe9, al\nmov al, ah\nout 0xe9, al\nmov ax, sp\nout 0xe9, al\nmov al, ah\nout 0xe9, al\nmov al, dl\nout 0xe9, al\nmov ax, [here]\nout 0xe9, al\nxor al, al\nout 0xf4, al\nhere: dw 0x5a`);
    const r = await boot({ boot: "flat", image: code });
    expect(r.error).toBeUndefined();
    expect([...Buffer.from(r.out, "latin1")]).toEqual([0x00, 0x00, 0x00, 0x7c, 0x80, 0x5a]);
    expect(r.status).toBe(1);
  });

  it("real mode above 64 KiB: CS = entry >> 4 with its low 12 bits clear, IP = the low 16 bits", async () => {
    const code = nasm(`bits 16\nmov ax, cs\nout 0xe9, al\nmov al, ah\nout 0xe9, al\nxor al, al\nout 0xf4, al`);
    const r = await boot({ boot: "flat", image: code, load: 0x12340, mode: "real" });
    expect([...Buffer.from(r.out, "latin1")]).toEqual([0x00, 0x10]); // CS = 0x1000, IP = 0x2340
    expect(r.status).toBe(1);
  });

  it("protected mode: flat 32-bit segments, paging off, at --entry", async () => {
    const code = nasm(`bits 32\norg 0x200000\njmp start\ntimes 16 db 0\nstart:\nmov esp, 0x200000\nmov eax, cs\ncall p\nmov eax, cr0\ncall p\nxor al, al\nout 0xf4, al\np:${PRINT32}`);
    const r = await boot({ boot: "flat", image: code, mode: "protected", load: 0x200000, entry: 0x200012 });
    expect(r.error).toBeUndefined();
    expect(r.out).toBe("0000000800000011");
    expect(r.status).toBe(1);
  });

  it("long mode: Zircon's 64-bit start on identity tables that reach 4 GiB", async () => {
    const code = nasm(`bits 64\norg 0x100000\nmov rax, cr3\nout 0xe9, al\nmov eax, [0x1018]\nshr eax, 24\nout 0xe9, al\nmov al, [0x1018]\nout 0xe9, al\nmov rax, 1 << 40\nshr rax, 40\nout 0xe9, al\nxor al, al\nout 0xf4, al`);
    const r = await boot({ boot: "flat", image: code, mode: "long", load: 0x100000 });
    // CR3 = 0; PDPT[3] maps 3 GiB with a 1 GiB page (P|RW|U|PS); 64-bit registers work.
    expect([...Buffer.from(r.out, "latin1")]).toEqual([0x00, 0xc0, 0x87, 0x01]);
    expect(r.status).toBe(1);
  });

  it("refuses what cannot be loaded, naming the problem", () => {
    expect(planFlat(new Uint8Array(0), { ramBytes: RAM })).toMatch(/empty/);
    expect(planFlat(new Uint8Array(16), { ramBytes: RAM, load: RAM - 8 })).toMatch(/does not fit in guest RAM/);
    expect(planFlat(new Uint8Array(16), { ramBytes: RAM, entry: 0x200000 })).toMatch(/beyond what real mode can reach/);
    expect(planFlat(new Uint8Array(16), { ramBytes: RAM, mode: "long", load: 0x1000 })).toMatch(/overlaps the boot page tables/);
    expect(planFlat(new Uint8Array(16), { ramBytes: RAM, mode: "protected", entry: RAM + 4 })).toMatch(/outside guest RAM/);
  });
});

describe("ELF images", () => {
  it("ELF64: segments at p_paddr, bss zeroed, entered in 64-bit mode at the physical entry", async () => {
    const code = nasm(`bits 64\nmov eax, [rel bss]\nadd eax, 0x40\nout 0xe9, al\nmov al, 'L'\nout 0xe9, al\nxor al, al\nout 0xf4, al\nbss: equ $ + 0x800`);
    // Linked at a high virtual address with a low physical one, as kernels are: the entry is translated.
    const img = elf64(code, 0x200000, 0xffffffff80200000, 0xffffffff80200000);
    const r = await boot({ boot: "elf", image: img });
    expect(r.error).toBeUndefined();
    expect(r.out).toBe("@L");
    expect(r.status).toBe(1);
  });

  it("ELF32 through --boot elf is entered in 32-bit protected mode", async () => {
    // The Multiboot hello guest is also a plain ELF32: booted without the Multiboot state, it says so.
    const { readFileSync } = await import("node:fs");
    const img = new Uint8Array(readFileSync(`${__dirname}/../../../public/guests/hello.elf`));
    const r = await boot({ boot: "elf", image: img });
    expect(r.out).toContain("Not booted by Multiboot!");
    expect(r.status).toBe(1);
  });

  it("refuses malformed images before planning anything", () => {
    const good = elf64(new Uint8Array([0xf4]), 0x200000);
    const bad = (f: (b: Uint8Array, dv: DataView) => void) => {
      const b = good.slice();
      f(b, new DataView(b.buffer));
      return planElf(b, { ramBytes: RAM });
    };
    expect(planElf(good, { ramBytes: RAM })).toMatchObject({ vcpuEntry: 0x200000 });
    expect(planElf(new Uint8Array(10), { ramBytes: RAM })).toMatch(/too short/);
    expect(bad((b) => (b[1] = 0))).toMatch(/magic/);
    expect(bad((b) => (b[4] = 3))).toMatch(/class/);
    expect(bad((_b, dv) => dv.setUint16(16, 3, true))).toMatch(/ET_EXEC/);
    expect(bad((_b, dv) => dv.setUint16(18, 3, true))).toMatch(/EM_X86_64/);
    expect(bad((_b, dv) => dv.setUint16(56, 0, true))).toMatch(/no program headers/);
    expect(bad((_b, dv) => dv.setBigUint64(32, 0x10000n, true))).toMatch(/run past the end/);
    expect(bad((_b, dv) => dv.setBigUint64(64 + 32, 0x100000n, true))).toMatch(/p_filesz .* larger than p_memsz|run past the end/);
    expect(bad((_b, dv) => dv.setBigUint64(64 + 24, BigInt(RAM), true))).toMatch(/does not fit in guest RAM/);
    expect(bad((_b, dv) => dv.setBigUint64(64 + 24, 0x1000n, true))).toMatch(/overlaps the boot page tables/);
    expect(bad((_b, dv) => dv.setBigUint64(24, 0x900000n, true))).toMatch(/entry 0x900000 is in no loadable segment/);
    expect(bad((_b, dv) => dv.setUint32(64, 4, true))).toMatch(/no loadable segment/);
  });
});


describe("Linux boot protocol (64-bit entry)", () => {
  // The "kernel" reports what a real one reads from boot_params (RSI): E820 count, type_of_loader,
  // code32_start's high byte, the command line, the initrd's first bytes and size, then exits.
  const kernel = nasm(`bits 64
    mov al, [rsi + 0x1e8]
    out 0xe9, al
    mov al, [rsi + 0x210]
    out 0xe9, al
    mov al, [rsi + 0x217]
    out 0xe9, al
    mov ebx, [rsi + 0x228]
.c: mov al, [rbx]
    test al, al
    jz .i
    out 0xe9, al
    inc rbx
    jmp .c
.i: mov ebx, [rsi + 0x218]
    mov al, [rbx]
    out 0xe9, al
    mov al, [rbx + 1]
    out 0xe9, al
    mov al, [rsi + 0x21c]
    out 0xe9, al
    mov eax, [rsi + 0x2d0 + 20 * 2 + 8]
    shr eax, 20
    out 0xe9, al
    lea rax, [rel $]
    shr eax, 24
    out 0xe9, al
    xor al, al
    out 0xf4, al`);

  it("boots at pref_address + 0x200 with RSI = boot_params: E820, loader type, command line, initrd", async () => {
    const initrd = new Uint8Array(5000).fill(0x21);
    initrd[0] = 0x30;
    const r = await boot({ boot: "linux", image: bzImage(kernel), cmdline: "console=ttyS0", initrd });
    expect(r.error).toBeUndefined();
    // 3 E820 entries; loader 0xff; kernel at 16 MiB; the command line; initrd bytes "0!"; size & 0xff;
    // the RAM entry from 1 MiB is 31 MiB long; the code runs at 0x01xxxxxx.
    expect([...Buffer.from(r.out, "latin1")]).toEqual([3, 0xff, 0x01, ...Buffer.from("console=ttyS0"), 0x30, 0x21, 5000 & 0xff, 31, 0x01]);
    expect(r.status).toBe(1);
  });

  it("refuses images that are not bzImages a 64-bit entry can boot", () => {
    const ram = 32 * 1024 * 1024;
    const plan = (f: (dv: DataView) => void, o: { cmdline?: string; initrd?: Uint8Array } = {}) => planLinux(bzImage(kernel, f), { ramBytes: ram, ...o });
    expect(plan(() => {})).toMatchObject({ vcpuEntry: 0x1000200, registers: { rsi: 0x7000 } });
    expect(planLinux(new Uint8Array(100), { ramBytes: ram })).toMatch(/too short/);
    expect(plan((dv) => dv.setUint16(0x1fe, 0, true))).toMatch(/0xAA55/);
    expect(plan((dv) => dv.setUint32(0x202, 0, true))).toMatch(/HdrS/);
    expect(plan((dv) => dv.setUint16(0x206, 0x0209, true))).toMatch(/protocol 2\.09 is too old/);
    expect(plan((dv) => dv.setUint16(0x236, 0, true))).toMatch(/XLF_KERNEL_64/);
    expect(plan((dv) => dv.setUint32(0x260, 0x4000000, true))).toMatch(/does not fit in guest RAM/);
    expect(plan(() => {}, { cmdline: "x".repeat(3000) })).toMatch(/at most 2047/);
    expect(plan(() => {}, { initrd: new Uint8Array(20 * 1024 * 1024) })).toMatch(/does not fit between the kernel/);
  });
});
