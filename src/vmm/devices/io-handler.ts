/**
 * What a device model is to the VMM: a register machine reached through port or MMIO accesses,
 * seeing offsets relative to its own mapping (Fuchsia's `IoHandler` in src/virtualization/bin/vmm/io.h,
 * Firecracker's bus devices). A device never sees a guest, a VCPU or a handle: it gets narrow
 * capabilities (an interrupt line, a byte sink) through its constructor.
 *
 * Guest input never throws: an access the device does not decode reads as all ones (the floating
 * ISA bus) or is ignored on write.
 */
export interface IoHandler {
  /** Short name for logs and the exit log ("uart16550 COM1", "debugcon"). */
  readonly name: string;
  /** A guest read of `size` bytes (1, 2 or 4) at `offset` within the mapping. */
  read(offset: number, size: number): number;
  /** A guest write of `size` bytes (1, 2 or 4); `value` holds the low `size` bytes. */
  write(offset: number, size: number, value: number): void;
  /**
   * The widest access the device decodes (QEMU's `valid.max_access_size`); a wider one that starts in
   * its range is dropped (write) or reads as all ones, as QEMU's memory core does. Default: any width,
   * an access running past the range being split into bytes.
   */
  readonly maxAccess?: number;
  /** Devices behind a BELL trap: a doorbell write at `offset` (no value; the VCPU did not wait). */
  ring?(offset: number): void;
}

/** An interrupt request line from a device to an interrupt controller (vm-superio's `Trigger`). */
export interface IrqLine {
  raise(): void;
  lower(): void;
}

/** All ones for an access of `size` bytes: what an ISA read returns when nobody drives the bus. */
export function allOnes(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
