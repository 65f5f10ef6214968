/**
 * The kernel's monotonic clock (zx_clock_get_monotonic) and its timer queue.
 *
 * Deterministic mode (the default): time is virtual. It advances by 1 ns per guest instruction
 * retired on any VCPU of the kernel (so a nominal 1 GHz machine with a TSC of 1 GHz), and when
 * every VCPU is idle (halted or stopped) it jumps straight to the next timer deadline, as a
 * discrete-event simulation does. The same guest and the same syscalls therefore replay to the same
 * nanosecond. A VCPU asks `headroom()` before each slice (jsbeeb's scheduler) so a timer fires at
 * the exact instruction count.
 *
 * Real-time mode: time is performance.now(); timers are host timeouts.
 */
import { queueMacrotask } from "./macrotask";

export type ClockMode = "deterministic" | "realtime";

interface Timer {
  id: number;
  deadline: number;
  fire: () => void;
}

/** The most of a sleep a halted guest may skip for having fallen behind the host's clock (see idleCredit). */
const IDLE_CREDIT_MAX_NS = 1e9;

export class Clock {
  readonly mode: ClockMode;
  /** Deterministic mode: current virtual time in ns. */
  private virtualNow = 0;
  private readonly origin: number;
  /** Pending timers, sorted by deadline then id. */
  private timers: Timer[] = [];
  private nextId = 1;
  private hostTimeout: ReturnType<typeof setTimeout> | null = null;
  private idleCheckQueued = false;
  /** Returns true while some VCPU is inside its run loop (time then advances by instructions). */
  isBusy: () => boolean = () => false;
  /**
   * Returns true while some VCPU waits in HLT inside zx_vcpu_resume, or when no VCPU exists. Only then
   * may idle time jump to the next deadline: while VCPUs exist but none is inside zx_vcpu_resume (the
   * VMM paused it) guest time stands still, so a paused machine neither spins through its device
   * timers nor replays differently depending on how long it was paused.
   */
  hasWaiter: () => boolean = () => true;
  /** True when idle jumps wait in real time first (while VCPUs exist; ports and timers alone jump at once). */
  paceIdle: () => boolean = () => false;
  /** Host time (ns since origin) and guest time when idle pacing last caught up (see idleCredit). */
  private paceHost = 0;
  private paceVirtual = 0;

  constructor(mode: ClockMode = "deterministic") {
    this.mode = mode;
    this.origin = typeof performance !== "undefined" ? performance.now() : Date.now();
  }

  /** Monotonic time in ns (a number: 2^53 ns is 104 days). */
  nowNs(): number {
    if (this.mode === "deterministic") return this.virtualNow;
    const ms = (typeof performance !== "undefined" ? performance.now() : Date.now()) - this.origin;
    return Math.floor(ms * 1e6);
  }

  /** Monotonic time in ns as zx_time_t. */
  now(): bigint {
    return BigInt(this.nowNs());
  }

  /** Deterministic mode: account for `ns` of guest execution and fire due timers. */
  advance(ns: number): void {
    if (this.mode === "deterministic" && ns > 0) this.virtualNow += ns;
    this.runDue();
  }

  /** ns until the next timer (Infinity when none): the most a VCPU may run before checking again. */
  headroom(): number {
    if (this.timers.length === 0) return Infinity;
    return Math.max(0, this.timers[0].deadline - this.nowNs());
  }

