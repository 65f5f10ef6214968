import { describe, expect, it } from "vitest";
import { AcpiPm1, PM1_SCI_EN } from "./acpi-pm";

describe("ACPI PM1 blocks (FADT PM1a_EVT_BLK at 0x1000, PM1a_CNT_BLK at 0x2000)", () => {
  it("reports ACPI mode (SCI_EN) from the start and keeps it whatever the guest writes, so Linux never tries to switch modes", () => {
    const pm = new AcpiPm1();
    expect(pm.controlBlock.read(0, 2) & PM1_SCI_EN).toBe(PM1_SCI_EN);
    pm.controlBlock.write(0, 2, 0);
    expect(pm.controlBlock.read(0, 2)).toBe(PM1_SCI_EN);
    // SLP_EN (bit 13) is write-only; SLP_TYP (bits 12:10) reads back.
    pm.controlBlock.write(0, 2, (1 << 13) | (5 << 10));
    expect(pm.controlBlock.read(0, 2)).toBe((5 << 10) | PM1_SCI_EN);
    expect(pm.controlBlock.read(1, 1)).toBe((5 << 2));
  });

  it("keeps PM1_EN as written (words or bytes) and reads PM1_STS as 0: no fixed event ever fires", () => {
    const pm = new AcpiPm1();
    expect(pm.eventBlock.read(0, 2)).toBe(0);
    expect(pm.eventBlock.read(2, 2)).toBe(0);
    pm.eventBlock.write(2, 2, 0x0121); // TMR_EN | GBL_EN | PWRBTN_EN
    expect(pm.eventBlock.read(2, 2)).toBe(0x0121);
    pm.eventBlock.write(3, 1, 0x04); // high byte only
    expect(pm.eventBlock.read(2, 2)).toBe(0x0421);
    expect(pm.eventBlock.read(0, 4)).toBe(0x0421_0000 | 0); // a dword read: STS low, EN high
    pm.eventBlock.write(0, 2, 0xffff); // write-1-to-clear STS: nothing to clear, EN untouched
    expect(pm.eventBlock.read(0, 2)).toBe(0);
    expect(pm.eventBlock.read(2, 2)).toBe(0x0421);
  });
});
