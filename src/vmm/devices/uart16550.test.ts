import { describe, expect, it } from "vitest";
import * as U from "./uart16550";
import { Uart16550 } from "./uart16550";

function make() {
  const out: number[] = [];
  const irq = { level: false, raises: 0, raise() { this.level = true; this.raises++; }, lower() { this.level = false; } };
  const uart = new Uart16550("COM1", irq, (b) => out.push(b));
  return { uart, out, irq };
}

describe("16550A UART, register level", () => {
  it("resets with THR empty and no interrupt pending", () => {
    const { uart, irq } = make();
    expect(uart.read(U.LSR, 1)).toBe(U.LSR_THRE | U.LSR_TEMT);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_NO_INT);
    expect(irq.level).toBe(false);
  });

  it("latches the divisor while DLAB is set, without touching THR or IER", () => {
    const { uart, out } = make();
    uart.write(U.LCR, 1, U.LCR_DLAB | 3);
    uart.write(U.DLL, 1, 0x01);
    uart.write(U.DLM, 1, 0x02);
    expect(uart.read(U.DLL, 1)).toBe(0x01);
    expect(uart.read(U.DLM, 1)).toBe(0x02);
    uart.write(U.LCR, 1, 3);
    expect(uart.read(U.IER, 1)).toBe(0);
    expect(out).toEqual([]);
    expect(uart.state().divisor).toBe(0x0201);
  });

  it("transmits THR writes to the sink", () => {
    const { uart, out } = make();
    for (const c of "Hi") uart.write(U.THR, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe("Hi");
    expect(uart.read(U.LSR, 1) & U.LSR_THRE).toBe(U.LSR_THRE);
  });

  it("raises THRE when ETBEI is enabled with THR empty; reading IIR clears it; a THR write re-arms it", () => {
    const { uart, irq } = make();
    uart.write(U.IER, 1, U.IER_ETBEI);
    expect(irq.level).toBe(true);
    expect(uart.peek(U.IIR)).toBe(U.IIR_THRI); // peek has no side effect
    expect(irq.level).toBe(true);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_THRI);
    expect(irq.level).toBe(false);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_NO_INT);
    uart.write(U.THR, 1, 0x41);
    expect(irq.level).toBe(true);
  });

  it("masks IER to the four bits a 16550A has", () => {
    const { uart } = make();
    uart.write(U.IER, 1, 0xff);
    expect(uart.read(U.IER, 1)).toBe(0x0f);
  });

  it("receives host bytes, reports DR, and interrupts on received data (priority over THRE)", () => {
    const { uart, irq } = make();
    uart.write(U.IER, 1, U.IER_ERBFI | U.IER_ETBEI);
    uart.receive([0x61]);
    expect(uart.read(U.LSR, 1) & U.LSR_DR).toBe(U.LSR_DR);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_RDA);
    expect(uart.read(U.RBR, 1)).toBe(0x61);
    expect(uart.read(U.LSR, 1) & U.LSR_DR).toBe(0);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_THRI); // next in priority
    expect(irq.level).toBe(false);
  });

  it("holds 16 bytes in the FIFO and keeps the rest queued on the host side (no loss)", () => {
    const { uart } = make();
    uart.write(U.FCR, 1, U.FCR_ENABLE | 0xc0); // trigger level 14
    const bytes = Array.from({ length: 20 }, (_, i) => 0x30 + i);
    uart.receive(bytes);
    expect(uart.state().rxFifo.length).toBe(U.FIFO_SIZE);
    expect(uart.pendingInput()).toBe(20);
    const got: number[] = [];
    while (uart.read(U.LSR, 1) & U.LSR_DR) got.push(uart.read(U.RBR, 1));
    expect(got).toEqual(bytes);
  });

  it("uses the FIFO trigger level for RDA and a character timeout below it", () => {
    const { uart } = make();
    uart.write(U.FCR, 1, U.FCR_ENABLE | 0x40); // trigger level 4
    uart.write(U.IER, 1, U.IER_ERBFI);
    uart.receive([1, 2]);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_CTI | U.IIR_FIFO_ENABLED);
    uart.receive([3, 4]);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_RDA | U.IIR_FIFO_ENABLED);
    uart.write(U.FCR, 1, U.FCR_ENABLE | U.FCR_CLEAR_RX | 0x40);
    expect(uart.read(U.LSR, 1) & U.LSR_DR).toBe(0);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_NO_INT | U.IIR_FIFO_ENABLED);
  });

  it("loops THR back to RBR and MCR to MSR in loopback mode; overrun sets OE and RLS", () => {
    const { uart, out } = make();
    uart.write(U.MCR, 1, U.MCR_LOOP | U.MCR_RTS | U.MCR_OUT2);
    expect(uart.read(U.MSR, 1) & 0xf0).toBe(U.MSR_CTS | U.MSR_DCD);
    uart.write(U.THR, 1, 0x55);
    expect(out).toEqual([]);
    expect(uart.read(U.RBR, 1)).toBe(0x55);
    // Without FIFOs the receiver holds one byte: a second one overruns.
    uart.write(U.IER, 1, U.IER_ELSI);
    uart.write(U.THR, 1, 1);
    uart.write(U.THR, 1, 2);
    expect(uart.read(U.IIR, 1)).toBe(U.IIR_RLS);
    expect(uart.read(U.LSR, 1) & U.LSR_OE).toBe(U.LSR_OE);
    expect(uart.read(U.LSR, 1) & U.LSR_OE).toBe(0); // cleared by the read
    expect(uart.read(U.RBR, 1)).toBe(2);
  });

  it("keeps host input out of the receiver while in loopback", () => {
    const { uart } = make();
    uart.write(U.MCR, 1, U.MCR_LOOP);
    uart.receive([0x7a]);
    expect(uart.read(U.LSR, 1) & U.LSR_DR).toBe(0);
    uart.write(U.MCR, 1, 0);
    expect(uart.read(U.RBR, 1)).toBe(0x7a);
  });

  it("keeps the scratch register and ignores offsets it does not decode", () => {
    const { uart } = make();
    uart.write(U.SCR, 1, 0xa5);
    expect(uart.read(U.SCR, 1)).toBe(0xa5);
    expect(uart.read(8, 1)).toBe(0xff);
    expect(() => uart.write(9, 1, 1)).not.toThrow();
  });

  it("round-trips its state through named fields and refuses impossible snapshots", () => {
    const { uart } = make();
    uart.write(U.LCR, 1, U.LCR_DLAB);
    uart.write(U.DLL, 1, 3);
    uart.write(U.LCR, 1, 0x03);
    uart.write(U.FCR, 1, U.FCR_ENABLE | 0x80);
    uart.write(U.SCR, 1, 0x5a);
    uart.receive([1, 2, 3]);
    uart.write(U.IER, 1, U.IER_ERBFI);
    const snap = uart.state();
    const irq = { level: false, raise() { this.level = true; }, lower() { this.level = false; } };
    const copy = Uart16550.fromState("COM1", irq, () => {}, snap);
    if (typeof copy === "string") throw new Error(copy);
    expect(copy.state()).toEqual(snap);
    expect(irq.level).toBe(true); // the restored interrupt condition drives the line again
    expect(copy.read(U.RBR, 1)).toBe(1);
    expect(Uart16550.fromState("x", irq, () => {}, { ...snap, ier: 0x10 })).toMatch(/ier/);
    expect(Uart16550.fromState("x", irq, () => {}, { ...snap, rxFifo: new Array(17).fill(0) })).toMatch(/at most 16/);
    expect(Uart16550.fromState("x", irq, () => {}, { ...snap, fcr: 0, rxFifo: [1, 2] })).toMatch(/at most 1/);
    expect(Uart16550.fromState("x", irq, () => {}, { ...snap, divisor: 0x10000 })).toMatch(/divisor/);
  });
});
