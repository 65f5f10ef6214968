/**
 * Timers (`object/timer_dispatcher.cc`, 2019–2020): a one-shot deadline on the monotonic clock that
 * asserts ZX_TIMER_SIGNALED when it passes and keeps it asserted until the timer is set again or
 * cancelled.
 *
 * - Set: cancel what was armed (which always de-asserts ZX_TIMER_SIGNALED), then either assert the
 *   signal at once when the deadline is 0 or already past, or arm the new deadline.
 * - Cancel: de-assert ZX_TIMER_SIGNALED and disarm. Cancelling an idle timer changes nothing else.
 * - Last handle closed: cancelled, so nothing fires for an object nobody can see.
 *
 * Slack is recorded and ignored: the playground's clock fires every timer at its exact deadline,
 * which each of ZX_TIMER_SLACK_CENTER / EARLY / LATE allows (the slack only widens the window).
 * With the deterministic clock that deadline is an exact instruction count, or the moment all
 * VCPUs are idle and time jumps to it. Deadlines beyond 2^53 ns (104 days) are armed but never
 * reached: the clock counts in double-precision ns.
 */
import { ZX_OBJ_TYPE_TIMER, ZX_TIMER_SIGNALED } from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import { ZX_OK } from "../status";

export class TimerObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_TIMER;
  /** The pending deadline in ns, 0 when nothing is armed (TimerDispatcher::deadline_). */
  deadline = 0n;
  /** The slack of the pending deadline (not acted on, see above). */
  slack = 0n;
  /** The kernel clock's id for the armed deadline, 0 when none is scheduled. */
  private clockTimer = 0;

  constructor(kernel: KernelContext, readonly options: number) {
    super(kernel);
  }

  override get waitable(): boolean {
    return true;
  }

  /** TimerDispatcher::Set. `deadline` in ns of the monotonic clock; `slack` ≥ 0 (checked by the syscall). */
  set(deadline: bigint, slack: bigint): number {
    this.cancelArmed();
    const clock = this.kernel.clock;
    if (deadline <= 0n || deadline <= clock.now()) {
      this.updateSignals(0, ZX_TIMER_SIGNALED);
      return ZX_OK;
    }
    this.deadline = deadline;
    this.slack = slack;
    if (deadline <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.clockTimer = clock.schedule(Number(deadline), () => this.fired());
    }
    return ZX_OK;
  }

  /** TimerDispatcher::Cancel. */
  cancel(): number {
    this.cancelArmed();
    return ZX_OK;
  }

  override onZeroHandles(): void {
    this.cancelArmed();
    this.markDead();
  }

  /** CancelTimerLocked: always de-assert the signal; disarm the deadline if one is pending. */
  private cancelArmed(): void {
    this.updateSignals(ZX_TIMER_SIGNALED, 0);
    if (this.deadline === 0n) return;
    this.deadline = 0n;
    this.slack = 0n;
    if (this.clockTimer !== 0) this.kernel.clock.cancel(this.clockTimer);
    this.clockTimer = 0;
  }

  /** OnTimerFired. */
  private fired(): void {
    this.clockTimer = 0;
    this.deadline = 0n;
    this.slack = 0n;
    this.updateSignals(0, ZX_TIMER_SIGNALED);
  }
}
