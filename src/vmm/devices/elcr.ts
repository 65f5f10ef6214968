import { readByteLanes, writeByteLanes } from "./byte-lanes";
import type { IoHandler } from "./io-handler";
import type { PicPair } from "./pic8259";

/**
 * The edge/level control registers of the PC's interrupt controllers at ports 0x4D0 (ELCR1, master
 * IRQ 0-7, offset 0) and 0x4D1 (ELCR2, slave IRQ 8-15, offset 1) (Intel 82371SB PIIX3 datasheet,
 * "ELCR1/ELCR2 — Edge/Level Control Registers"): bit n set makes IRQ n level-triggered. IRQ 0, 1, 2,
 * 8 and 13 must stay edge-triggered, so those bits read 0 (QEMU's elcr_mask 0xF8 / 0xDE).
 */
export class Elcr implements IoHandler {
  readonly name = "8259A ELCR (0x4d0)";
  private readonly readByteBound = (offset: number) => this.readByte(offset);
  private readonly writeByteBound = (offset: number, value: number) => this.writeByte(offset, value);

  constructor(private readonly pics: PicPair) {}

  read(offset: number, size: number): number {
    return readByteLanes(this.readByteBound, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    writeByteLanes(this.writeByteBound, offset, size, value);
  }

  private readByte(offset: number): number {
    if (offset === 0) return this.pics.master.getElcr();
    if (offset === 1) return this.pics.slave.getElcr();
    return 0xff;
  }

  private writeByte(offset: number, value: number): void {
    if (offset === 0) this.pics.master.setElcr(value);
    else if (offset === 1) this.pics.slave.setElcr(value);
  }
}
