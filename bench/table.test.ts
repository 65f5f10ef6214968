import { describe, expect, it } from "vitest";
import type { Cell } from "./stats";
import { formatCell, formatRatio, formatValue, promptCount, renderTable, renderWorkloads, type WorkloadResult } from "./table";

const ok = (median: number, min = median, max = median, bound = false): Cell => ({ kind: "ok", summary: { median, min, max, runs: 5 }, bound });
const none = (reason: string): Cell => ({ kind: "na", reason });

describe("table cells", () => {
  it("formats MIPS, exits per second and milliseconds", () => {
    expect(formatValue(65.43, "mips")).toBe("65.4");
    expect(formatValue(1234.5, "mips")).toBe("1,235");
    expect(formatValue(0.5, "mips")).toBe("0.50");
    expect(formatValue(2_345_678, "exits")).toBe("2.35M");
    expect(formatValue(523_400, "exits")).toBe("523k");
    expect(formatValue(412.4, "first-byte")).toBe("412");
    expect(formatValue(74.26, "prompt")).toBe("74.3");
    expect(formatValue(152.4, "prompt")).toBe("152");
  });
  it("median (min–max), a bound marked with ≥, n/a with a footnote", () => {
    expect(formatCell(ok(65.4, 61, 70.2), "mips", () => "")).toBe("65.4 (61.0–70.2)");
    expect(formatCell(ok(3e7, 3e7, 3e7, true), "exits", () => "")).toBe("≥ 30.00M (30.00M–30.00M)");
    expect(formatCell(none("why"), "mips", (r) => `[${r}]`)).toBe("n/a[why]");
    expect(formatCell(ok(216_000), "exits", () => "", 6)).toBe("216k (216k–216k) [5 of 6 runs]");
    expect(formatCell(ok(216_000), "exits", () => "", 5)).toBe("216k (216k–216k)");
  });
  it("ratios: ours ÷ peer for rates, peer ÷ ours for times; – when either is missing", () => {
    expect(formatRatio(ok(80), ok(40), "mips")).toBe("2.00×");
    expect(formatRatio(ok(500), ok(1000), "first-byte")).toBe("2.00×");
    // Seconds to the shell prompt: lower is better, so QEMU's 5.5 s against our 110 s is 0.050×.
    expect(formatRatio(ok(110), ok(5.5), "prompt")).toBe("0.050×");
    expect(formatRatio(ok(10), ok(900), "mips")).toBe("0.011×");
    expect(formatRatio(ok(1e6), ok(3e7, 3e7, 3e7, true), "exits")).toBe("≤ 0.033×");
    expect(formatRatio(ok(80), none("x"), "mips")).toBe("–");
  });
});

describe("renderTable", () => {
  const w = (name: string, metric: "mips" | "first-byte" | "prompt"): WorkloadResult["workload"] => ({ name, file: `${name}.elf`, metric, what: `the ${name} workload` });
  const result = (name: string, metric: "mips" | "first-byte" | "prompt", cells: Partial<WorkloadResult["cells"]>): WorkloadResult => ({
    workload: w(name, metric),
    instructions: metric === "mips" ? 1_000_000 : null,
    exits: metric === "mips" ? 7 : null,
    silence: metric === "mips" ? { median: 250, min: 240, max: 1200, runs: 5 } : null,
    reference: "QEMU, this run",
    cells: { oursNode: none("a"), oursChromium: none("a"), v86Node: none("b"), v86Chromium: none("a"), qemu: none("b"), ...cells },
  });
  it("one row per workload, each reason footnoted once", () => {
    const { lines, footnotes } = renderTable([result("int", "mips", { oursNode: ok(80) }), result("boot", "first-byte", { qemu: ok(400) })]);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("| ours, Node | ours, Chromium | v86, Node | v86, Chromium | QEMU TCG |");
    expect(lines[2]).toBe("| int | MIPS | 80.0 (80.0–80.0) | n/a[1] | n/a[2] | n/a[1] | n/a[2] | – | – | – |");
    expect(lines[3]).toBe("| boot | ms to 1st byte | n/a[1] | n/a[1] | n/a[2] | n/a[1] | 400 (400–400) | – | – | – |");
    expect(footnotes).toEqual(["[1] a", "[2] b"]);
  });
  it("the workloads table shows our counts and the worker's longest silence (none for boot)", () => {
    const lines = renderWorkloads([result("int", "mips", {}), result("boot", "first-byte", {})]);
    expect(lines[2]).toBe("| int | int.elf | 1,000,000 | 7 | 250 (240–1,200) | QEMU, this run | the int workload |");
    expect(lines[3]).toBe("| boot | boot.elf | – | – | – | QEMU, this run | the boot workload |");
  });
  it("the Linux row: seconds to the prompt with its own run count, v86's reason, MIPS in the workloads table", () => {
    const one = (median: number): Cell => ({ kind: "ok", summary: { median, min: median, max: median, runs: 1 }, bound: false });
    const linux: WorkloadResult = {
      ...result("linux", "prompt", { oursNode: one(96.44), oursChromium: one(181.2), v86Node: none("no 64-bit"), v86Chromium: none("no 64-bit"), qemu: one(5.52) }),
      instructions: 3_012_345_678,
      mips: { oursNode: { median: 41.23, min: 41.23, max: 41.23, runs: 1 }, oursChromium: { median: 20.5, min: 20.5, max: 20.5, runs: 1 } },
    };
    // Five runs of int, one of linux: neither row is marked as missing runs.
    const { lines, footnotes } = renderTable([result("int", "mips", { oursNode: ok(80) }), linux], 5, 1);
    expect(lines[2]).toBe("| int | MIPS | 80.0 (80.0–80.0) | n/a[1] | n/a[2] | n/a[1] | n/a[2] | – | – | – |");
    expect(lines[3]).toBe("| linux | seconds to shell prompt | 96.4 | 181 | n/a[3] | n/a[3] | 5.5 | – | – | 0.057× |");
    expect(footnotes).toEqual(["[1] a", "[2] b", "[3] no 64-bit"]);
    // Without a separate count the single run would read as missing runs.
    expect(renderTable([linux], 5).lines[2]).toContain("96.4 [1 of 5 runs]");
    const rows = renderWorkloads([linux]);
    expect(rows[2]).toBe("| linux | linux.elf | 3,012,345,678 to the prompt (Node); MIPS: Node 41.2, Chromium 20.5 | – | – | QEMU, this run | the linux workload |");
    expect(promptCount({ ...linux, instructions: null, mips: {} })).toBe("?");
  });
  it("a Linux row that was not built says so in every cell", () => {
    const all = Object.fromEntries((["oursNode", "oursChromium", "v86Node", "v86Chromium", "qemu"] as const).map((c) => [c, none("not built (npm run guests:linux)")]));
    const { lines, footnotes } = renderTable([result("linux", "prompt", all)], 5, 1);
    expect(lines[2]).toBe("| linux | seconds to shell prompt | n/a[1] | n/a[1] | n/a[1] | n/a[1] | n/a[1] | – | – | – |");
    expect(footnotes).toEqual(["[1] not built (npm run guests:linux)"]);
  });
});
