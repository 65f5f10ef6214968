/**
 * hvplay_vcpu_resume_nowait (extensions.md): zx_vcpu_resume's loop run synchronously. The result
 * now when there is one; otherwise ZX_ERR_SHOULD_WAIT, with the VCPU's progress (a wait it stopped
 * before, or a result held back for a woken thread) kept for the next zx_vcpu_resume.
 */
import { describe, expect, it, vi } from "vitest";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_BAD_STATE,
  ZX_ERR_CANCELED,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_SHOULD_WAIT,
  ZX_ERR_TIMED_OUT,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_BELL,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_RIGHT_READ,
  ZX_TIME_INFINITE,
  createKernel,
} from "./index";
import { EXIT_SLICE_COST, FIRST_SLICE_INSTRUCTIONS, PREEMPT_CHECK_MS, PREEMPT_CHUNK_MIN, PREEMPT_POLL_LONG_RUN, PREEMPT_POLL_TURNS, SLICE_INSTRUCTIONS } from "./objects/vcpu";
import { Cpu, PhysicalMemory } from "../x86";
import { EXIT_STORE, GUEST_ENTRY, TRAP_ADDR, TRAP_PORT, guestCode, kTrapKey, newGuest, setupGuest, type TestGuest } from "./conformance/harness";

/**
 * A guest that spins (`jmp` to itself) on a kernel with or without the host's preemption word; its
 * CPU core reports each run's budget and the instructions it retired to `onRun`.
 */
function spinningGuest(preempt: Int32Array | undefined, onRun: (budget: number, retired: number) => void): TestGuest {
  const kernel = createKernel({
    ...(preempt ? { preempt } : {}),
    machine: {
      createMemory: () => new PhysicalMemory(),
      createCpu: (memory) => {
        const cpu = new Cpu(memory as PhysicalMemory);
        const run = cpu.run.bind(cpu);
        cpu.run = (budget: number) => {
          const before = cpu.instructionsRetired;
          const reason = run(budget);
          onRun(budget, cpu.instructionsRetired - before);
          return reason;
        };
        return cpu;
      },
    },
  });
  const proc = kernel.createProcess();
  return setupGuest(proc.mainThread, proc, guestCode("top: jmp top"), kernel);
}

