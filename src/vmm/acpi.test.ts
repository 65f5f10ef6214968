import { describe, expect, it } from "vitest";
import { ACPI_BASE, acpiSum, buildAcpiTables, LOCAL_APIC_ADDRESS, PM1_CONTROL_PORT, PM1_EVENT_PORT, SCI_IRQ } from "./acpi";

const cfg = { ioApicAddress: 0xfec00000, ioApicId: 0, cpus: 1 };

/** Reads the tables back the way Linux's ACPI code does: RSDP → XSDT → each table by its header length. */
function parse(bytes: Uint8Array, base = ACPI_BASE) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (gpa: number) => gpa - base;
  const sig = (off: number, n = 4) => String.fromCharCode(...bytes.subarray(off, off + n));
  const tableAt = (gpa: number) => {
    const off = at(gpa);
    const len = dv.getUint32(off + 4, true);
    return { signature: sig(off), length: len, revision: bytes[off + 8], bytes: bytes.subarray(off, off + len), off };
  };
  const xsdt = tableAt(Number(dv.getBigUint64(24, true)));
  const rsdt = tableAt(dv.getUint32(16, true));
  const entries = [];
  for (let o = 36; o < xsdt.length; o += 8) entries.push(tableAt(Number(dv.getBigUint64(xsdt.off + o, true))));
  const rsdtEntries = [];
  for (let o = 36; o < rsdt.length; o += 4) rsdtEntries.push(dv.getUint32(rsdt.off + o, true));
  return { dv, sig, xsdt, rsdt, entries, rsdtEntries, tableAt };
}

describe("ACPI tables for a Linux guest", () => {
  it("has a revision-2 RSDP whose two checksums hold, pointing at an RSDT and an XSDT that list the same tables", () => {
    const { bytes, rsdp } = buildAcpiTables(cfg);
    expect(rsdp).toBe(0xe0000);
    const { sig, xsdt, rsdt, entries, rsdtEntries } = parse(bytes);
    expect(sig(0, 8)).toBe("RSD PTR ");
    expect(bytes[15]).toBe(2);
    expect(acpiSum(bytes.subarray(0, 20))).toBe(0); // ACPI 1.0 checksum over the first 20 bytes
    expect(acpiSum(bytes.subarray(0, 36))).toBe(0); // extended checksum over all 36
    expect(xsdt.signature).toBe("XSDT");
    expect(rsdt.signature).toBe("RSDT");
    expect(entries.map((e) => e.signature)).toEqual(["FACP", "APIC"]);
    expect(rsdtEntries).toEqual(entries.map((e) => e.off + ACPI_BASE));
    // Every table sums to zero over its length, and Linux's scan needs the RSDP 16-byte aligned.
    for (const t of [xsdt, rsdt, ...entries]) expect(acpiSum(t.bytes), t.signature).toBe(0);
    expect(rsdp % 16).toBe(0);
  });

  it("has a FADT (revision 6, 276 bytes) naming an empty DSDT, SCI 9, PM1 blocks at 0x1000/0x2000 and no SMI_CMD", () => {
    const { bytes } = buildAcpiTables(cfg);
    const { dv, entries, tableAt } = parse(bytes);
    const fadt = entries[0];
    expect([fadt.length, fadt.revision]).toEqual([276, 6]);
    const f = (o: number) => fadt.off + o;
    const dsdtAddr = dv.getUint32(f(40), true);
    expect(Number(dv.getBigUint64(f(140), true))).toBe(dsdtAddr); // X_DSDT = DSDT
    const dsdt = tableAt(dsdtAddr);
    expect([dsdt.signature, dsdt.length, acpiSum(dsdt.bytes)]).toEqual(["DSDT", 36, 0]);
    expect(dv.getUint16(f(46), true)).toBe(SCI_IRQ);
    expect(dv.getUint32(f(48), true)).toBe(0); // SMI_CMD: always in ACPI mode
    expect(dv.getUint32(f(56), true)).toBe(PM1_EVENT_PORT);
    expect(dv.getUint32(f(64), true)).toBe(PM1_CONTROL_PORT);
    expect([bytes[f(88)], bytes[f(89)]]).toEqual([4, 2]);
    expect(dv.getUint32(f(76), true)).toBe(0); // no PM timer
    // X_PM1a_EVT_BLK: system I/O, 32 bits, at 0x1000; X_PM1a_CNT_BLK: 16 bits at 0x2000.
    expect([bytes[f(148)], bytes[f(149)], Number(dv.getBigUint64(f(152), true))]).toEqual([1, 32, PM1_EVENT_PORT]);
    expect([bytes[f(172)], bytes[f(173)], Number(dv.getBigUint64(f(176), true))]).toEqual([1, 16, PM1_CONTROL_PORT]);
    expect(dv.getUint32(f(112), true) & (1 << 20)).toBe(0); // not HW-reduced: the PIC, PIT and i8042 are there
  });

  it("has a MADT with one enabled local APIC per CPU, the IO-APIC, and the overrides IRQ 0 → GSI 2 and IRQ 9 level/high", () => {
    const { bytes } = buildAcpiTables({ ioApicAddress: 0xfec00000, ioApicId: 5, cpus: 2 });
    const { dv, entries } = parse(bytes);
    const madt = entries[1];
    expect(madt.revision).toBe(4);
    expect(dv.getUint32(madt.off + 36, true)).toBe(LOCAL_APIC_ADDRESS);
    expect(dv.getUint32(madt.off + 40, true)).toBe(1); // PCAT_COMPAT
    const subs: number[][] = [];
    for (let o = madt.off + 44; o < madt.off + madt.length; o += bytes[o + 1]) subs.push([...bytes.subarray(o, o + bytes[o + 1])]);
    expect(subs).toEqual([
      [0, 8, 0, 0, 1, 0, 0, 0],
      [0, 8, 1, 1, 1, 0, 0, 0],
      [1, 12, 5, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0],
      [2, 10, 0, 0, 2, 0, 0, 0, 0, 0],
      [2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0],
    ]);
  });

  it("is the same bytes every time (a boot is deterministic) and fits below the BIOS ROM at 0xF0000", () => {
    const a = buildAcpiTables(cfg).bytes;
    expect(buildAcpiTables(cfg).bytes).toEqual(a);
    expect(ACPI_BASE + a.length).toBeLessThan(0xf0000);
  });
});
