/**
 * zx_object_wait_async, zx_port_cancel and zx_object_signal with the rules of the 2020 kernel
 * (`lib/syscalls/object_wait.cc`, `object/port_dispatcher.cc` PortObserver, `object/handle.cc`
 * Handle::Delete → Dispatcher::Cancel, `lib/syscalls/port.cc` sys_port_cancel) and
 * docs/reference/syscalls/object_wait_async.md, port_cancel.md.
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  ZX_CLOCK_MONOTONIC,
  ZX_DEFAULT_PORT_RIGHTS,
  ZX_DEFAULT_TIMER_RIGHTS,
  ZX_DEFAULT_VMO_RIGHTS,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NOT_FOUND,
  ZX_ERR_TIMED_OUT,
  ZX_ERR_WRONG_TYPE,
  ZX_OK,
  ZX_PKT_TYPE_SIGNAL_ONE,
  ZX_RIGHT_SIGNAL,
  ZX_RIGHT_WAIT,
  ZX_RIGHT_WRITE,
  ZX_TIME_INFINITE,
  ZX_TIMER_SIGNALED,
  ZX_USER_SIGNAL_0,
  ZX_USER_SIGNAL_1,
  ZX_USER_SIGNAL_7,
  ZX_VMO_ZERO_CHILDREN,
  ZX_WAIT_ASYNC_ONCE,
  ZX_WAIT_ASYNC_TIMESTAMP,
} from "../index";

function setup() {
  const kernel = createKernel();
  const proc = kernel.createProcess();
  const t = proc.mainThread;
  const port = t.zx_port_create(0).out;
  const timer = t.zx_timer_create(0, ZX_CLOCK_MONOTONIC).out;
  const objectOf = (h: number) => proc.handles.lookup(h)!.object;
  /** Take whatever is queued now, without waiting. */
  const poll = () => t.zx_port_wait(port, 0);
  return { kernel, proc, t, port, timer, objectOf, poll };
}

