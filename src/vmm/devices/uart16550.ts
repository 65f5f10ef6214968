import type { IoHandler, IrqLine } from "./io-handler";

/**
 * A 16550A UART (National Semiconductor PC16550D datasheet, "NS16550D" below), as QEMU's
 * hw/char/serial.c presents it on COM1 (0x3F8, IRQ 4). It is a pure register machine in the manner of
 * rust-vmm's vm-superio: transmitted bytes go to a sink, received bytes come from the host through
 * `receive()`, and the interrupt goes out through an `IrqLine`.
 *
 * Timing: there is no baud-rate clock. A byte written to THR is transmitted at once (QEMU does the same
 * when the chardev accepts it), so THRE/TEMT are set again immediately. The receive FIFO's character
 * timeout (NS16550D §8.6.3: four character times without activity) fires as soon as the host has no
 * further byte ready, which is what the timeout means for a host that delivers input in bursts.
 */

// Register offsets (NS16550D Table II). DLAB = LCR bit 7 selects the divisor latch at offsets 0/1.
export const RBR = 0; // receiver buffer (read, DLAB=0)
export const THR = 0; // transmitter holding register (write, DLAB=0)
export const DLL = 0; // divisor latch LSB (DLAB=1)
export const IER = 1; // interrupt enable (DLAB=0)
export const DLM = 1; // divisor latch MSB (DLAB=1)
export const IIR = 2; // interrupt identification (read)
export const FCR = 2; // FIFO control (write)
export const LCR = 3; // line control
export const MCR = 4; // modem control
export const LSR = 5; // line status
export const MSR = 6; // modem status
export const SCR = 7; // scratch

// IER bits.
export const IER_ERBFI = 0x01; // received data available interrupt
export const IER_ETBEI = 0x02; // transmitter holding register empty interrupt
export const IER_ELSI = 0x04; // receiver line status interrupt
export const IER_EDSSI = 0x08; // modem status interrupt
const IER_MASK = 0x0f; // the 16550A has no other IER bits (vm-superio masks the same way)

// IIR values (NS16550D Table IV), highest priority first.
export const IIR_NO_INT = 0x01;
export const IIR_RLS = 0x06; // receiver line status (priority 1)
export const IIR_RDA = 0x04; // received data available (priority 2)
export const IIR_CTI = 0x0c; // character timeout (priority 2)
export const IIR_THRI = 0x02; // THR empty (priority 3)
export const IIR_MSI = 0x00; // modem status (priority 4)
export const IIR_FIFO_ENABLED = 0xc0; // bits 7:6 when FCR bit 0 is set

// FCR bits.
export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;

// LCR / MCR bits.
export const LCR_DLAB = 0x80;
export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

// LSR bits.
export const LSR_DR = 0x01; // data ready
export const LSR_OE = 0x02; // overrun error
export const LSR_PE = 0x04; // parity error
export const LSR_FE = 0x08; // framing error
export const LSR_BI = 0x10; // break interrupt
export const LSR_THRE = 0x20; // transmitter holding register empty
export const LSR_TEMT = 0x40; // transmitter empty
export const LSR_RX_FIFO_ERROR = 0x80; // error in RCVR FIFO
const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

// MSR bits.
export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

export const FIFO_SIZE = 16;
/** Receive FIFO trigger levels selected by FCR bits 7:6 (NS16550D Table III). */
const TRIGGER_LEVELS = [1, 4, 8, 14];

/** A snapshot of the device's registers, as named fields (never a positional array). */
export interface Uart16550State {
  ier: number;
  iir: number;
  fcr: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  divisor: number;
  rxFifo: number[];
  thrInterruptPending: boolean;
  timeoutPending: boolean;
}

export class Uart16550 implements IoHandler {
  readonly name: string;
  private ier = 0;
  private fcr = 0; // last value written, bits 7:6 and bit 0 are kept
  private lcr = 0;
  private mcr = 0;
  private lsr = LSR_THRE | LSR_TEMT;
  /** Modem status: QEMU reports DCD|DSR|CTS for a connected chardev. */
  private msr = MSR_DCD | MSR_DSR | MSR_CTS;
  private scr = 0;
  private divisor = 0x0c; // 9600 baud, QEMU's reset value
  private readonly rx: number[] = [];
  /** Bytes the host has sent that the receive FIFO had no room for yet (chardev back-pressure). */
  private readonly hostInput: number[] = [];
  /** The THRE interrupt condition: set when THR empties, cleared by reading IIR or writing THR (NS16550D Table IV). */
  private thrInterruptPending = true;
  private timeoutPending = false;
  private irqLevel = false;

  constructor(
    name: string,
    private readonly irq: IrqLine,
    private readonly sink: (byte: number) => void,
  ) {
    this.name = name;
  }

