import { describe, expect, it } from "vitest";
import { PicPair } from "./pic8259";

/** The initialisation every PC operating system performs: vectors 0x20/0x28, cascade on IR2, 8086 mode. */
function initPair(pics: PicPair, icw4 = 0x01) {
  const { master, slave } = pics;
  master.write(0, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
  master.write(1, 1, 0x20); // ICW2: vector base 0x20
  master.write(1, 1, 0x04); // ICW3: slave on IR2
  master.write(1, 1, icw4); // ICW4
  slave.write(0, 1, 0x11);
  slave.write(1, 1, 0x28);
  slave.write(1, 1, 0x02);
  slave.write(1, 1, icw4);
}

describe("8259A pair", () => {
  it("takes ICW1-ICW4 and then OCW1 as the mask", () => {
    const pics = new PicPair();
    initPair(pics);
    expect(pics.master.vectorBase).toBe(0x20);
    expect(pics.slave.vectorBase).toBe(0x28);
    pics.master.write(1, 1, 0xfb);
    expect(pics.master.read(1, 1)).toBe(0xfb);
  });

  it("latches an edge in IRR, moves it to ISR on INTA, and clears it with a non-specific EOI", () => {
    const pics = new PicPair();
    initPair(pics);
    const irq4 = pics.line(4);
    irq4.raise();
    expect(pics.master.read(0, 1)).toBe(0x10); // IRR by default
    expect(pics.intr()).toBe(true);
    expect(pics.acknowledge()).toBe(0x24);
    expect(pics.intr()).toBe(false);
    pics.master.write(0, 1, 0x0b); // OCW3: read ISR
    expect(pics.master.read(0, 1)).toBe(0x10);
    // Edge-triggered: holding the line high does not request again; a new edge does, after EOI.
    irq4.lower();
    irq4.raise();
    expect(pics.intr()).toBe(false); // IR4 in service blocks itself
    pics.master.write(0, 1, 0x20); // non-specific EOI
    expect(pics.master.read(0, 1)).toBe(0x00);
    expect(pics.intr()).toBe(true);
  });

  it("masks requests through OCW1 without losing them", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.master.write(1, 1, 0x01);
    pics.line(0).raise();
    expect(pics.intr()).toBe(false);
    pics.master.write(1, 1, 0x00);
    expect(pics.intr()).toBe(true);
    expect(pics.acknowledge()).toBe(0x20);
  });

  it("prioritises IR0 over IR4 and lets a higher priority preempt an in-service lower one", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.line(4).raise();
    pics.line(1).raise();
    expect(pics.acknowledge()).toBe(0x21);
    expect(pics.intr()).toBe(false); // IR4 waits for IR1's EOI
    pics.line(0).raise();
    expect(pics.acknowledge()).toBe(0x20); // IR0 outranks IR1 in service
    pics.master.write(0, 1, 0x60); // specific EOI IR0
    pics.master.write(0, 1, 0x61); // specific EOI IR1
    expect(pics.acknowledge()).toBe(0x24);
  });

  it("cascades the slave through the master's IR2 and needs an EOI on both", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.line(12).raise();
    expect(pics.master.peek(0) & 0x04).toBe(0x04);
    expect(pics.acknowledge()).toBe(0x2c);
    pics.slave.write(0, 1, 0x0b);
    expect(pics.slave.read(0, 1)).toBe(0x10);
    pics.master.write(0, 1, 0x0b);
    expect(pics.master.read(0, 1)).toBe(0x04);
    pics.line(12).lower();
    pics.line(12).raise();
    expect(pics.intr()).toBe(false);
    pics.slave.write(0, 1, 0x20);
    pics.master.write(0, 1, 0x20);
    expect(pics.acknowledge()).toBe(0x2c);
  });

  it("answers a vanished request with the spurious IR7 vector", () => {
    const pics = new PicPair();
    initPair(pics);
    expect(pics.acknowledge()).toBe(0x27);
  });

  it("in automatic EOI mode leaves nothing in service", () => {
    const pics = new PicPair();
    initPair(pics, 0x03);
    pics.line(3).raise();
    expect(pics.acknowledge()).toBe(0x23);
    pics.master.write(0, 1, 0x0b);
    expect(pics.master.read(0, 1)).toBe(0);
  });

  it("rotates priorities on a rotate-on-non-specific-EOI command", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.line(1).raise();
    expect(pics.acknowledge()).toBe(0x21);
    pics.master.write(0, 1, 0xa0); // rotate on non-specific EOI: IR1 becomes the lowest priority
    pics.line(1).lower();
    pics.line(1).raise();
    pics.line(5).raise();
    expect(pics.acknowledge()).toBe(0x25); // IR5 now outranks IR1
  });

  it("implements the poll command as an INTA through the data bus", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.line(6).raise();
    pics.master.write(0, 1, 0x0c); // OCW3 poll
    expect(pics.master.read(0, 1)).toBe(0x86);
    pics.master.write(0, 1, 0x0c);
    expect(pics.master.read(0, 1)).toBe(0x00); // IR6 now in service, nothing else pending
  });

  it("reports a change of INTR to its listener", () => {
    const pics = new PicPair();
    initPair(pics);
    let calls = 0;
    pics.onIntr = () => calls++;
    pics.line(4).raise();
    expect(calls).toBeGreaterThan(0);
  });
});

