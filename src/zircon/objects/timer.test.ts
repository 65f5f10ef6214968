/**
 * Timers: zx_timer_create / zx_timer_set / zx_timer_cancel with the rules of `object/timer_dispatcher.cc`
 * and `lib/syscalls/timer.cc` (2019–2020) and docs/reference/syscalls/timer_*.md. The timer's state is
 * observed the way user space observes it: ZX_TIMER_SIGNALED through zx_object_wait_async on a port.
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  decodeInfoHandleBasic,
  ZX_CLOCK_MONOTONIC,
  ZX_CLOCK_THREAD,
  ZX_CLOCK_UTC,
  ZX_DEFAULT_TIMER_RIGHTS,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_OUT_OF_RANGE,
  ZX_ERR_TIMED_OUT,
  ZX_ERR_WRONG_TYPE,
  ZX_INFO_HANDLE_BASIC,
  ZX_INFO_HANDLE_BASIC_SIZE,
  ZX_OBJ_TYPE_TIMER,
  ZX_OK,
  ZX_PKT_TYPE_SIGNAL_ONE,
  ZX_RIGHT_WRITE,
  ZX_TIME_INFINITE,
  ZX_TIMER_SIGNALED,
  ZX_TIMER_SLACK_CENTER,
  ZX_TIMER_SLACK_EARLY,
  ZX_TIMER_SLACK_LATE,
  ZX_WAIT_ASYNC_TIMESTAMP,
  type Thread,
} from "../index";

function setup() {
  const kernel = createKernel();
  const proc = kernel.createProcess();
  const t = proc.mainThread;
  const port = t.zx_port_create(0).out;
  const created = t.zx_timer_create(ZX_TIMER_SLACK_CENTER, ZX_CLOCK_MONOTONIC);
  expect(created.status).toBe(ZX_OK);
  return { kernel, proc, t, port, timer: created.out };
}

/** Is ZX_TIMER_SIGNALED asserted right now? (A wait_async packet is queued at once iff it is.) */
async function isSignaled(t: Thread, port: number, timer: number): Promise<boolean> {
  expect(t.zx_object_wait_async(timer, port, 0xabc, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
  const r = await t.zx_port_wait(port, 0); // deadline 0: poll
  if (r.status === ZX_OK) return true;
  expect(r.status).toBe(ZX_ERR_TIMED_OUT);
  expect(t.zx_port_cancel(port, timer, 0xabc)).toBe(ZX_OK); // the wait was still armed
  return false;
}

describe("zx_timer_create", () => {
  it("makes a ZX_OBJ_TYPE_TIMER handle with ZX_DEFAULT_TIMER_RIGHTS (0xD00B)", () => {
    const { t, timer } = setup();
    const info = new Uint8Array(ZX_INFO_HANDLE_BASIC_SIZE);
    expect(t.zx_object_get_info(timer, ZX_INFO_HANDLE_BASIC, info).status).toBe(ZX_OK);
    const basic = decodeInfoHandleBasic(info);
    expect(basic.type).toBe(ZX_OBJ_TYPE_TIMER);
    expect(basic.rights).toBe(ZX_DEFAULT_TIMER_RIGHTS);
    expect(ZX_DEFAULT_TIMER_RIGHTS).toBe(0xd00b);
  });
  it("accepts the three slack modes and nothing else", () => {
    const { t } = setup();
    for (const o of [ZX_TIMER_SLACK_CENTER, ZX_TIMER_SLACK_EARLY, ZX_TIMER_SLACK_LATE]) {
      expect(t.zx_timer_create(o, ZX_CLOCK_MONOTONIC).status).toBe(ZX_OK);
    }
    expect(t.zx_timer_create(3, ZX_CLOCK_MONOTONIC)).toEqual({ status: ZX_ERR_INVALID_ARGS, out: 0 });
    expect(t.zx_timer_create(0x80000000, ZX_CLOCK_MONOTONIC).status).toBe(ZX_ERR_INVALID_ARGS);
  });
  it("only on ZX_CLOCK_MONOTONIC", () => {
    const { t } = setup();
    for (const clock of [ZX_CLOCK_UTC, ZX_CLOCK_THREAD, 7]) {
      expect(t.zx_timer_create(0, clock)).toEqual({ status: ZX_ERR_INVALID_ARGS, out: 0 });
    }
  });
});

describe("zx_timer_set / zx_timer_cancel", () => {
  it("assert ZX_TIMER_SIGNALED when the deterministic clock reaches the deadline, exactly", async () => {
    const { t, port, timer } = setup();
    const deadline = t.zx_deadline_after(250_000);
    expect(t.zx_timer_set(timer, deadline, 0)).toBe(ZX_OK);
    expect(await isSignaled(t, port, timer)).toBe(false);
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, ZX_WAIT_ASYNC_TIMESTAMP)).toBe(ZX_OK);
    const r = await t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(r.status).toBe(ZX_OK);
    expect(r.packet.type).toBe(ZX_PKT_TYPE_SIGNAL_ONE);
    expect(r.packet.signal!.observed).toBe(ZX_TIMER_SIGNALED);
    expect(r.packet.signal!.timestamp).toBe(deadline);
    expect(t.zx_clock_get_monotonic()).toBe(deadline); // nothing ran: time jumped to the deadline
    expect(t.hvplay_clock_get_monotonic_ns()).toBe(Number(deadline)); // the same clock, as a number
    expect(await isSignaled(t, port, timer)).toBe(true); // and stays asserted
  });
  it("signal at once for a deadline ≤ 0 or already past", async () => {
    const { t, port, timer } = setup();
    for (const deadline of [0, -5n, t.zx_clock_get_monotonic()]) {
      expect(t.zx_timer_cancel(timer)).toBe(ZX_OK);
      expect(await isSignaled(t, port, timer)).toBe(false);
      expect(t.zx_timer_set(timer, deadline, 0)).toBe(ZX_OK);
      expect(await isSignaled(t, port, timer)).toBe(true);
    }
  });
  it("re-arming replaces the old deadline and de-asserts ZX_TIMER_SIGNALED", async () => {
    const { t, port, timer } = setup();
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect(await isSignaled(t, port, timer)).toBe(true);
    const first = t.zx_deadline_after(1000);
    const second = t.zx_deadline_after(5000);
    expect(t.zx_timer_set(timer, first, 0)).toBe(ZX_OK);
    expect(await isSignaled(t, port, timer)).toBe(false);
    expect(t.zx_timer_set(timer, second, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 2, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    // Past the first deadline: nothing.
    expect((await t.zx_port_wait(port, t.zx_deadline_after(3000))).status).toBe(ZX_ERR_TIMED_OUT);
    expect(t.zx_clock_get_monotonic()).toBe(first + 2000n);
    const r = await t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(r.packet.key).toBe(2n);
    expect(t.zx_clock_get_monotonic()).toBe(second);
  });
  it("an earlier deadline replaces a later one", async () => {
    const { t, port, timer } = setup();
    expect(t.zx_timer_set(timer, t.zx_deadline_after(9000), 0)).toBe(ZX_OK);
    const early = t.zx_deadline_after(2000);
    expect(t.zx_timer_set(timer, early, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 3, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    await t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(t.zx_clock_get_monotonic()).toBe(early);
  });
  it("cancel disarms and de-asserts; on an idle timer it is a no-op", async () => {
    const { kernel, t, port, timer } = setup();
    expect(t.zx_timer_cancel(timer)).toBe(ZX_OK); // before any set
    expect(t.zx_timer_set(timer, t.zx_deadline_after(1000), 0)).toBe(ZX_OK);
    expect(t.zx_timer_cancel(timer)).toBe(ZX_OK);
    expect(kernel.clock.headroom()).toBe(Infinity); // nothing left on the kernel clock
    expect(t.zx_object_wait_async(timer, port, 4, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect((await t.zx_port_wait(port, t.zx_deadline_after(10_000))).status).toBe(ZX_ERR_TIMED_OUT);
    expect(t.zx_port_cancel(port, timer, 4)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect(await isSignaled(t, port, timer)).toBe(true);
    expect(t.zx_timer_cancel(timer)).toBe(ZX_OK);
    expect(await isSignaled(t, port, timer)).toBe(false);
  });
  it("slack is accepted in every mode and the deadline stays exact", async () => {
    for (const mode of [ZX_TIMER_SLACK_CENTER, ZX_TIMER_SLACK_EARLY, ZX_TIMER_SLACK_LATE]) {
      const { t, port } = setup();
      const timer = t.zx_timer_create(mode, ZX_CLOCK_MONOTONIC).out;
      const deadline = t.zx_deadline_after(40_000);
      expect(t.zx_timer_set(timer, deadline, 30_000)).toBe(ZX_OK);
      expect(t.zx_object_wait_async(timer, port, 5, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
      await t.zx_port_wait(port, ZX_TIME_INFINITE);
      expect(t.zx_clock_get_monotonic()).toBe(deadline);
    }
  });
  it("negative slack is ZX_ERR_OUT_OF_RANGE, checked before the handle", () => {
    const { t, timer } = setup();
    expect(t.zx_timer_set(timer, 1000, -1)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(t.zx_timer_set(0x12345, 1000, -1)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(t.zx_timer_set(timer, 1000, 0x7fffffffffffffffn)).toBe(ZX_OK);
  });
  it("handle errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED without ZX_RIGHT_WRITE", () => {
    const { t, port, timer } = setup();
    expect(t.zx_timer_set(0x12345, 0, 0)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_timer_cancel(0x12345)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_timer_set(port, 0, 0)).toBe(ZX_ERR_WRONG_TYPE);
    expect(t.zx_timer_cancel(port)).toBe(ZX_ERR_WRONG_TYPE);
    const readOnly = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS & ~ZX_RIGHT_WRITE).out;
    expect(t.zx_timer_set(readOnly, 0, 0)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_timer_cancel(readOnly)).toBe(ZX_ERR_ACCESS_DENIED);
  });
  it("closing the last handle cancels the pending deadline", () => {
    const { kernel, t, timer } = setup();
    const dup = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS).out;
    expect(t.zx_timer_set(timer, t.zx_deadline_after(1000), 0)).toBe(ZX_OK);
    expect(t.zx_handle_close(timer)).toBe(ZX_OK);
    expect(kernel.clock.headroom()).toBe(1000); // still armed through `dup`
    expect(t.zx_handle_close(dup)).toBe(ZX_OK);
    expect(kernel.clock.headroom()).toBe(Infinity);
  });
  it("a deadline beyond 2^53 ns is armed but never scheduled on the clock", async () => {
    const { kernel, t, port, timer } = setup();
    expect(t.zx_timer_set(timer, ZX_TIME_INFINITE, 0)).toBe(ZX_OK);
    expect(kernel.clock.headroom()).toBe(Infinity); // idle time does not jump to 292 years
    expect(await isSignaled(t, port, timer)).toBe(false);
  });
});
