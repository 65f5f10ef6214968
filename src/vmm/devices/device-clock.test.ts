import { describe, expect, it } from "vitest";
import { TimerQueue } from "./device-clock";

describe("TimerQueue (deterministic DeviceClock)", () => {
  it("runs due callbacks in deadline order, equal deadlines in id order, with now() at each deadline", () => {
    const q = new TimerQueue();
    const log: string[] = [];
    q.schedule(300, () => log.push(`c@${q.now()}`));
    q.schedule(100, () => log.push(`a@${q.now()}`));
    q.schedule(200, () => log.push(`b1@${q.now()}`));
    q.schedule(200, () => log.push(`b2@${q.now()}`));
    expect(q.nextDeadline()).toBe(100);
    q.advance(250);
    expect(log).toEqual(["a@100", "b1@200", "b2@200"]);
    expect(q.now()).toBe(250);
    expect(q.nextDeadline()).toBe(300);
    q.advance(300);
    expect(log[3]).toBe("c@300");
    expect(q.nextDeadline()).toBe(Infinity);
  });

  it("runs callbacks scheduled by callbacks when they fall due in the same advance", () => {
    const q = new TimerQueue();
    const at: number[] = [];
    const tick = () => {
      at.push(q.now());
      if (at.length < 5) q.schedule(q.now() + 10, tick);
    };
    q.schedule(10, tick);
    q.advance(35);
    expect(at).toEqual([10, 20, 30]);
    q.advance(1000);
    expect(at).toEqual([10, 20, 30, 40, 50]);
    expect(q.pending()).toBe(0);
  });

  it("runs a callback scheduled in the past on the next advance without moving time back", () => {
    const q = new TimerQueue(500);
    let seen = -1;
    q.schedule(100, () => (seen = q.now()));
    q.advance(500);
    expect(seen).toBe(500);
  });

  it("never runs a cancelled callback and ignores cancelling unknown ids", () => {
    const q = new TimerQueue();
    let ran = 0;
    const id = q.schedule(10, () => ran++);
    q.schedule(20, () => ran++);
    q.cancel(id);
    q.cancel(12345);
    expect(q.nextDeadline()).toBe(20);
    q.advance(100);
    expect(ran).toBe(1);
  });

  it("a deadline already asked for, then cancelled, is no longer the next one", () => {
    const q = new TimerQueue();
    let ran = 0;
    const a = q.schedule(10, () => ran++);
    const b = q.schedule(20, () => ran++);
    expect(q.nextDeadline()).toBe(10);
    expect(q.nextDeadline()).toBe(10);
    q.cancel(a);
    expect(q.nextDeadline()).toBe(20);
    q.schedule(5, () => ran++);
    expect(q.nextDeadline()).toBe(5);
    q.advance(15);
    expect(ran).toBe(1);
    q.cancel(b);
    expect(q.nextDeadline()).toBe(Infinity);
    q.advance(100);
    expect(ran).toBe(1);
  });

  it("refuses to go back in time or to schedule at a non-finite time", () => {
    const q = new TimerQueue(1000);
    expect(() => q.advance(999)).toThrow(RangeError);
    expect(() => q.schedule(NaN, () => {})).toThrow(RangeError);
    expect(() => q.schedule(Infinity, () => {})).toThrow(RangeError);
  });

  it("keeps order across many interleaved deadlines (heap property)", () => {
    const q = new TimerQueue();
    const order: number[] = [];
    // A fixed pseudo-random permutation of deadlines (LCG), so the test is deterministic.
    let x = 12345;
    const deadlines: number[] = [];
    for (let i = 0; i < 200; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      deadlines.push(x % 1000);
    }
    deadlines.forEach((d, i) => q.schedule(d, () => order.push(d * 1000 + i)));
    q.advance(1000);
    const expected = deadlines.map((d, i) => d * 1000 + i).sort((a, b) => a - b);
    expect(order).toEqual(expected);
  });
});
