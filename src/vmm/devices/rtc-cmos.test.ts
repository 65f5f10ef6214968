import { describe, expect, it } from "vitest";
import { TimerQueue } from "./device-clock";
import * as R from "./rtc-cmos";
import { RtcCmos } from "./rtc-cmos";

/** Register-level tests of the MC146818A (Motorola datasheet) at ports 0x70/0x71 (offsets 0/1). */
function setup(options?: R.RtcCmosOptions) {
  const clock = new TimerQueue();
  const irq = {
    level: false,
    raises: 0,
    raise() {
      this.level = true;
      this.raises++;
    },
    lower() {
      this.level = false;
    },
  };
  const rtc = new RtcCmos(clock, irq, options);
  const get = (index: number) => {
    rtc.write(0, 1, index);
    return rtc.read(1, 1);
  };
  const set = (index: number, value: number) => {
    rtc.write(0, 1, index);
    rtc.write(1, 1, value);
  };
  const time = () => [R.RTC_CENTURY, R.RTC_YEAR, R.RTC_MONTH, R.RTC_DAY_OF_MONTH, R.RTC_HOURS, R.RTC_MINUTES, R.RTC_SECONDS].map(get);
  return { clock, irq, rtc, get, set, time };
}

const S = 1e9;

describe("MC146818A RTC, register level", () => {
  it("resets as QEMU's rtc_realizefn: A = 0x26, B = 0x02 (24-hour BCD), C = 0, D = VRT", () => {
    const { get } = setup();
    expect(get(R.RTC_REG_A)).toBe(0x26);
    expect(get(R.RTC_REG_B)).toBe(0x02);
    expect(get(R.RTC_REG_C)).toBe(0x00);
    expect(get(R.RTC_REG_D)).toBe(0x80);
  });

  it("starts at the fixed default date, 2025-01-01 00:00:00 (a Wednesday), in BCD with the century at 0x32", () => {
    const { get, time } = setup();
    expect(time()).toEqual([0x20, 0x25, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(get(R.RTC_DAY_OF_WEEK)).toBe(4); // Sunday = 1
  });

  it("advances with the device clock, one update per second, across day, month and year ends", () => {
    const { clock, time, get } = setup({ baseEpochSeconds: Date.UTC(2099, 11, 31, 23, 59, 58) / 1000 });
    clock.advance(1.5 * S);
    expect(time()).toEqual([0x20, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59]);
    clock.advance(2 * S - 1);
    expect(get(R.RTC_SECONDS)).toBe(0x59);
    clock.advance(2 * S);
    expect(time()).toEqual([0x21, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(get(R.RTC_DAY_OF_WEEK)).toBe(6); // 2100-01-01 is a Friday (Sunday = 1)
    expect(get(0x37)).toBe(0x21); // the PS/2 century byte aliases 0x32 (QEMU)
  });

  it("presents binary and 12-hour formats by register B's DM and 24/12 bits (§Register B)", () => {
    const { set, get } = setup({ baseEpochSeconds: Date.UTC(2024, 1, 29, 13, 5, 9) / 1000 });
    expect(get(R.RTC_HOURS)).toBe(0x13);
    set(R.RTC_REG_B, R.REG_B_DM | R.REG_B_24H);
    expect([get(R.RTC_HOURS), get(R.RTC_MINUTES), get(R.RTC_SECONDS), get(R.RTC_YEAR), get(R.RTC_DAY_OF_MONTH)]).toEqual([13, 5, 9, 24, 29]);
    set(R.RTC_REG_B, R.REG_B_DM); // binary, 12-hour: 1 PM
    expect(get(R.RTC_HOURS)).toBe(0x81);
    set(R.RTC_REG_B, 0); // BCD, 12-hour
    expect(get(R.RTC_HOURS)).toBe(0x81);
  });

  it("holds the time while SET is 1, takes the written time when it clears, and keeps the divider phase (§SET)", () => {
    const { clock, set, get, time } = setup();
    clock.advance(10.25 * S); // 00:00:10 and a quarter second
    set(R.RTC_REG_B, R.REG_B_SET | R.REG_B_24H);
    clock.advance(30.5 * S);
    expect(get(R.RTC_SECONDS)).toBe(0x10); // frozen
    set(R.RTC_HOURS, 0x12);
    set(R.RTC_MINUTES, 0x34);
    set(R.RTC_SECONDS, 0x56);
    set(R.RTC_REG_B, R.REG_B_24H);
    expect(time()).toEqual([0x20, 0x25, 0x01, 0x01, 0x12, 0x34, 0x56]);
    clock.advance(30.999 * S);
    expect(get(R.RTC_SECONDS)).toBe(0x56);
    clock.advance(31 * S); // the divider's next second, half a second after SET cleared
    expect(get(R.RTC_SECONDS)).toBe(0x57);
  });

  it("clears UIE when SET goes high (§Register B)", () => {
    const { set, get } = setup();
    set(R.RTC_REG_B, R.REG_B_UIE | R.REG_B_24H);
    set(R.RTC_REG_B, R.REG_B_SET | R.REG_B_UIE | R.REG_B_24H);
    expect(get(R.RTC_REG_B)).toBe(R.REG_B_SET | R.REG_B_24H);
  });

  it("applies a time register written while running at once (QEMU's rtc_set_time)", () => {
    const { clock, set, get } = setup();
    clock.advance(5.5 * S);
    set(R.RTC_MINUTES, 0x42);
    expect([get(R.RTC_MINUTES), get(R.RTC_SECONDS)]).toEqual([0x42, 0x05]);
    clock.advance(6 * S);
    expect([get(R.RTC_MINUTES), get(R.RTC_SECONDS)]).toEqual([0x42, 0x06]);
  });

  it("sets UIP for the 244 µs before each update only (§UIP, Figure 15)", () => {
    const { clock, get, set } = setup();
    expect(get(R.RTC_REG_A) & R.REG_A_UIP).toBe(0);
    clock.advance(S - 245_000);
    expect(get(R.RTC_REG_A) & R.REG_A_UIP).toBe(0);
    clock.advance(S - 244_000);
    expect(get(R.RTC_REG_A)).toBe(0x26 | R.REG_A_UIP);
    clock.advance(S - 1);
    expect(get(R.RTC_REG_A) & R.REG_A_UIP).toBe(R.REG_A_UIP);
    clock.advance(S);
    expect(get(R.RTC_REG_A) & R.REG_A_UIP).toBe(0);
    set(R.RTC_REG_B, R.REG_B_SET | R.REG_B_24H);
    clock.advance(2 * S - 100_000);
    expect(get(R.RTC_REG_A) & R.REG_A_UIP).toBe(0); // no update cycles while SET
  });

  it("stops in divider reset and starts the first update half a second after release (§Register A, DV)", () => {
    const { clock, set, get } = setup();
    clock.advance(3.2 * S);
    set(R.RTC_REG_A, 0x76); // DV = 111: reset
    clock.advance(100 * S);
    expect(get(R.RTC_SECONDS)).toBe(0x03);
    set(R.RTC_REG_A, 0x26);
    clock.advance(100.499 * S);
    expect(get(R.RTC_SECONDS)).toBe(0x03);
    clock.advance(100.5 * S);
    expect(get(R.RTC_SECONDS)).toBe(0x04);
  });

  it("raises periodic interrupts at register A's rate; reading C returns IRQF|PF and lowers IRQ 8 (§Periodic Interrupt, Table 5)", () => {
    const { clock, irq, set, get, rtc } = setup();
    let serviced = 0;
    set(R.RTC_REG_B, R.REG_B_PIE | R.REG_B_24H);
    expect(clock.nextDeadline()).toBe(Math.ceil(S / 1024)); // RS = 0110: 976.5625 µs
    clock.advance(Math.ceil(S / 1024));
    expect(irq.level).toBe(true);
    expect(get(R.RTC_REG_C)).toBe(R.REG_C_IRQF | R.REG_C_PF);
    expect(irq.level).toBe(false);
    expect(get(R.RTC_REG_C)).toBe(0);
    // Service each interrupt by reading register C, as PC operating systems do, for one second.
    const start = clock.now();
    while (clock.nextDeadline() <= start + S - 1) {
      clock.advance(clock.nextDeadline());
      if (irq.level) {
        rtc.write(0, 1, R.RTC_REG_C);
        rtc.read(1, 1);
        serviced++;
      }
    }
    expect(serviced).toBe(1023); // the 1024th falls exactly one second after the first
    // RS = 0001 is 3.90625 ms (128 ticks of 32.768 kHz), on the divider's taps: the next multiple of 128 ticks.
    set(R.RTC_REG_A, 0x21);
    const ticksNow = Math.floor((clock.now() * 32768) / S);
    const nextTap = (Math.floor(ticksNow / 128) + 1) * 128;
    expect(clock.nextDeadline()).toBe(Math.ceil((nextTap * S) / 32768));
    set(R.RTC_REG_A, 0x2f); // RS = 1111: 500 ms
    expect(clock.nextDeadline()).toBe(Math.ceil(((Math.floor(ticksNow / 16384) + 1) * 16384 * S) / 32768));
    expect(irq.raises).toBe(serviced + 1);
  });

  it("sets PF without PIE but keeps IRQ 8 low and schedules nothing (§Register C: flags are independent of the enables)", () => {
    const { clock, irq, get } = setup();
    expect(clock.pending()).toBe(0);
    clock.advance(0.01 * S);
    expect(irq.raises).toBe(0);
    expect(get(R.RTC_REG_C)).toBe(R.REG_C_PF);
    clock.advance(1.5 * S);
    expect(get(R.RTC_REG_C)).toBe(R.REG_C_PF | R.REG_C_UF); // an update happened at 1 s
  });

  it("raises the update-ended interrupt once per second (§Update-Ended Interrupt)", () => {
    const { clock, irq, set, get } = setup();
    set(R.RTC_REG_B, R.REG_B_UIE | R.REG_B_24H);
    expect(clock.nextDeadline()).toBe(S);
    clock.advance(S - 1);
    expect(irq.level).toBe(false);
    clock.advance(S);
    expect(irq.level).toBe(true);
    expect(get(R.RTC_SECONDS)).toBe(0x01);
    expect(get(R.RTC_REG_C) & 0xf0).toBe(R.REG_C_IRQF | R.REG_C_UF | R.REG_C_PF);
    expect(clock.nextDeadline()).toBe(2 * S);
  });

  it("fires the alarm when the time matches, with 11xxxxxx as don't care (§Alarm)", () => {
    const { clock, irq, set, get } = setup();
    set(R.RTC_HOURS_ALARM, 0x00);
    set(R.RTC_MINUTES_ALARM, 0x00);
    set(R.RTC_SECONDS_ALARM, 0x05);
    set(R.RTC_REG_B, R.REG_B_AIE | R.REG_B_24H);
    expect(clock.nextDeadline()).toBe(5 * S);
    clock.advance(5 * S - 1);
    expect(irq.level).toBe(false);
    clock.advance(5 * S);
    expect(irq.level).toBe(true);
    expect(get(R.RTC_REG_C) & (R.REG_C_IRQF | R.REG_C_AF)).toBe(R.REG_C_IRQF | R.REG_C_AF);
    expect(clock.nextDeadline()).toBe(5 * S + 86400 * S); // the same time tomorrow
    // Hours don't care, minute 01, second 00: 00:01:00, then 01:01:00.
    set(R.RTC_HOURS_ALARM, 0xc0);
    set(R.RTC_MINUTES_ALARM, 0x01);
    set(R.RTC_SECONDS_ALARM, 0x00);
    expect(clock.nextDeadline()).toBe(60 * S);
    clock.advance(60 * S);
    expect(get(R.RTC_REG_C) & R.REG_C_AF).toBe(R.REG_C_AF);
    expect(clock.nextDeadline()).toBe(3660 * S);
    // All three don't care: every second.
    set(R.RTC_HOURS_ALARM, 0xff);
    set(R.RTC_MINUTES_ALARM, 0xff);
    set(R.RTC_SECONDS_ALARM, 0xff);
    expect(clock.nextDeadline()).toBe(61 * S);
  });

  it("compares the alarm in the 12-hour format with the PM bit (§Alarm, §Register B 24/12)", () => {
    const { clock, irq, set, get } = setup({ baseEpochSeconds: Date.UTC(2025, 0, 1, 12, 59, 58) / 1000 });
    set(R.RTC_REG_B, R.REG_B_AIE); // 12-hour BCD
    set(R.RTC_HOURS_ALARM, 0x81); // 1 PM
    set(R.RTC_MINUTES_ALARM, 0x00);
    set(R.RTC_SECONDS_ALARM, 0x00);
    expect(clock.nextDeadline()).toBe(2 * S);
    clock.advance(2 * S);
    expect(irq.level).toBe(true);
    expect(clock.nextDeadline()).toBe(Infinity); // IRQ 8 stays high until C is read: nothing to schedule
    set(R.RTC_REG_C, 0);
    expect(get(R.RTC_REG_C) & R.REG_C_AF).toBe(R.REG_C_AF);
    expect(clock.nextDeadline()).toBe(2 * S + 86400 * S); // 1 PM tomorrow
  });

  it("sets AF without AIE when the time passes the alarm, and never for an alarm value no time can equal", () => {
    const { clock, set, get } = setup();
    set(R.RTC_SECONDS_ALARM, 0x03);
    set(R.RTC_MINUTES_ALARM, 0xc0);
    set(R.RTC_HOURS_ALARM, 0xc0);
    clock.advance(2.5 * S);
    expect(get(R.RTC_REG_C) & R.REG_C_AF).toBe(0);
    clock.advance(3.5 * S);
    expect(get(R.RTC_REG_C) & R.REG_C_AF).toBe(R.REG_C_AF);
    set(R.RTC_SECONDS_ALARM, 0x7a); // not BCD
    clock.advance(200 * S);
    expect(get(R.RTC_REG_C) & R.REG_C_AF).toBe(0);
  });

  it("raises IRQ 8 at once when an interrupt is enabled with its flag already set, and drops it when disabled", () => {
    const { clock, irq, set } = setup();
    clock.advance(1.5 * S); // UF is set
    set(R.RTC_REG_B, R.REG_B_UIE | R.REG_B_24H);
    expect(irq.level).toBe(true);
    set(R.RTC_REG_B, R.REG_B_24H);
    expect(irq.level).toBe(false);
  });

  it("does not let the guest write registers C and D or UIP", () => {
    const { clock, set, get } = setup();
    set(R.RTC_REG_C, 0xff);
    set(R.RTC_REG_D, 0x00);
    expect(get(R.RTC_REG_C)).toBe(0);
    expect(get(R.RTC_REG_D)).toBe(0x80);
    clock.advance(S - 1000);
    set(R.RTC_REG_A, 0xa6);
    expect(get(R.RTC_REG_A)).toBe(0xa6); // UIP is the live bit, not the written one
    clock.advance(S + 1000);
    expect(get(R.RTC_REG_A)).toBe(0x26);
  });

  it("keeps 114 bytes of CMOS RAM, takes the NMI mask from index bit 7, and floats the index port on read", () => {
    const { rtc, set, get } = setup();
    set(0x40, 0xa5);
    set(0x7f, 0x5a);
    expect(get(0x40)).toBe(0xa5);
    expect(get(0x7f)).toBe(0x5a);
    rtc.write(0, 1, 0x80 | 0x40);
    expect(rtc.nmiDisabled).toBe(true);
    expect(rtc.read(1, 1)).toBe(0xa5);
    rtc.write(0, 1, 0x40);
    expect(rtc.nmiDisabled).toBe(false);
    expect(rtc.read(0, 1)).toBe(0xff);
    rtc.write(0, 2, 0x3c40); // OUT 0x70,AX: index 0x40, then 0x3c to the data port (byte lanes)
    expect(get(0x40)).toBe(0x3c);
  });

  it("fills the memory-size bytes as QEMU's pc_cmos_init does", () => {
    const MiB = 1024 * 1024;
    const small = setup({ ramBelow4G: 32 * MiB, cpus: 2 });
    const word = (g: (i: number) => number, i: number) => g(i) | (g(i + 1) << 8);
    expect(word(small.get, 0x15)).toBe(640);
    expect(word(small.get, 0x17)).toBe(31 * 1024);
    expect(word(small.get, 0x30)).toBe(31 * 1024);
    expect(word(small.get, 0x34)).toBe(256);
    expect(small.get(0x5f)).toBe(1);
    expect(small.get(0x14)).toBe(0x06);
    const big = setup({ ramBelow4G: 3 * 1024 * MiB, ramAbove4G: 2 * 1024 * MiB });
    expect(word(big.get, 0x17)).toBe(0xffff); // capped
    expect(word(big.get, 0x34)).toBe((3 * 1024 - 16) * 16);
    expect(big.get(0x5b) | (big.get(0x5c) << 8) | (big.get(0x5d) << 16)).toBe(2 * 1024 * 16);
  });
});
