import { describe, expect, it } from "vitest";
import * as A from "./ioapic";
import { IoApic, isaIrqToPin } from "./ioapic";

/** Register-level tests of the I/O APIC (Intel 82093AA datasheet), through IOREGSEL/IOWIN as a guest uses them. */
function setup(id?: number) {
  const sent: Array<[number, number, boolean, number, boolean]> = [];
  const ioapic = new IoApic((v, d, p, m, l) => sent.push([v, d, p, m, l]), { id });
  const readReg = (r: number) => {
    ioapic.write(A.IOREGSEL, 4, r);
    return ioapic.read(A.IOWIN, 4) >>> 0;
  };
  const writeReg = (r: number, v: number) => {
    ioapic.write(A.IOREGSEL, 4, r);
    ioapic.write(A.IOWIN, 4, v);
  };
  const program = (pin: number, lo: number, hi = 0) => {
    writeReg(A.IOREDTBL + 2 * pin + 1, hi);
    writeReg(A.IOREDTBL + 2 * pin, lo);
  };
  return { ioapic, sent, readReg, writeReg, program };
}

describe("I/O APIC, register level", () => {
  it("identifies as version 0x11 with 24 entries; ID and arbitration ID in bits 27:24 (§3.2.1-3.2.3)", () => {
    const { readReg, writeReg } = setup(2);
    expect(readReg(A.IOAPICVER)).toBe(0x00170011);
    expect(readReg(A.IOAPICID)).toBe(0x02000000);
    expect(readReg(A.IOAPICARB)).toBe(0x02000000);
    writeReg(A.IOAPICID, 0x0f000000);
    expect(readReg(A.IOAPICID)).toBe(0x0f000000);
    writeReg(A.IOAPICVER, 0);
    expect(readReg(A.IOAPICVER)).toBe(0x00170011); // read-only
  });

  it("resets every redirection entry masked (§3.2.4)", () => {
    const { readReg } = setup();
    for (let pin = 0; pin < 24; pin++) {
      expect(readReg(A.IOREDTBL + 2 * pin)).toBe(A.RTE_MASKED);
      expect(readReg(A.IOREDTBL + 2 * pin + 1)).toBe(0);
    }
    expect(readReg(A.IOREDTBL + 48)).toBe(0); // beyond entry 23
  });

  it("reads IOREGSEL back, takes IOWIN only as a dword, and aliases every 256 bytes as QEMU does", () => {
    const { ioapic, program } = setup();
    ioapic.write(A.IOREGSEL, 1, 0x01);
    expect(ioapic.read(A.IOREGSEL, 4)).toBe(0x01);
    expect(ioapic.read(A.IOWIN, 2)).toBe(0); // not a dword
    expect(ioapic.read(0x110, 4)).toBe(0x00170011); // alias of IOWIN
    program(3, 0x31);
    ioapic.write(A.IOREGSEL, 4, A.IOREDTBL + 6);
    ioapic.write(A.IOWIN, 1, 0xff); // byte writes to IOWIN are ignored
    expect(ioapic.read(A.IOWIN, 4)).toBe(0x31);
  });

  it("delivers an edge-triggered interrupt once per rising edge with the entry's fields", () => {
    const { ioapic, sent, program } = setup();
    program(4, 0x30 | (1 << A.RTE_DELIVERY_MODE_SHIFT) | A.RTE_DEST_LOGICAL, 0x03000000);
    ioapic.setLine(4, true);
    ioapic.setLine(4, true); // no new edge
    expect(sent).toEqual([[0x30, 0x03, false, 1, false]]);
    ioapic.setLine(4, false);
    ioapic.line(4).raise();
    expect(sent.length).toBe(2);
  });

  it("loses edges on a masked pin (§3.2.4, Interrupt Mask)", () => {
    const { ioapic, sent, program } = setup();
    program(5, 0x35 | A.RTE_MASKED);
    ioapic.setLine(5, true);
    ioapic.setLine(5, false);
    program(5, 0x35);
    expect(sent).toEqual([]);
  });

  it("holds a level-triggered interrupt in remote IRR until the EOI, then redelivers if still asserted", () => {
    const { ioapic, sent, program, readReg } = setup();
    program(10, 0x40 | A.RTE_LEVEL);
    ioapic.setLine(10, true);
    expect(sent).toEqual([[0x40, 0, true, 0, true]]);
    expect(readReg(A.IOREDTBL + 20) & A.RTE_REMOTE_IRR).toBe(A.RTE_REMOTE_IRR);
    ioapic.setLine(10, false);
    ioapic.setLine(10, true); // coalesced: the previous one is still in service
    expect(sent.length).toBe(1);
    ioapic.eoi(0x41); // another vector: nothing
    expect(sent.length).toBe(1);
    ioapic.eoi(0x40); // line still asserted: delivered again
    expect(sent.length).toBe(2);
    ioapic.setLine(10, false);
    ioapic.eoi(0x40);
    expect(sent.length).toBe(2);
    expect(readReg(A.IOREDTBL + 20) & A.RTE_REMOTE_IRR).toBe(0);
  });

  it("keeps a masked level-triggered request pending and delivers it on unmasking", () => {
    const { ioapic, sent, program } = setup();
    program(11, 0x41 | A.RTE_LEVEL | A.RTE_MASKED);
    ioapic.setLine(11, true);
    expect(sent).toEqual([]);
    program(11, 0x41 | A.RTE_LEVEL);
    expect(sent).toEqual([[0x41, 0, true, 0, true]]);
  });

  it("keeps delivery status and remote IRR read-only, and clears remote IRR when the entry becomes edge-triggered", () => {
    const { ioapic, sent, program, readReg } = setup();
    program(9, 0x50 | A.RTE_REMOTE_IRR | A.RTE_DELIVERY_STATUS);
    expect(readReg(A.IOREDTBL + 18)).toBe(0x50);
    program(9, 0x50 | A.RTE_LEVEL);
    ioapic.setLine(9, true);
    expect(sent.length).toBe(1);
    // Linux's __eoi_ioapic_pin without an EOI register: mask, switch to edge, back to level.
    program(9, 0x50 | A.RTE_MASKED);
    expect(readReg(A.IOREDTBL + 18) & A.RTE_REMOTE_IRR).toBe(0);
    program(9, 0x50 | A.RTE_LEVEL);
    expect(sent.length).toBe(2); // the line is still asserted
  });

  it("maps ISA IRQ 0 to pin 2 and the other ISA IRQs to themselves", () => {
    expect(isaIrqToPin(0)).toBe(2);
    expect(isaIrqToPin(1)).toBe(1);
    expect(isaIrqToPin(8)).toBe(8);
  });
});
