/**
 * What the Linux loader gives the kernel beyond the boot protocol's basics (loaders.test.ts boots a
 * stub through them): the ACPI tables of acpi.ts in the BIOS area, and boot_params.acpi_rsdp_addr.
 * A stock kernel needs the MADT to pick its x2APIC driver (see acpi.ts).
 */
import { describe, expect, it } from "vitest";
import { acpiSum, buildAcpiTables } from "../acpi";
import { DEFAULT_ACPI, linuxE820, planLinux, ZERO_PAGE } from "./linux";
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
