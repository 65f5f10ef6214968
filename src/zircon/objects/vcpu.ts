/**
 * VCPUs (`object/vcpu_dispatcher.cc`, `arch/x86/hypervisor/vcpu.cc`): the initial state of §4.1, the
 * entry loop of zx_vcpu_resume (interrupt injection §4.3, then run, then vmexit.ts), state access,
 * kick and interrupt.
 *
 * Threading model: a VCPU belongs to the thread that created it. JavaScript has one thread per
 * worker, so "blocking" in zx_vcpu_resume is a Promise; the CPU runs in slices and the loop yields to
 * the event loop (a MessageChannel macrotask) after each full slice, so other tasks can kick or
 * interrupt it as other threads would. An exit that arrives within the first slice costs no yield,
 * and through hvplay_vcpu_resume_nowait (resumeNowait) no promise either.
 */
import { EVENT_EXTERNAL_INTERRUPT, EVENT_HARDWARE_EXCEPTION, EVENT_NMI, EVENT_SOFTWARE_EXCEPTION, EXIT_NONE, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_LDTR, SEG_SS, SEG_TR } from "../../x86";
import type { VirtualCpu } from "../../x86";
import { ZX_OBJ_TYPE_VCPU } from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import { LocalApic } from "../local-apic";
import { yieldMacrotask } from "../macrotask";
import { updatePvClock } from "../msr";
import {
  ZX_ERR_BAD_STATE,
  ZX_ERR_CANCELED,
  ZX_ERR_INTERNAL_INTR_KILLED,
  ZX_ERR_NEXT,
  ZX_ERR_NOT_SUPPORTED,
  ZX_ERR_TIMED_OUT,
  ZX_OK,
  ZX_ERR_STOP,
  ZX_ERR_SHOULD_WAIT,
} from "../status";
import type { Trap } from "../trap-map";
import { WAIT_BELL, WAIT_HLT, deliverBell, handleExit } from "../vmexit";
import type { zx_packet_guest_io_t, zx_port_packet_t } from "../abi/port-packet";
import type { GuestObject } from "./guest";

/** runSlices' answer when a full slice ran: yield to the event loop, then go on (WAIT_HLT, WAIT_BELL: vmexit.ts). */
const WAIT_SLICE = 3;
/** runSlices' answer for the common result, ZX_OK with a packet: the packet is in `packet`. */
const PACKET_READY = 4;

/** The time-stamp counter's MSR (Intel SDM Vol. 4, table 2-2). */
const IA32_TSC = 0x10;
/** Instructions per slice between event-loop turns (~1–5 ms of guest time at interpreter speed). */
export const SLICE_INSTRUCTIONS = 200_000;
/**
 * A new VCPU's first slice; each slice after a yield is twice the last, up to SLICE_INSTRUCTIONS.
 * The end of a slice takes paths the exits between never do (the yield, the blocking resume after
 * a nowait one, the VMM's first batches to the page). At full length the first end came after
 * ~40,000 VM exits of bench-exits, when V8 had already optimised the exit path without them: a
 * dozen functions were deoptimised there at once and compiled again, and the VMM's loop was compiled
 * a further time for on-stack replacement. Short first slices take those paths while V8 is still
 * collecting type feedback (Chromium, bench-exits: 42 → 30 TurboFan compiles of the worker's code,
 * 33 → 17 deoptimisations, none for on-stack replacement). A VCPU yields six more times in its life.
 */
export const FIRST_SLICE_INSTRUCTIONS = 2_000;
/**
 * What a VM exit that goes out to the VMM (a packet returned) counts toward a slice, in
 * instructions. Such a guest spends its time in the round trip through the VMM, not in its own
 * instructions: counted by instructions alone, a guest printing flat out (five instructions and an
 * OUT per character) ran ~40,000 exits and 80 ms between event-loop turns, and a kick (the page's
 * Pause) waited for that. Now a slice of exits is at most SLICE_INSTRUCTIONS / EXIT_SLICE_COST
 * (10,000) round trips: 8-20 ms. Each end of a slice costs the exit path its yield (the blocking
 * resume's promises, the event loop's turn): at 100 (2,000 round trips a slice) bench-exits ran
 * ~10 % slower in the worker's session under Node, at 20 within the noise of ~5 %.
 */
