import { describe, expect, it } from "vitest";
import { Elcr } from "./elcr";
import { PicPair } from "./pic8259";

describe("ELCR (ports 0x4D0/0x4D1)", () => {
  it("reads back only the bits a PC implements: IRQ 0-2, 8 and 13 stay edge (PIIX3 ELCR; QEMU masks 0xF8/0xDE)", () => {
    // qemu-ref shows the same: writing 0xFF reads back 0xF8 at 0x4D0 and 0xDE at 0x4D1.
    const pics = new PicPair();
    const elcr = new Elcr(pics);
    expect(elcr.read(0, 1)).toBe(0);
    expect(elcr.read(1, 1)).toBe(0);
    elcr.write(0, 1, 0xff);
    elcr.write(1, 1, 0xff);
    expect(elcr.read(0, 1)).toBe(0xf8);
    expect(elcr.read(1, 1)).toBe(0xde);
    elcr.write(0, 2, 0x0c20); // OUT DX,AX at 0x4D0: both registers
    expect(elcr.read(0, 2)).toBe(0x0c20);
    expect(pics.slave.getElcr()).toBe(0x0c);
  });

  it("switches a pin to level mode so that its IRR follows an already asserted line", () => {
    const pics = new PicPair();
    const elcr = new Elcr(pics);
    const irq11 = pics.line(11);
    irq11.raise();
    pics.slave.acknowledgeIrq(3); // consumed as an edge
    expect(pics.slave.irr & 0x08).toBe(0);
    elcr.write(1, 1, 0x08);
    expect(pics.slave.irr & 0x08).toBe(0x08);
    irq11.lower();
    expect(pics.slave.irr & 0x08).toBe(0);
  });
});
