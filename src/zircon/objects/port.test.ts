import { describe, expect, it } from "vitest";
import { createKernel, ZX_ERR_TIMED_OUT, ZX_OK, ZX_PKT_TYPE_USER, ZX_TIME_INFINITE } from "../index";

describe("ports", () => {
  it("deliver FIFO, one waiter per packet, in waiter order; type forced to USER", async () => {
    const proc = createKernel().createProcess();
    const [a, b] = [proc.createThread(), proc.createThread()];
    const port = a.zx_port_create(0).out;
    const wa = a.zx_port_wait(port, ZX_TIME_INFINITE);
    const wb = b.zx_port_wait(port, ZX_TIME_INFINITE);
    expect(a.zx_port_queue(port, { key: 1, type: 5, user: { u32: [7] } })).toBe(ZX_OK);
    expect(a.zx_port_queue(port, { key: 2 })).toBe(ZX_OK);
    const [ra, rb] = await Promise.all([wa, wb]);
    expect([ra.packet.key, rb.packet.key]).toEqual([1n, 2n]);
    expect(ra.packet.type).toBe(ZX_PKT_TYPE_USER);
    expect(ra.packet.user!.u32[0]).toBe(7);
  });
  it("time out at the deadline of the (deterministic) kernel clock; a past deadline polls", async () => {
    const kernel = createKernel();
    const t = kernel.createProcess().mainThread;
    const port = t.zx_port_create(0).out;
    expect((await t.zx_port_wait(port, 0)).status).toBe(ZX_ERR_TIMED_OUT);
    const deadline = t.zx_deadline_after(1_000_000);
    const r = await t.zx_port_wait(port, deadline);
    expect(r.status).toBe(ZX_ERR_TIMED_OUT);
    expect(t.zx_clock_get_monotonic()).toBe(deadline); // idle time jumps straight to the deadline
  });
  it("reject unknown options", () => {
    const t = createKernel().createProcess().mainThread;
    expect(t.zx_port_create(2).status).toBe(-10);
  });
});
