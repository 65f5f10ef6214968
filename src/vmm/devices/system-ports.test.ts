import { describe, expect, it } from "vitest";
import { TimerQueue } from "./device-clock";
import { Pit8254, pitPulseTime } from "./pit8254";
import { REFRESH_PERIOD_NS, SystemControlPortA, SystemControlPortB } from "./system-ports";

function portB() {
  const clock = new TimerQueue();
  const pit = new Pit8254(clock, { raise() {}, lower() {} });
  const port = new SystemControlPortB(clock, pit);
  return { clock, pit, port };
}

describe("system control port B (0x61)", () => {
  it("drives counter 2's GATE from bit 0 and reads it back (PIIX NMI Status and Control, bit 0)", () => {
    const { pit, port } = portB();
    expect(port.read(0, 1) & 0x01).toBe(0); // low at reset
    port.write(0, 1, 0x01);
    expect(pit.gate(2)).toBe(true);
    expect(port.read(0, 1) & 0x01).toBe(1);
    port.write(0, 1, 0x00);
    expect(pit.gate(2)).toBe(false);
  });

  it("shows counter 2's OUT in bit 5: Linux's PIT calibration loop sees it rise after the programmed count", () => {
    const { clock, pit, port } = portB();
    // pit_calibrate_tsc: gate high, speaker off; counter 2 mode 0, LSB/MSB; poll port 0x61 bit 5.
    port.write(0, 1, (port.read(0, 1) & ~0x02) | 0x01);
    pit.write(3, 1, 0xb0);
    pit.write(2, 1, 1000 & 0xff);
    pit.write(2, 1, 1000 >> 8);
    expect(port.read(0, 1) & 0x20).toBe(0);
    clock.advance(pitPulseTime(1000));
    expect(port.read(0, 1) & 0x20).toBe(0);
    clock.advance(pitPulseTime(1001)); // mode 0: N+1 pulses after the write
    expect(port.read(0, 1) & 0x20).toBe(0x20);
  });

  it("keeps bits 1-3 as written and reads bits 6-7 as 0", () => {
    const { port } = portB();
    port.write(0, 1, 0xfe);
    expect(port.read(0, 1) & 0xce).toBe(0x0e);
    port.write(0, 1, 0x00);
    expect(port.read(0, 1) & 0x0e).toBe(0);
  });

  it("toggles bit 4 every 15.085 µs of clock time, not per read", () => {
    const { clock, port } = portB();
    const a = port.read(0, 1) & 0x10;
    expect(port.read(0, 1) & 0x10).toBe(a); // a second read at the same time sees the same phase
    clock.advance(REFRESH_PERIOD_NS - 1);
    expect(port.read(0, 1) & 0x10).toBe(a);
    clock.advance(REFRESH_PERIOD_NS);
    expect(port.read(0, 1) & 0x10).toBe(a ^ 0x10);
    clock.advance(2 * REFRESH_PERIOD_NS);
    expect(port.read(0, 1) & 0x10).toBe(a);
  });

  it("sounds the speaker only with the data bit set and OUT2 high", () => {
    const { pit, port } = portB();
    expect(pit.out(2)).toBe(true); // mode 3 at reset, gate low: OUT high
    expect(port.speakerOn()).toBe(false);
    port.write(0, 1, 0x03);
    expect(port.speakerOn()).toBe(true);
  });
});

describe("system control port A (0x92)", () => {
  function portA(initial?: number) {
    const a20: boolean[] = [];
    let resets = 0;
    const port = new SystemControlPortA({ setA20: (on) => a20.push(on), reset: () => resets++ }, initial);
    return { port, a20, resets: () => resets };
  }

  it("starts with A20 enabled and reads back what was written", () => {
    const { port } = portA();
    expect(port.read(0, 1)).toBe(0x02);
    port.write(0, 1, 0xc8);
    expect(port.read(0, 1)).toBe(0xc8);
  });

  it("drives A20 from bit 1 on every write", () => {
    const { port, a20 } = portA();
    port.write(0, 1, 0x00);
    port.write(0, 1, 0x02);
    port.write(0, 1, 0x02);
    expect(a20).toEqual([false, true, true]);
  });

  it("resets the machine on a 0 → 1 transition of bit 0 only, re-armed by a machine reset", () => {
    const { port, resets } = portA();
    port.write(0, 1, 0x03);
    expect(resets()).toBe(1);
    port.write(0, 1, 0x03); // bit 0 stays 1: no new reset
    expect(resets()).toBe(1);
    port.machineReset();
    expect(port.read(0, 1)).toBe(0x02);
    port.write(0, 1, 0x03);
    expect(resets()).toBe(2);
  });
});
