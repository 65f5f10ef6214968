/**
 * The device state a PC's firmware leaves behind, so a guest booted here meets the machine QEMU hands
 * it after SeaBIOS (the oracle of ARCHITECTURE.md "The guest's view of the machine"). Recorded from
 * qemu-ref with a probe guest that read it back:
 *   8259A master: ICW2 = 0x08 (IRQ 0 → vector 8), mask 0xB8 (IRQ 0, 1, 2, 6 unmasked);
 *   8259A slave:  ICW2 = 0x70, mask 0x8E (IRQ 8, 12, 13, 14 unmasked);
 *   8254 counter 0: mode 2, LSB then MSB, binary, count 0 (65536: IRQ 0 at 18.2 Hz) — read-back 0x34.
 * The VMM programs them through the devices' own registers, as the firmware does.
 */
import type { PicPair } from "./devices/pic8259";
import type { Pit8254 } from "./devices/pit8254";

export function firmwareInit(pics: PicPair, pit: Pit8254): void {
  // ICW1 (edge, cascade, ICW4), ICW2 (vector base), ICW3 (cascade on IR2 / slave ID 2), ICW4 (8086), OCW1.
  for (const [chip, base, icw3, mask] of [[pics.master, 0x08, 0x04, 0xb8], [pics.slave, 0x70, 0x02, 0x8e]] as const) {
    chip.write(0, 1, 0x11);
    chip.write(1, 1, base);
    chip.write(1, 1, icw3);
    chip.write(1, 1, 0x01);
    chip.write(1, 1, mask);
  }
  // Counter 0: control word 0x34 (counter 0, LSB/MSB, mode 2, binary), count 0x0000.
  pit.write(3, 1, 0x34);
  pit.write(0, 1, 0x00);
  pit.write(0, 1, 0x00);
}