  /** Call `fire` once the clock reaches `deadline` (ns). Returns an id for cancel(). */
  schedule(deadline: number, fire: () => void): number {
    const t: Timer = { id: this.nextId++, deadline, fire };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].deadline > deadline) i--;
    this.timers.splice(i, 0, t);
    this.rearmHost();
    this.noteIdle();
    return t.id;
  }

  cancel(id: number): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
    this.rearmHost();
  }

  /** Fire every timer whose deadline has passed, in deadline order. */
  runDue(): void {
    const now = this.nowNs();
    while (this.timers.length > 0 && this.timers[0].deadline <= now) {
      const t = this.timers.shift()!;
      t.fire();
    }
    this.rearmHost();
  }

  /**
   * Deterministic mode: something may have gone idle. In a later macrotask, if no VCPU is running,
   * jump to the next deadline and fire it (then look again).
   */
  noteIdle(): void {
    if (this.mode !== "deterministic" || this.idleCheckQueued || this.timers.length === 0) return;
    this.idleCheckQueued = true;
    queueMacrotask(this.idleCheck);
  }

  /**
   * noteIdle's macrotask. A field made once, not a closure in noteIdle: a VCPU calls noteIdle at
   * every resume's end, and a method that makes a closure over `this` allocates its context at
   * every call, early return or not (V8): ~100 bytes of garbage per VM exit.
   */
  private readonly idleCheck = (): void => {
    this.idleCheckQueued = false;
    if (this.isBusy() || !this.hasWaiter() || this.timers.length === 0) return;
    const next = this.timers[0].deadline;
    const wait = next - this.virtualNow - this.idleCredit();
    if (wait > 0 && this.paceIdle()) {
      // Halted guests wait in real time for the next deadline (QEMU's -icount sleep=on): idle
      // time never runs ahead of the host's, so a guest waiting for a key while a device timer
      // ticks costs nothing. Which instruction sees which time is unchanged: still deterministic.
      // Only the part of the sleep the guest is not already behind the host's clock is waited.
      this.idleCheckQueued = true;
      const t = setTimeout(() => {
        this.idleCheckQueued = false;
        this.paceHost = this.hostNowNs();
        this.paceVirtual = next;
        this.jumpToNext();
      }, Math.min(0x7fffffff, wait / 1e6));
      (t as { unref?: () => void }).unref?.();
      return;
    }
    this.jumpToNext();
  };

  private hostNowNs(): number {
    return ((typeof performance !== "undefined" ? performance.now() : Date.now()) - this.origin) * 1e6;
  }

  /**
   * How far guest time has fallen behind the host's since idle pacing last caught up, at most
   * IDLE_CREDIT_MAX_NS: a halted guest skips that much of a sleep at once. An emulated CPU runs
   * slower than the 1 GHz its clock counts (a Linux boot: 700 M instructions, 0.7 s of guest time,
   * in 25 s), so the guest's sleeps have already passed on the host's clock, and waiting them
   * again only made the boot longer (about 6 %). Idle time still never runs ahead of the host's.
   */
  private idleCredit(): number {
    const host = this.hostNowNs();
    const behind = host - this.paceHost - (this.virtualNow - this.paceVirtual);
    if (behind <= IDLE_CREDIT_MAX_NS) return behind;
    this.paceHost = host;
    this.paceVirtual = this.virtualNow + IDLE_CREDIT_MAX_NS;
    return IDLE_CREDIT_MAX_NS;
  }

  /** Idle: move time to the next deadline and fire what is due (then look again). */
  private jumpToNext(): void {
    if (this.isBusy() || !this.hasWaiter() || this.timers.length === 0) return;
    const next = this.timers[0].deadline;
    if (next > this.virtualNow) this.virtualNow = next;
    this.runDue();
    this.noteIdle();
  }

  private rearmHost(): void {
    if (this.mode !== "realtime") return;
    if (this.hostTimeout !== null) clearTimeout(this.hostTimeout);
    this.hostTimeout = null;
    if (this.timers.length === 0) return;
    // setTimeout fires at once for delays over 2^31 − 1 ms (~24.8 days); wait that long at most and
    // look again (runDue finds nothing due and re-arms).
    const ms = Math.min(0x7fffffff, Math.max(0, (this.timers[0].deadline - this.nowNs()) / 1e6));
    this.hostTimeout = setTimeout(this.hostTimeoutFired, ms);
  }

  /** rearmHost's timeout (a field, for the reason idleCheck is one: rearmHost runs at every advance). */
  private readonly hostTimeoutFired = (): void => {
    this.hostTimeout = null;
    this.runDue();
  };
}
