import { describe, expect, it } from "vitest";
import { advantage, cell, guestTime, mips, perSecond, summarize } from "./stats";

describe("summarize", () => {
  it("takes the middle of an odd count and the mean of the middle two of an even count", () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarize([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10, runs: 4 });
  });
  it("ignores runs that produced no number, and has nothing to say about none", () => {
    expect(summarize([Number.NaN, 2, Number.POSITIVE_INFINITY])).toEqual({ median: 2, min: 2, max: 2, runs: 1 });
    expect(summarize([])).toBeNull();
    expect(summarize([Number.NaN])).toBeNull();
  });
});

describe("guestTime: a peer's wall time less its start-up", () => {
  const startup = { median: 400, min: 380, max: 460, runs: 5 };
  it("subtracts the empty guest's median", () => {
    expect(guestTime(2400, startup)).toEqual({ ms: 2000, bound: false });
  });
  it("reports an upper bound when the work is lost in the start-up's spread", () => {
    // spread 80 ms > a tenth of the median (40 ms) > 10 ms
    expect(guestTime(450, startup)).toEqual({ ms: 80, bound: true });
    expect(guestTime(300, startup)).toEqual({ ms: 80, bound: true });
  });
  it("never trusts a resolution finer than a tenth of the start-up or 10 ms (one run has no spread)", () => {
    expect(guestTime(420, { median: 400, min: 400, max: 400, runs: 1 })).toEqual({ ms: 40, bound: true });
    expect(guestTime(25, { median: 20, min: 20, max: 20, runs: 1 })).toEqual({ ms: 10, bound: true });
  });
});

describe("rates and ratios", () => {
  it("MIPS and per-second rates from counts and milliseconds", () => {
    expect(mips(1_000_000_000, 12_500)).toBe(80);
    expect(perSecond(1_671_168, 2000)).toBe(835_584);
    expect(mips(5, 0)).toBeNaN();
  });
  it("ratios read as how many times better ours is, for rates and for times", () => {
    expect(advantage(80, 40, "higher-is-better")).toBe(2);
    expect(advantage(500, 1000, "lower-is-better")).toBe(2);
    expect(advantage(0, 10, "higher-is-better")).toBeNaN();
  });
  it("a cell with no runs carries its reason", () => {
    expect(cell([], false, "Chromium is missing")).toEqual({ kind: "na", reason: "Chromium is missing" });
    expect(cell([2, 1, 3], true)).toEqual({ kind: "ok", summary: { median: 2, min: 1, max: 3, runs: 3 }, bound: true });
  });
});
