import type { IoHandler, IrqLine } from "./io-handler";

/**
 * The 8042 keyboard controller of a PC (IBM Personal System/2 Hardware Interface Technical Reference,
 * "Keyboard/Auxiliary Device Controller"; IBM PC AT Technical Reference, "Keyboard Controller"; "IBM"
 * below) with a PS/2 keyboard and a minimal PS/2 mouse behind it. Port 0x60 is the data port (offset 0),
 * port 0x64 the status (read) and command (write) port (offset 4). QEMU's hw/input/pckbd.c and ps2.c
 * are the oracle for what IBM leaves open (reset values, replies of commands QEMU implements).
 *
 * The controller's jobs for a VMM: answer the commands guests send at boot, gate A20 and pulse the
 * reset line through its output port, and deliver keyboard bytes on IRQ 1 (mouse bytes on IRQ 12).
 * Host key presses arrive as scancodes through `keyInput` (already in the set the guest expects: no
 * translation is applied here).
 */

// Status register (IBM "Status Register").
export const ST_OBF = 0x01; // output buffer full
export const ST_IBF = 0x02; // input buffer full (never: commands complete at once)
export const ST_SYS = 0x04; // system flag
export const ST_CMD = 0x08; // last write was to port 0x64 (command), not 0x60 (data)
export const ST_UNLOCKED = 0x10; // inhibit switch: 1 = keyboard not inhibited
export const ST_AUX_OBF = 0x20; // the output buffer holds auxiliary-device data

// Command byte (controller RAM byte 0; IBM "Command Byte").
export const CB_KBD_INT = 0x01; // IRQ 1 when keyboard data is in the output buffer
export const CB_AUX_INT = 0x02; // IRQ 12 when auxiliary data is in the output buffer
export const CB_SYS = 0x04; // system flag
export const CB_KBD_DISABLE = 0x10; // keyboard interface disabled
export const CB_AUX_DISABLE = 0x20; // auxiliary interface disabled
export const CB_XLATE = 0x40; // translate to scan code set 1

// Output port (IBM "Output Port").
export const OUT_RESET = 0x01; // 0 holds the processor in reset
export const OUT_A20 = 0x02; // gate A20
const OUT_OBF = 0x10;
const OUT_AUX_OBF = 0x20;
/** Bits QEMU keeps set in the output port (clock/data lines idle high): 0xCF with reset and A20. */
const OUT_ONES = 0xcc;

const KBD_ACK = 0xfa;
const KBD_RESEND = 0xfe;
const KBD_POR = 0xaa; // basic assurance test passed
/** A PS/2 device buffers 16 bytes (QEMU's PS2_QUEUE_SIZE). */
export const PS2_QUEUE_SIZE = 16;
/** Scan code set numbers as reported through translation (QEMU ps2.c translate_table[1..3]). */
const TRANSLATED_SET = [0, 0x43, 0x41, 0x3f];

export interface I8042Wiring {
  /** ISA IRQ 1: keyboard data waiting and CB_KBD_INT set. */
  irq1: IrqLine;
  /** ISA IRQ 12: mouse data waiting and CB_AUX_INT set. */
  irq12?: IrqLine;
  /** Output port bit 1 (0xD1 writes, 0xDD/0xDF), as QEMU's a20_out line. */
  setA20(enabled: boolean): void;
  /** The reset line pulsed (0xFE, 0xF0-0xFE with bit 0 clear) or held (0xD1 with bit 0 clear). */
  reset(): void;
}

export interface I8042Options {
  /**
   * The command byte at start. Default 0x61 (keyboard IRQ, mouse disabled, translation on): what a
   * guest finds after SeaBIOS under QEMU, the state the VMM starts guests in. QEMU's own reset is 0x03.
   */
  commandByte?: number;
}

/** Where the byte at the head of the output buffer comes from (QEMU's priority order). */
const SRC_NONE = 0;
const SRC_CTRL_KBD = 1;
const SRC_CTRL_AUX = 2;
const SRC_KBD = 3;
const SRC_AUX = 4;

