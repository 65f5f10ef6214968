import { describe, expect, it } from "vitest";
import { analyze, bootMismatch, pickReference } from "./analyze";
import { failed, succeeded, type RunRecord } from "./record";
import type { Workload } from "./workloads";

const INT: Workload = { name: "int", file: "bench-int.elf", metric: "mips", what: "integer" };
const EXITS: Workload = { name: "exits", file: "bench-exits.elf", metric: "exits", what: "exits" };
const BOOT: Workload = { name: "boot", file: "monitor.elf", metric: "first-byte", what: "boot" };
const OUT = "bench-int: crc32=22315958 primes=82025 rounds=13\n";

const run = (r: Partial<RunRecord> & { ms: number }) => succeeded({ output: OUT, status: 1, ...r });
const qemuNull = [succeeded({ ms: 300, output: "", status: 1 }), succeeded({ ms: 320, output: "", status: 1 }), succeeded({ ms: 310, output: "", status: 1 })];

describe("analyze", () => {
  it("derives every column's MIPS from our instruction count, subtracting QEMU's start-up only", () => {
    const a = analyze(
      INT,
      {
        oursNode: [run({ ms: 10_000, instructions: 1e9, exits: 52 }), run({ ms: 12_500, instructions: 1e9, exits: 52 })],
        oursChromium: [run({ ms: 20_000, instructions: 1e9, silenceMs: 260 }), run({ ms: 20_000, instructions: 1e9, silenceMs: 300 })],
        v86Node: [run({ ms: 1000, startupExcluded: true })],
        qemu: [run({ ms: 810 }), run({ ms: 830 })],
      },
      { qemu: qemuNull },
      null,
      {},
    );
    expect(a.oursWrong).toBe(false);
    expect(a.notes).toEqual([]);
    expect(a.result.instructions).toBe(1e9);
    expect(a.result.reference).toBe("QEMU, this run");
    expect(a.result.cells.oursNode).toEqual({ kind: "ok", summary: { median: 90, min: 80, max: 100, runs: 2 }, bound: false });
    expect(a.result.cells.oursChromium).toMatchObject({ kind: "ok", summary: { median: 50 } });
    expect(a.result.silence).toEqual({ median: 280, min: 260, max: 300, runs: 2 });
    expect(a.result.cells.v86Node).toEqual({ kind: "ok", summary: { median: 1000, min: 1000, max: 1000, runs: 1 }, bound: false });
    // 1e9 instructions in (810 − 310) and (830 − 310) ms
    expect(a.result.cells.qemu).toMatchObject({ kind: "ok", summary: { min: 1e9 / 520 / 1000, max: 2000 } });
  });

  it("a run of ours that prints something else gets no number, and says so", () => {
    const a = analyze(
      INT,
      {
        oursNode: [
          run({ ms: 1000, instructions: 55_000_000, output: "", status: 3, diagnostic: "triple fault" }),
          run({ ms: 1000, instructions: 55_000_000, output: "", status: 3, diagnostic: "triple fault" }),
        ],
        qemu: [run({ ms: 800 })],
      },
      { qemu: qemuNull },
      null,
      {},
    );
    expect(a.oursWrong).toBe(true);
    expect(a.result.cells.oursNode).toMatchObject({ kind: "na", reason: expect.stringContaining("wrong output") });
    // Both runs failed the same way: one note naming both, with what hvplay said.
    expect(a.notes).toHaveLength(1);
    expect(a.notes[0]).toMatch(/^int, ours, Node, runs 1, 2: console output "" differs from QEMU's .* \(triple fault\)$/);
    // Without a right run of ours there is no count to turn QEMU's time into MIPS.
    expect(a.result.cells.qemu).toMatchObject({ kind: "na", reason: expect.stringContaining("no instruction count") });
    expect(a.result.instructions).toBeNull();
  });

  it("a wrong exit status is as wrong as wrong bytes", () => {
    const a = analyze(INT, { oursNode: [run({ ms: 1000, instructions: 1e9, status: 3 })], qemu: [run({ ms: 800 })] }, { qemu: qemuNull }, null, {});
    expect(a.notes[0]).toContain("exit status 3 differs from QEMU's 1");
  });

  it("exits per second for peers come from our exit count; work hidden in the start-up is a bound", () => {
    const a = analyze(
      EXITS,
      { oursNode: [run({ ms: 2000, instructions: 8e6, exits: 1e6 })], v86Chromium: [run({ ms: 250, startupExcluded: true })], qemu: [run({ ms: 315 })] },
      { qemu: qemuNull },
      null,
      {},
    );
    expect(a.result.cells.oursNode).toMatchObject({ summary: { median: 500_000 } });
    expect(a.result.cells.v86Chromium).toMatchObject({ summary: { median: 4_000_000 } });
    // 315 − 310 ms is within the start-up's resolution (a tenth of 310 ms): at least 1e6 / 31 ms.
    expect(a.result.cells.qemu).toMatchObject({ kind: "ok", bound: true, summary: { median: 1e6 / 0.031 } });
  });

  it("columns that did not run, and failures, keep their reasons", () => {
    const a = analyze(INT, { oursNode: [run({ ms: 1000, instructions: 1e9 })], oursChromium: [failed("the page declared the worker dead")] }, {}, null, {
      v86Node: "v86 needs a BIOS",
    });
    expect(a.result.cells.v86Node).toEqual({ kind: "na", reason: "v86 needs a BIOS" });
    expect(a.result.cells.oursChromium).toEqual({ kind: "na", reason: "the page declared the worker dead" });
    expect(a.result.reference).toBe("unchecked (no QEMU, no recording)");
  });

  it("without QEMU the recording is the reference; QEMU without an empty-guest run cannot be timed", () => {
    const recorded = { output: OUT, status: 1, source: "guests/expected/bench-int.txt" };
    const a = analyze(INT, { oursNode: [run({ ms: 1000, instructions: 1e9 })], qemu: [failed("QEMU crashed")] }, {}, recorded, {});
    expect(a.result.reference).toBe("guests/expected/bench-int.txt");
    expect(a.result.cells.oursNode.kind).toBe("ok");
    const b = analyze(INT, { oursNode: [run({ ms: 1000, instructions: 1e9 })], qemu: [run({ ms: 900 })] }, { qemu: [failed("no")] }, null, {});
    expect(b.result.cells.qemu).toMatchObject({ kind: "na", reason: expect.stringContaining("start-up could not be measured") });
  });

  it("boot compares first bytes as prefixes and reports milliseconds as measured", () => {
    const first = (ms: number, output: string) => succeeded({ ms, output, status: null });
    const a = analyze(BOOT, { oursNode: [first(900, "hv")], qemu: [first(400, "hvplay monitor")], v86Node: [first(1500, "xx")] }, {}, null, {});
    expect(a.result.cells.oursNode).toMatchObject({ kind: "ok", summary: { median: 900 } });
    expect(a.result.cells.qemu).toMatchObject({ kind: "ok", summary: { median: 400 } });
    expect(a.result.cells.v86Node.kind).toBe("na");
    expect(a.oursWrong).toBe(false);
  });

  it("linux: seconds to the prompt in every column, no byte comparison with QEMU, ours' MIPS from its stats", () => {
    const LINUX: Workload = { name: "linux", file: "guests/linux/vmlinux", metric: "prompt", what: "linux" };
    const CONSOLE = "[    0.000000] Linux version 6.1.0\nhvplay: busybox initramfs is up\nhvplay:/# ";
    const boot = (r: Partial<RunRecord> & { ms: number }) => succeeded({ output: CONSOLE, status: null, ...r });
    const a = analyze(
      LINUX,
      {
        oursNode: [boot({ ms: 90_000, instructions: 3.6e9, runMs: 88_000, marks: { "Linux version": 1500 }, detail: "exits by kind: io 9, hlt 3" }), boot({ ms: 110_000, instructions: 3.7e9, runMs: 100_000 })],
        oursChromium: [boot({ ms: 150_000, instructions: 3.0e9, runMs: 120_000 })],
        // QEMU's console differs (its own timings): still right.
        qemu: [boot({ ms: 5500, output: "[    0.000000] Linux version 6.1.0 (qemu)\nhvplay: busybox initramfs is up\nhvplay:/# " })],
      },
      {},
      null,
      { v86Node: "v86 cannot boot a 64-bit kernel" },
    );
    expect(a.oursWrong).toBe(false);
    expect(a.result.cells.oursNode).toEqual({ kind: "ok", summary: { median: 100, min: 90, max: 110, runs: 2 }, bound: false });
    expect(a.result.cells.oursChromium).toMatchObject({ kind: "ok", summary: { median: 150 } });
    expect(a.result.cells.qemu).toMatchObject({ kind: "ok", summary: { median: 5.5 } });
    expect(a.result.cells.v86Node).toEqual({ kind: "na", reason: "v86 cannot boot a 64-bit kernel" });
    // Not deterministic: the median of Node's counts; MIPS from each run's own count and run time.
    expect(a.result.instructions).toBe(3.65e9);
    expect(a.result.mips?.oursNode?.median).toBeCloseTo((3.6e9 / 88_000 / 1000 + 3.7e9 / 100_000 / 1000) / 2, 6);
    expect(a.result.mips?.oursChromium?.median).toBe(25);
    expect(a.result.mips?.qemu).toBeUndefined();
    expect(a.result.reference).toContain("/init's banner");
    // The milestones are in the notes, nothing else is.
    expect(a.notes[0]).toBe('linux, ours, Node, run 1: "Linux version" at 1.50 s, the prompt at 90.00 s; 3,600,000,000 instructions in 88.00 s of VMM run time; exits by kind: io 9, hlt 3');
    expect(a.notes.every((n) => !n.includes("differs"))).toBe(true);
  });

  it("linux: a run whose console has no banner before the prompt gets no number", () => {
    const LINUX: Workload = { name: "linux", file: "guests/linux/vmlinux", metric: "prompt", what: "linux" };
    const a = analyze(LINUX, { oursNode: [succeeded({ ms: 1000, output: "hvplay:/# ", status: null })] }, {}, null, {});
    expect(a.oursWrong).toBe(true);
    expect(a.result.cells.oursNode).toMatchObject({ kind: "na", reason: expect.stringContaining("no \"hvplay: busybox initramfs is up\"") });
    expect(bootMismatch("hvplay: busybox initramfs is up\nhvplay:/# ")).toBeNull();
    expect(bootMismatch("hvplay:/# hvplay: busybox initramfs is up\n")).toBe('no prompt "hvplay:/# " after /init\'s banner');
  });

  it("pickReference prefers this run's QEMU output", () => {
    expect(pickReference([failed("x"), run({ ms: 1 })], null)).toEqual({ output: OUT, status: 1, source: "QEMU, this run" });
    expect(pickReference(undefined, null)).toBeNull();
  });
});
