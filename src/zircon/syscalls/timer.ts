/**
 * Timer syscalls (`lib/syscalls/timer.cc`; docs/reference/syscalls/timer_create.md, timer_set.md,
 * timer_cancel.md). Real Zircon calls outside the hypervisor list, added so a VMM's device models
 * (PIT, RTC) get their time the way Fuchsia's VMM does: a timer whose ZX_TIMER_SIGNALED arrives on a
 * port through zx_object_wait_async.
 */
import { ZX_CLOCK_MONOTONIC, ZX_HANDLE_INVALID, ZX_OBJ_TYPE_TIMER, ZX_TIMER_SLACK_LATE } from "../constants";
import { TimerObject } from "../objects/timer";
import { ZX_DEFAULT_TIMER_RIGHTS, ZX_RIGHT_WRITE } from "../rights";
import { ZX_ERR_INVALID_ARGS, ZX_ERR_NO_MEMORY, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "../status";
import { i64, u32 } from "./args";
import type { SyscallContext } from "./context";

/** clock_id must be ZX_CLOCK_MONOTONIC (checked first), options one of ZX_TIMER_SLACK_CENTER/EARLY/LATE. */
export function zx_timer_create(t: SyscallContext, options: unknown, clock_id: unknown) {
  const fail = (status: number) => ({ status, out: ZX_HANDLE_INVALID });
  if (u32(clock_id) !== ZX_CLOCK_MONOTONIC) return fail(ZX_ERR_INVALID_ARGS);
  const o = u32(options);
  if (o === undefined || o > ZX_TIMER_SLACK_LATE) return fail(ZX_ERR_INVALID_ARGS);
  const timer = new TimerObject(t.kernel, o);
  const out = t.handles.add(timer, ZX_DEFAULT_TIMER_RIGHTS);
  if (out) return { status: ZX_OK, out };
  timer.onZeroHandles(); // the handle table is full: the timer never had a handle
  return fail(ZX_ERR_NO_MEMORY);
}

/**
 * A negative slack is ZX_ERR_OUT_OF_RANGE, checked before the handle (kernel and timer_set.md agree).
 * A deadline ≤ 0 or already past asserts ZX_TIMER_SIGNALED at once.
 */
export function zx_timer_set(t: SyscallContext, handle: unknown, deadline: unknown, slack: unknown): number {
  const s = i64(slack);
  if (s === undefined) return ZX_ERR_INVALID_ARGS;
  if (s < 0n) return ZX_ERR_OUT_OF_RANGE;
  const d = i64(deadline);
  if (d === undefined) return ZX_ERR_INVALID_ARGS;
  const timer = t.handles.getWithRights<TimerObject>(handle, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE);
  if (typeof timer === "number") return timer;
  return timer.set(d, s);
}

export function zx_timer_cancel(t: SyscallContext, handle: unknown): number {
  const timer = t.handles.getWithRights<TimerObject>(handle, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE);
  if (typeof timer === "number") return timer;
  return timer.cancel();
}
