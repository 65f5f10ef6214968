/**
 * The deterministic clock's idle pacing (clock.ts): a halted guest waits for its next timer in real
 * time, except for the part of the sleep by which guest time has already fallen behind the host's
 * (an emulated CPU runs slower than the 1 GHz its clock counts), at most IDLE_CREDIT_MAX_NS (1 s).
 * Real time is read here, so the margins are wide.
 */
import { describe, expect, it } from "vitest";
import { Clock } from "./clock";

/** A clock as the kernel sets it up with one halted VCPU. */
function haltedGuestClock(): Clock {
  const c = new Clock("deterministic");
  c.isBusy = () => false;
  c.hasWaiter = () => true;
  c.paceIdle = () => true;
  return c;
}

/** Busy-waits `ms` of host time (the guest "runs" without advancing its clock). */
function hostSpends(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* host time passes */ }
}

function firedWithin(c: Clock, deadlineNs: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let fired = false;
    c.schedule(deadlineNs, () => (fired = true));
    setTimeout(() => resolve(fired), ms);
  });
}

describe("deterministic clock: idle pacing", () => {
  it("skips at once the part of a sleep the guest is already behind the host's clock", async () => {
    const c = haltedGuestClock();
    hostSpends(300); // 300 ms of host time, no guest time: the guest is 300 ms behind
    // A 100 ms sleep has already passed on the host's clock: it fires at once, not 100 ms later.
    expect(await firedWithin(c, 100e6, 40)).toBe(true);
    expect(c.nowNs()).toBe(100e6);
  });

  it("waits in real time for the rest of a longer sleep", async () => {
    const c = haltedGuestClock();
    hostSpends(50);
    // A 600 ms sleep with ~50 ms of credit: still waiting 200 ms later, fired by ~650 ms.
    const t0 = performance.now();
    let firedAt = 0;
    c.schedule(600e6, () => (firedAt = performance.now() - t0));
    await new Promise((r) => setTimeout(r, 200));
    expect(firedAt).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(firedAt).toBeGreaterThan(400);
    expect(c.nowNs()).toBe(600e6);
  });
});
