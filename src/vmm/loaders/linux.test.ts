/**
 * What the Linux loader gives the kernel beyond the boot protocol's basics (loaders.test.ts boots a
 * stub through them): the ACPI tables of acpi.ts in the BIOS area, and boot_params.acpi_rsdp_addr.
 * A stock kernel needs the MADT to pick its x2APIC driver (see acpi.ts).
 */
import { describe, expect, it } from "vitest";
import { acpiSum, buildAcpiTables } from "../acpi";
import { DEFAULT_ACPI, linuxE820, planLinux, RNG_SEED_MAX, SETUP_DATA_ADDR, SETUP_RNG_SEED, ZERO_PAGE } from "./linux";
import { bzImage } from "./test-bzimage";


describe("planLinux: firmware tables", () => {
  const plan = planLinux(bzImage(new Uint8Array([0xf4])), { ramBytes: 64 * 1024 * 1024, cmdline: "console=ttyS0" });
  if (typeof plan === "string") throw new Error(plan);
  const at = (gpa: number) => plan.writes.find((w) => w.gpa === gpa);

  it("writes the ACPI tables at 0xE0000 and points boot_params.acpi_rsdp_addr (0x070) at the RSDP", () => {
    const acpi = at(0xe0000);
    expect(acpi).toBeDefined();
    expect(acpi!.bytes).toEqual(buildAcpiTables(DEFAULT_ACPI).bytes);
    expect(String.fromCharCode(...acpi!.bytes.subarray(0, 8))).toBe("RSD PTR ");
    expect(acpiSum(acpi!.bytes.subarray(0, 20))).toBe(0);
    const zero = at(ZERO_PAGE)!.bytes;
    expect(new DataView(zero.buffer, zero.byteOffset).getBigUint64(0x070, true)).toBe(0xe0000n);
  });

  it("keeps the tables inside a reserved E820 range, so the kernel does not reuse their memory", () => {
    const acpi = at(0xe0000)!;
    const end = 0xe0000 + acpi.bytes.length;
    const holder = linuxE820(64 * 1024 * 1024).find((e) => e.base <= 0xe0000 && end <= e.base + e.length);
    expect(holder?.type).toBe(2);
  });

  it("describes the machine it is given: an IO-APIC elsewhere, two CPUs", () => {
    const p = planLinux(bzImage(new Uint8Array([0xf4])), { ramBytes: 64 * 1024 * 1024, acpi: { ioApicAddress: 0xfec01000, ioApicId: 1, cpus: 2 } });
    if (typeof p === "string") throw new Error(p);
    expect(p.writes.find((w) => w.gpa === 0xe0000)!.bytes).toEqual(buildAcpiTables({ ioApicAddress: 0xfec01000, ioApicId: 1, cpus: 2 }).bytes);
  });
});

/**
 * A vmlinux-shaped ELF64: text at 16 MiB, a per-CPU segment linked at virtual 0 (as x86-64 kernels
 * have), data after it with a .bss, entered at the physical address of startup_64.
 */
function vmlinux(): Uint8Array {
  const segs = [
    { vaddr: 0xffffffff81000000n, paddr: 0x1000000, bytes: [0xf4, 0x90, 0x90, 0x90], memsz: 0x1000 },
    { vaddr: 0n, paddr: 0x1200000, bytes: [1, 2, 3, 4], memsz: 0x100 },
    { vaddr: 0xffffffff81400000n, paddr: 0x1400000, bytes: [5, 6], memsz: 0x3000 },
  ];
  const hdr = 64 + segs.length * 56;
  const img = new Uint8Array(hdr + 16 * segs.length);
  const dv = new DataView(img.buffer);
  img.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true);
  dv.setUint16(18, 62, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0x1000000n, true);
  dv.setBigUint64(32, 64n, true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, segs.length, true);
  segs.forEach((s, i) => {
    const p = 64 + i * 56;
    const off = hdr + 16 * i;
    dv.setUint32(p, 1, true);
    dv.setUint32(p + 4, 7, true);
    dv.setBigUint64(p + 8, BigInt(off), true);
    dv.setBigUint64(p + 16, s.vaddr, true);
    dv.setBigUint64(p + 24, BigInt(s.paddr), true);
    dv.setBigUint64(p + 32, BigInt(s.bytes.length), true);
    dv.setBigUint64(p + 40, BigInt(s.memsz), true);
    img.set(s.bytes, off);
  });
  return img;
}

