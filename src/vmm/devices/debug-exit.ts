import { allOnes, type IoHandler } from "./io-handler";

/**
 * QEMU's isa-debug-exit (`iobase=0xf4,iosize=0x04`, hw/misc/debugexit.c): a write of v at any offset
 * ends the machine with exit status (v << 1) | 1, so a guest can never report plain success (0).
 * The device has no read callback; reads float like an unassigned port.
 */
export class DebugExit implements IoHandler {
  readonly name = "isa-debug-exit";
  constructor(private readonly onExit: (exitStatus: number) => void) {}

  read(_offset: number, size: number): number {
    return allOnes(size);
  }

  write(_offset: number, size: number, value: number): void {
    const v = size >= 4 ? value >>> 0 : value & allOnes(size);
    // QEMU calls exit((val << 1) | 1); the host truncates the status to 8 bits, the CLI does too.
    this.onExit(((v << 1) | 1) >>> 0);
  }
}

/**
 * Ports that no device decodes: reads give all ones and writes vanish, as on QEMU's ISA bus
 * (and v86's io.js). Covering the rest of the port space with this handler keeps an untrapped port
 * from stopping the guest with ZX_ERR_NOT_FOUND. Includes port 0x80 (POST codes).
 */
export class Unassigned implements IoHandler {
  readonly name = "unassigned";
  read(_offset: number, size: number): number {
    return allOnes(size);
  }
  write(_offset: number, _size: number, _value: number): void {}
}
