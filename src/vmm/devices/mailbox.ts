import type { IoHandler } from "./io-handler";

/**
 * The playground's teaching device: one page of MMIO registers (reached through a MEM trap, so every
 * access is an exit whose instruction the VMM decodes) and one doorbell page (a BELL trap: the VCPU
 * does not stop; the kernel queues a packet on the VMM's port and the VMM answers later). It is not a
 * model of real hardware; QEMU has no such device.
 *
 * Registers (32-bit, little-endian; other offsets read 0 and ignore writes):
 *   0x00 ID       RO  0x4c505648 ("HVPL")
 *   0x04 VERSION  RO  1
 *   0x08 SCRATCH  RW  any value
 *   0x0C ACCESSES RO  MMIO accesses so far, this one included (each one was a VM exit)
 *   0x10 MAILBOX  RW  guest-physical address of a NUL-terminated message for the doorbell
 *   0x14 RINGS    RO  doorbell rings the VMM has handled
 * Doorbell: a write anywhere in the bell page asks the VMM to print the message at MAILBOX (at most
 * 256 bytes) as "[doorbell] <message>\r\n". The guest learns that it was handled by polling RINGS.
 */
export const MAILBOX_ID = 0x4c505648;
const MAX_MESSAGE = 256;

export class MailboxDevice implements IoHandler {
  readonly name = "mailbox";
  private scratch = 0;
  private accesses = 0;
  private mailbox = 0;
  private rings = 0;

  constructor(
    /** Up to `len` bytes of guest RAM from `gpa` (fewer at the end of RAM); null when `gpa` is outside RAM. */
    private readonly readGuest: (gpa: number, len: number) => Uint8Array | null,
    private readonly print: (bytes: Uint8Array) => void,
  ) {}

  read(offset: number, size: number): number {
    this.accesses++;
    let v: number;
    switch (offset & ~3) {
      case 0x00: v = MAILBOX_ID; break;
      case 0x04: v = 1; break;
      case 0x08: v = this.scratch; break;
      case 0x0c: v = this.accesses; break;
      case 0x10: v = this.mailbox; break;
      case 0x14: v = this.rings; break;
      default: v = 0;
    }
    // A narrower access reads the addressed bytes of the register.
    const shift = (offset & 3) * 8;
    const mask = size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    return ((v >>> shift) & mask) >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    this.accesses++;
    const reg = offset & ~3;
    if (reg !== 0x08 && reg !== 0x10) return;
    const shift = (offset & 3) * 8;
    const mask = (size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1) << shift;
    const cur = reg === 0x08 ? this.scratch : this.mailbox;
    const next = ((cur & ~mask) | ((value << shift) & mask)) >>> 0;
    if (reg === 0x08) this.scratch = next;
    else this.mailbox = next;
  }

  /** The doorbell rang (a BELL packet for `offset` within the bell page arrived on the VMM's port). */
  ring(_offset: number): void {
    const bytes = this.readGuest(this.mailbox, MAX_MESSAGE);
    let text: Uint8Array;
    if (!bytes) text = new TextEncoder().encode(`[doorbell] mailbox 0x${this.mailbox.toString(16)} is outside RAM\r\n`);
    else {
      let end = bytes.indexOf(0);
      if (end < 0) end = bytes.length;
      const head = new TextEncoder().encode("[doorbell] ");
      text = new Uint8Array(head.length + end + 2);
      text.set(head);
      text.set(bytes.subarray(0, end), head.length);
      text.set([13, 10], head.length + end);
    }
    this.print(text);
    this.rings++;
  }
}
