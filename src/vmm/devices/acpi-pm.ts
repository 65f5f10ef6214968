import { allOnes, type IoHandler } from "./io-handler";

/**
 * The ACPI PM1 register blocks the FADT names (acpi.ts; ACPI 6.4 §4.8.3.1 "PM1 Event Grouping" and
 * §4.8.3.2 "PM1 Control Grouping"), as Fuchsia's VMM has them (arch/x64/io_port.cc Pm1Handler):
 *   event block (4 ports): PM1_STS at +0 (16 bits, write 1 to clear: nothing ever sets a bit here) and
 *   PM1_EN at +2 (16 bits, kept as written);
 *   control block (2 ports): PM1_CNT, SCI_EN (bit 0) always set, since the FADT has no SMI_CMD and the
 *   machine is always in ACPI mode; the other bits are kept as written (SLP_EN, bit 13, is write-only
 *   and reads 0). Sleep states are not implemented: the DSDT offers none.
 * Accesses may be bytes or words; a byte reads or writes its half of the register.
 */
export const PM1_SCI_EN = 1 << 0;
const PM1_SLP_EN = 1 << 13;

export class AcpiPm1 {
  private enable = 0;
  private control = PM1_SCI_EN;

  /** The event block: PM1_STS and PM1_EN. */
  readonly eventBlock: IoHandler = {
    name: "acpi pm1 event",
    // PM1_STS (always 0) in bytes 0-1 and PM1_EN in bytes 2-3: a dword access covers both.
    read: (offset, size) => {
      const block = (this.enable << 16) >>> 0;
      const v = offset >= 4 ? 0xffffffff : Math.floor(block / 2 ** (offset * 8)) >>> 0;
      return size >= 4 ? v : v & allOnes(size);
    },
    write: (offset, size, value) => {
      // Byte by byte: STS bytes are write-1-to-clear (nothing is ever set), EN bytes are stored.
      for (let i = 0; i < size; i++) {
        const at = offset + i;
        if (at === 2 || at === 3) this.enable = this.merge(this.enable, at - 2, 1, (value >>> (i * 8)) & 0xff);
      }
    },
  };

  /** The control block: PM1_CNT. */
  readonly controlBlock: IoHandler = {
    name: "acpi pm1 control",
    read: (offset, size) => this.readReg(this.control, offset, size),
    write: (offset, size, value) => {
      this.control = (this.merge(this.control, offset, size, value) & ~PM1_SLP_EN) | PM1_SCI_EN;
    },
  };

  /** `size` bytes of a 16-bit register from byte `at` (0 or 1); bytes past it read as all ones. */
  private readReg(reg: number, at: number, size: number): number {
    const v = (reg >>> (at * 8)) & 0xffff;
    if (at + size <= 2) return v & allOnes(size);
    return (v | (allOnes(size) << ((2 - at) * 8))) >>> 0;
  }

  private merge(reg: number, at: number, size: number, value: number): number {
    const width = Math.min(size, 2 - at);
    const mask = allOnes(width) << (at * 8);
    return ((reg & ~mask) | ((value << (at * 8)) & mask)) & 0xffff;
  }
}
