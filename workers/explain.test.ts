/**
 * Guests that misbehave (src/testing/fault-guests.ts) on the worker's engine with the real kernel
 * and VMM: a VCPU that stops gets an explanation built from Zircon's status and the kernel's log;
 * a guest that only keeps itself busy (exception storms, a console flood, a loop with interrupts
 * off) keeps running and still pauses at once.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "../src/asm";
import { CONSOLE_FLOOD, GP_STORM, RUNAWAY, TRIPLE_FAULT, UD_STORM, UNMAPPED_READ, type FaultGuest } from "../src/testing/fault-guests";
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_STATE, ZX_ERR_INTERNAL, ZX_ERR_NOT_FOUND, ZX_ERR_NOT_SUPPORTED, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "../src/zircon";
import type { EventBatch, MachineState } from "./api";
import { explainVcpuStop } from "./explain";
import { HypervisorSession } from "./hypervisor-session";
import { createZirconBackend } from "./zircon-backend";

describe("explainVcpuStop", () => {
  it("names a triple fault and where it happened, from the kernel's log", () => {
    const text = explainVcpuStop(ZX_ERR_NOT_SUPPORTED, ["something else", "vcpu 1036: triple fault at rip 0x7c06"]);
    expect(text).toMatch(/^The guest triple-faulted at RIP 0x7c06: /);
    expect(text).toMatch(/ZX_ERR_NOT_SUPPORTED/);
    expect(text).toMatch(/IDT/);
  });

  it("without a triple fault in the log, lists the exits Zircon does not handle", () => {
    expect(explainVcpuStop(ZX_ERR_NOT_SUPPORTED, [])).toMatch(/^Zircon has no handler for this VM exit\. .*INS, OUTS/);
    expect(explainVcpuStop(ZX_ERR_NOT_SUPPORTED, ["vcpu 7: unhandled VMX instruction at rip 0x10"])).toMatch(/\(VMX instruction at rip 0x10\)/);
  });

  it("explains each status zx_vcpu_resume can stop with, and adds nothing to others", () => {
    expect(explainVcpuStop(ZX_ERR_NOT_FOUND, [])).toMatch(/^The guest touched memory that nothing backs/);
    expect(explainVcpuStop(ZX_ERR_NOT_FOUND, ["vcpu 3: EPT violation at guest-physical 0xc0000000 (read), nothing mapped or trapped"]))
      .toMatch(/^The guest touched memory at guest-physical 0xc0000000 that nothing backs/);
    expect(explainVcpuStop(ZX_ERR_OUT_OF_RANGE, [])).toMatch(/beyond the guest's address space/);
    expect(explainVcpuStop(ZX_ERR_ACCESS_DENIED, [])).toMatch(/rights/);
    expect(explainVcpuStop(ZX_ERR_INTERNAL, [])).toMatch(/15 bytes/);
    expect(explainVcpuStop(ZX_ERR_BAD_STATE, [])).toMatch(/Reset/);
    expect(explainVcpuStop(ZX_OK, [])).toBeNull();
    expect(explainVcpuStop(null, [])).toBeNull();
  });
});

function setup() {
  const session = new HypervisorSession(
    createZirconBackend({ fetchGuest: async () => { throw new Error("no bundled guests here"); } }),
    { statsIntervalMs: 0 },
  );
  const batches: EventBatch[] = [];
  session.subscribe((b) => batches.push(b));
  return { session, batches };
}

async function boot(session: HypervisorSession, guest: FaultGuest): Promise<void> {
  const asm = assemble(guest.source, { fileName: guest.name });
  expect(asm.errors).toEqual([]);
  const error = await session.load({
    name: guest.name,
    image: asm.bytes,
    boot: { boot: "flat", mode: guest.mode, ...(guest.load !== undefined ? { load: guest.load } : {}) },
  });
  expect(error).toBeNull();
  expect(session.run()).toBeNull();
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const errorState = (s: MachineState) => (s.kind === "error" ? s : null);

describe("guest faults on the real kernel and VMM", () => {
  it("a triple fault stops the VCPU with ZX_ERR_NOT_SUPPORTED and the page is told why", async () => {
    const { session } = setup();
    await boot(session, TRIPLE_FAULT);
    await until("the VCPU to stop", () => session.state().kind === "error");
    const s = errorState(session.state())!;
    expect(s.status).toBe(ZX_ERR_NOT_SUPPORTED);
    expect(s.message).toBe("zx_vcpu_resume: ZX_ERR_NOT_SUPPORTED at RIP 0x7c06");
    expect(s.explanation).toMatch(/^The guest triple-faulted at RIP 0x7c06: /);
    // The worker goes on: Reset boots the guest again, and it faults again the same way.
    expect(await session.reset()).toBeNull();
    expect(session.run()).toBeNull();
    await until("the VCPU to stop again", () => session.state().kind === "error");
    expect(errorState(session.state())!.explanation).toMatch(/triple-faulted at RIP 0x7c06/);
  });

  it("a read of unmapped memory stops the VCPU with ZX_ERR_NOT_FOUND, explained", async () => {
    const { session } = setup();
    await boot(session, UNMAPPED_READ);
    await until("the VCPU to stop", () => session.state().kind === "error");
    const s = errorState(session.state())!;
    expect(s.status).toBe(ZX_ERR_NOT_FOUND);
    expect(s.explanation).toMatch(/^The guest touched memory at guest-physical 0xc0000000 that nothing backs/);
  });

  for (const guest of [UD_STORM, GP_STORM, CONSOLE_FLOOD, RUNAWAY]) {
    it(`${guest.name}: keeps running without a word of error, and pauses promptly`, async () => {
      const { session, batches } = setup();
      await boot(session, guest);
      // Let it run a while: long enough for millions of instructions.
      await new Promise((r) => setTimeout(r, 300));
      expect(session.state().kind).toBe("running");
      const before = session.stats()!.instructionsRetired;
      await new Promise((r) => setTimeout(r, 100));
      expect(session.stats()!.instructionsRetired).toBeGreaterThan(before);
      const asked = performance.now();
      await session.pause();
      const took = performance.now() - asked;
      expect(session.state()).toEqual({ kind: "paused", reason: "pause" });
      // A slice is 200,000 instructions: even at storm speed (a few MIPS here) that is well under this.
      expect(took).toBeLessThan(500);
      session.flushEvents();
      expect(batches.flatMap((b) => b.errors)).toEqual([]);
      if (guest === CONSOLE_FLOOD) {
        const printed = batches.reduce((n, b) => n + (b.console?.length ?? 0) + b.consoleDropped, 0);
        expect(printed).toBeGreaterThan(10_000);
      }
    });
  }
});
