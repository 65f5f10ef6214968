import type { IoHandler, IrqLine } from "./io-handler";

/**
 * The I/O APIC (Intel 82093AA datasheet, order 290566; "82093AA" below), as QEMU's hw/intc/ioapic.c
 * presents it with version 0x11: a 4 KiB MMIO window (where the VMM maps it, usually 0xFEC00000, is the
 * VMM's choice) with IOREGSEL at offset 0x00 and IOWIN at 0x10, 24 redirection entries, and delivery
 * as messages to local APICs through a callback. Offsets alias every 256 bytes of the window, as in
 * QEMU (`addr &= 0xff`).
 *
 * Inputs are pins 0-23 carrying asserted (active) levels: polarity (INTPOL) is stored but not applied,
 * as in QEMU, because the board already presents each line as asserted-high. ISA IRQ 0 arrives on pin 2
 * on PCs (the MADT's interrupt source override; QEMU's ioapic_set_irq), see `isaIrqToPin`.
 */

export const IOREGSEL = 0x00;
export const IOWIN = 0x10;
export const IOAPIC_PINS = 24;
export const IOAPIC_VERSION = 0x11;

// Registers selected by IOREGSEL (82093AA §3.2).
export const IOAPICID = 0x00;
export const IOAPICVER = 0x01;
export const IOAPICARB = 0x02;
export const IOREDTBL = 0x10;

// Redirection entry, low dword (82093AA §3.2.4).
export const RTE_VECTOR = 0xff;
export const RTE_DELIVERY_MODE_SHIFT = 8; // 000 fixed, 001 lowest priority, 010 SMI, 100 NMI, 101 INIT, 111 ExtINT
export const RTE_DEST_LOGICAL = 1 << 11;
export const RTE_DELIVERY_STATUS = 1 << 12; // read-only, always idle: delivery is immediate
export const RTE_POLARITY_LOW = 1 << 13;
export const RTE_REMOTE_IRR = 1 << 14; // read-only
export const RTE_LEVEL = 1 << 15;
export const RTE_MASKED = 1 << 16;
const RTE_RO = RTE_DELIVERY_STATUS | RTE_REMOTE_IRR;

/**
 * An interrupt message to the local APICs: the lead wires it to the kernel model's local APIC
 * (zx_vcpu_interrupt for fixed delivery). `level` is the entry's trigger mode: a level-triggered
 * interrupt must be answered with `eoi(vector)` when the local APIC receives the guest's EOI.
 * Delivery mode 7 (ExtINT) carries the entry's vector field; the real vector comes from the 8259A's
 * INTA cycle (QEMU calls pic_read_irq there).
 */
export type IoApicDeliver = (vector: number, destination: number, physicalMode: boolean, deliveryMode: number, level: boolean) => void;

/** PC wiring of ISA IRQs to I/O APIC pins: identity except IRQ 0 (the PIT) on pin 2. */
export function isaIrqToPin(irq: number): number {
  return irq === 0 ? 2 : irq;
}

export class IoApic implements IoHandler {
  readonly name = "ioapic";
  private ioregsel = 0;
  private id: number;
  /** Redirection entries as low and high dwords (no BigInt). */
  private readonly lo = new Uint32Array(IOAPIC_PINS);
  private readonly hi = new Uint32Array(IOAPIC_PINS);
  /** Interrupt requests latched per pin (edge seen, or level asserted). */
  private irr = 0;
  private lineLevels = 0;

  constructor(
    private readonly deliver: IoApicDeliver,
    options: { id?: number } = {},
  ) {
    this.id = (options.id ?? 0) & 0x0f;
    // Reset: every entry masked, everything else zero (82093AA §3.2.4; QEMU's ioapic_reset_common).
    this.lo.fill(RTE_MASKED);
  }

  /** An interrupt line for `pin` (0-23), for devices that take an IrqLine. */
  line(pin: number): IrqLine {
    return { raise: () => this.setLine(pin, true), lower: () => this.setLine(pin, false) };
  }

