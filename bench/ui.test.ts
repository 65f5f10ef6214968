import { describe, expect, it } from "vitest";
import { decodeFragment } from "../src/share/codec";
import { FRAMES_MS, PAUSES_PER_LOAD, renderUi, summarizeUi, uiGuests, type UiReading } from "./ui";

const reading = (fps: number, gap: number, pauses: number[]): UiReading => ({ fps, longestGapMs: gap, pauses });

describe("the page's section of npm run bench", () => {
  it("boots each fault guest from a share link carrying its source", () => {
    const guests = uiGuests();
    expect(guests.map((g) => g.name)).toEqual(["runaway.asm", "ud-storm.asm", "console-flood.asm"]);
    for (const g of guests) {
      expect(g.path).toMatch(/^\/#r=/);
      const decoded = decodeFragment(g.path.slice(1));
      expect(decoded?.ok).toBe(true);
      if (decoded?.ok) expect(decoded.recipe.guest).toMatchObject({ kind: "source", name: g.name });
    }
  });

  it("summarizes frame rates and longest gaps over loads, and Pause over all its pauses", () => {
    const row = summarizeUi("runaway.asm", [
      reading(60, 17, [10, 20, 8]),
      reading(58, 33, [12, 30, 16.6]),
      reading(59, 20, [16.7]),
    ]);
    expect(row).toEqual({
      guest: "runaway.asm",
      loads: 3,
      fps: { median: 59, min: 58, max: 60, runs: 3 },
      longestGapMs: { median: 20, min: 17, max: 33, runs: 3 },
      pauseMs: { median: 16.6, min: 8, max: 30, runs: 7 },
      // 16.7 ms is just over a frame at 60 Hz (16.67 ms).
      withinFrame: 4,
      pauses: 7,
    });
    expect(summarizeUi("x", [])).toBeNull();
  });

  it("renders a table row per guest, the guests' legend, how the figures were taken, and failures", () => {
    const row = summarizeUi("runaway.asm", [reading(60.3, 17.2, [9.96, 16.4, 17])])!;
    const lines = renderUi([row], uiGuests(), ["ud-storm.asm, load 2: the guest is error running within 300 s"]);
    expect(lines).toContain("| runaway.asm | 60.3 (60.3–60.3) | 17 (17–17) | 16.4 (10.0–17.0) | 2 of 3 |");
    expect(lines.some((l) => l.startsWith("- console-flood.asm: a console flood"))).toBe(true);
    expect(lines.some((l) => l.includes(`${FRAMES_MS / 1000} s`) && l.includes(`${PAUSES_PER_LOAD} × Pause`))).toBe(true);
    expect(lines.at(-1)).toBe("- Failed: ud-storm.asm, load 2: the guest is error running within 300 s");
  });
});