export const EXIT_SLICE_COST = 20;

/**
 * With a preemption word (KernelContext.preempt), how long (ms of the host's time) the CPU core may
 * run in one call before the loop looks at the word again. A slice's length is counted in
 * instructions, and code that never leaves the core runs at very different speeds: compiled loops
 * at 1,000+ MIPS, a storm of exceptions the guest handles itself at ~10-15 MIPS in the interpreter
 * (ud-storm.asm: 200,000 instructions held a pause() for 15-25 ms). Each call is therefore cut to
 * about this much time at the pace of the last slice (VcpuObject.preemptChunk); at full speed
 * that is the whole slice, and nothing changes. (Splitting a call is not visible to the guest: the
 * run's budget ends between instructions, as at a timer's deadline.)
 */
export const PREEMPT_CHECK_MS = 2;
/** The fewest instructions a call is cut to (each call costs the core's entry: revalidation of the code cache). */
export const PREEMPT_CHUNK_MIN = 8_192;
/**
 * The preemption word is read (Atomics.load) once every this many turns of the run loop, and at
 * the turn after any long run of the CPU core (its whole budget, up to PREEMPT_CHECK_MS, or
 * PREEMPT_POLL_LONG_RUN instructions before an exit). A turn that ends in a VM exit after a few
 * instructions is a round trip through the VMM, under a microsecond; an Atomics.load costs ~45 ns
 * (Node 20), and one per turn cost a guest that exits flat out 8 % of its time (bench-exits in the
 * worker's session under Node: 530 → 492 ms, medians of 6). The host's turn comes at most this
 * many round trips later.
 */
export const PREEMPT_POLL_TURNS = 32;
/** Instructions after which a turn counts as long (PREEMPT_POLL_TURNS): 0.1 ms in the interpreter's slowest paths. */
export const PREEMPT_POLL_LONG_RUN = 1024;
/** What one HLT that wakes at once without progress counts toward a slice (so ~200 of them fill a full one). */
const HLT_SPIN_INSTRUCTIONS = 1000;

// Initial state, zircon-hypervisor.md §4.1 (E2).
const CR0_ET = 0x10, CR0_NE = 0x20, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PE = 0x1, CR0_PG = 0x80000000;
const CR4_PAE = 0x20, CR4_VMXE = 0x2000;
/** Host EFER on Zircon: SCE | LME | LMA | NXE. */
const HOST_EFER = 0xd01;
const EFER_LME = 0x100, EFER_LMA = 0x400;
const CR0_MASK = CR0_NE | CR0_NW | CR0_CD;
const CR4_MASK = CR4_VMXE;

/** Who may run a VCPU: the creating thread. */
export interface VcpuOwner {
  readonly koid: bigint;
  vcpu: VcpuObject | null;
  readonly dead: boolean;
}

/**
 * What zx_vcpu_resume hands back. As in C, the packet is only meaningful when status is ZX_OK; on
 * error it is an all-zero packet (EMPTY_PACKET), so `packet` is always an object.
 */
export interface ResumeResult {
  status: number;
  packet: zx_port_packet_t;
}

/**
 * What hvplay_vcpu_resume_nowait hands back: zx_vcpu_resume's result with the two figures a VMM that
 * logs every exit needs (hvplay_vcpu_instructions_retired's count and last_exit_rip), so the round
 * trip takes one call.
 */
export interface ResumeNowaitResult extends ResumeResult {
  /** A number, not a bigint: exact below 2^53 (104 days at a billion a second), and no BigInt per exit. */
  instructions_retired: number;
  last_exit_rip: bigint | null;
}

/** Entries of VcpuObject's table of exit RIPs as BigInts (a power of two). */
const RIP_MEMO = 16;

export function emptyPacket(): zx_port_packet_t {
  return { key: 0n, type: 0, status: 0 };
}
const fail = (status: number): ResumeResult => ({ status, packet: emptyPacket() });