  /**
   * Drive input `pin`. Edge-triggered entries latch a rising edge unless masked (an edge on a masked
   * pin is lost, 82093AA §3.2.4 "Interrupt Mask"); level-triggered entries request while the line is
   * asserted and are held back by remote IRR until the EOI.
   */
  setLine(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const bit = 1 << pin;
    const rising = level && !(this.lineLevels & bit);
    this.lineLevels = level ? this.lineLevels | bit : this.lineLevels & ~bit;
    const lo = this.lo[pin];
    if (lo & RTE_LEVEL) {
      if (level) {
        this.irr |= bit;
        if (!(lo & RTE_REMOTE_IRR)) this.service();
      } else {
        this.irr &= ~bit;
      }
    } else if (rising && !(lo & RTE_MASKED)) {
      this.irr |= bit;
      this.service();
    }
  }

  /** Send every deliverable request (QEMU's ioapic_service). */
  private service(): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const bit = 1 << pin;
      if (!(this.irr & bit)) continue;
      const lo = this.lo[pin];
      if (lo & RTE_MASKED) continue;
      const level = (lo & RTE_LEVEL) !== 0;
      if (level) {
        if (lo & RTE_REMOTE_IRR) continue; // still being serviced: coalesce
        this.lo[pin] = lo | RTE_REMOTE_IRR;
      } else {
        this.irr &= ~bit;
      }
      this.deliver(lo & RTE_VECTOR, this.hi[pin] >>> 24, !(lo & RTE_DEST_LOGICAL), (lo >> RTE_DELIVERY_MODE_SHIFT) & 7, level);
    }
  }

  /**
   * The local APIC's EOI broadcast for `vector` (QEMU's ioapic_eoi_broadcast): clears remote IRR of
   * the level-triggered entries with that vector, and redelivers those whose line is still asserted.
   */
  eoi(vector: number): void {
    let again = false;
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.lo[pin];
      if ((lo & RTE_VECTOR) !== vector || !(lo & RTE_LEVEL) || !(lo & RTE_REMOTE_IRR)) continue;
      this.lo[pin] = lo & ~RTE_REMOTE_IRR;
      if (!(lo & RTE_MASKED) && this.irr & (1 << pin)) again = true;
    }
    if (again) this.service();
  }

  /** Redirection entry `pin` as [low, high] dwords (for debuggers and the UI). */
  entry(pin: number): [number, number] {
    return [this.lo[pin], this.hi[pin]];
  }

  read(offset: number, size: number): number {
    const addr = offset & 0xff;
    if (addr === IOREGSEL) return this.ioregsel;
    // IOWIN is a dword register (82093AA §3.1: "must be accessed as dwords"); QEMU reads others as 0.
    if (addr !== IOWIN || size !== 4) return 0;
    const r = this.ioregsel;
    switch (r) {
      case IOAPICID:
      case IOAPICARB: // QEMU returns the ID for the arbitration register too
        return (this.id << 24) >>> 0;
      case IOAPICVER:
        return IOAPIC_VERSION | ((IOAPIC_PINS - 1) << 16);
    }
    const pin = (r - IOREDTBL) >> 1;
    if (r < IOREDTBL || pin >= IOAPIC_PINS) return 0;
    return r & 1 ? this.hi[pin] : this.lo[pin];
  }

  write(offset: number, size: number, value: number): void {
    const addr = offset & 0xff;
    if (addr === IOREGSEL) {
      this.ioregsel = value & 0xff;
      return;
    }
    if (addr !== IOWIN || size !== 4) return;
    const r = this.ioregsel;
    if (r === IOAPICID) {
      this.id = (value >>> 24) & 0x0f;
      return;
    }
    const pin = (r - IOREDTBL) >> 1;
    if (r < IOREDTBL || pin >= IOAPIC_PINS) return; // version, arbitration: read-only
    if (r & 1) {
      this.hi[pin] = value >>> 0;
    } else {
      let lo = ((value & ~RTE_RO) | (this.lo[pin] & RTE_RO)) >>> 0;
      // An edge-triggered entry has no remote IRR; Linux clears a stuck one by toggling the trigger
      // mode (QEMU's ioapic_fix_edge_remote_irr).
      if (!(lo & RTE_LEVEL)) lo &= ~RTE_REMOTE_IRR;
      this.lo[pin] = lo >>> 0;
      // A level-sensitive request is the line's level itself, whatever happened while the entry was
      // edge-triggered or masked (82093AA §3.2.4, "Trigger Mode"). QEMU waits for the next change.
      const bit = 1 << pin;
      if (lo & RTE_LEVEL) this.irr = (this.irr & ~bit) | (this.lineLevels & bit);
    }
    this.service();
  }
}
