/**
 * Timers driving a real guest, as a VMM's device models use them (Fuchsia's VMM: a zx::timer whose
 * ZX_TIMER_SIGNALED arrives on the device loop's port, after which the VMM calls zx_vcpu_interrupt).
 * The guest is NASM-assembled 64-bit code run by src/x86 through zx_vcpu_resume; the clock is the
 * kernel's deterministic one (1 ns per retired instruction, jumping to the next deadline while every
 * VCPU is idle).
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  ZX_CLOCK_MONOTONIC,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_PKT_TYPE_SIGNAL_ONE,
  ZX_TIME_INFINITE,
  ZX_TIMER_SIGNALED,
  ZX_WAIT_ASYNC_TIMESTAMP,
} from "./index";
import { EXIT_STORE, EXIT_TEST_ADDR, guestCode, initInterruptHandling, kInterruptVector, readState, setupGuest } from "./conformance/harness";

const TIMER_KEY = 0x7140n;
const ONE_MS = 1_000_000;
/** Not a multiple of the VCPU's 200,000-instruction slice: the deadline must cut a slice short. */
const ODD_DELAY = 1_012_345;

/** Interrupts on, then HLT. The vector-32 handler of init_interrupt_handling sets RAX = 32 and exits. */
const haltGuest = () => guestCode(`${initInterruptHandling()}
    mov rax, 0x55
    sti
    hlt
    mov rax, 0x99         ; only if HLT ended without the interrupt
    ${EXIT_STORE}`);

/** Interrupts on, then a countdown of 3,000,000 iterations (6 M instructions); RCX tells where the interrupt hit. */
const spinGuest = () => guestCode(`${initInterruptHandling()}
    sti
    mov rcx, 3000000
spin:
    dec rcx
    jnz spin
    mov rax, 0x99         ; only if the countdown ended without the interrupt
    ${EXIT_STORE}`);

interface Run {
  /** Kernel clock when the timer was set (the guest had just halted / run its first slice). */
  armedAt: bigint;
  deadline: bigint;
  /** Kernel clock when the VMM thread got the packet. */
  packetAt: bigint;
  timestamp: bigint;
  rax: bigint;
  rcx: bigint;
  instructionsRetired: bigint;
}

/**
 * One VMM-style run: a worker thread resumes the VCPU; the "device loop" (main thread) arms a timer
 * for +delay ns with a wait_async on its port, takes the packet, injects vector 32 and waits for the exit.
 */