describe("planLinux: an uncompressed vmlinux (ELF64)", () => {
  const ram = 64 * 1024 * 1024;
  const initrd = new Uint8Array(10000).fill(7);
  const plan = planLinux(vmlinux(), { ramBytes: ram, cmdline: "console=ttyS0", initrd });
  if (typeof plan === "string") throw new Error(plan);
  const at = (gpa: number) => plan.writes.find((w) => w.gpa === gpa);
  const zero = at(ZERO_PAGE)!.bytes;
  const z = new DataView(zero.buffer, zero.byteOffset);

  it("puts each segment at its physical address and enters at e_entry with RSI = boot_params", () => {
    expect(Array.from(at(0x1000000)!.bytes)).toEqual([0xf4, 0x90, 0x90, 0x90]);
    expect(Array.from(at(0x1200000)!.bytes)).toEqual([1, 2, 3, 4]);
    expect(Array.from(at(0x1400000)!.bytes)).toEqual([5, 6]);
    expect(plan.vcpuEntry).toBe(0x1000000);
    expect(plan.registers).toEqual({ rsi: ZERO_PAGE });
  });

  it("writes a setup header the kernel reads (a vmlinux has none): HdrS, protocol 2.15, loader 0xFF, command line", () => {
    expect(z.getUint16(0x1fe, true)).toBe(0xaa55);
    expect(z.getUint32(0x202, true)).toBe(0x53726448);
    expect(z.getUint16(0x206, true)).toBe(0x20f);
    expect(zero[0x210]).toBe(0xff);
    expect(zero[0x211] & 1).toBe(1); // LOADED_HIGH
    expect(z.getUint32(0x228, true)).toBe(0x20000);
    expect(new TextDecoder().decode(at(0x20000)!.bytes)).toBe("console=ttyS0\0");
    expect(z.getBigUint64(0x070, true)).toBe(0xe0000n);
    expect(zero[0x1e8]).toBe(linuxE820(ram).length);
  });

  it("places the initrd at the top of RAM, above the whole kernel image (.bss included)", () => {
    const addr = z.getUint32(0x218, true);
    expect(z.getUint32(0x21c, true)).toBe(initrd.length);
    expect(at(addr)!.bytes).toBe(initrd);
    expect(addr % 4096).toBe(0);
    expect(addr + initrd.length).toBeLessThanOrEqual(ram);
    expect(addr).toBeGreaterThanOrEqual(0x1403000);
  });

  it("refuses readably what is not a 64-bit kernel", () => {
    const elf32 = vmlinux();
    elf32[4] = 1;
    expect(planLinux(elf32, { ramBytes: ram })).toMatch(/ELF|kernel/);
    const wrongEntry = vmlinux();
    new DataView(wrongEntry.buffer).setBigUint64(24, 0xffffffff81000000n, true);
    expect(planLinux(wrongEntry, { ramBytes: ram })).toMatch(/e_entry .* is not a physical address inside a segment/);
    expect(planLinux(vmlinux(), { ramBytes: 16 * 1024 * 1024 })).toMatch(/RAM|fit/i);
  });
});

describe("planLinux: a boot-time RNG seed (setup_data SETUP_RNG_SEED)", () => {
  const ram = 64 * 1024 * 1024;
  const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

  for (const [kind, image] of [["vmlinux", vmlinux()], ["bzImage", bzImage(new Uint8Array([0xf4]))]] as const) {
    it(`${kind}: one setup_data entry at 0x30000, linked from boot_params.hdr.setup_data (0x250)`, () => {
      const plan = planLinux(image, { ramBytes: ram, cmdline: "console=ttyS0", rngSeed: seed });
      if (typeof plan === "string") throw new Error(plan);
      const zero = plan.writes.find((w) => w.gpa === ZERO_PAGE)!.bytes;
      const z = new DataView(zero.buffer, zero.byteOffset);
      expect(z.getBigUint64(0x250, true)).toBe(BigInt(SETUP_DATA_ADDR));
      const entry = plan.writes.find((w) => w.gpa === SETUP_DATA_ADDR)!.bytes;
      const e = new DataView(entry.buffer, entry.byteOffset);
      // struct setup_data: next = 0 (the end of the list), type 9, len, then the bytes.
      expect(e.getBigUint64(0, true)).toBe(0n);
      expect(e.getUint32(8, true)).toBe(SETUP_RNG_SEED);
      expect(e.getUint32(12, true)).toBe(32);
      expect(Array.from(entry.subarray(16))).toEqual(Array.from(seed));
      // Clear of the command line below it, and in RAM the E820 map gives (the kernel reserves it itself).
      expect(SETUP_DATA_ADDR).toBeGreaterThanOrEqual(0x20000 + 0x10000);
      expect(SETUP_DATA_ADDR + entry.length).toBeLessThanOrEqual(0x9fc00);
      // No other write overlaps it.
      for (const w of plan.writes) if (w.gpa !== SETUP_DATA_ADDR) expect(w.gpa + w.bytes.length <= SETUP_DATA_ADDR || w.gpa >= SETUP_DATA_ADDR + entry.length).toBe(true);
    });
  }

  it("without a seed there is no setup_data; a seed of no bytes or of too many is refused", () => {
    const plan = planLinux(vmlinux(), { ramBytes: ram });
    if (typeof plan === "string") throw new Error(plan);
    const zero = plan.writes.find((w) => w.gpa === ZERO_PAGE)!.bytes;
    expect(new DataView(zero.buffer, zero.byteOffset).getBigUint64(0x250, true)).toBe(0n);
    expect(plan.writes.some((w) => w.gpa === SETUP_DATA_ADDR)).toBe(false);
    expect(planLinux(vmlinux(), { ramBytes: ram, rngSeed: new Uint8Array(0) })).toMatch(/RNG seed is 0 bytes/);
    expect(planLinux(vmlinux(), { ramBytes: ram, rngSeed: new Uint8Array(RNG_SEED_MAX + 1) })).toMatch(/RNG seed is 257 bytes/);
  });
});
