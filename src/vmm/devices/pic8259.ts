import type { IoHandler, IrqLine } from "./io-handler";

/**
 * The PC's two cascaded 8259A programmable interrupt controllers (Intel 8259A datasheet, order
 * 231468; "8259A" below), the master at 0x20/0x21 and the slave at 0xA0/0xA1 on the master's IR2.
 * Inputs are edge-triggered unless made level-triggered chip-wide by ICW1's LTIM bit (8259A "Level
 * Triggered Mode") or per IRQ by the PIIX's edge/level control registers at 0x4D0/0x4D1 (ELCR, see
 * elcr.ts). In level mode the IRR bit follows the input line and is not cleared by INTA, so a request
 * still asserted at the EOI interrupts again. The register behaviour follows the datasheet; where it is
 * silent, QEMU's hw/intc/i8259.c, the project's oracle, decides.
 *
 * Delivery: a real CPU answers INTR with INTA cycles when RFLAGS.IF = 1. A Zircon VMM cannot see IF,
 * so the VMM acknowledges as soon as INTR is asserted (`acknowledge()` = the INTA sequence: the
 * request moves from IRR to ISR) and hands the vector to zx_vcpu_interrupt; the kernel injects it when
 * the guest can take it. Until the guest's EOI, the ISR bit holds back requests of equal and lower
 * priority, exactly as on hardware.
 */

/** One 8259A. `offset` 0 is the command port (ICW1, OCW2, OCW3; reads IRR/ISR), 1 the data port (ICW2-4, OCW1 = IMR). */
export class Pic8259 implements IoHandler {
  /** Input line levels as seen by the edge-sense circuit (ICW1 resets it, 8259A "Initialization Command Words"). */
  private lineLevels = 0;
  /** Input line levels as driven (never reset): what a level-triggered IRR bit follows. */
  private inputLevels = 0;
  /** ICW1 bit 3: every input level-triggered. */
  private ltim = false;
  /** Edge/level control (ELCR): 1 = level-triggered; only the bits in elcrMask exist. */
  private elcr = 0;
  /** The ELCR bits a PC implements (PIIX: IRQ 0, 1, 2, 8 and 13 are always edge; QEMU's elcr_mask). */
  readonly elcrMask: number;
  /** Interrupt request register: edges seen and not yet acknowledged. */
  irr = 0;
  /** In-service register: acknowledged and not yet EOI'd. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Rotation: the IR with the lowest priority is (priorityAdd + 7) & 7. */
  private priorityAdd = 0;
  /** ICW2: vector of IR0 (bits 7:3). */
  vectorBase = 0;
  private readIsr = false;
  private poll = false;
  private specialMask = false;
  /** 0: operational; 1: ICW2 expected next; 2: ICW3; 3: ICW4. */
  private initState = 0;
  private needIcw4 = false;
  private singleMode = false;
  private autoEoi = false;
  private rotateOnAutoEoi = false;
  private specialFullyNested = false;

  constructor(
    readonly name: string,
    /** The master passes true: special fully nested mode then considers the cascade input. */
    private readonly isMaster: boolean,
    /** Called whenever the chip's INT output may have changed. */
    private readonly onChange: () => void,
  ) {
    this.elcrMask = isMaster ? 0xf8 : 0xde;
  }

  /** The inputs that are level-triggered now. */
  private levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  /**
   * Drive input line `irq` (0-7). Edge-triggered: a rising edge latches a request in IRR.
   * Level-triggered: IRR follows the line (8259A "Level Triggered Mode"; QEMU's pic_set_irq).
   */
  setLine(irq: number, level: boolean): void {
    const mask = 1 << irq;
    this.inputLevels = level ? this.inputLevels | mask : this.inputLevels & ~mask;
    if (this.levelMask() & mask) {
      this.irr = level ? this.irr | mask : this.irr & ~mask;
    } else if (level && !(this.lineLevels & mask)) {
      this.irr |= mask;
    }
    this.lineLevels = level ? this.lineLevels | mask : this.lineLevels & ~mask;
    this.onChange();
  }

  /** The edge/level control register (PIIX ELCR1/ELCR2). Not reset by ICW1. */
  getElcr(): number {
    return this.elcr;
  }

  setElcr(value: number): void {
    this.elcr = value & this.elcrMask;
    // A pin that is now level-triggered requests exactly while its line is asserted.
    const lm = this.levelMask();
    this.irr = (this.irr & ~lm) | (this.inputLevels & lm);
    this.onChange();
  }

  /** Priority rank (0 highest) of the best bit in `mask` under the current rotation; 8 for none. */
  private priorityOf(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while (!(mask & (1 << ((p + this.priorityAdd) & 7)))) p++;
    return p;
  }

  /** The IR this chip would present on INT now, or -1 (8259A "priority resolver"). */
  pendingIrq(): number {
    const p = this.priorityOf(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    // Special mask mode: masked levels do not block lower priorities (8259A OCW3 SMM).
    if (this.specialMask) inService &= ~this.imr;
    // Special fully nested mode: a slave's further requests pass through the master's in-service IR2.
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    return p < this.priorityOf(inService) ? (p + this.priorityAdd) & 7 : -1;
  }

  /** The INTA response for `irq`: IRR → ISR (or rotate only, in automatic EOI mode). */
  acknowledgeIrq(irq: number): void {
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= 1 << irq;
    }
    // Edge-triggered: the request is consumed. Level-triggered: IRR keeps following the line.
    if (!(this.levelMask() & (1 << irq))) this.irr &= ~(1 << irq);
  }

