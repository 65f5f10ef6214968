/**
 * Device time for the VMM, from the kernel's clock — as Fuchsia's VMM gets it: the devices' callbacks
 * wait in a TimerQueue, and one Zircon timer (zx_timer_set) is armed for the earliest of them; its
 * expiry comes back as a ZX_PKT_TYPE_SIGNAL_ONE packet on the VMM's port (zx_object_wait_async).
 *
 * The kernel clock is deterministic by default (1 ns per instruction retired, jumping to the next
 * timer when every VCPU is idle), so device time is too: the same guest sees the same ticks at the
 * same instructions on every run. With a real-time kernel clock it follows the wall clock.
 *
 * Devices read `now()`, which only moves in `sync()`: the machine syncs before every device access and
 * on every timer packet, so a device never sees an access at a time later than a callback it has not
 * run (the DeviceClock contract).
 */
import { statusName, ZX_CLOCK_MONOTONIC, ZX_HANDLE_INVALID, ZX_OK, ZX_TIMER_SIGNALED, type Thread } from "../zircon";
import { TimerQueue, type DeviceClock } from "./devices/device-clock";

export class VmmClock implements DeviceClock {
  private readonly queue: TimerQueue;
  private timer = ZX_HANDLE_INVALID;
  /** The deadline the Zircon timer is set for (Infinity: cancelled). */
  private armedFor = Infinity;
  /** A zx_object_wait_async is outstanding (ZX_WAIT_ASYNC_ONCE: one packet per call). */
  private waiting = false;
  private syncing = false;

  private constructor(
    private readonly thread: Thread,
    private readonly port: number,
    /** The packet key that marks this clock's timer packets on the port. */
    readonly key: bigint,
  ) {
    this.queue = new TimerQueue(this.kernelNow());
  }

  /** Creates the clock's Zircon timer; a readable reason when the kernel refuses. */
  static create(thread: Thread, port: number, key: bigint): VmmClock | string {
    const c = new VmmClock(thread, port, key);
    const t = thread.zx_timer_create(0, ZX_CLOCK_MONOTONIC);
    if (t.status !== ZX_OK) return `zx_timer_create failed: ${statusName(t.status)}`;
    c.timer = t.out;
    return c;
  }

  now(): number {
    return this.queue.now();
  }

  schedule(atNs: number, fn: () => void): number {
    const id = this.queue.schedule(atNs, fn);
    if (!this.syncing) this.rearm();
    return id;
  }

  cancel(id: number): void {
    this.queue.cancel(id);
    if (!this.syncing) this.rearm();
  }

  /** Brings device time up to the kernel's, running every callback due on the way, then re-arms. */
  sync(): void {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const now = this.kernelNow();
      if (now > this.queue.now()) this.queue.advance(now);
    } finally {
      this.syncing = false;
    }
    this.rearm();
  }

  /** The timer's packet arrived on the port. */
  onPacket(): void {
    this.waiting = false;
    this.armedFor = Infinity;
    this.sync();
  }

  /** Closes the Zircon timer. */
  dispose(): void {
    if (this.timer !== ZX_HANDLE_INVALID) this.thread.zx_handle_close(this.timer);
    this.timer = ZX_HANDLE_INVALID;
  }

  /** zx_clock_get_monotonic, as a number (the VMM reads it at every device access). */
  private kernelNow(): number {
    return this.thread.hvplay_clock_get_monotonic_ns();
  }

  private rearm(): void {
    if (this.timer === ZX_HANDLE_INVALID) return;
    const next = this.queue.nextDeadline();
    if (next === this.armedFor) return;
    if (next === Infinity) {
      this.thread.zx_timer_cancel(this.timer);
      this.armedFor = Infinity;
      return;
    }
    // Deadlines are whole nanoseconds on the kernel clock.
    this.thread.zx_timer_set(this.timer, BigInt(Math.ceil(next)), 0);
    this.armedFor = next;
    if (!this.waiting) {
      this.waiting = this.thread.zx_object_wait_async(this.timer, this.port, this.key, ZX_TIMER_SIGNALED, 0) === ZX_OK;
    }
  }
}
