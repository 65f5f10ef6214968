import { describe, expect, it } from "vitest";
import { InterruptBitmap } from "./interrupt-bitmap";

describe("hypervisor_unittest", () => {
  // §6.5 test 51: set / get / scan / clear of the pending-vector bitmap.
  it("interrupt_bitmap", () => {
    const b = new InterruptBitmap();
    expect(b.highest()).toBe(-1);
    expect(b.get(0)).toBe(false);
    b.set(0);
    expect(b.get(0)).toBe(true);
    expect(b.highest()).toBe(0);
    b.set(255);
    b.set(32);
    b.set(31);
    expect(b.highest()).toBe(255);
    b.clear(255);
    expect(b.highest()).toBe(32);
    b.clearRange(0, 40);
    expect(b.any()).toBe(false);
  });
});