/** A packet with a guest_io member, as a new object (data included) that nobody else holds. */
export function copyIoPacket(p: zx_port_packet_t & { guest_io: zx_packet_guest_io_t }): zx_port_packet_t {
  const io = p.guest_io;
  return {
    key: p.key,
    type: p.type,
    status: p.status,
    guest_io: { port: io.port, access_size: io.access_size, input: io.input, u8: io.u8, u16: io.u16, u32: io.u32, data: io.data.slice() },
  };
}

export class VcpuObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_VCPU;
  readonly cpu: VirtualCpu;
  readonly apic: LocalApic;
  /** Sticky kick flag (E3 zx_vcpu_kick): consumed by the next entry iteration. */
  kicked = false;
  /** True while zx_vcpu_resume is in progress. */
  running = false;
  /** RIP of the instruction behind the last resume's packet or host breakpoint (hvplay_vcpu_read_arch_state). */
  get lastExitRip(): bigint | null {
    const n = this.lastExitRipNumber;
    if (n === null) return null;
    // A guest exits from the same few instructions over and over: their BigInts are kept, in a
    // small table indexed by the RIP's low bits, rather than made anew at every exit.
    const i = n & (RIP_MEMO - 1);
    if (this.ripMemoKey[i] === n) return this.ripMemo[i];
    const rip = n >= 0 ? BigInt(n) : BigInt.asUintN(64, BigInt(n));
    this.ripMemoKey[i] = n;
    this.ripMemo[i] = rip;
    return rip;
  }
  private readonly ripMemoKey = new Float64Array(RIP_MEMO).fill(NaN);
  private readonly ripMemo: bigint[] = new Array<bigint>(RIP_MEMO).fill(0n);
  /** lastExitRip as the CPU keeps RIP (cpu.ripNumber()), or null. */
  private lastExitRipNumber: number | null = null;
  /** The owning thread died (process teardown): the loop ends with INTERNAL_INTR_KILLED. */
  killed = false;
  destroyed = false;
  /**
   * Set by a handler returning ZX_ERR_NEXT; runSlices then answers PACKET_READY and it stays here
   * until its caller takes it (takePacket).
   */
  packet: zx_port_packet_t | null = null;
  /**
   * hvplay_vcpu_resume_nowait's IO packet, filled in place at each IO exit while `reuseIoPacket` is
   * set (handleIo in vmexit.ts): the extension hands it back valid until the caller's next resume of
   * this VCPU (docs/extensions.md), so the round trip makes no packet, union member and 4-byte data
   * array per exit (a typed array is ~0.1 µs to make and the exit round trip ~1 µs). zx_vcpu_resume's
   * packets are always the caller's to keep.
   */
  ioPacket: (zx_port_packet_t & { guest_io: zx_packet_guest_io_t }) | null = null;
  /** Set while resumeNowait runs the loop: an IO exit fills ioPacket instead of making a packet. */
  reuseIoPacket = false;
  /** A BELL packet waiting for a free slot in its trap's pool. */
  pendingBell: { trap: Trap; packet: zx_port_packet_t } | null = null;
  /** RIP (cpu.ripNumber()) before the exit handler's first advanceRip (null: not advanced during this exit). */
  private ripBeforeAdvance: number | null = null;
  /** The loop's state while a resume is in progress (one at a time: `running`). */
  private remaining = 0;
  /**
   * Instructions run since the loop last gave the event loop a turn. Counted across resumes: a guest
   * that exits every few instructions returns from each resume long before a slice is full, and if
   * every resume started counting afresh, its VMM's resume → packet → resume loop (all microtasks)
   * would never let a kick, an interrupt or the page's events in.
   */
  private sinceYield = 0;
  /** performance.now() at the start of the current slice (with a preemption word; NaN before the first yield). */
  private sliceStartMs = NaN;
  /** The most instructions one call of the CPU core runs while a preemption word is set up (PREEMPT_CHECK_MS). */
  private preemptChunk = SLICE_INSTRUCTIONS;
  /** Turns of runSlices' loop until the preemption word is read again (PREEMPT_POLL_TURNS). */
  private preemptPoll = 0;
  /** The length of the current slice: FIRST_SLICE_INSTRUCTIONS, doubled at each yield up to SLICE_INSTRUCTIONS. */
  private sliceLength = FIRST_SLICE_INSTRUCTIONS;
  /** Instructions completed by the kernel on the guest's behalf (emulated exits that advanced RIP). */
  emulatedRetired = 0;
  /** KVM pvclock area (MSR_KVM_SYSTEM_TIME), −1 when off. */
  pvclockGpa = -1;
  pvclockVersion = 0;
  private wake: (() => void) | null = null;
  /**
   * A result resumeNowait could not hand back (the run woke another thread), and its exit RIP: the
   * next resume returns it. Until then last_exit_rip is null, as for any call that returned no packet.
   */
  private held: ResumeResult | null = null;
  private heldRip: number | null = null;
  /** The wait resumeNowait stopped before (WAIT_SLICE, WAIT_HLT, WAIT_BELL), 0 for none: the next resume starts with it. */
  private deferredWait = 0;

  /** `cpu`: from kernel.machine.createCpu(guest.physmem), made by the caller so an allocation failure creates no object. */
  constructor(
    kernel: KernelContext,
    readonly guest: GuestObject,
    readonly vpid: number,
    readonly owner: VcpuOwner,
    entry: number,
    cpu: VirtualCpu,
  ) {
    super(kernel);
    kernel.liveVcpus++;
    this.cpu = cpu;
    this.apic = new LocalApic(kernel.clock, vpid - 1);
    this.apic.onPending = () => this.wakeUp();
    this.initState(entry);
  }

  override get relatedKoid(): bigint {
    return this.guest.koid;
  }

  /** ZX_DEFAULT_VCPU_RIGHTS hold ZX_RIGHT_WAIT, so a VCPU is waitable; only user signals ever change. */
  override get waitable(): boolean {
    return true;
  }

  /** §4.1: the BSP (VPID 1) starts in 64-bit mode at `entry` with CR3 = 0; an AP like a post-SIPI CPU. */
  private initState(entry: number): void {
    const cpu = this.cpu;
    const bsp = this.vpid === 1;
    for (let i = 0; i < 16; i++) cpu.setRegister(i, 0n);
    cpu.setRflags(0x2);
    const data = { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x93 };
    for (const seg of [SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS]) cpu.setSegment(seg, { ...data });
    cpu.setSegment(SEG_TR, { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x8b });
    cpu.setSegment(SEG_LDTR, { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x82 });
    cpu.gdtrBase = 0n;
    cpu.gdtrLimit = 0xffff;
    cpu.idtrBase = 0n;
    cpu.idtrLimit = 0xffff;
    cpu.cr2 = 0n;
    cpu.cr3 = 0n;
    cpu.cr0Mask = CR0_MASK;
    cpu.cr0Shadow = CR0_CD | CR0_ET;
    cpu.cr4Mask = CR4_MASK;
    cpu.cr4Shadow = 0;
    cpu.xcr0 = 1; // E2: x87 only
    if (bsp) {
      cpu.efer = HOST_EFER;
      // ET is hard-wired to 1 on P6 and later (Intel SDM Vol. 3A §2.5), so the actual CR0 shows it.
      cpu.cr0 = (CR0_PE | CR0_ET | CR0_NE | CR0_PG) >>> 0;
      cpu.cr4 = CR4_VMXE | CR4_PAE;
      cpu.setSegment(SEG_CS, { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x209f });
      cpu.setRip(BigInt(entry));
    } else {
      cpu.efer = HOST_EFER & ~(EFER_LME | EFER_LMA);
      cpu.cr0 = CR0_ET | CR0_NE;
      cpu.cr4 = CR4_VMXE;
      cpu.setSegment(SEG_CS, { selector: (entry >>> 4) & 0xffff, base: BigInt(entry), limit: 0xffff, accessRights: 0x9f });
      cpu.setRip(0n);
    }
  }

  // --- helpers for vmexit.ts ---

  /** Zircon's next_rip: RIP += instruction length (wrapped to the code size), clear STI/MOV-SS blocking. */
  advanceRip(): void {
    const cpu = this.cpu;
    const cs = cpu.segmentAccessRights(SEG_CS);
    const from = cpu.ripNumber();
    // The first advance of an exit is from the exiting instruction: the RIP zx_vcpu_resume reports.
    if (this.ripBeforeAdvance === null) this.ripBeforeAdvance = from;
    // In numbers (RIP as the CPU keeps it: exact, sign-extended in 64-bit mode, so a wrap past
    // 2^64 - 1 lands on a small RIP as BigInt.asUintN(64, ...) would).
    let rip = from + cpu.exit.instructionLength;
    if ((cpu.efer & EFER_LMA) && (cs & (1 << 13))) rip = rip >= 2 ** 63 ? rip - 2 ** 64 : rip;
    else if (cs & (1 << 14)) rip = rip >>> 0;
    else rip &= 0xffff;
    cpu.setRipNumber(rip);
    cpu.clearInterruptShadow();
    this.emulatedRetired++;
  }

  /** E2 zx_packet_guest_mem_t.default_operand_size: 4 in 64-bit mode or with CS.D, else 2. */
  defaultOperandSize(): number {
    const cs = this.cpu.segmentAccessRights(SEG_CS);
    const longMode = (this.cpu.efer & EFER_LMA) !== 0 && (cs & (1 << 13)) !== 0;
    return longMode || (cs & (1 << 14)) !== 0 ? 4 : 2;
  }

  /** Instructions retired by the guest, counting those the kernel emulated. */
  get instructionsRetired(): number {
    return this.cpu.instructionsRetired + this.emulatedRetired;
  }

  // --- cross-thread signals ---

  /** zx_vcpu_interrupt. */
  interrupt(vector: number): void {
    this.apic.interrupt(vector);
  }

  /** zx_vcpu_kick: sticky; cancels an in-kernel wait; a slice in progress ends at the next turn. */
  kick(): void {
    this.kicked = true;
    this.wakeUp();
  }

  /** The owning thread is gone for good (process teardown). */
  kill(): void {
    this.killed = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    if (w === null) return;
    this.wake = null;
    this.kernel.wakeups++;
    w();
  }

  /**
   * True when HLT will not block but cannot make progress either: the only wake-up is a pending
   * interrupt that cannot be injected now (a maskable one with IF = 0 or in an interrupt shadow, or
   * an NMI while NMIs are blocked), and no kick or kill is pending.
   */
  private haltSpins(): boolean {
    if (this.kicked || this.killed) return false;
    const pending = this.apic.pending;
    const vector = pending.get(2) ? 2 : pending.highest();
    if (vector < 0) return false;
    if (vector === 2) return !this.cpu.canTakeNmi();
    return vector >= 32 && !this.cpu.canTakeInterrupt();
  }

  /** Block (HLT) until a vector is pending, a kick, or a kill. */
  private waitForInterrupt(): Promise<void> {
    if (this.apic.pending.any() || this.kicked || this.killed) return Promise.resolve();
    const haltedAt = this.kernel.clock.nowNs();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.kernel.runningVcpus--;
      this.kernel.haltedVcpus++;
      this.kernel.clock.noteIdle();
    }).then(() => {
      this.kernel.haltedVcpus--;
      this.kernel.runningVcpus++;
      // The TSC runs while the VCPU is halted, as a real one does (VT-x: the host's TSC plus the
      // VMCS offset): the time slept is added (1 GHz, one tick per ns of the kernel clock). Counting
      // only instructions, a guest that slept to a TSC deadline woke to a TSC that had hardly moved,
      // thought it woke early and slept again: Linux's every sleep crawled.
      const slept = this.kernel.clock.nowNs() - haltedAt;
      const tsc = slept > 0 ? this.cpu.readMsr(IA32_TSC) : undefined;
      if (tsc !== undefined) this.cpu.writeMsr(IA32_TSC, tsc + BigInt(slept));
    });
  }

  /**
   * §4.3 injection at VM entry: NMI first, else the highest pending vector. 21..31 fail the entry;
   * an interrupt (≥ 32) waits for IF=1 and no STI/MOV-SS blocking (interrupt-window exiting);
   * after an injection the pending exception vectors are discarded.
   */
  private injectPending(): number {
    const pending = this.apic.pending;
    const cpu = this.cpu;
    const vector = pending.get(2) ? 2 : pending.highest();
    if (vector < 0) return ZX_OK;
    if (vector >= 21 && vector <= 31) {
      pending.clear(vector);
      return ZX_ERR_NOT_SUPPORTED;
    }
    if (vector >= 32 && !cpu.canTakeInterrupt()) {
      cpu.interruptWindowExiting = true;
      return ZX_OK;
    }
    if (vector === 2 && !cpu.canTakeNmi()) {
      cpu.interruptWindowExiting = true;
      return ZX_OK;
    }
    pending.clear(vector);
    let type: number;
    let errorCode = -1;
    if (vector === 2) type = EVENT_NMI;
    else if (vector === 3 || vector === 4) type = EVENT_SOFTWARE_EXCEPTION;
    else if (vector < 32) {
      type = EVENT_HARDWARE_EXCEPTION;
      if (vector === 8 || (vector >= 10 && vector <= 14) || vector === 17) errorCode = 0;
    } else type = EVENT_EXTERNAL_INTERRUPT;
    cpu.injectEvent(vector, type, errorCode);
    pending.clearRange(0, 1);
    pending.clearRange(3, 20);
    return ZX_OK;
  }

  /**
   * zx_vcpu_resume's loop. `limit` = most instructions to retire (Infinity for zx_vcpu_resume;
   * hvplay_vcpu_resume_limited passes a number and gets ZX_ERR_TIMED_OUT when it runs out).
   *
   * The common round trip (run → an exit that needs user space → return) is synchronous: runSlices
   * runs the loop until it has a result or must wait (a slice's yield, HLT, a full BELL pool); only
   * then does the async part (waitAndRun) take over. The promise that comes back settles exactly as
   * an `async resume() { try { return await this.runLoop() } finally { ... } }` would: the finally
   * part one microtask after the loop's result, so the VMM's other tasks (a port packet queued during
   * the run, such as a device timer's) get their turns before the VMM sees the packet.
   *
   * A result or a wait that resumeNowait left behind comes first: the held result is returned (its
   * last_exit_rip kept), or the loop starts with the wait it stopped before.
   */
  resume(limit: number): Promise<ResumeResult> {
    if (this.running) return Promise.resolve(fail(ZX_ERR_BAD_STATE));
    this.running = true;
    this.kernel.runningVcpus++;
    this.remaining = limit;
    let first: ResumeResult | number;
    if (this.held !== null) {
      first = this.held;
      this.held = null;
      this.lastExitRipNumber = this.heldRip;
    } else if (this.deferredWait !== 0) {
      first = this.deferredWait;
      this.deferredWait = 0;
      this.lastExitRipNumber = null;
    } else {
      this.lastExitRipNumber = null;
      try {
        first = this.runSlices();
        if (first === PACKET_READY) first = this.takeReady();
      } catch (e) {
        return Promise.reject(e).then(undefined, this.endResumeThrow);
      }
    }
    const loop = typeof first === "number" ? this.waitAndRun(first) : Promise.resolve(first);
    return loop.then(this.endResume, this.endResumeThrow);
  }

  /**
   * hvplay_vcpu_resume_nowait: the loop of resume(), run synchronously, for the round trip a VMM
   * makes at every exit without a promise's turns in between. Returns the result when the loop has
   * one and nothing else became runnable during the run; otherwise ZX_ERR_SHOULD_WAIT, and what the
   * loop had is kept for the next resume: the wait it stopped before (a full slice's yield to the
   * event loop, HLT, a full BELL pool) or, when the run woke another thread (a port waiter got a
   * packet: a device timer's, a BELL), the result itself, so that the woken thread runs before the
   * caller sees it, as it would after zx_vcpu_resume. Called again before that resume, it answers
   * ZX_ERR_SHOULD_WAIT at once.
   */
  resumeNowait(limit: number): ResumeNowaitResult {
    if (this.running) return { status: ZX_ERR_BAD_STATE, packet: emptyPacket(), instructions_retired: this.instructionsRetired, last_exit_rip: null };
    if (this.held !== null || this.deferredWait !== 0) return this.nowaitResult(ZX_ERR_SHOULD_WAIT, emptyPacket());
    this.running = true;
    this.kernel.runningVcpus++;
    this.remaining = limit;
    this.lastExitRipNumber = null;
    const wakeups = this.kernel.wakeups;
    let result: ResumeResult | number;
    this.reuseIoPacket = true;
    try {
      result = this.runSlices();
    } finally {
      this.reuseIoPacket = false;
      this.finishResume();
    }
    if (typeof result === "number" && result !== PACKET_READY) {
      this.deferredWait = result;
      return this.nowaitResult(ZX_ERR_SHOULD_WAIT, emptyPacket());
    }
    if (this.kernel.wakeups !== wakeups) {
      // The blocking resume hands this back later: as zx_vcpu_resume's packet it is the caller's to keep.
      if (result === PACKET_READY && this.packet !== null && this.packet === this.ioPacket) this.packet = copyIoPacket(this.ioPacket);
      this.held = result === PACKET_READY ? this.takeReady() : result;
      this.heldRip = this.lastExitRipNumber;
      this.lastExitRipNumber = null;
      return this.nowaitResult(ZX_ERR_SHOULD_WAIT, emptyPacket());
    }
    if (result === PACKET_READY) return this.nowaitResult(ZX_OK, this.takePacket());
    return this.nowaitResult(result.status, result.packet);
  }

  /** The packet runSlices left in `packet` (PACKET_READY), as zx_vcpu_resume's result. */
  private takeReady(): ResumeResult {
    return { status: ZX_OK, packet: this.takePacket() };
  }

  /** The packet runSlices left in `packet` (PACKET_READY); the slot is emptied. */
  private takePacket(): zx_port_packet_t {
    const packet = this.packet!;
    this.packet = null;
    return packet;
  }

  /** The result with the count and last_exit_rip (null unless a packet or host breakpoint came back). */
  private nowaitResult(status: number, packet: zx_port_packet_t): ResumeNowaitResult {
    return { status, packet, instructions_retired: this.instructionsRetired, last_exit_rip: this.lastExitRip };
  }

  /** The `finally` of resume, as a promise reaction (allocated once, not per call). */
  private readonly endResume = (result: ResumeResult): ResumeResult => {
    this.finishResume();
    return result;
  };
  private readonly endResumeThrow = (error: unknown): never => {
    this.finishResume();
    throw error;
  };

  private finishResume(): void {
    this.running = false;
    this.kernel.runningVcpus--;
    this.kernel.clock.noteIdle();
    if (this.handleCount === 0) this.destroy();
  }

  /** The loop from a wait on: wait, run on synchronously, and so on until there is a result. */
  private async waitAndRun(wait: number): Promise<ResumeResult> {
    for (;;) {
      if (wait === WAIT_SLICE) {
        await this.endSlice();
      } else if (wait === WAIT_HLT) {
        const spinning = this.haltSpins();
        await this.waitForInterrupt();
        if (!spinning) {
          this.sinceYield = 0;
          if (this.kernel.preempt) this.sliceStartMs = performance.now();
        } else {
          // HLT woke at once for an interrupt the guest cannot take (IF = 0 or NMIs blocked): Zircon's
          // loop re-enters the guest and spins, preemptibly. Here each round counts toward the slice,
          // so the loop still yields to the event loop and a kick (or kill) from another task lands.
          this.sinceYield += HLT_SPIN_INSTRUCTIONS;
          if (this.sinceYield >= this.sliceLength) await this.endSlice();
        }
      } else {
        // WAIT_BELL: the trap's packets are all queued; wait for the port to hand one back.
        let status = WAIT_BELL;
        while (status === WAIT_BELL && !this.killed) {
          await this.pendingBell!.trap.pool.whenAvailable();
          status = deliverBell(this);
        }
        if (status !== ZX_OK) return fail(this.killed ? ZX_ERR_INTERNAL_INTR_KILLED : status);
      }
      const next = this.runSlices();
      if (next === PACKET_READY) return this.takeReady();
      if (typeof next !== "number") return next;
      wait = next;
    }
  }

  /** A full slice ran: give the event loop a turn; the next slice is twice as long, up to SLICE_INSTRUCTIONS. */
  private async endSlice(): Promise<void> {
    if (this.kernel.preempt) {
      // The pace of the slice that ends: each call of the next runs about PREEMPT_CHECK_MS.
      const ms = performance.now() - this.sliceStartMs;
      if (ms > 0) this.preemptChunk = Math.max(PREEMPT_CHUNK_MIN, Math.min(SLICE_INSTRUCTIONS, Math.round((this.sinceYield / ms) * PREEMPT_CHECK_MS)));
    }
    await yieldMacrotask();
    if (this.kernel.preempt) this.sliceStartMs = performance.now();
    this.sinceYield = 0;
    if (this.sliceLength < SLICE_INSTRUCTIONS) this.sliceLength = Math.min(SLICE_INSTRUCTIONS, this.sliceLength * 2);
  }

  /**
   * Runs the guest until zx_vcpu_resume has its result, or until the loop must wait: then returns
   * WAIT_SLICE (a full slice ran: yield to the event loop), WAIT_HLT or WAIT_BELL. The common result,
   * a packet, is PACKET_READY with the packet in `packet` (no result object per exit).
   */
  private runSlices(): ResumeResult | number {
    const cpu = this.cpu;
    const clock = this.kernel.clock;
    const preempt = this.kernel.preempt ?? null;
    for (;;) {
      if (this.killed) return fail(ZX_ERR_INTERNAL_INTR_KILLED);
      if (this.kicked) {
        this.kicked = false;
        return fail(ZX_ERR_CANCELED);
      }
      if (this.remaining <= 0) return fail(ZX_ERR_TIMED_OUT);
      if (this.sinceYield >= this.sliceLength) return WAIT_SLICE;
      // The host asks for a turn (KernelContext.preempt): the slice ends here.
      if (preempt !== null && --this.preemptPoll <= 0) {
        this.preemptPoll = PREEMPT_POLL_TURNS;
        if (Atomics.load(preempt, 0) !== 0) {
          this.preemptPoll = 0;
          return WAIT_SLICE;
        }
      }
      let status = this.injectPending();
      if (status !== ZX_OK) return fail(status);
      if (this.pvclockGpa >= 0) updatePvClock(this);

      let budget = Math.max(1, Math.min(this.sliceLength - this.sinceYield, this.remaining, clock.headroom()));
      if (preempt !== null && budget > this.preemptChunk) budget = this.preemptChunk;
      const before = this.instructionsRetired;
      const reason = cpu.run(budget);
      if (reason !== EXIT_NONE) {
        this.ripBeforeAdvance = null;
        status = handleExit(this, reason);
      }
      const retired = this.instructionsRetired - before;
      // A long run of the core: the word is read before the next (PREEMPT_POLL_TURNS).
      if (reason === EXIT_NONE || retired >= PREEMPT_POLL_LONG_RUN) this.preemptPoll = 0;
      this.sinceYield += retired;
      this.remaining -= retired;
      clock.advance(retired);

      if (reason === EXIT_NONE || status === ZX_OK) {
        if (this.sinceYield >= this.sliceLength) return WAIT_SLICE;
        continue;
      }
      if (status === ZX_ERR_NEXT) {
        this.lastExitRipNumber = this.exitRip();
        // The round trip's cost; a slice it fills ends when the next resume starts (the loop's first check).
        this.sinceYield += EXIT_SLICE_COST;
        return PACKET_READY;
      }
      if (status === ZX_ERR_STOP) {
        this.lastExitRipNumber = this.exitRip();
        return fail(status);
      }
      if (status === WAIT_HLT || status === WAIT_BELL) return status;
      return fail(status);
    }
  }

  /**
   * RIP of the instruction behind the exit just handled: where advanceRip found it, or (when the
   * handler did not move RIP, as for a host breakpoint) RIP itself.
   */
  private exitRip(): number {
    return this.ripBeforeAdvance ?? this.cpu.ripNumber();
  }

  /** Last handle closed: the VCPU dies now, or when a resume in progress returns. */
  override onZeroHandles(): void {
    if (!this.running) this.destroy();
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.markDead();
    this.kernel.liveVcpus--;
    this.apic.cancelTimer();
    if (this.owner.vcpu === this) this.owner.vcpu = null;
    this.guest.removeVcpu(this);
  }
}