describe("8259A level-triggered mode (ICW1 LTIM and the PIIX ELCR)", () => {
  it("keeps a level-triggered request in IRR through INTA and interrupts again at the EOI while the line is high (8259A Level Triggered Mode)", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.slave.setElcr(1 << 2); // IRQ 10 level-triggered
    const irq10 = pics.line(10);
    irq10.raise();
    expect(pics.acknowledge()).toBe(0x2a);
    expect(pics.slave.peek(0) & 0x04).toBe(0x04); // IRR still follows the line
    expect(pics.intr()).toBe(false); // IR2 of the slave is in service
    pics.slave.write(0, 1, 0x20);
    pics.master.write(0, 1, 0x20);
    expect(pics.intr()).toBe(true); // still asserted: a second interrupt
    expect(pics.acknowledge()).toBe(0x2a);
    irq10.lower(); // the handler quiets the device before its EOI
    expect(pics.slave.peek(0) & 0x04).toBe(0);
    pics.slave.write(0, 1, 0x20);
    pics.master.write(0, 1, 0x20);
    expect(pics.intr()).toBe(false);
  });

  it("answers a level request that went away before INTA with the spurious IR7", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.master.setElcr(1 << 5);
    pics.line(5).raise();
    expect(pics.intr()).toBe(true);
    pics.line(5).lower();
    expect(pics.intr()).toBe(false);
    expect(pics.acknowledge()).toBe(0x27);
  });

  it("makes every input level-triggered with ICW1 LTIM, and keeps asserted level requests across ICW1", () => {
    const pics = new PicPair();
    pics.line(3).raise(); // asserted before initialisation
    const { master } = pics;
    master.write(0, 1, 0x19); // ICW1: LTIM, cascade, ICW4
    master.write(1, 1, 0x20);
    master.write(1, 1, 0x04);
    master.write(1, 1, 0x01);
    expect(master.peek(0) & 0x08).toBe(0x08);
    expect(pics.acknowledge()).toBe(0x23);
    master.write(0, 1, 0x20);
    expect(pics.acknowledge()).toBe(0x23); // the line is still high
    // Re-initialising in edge mode: the edge-sense circuit is reset and the request is gone.
    master.write(0, 1, 0x11);
    master.write(1, 1, 0x20);
    master.write(1, 1, 0x04);
    master.write(1, 1, 0x01);
    expect(master.peek(0)).toBe(0);
  });

  it("leaves edge-triggered pins edge-triggered next to level-triggered ones", () => {
    const pics = new PicPair();
    initPair(pics);
    pics.master.setElcr(1 << 3);
    pics.line(4).raise();
    expect(pics.acknowledge()).toBe(0x24);
    pics.master.write(0, 1, 0x20);
    expect(pics.intr()).toBe(false); // IR4 edge: consumed
  });
});
