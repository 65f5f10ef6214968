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
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const paused = new Promise<void>((resolve) => setTimeout(() => {
      m.pause();
      resolve();
    }, 50));
    const outcome = await m.run();
    clearInterval(ticker);
    await paused;
    expect(outcome).toEqual({ kind: "paused" });
    expect(ticks).toBeGreaterThan(0);
    // It did run flat out meanwhile: thousands of exits, not one per event-loop turn.
    expect(m.stats().exitsByKind.io).toBeGreaterThan(1000);
  });

  it("lets a step's caller in again: run(limit) still stops exactly at the limit", async () => {
    const m = boot();
    const outcome = await m.run(100_001);
    expect(outcome).toEqual({ kind: "limit" });
    expect(m.stats().instructionsRetired).toBe(100_001);
  });
});