/** A guest running `source` on a kernel with the host's preemption word, its OUTs to TRAP_PORT trapped to the VMM. */
function exitingGuest(source: string): { preempt: Int32Array; g: TestGuest } {
  const preempt = new Int32Array(new SharedArrayBuffer(4));
  const kernel = createKernel({ preempt });
  const proc = kernel.createProcess();
  const g = setupGuest(proc.mainThread, proc, guestCode(source), kernel);
  expect(g.thread.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
  return { preempt, g };
}

/** `n` turns of the event loop (a blocking resume runs a slice in each). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}

describe("hvplay_vcpu_resume_nowait", () => {
  it("returns the packet at once, with the instruction count and the exiting instruction's RIP", () => {
    // mov al, 0x41 (2 bytes) at the entry, then the OUT.
    const g = newGuest(guestCode(`mov al, 0x41\nout ${TRAP_PORT}, al\n${EXIT_STORE}`));
    const t = g.thread;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
    const io = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(io.status).toBe(ZX_OK);
    expect(io.packet.type).toBe(ZX_PKT_TYPE_GUEST_IO);
    expect(io.packet.key).toBe(BigInt(kTrapKey));
    expect(io.packet.guest_io).toMatchObject({ port: TRAP_PORT, access_size: 1, input: false, u8: 0x41 });
    expect(io.instructions_retired).toBe(2);
    expect(io.last_exit_rip).toBe(BigInt(GUEST_ENTRY + 2));
    // The figures are hvplay_vcpu_instructions_retired's.
    expect(t.hvplay_vcpu_instructions_retired(g.vcpu)).toEqual({ status: ZX_OK, count: 2n, last_exit_rip: BigInt(GUEST_ENTRY + 2) });
    const mem = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(mem.status).toBe(ZX_OK);
    expect(mem.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
  });

  it("names each exit's own RIP when exits alternate between RIPs that share their low bits", () => {
    // The kernel keeps exit RIPs' BigInts in a table indexed by their low bits: 16 bytes apart, the
    // two OUTs share a slot.
    const g = newGuest(guestCode(`top: out ${TRAP_PORT}, al\ntimes 14 nop\nout ${TRAP_PORT}, al\njmp top`));
    const t = g.thread;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
    for (let i = 0; i < 6; i++) {
      const r = t.hvplay_vcpu_resume_nowait(g.vcpu);
      expect(r.status).toBe(ZX_OK);
      expect(r.last_exit_rip).toBe(BigInt(GUEST_ENTRY + (i % 2 === 0 ? 0 : 16)));
      expect(t.hvplay_vcpu_instructions_retired(g.vcpu).last_exit_rip).toBe(r.last_exit_rip);
    }
  });

  it("stops before a wait with ZX_ERR_SHOULD_WAIT; zx_vcpu_resume then waits and goes on from there", async () => {
    const g = newGuest(guestCode(`hlt\n${EXIT_STORE}`));
    const t = g.thread;
    const first = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(first.status).toBe(ZX_ERR_SHOULD_WAIT);
    expect(first.instructions_retired).toBe(1); // the HLT ran
    // Until a blocking resume takes the wait over, the answer stays the same and nothing runs.
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_SHOULD_WAIT);
    expect(t.hvplay_vcpu_instructions_retired(g.vcpu).count).toBe(1n);
    // The blocking resume starts inside the HLT: a kick ends the wait, not a new HLT.
    const halted = t.zx_vcpu_resume(g.vcpu);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_BAD_STATE); // a resume is in progress
    expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect((await halted).status).toBe(ZX_ERR_CANCELED);
    const after = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(after.status).toBe(ZX_OK);
    expect(after.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
    expect(after.instructions_retired).toBe(2);
  });

  it("a new VCPU's slices start short and double to SLICE_INSTRUCTIONS: each ends in ZX_ERR_SHOULD_WAIT", async () => {
    const g = newGuest(guestCode(`spin: jmp spin`));
    const t = g.thread;
    const slices: number[] = [];
    let retired = 0;
    for (let i = 0; i < 10; i++) {
      const r = t.hvplay_vcpu_resume_nowait(g.vcpu);
      expect(r.status).toBe(ZX_ERR_SHOULD_WAIT);
      slices.push(r.instructions_retired - retired);
      // The blocking resume first yields to the event loop; a kick meanwhile stops it before it runs
      // on, so the next slice (twice as long) is the next nowait call's.
      const resumed = t.zx_vcpu_resume(g.vcpu);
      await Promise.resolve();
      expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
      expect((await resumed).status).toBe(ZX_ERR_CANCELED);
      retired = Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count);
    }
    expect(FIRST_SLICE_INSTRUCTIONS).toBe(2_000);
    expect(SLICE_INSTRUCTIONS).toBe(200_000);
    expect(slices).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 200_000, 200_000, 200_000]);
  });

  it("counts each exit to the VMM as EXIT_SLICE_COST instructions: a guest that exits at every other instruction yields after ~9,000 exits, not 100,000", async () => {
    const g = newGuest(guestCode(`top: out ${TRAP_PORT}, al\njmp top`));
    const t = g.thread;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
    const packets: number[] = [];
    for (let i = 0; i < 10; i++) {
      let n = 0;
      for (;;) {
        const r = t.hvplay_vcpu_resume_nowait(g.vcpu);
        if (r.status === ZX_ERR_SHOULD_WAIT) break;
        expect(r.status).toBe(ZX_OK);
        expect(r.packet.type).toBe(ZX_PKT_TYPE_GUEST_IO);
        n++;
      }
      packets.push(n);
      const resumed = t.zx_vcpu_resume(g.vcpu);
      await Promise.resolve();
      expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
      expect((await resumed).status).toBe(ZX_ERR_CANCELED);
    }
    expect(EXIT_SLICE_COST).toBe(20);
    // The first slice (2,000): the first OUT costs 1 + 20, each next one (JMP, OUT) 2 + 20, so the
    // 91st fills it. A full slice (200,000) is ceil(200,000 / 22) = 9,091 round trips.
    expect(packets[0]).toBe(91);
    expect(packets.slice(-3)).toEqual([9091, 9091, 9091]);
  });

  it("ends the slice within PREEMPT_POLL_TURNS exits while the host's preemption word is set, and runs full slices once it is clear", async () => {
    const { preempt, g } = exitingGuest(`top: out ${TRAP_PORT}, al\njmp top`);
    const t = g.thread;
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_OK);
    // The page asks for a turn (it is about to send Pause): the word is read every
    // PREEMPT_POLL_TURNS round trips, so within that many the resume yields, before running on.
    Atomics.add(preempt, 0, 1);
    let trips = 0;
    while (t.hvplay_vcpu_resume_nowait(g.vcpu).status === ZX_OK) trips++;
    expect(trips).toBeLessThan(PREEMPT_POLL_TURNS);
    const before = Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count);
    // While it stays set, every resume yields at once.
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_SHOULD_WAIT);
    expect(Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count)).toBe(before);
    // The blocking resume gives the event loop turns (it would run on if the word were clear) until
    // the call comes: it takes its 1 back and kicks.
    const resumed = t.zx_vcpu_resume(g.vcpu);
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    expect(Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count)).toBe(before);
    Atomics.sub(preempt, 0, 1);
    expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect((await resumed).status).toBe(ZX_ERR_CANCELED);
    // Clear again: the slice runs its round trips before it yields, as without a word.
    let n = 0;
    while (t.hvplay_vcpu_resume_nowait(g.vcpu).status === ZX_OK) n++;
    expect(n).toBeGreaterThan(50);
  });

  it("reads the preemption word at the next turn after a long run of the core, whatever the count", async () => {
    // Each round trip follows 2,000 instructions of LOOP (over PREEMPT_POLL_LONG_RUN): a guest
    // that computes between its exits yields at its next exit, not PREEMPT_POLL_TURNS exits later.
    expect(PREEMPT_POLL_LONG_RUN).toBeLessThan(2000);
    const { preempt, g } = exitingGuest(`top: mov ecx, 2000\nl: loop l\nout ${TRAP_PORT}, al\njmp top`);
    const t = g.thread;
    // Past the first, short slices (each resume returns at the next exit, yielding where a slice fills).
    for (let i = 0; i < 12; i++) expect((await t.zx_vcpu_resume(g.vcpu)).status).toBe(ZX_OK);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_OK);
    Atomics.add(preempt, 0, 1);
    const before = Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_SHOULD_WAIT);
    expect(Number(t.hvplay_vcpu_instructions_retired(g.vcpu).count)).toBe(before);
    Atomics.sub(preempt, 0, 1);
  });

  it("with a preemption word, cuts each run of the CPU core to about PREEMPT_CHECK_MS at the last slice's pace", async () => {
    // The host's clock and the core's pace are the test's: each run of the core advances the clock
    // by its instructions at `perMs`, so a slice's measured pace is exactly that.
    let now = 1000;
    let perMs = 0;
    const budgets: number[] = [];
    const clock = vi.spyOn(performance, "now").mockImplementation(() => now);
    try {
      const g = spinningGuest(new Int32Array(new SharedArrayBuffer(4)), (budget, retired) => {
        budgets.push(budget);
        now += retired / perMs;
      });
      // A slow core (an exception storm in the interpreter: 10 MIPS): calls of ~20,000 instructions.
      perMs = 10_000;
      const resumed = g.thread.zx_vcpu_resume(g.vcpu);
      await turns(12);
      expect(PREEMPT_CHECK_MS).toBe(2);
      expect(budgets.slice(-3)).toEqual([20_000, 20_000, 20_000]);
      // Slower still: never below PREEMPT_CHUNK_MIN.
      perMs = 1_000;
      await turns(3);
      expect(Math.max(...budgets.slice(-20))).toBe(PREEMPT_CHUNK_MIN);
      // At compiled speed (1,000 MIPS) a call is the whole slice again.
      perMs = 1_000_000;
      await turns(3);
      expect(budgets.slice(-2)).toEqual([SLICE_INSTRUCTIONS, SLICE_INSTRUCTIONS]);
      expect(g.thread.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
      expect((await resumed).status).toBe(ZX_ERR_CANCELED);
    } finally {
      clock.mockRestore();
    }
  });

  it("without a preemption word, runs the core a whole slice per call, whatever its pace", async () => {
    const budgets: number[] = [];
    const g = spinningGuest(undefined, (budget) => budgets.push(budget));
    const resumed = g.thread.zx_vcpu_resume(g.vcpu);
    await turns(12);
    expect(g.thread.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect((await resumed).status).toBe(ZX_ERR_CANCELED);
    expect(budgets.slice(0, 8)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 200_000]);
    expect(budgets.at(-1)).toBe(SLICE_INSTRUCTIONS);
  });

  it("holds back a result whose run woke a port waiter: the next resume returns it, after the waiter ran", async () => {
    const g = newGuest(guestCode(`mov byte [${TRAP_ADDR}], 1\n${EXIT_STORE}`));
    const t = g.thread;
    const port = t.zx_port_create(0).out;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_BELL, TRAP_ADDR, 4096, port, kTrapKey)).toBe(ZX_OK);
    const order: string[] = [];
    const bell = t.zx_port_wait(port, ZX_TIME_INFINITE).then((w) => {
      order.push("port");
      return w;
    });
    const r = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(r.status).toBe(ZX_ERR_SHOULD_WAIT);
    expect(r.last_exit_rip).toBeNull();
    // No packet has come back yet, so no exit RIP either.
    expect((t.hvplay_vcpu_read_arch_state(g.vcpu) as { state: { last_exit_rip: bigint | null } }).state.last_exit_rip).toBeNull();
    const held = await t.zx_vcpu_resume(g.vcpu);
    order.push("resume");
    expect(order).toEqual(["port", "resume"]);
    expect((await bell).packet.type).toBe(ZX_PKT_TYPE_GUEST_BELL);
    expect(held.status).toBe(ZX_OK);
    expect(held.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
    // The held result keeps the RIP of the store behind it (mov byte [imm32], imm8: 8 bytes in 64-bit mode).
    const at = t.hvplay_vcpu_read_arch_state(g.vcpu) as { state: { last_exit_rip: bigint | null } };
    expect(at.state.last_exit_rip).toBe(BigInt(GUEST_ENTRY + 8));
  });

  it("fills one IO packet in place, valid until the next resume; zx_vcpu_resume's packets stay the caller's", async () => {
    const g = newGuest(guestCode(`mov al, 0x41\nout ${TRAP_PORT}, al\nmov al, 0x42\nout ${TRAP_PORT}, al\nmov al, 0x43\nout ${TRAP_PORT}, al\n${EXIT_STORE}`));
    const t = g.thread;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
    const first = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(first.packet.guest_io).toMatchObject({ u8: 0x41, u32: 0x41 });
    expect(Array.from(first.packet.guest_io!.data)).toEqual([0x41, 0, 0, 0]);
    const second = t.hvplay_vcpu_resume_nowait(g.vcpu);
    // The same object, now the second exit's (docs/extensions.md: read it before resuming again).
    expect(second.packet).toBe(first.packet);
    expect(second.packet.guest_io).toMatchObject({ port: TRAP_PORT, access_size: 1, input: false, u8: 0x42, u16: 0x42, u32: 0x42 });
    expect(Array.from(second.packet.guest_io!.data)).toEqual([0x42, 0, 0, 0]);
    // zx_vcpu_resume: a packet of the caller's own, which the next exit leaves alone.
    const third = await t.zx_vcpu_resume(g.vcpu);
    expect(third.packet).not.toBe(first.packet);
    expect(third.packet.guest_io).toMatchObject({ u8: 0x43 });
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
    expect(third.packet.guest_io).toMatchObject({ u8: 0x43, u32: 0x43 });
    expect(Array.from(third.packet.guest_io!.data)).toEqual([0x43, 0, 0, 0]);
  });

  it("hands a held-back IO packet to zx_vcpu_resume as a copy of its own", async () => {
    // The BELL write wakes the port's waiter; the OUT in the same run is then held for the next resume.
    const g = newGuest(guestCode(`mov byte [${TRAP_ADDR}], 1\nmov al, 0x51\nout ${TRAP_PORT}, al\nmov al, 0x52\nout ${TRAP_PORT}, al\n${EXIT_STORE}`));
    const t = g.thread;
    const port = t.zx_port_create(0).out;
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_BELL, TRAP_ADDR, 4096, port, kTrapKey)).toBe(ZX_OK);
    expect(t.zx_guest_set_trap(g.guest, ZX_GUEST_TRAP_IO, TRAP_PORT, 1, 0, kTrapKey)).toBe(ZX_OK);
    const bell = t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_SHOULD_WAIT);
    const held = await t.zx_vcpu_resume(g.vcpu);
    expect((await bell).packet.type).toBe(ZX_PKT_TYPE_GUEST_BELL);
    expect(held.packet.guest_io).toMatchObject({ u8: 0x51 });
    const next = t.hvplay_vcpu_resume_nowait(g.vcpu);
    expect(next.packet.guest_io).toMatchObject({ u8: 0x52 });
    expect(next.packet).not.toBe(held.packet);
    expect(held.packet.guest_io).toMatchObject({ u8: 0x51, u32: 0x51 });
    expect(Array.from(held.packet.guest_io!.data)).toEqual([0x51, 0, 0, 0]);
  });

  it("with max_instructions, ZX_ERR_TIMED_OUT once they retire without an exit", () => {
    const g = newGuest(guestCode(`nop\nnop\nnop\n${EXIT_STORE}`));
    const t = g.thread;
    const r = t.hvplay_vcpu_resume_nowait(g.vcpu, 2n);
    expect(r.status).toBe(ZX_ERR_TIMED_OUT);
    expect(r.instructions_retired).toBe(2);
    const third = t.hvplay_vcpu_resume_nowait(g.vcpu, 1);
    expect(third.status).toBe(ZX_ERR_TIMED_OUT);
    expect(third.instructions_retired).toBe(3);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu, 5).packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
  });

  it("checks the handle, the EXECUTE right, the owner thread and the count as zx_vcpu_resume does", () => {
    const g = newGuest(guestCode(EXIT_STORE));
    const t = g.thread;
    expect(t.hvplay_vcpu_resume_nowait(0x7777).status).toBe(ZX_ERR_BAD_HANDLE);
    const readOnly = t.zx_handle_duplicate(g.vcpu, ZX_RIGHT_READ).out;
    expect(t.hvplay_vcpu_resume_nowait(readOnly).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.hvplay_vcpu_resume_nowait(g.vcpu, -1).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(g.proc.createThread("other").hvplay_vcpu_resume_nowait(g.vcpu).status).toBe(ZX_ERR_BAD_STATE);
    expect(t.hvplay_vcpu_instructions_retired(g.vcpu).count).toBe(0n);
  });
});