async function run(code: Uint8Array, delay: number): Promise<Run> {
  const kernel = createKernel();
  const proc = kernel.createProcess();
  const vmm = proc.mainThread;
  const worker = proc.createThread("vcpu");
  const g = setupGuest(worker, proc, code, kernel);
  const exited = worker.zx_vcpu_resume(g.vcpu);

  const port = vmm.zx_port_create(0).out;
  const timer = vmm.zx_timer_create(0, ZX_CLOCK_MONOTONIC).out;
  const armedAt = vmm.zx_clock_get_monotonic();
  const deadline = vmm.zx_deadline_after(delay);
  expect(vmm.zx_object_wait_async(timer, port, TIMER_KEY, ZX_TIMER_SIGNALED, ZX_WAIT_ASYNC_TIMESTAMP)).toBe(ZX_OK);
  expect(vmm.zx_timer_set(timer, deadline, 0)).toBe(ZX_OK);

  const got = await vmm.zx_port_wait(port, ZX_TIME_INFINITE);
  const packetAt = vmm.zx_clock_get_monotonic();
  expect(got.status).toBe(ZX_OK);
  expect(got.packet.key).toBe(TIMER_KEY);
  expect(got.packet.type).toBe(ZX_PKT_TYPE_SIGNAL_ONE);
  expect(got.packet.signal!.observed & ZX_TIMER_SIGNALED).toBe(ZX_TIMER_SIGNALED);
  expect(vmm.zx_vcpu_interrupt(g.vcpu, kInterruptVector)).toBe(ZX_OK);

  const exit = await exited;
  expect(exit.status).toBe(ZX_OK);
  expect(exit.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
  expect(exit.packet.guest_mem!.addr).toBe(BigInt(EXIT_TEST_ADDR));
  const s = readState(g);
  const arch = worker.hvplay_vcpu_read_arch_state(g.vcpu);
  expect(arch.status).toBe(ZX_OK);
  return {
    armedAt, deadline, packetAt, timestamp: got.packet.signal!.timestamp, rax: s.rax, rcx: s.rcx,
    instructionsRetired: arch.state!.instructions_retired,
  };
}

describe("timers and a guest VCPU (deterministic clock)", () => {
  it("a halted guest: time jumps to the +1 ms deadline, the packet arrives, zx_vcpu_interrupt wakes the guest", async () => {
    const r = await run(haltGuest(), ONE_MS);
    // The guest halted after a few dozen instructions: that is all the time that passed by execution.
    expect(r.armedAt).toBeGreaterThan(0n);
    expect(r.armedAt).toBeLessThan(1000n);
    expect(r.deadline).toBe(r.armedAt + BigInt(ONE_MS));
    // Nothing ran for 1 ms, yet the timer fired exactly at its deadline: idle time jumped.
    expect(r.timestamp).toBe(r.deadline);
    expect(r.packetAt).toBe(r.deadline);
    // Woken by vector 32: its handler set RAX = 32 (0x99 would mean HLT fell through).
    expect(r.rax).toBe(32n);
    expect(r.instructionsRetired).toBeLessThan(1000n);
  });

  it("a busy guest: the timer fires at the exact instruction count of its deadline", async () => {
    const r = await run(spinGuest(), ODD_DELAY);
    expect(r.deadline).toBe(r.armedAt + BigInt(ODD_DELAY));
    expect(r.timestamp).toBe(r.deadline); // the slice was cut at the deadline, not after it
    // The VMM thread runs when the VCPU's slice yields, a little later than the deadline.
    expect(r.packetAt).toBeGreaterThan(r.deadline);
    expect(r.rax).toBe(32n);
    // The interrupt landed inside the countdown, after at least 1 ms (2 instructions per iteration).
    const iterations = 3_000_000n - r.rcx;
    expect(r.rcx).toBeGreaterThan(0n);
    expect(iterations * 2n).toBeGreaterThanOrEqual(r.deadline - r.armedAt);
  });

  it("is deterministic: two runs see the packet and the interrupt at the same instruction counts", async () => {
    for (const [code, delay] of [[haltGuest(), ONE_MS], [spinGuest(), ODD_DELAY]] as const) {
      const a = await run(code, delay);
      const b = await run(code, delay);
      expect(b).toEqual(a);
    }
  });

  it("the TSC runs while the guest is halted: after a 1 ms sleep RDTSC has moved by the 1 ms", async () => {
    // Pass 1 reads the TSC into R10 and halts; the timer's vector-32 handler exits. Resumed, the
    // code after the handler runs the body again: pass 2 reads the TSC into R8 and exits.
    const code = guestCode(`${initInterruptHandling()}
    rdtsc
    shl rdx, 32
    or rax, rdx
    cmp r9, 1
    je after
    mov r10, rax
    mov r9, 1
    sti
    hlt
after:
    mov r8, rax
    ${EXIT_STORE}`);
    const kernel = createKernel();
    const proc = kernel.createProcess();
    const vmm = proc.mainThread;
    const worker = proc.createThread("vcpu");
    const g = setupGuest(worker, proc, code, kernel);
    const first = worker.zx_vcpu_resume(g.vcpu);
    const port = vmm.zx_port_create(0).out;
    const timer = vmm.zx_timer_create(0, ZX_CLOCK_MONOTONIC).out;
    expect(vmm.zx_object_wait_async(timer, port, TIMER_KEY, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(vmm.zx_timer_set(timer, vmm.zx_deadline_after(ONE_MS), 0)).toBe(ZX_OK);
    expect((await vmm.zx_port_wait(port, ZX_TIME_INFINITE)).status).toBe(ZX_OK);
    expect(vmm.zx_vcpu_interrupt(g.vcpu, kInterruptVector)).toBe(ZX_OK);
    expect((await first).status).toBe(ZX_OK);
    expect((await worker.zx_vcpu_resume(g.vcpu)).status).toBe(ZX_OK);
    const state = readState(g);
    const elapsed = state.r8 - state.r10;
    // The sleep's 1 ms and the few dozen instructions around it; not just the instructions.
    expect(elapsed).toBeGreaterThanOrEqual(BigInt(ONE_MS));
    expect(elapsed).toBeLessThan(BigInt(ONE_MS) + 1000n);
  });
});