export class I8042 implements IoHandler {
  readonly name = "i8042 keyboard controller";
  /** A handler for port 0x60 alone and one for port 0x64 alone, for two one-port trap rows. */
  readonly dataPort: IoHandler;
  readonly commandPort: IoHandler;

  /** Controller RAM (IBM commands 0x20-0x3F / 0x60-0x7F); byte 0 is the command byte. */
  private readonly ram = new Uint8Array(32);
  private statusBits = ST_SYS | ST_CMD | ST_UNLOCKED;
  private outport = OUT_RESET | OUT_A20 | OUT_ONES;
  /** A controller command waiting for its data byte on port 0x60 (0x60-0x7F, 0xD1-0xD4), or 0. */
  private pendingCommand = 0;
  /** A controller reply (one byte, as QEMU's cbdata) and whether it counts as keyboard or aux data. */
  private ctrlData = 0;
  private ctrlSource = SRC_NONE;
  private readonly kbdQueue: number[] = [];
  /** Keyboard command replies at the head of kbdQueue: a new command discards them (QEMU's cqueue). */
  private kbdReplies = 0;
  private readonly auxQueue: number[] = [];
  /** What port 0x60 returns when nothing is waiting: the last byte read (QEMU's obdata). */
  private lastData = 0;
  private irq1Level = false;
  private irq12Level = false;

  // The keyboard (IBM "Keyboard Commands"; QEMU ps2.c ps2_write_keyboard).
  private scanning = true;
  private kbdCommand = -1;
  private leds = 0;
  private scancodeSet = 2;
  // The mouse (QEMU ps2.c ps2_write_mouse).
  private auxCommand = -1;
  private mouseStatus = 0;
  private mouseResolution = 2;
  private mouseRate = 100;
  private mouseWrap = false;

  constructor(
    private readonly wiring: I8042Wiring,
    options: I8042Options = {},
  ) {
    this.ram[0] = (options.commandByte ?? 0x61) & 0xff;
    this.dataPort = {
      name: "i8042 data (0x60)",
      read: () => this.readData(),
      write: (_o, _s, v) => this.writeData(v & 0xff),
    };
    this.commandPort = {
      name: "i8042 status/command (0x64)",
      read: () => this.readStatus(),
      write: (_o, _s, v) => this.writeCommand(v & 0xff),
    };
  }