describe("zx_object_wait_async", () => {
  it("queues one ZX_PKT_TYPE_SIGNAL_ONE packet { trigger, observed, count 1 } when a trigger is asserted", async () => {
    const { t, port, timer, poll } = setup();
    const key = 0xfedcba9876543210n;
    expect(t.zx_object_wait_async(timer, port, key, ZX_TIMER_SIGNALED | ZX_USER_SIGNAL_1, ZX_WAIT_ASYNC_ONCE)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT); // nothing asserted yet
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    const r = await poll();
    expect(r.status).toBe(ZX_OK);
    expect(r.packet).toEqual({
      key, type: ZX_PKT_TYPE_SIGNAL_ONE, status: ZX_OK,
      signal: { trigger: ZX_TIMER_SIGNALED | ZX_USER_SIGNAL_1, observed: ZX_TIMER_SIGNALED, count: 1n, timestamp: 0n, reserved1: 0n },
    });
  });
  it("is one-shot: after its packet the wait is over", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_OK);
    expect(t.zx_timer_cancel(timer)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK); // asserted again
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
    expect(t.zx_port_cancel(port, timer, 1)).toBe(ZX_ERR_NOT_FOUND); // nothing left to cancel
  });
  it("fires at once when a trigger is already asserted (a VMO's ZX_VMO_ZERO_CHILDREN)", async () => {
    const { t, port, poll } = setup();
    const vmo = t.zx_vmo_create(4096, 0).out;
    expect(t.zx_object_wait_async(vmo, port, 7, ZX_VMO_ZERO_CHILDREN, 0)).toBe(ZX_OK);
    const r = await poll();
    expect(r.status).toBe(ZX_OK);
    expect(r.packet.signal!.observed).toBe(ZX_VMO_ZERO_CHILDREN);
  });
  it("observed carries every asserted signal, not only the triggers", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_object_signal(timer, 0, ZX_USER_SIGNAL_0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT); // USER_SIGNAL_0 is not a trigger
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    const r = await poll();
    expect(r.packet.signal!.trigger).toBe(ZX_TIMER_SIGNALED);
    expect(r.packet.signal!.observed).toBe(ZX_TIMER_SIGNALED | ZX_USER_SIGNAL_0);
  });
  it("a zero trigger never fires", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_object_wait_async(timer, port, 1, 0, 0)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("ZX_WAIT_ASYNC_TIMESTAMP records the clock-monotonic time of the trigger", async () => {
    const { t, port, timer } = setup();
    const deadline = t.zx_deadline_after(12_345);
    expect(t.zx_timer_set(timer, deadline, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, ZX_WAIT_ASYNC_TIMESTAMP)).toBe(ZX_OK);
    const r = await t.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(r.packet.signal!.timestamp).toBe(deadline);
  });
  it("several waits on one object each get their packet, in the order they were made", async () => {
    const { t, port, timer } = setup();
    const other = t.zx_port_create(0).out;
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, other, 2, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 3, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, t.zx_deadline_after(100), 0)).toBe(ZX_OK);
    const a = await t.zx_port_wait(port, ZX_TIME_INFINITE);
    const b = await t.zx_port_wait(port, 0);
    const c = await t.zx_port_wait(other, 0);
    expect([a.packet.key, b.packet.key, c.packet.key]).toEqual([1n, 3n, 2n]);
  });
  it("signal packets are not user packets: type stays SIGNAL_ONE and they do not count against the cap", async () => {
    const { t, port, timer, poll } = setup();
    for (let i = 0; i < 2048; i++) expect(t.zx_port_queue(port, { key: i })).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 99, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    for (let i = 0; i < 2048; i++) await poll();
    const r = await poll();
    expect([r.packet.key, r.packet.type]).toEqual([99n, ZX_PKT_TYPE_SIGNAL_ONE]);
  });

  it("checks options first, then the port, then the object (object_wait.cc)", () => {
    const { t, port, timer } = setup();
    const bad = 0x12345;
    expect(t.zx_object_wait_async(bad, bad, 0, ZX_TIMER_SIGNALED, 2)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_object_wait_async(bad, bad, 0, ZX_TIMER_SIGNALED, 0x80000000)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_object_wait_async(bad, bad, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_object_wait_async(timer, timer, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_WRONG_TYPE);
    const readOnlyPort = t.zx_handle_duplicate(port, ZX_DEFAULT_PORT_RIGHTS & ~ZX_RIGHT_WRITE).out;
    expect(t.zx_object_wait_async(bad, readOnlyPort, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_object_wait_async(bad, port, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_BAD_HANDLE);
    const noWait = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS & ~ZX_RIGHT_WAIT).out;
    expect(t.zx_object_wait_async(noWait, port, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_ACCESS_DENIED);
  });
  it("objects whose default rights lack ZX_RIGHT_WAIT (ports, guests, VMARs, resources) are ACCESS_DENIED", () => {
    const { proc, t, port } = setup();
    const guest = t.zx_guest_create(proc.hypervisorResource, 0);
    for (const h of [port, guest.guest_handle, guest.vmar_handle, proc.rootVmar, proc.hypervisorResource]) {
      expect(t.zx_object_wait_async(h, port, 0, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_ACCESS_DENIED);
    }
  });

  it("closing the handle the wait was made through ends it; other handles do not", async () => {
    const { t, port, timer, poll } = setup();
    const a = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS).out;
    const b = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS).out;
    expect(t.zx_object_wait_async(a, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(b, port, 2, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_handle_close(a)).toBe(ZX_OK);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK); // still alive through `timer` and `b`
    const r = await poll();
    expect(r.packet.key).toBe(2n);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("zx_handle_replace ends waits made through the old handle", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    const replaced = t.zx_handle_replace(timer, ZX_DEFAULT_TIMER_RIGHTS).out;
    expect(t.zx_timer_set(replaced, 0, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("packets already queued survive the close of the waited handle", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 5, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_handle_close(timer)).toBe(ZX_OK);
    const r = await poll();
    expect([r.status, r.packet.key]).toEqual([ZX_OK, 5n]);
  });
  it("closing the last handle of the port removes its waits from the objects", () => {
    const { t, port, timer, objectOf } = setup();
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(objectOf(timer).observed).toBe(true);
    expect(t.zx_handle_close(port)).toBe(ZX_OK);
    expect(objectOf(timer).observed).toBe(false);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK); // nothing to deliver to, nothing breaks
  });
  it("process exit closes the handles and so ends the waits", () => {
    const { kernel, t } = setup();
    const other = kernel.createProcess();
    const ot = other.mainThread;
    const otherPort = ot.zx_port_create(0).out;
    const otherTimer = ot.zx_timer_create(0, ZX_CLOCK_MONOTONIC).out;
    expect(ot.zx_timer_set(otherTimer, t.zx_deadline_after(1000), 0)).toBe(ZX_OK);
    expect(ot.zx_object_wait_async(otherTimer, otherPort, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    const timerObject = other.handles.lookup(otherTimer)!.object;
    other.exit();
    expect(timerObject.observed).toBe(false);
    expect(kernel.clock.headroom()).toBe(Infinity); // the timer lost its last handle: cancelled
  });
});

describe("zx_port_cancel", () => {
  it("ends a pending wait (then NOT_FOUND), only for the same handle, port and key", async () => {
    const { t, port, timer, poll } = setup();
    const other = t.zx_port_create(0).out;
    const dup = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS).out;
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_port_cancel(port, timer, 2)).toBe(ZX_ERR_NOT_FOUND); // other key
    expect(t.zx_port_cancel(other, timer, 1)).toBe(ZX_ERR_NOT_FOUND); // other port
    expect(t.zx_port_cancel(port, dup, 1)).toBe(ZX_ERR_NOT_FOUND); // other handle to the same timer
    expect(t.zx_port_cancel(port, timer, 1)).toBe(ZX_OK);
    expect(t.zx_port_cancel(port, timer, 1)).toBe(ZX_ERR_NOT_FOUND);
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("removes packets already queued for that handle and key, and leaves the others", async () => {
    const { t, port, timer, poll } = setup();
    expect(t.zx_timer_set(timer, 0, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(timer, port, 1, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_port_queue(port, { key: 1 })).toBe(ZX_OK); // a user packet with the same key
    expect(t.zx_object_wait_async(timer, port, 2, ZX_TIMER_SIGNALED, 0)).toBe(ZX_OK);
    expect(t.zx_port_cancel(port, timer, 1)).toBe(ZX_OK);
    const first = await poll();
    const second = await poll();
    expect([first.packet.key, first.packet.type]).toEqual([1n, 0]); // the user packet
    expect([second.packet.key, second.packet.type]).toEqual([2n, ZX_PKT_TYPE_SIGNAL_ONE]);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("errors: the port as zx_port_queue's, the source BAD_HANDLE / ACCESS_DENIED without ZX_RIGHT_WAIT", () => {
    const { t, port, timer } = setup();
    expect(t.zx_port_cancel(0x12345, timer, 0)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_port_cancel(timer, timer, 0)).toBe(ZX_ERR_WRONG_TYPE);
    const readOnlyPort = t.zx_handle_duplicate(port, ZX_DEFAULT_PORT_RIGHTS & ~ZX_RIGHT_WRITE).out;
    expect(t.zx_port_cancel(readOnlyPort, timer, 0)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_port_cancel(port, 0x12345, 0)).toBe(ZX_ERR_BAD_HANDLE);
    const noWait = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS & ~ZX_RIGHT_WAIT).out;
    expect(t.zx_port_cancel(port, noWait, 0)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_port_cancel(port, port, 0)).toBe(ZX_ERR_ACCESS_DENIED);
  });
});

describe("zx_object_signal", () => {
  it("sets and clears user signals, waking waits on them", async () => {
    const { t, port, poll } = setup();
    const vmo = t.zx_vmo_create(4096, 0).out;
    expect(t.zx_object_wait_async(vmo, port, 1, ZX_USER_SIGNAL_7, 0)).toBe(ZX_OK);
    expect(t.zx_object_signal(vmo, 0, ZX_USER_SIGNAL_7)).toBe(ZX_OK);
    const r = await poll();
    expect(r.packet.signal!.observed).toBe((ZX_USER_SIGNAL_7 | ZX_VMO_ZERO_CHILDREN) >>> 0);
    expect(t.zx_object_signal(vmo, ZX_USER_SIGNAL_7, 0)).toBe(ZX_OK);
    expect(t.zx_object_wait_async(vmo, port, 2, ZX_USER_SIGNAL_7, 0)).toBe(ZX_OK);
    expect((await poll()).status).toBe(ZX_ERR_TIMED_OUT);
  });
  it("only user signals; ZX_RIGHT_SIGNAL required", () => {
    const { t, port, timer } = setup();
    expect(t.zx_object_signal(timer, 0, ZX_TIMER_SIGNALED)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_object_signal(timer, ZX_TIMER_SIGNALED, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_object_signal(0x12345, 0, ZX_USER_SIGNAL_0)).toBe(ZX_ERR_BAD_HANDLE);
    const noSignal = t.zx_handle_duplicate(timer, ZX_DEFAULT_TIMER_RIGHTS & ~ZX_RIGHT_SIGNAL).out;
    expect(t.zx_object_signal(noSignal, 0, ZX_USER_SIGNAL_0)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_object_signal(port, 0, ZX_USER_SIGNAL_0)).toBe(ZX_ERR_ACCESS_DENIED); // ports lack SIGNAL
    expect(ZX_DEFAULT_VMO_RIGHTS & ZX_RIGHT_SIGNAL).toBe(ZX_RIGHT_SIGNAL);
  });
});
