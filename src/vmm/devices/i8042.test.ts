import { describe, expect, it } from "vitest";
import * as K from "./i8042";
import { I8042 } from "./i8042";

/** Register-level tests of the 8042 keyboard controller (IBM PS/2 Hardware Interface Technical Reference). */
function setup(options?: K.I8042Options) {
  const line = () => ({
    level: false,
    raises: 0,
    raise() {
      this.level = true;
      this.raises++;
    },
    lower() {
      this.level = false;
    },
  });
  const irq1 = line();
  const irq12 = line();
  const a20: boolean[] = [];
  let resets = 0;
  const kbc = new I8042({ irq1, irq12, setA20: (on) => a20.push(on), reset: () => resets++ }, options);
  const status = () => kbc.read(4, 1);
  const command = (v: number) => kbc.write(4, 1, v);
  const data = () => kbc.read(0, 1);
  const send = (v: number) => kbc.write(0, 1, v);
  /** Every byte waiting in the output buffer, read as a polling driver would. */
  const drain = () => {
    const out: number[] = [];
    while (status() & K.ST_OBF) out.push(data());
    return out;
  };
  return { kbc, irq1, irq12, a20, resets: () => resets, status, command, data, send, drain };
}

describe("i8042 keyboard controller, register level", () => {
  it("starts in the state SeaBIOS leaves under QEMU: status 0x1C, command byte 0x61, output port 0xCF", () => {
    // Recorded with qemu-ref (a Multiboot probe reading ports 0x64/0x60 with commands 0x20 and 0xD0).
    const { status, command, data } = setup();
    expect(status()).toBe(0x1c);
    command(0x20);
    expect(status()).toBe(0x1c | K.ST_OBF);
    expect(data()).toBe(0x61);
    expect(status()).toBe(0x1c);
    command(0xd0);
    expect(data()).toBe(0xcf);
  });

  it("tracks the last port written in status bit 3 and the command byte's system flag in bit 2 (IBM Status Register)", () => {
    const { status, command, send } = setup();
    command(0x60);
    expect(status() & K.ST_CMD).toBe(K.ST_CMD);
    send(0x41); // command byte without the system flag
    expect(status() & (K.ST_CMD | K.ST_SYS)).toBe(0);
    command(0xaa); // self-test sets it again
    expect(status() & (K.ST_CMD | K.ST_SYS)).toBe(K.ST_CMD | K.ST_SYS);
  });

  it("answers self-test 0x55 and the interface tests 0x00", () => {
    const { command, drain } = setup();
    command(0xaa);
    expect(drain()).toEqual([0x55]);
    command(0xab);
    expect(drain()).toEqual([0x00]);
    command(0xa9);
    expect(drain()).toEqual([0x00]);
    command(0xc0);
    expect(drain()).toEqual([0x80]);
  });

  it("raises IRQ 1 for output-buffer data only when the command byte enables it, and drops it on the read", () => {
    const { irq1, command, send, data } = setup();
    command(0x60);
    send(0x00); // no interrupts
    command(0x20);
    expect(irq1.level).toBe(false);
    expect(data()).toBe(0x00);
    command(0x60);
    send(K.CB_KBD_INT);
    command(0x20);
    expect(irq1.level).toBe(true);
    expect(data()).toBe(K.CB_KBD_INT);
    expect(irq1.level).toBe(false);
  });

  it("gives every byte its own IRQ 1 edge and repeats the last byte when the buffer is empty", () => {
    const { kbc, irq1, data, status } = setup();
    kbc.keyInput([0x1e, 0x9e, 0x30]);
    expect(irq1.raises).toBe(1);
    expect(data()).toBe(0x1e);
    expect(irq1.raises).toBe(2);
    expect(data()).toBe(0x9e);
    expect(data()).toBe(0x30);
    expect(irq1.raises).toBe(3);
    expect(irq1.level).toBe(false);
    expect(status() & K.ST_OBF).toBe(0);
    expect(data()).toBe(0x30); // QEMU: "if no data left, we return the last keyboard one"
  });

  it("holds keyboard data while the interface is disabled (0xAD) and releases it on 0xAE", () => {
    const { kbc, irq1, command, status, drain } = setup();
    command(0xad);
    kbc.keyInput([0x1c]);
    expect(status() & K.ST_OBF).toBe(0);
    expect(irq1.level).toBe(false);
    command(0x20); // controller replies still come through
    expect(drain()).toEqual([0x61 | K.CB_KBD_DISABLE]);
    command(0xae);
    expect(irq1.level).toBe(true);
    expect(drain()).toEqual([0x1c]);
  });

  it("answers the keyboard commands a guest sends at boot (IBM Keyboard Commands; QEMU ps2.c)", () => {
    const { kbc, send, drain } = setup();
    send(0xff);
    expect(drain()).toEqual([0xfa, 0xaa]); // ACK, basic assurance test passed
    send(0xf5);
    expect(drain()).toEqual([0xfa]);
    kbc.keyInput([0x10]); // not scanning: dropped
    expect(drain()).toEqual([]);
    send(0xf4);
    expect(drain()).toEqual([0xfa]);
    send(0xed);
    send(0x07);
    expect(drain()).toEqual([0xfa]); // the parameter's ACK replaced the unread command ACK
    expect(kbc.keyboardLeds).toBe(7);
    send(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]); // MF2 keyboard, translated ID (qemu-ref shows the same)
    send(0xee);
    expect(drain()).toEqual([0xee]);
    send(0xf0);
    send(0x00);
    expect(drain()).toEqual([0xfa, 0x41]); // scan code set 2, as seen through translation
    send(0xf3);
    expect(drain()).toEqual([0xfa]);
    send(0x20);
    expect(drain()).toEqual([0xfa]);
    send(0x99);
    expect(drain()).toEqual([0xfe]); // unknown: resend
  });

  it("reports the raw ID without translation and puts command replies ahead of queued scancodes", () => {
    const { kbc, command, send, drain } = setup();
    command(0x60);
    send(0x01); // translation off
    kbc.keyInput([0x1c, 0xf0, 0x1c]);
    send(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83, 0x1c, 0xf0, 0x1c]);
  });

  it("keeps at most 16 scancodes and empties the buffer on a keyboard reset", () => {
    const { kbc, send, drain } = setup();
    kbc.keyInput(Array.from({ length: 20 }, (_, i) => i));
    send(0xff);
    expect(drain()).toEqual([0xfa, 0xaa]);
    kbc.keyInput(Array.from({ length: 20 }, (_, i) => i));
    expect(drain()).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it("gates A20 and resets through the output port (0xD1), 0xDD/0xDF and the pulse commands", () => {
    const { a20, resets, command, send, drain } = setup();
    command(0xd1);
    send(0xcd); // A20 off, reset line high
    expect(a20).toEqual([false]);
    expect(resets()).toBe(0);
    command(0xd0);
    expect(drain()).toEqual([0xcd]);
    command(0xdf);
    command(0xdd);
    expect(a20).toEqual([false, true, false]);
    command(0xd1);
    send(0xce); // bit 0 low: the processor is reset
    expect(resets()).toBe(1);
    command(0xfe); // pulse the reset line
    expect(resets()).toBe(2);
    command(0xff); // pulse no bits
    command(0xfd); // pulse bit 1 only
    expect(resets()).toBe(2);
    command(0xf0); // pulse bits 3-0
    expect(resets()).toBe(3);
  });

  it("routes 0xD2 as keyboard data on IRQ 1 and 0xD3 as auxiliary data on IRQ 12 with status bit 5", () => {
    const { irq1, irq12, status, command, send, data } = setup();
    command(0x60);
    send(K.CB_KBD_INT | K.CB_AUX_INT);
    command(0xd2);
    send(0x5a);
    expect(irq1.level).toBe(true);
    expect(status() & K.ST_AUX_OBF).toBe(0);
    expect(data()).toBe(0x5a);
    command(0xd3);
    send(0xa5);
    expect(irq12.level).toBe(true);
    expect(irq1.level).toBe(false);
    expect(status() & (K.ST_OBF | K.ST_AUX_OBF)).toBe(K.ST_OBF | K.ST_AUX_OBF);
    expect(data()).toBe(0xa5);
    expect(irq12.level).toBe(false);
  });

  it("disables and enables the auxiliary port with 0xA7/0xA8 and talks to the mouse through 0xD4", () => {
    const { kbc, irq12, status, command, send, drain } = setup();
    command(0xa8);
    expect(kbc.commandByte & K.CB_AUX_DISABLE).toBe(0);
    command(0x60);
    send(K.CB_AUX_INT | K.CB_XLATE);
    command(0xd4);
    send(0xff);
    expect(irq12.level).toBe(true);
    expect(status() & K.ST_AUX_OBF).toBe(K.ST_AUX_OBF);
    expect(drain()).toEqual([0xfa, 0xaa, 0x00]);
    command(0xd4);
    send(0xf2);
    expect(drain()).toEqual([0xfa, 0x00]);
    command(0xd4);
    send(0xf3);
    command(0xd4);
    send(40);
    command(0xd4);
    send(0xe9);
    expect(drain()).toEqual([0xfa, 0xfa, 0xfa, 0x00, 0x02, 40]);
    command(0xa7);
    expect(kbc.commandByte & K.CB_AUX_DISABLE).toBe(K.CB_AUX_DISABLE);
    command(0xd4); // talking to the mouse enables its interface again (QEMU)
    send(0xf4);
    expect(kbc.commandByte & K.CB_AUX_DISABLE).toBe(0);
    expect(drain()).toEqual([0xfa]);
  });

  it("reads and writes the controller RAM through 0x20-0x3F / 0x60-0x7F", () => {
    const { command, send, drain } = setup();
    command(0x65);
    send(0x3c);
    command(0x25);
    expect(drain()).toEqual([0x3c]);
  });

  it("serves ports 0x60 and 0x64 through separate one-port handlers too", () => {
    const { kbc } = setup();
    expect(kbc.commandPort.read(0, 1)).toBe(0x1c);
    kbc.commandPort.write(0, 1, 0x20);
    expect(kbc.dataPort.read(0, 1)).toBe(0x61);
    expect(kbc.read(2, 1)).toBe(0xff); // offsets between belong to other devices
  });
});
