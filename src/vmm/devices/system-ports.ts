import type { DeviceClock } from "./device-clock";
import type { IoHandler } from "./io-handler";
import type { Pit8254 } from "./pit8254";

/**
 * System Control Port B, port 0x61 (IBM PC AT Technical Reference, "Port B"; Intel 82371 PIIX
 * datasheet §4.2, "NMI Status and Control Register"; QEMU hw/audio/pcspk.c for what a guest sees):
 *
 *   bit 0  R/W  timer 2 GATE (drives the 8254's counter 2 gate input)
 *   bit 1  R/W  speaker data enable (ANDed with OUT2 to drive the speaker)
 *   bit 2  R/W  parity check (SERR#) enable, active low
 *   bit 3  R/W  I/O channel check (IOCHK#) enable, active low
 *   bit 4  RO   refresh cycle toggle: flips on every DRAM refresh request (every 15.085 µs)
 *   bit 5  RO   timer 2 OUT
 *   bit 6  RO   IOCHK# NMI source status (never set here)
 *   bit 7  RO   SERR# NMI source status (never set here)
 *
 * Guests use bit 4 to busy-wait fixed delays and bits 0/5 to calibrate against counter 2 (Linux's
 * pit_calibrate_tsc). QEMU reads bits 2-3 as 0; the PIIX datasheet has them read/write, so they are kept.
 */
export const REFRESH_PERIOD_NS = 15_085;

export class SystemControlPortB implements IoHandler {
  readonly name = "system control port B (0x61)";
  /** Bits 3:1 as last written (bit 0 lives in the PIT as counter 2's gate). */
  private latched = 0;

  constructor(
    private readonly clock: DeviceClock,
    private readonly pit: Pit8254,
  ) {}

  read(_offset: number, _size: number): number {
    const refresh = Math.floor(this.clock.now() / REFRESH_PERIOD_NS) & 1;
    return (this.pit.gate(2) ? 0x01 : 0) | this.latched | (refresh << 4) | (this.pit.out(2) ? 0x20 : 0);
  }

  write(_offset: number, _size: number, value: number): void {
    this.latched = value & 0x0e;
    this.pit.setGate(2, (value & 1) !== 0);
  }

  /** The speaker is driven when its data bit is set and counter 2's OUT is high (the two are ANDed). */
  speakerOn(): boolean {
    return (this.latched & 0x02) !== 0 && this.pit.out(2);
  }
}

/** What port 0x92 controls outside itself. */
export interface SystemControlPortAWiring {
  /** Called on every write with bit 1 (alternate gate A20), as QEMU's port92_write drives its A20 line. */
  setA20(enabled: boolean): void;
  /** Bit 0 going from 0 to 1 (alternate hot reset): the machine resets the CPU. */
  reset(): void;
}

/**
 * System Control Port A, port 0x92 (IBM PS/2 Hardware Interface Technical Reference, "System Control
 * Port A"; QEMU hw/i386/port92.c as the oracle for the register's storage):
 *
 *   bit 0  alternate hot reset: a 0 → 1 transition resets the processor
 *   bit 1  alternate gate A20: 1 = A20 enabled
 *   bit 3  security lock latch; bits 6-7 fixed disk activity light (stored, no effect)
 *
 * The register reads back as written (QEMU keeps the whole byte). The initial value has A20 enabled,
 * the state a BIOS leaves (SeaBIOS enables A20 through this port before booting), which is also the
 * state the VMM starts guests in.
 */
export class SystemControlPortA implements IoHandler {
  readonly name = "system control port A (0x92)";
  private value: number;

  constructor(
    private readonly wiring: SystemControlPortAWiring,
    initial = 0x02,
  ) {
    this.value = initial & 0xff;
  }

  read(_offset: number, _size: number): number {
    return this.value;
  }

  write(_offset: number, _size: number, value: number): void {
    const old = this.value;
    this.value = value & 0xff;
    this.wiring.setA20((value & 0x02) !== 0);
    if (value & 0x01 && !(old & 0x01)) this.wiring.reset();
  }

  /** A machine reset clears the reset bit again (QEMU's port92_reset), so the next 0 → 1 fires. */
  machineReset(): void {
    this.value &= ~0x01;
  }
}
