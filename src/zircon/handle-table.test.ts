import { describe, expect, it } from "vitest";
import { HandleTable } from "./handle-table";
import { KernelObject, type KernelContext } from "./kernel-object";
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE } from "./status";

let koid = 1024n;
const ctx = { allocKoid: () => koid++ } as unknown as KernelContext;
class Obj extends KernelObject {
  closed = 0;
  constructor(readonly type: number) {
    super(ctx);
  }
  override onZeroHandles(): void {
    this.closed++;
  }
}

describe("HandleTable", () => {
  it("hands out non-zero values with both low bits set, different per mixer", () => {
    const a = new HandleTable(0x1234567);
    const b = new HandleTable(0x7654321);
    const o = new Obj(3);
    const ha = a.add(o, 0xf);
    const hb = b.add(o, 0xf);
    expect(ha & 3).toBe(3);
    expect(ha).not.toBe(0);
    expect(ha).not.toBe(hb);
    expect(a.lookup(hb)).toBeUndefined();
  });
  it("looks up in Zircon's order: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED", () => {
    const t = new HandleTable(42);
    const h = t.add(new Obj(3), 0x4);
    expect(t.getWithRights(h ^ 4, 3, 0)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.getWithRights(h, 6, 0x8)).toBe(ZX_ERR_WRONG_TYPE);
    expect(t.getWithRights(h, 3, 0x8)).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.getWithRights(h, 3, 0x4)).toBeInstanceOf(Obj);
    expect(t.getWithRights("x", 3, 0)).toBe(ZX_ERR_BAD_HANDLE);
  });
  it("makes a closed value stale even when its slot is reused", () => {
    const t = new HandleTable(0);
    const first = new Obj(3);
    const h1 = t.add(first, 1);
    t.remove(h1);
    const h2 = t.add(new Obj(3), 1);
    expect(h2).not.toBe(h1);
    expect(t.lookup(h1)).toBeUndefined();
    expect(t.lookup(h2)).toBeDefined();
  });
  it("counts handles and calls onZeroHandles when the last one closes", () => {
    const t = new HandleTable(9);
    const o = new Obj(5);
    const h1 = t.add(o, 1);
    const h2 = t.add(o, 1);
    expect(o.handleCount).toBe(2);
    t.remove(h1);
    expect(o.closed).toBe(0);
    t.remove(h2);
    expect(o.closed).toBe(1);
    expect(t.remove(h2)).toBeUndefined();
  });
});
