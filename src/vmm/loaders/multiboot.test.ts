import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nasm } from "../../testing/nasm";
import { MULTIBOOT_TRAMPOLINE } from "./multiboot-trampoline.generated";
import { e820Map, INFO_ADDR, MMAP_ADDR, parseMultiboot, planMultiboot, TRAMPOLINE_ENTRY } from "./multiboot";

const elfHeader = readFileSync(new URL("../../../guests/include/multiboot-elf.inc", import.meta.url), "utf8");
const MiB = 1024 * 1024;

/** A Multiboot ELF32 kernel built with the guests' own header include. */
function elfKernel(body = "_start: hlt", prelude = "BSS_SIZE equ 0x1000"): Uint8Array {
  return nasm(`${prelude}\n${elfHeader}\n${body}\nELF_END\n`);
}

/** An a.out-kludge kernel: header flag 16 with explicit load addresses. */
function aoutKernel(fields: { load?: string; loadEnd?: string; bssEnd?: string; entry?: string } = {}): Uint8Array {
  return nasm(`bits 32
org 0x200000
start:
    jmp _start
    align 4
header:
    dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
    dd header                      ; header_addr
    dd ${fields.load ?? "start"}   ; load_addr
    dd ${fields.loadEnd ?? "end"}  ; load_end_addr
    dd ${fields.bssEnd ?? "end + 0x2000"} ; bss_end_addr
    dd ${fields.entry ?? "_start"} ; entry_addr
_start:
    mov eax, 1
    hlt
end:
`);
}

const opts = (extra: Partial<Parameters<typeof planMultiboot>[1]> = {}) => ({ ramBytes: 128 * MiB, trampoline: MULTIBOOT_TRAMPOLINE, ...extra });

describe("parseMultiboot", () => {
  it("reads an ELF32 kernel's PT_LOAD segment, bss and entry", () => {
    const img = elfKernel();
    const k = parseMultiboot(img);
    if (typeof k === "string") throw new Error(k);
    expect(k.format).toBe("elf32");
    expect(k.low).toBe(0x100000);
    expect(k.high).toBe(0x100000 + img.length + 0x1000);
    expect(k.segments).toHaveLength(1);
    expect(k.segments[0].data.length).toBe(img.length);
    expect(k.entry).toBeGreaterThan(0x100000);
    expect(img[k.entry - 0x100000]).toBe(0xf4); // hlt at _start
  });

  it("reads an a.out-kludge kernel from the header's address fields", () => {
    const img = aoutKernel();
    const k = parseMultiboot(img);
    if (typeof k === "string") throw new Error(k);
    expect(k.format).toBe("aout-kludge");
    expect(k.low).toBe(0x200000);
    expect(k.segments[0].data.length).toBe(img.length);
    expect(k.high).toBe(0x200000 + img.length + 0x2000);
    expect(k.entry).toBe(0x200000 + img.indexOf(0xb8)); // mov eax, 1
  });

  it("rejects broken images with a reason", () => {
    expect(parseMultiboot(new Uint8Array(8))).toMatch(/too short/);
    expect(parseMultiboot(new Uint8Array(9000))).toMatch(/no Multiboot header/);
    const badSum = elfKernel().slice();
    const at = badSum.findIndex((_, i) => i % 4 === 0 && new DataView(badSum.buffer).getUint32(i, true) === 0x1badb002);
    badSum[at + 8] ^= 1;
    expect(parseMultiboot(badSum)).toMatch(/checksum/);
    // The header must start in the first 8192 bytes.
    const late = nasm(`times 8192 db 0\ndd 0x1BADB002, 0, -0x1BADB002\n`);
    expect(parseMultiboot(late)).toMatch(/no Multiboot header/);
    const unknown = nasm(`dd 0x1BADB002, 0x8, -(0x1BADB002 + 8)\n`);
    expect(parseMultiboot(unknown)).toMatch(/requires features/);
    const notElf = nasm(`dd 0x1BADB002, 0, -0x1BADB002\ntimes 60 db 0\n`);
    expect(parseMultiboot(notElf)).toMatch(/not ELF/);
  });

  it("refuses ELF64, truncated segments and entries outside the image", () => {
    const elf64 = elfKernel().slice();
    elf64[4] = 2;
    expect(parseMultiboot(elf64)).toMatch(/ELF64/);
    const truncated = elfKernel("_start: hlt\ntimes 64 db 0");
    expect(parseMultiboot(truncated.subarray(0, truncated.length - 4))).toMatch(/run past the end/);
    expect(parseMultiboot(aoutKernel({ entry: "end + 0x10" }))).toMatch(/entry point .* outside/);
    expect(parseMultiboot(aoutKernel({ loadEnd: "start - 4" }))).toMatch(/load_end_addr .* below load_addr/);
    expect(parseMultiboot(aoutKernel({ bssEnd: "end - 4" }))).toMatch(/bss_end_addr/);
    expect(parseMultiboot(aoutKernel({ load: "header + 4" }))).toMatch(/header_addr .* below load_addr/);
  });
});

