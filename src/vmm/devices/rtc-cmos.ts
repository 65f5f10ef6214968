import { readByteLanes, writeByteLanes } from "./byte-lanes";
import type { DeviceClock } from "./device-clock";
import type { IoHandler, IrqLine } from "./io-handler";

/**
 * The MC146818A real-time clock and its CMOS RAM (Motorola MC146818A datasheet; "MC146818A" below)
 * at ports 0x70 (index; bit 7 = NMI disable on a PC) and 0x71 (data), interrupting on ISA IRQ 8.
 * Where the datasheet is silent (reset values, the PC's century byte, reads of port 0x70, memory-size
 * bytes), QEMU's hw/rtc/mc146818rtc.c and hw/i386/pc.c are the oracle.
 *
 * Time is a function of the device clock: the divider chain's phase is `now - divBaseNs` (second
 * boundaries every 1e9 ns from `divBaseNs`), and while updates run the calendar is `calSec` (Unix
 * seconds at clock time `calRefNs`) plus the second boundaries passed since. Register C's flags are
 * accumulated lazily when the guest looks; a callback is scheduled only for the next event whose
 * interrupt is enabled and would change the IRQ line.
 */

// Register indexes (MC146818A Figure 3, "Address Map").
export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** The century byte of the PC/AT CMOS map (QEMU's RTC_CENTURY); 0x37 aliases it (IBM PS/2). */
export const RTC_CENTURY = 0x32;
const RTC_PS2_CENTURY = 0x37;

// Register A (MC146818A "Register A"): UIP bit 7 (read-only), DV2-DV0 bits 6:4, RS3-RS0 bits 3:0.
export const REG_A_UIP = 0x80;
// Register B: SET, PIE, AIE, UIE, SQWE, DM (1 = binary), 24/12 (1 = 24-hour), DSE.
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
// Register C: IRQF, PF, AF, UF (bits 6:4 line up with PIE/AIE/UIE in register B).
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
// Register D: VRT (valid RAM and time).
export const REG_D_VRT = 0x80;

const NS = 1_000_000_000;
/** The 32.768 kHz time base the divider chain counts (DV = 010). */
const TICKS = 32768;
/** UIP rises 244 µs (8 ticks of 32.768 kHz) before each update (MC146818A "Update Cycle", Figure 15). */
const UIP_TICKS = 8;
const DAY = 86400;

/** Mon, 1 Jan 2025 00:00:00 UTC: the default, so deterministic runs replay the same dates. */
export const RTC_DEFAULT_EPOCH = 1_735_689_600;

export interface RtcCmosOptions {
  /** The RTC's time (Unix seconds, UTC) at device-clock time 0. */
  baseEpochSeconds?: number;
  /** Guest RAM below 4 GiB in bytes, for the CMOS memory-size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35). */
  ramBelow4G?: number;
  /** Guest RAM above 4 GiB in bytes (0x5b-0x5d). */
  ramAbove4G?: number;
  /** Number of CPUs (0x5f holds the count minus one). */
  cpus?: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const toBcd = (v: number) => (Math.floor(v / 10) % 10 << 4) | v % 10;
const fromBcd = (v: number) => (v >> 4) * 10 + (v & 0x0f);

export class RtcCmos implements IoHandler {
  readonly name = "mc146818 RTC/CMOS";
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiMask = false;
  /** Divider chain: running (DV = 000..010) with second boundaries at divBaseNs + k·1e9. */
  private divRunning = true;
  private divBaseNs: number;
  /** Calendar while updating: Unix seconds valid at clock time calRefNs. */
  private calSec: number;
  private calRefNs: number;
  /** Register C's flags, accumulated up to clock time flagsNs. */
  private flags = 0;
  private flagsNs: number;
  private irqLevel = false;
  private timerId = 0;
  private readonly readByteBound = (offset: number) => this.readByte(offset);
  private readonly writeByteBound = (offset: number, value: number) => this.writeByte(offset, value);
  private readonly onTimerBound = () => this.onTimer();
  // Scratch for civil dates (no allocation per read).
  private cy = 0;
  private cm = 0;
  private cd = 0;

  constructor(
    private readonly clock: DeviceClock,
    /** ISA IRQ 8: high while register C's IRQF is set. */
    private readonly irq8: IrqLine,
    options: RtcCmosOptions = {},
  ) {
    const now = clock.now();
    this.divBaseNs = now;
    this.calSec = Math.floor(options.baseEpochSeconds ?? RTC_DEFAULT_EPOCH);
    this.calRefNs = now;
    this.flagsNs = now;
    // QEMU's rtc_realizefn: 32.768 kHz time base with RS = 0110 (1024 Hz); 24-hour BCD; VRT set.
    this.cmos[RTC_REG_A] = 0x26;
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_D] = REG_D_VRT;
    this.setMemorySize(options);
  }

  /** The CMOS bytes QEMU's pc_cmos_init writes for the machine's RAM and CPUs. */
  private setMemorySize(o: RtcCmosOptions): void {
    const KiB = 1024;
    const MiB = 1024 * KiB;
    const below = o.ramBelow4G ?? 0;
    const put16 = (lo: number, v: number) => {
      this.cmos[lo] = v & 0xff;
      this.cmos[lo + 1] = (v >> 8) & 0xff;
    };
    put16(0x15, Math.min(Math.floor(below / KiB), 640)); // base memory in KiB
    const ext = Math.min(below > MiB ? Math.floor((below - MiB) / KiB) : 0, 65535); // extended memory in KiB
    put16(0x17, ext);
    put16(0x30, ext);
    put16(0x34, Math.min(below > 16 * MiB ? Math.floor((below - 16 * MiB) / (64 * KiB)) : 0, 65535)); // 64 KiB units above 16 MiB
    const above = Math.floor((o.ramAbove4G ?? 0) / (64 * KiB));
    this.cmos[0x5b] = above & 0xff;
    this.cmos[0x5c] = (above >> 8) & 0xff;
    this.cmos[0x5d] = (above >> 16) & 0xff;
    this.cmos[0x5f] = Math.max((o.cpus ?? 1) - 1, 0);
    this.cmos[0x14] = 0x06; // equipment byte: FPU present, PS/2 mouse installed
  }

  /** Bit 7 of the last index write: the PC's NMI mask (the VMM delivers no NMIs from devices yet). */
  get nmiDisabled(): boolean {
    return this.nmiMask;
  }

  // ---- time -------------------------------------------------------------------------------------

  private get regA(): number {
    return this.cmos[RTC_REG_A];
  }
  private get regB(): number {
    return this.cmos[RTC_REG_B];
  }

  /** The calendar advances: dividers running and SET clear (MC146818A "SET": "the update cycle is inhibited"). */
  private updating(): boolean {
    return this.divRunning && !(this.regB & REG_B_SET);
  }

  private boundaryIndex(t: number): number {
    return Math.floor((t - this.divBaseNs) / NS);
  }

  /** Unix seconds shown at clock time t (while updating). */
  private seconds(t: number): number {
    if (!this.updating()) return this.calSec;
    return this.calSec + this.boundaryIndex(t) - this.boundaryIndex(this.calRefNs);
  }

  /** 32.768 kHz divider ticks since divBaseNs (exact integer arithmetic). */
  private ticks(t: number): number {
    const d = t - this.divBaseNs;
    const s = Math.floor(d / NS);
    return s * TICKS + Math.floor(((d - s * NS) * TICKS) / NS);
  }

  private tickTime(k: number): number {
    const q = Math.floor(k / TICKS);
    const m = k - q * TICKS;
    return this.divBaseNs + q * NS + Math.ceil((m * NS) / TICKS);
  }

  /**
   * The periodic interrupt rate in ticks (MC146818A Table 5, 32.768 kHz time base): RS = 0 none,
   * 1 and 2 give 3.90625 and 7.8125 ms (as 8 and 9 would), 3..15 give 2^(RS-1) ticks (122.07 µs..500 ms).
   */
  private periodTicks(): number {
    const rs = this.regA & 0x0f;
    if (rs === 0) return 0;
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
  }

  private bin(v: number): number {
    return this.regB & REG_B_DM ? v : toBcd(v);
  }

  private unbin(v: number): number {
    return this.regB & REG_B_DM ? v : fromBcd(v);
  }

  private hourReg(h: number): number {
    if (this.regB & REG_B_24H) return this.bin(h);
    return this.bin(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
  }

  private civil(days: number): void {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    this.cd = doy - Math.floor((153 * mp + 2) / 5) + 1;
    this.cm = mp < 10 ? mp + 3 : mp - 9;
    this.cy = yoe + era * 400 + (this.cm <= 2 ? 1 : 0);
  }

  /** The time register `index` for Unix time s, in the current data mode (as QEMU's rtc_set_cmos). */
  private timeField(index: number, s: number): number {
    const days = Math.floor(s / DAY);
    const tod = s - days * DAY;
    switch (index) {
      case RTC_SECONDS:
        return this.bin(tod % 60);
      case RTC_MINUTES:
        return this.bin(Math.floor(tod / 60) % 60);
      case RTC_HOURS:
        return this.hourReg(Math.floor(tod / 3600));
      case RTC_DAY_OF_WEEK:
        return this.bin((((days + 4) % 7) + 7) % 7 + 1); // 1 = Sunday; 1970-01-01 was a Thursday
    }
    this.civil(days);
    switch (index) {
      case RTC_DAY_OF_MONTH:
        return this.bin(this.cd);
      case RTC_MONTH:
        return this.bin(this.cm);
      case RTC_YEAR:
        return this.bin(this.cy % 100);
      default:
        return this.bin(Math.floor(this.cy / 100) % 100); // century
    }
  }

  private storeTime(s: number): void {
    for (const i of TIME_REGS) this.cmos[i] = this.timeField(i, s);
  }

  /** The Unix time the time registers describe (QEMU's rtc_get_time + mktimegm; out-of-range fields carry over). */
  private decodeTime(): number {
    const c = this.cmos;
    const sec = this.unbin(c[RTC_SECONDS]);
    const min = this.unbin(c[RTC_MINUTES]);
    let hour = this.unbin(c[RTC_HOURS] & 0x7f);
    if (!(this.regB & REG_B_24H)) {
      hour %= 12;
      if (c[RTC_HOURS] & 0x80) hour += 12;
    }
    const day = this.unbin(c[RTC_DAY_OF_MONTH]);
    const month = this.unbin(c[RTC_MONTH]) - 1;
    const year = this.unbin(c[RTC_YEAR]) + this.unbin(c[RTC_CENTURY]) * 100 + Math.floor(month / 12);
    const days = daysFromCivil(year, (((month % 12) + 12) % 12) + 1, 1) + day - 1;
    return days * DAY + hour * 3600 + min * 60 + sec;
  }

  /**
   * An alarm register's target (MC146818A "Alarm": a value of 11xxxxxx is "don't care"): -1 for
   * don't care, -2 for a value no time register can equal, else seconds/minutes/hour (24-hour).
   */
  private alarmTarget(reg: number, hours: boolean): number {
    if ((reg & 0xc0) === 0xc0) return -1;
    if (!hours) {
      const v = this.unbin(reg);
      return v < 60 && this.bin(v) === reg ? v : -2;
    }
    if (this.regB & REG_B_24H) {
      const v = this.unbin(reg);
      return v < 24 && this.bin(v) === reg ? v : -2;
    }
    const h12 = this.unbin(reg & 0x7f);
    if (h12 < 1 || h12 > 12 || this.bin(h12) !== (reg & 0x7f)) return -2;
    return (h12 % 12) + (reg & 0x80 ? 12 : 0);
  }

  /** The first Unix second after `from` whose time of day matches the alarm registers, or Infinity. */
  private nextAlarm(from: number): number {
    const as = this.alarmTarget(this.cmos[RTC_SECONDS_ALARM], false);
    const am = this.alarmTarget(this.cmos[RTC_MINUTES_ALARM], false);
    const ah = this.alarmTarget(this.cmos[RTC_HOURS_ALARM], true);
    if (as === -2 || am === -2 || ah === -2) return Infinity;
    const firstMinute = Math.floor(from / 60);
    for (let i = 0; i <= 2 * 24 * 60; i++) {
      const start = (firstMinute + i) * 60;
      const tod = ((start % DAY) + DAY) % DAY;
      if (ah >= 0 && Math.floor(tod / 3600) !== ah) continue;
      if (am >= 0 && Math.floor(tod / 60) % 60 !== am) continue;
      const minSec = i === 0 ? from - start + 1 : 0;
      if (as < 0) {
        if (minSec <= 59) return start + minSec;
      } else if (as >= minSec) return start + as;
    }
    return Infinity;
  }

  /** Set register C's flags for the events in (flagsNs, now] (MC146818A "Register C"). */
  private accumulate(now: number): void {
    const from = this.flagsNs;
    if (now <= from) return;
    this.flagsNs = now;
    if (!this.divRunning) return;
    // PF follows the divider tap whatever PIE says; UF and AF need the update cycle.
    const pt = this.periodTicks();
    if (pt !== 0 && Math.floor(this.ticks(now) / pt) > Math.floor(this.ticks(from) / pt)) this.flags |= REG_C_PF;
    if (!this.updating()) return;
    if (this.boundaryIndex(now) > this.boundaryIndex(from)) {
      this.flags |= REG_C_UF;
      if (this.nextAlarm(this.seconds(from)) <= this.seconds(now)) this.flags |= REG_C_AF;
    }
  }

  /** IRQF = PF·PIE + AF·AIE + UF·UIE, and the IRQ pin follows it (MC146818A "IRQF"). */
  private updateIrq(): void {
    const level = (this.flags & this.regB & 0x70) !== 0;
    this.flags = level ? this.flags | REG_C_IRQF : this.flags & ~REG_C_IRQF;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq8.raise();
    else this.irq8.lower();
  }

  /** Arm a callback at the next event that would raise IRQ 8; none while it is already high. */
  private reschedule(): void {
    if (this.timerId !== 0) this.clock.cancel(this.timerId);
    this.timerId = 0;
    if (this.irqLevel || !this.divRunning) return;
    const now = this.clock.now();
    let next = Infinity;
    const b = this.regB;
    const pt = this.periodTicks();
    if (b & REG_B_PIE && pt !== 0) next = this.tickTime((Math.floor(this.ticks(now) / pt) + 1) * pt);
    if (this.updating()) {
      const nextUpdate = this.divBaseNs + (this.boundaryIndex(now) + 1) * NS;
      if (b & REG_B_UIE) next = Math.min(next, nextUpdate);
      if (b & REG_B_AIE) {
        const s = this.nextAlarm(this.seconds(now));
        if (s !== Infinity) next = Math.min(next, this.divBaseNs + (this.boundaryIndex(this.calRefNs) + s - this.calSec) * NS);
      }
    }
    if (next !== Infinity) this.timerId = this.clock.schedule(next, this.onTimerBound);
  }

  private onTimer(): void {
    this.timerId = 0;
    this.accumulate(this.clock.now());
    this.updateIrq();
    this.reschedule();
  }

  /** UIP: within 244 µs of the next update (MC146818A "UIP"); never while SET or the dividers stop updates. */
  private uip(now: number): boolean {
    if (!this.updating()) return false;
    const d = now - this.divBaseNs;
    const phase = d - Math.floor(d / NS) * NS;
    return Math.floor((phase * TICKS) / NS) >= TICKS - UIP_TICKS;
  }

  // ---- ports -------------------------------------------------------------------------------------

  read(offset: number, size: number): number {
    return readByteLanes(this.readByteBound, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    writeByteLanes(this.writeByteBound, offset, size, value);
  }

  private readByte(offset: number): number {
    if (offset !== 1) return 0xff; // the index register is write-only (QEMU's cmos_ioport_read returns 0xff)
    const now = this.clock.now();
    let i = this.index;
    if (i === RTC_PS2_CENTURY) i = this.index = RTC_CENTURY;
    switch (i) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
      case RTC_CENTURY:
        return this.updating() ? this.timeField(i, this.seconds(now)) : this.cmos[i];
      case RTC_REG_A:
        return this.regA | (this.uip(now) ? REG_A_UIP : 0);
      case RTC_REG_C: {
        // Reading C returns the flags and clears them all, dropping IRQ (MC146818A "Register C").
        this.accumulate(now);
        const v = this.flags;
        this.flags = 0;
        this.updateIrq();
        this.reschedule();
        return v;
      }
      case RTC_REG_D:
        return REG_D_VRT; // VRT reads 1: the RAM and time are valid
      default:
        return this.cmos[i];
    }
  }

  private writeByte(offset: number, v: number): void {
    if (offset === 0) {
      this.index = v & 0x7f;
      this.nmiMask = (v & 0x80) !== 0;
      return;
    }
    if (offset !== 1) return;
    const now = this.clock.now();
    let i = this.index;
    if (i === RTC_PS2_CENTURY) i = this.index = RTC_CENTURY;
    switch (i) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
      case RTC_CENTURY:
        this.accumulate(now);
        if (this.updating()) {
          // Running: the new field takes effect at once, keeping the divider phase (QEMU's rtc_set_time).
          this.storeTime(this.seconds(now));
          this.cmos[i] = v;
          this.calSec = this.decodeTime();
          this.calRefNs = now;
        } else {
          this.cmos[i] = v; // SET (or stopped dividers): plain storage until updates resume
        }
        this.reschedule();
        return;
      case RTC_SECONDS_ALARM:
      case RTC_MINUTES_ALARM:
      case RTC_HOURS_ALARM:
        this.accumulate(now);
        this.cmos[i] = v;
        this.reschedule();
        return;
      case RTC_REG_A:
        this.writeRegA(now, v);
        return;
      case RTC_REG_B:
        this.writeRegB(now, v);
        return;
      case RTC_REG_C:
      case RTC_REG_D:
        return; // read-only
      default:
        this.cmos[i] = v;
    }
  }

  /** Freeze the calendar into the time registers before updates stop (in the mode in force until now). */
  private beginChange(now: number): boolean {
    this.accumulate(now);
    const was = this.updating();
    if (was) {
      this.calSec = this.seconds(now);
      this.calRefNs = now;
      this.storeTime(this.calSec);
    }
    return was;
  }

  private writeRegA(now: number, v: number): void {
    const was = this.beginChange(now);
    const dv = (v >> 4) & 7;
    // DV = 000/001/010 run the dividers (QEMU treats all three as the 32.768 kHz base); 11x holds them
    // in reset and 011-101 are test modes: neither updates here.
    const running = dv <= 2;
    if (running && !this.divRunning) {
      // "When the divider reset is removed, the first update cycle begins one-half second later."
      this.divBaseNs = now - NS / 2;
      this.flagsNs = now;
    }
    this.divRunning = running;
    // Leaving the stopped state: the registers (as the guest may have set them) become the calendar.
    // Decoded before the new value is stored, as QEMU does.
    if (!was && this.divRunning && !(this.regB & REG_B_SET)) {
      this.calSec = this.decodeTime();
      this.calRefNs = now;
    }
    this.cmos[RTC_REG_A] = v & 0x7f; // UIP is read-only
    this.updateIrq();
    this.reschedule();
  }

  private writeRegB(now: number, v: number): void {
    const was = this.beginChange(now);
    // "UIE ... is cleared when the SET bit goes high" (MC146818A "Register B"; QEMU clears it on any SET write).
    if (v & REG_B_SET) v &= ~REG_B_UIE;
    if (!was && this.divRunning && !(v & REG_B_SET)) {
      // SET cleared: the time written while it was set starts counting, in phase with the divider.
      this.calSec = this.decodeTime();
      this.calRefNs = now;
    }
    this.cmos[RTC_REG_B] = v;
    // An interrupt whose flag is already set fires as soon as it is enabled (and IRQF drops with it).
    this.updateIrq();
    this.reschedule();
  }
}

const TIME_REGS = [RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY];