  private reset(): void {
    this.lineLevels = 0;
    this.irr = 0;
    this.isr = 0;
    this.imr = 0;
    this.priorityAdd = 0;
    this.vectorBase = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.initState = 0;
    this.needIcw4 = false;
    this.singleMode = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
  }

  write(offset: number, _size: number, value: number): void {
    const v = value & 0xff;
    if (offset === 0) {
      if (v & 0x10) {
        // ICW1: start initialisation. IC4 = bit 0, SNGL = bit 1, LTIM = bit 3. The edge-sense circuit
        // is reset; level-triggered requests still asserted stay in IRR (QEMU: irr &= elcr).
        this.reset();
        this.ltim = (v & 0x08) !== 0;
        this.irr = this.inputLevels & this.levelMask();
        this.initState = 1;
        this.needIcw4 = (v & 0x01) !== 0;
        this.singleMode = (v & 0x02) !== 0;
      } else if (v & 0x08) {
        // OCW3: P = bit 2, RR/RIS = bits 1:0, ESMM/SMM = bits 6:5.
        if (v & 0x04) this.poll = true;
        if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
        if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      } else {
        this.ocw2(v);
      }
    } else {
      switch (this.initState) {
        case 0: // OCW1
          this.imr = v;
          break;
        case 1: // ICW2
          this.vectorBase = v & 0xf8;
          this.initState = this.singleMode ? (this.needIcw4 ? 3 : 0) : 2;
          break;
        case 2: // ICW3 (cascade wiring: fixed on a PC, master IR2 ← slave)
          this.initState = this.needIcw4 ? 3 : 0;
          break;
        case 3: // ICW4: SFNM = bit 4, AEOI = bit 1 (µPM, bit 0, must be 1 on x86; BUF/M/S ignored)
          this.specialFullyNested = (v & 0x10) !== 0;
          this.autoEoi = (v & 0x02) !== 0;
          this.initState = 0;
          break;
      }
    }
    this.onChange();
  }

  /** OCW2: R = bit 7, SL = bit 6, EOI = bit 5, L2-L0 = bits 2:0 (8259A Figure 8). */
  private ocw2(v: number): void {
    const cmd = v >> 5;
    const level = v & 7;
    switch (cmd) {
      case 0: // rotate in automatic EOI mode (clear)
      case 4: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = cmd === 4;
        break;
      case 1: // non-specific EOI: clear the highest-priority ISR bit
      case 5: {
        // rotate on non-specific EOI
        const p = this.priorityOf(this.isr);
        if (p !== 8) {
          const irq = (p + this.priorityAdd) & 7;
          this.isr &= ~(1 << irq);
          if (cmd === 5) this.priorityAdd = (irq + 1) & 7;
        }
        break;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 6: // set priority: `level` becomes the lowest
        this.priorityAdd = (level + 1) & 7;
        break;
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.priorityAdd = (level + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
  }

  read(offset: number, _size: number): number {
    if (this.poll) {
      // Poll command (8259A "The Poll Command"): the read acts as INTA; bit 7 = interrupt, bits 2:0 = IR.
      this.poll = false;
      const irq = this.pendingIrq();
      if (irq < 0) return 0;
      this.acknowledgeIrq(irq);
      this.onChange();
      return 0x80 | irq;
    }
    return this.peek(offset);
  }

  /** The register a read would return, without the poll side effect. */
  peek(offset: number): number {
    if (offset === 0) return this.readIsr ? this.isr : this.irr;
    return this.imr;
  }
}

/** The master/slave pair of a PC, with IRQ lines 0-15 and the INTA sequence for the CPU side. */
export class PicPair {
  readonly master: Pic8259;
  readonly slave: Pic8259;
  /** Called when INTR may have become asserted (the VMM then acknowledges and injects). */
  onIntr: () => void = () => {};

  constructor() {
    this.master = new Pic8259("8259A master", true, () => this.onIntr());
    this.slave = new Pic8259("8259A slave", false, () => this.cascade());
  }

  private cascade(): void {
    // The slave's INT output drives the master's IR2.
    this.master.setLine(2, this.slave.pendingIrq() >= 0);
  }

  /** An interrupt line for ISA IRQ `n` (0-15). */
  line(n: number): IrqLine {
    const chip = n < 8 ? this.master : this.slave;
    const irq = n & 7;
    return { raise: () => chip.setLine(irq, true), lower: () => chip.setLine(irq, false) };
  }

  /** INTR: the master has a request to present. */
  intr(): boolean {
    return this.master.pendingIrq() >= 0;
  }

  /** The vector the next INTA would return, without acknowledging (-1 when INTR is low). */
  peekVector(): number {
    const irq = this.master.pendingIrq();
    if (irq < 0) return -1;
    if (irq !== 2) return this.master.vectorBase + irq;
    const slaveIrq = this.slave.pendingIrq();
    return this.slave.vectorBase + (slaveIrq >= 0 ? slaveIrq : 7);
  }

  /**
   * The two INTA cycles: returns the vector and moves the request in service. With no request left
   * (it went away between INTR and INTA), the 8259A answers with IR7 — a spurious interrupt.
   */
  acknowledge(): number {
    const irq = this.master.pendingIrq();
    if (irq < 0) return this.master.vectorBase + 7;
    this.master.acknowledgeIrq(irq);
    if (irq !== 2) return this.master.vectorBase + irq;
    let slaveIrq = this.slave.pendingIrq();
    if (slaveIrq >= 0) this.slave.acknowledgeIrq(slaveIrq);
    else slaveIrq = 7; // spurious on the slave
    this.cascade();
    return this.slave.vectorBase + slaveIrq;
  }
}