  private get dlab(): boolean {
    return (this.lcr & LCR_DLAB) !== 0;
  }
  private get fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }
  private get rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }
  private get triggerLevel(): number {
    return this.fifoEnabled ? TRIGGER_LEVELS[(this.fcr >> 6) & 3] : 1;
  }

  // ---- host side -------------------------------------------------------------------------------

  /**
   * Bytes arriving on the line from the host. They enter the receive FIFO as room allows; the rest
   * wait (QEMU's serial_can_receive throttles the chardev the same way, so no byte is lost). In
   * loopback mode the external input is disconnected (NS16550D §8.6.5) and bytes stay queued.
   */
  receive(bytes: Uint8Array | number[]): void {
    for (const b of bytes) this.hostInput.push(b & 0xff);
    this.pumpInput();
    this.updateIrq();
  }

  /** Host bytes not yet taken by the guest (queued plus in the FIFO). */
  pendingInput(): number {
    return this.hostInput.length + this.rx.length;
  }

  private pumpInput(): void {
    if (this.mcr & MCR_LOOP) return;
    while (this.hostInput.length > 0 && this.rx.length < this.rxCapacity) {
      this.rx.push(this.hostInput.shift()!);
    }
    this.lsrFromFifo();
  }

  private lsrFromFifo(): void {
    if (this.rx.length > 0) this.lsr |= LSR_DR;
    else this.lsr &= ~LSR_DR;
    // Character timeout: data sits below the trigger level and nothing more is coming.
    this.timeoutPending = this.fifoEnabled && this.rx.length > 0 && this.rx.length < this.triggerLevel && this.hostInput.length === 0;
  }

  /** A byte arriving at the receiver (from the host or the loopback path). Overrun if there is no room. */
  private receiveByte(b: number): void {
    if (this.rx.length >= this.rxCapacity) {
      // NS16550D: in FIFO mode the shift register's byte is lost and OE set; in 16450 mode RBR is overwritten.
      this.lsr |= LSR_OE;
      if (!this.fifoEnabled) this.rx[0] = b;
    } else {
      this.rx.push(b);
    }
    this.lsrFromFifo();
  }

  // ---- interrupt logic (NS16550D Table IV) ------------------------------------------------------

  /** The highest-priority pending interrupt's IIR code, or IIR_NO_INT. */
  private pendingInterrupt(): number {
    if (this.ier & IER_ELSI && this.lsr & LSR_ERRORS) return IIR_RLS;
    if (this.ier & IER_ERBFI) {
      if (this.timeoutPending) return IIR_CTI;
      if (this.rx.length >= this.triggerLevel) return IIR_RDA;
    }
    if (this.ier & IER_ETBEI && this.thrInterruptPending) return IIR_THRI;
    if (this.ier & IER_EDSSI && this.msr & 0x0f) return IIR_MSI;
    return IIR_NO_INT;
  }

  private updateIrq(): void {
    // QEMU's serial_update_irq does not gate the line with MCR.OUT2 (a PC's board logic would); we
    // follow QEMU, the oracle for guest behaviour here.
    const level = this.pendingInterrupt() !== IIR_NO_INT;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq.raise();
    else this.irq.lower();
  }

  private iirValue(): number {
    return this.pendingInterrupt() | (this.fifoEnabled ? IIR_FIFO_ENABLED : 0);
  }

  // ---- guest side ------------------------------------------------------------------------------

  read(offset: number, size: number): number {
    if (size !== 1) return this.read(offset, 1); // the UART decodes byte lanes only; wider reads see the addressed register
    switch (offset) {
      case RBR: {
        if (this.dlab) return this.divisor & 0xff;
        const b = this.rx.length > 0 ? this.rx.shift()! : 0;
        this.pumpInput();
        this.updateIrq();
        return b;
      }
      case IER:
        return this.dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case IIR: {
        const v = this.iirValue();
        // Reading IIR while it reports THRE clears that interrupt (NS16550D Table IV, "reset control").
        if ((v & 0x0f) === IIR_THRI) {
          this.thrInterruptPending = false;
          this.updateIrq();
        }
        return v;
      }
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR: {
        const v = this.lsr | (this.fifoEnabled && this.lsr & LSR_ERRORS ? LSR_RX_FIFO_ERROR : 0);
        // Reading LSR clears the error bits and with them the line status interrupt.
        this.lsr &= ~LSR_ERRORS;
        this.updateIrq();
        return v;
      }
      case MSR: {
        const v = this.msrValue();
        this.msr &= ~0x0f; // delta bits clear on read
        this.updateIrq();
        return v;
      }
      case SCR:
        return this.scr;
      default:
        return 0xff;
    }
  }

  /** The value a read would return, with no side effect (for debuggers and the UI). */
  peek(offset: number): number {
    switch (offset) {
      case RBR:
        return this.dlab ? this.divisor & 0xff : (this.rx[0] ?? 0);
      case IER:
        return this.dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case IIR:
        return this.iirValue();
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        return this.lsr | (this.fifoEnabled && this.lsr & LSR_ERRORS ? LSR_RX_FIFO_ERROR : 0);
      case MSR:
        return this.msrValue();
      case SCR:
        return this.scr;
      default:
        return 0xff;
    }
  }

  private msrValue(): number {
    if (!(this.mcr & MCR_LOOP)) return this.msr;
    // Loopback (NS16550D §8.6.5): CTS←RTS, DSR←DTR, RI←OUT1, DCD←OUT2; delta bits as latched.
    let v = this.msr & 0x0f;
    if (this.mcr & MCR_RTS) v |= MSR_CTS;
    if (this.mcr & MCR_DTR) v |= MSR_DSR;
    if (this.mcr & MCR_OUT1) v |= MSR_RI;
    if (this.mcr & MCR_OUT2) v |= MSR_DCD;
    return v;
  }

  write(offset: number, size: number, value: number): void {
    if (size !== 1) {
      this.write(offset, 1, value & 0xff);
      return;
    }
    const v = value & 0xff;
    switch (offset) {
      case THR:
        if (this.dlab) {
          this.divisor = (this.divisor & 0xff00) | v;
          return;
        }
        this.thrInterruptPending = false;
        if (this.mcr & MCR_LOOP) this.receiveByte(v);
        else this.sink(v);
        // Transmitted at once: THR and the shift register are empty again, and THRE interrupts anew.
        this.lsr |= LSR_THRE | LSR_TEMT;
        this.thrInterruptPending = true;
        this.updateIrq();
        return;
      case IER: {
        if (this.dlab) {
          this.divisor = (this.divisor & 0x00ff) | (v << 8);
          return;
        }
        const before = this.ier;
        this.ier = v & IER_MASK;
        // Enabling ETBEI while THR is empty raises THRE at once (NS16550D; QEMU's serial_ioport_write).
        if (!(before & IER_ETBEI) && this.ier & IER_ETBEI && this.lsr & LSR_THRE) this.thrInterruptPending = true;
        this.updateIrq();
        return;
      }
      case FCR: {
        const enable = (v & FCR_ENABLE) !== 0;
        // Changing FIFO enable resets both FIFOs (NS16550D FCR bit 0).
        if (enable !== this.fifoEnabled || v & FCR_CLEAR_RX) this.rx.length = 0;
        // FCR_CLEAR_TX: the transmit FIFO is always empty here (bytes leave at once).
        this.fcr = v & 0xc1;
        if (!enable) this.fcr = 0;
        this.pumpInput();
        this.updateIrq();
        return;
      }
      case LCR:
        this.lcr = v;
        return;
      case MCR: {
        const wasLoop = (this.mcr & MCR_LOOP) !== 0;
        this.mcr = v & 0x1f;
        if (wasLoop && !(this.mcr & MCR_LOOP)) this.pumpInput();
        this.updateIrq();
        return;
      }
      case LSR:
      case MSR:
        return; // read-only (writes are a factory test feature, ignored as QEMU does)
      case SCR:
        this.scr = v;
        return;
      default:
        return;
    }
  }

  /** A snapshot (named fields). `iir` is derived and informative; `msr` is the stored register (peek(MSR) gives the loopback view). */
  state(): Uart16550State {
    return {
      ier: this.ier,
      iir: this.iirValue(),
      fcr: this.fcr,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      msr: this.msr,
      scr: this.scr,
      divisor: this.divisor,
      rxFifo: [...this.rx],
      thrInterruptPending: this.thrInterruptPending,
      timeoutPending: this.timeoutPending,
    };
  }

  /**
   * Rebuilds a UART from a snapshot, after checking it describes a state a 16550A can be in (as
   * vm-superio's `from_state` does); returns the reason otherwise. Host input still queued is not
   * part of the device and is not restored.
   */
  static fromState(name: string, irq: IrqLine, sink: (byte: number) => void, s: Uart16550State): Uart16550 | string {
    const byte = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xff;
    for (const f of ["ier", "fcr", "lcr", "mcr", "lsr", "msr", "scr"] as const) {
      if (!byte(s[f])) return `${f} must be a byte (got ${String(s[f])})`;
    }
    if (s.ier & ~IER_MASK) return `ier has bits a 16550A does not have (0x${s.ier.toString(16)})`;
    if (!Number.isInteger(s.divisor) || s.divisor < 0 || s.divisor > 0xffff) return `divisor must be 0..0xffff (got ${s.divisor})`;
    if (!Array.isArray(s.rxFifo) || !s.rxFifo.every(byte)) return "rxFifo must be an array of bytes";
    const capacity = s.fcr & FCR_ENABLE ? FIFO_SIZE : 1;
    if (s.rxFifo.length > capacity) return `rxFifo holds ${s.rxFifo.length} bytes; the receiver holds at most ${capacity}`;
    const u = new Uart16550(name, irq, sink);
    u.ier = s.ier;
    u.fcr = s.fcr & 0xc1;
    u.lcr = s.lcr;
    u.mcr = s.mcr & 0x1f;
    u.lsr = s.lsr;
    u.msr = s.msr;
    u.scr = s.scr;
    u.divisor = s.divisor;
    u.rx.push(...s.rxFifo);
    u.thrInterruptPending = s.thrInterruptPending === true;
    u.lsrFromFifo();
    u.updateIrq();
    return u;
  }
}
