import type { IoHandler } from "./io-handler";

/**
 * QEMU's ISA debug console (`-device isa-debugcon,iobase=0xe9`, hw/char/debugcon.c): every byte
 * written goes to the console; a read returns the "readback" value, 0xE9 by default, which is how a
 * guest detects the device.
 */
export const DEBUGCON_READBACK = 0xe9;

export class DebugCon implements IoHandler {
  readonly name = "debugcon";
  /** debugcon.c: `.valid.max_access_size = 1`: an OUT DX, AX to 0xE9 prints nothing under QEMU. */
  readonly maxAccess = 1;
  constructor(private readonly sink: (byte: number) => void) {}

  read(_offset: number, _size: number): number {
    // debugcon_ioport_read returns the readback byte whatever the access size asked for.
    return DEBUGCON_READBACK;
  }

  write(_offset: number, _size: number, value: number): void {
    // debugcon_ioport_write outputs only the low byte (`unsigned char ch = val`).
    this.sink(value & 0xff);
  }
}
