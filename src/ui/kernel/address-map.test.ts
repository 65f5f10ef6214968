import { describe, expect, it } from "vitest";
import { DEFAULT_AXIS, formatSize, layoutAxis, usedLength } from "./address-map";

const MiB = 1 << 20;

describe("layoutAxis", () => {
  it("compresses RAM, a far trap and the gap between them", () => {
    const a = layoutAxis([
      { start: 0, size: 128 * MiB },
      { start: 0xfec00000, size: 0x1000 },
    ]);
    expect(a.intervals.map((i) => [i.start, i.end, i.used])).toEqual([
      [0, 128 * MiB, true],
      [128 * MiB, 0xfec00000, false],
      [0xfec00000, 0xfec01000, true],
    ]);
    const [ram, gap, trap] = a.intervals;
    expect(gap.length).toBe(DEFAULT_AXIS.gap);
    // Small but visible, and RAM bigger, yet not 32768 times bigger.
    expect(trap.length).toBeGreaterThanOrEqual(DEFAULT_AXIS.min);
    expect(ram.length).toBeGreaterThan(trap.length);
    expect(ram.length).toBeLessThanOrEqual(DEFAULT_AXIS.max);
    expect(a.total).toBe(ram.length + gap.length + trap.length);
    expect(a.at(0)).toBe(0);
    expect(a.at(0xfec00000)).toBe(ram.length + gap.length);
    expect(a.at(0xfec01000)).toBe(a.total);
    expect(a.at(5)).toBeNull();
  });

  it("splits overlapping ranges at every boundary, with no gap inside", () => {
    const a = layoutAxis([
      { start: 0x1000, size: 0x3000 },
      { start: 0x2000, size: 0x1000 },
    ]);
    expect(a.intervals.map((i) => [i.start, i.end, i.used])).toEqual([
      [0x1000, 0x2000, true],
      [0x2000, 0x3000, true],
      [0x3000, 0x4000, true],
    ]);
    // Positions increase along the axis.
    expect(a.at(0x1000)! < a.at(0x2000)! && a.at(0x2000)! < a.at(0x3000)! && a.at(0x3000)! < a.at(0x4000)!).toBe(true);
  });

  it("handles nothing, and ignores empty ranges", () => {
    expect(layoutAxis([]).total).toBe(0);
    expect(layoutAxis([{ start: 10, size: 0 }]).intervals).toEqual([]);
  });

  it("grows by perDoubling per doubling, clamped", () => {
    expect(usedLength(1)).toBe(DEFAULT_AXIS.min);
    expect(usedLength(512) - usedLength(256)).toBeCloseTo(DEFAULT_AXIS.perDoubling);
    expect(usedLength(2 ** 47)).toBe(DEFAULT_AXIS.max);
  });
});

describe("formatSize", () => {
  it("uses binary units", () => {
    expect(formatSize(1)).toBe("1 byte");
    expect(formatSize(100)).toBe("100 bytes");
    expect(formatSize(4096)).toBe("4 KiB");
    expect(formatSize(1536)).toBe("1.5 KiB");
    expect(formatSize(128 * MiB)).toBe("128 MiB");
    expect(formatSize(0xfec00000 - 128 * MiB)).toBe("3.9 GiB");
  });
});