describe("planMultiboot", () => {
  it("builds the information structure and memory map QEMU's -kernel builds (recorded: guests/expected/mbinfo.txt)", () => {
    const img = elfKernel();
    const plan = planMultiboot(img, opts({ imageName: "k.elf", cmdline: "console=ttyS0" }));
    if (typeof plan === "string") throw new Error(plan);
    const mem = new Uint8Array(128 * MiB);
    for (const w of plan.writes) mem.set(w.bytes, w.gpa);
    const dv = new DataView(mem.buffer);
    const u32 = (a: number) => dv.getUint32(a, true);
    expect(plan.infoAddr).toBe(INFO_ADDR);
    expect(u32(INFO_ADDR)).toBe(0x24f);
    expect(u32(INFO_ADDR + 4)).toBe(639);
    expect(u32(INFO_ADDR + 8)).toBe(0x1fb80);
    expect(u32(INFO_ADDR + 12)).toBe(0x8000ffff);
    expect(u32(INFO_ADDR + 20)).toBe(0);
    expect(u32(INFO_ADDR + 44)).toBe(144);
    expect(u32(INFO_ADDR + 48)).toBe(MMAP_ADDR);
    const cstr = (a: number) => new TextDecoder().decode(mem.subarray(a, mem.indexOf(0, a)));
    expect(cstr(u32(INFO_ADDR + 16))).toBe("k.elf console=ttyS0");
    expect(cstr(u32(INFO_ADDR + 64))).toBe("hvplay");
    // The command line sits in the page after the kernel (QEMU: mb_buf_phys + page-aligned kernel size).
    expect(u32(INFO_ADDR + 16)).toBe(0x100000 + Math.ceil((img.length + 0x1000) / 4096) * 4096);
    const entries: string[] = [];
    for (let a = MMAP_ADDR; a < MMAP_ADDR + 144; a += 24) {
      expect(u32(a)).toBe(20);
      entries.push(`${dv.getBigUint64(a + 4, true).toString(16)} ${dv.getBigUint64(a + 12, true).toString(16)} ${u32(a + 20)}`);
    }
    expect(entries).toEqual(["0 9fc00 1", "9fc00 400 2", "f0000 10000 2", "100000 7ee0000 1", "7fe0000 20000 2", "fffc0000 40000 2"]);
    // Identity map for the trampoline, the trampoline itself, and the VCPU's start.
    expect(dv.getBigUint64(0, true)).toBe(0x1007n);
    expect(dv.getBigUint64(0x1000, true)).toBe(0x87n);
    expect(mem.subarray(0x7000, 0x7000 + MULTIBOOT_TRAMPOLINE.length)).toEqual(MULTIBOOT_TRAMPOLINE);
    expect(plan.vcpuEntry).toBe(TRAMPOLINE_ENTRY);
    expect(plan.registers).toEqual({ rsi: plan.kernel.entry, rbp: INFO_ADDR });
  });

  it("scales the map with RAM as SeaBIOS does", () => {
    expect(e820Map(16 * MiB)[3]).toEqual({ base: 0x100000, length: 0xee0000, type: 1 });
    expect(e820Map(16 * MiB)[4]).toEqual({ base: 0xfe0000, length: 0x20000, type: 2 });
  });

  it("refuses kernels that do not fit or that overlap the VMM's low-memory areas", () => {
    expect(planMultiboot(elfKernel("_start: hlt", "BSS_SIZE equ 0x2000000"), opts({ ramBytes: 16 * MiB }))).toMatch(/does not fit in guest RAM/);
    expect(planMultiboot(elfKernel("_start: hlt\n", "%define LOAD_ADDR 0x7000\nBSS_SIZE equ 0"), opts())).toMatch(/boot trampoline/);
    expect(planMultiboot(elfKernel("_start: hlt\n", "%define LOAD_ADDR 0x1000\nBSS_SIZE equ 0"), opts())).toMatch(/page tables/);
    expect(planMultiboot(elfKernel("_start: hlt\n", "%define LOAD_ADDR 0xb8000\nBSS_SIZE equ 0"), opts())).toMatch(/legacy/);
    expect(planMultiboot(elfKernel(), opts({ ramBytes: MiB }))).toMatch(/at least 2 MiB/);
    expect(planMultiboot(elfKernel("_start: hlt\n", "%define LOAD_ADDR 0x10000\nBSS_SIZE equ 0"), opts())).not.toBeTypeOf("string");
  });
});
