import { describe, expect, it } from "vitest";
import { assemble } from "../asm";
import { createKernel } from "../zircon";
import { Machine } from "./machine";

// A guest that exits every couple of instructions, forever, with interrupts off: each
// zx_vcpu_resume returns within a few instructions, so the VMM's resume → packet → resume loop is
// all microtasks unless the kernel gives the event loop a turn. It must (every slice of instructions,
// counted across resumes), or nothing else in the worker would ever run again: not a Pause
// (zx_vcpu_kick), not a timer, not the page's messages.

const RUNAWAY = `
bits 16
org 0x7c00
    cli
    mov dx, 0x3ff       ; COM1's scratch register: a trapped port with no side effect
again:
    out dx, al
    inc al
    jmp again
`;

function boot(): Machine {
  const asm = assemble(RUNAWAY);
  if (!asm.ok) throw new Error(asm.errors.map((e) => e.message).join("\\n"));
  const m = Machine.create(createKernel().createProcess(), { memoryMiB: 4 }, { console: () => {}, exit: () => {} });
  if (typeof m === "string") throw new Error(m);
  expect(m.load({ boot: "flat", image: asm.bytes, mode: "real", load: 0x7c00, entry: 0x7c00 })).toBeNull();
  return m;
}

describe("a runaway exit loop with interrupts off", () => {
  it("lets timers run and stops on Pause (zx_vcpu_kick)", async () => {
    const m = boot();
    // A timer (another task) watches the count and pauses once thousands of exits have run; the
    // run can only end if timers get their turns while the guest exits flat out.
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
      if (m.stats().exitsByKind.io > 20_000) m.pause();
    }, 1);
    const outcome = await m.run();
    clearInterval(ticker);
    expect(outcome).toEqual({ kind: "paused" });
    const exits = m.stats().exitsByKind.io;
    expect(exits).toBeGreaterThan(20_000);
    // It ran flat out between the timer's turns: many exits per event-loop turn, not one.
    expect(ticks).toBeGreaterThan(0);
    expect(exits / ticks, `${exits} exits, ${ticks} timer ticks`).toBeGreaterThan(20);
  });

  it("lets a step's caller in again: run(limit) still stops exactly at the limit", async () => {
    const m = boot();
    const outcome = await m.run(100_001);
    expect(outcome).toEqual({ kind: "limit" });
    expect(m.stats().instructionsRetired).toBe(100_001);
  });
});