  /** Offsets within 0x60..0x64: 0 = data, 4 = status/command; the ports between belong to others. */
  read(offset: number, _size: number): number {
    if (offset === 0) return this.readData();
    if (offset === 4) return this.readStatus();
    return 0xff;
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === 0) this.writeData(value & 0xff);
    else if (offset === 4) this.writeCommand(value & 0xff);
  }

  get commandByte(): number {
    return this.ram[0];
  }

  /** The keyboard LED state last set with 0xED (bit 0 Scroll, 1 Num, 2 Caps Lock). */
  get keyboardLeds(): number {
    return this.leds;
  }

  /**
   * Scancodes from the host keyboard. Discarded while the keyboard is not scanning (after 0xF5, as
   * QEMU's ps2_keyboard_event does); bytes beyond the 16-byte buffer are lost.
   */
  keyInput(bytes: Uint8Array | number[]): void {
    if (!this.scanning) return;
    for (const b of bytes) if (this.kbdQueue.length < PS2_QUEUE_SIZE + this.kbdReplies) this.kbdQueue.push(b & 0xff);
    this.updateIrq();
  }

  // ---- output buffer and interrupts --------------------------------------------------------------

  private head(): number {
    if (this.ctrlSource !== SRC_NONE) return this.ctrlSource;
    const cb = this.ram[0];
    if (this.kbdQueue.length > 0 && !(cb & CB_KBD_DISABLE)) return SRC_KBD;
    if (this.auxQueue.length > 0 && !(cb & CB_AUX_DISABLE)) return SRC_AUX;
    return SRC_NONE;
  }

  private readStatus(): number {
    const h = this.head();
    return this.statusBits | (h !== SRC_NONE ? ST_OBF : 0) | (h === SRC_CTRL_AUX || h === SRC_AUX ? ST_AUX_OBF : 0);
  }

  /**
   * IRQ 1 follows keyboard-side data in the output buffer when CB_KBD_INT is set (and, as in QEMU,
   * not while the keyboard interface is disabled); IRQ 12 follows auxiliary data with CB_AUX_INT.
   */
  private updateIrq(): void {
    const h = this.head();
    const cb = this.ram[0];
    const kbd = (h === SRC_CTRL_KBD || h === SRC_KBD) && (cb & CB_KBD_INT) !== 0 && !(cb & CB_KBD_DISABLE);
    const aux = (h === SRC_CTRL_AUX || h === SRC_AUX) && (cb & CB_AUX_INT) !== 0;
    if (kbd !== this.irq1Level) {
      this.irq1Level = kbd;
      if (kbd) this.wiring.irq1.raise();
      else this.wiring.irq1.lower();
    }
    if (aux !== this.irq12Level) {
      this.irq12Level = aux;
      if (this.wiring.irq12) {
        if (aux) this.wiring.irq12.raise();
        else this.wiring.irq12.lower();
      }
    }
  }

  private readData(): number {
    const h = this.head();
    if (h === SRC_NONE) return this.lastData;
    let v: number;
    if (h === SRC_CTRL_KBD || h === SRC_CTRL_AUX) {
      v = this.ctrlData;
      this.ctrlSource = SRC_NONE;
    } else if (h === SRC_KBD) {
      v = this.kbdQueue.shift()!;
      if (this.kbdReplies > 0) this.kbdReplies--;
    } else {
      v = this.auxQueue.shift()!;
    }
    this.lastData = v;
    // Reading empties the buffer and drops the IRQ; the next byte, if any, raises it anew (a new edge).
    if (this.irq1Level) {
      this.irq1Level = false;
      this.wiring.irq1.lower();
    }
    if (this.irq12Level) {
      this.irq12Level = false;
      this.wiring.irq12?.lower();
    }
    this.updateIrq();
    return v;
  }

  private reply(b: number, aux = false): void {
    this.ctrlData = b & 0xff;
    this.ctrlSource = aux ? SRC_CTRL_AUX : SRC_CTRL_KBD;
    this.updateIrq();
  }

  // ---- controller commands (port 0x64) ---------------------------------------------------------------

  private writeCommand(v: number): void {
    this.statusBits |= ST_CMD;
    // 0xF0-0xFF pulse output port bits 3:0 low for ~6 µs where the command's bit is 0; only bit 0
    // (the reset line) matters on a PC (IBM "Pulse Output Port"; QEMU maps them to 0xFE / no-op).
    if ((v & 0xf0) === 0xf0) {
      if (!(v & 1)) this.wiring.reset();
      return;
    }
    if (v >= 0x20 && v <= 0x3f) {
      this.reply(this.ram[v & 0x1f]); // read controller RAM; 0x20 reads the command byte
      return;
    }
    if (v >= 0x60 && v <= 0x7f) {
      this.pendingCommand = v; // write controller RAM; 0x60 writes the command byte
      return;
    }
    switch (v) {
      case 0xa7: // disable the auxiliary interface
        this.ram[0] |= CB_AUX_DISABLE;
        this.updateIrq();
        return;
      case 0xa8: // enable the auxiliary interface
        this.ram[0] &= ~CB_AUX_DISABLE;
        this.updateIrq();
        return;
      case 0xa9: // auxiliary interface test: 0x00 = no error
        this.reply(0x00);
        return;
      case 0xaa: // self-test: 0x55 = passed, and the system flag is set
        this.statusBits |= ST_SYS;
        this.reply(0x55);
        return;
      case 0xab: // keyboard interface test: 0x00 = no error
        this.reply(0x00);
        return;
      case 0xad: // disable the keyboard interface
        this.ram[0] |= CB_KBD_DISABLE;
        this.updateIrq();
        return;
      case 0xae: // enable the keyboard interface
        this.ram[0] &= ~CB_KBD_DISABLE;
        this.updateIrq();
        return;
      case 0xc0: // read input port (QEMU: 0x80, keyboard not inhibited)
        this.reply(0x80);
        return;
      case 0xd0: {
        // read output port; bits 4/5 show the output buffer as it is before this reply
        const h = this.head();
        const obf = h !== SRC_NONE ? OUT_OBF : 0;
        const aux = h === SRC_CTRL_AUX || h === SRC_AUX ? OUT_AUX_OBF : 0;
        this.reply((this.outport & ~(OUT_OBF | OUT_AUX_OBF)) | obf | aux);
        return;
      }
      case 0xd1: // write output port
      case 0xd2: // write keyboard output buffer
      case 0xd3: // write auxiliary output buffer
      case 0xd4: // write to the auxiliary device
        this.pendingCommand = v;
        return;
      case 0xdd: // disable A20 (QEMU; HP Vectra heritage)
        this.outport &= ~OUT_A20;
        this.wiring.setA20(false);
        return;
      case 0xdf: // enable A20
        this.outport |= OUT_A20;
        this.wiring.setA20(true);
        return;
      default:
        return; // unknown commands are ignored (QEMU logs them)
    }
  }

  // ---- data port (port 0x60) ----------------------------------------------------------------------

  private writeData(v: number): void {
    this.statusBits &= ~ST_CMD;
    const cmd = this.pendingCommand;
    this.pendingCommand = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd & 0x1f] = v;
      if (cmd === 0x60) {
        // The system flag follows the command byte's (IBM "Status Register", bit 2).
        this.statusBits = v & CB_SYS ? this.statusBits | ST_SYS : this.statusBits & ~ST_SYS;
        this.updateIrq();
      }
      return;
    }
    switch (cmd) {
      case 0xd1:
        // Output port: bit 1 gates A20, bit 0 low resets the processor (QEMU's outport_write).
        this.outport = v;
        this.wiring.setA20((v & OUT_A20) !== 0);
        if (!(v & OUT_RESET)) this.wiring.reset();
        return;
      case 0xd2:
        this.reply(v);
        return;
      case 0xd3:
        this.reply(v, true);
        return;
      case 0xd4:
        // Sending to the mouse re-enables its interface (QEMU's kbd_write_data).
        this.ram[0] &= ~CB_AUX_DISABLE;
        this.mouseCommand(v);
        this.updateIrq();
        return;
    }
    // No controller command pending: the byte goes to the keyboard, which re-enables its interface.
    this.ram[0] &= ~CB_KBD_DISABLE;
    this.keyboardCommand(v);
    this.updateIrq();
  }

  /** A command byte to the keyboard; its replies go ahead of queued scancodes, replacing unread ones. */
  private keyboardCommand(v: number): void {
    let r0 = -1;
    let r1 = -1;
    let r2 = -1;
    const param = this.kbdCommand;
    this.kbdCommand = -1;
    if (param >= 0) {
      switch (param) {
        case 0xed: // set LEDs
          this.leds = v & 7;
          r0 = KBD_ACK;
          break;
        case 0xf0: // get/set scan code set
          if (v === 0) {
            r0 = KBD_ACK;
            r1 = this.ram[0] & CB_XLATE ? TRANSLATED_SET[this.scancodeSet] : this.scancodeSet;
          } else if (v >= 1 && v <= 3) {
            this.scancodeSet = v;
            r0 = KBD_ACK;
          } else r0 = KBD_RESEND;
          break;
        default: // 0xF3 typematic rate/delay, 0xFC set key make/break: acknowledged
          r0 = KBD_ACK;
      }
    } else {
      switch (v) {
        case 0xed:
        case 0xf0:
        case 0xf3:
        case 0xfc:
          this.kbdCommand = v; // a parameter byte follows
          r0 = KBD_ACK;
          break;
        case 0xee: // echo
          r0 = 0xee;
          break;
        case 0xf2: // identify: MF2 keyboard, 0xAB then 0x41 translated / 0x83 raw
          r0 = KBD_ACK;
          r1 = 0xab;
          r2 = this.ram[0] & CB_XLATE ? 0x41 : 0x83;
          break;
        case 0xf4: // enable scanning
          this.scanning = true;
          r0 = KBD_ACK;
          break;
        case 0xf5: // reset to defaults and disable scanning
        case 0xf6: // reset to defaults and enable scanning
          this.resetKeyboard();
          this.scanning = v === 0xf6;
          r0 = KBD_ACK;
          break;
        case 0xff: // reset: ACK, then the basic assurance test result
          this.resetKeyboard();
          r0 = KBD_ACK;
          r1 = KBD_POR;
          break;
        case 0x00:
        case 0xfa: // QEMU acknowledges these
          r0 = KBD_ACK;
          break;
        default:
          r0 = KBD_RESEND;
      }
    }
    this.kbdQueue.splice(0, this.kbdReplies);
    const replies = r2 >= 0 ? [r0, r1, r2] : r1 >= 0 ? [r0, r1] : [r0];
    this.kbdQueue.unshift(...replies);
    this.kbdReplies = replies.length;
  }

  /** Back to defaults, with the buffer emptied (QEMU's ps2_reset_keyboard → ps2_reset_queue). */
  private resetKeyboard(): void {
    this.kbdQueue.length = 0;
    this.kbdReplies = 0;
    this.scanning = true;
    this.scancodeSet = 2;
    this.leds = 0;
    this.kbdCommand = -1;
  }

  /** A byte sent to the mouse with 0xD4 (QEMU ps2.c ps2_write_mouse, without movement reports). */
  private mouseCommand(v: number): void {
    const q = this.auxQueue;
    const put = (...b: number[]) => {
      if (q.length + b.length <= PS2_QUEUE_SIZE) q.push(...b);
    };
    const param = this.auxCommand;
    this.auxCommand = -1;
    if (param >= 0) {
      if (param === 0xf3) this.mouseRate = v;
      else this.mouseResolution = v;
      put(KBD_ACK);
      return;
    }
    if (this.mouseWrap && v !== 0xec && v !== 0xff) {
      put(v); // wrap mode echoes everything but "reset wrap" and "reset"
      return;
    }
    switch (v) {
      case 0xe6: // scaling 1:1
        this.mouseStatus &= ~0x10;
        put(KBD_ACK);
        return;
      case 0xe7: // scaling 2:1
        this.mouseStatus |= 0x10;
        put(KBD_ACK);
        return;
      case 0xe8: // set resolution (parameter follows)
      case 0xf3: // set sample rate (parameter follows)
        this.auxCommand = v;
        put(KBD_ACK);
        return;
      case 0xe9: // status request
        put(KBD_ACK, this.mouseStatus, this.mouseResolution, this.mouseRate);
        return;
      case 0xea: // stream mode
        this.mouseStatus &= ~0x40;
        put(KBD_ACK);
        return;
      case 0xeb: // read data: no movement, no buttons
        put(KBD_ACK, 0x08, 0x00, 0x00);
        return;
      case 0xec: // reset wrap mode
        this.mouseWrap = false;
        put(KBD_ACK);
        return;
      case 0xee: // wrap mode
        this.mouseWrap = true;
        put(KBD_ACK);
        return;
      case 0xf0: // remote mode
        this.mouseStatus |= 0x40;
        put(KBD_ACK);
        return;
      case 0xf2: // get device ID: a standard PS/2 mouse
        put(KBD_ACK, 0x00);
        return;
      case 0xf4: // enable data reporting
        this.mouseStatus |= 0x20;
        put(KBD_ACK);
        return;
      case 0xf5: // disable data reporting
        this.mouseStatus &= ~0x20;
        put(KBD_ACK);
        return;
      case 0xf6: // set defaults
        this.mouseStatus = 0;
        this.mouseResolution = 2;
        this.mouseRate = 100;
        put(KBD_ACK);
        return;
      case 0xff: // reset: ACK, self-test passed, ID 0
        this.mouseStatus = 0;
        this.mouseResolution = 2;
        this.mouseRate = 100;
        this.mouseWrap = false;
        q.length = 0;
        put(KBD_ACK, 0xaa, 0x00);
        return;
      default:
        return; // QEMU ignores other mouse commands
    }
  }
}
