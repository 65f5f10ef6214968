import { describe, expect, it } from "vitest";
import { visibleWindow } from "./list-window";
import { computeRates, secondsLabels } from "./rates";

describe("computeRates", () => {
  it("differences consecutive samples over their time delta", () => {
    const r = computeRates([
      { time: 1000, instructions: 0, exits: 0 },
      { time: 1250, instructions: 5_000_000, exits: 100 },
      { time: 1750, instructions: 15_000_000, exits: 100 },
    ]);
    expect(r.time).toEqual([1.25, 1.75]);
    expect(r.exitsPerSecond).toEqual([400, 0]);
    expect(r.mips).toEqual([20, 20]);
  });
  it("breaks the line where counters go backwards (a new machine) or time stands still", () => {
    const r = computeRates([
      { time: 0, instructions: 100, exits: 10 },
      { time: 100, instructions: 10, exits: 1 },
      { time: 100, instructions: 20, exits: 2 },
      { time: 200, instructions: 1_000_020, exits: 12 },
    ]);
    expect(r.exitsPerSecond).toEqual([null, null, 100]);
    expect(r.mips).toEqual([null, null, 10]);
  });
  it("needs two samples for a point", () => {
    expect(computeRates([]).time).toEqual([]);
    expect(computeRates([{ time: 1, instructions: 1, exits: 1 }]).time).toEqual([]);
  });
});

describe("visibleWindow", () => {
  it("renders the rows in view plus overscan", () => {
    expect(visibleWindow(0, 220, 22, 2000, 5)).toEqual({ first: 0, last: 15 });
    expect(visibleWindow(2200, 220, 22, 2000, 5)).toEqual({ first: 95, last: 115 });
  });
  it("clamps at the end and with few rows", () => {
    expect(visibleWindow(44000, 220, 22, 2000, 5)).toEqual({ first: 1995, last: 2000 });
    expect(visibleWindow(0, 0, 22, 3, 5)).toEqual({ first: 0, last: 3 });
    expect(visibleWindow(500, 100, 22, 0, 5)).toEqual({ first: 0, last: 0 });
  });
});

describe("secondsLabels", () => {
  it("gives ticks less than a second apart the decimals that tell them apart", () => {
    expect(secondsLabels([2, 2.5, 3, 3.5], 0.5)).toEqual(["2.0s", "2.5s", "3.0s", "3.5s"]);
    expect(secondsLabels([2.2, 2.4], 0.2)).toEqual(["2.2s", "2.4s"]);
    expect(secondsLabels([1.05, 1.1], 0.05)).toEqual(["1.05s", "1.10s"]);
  });
  it("whole seconds for a second apart or more", () => {
    expect(secondsLabels([0, 5, 10], 5)).toEqual(["0s", "5s", "10s"]);
    expect(secondsLabels([1, 2], 1)).toEqual(["1s", "2s"]);
  });
});
