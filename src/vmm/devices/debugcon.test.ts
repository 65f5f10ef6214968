import { describe, expect, it } from "vitest";
import { DebugCon } from "./debugcon";
import { DebugExit, Unassigned } from "./debug-exit";

describe("debugcon", () => {
  it("writes the low byte of every access to the sink and reads back 0xE9", () => {
    const out: number[] = [];
    const d = new DebugCon((b) => out.push(b));
    d.write(0, 1, 0x48);
    d.write(0, 2, 0x1269);
    expect(out).toEqual([0x48, 0x69]);
    expect(d.read(0, 1)).toBe(0xe9);
  });
});

describe("isa-debug-exit", () => {
  it("turns a write of v into exit status (v << 1) | 1", () => {
    const seen: number[] = [];
    const d = new DebugExit((s) => seen.push(s));
    d.write(0, 1, 0);
    d.write(0, 1, 0x10);
    d.write(0, 4, 0x7fffffff);
    d.write(0, 1, 0x1ff); // only the low byte of a byte access counts
    expect(seen).toEqual([1, 0x21, 0xffffffff, 0x1ff]);
    expect(d.read(0, 2)).toBe(0xffff);
  });
});

describe("unassigned ports", () => {
  it("float to all ones and ignore writes", () => {
    const u = new Unassigned();
    expect(u.read(0, 1)).toBe(0xff);
    expect(u.read(0, 2)).toBe(0xffff);
    expect(u.read(0, 4)).toBe(0xffffffff);
    expect(() => u.write(0, 1, 0x12)).not.toThrow();
  });
});
