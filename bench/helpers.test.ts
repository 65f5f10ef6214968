import { describe, expect, it } from "vitest";
import { parseStats } from "./ours-node";
import { runProcess } from "./process";
import { busyShare, parseCpuTimes } from "./quiet";
import { resolveMount } from "./static-server";
import { linuxMissing, runsOf, selectWorkloads, workloads } from "./workloads";

describe("parseStats reads hvplay --stats", () => {
  it("instructions, seconds and the sum of exits over all kinds", () => {
    const stderr = "hvplay: 1061906473 instructions retired in 15.362 s (69.1 MIPS)\nhvplay: exits by kind: io 52, mem 3, status 1\n";
    expect(parseStats(stderr)).toEqual({ instructions: 1061906473, seconds: 15.362, exits: 56 });
    expect(parseStats("hvplay: 38 instructions retired in 0.016 s (0.0 MIPS)\nhvplay: exits by kind: none\n")).toEqual({ instructions: 38, seconds: 0.016, exits: 0 });
    expect(parseStats("hvplay: cannot read x.elf: ENOENT\n")).toBeNull();
  });
});

describe("the v86 page's server", () => {
  const mounts = { dirs: { "/v86/": "/opt/v86/build", "/guests/": "/repo/public/guests" }, files: { "/": "/repo/bench/v86-page.html" } };
  it("maps its mounts and nothing else", () => {
    expect(resolveMount(mounts, "/")).toBe("/repo/bench/v86-page.html");
    expect(resolveMount(mounts, "/v86/libv86.mjs")).toBe("/opt/v86/build/libv86.mjs");
    expect(resolveMount(mounts, "/guests/bench-int.elf")).toBe("/repo/public/guests/bench-int.elf");
    expect(resolveMount(mounts, "/etc/passwd")).toBeNull();
  });
  it("never leaves a mounted folder", () => {
    expect(resolveMount(mounts, "/guests/../../etc/passwd")).toBeNull();
    expect(resolveMount(mounts, "/guests/%2e%2e/secret")).toBeNull();
    expect(resolveMount(mounts, "/guests/")).toBeNull();
  });
});

describe("workloads", () => {
  const all = workloads("/nonexistent");
  it("--only picks by name and refuses unknown names", () => {
    expect(all.map((w) => w.name)).toEqual(["int", "copy", "smc", "exits", "boot", "linux"]);
    expect(all.find((w) => w.name === "boot")?.file).toBe("hello.elf");
    expect(selectWorkloads(all, ["smc", "int"])).toEqual([all[0], all[2]]);
    expect(selectWorkloads(all, ["fast"])).toBe("unknown workload fast (choose from int, copy, smc, exits, boot, linux, ui)");
    // The page's section is a known name that selects no workload.
    expect(selectWorkloads(all, ["ui"])).toEqual([]);
    expect(selectWorkloads(all, ["ui", "exits"])).toEqual([all[3]]);
  });
  it("the Linux boot: a seconds-to-prompt workload, left out by --no-linux, with its own run count", () => {
    const linux = all[5];
    expect(linux).toMatchObject({ name: "linux", file: "guests/linux/vmlinux", metric: "prompt" });
    expect(selectWorkloads(all, [], false)).toEqual(all.slice(0, 5));
    expect(selectWorkloads(all, ["linux"])).toEqual([linux]);
    expect(selectWorkloads(all, ["linux", "int"], false)).toEqual([all[0]]);
    expect(selectWorkloads(all, ["linux"], false)).toBe("no workload left to run (--only linux with --no-linux?)");
    expect(runsOf(linux, 5, 1)).toBe(1);
    expect(runsOf(all[0], 5, 1)).toBe(5);
  });
  it("names the Linux images that are missing (all of them where nothing is built)", () => {
    expect(linuxMissing("/nonexistent")).toEqual(["guests/linux/vmlinux", "guests/linux/bzImage", "guests/linux/initramfs.cpio"]);
  });
});

describe("runProcess until a text appears (the Linux boot's prompt)", () => {
  // A stand-in for hvplay: prints a milestone, then the prompt split over two writes, and on SIGINT
  // prints its stats to stderr and exits 130, as hvplay --stats does.
  const child = [
    "-e",
    `process.on("SIGINT", () => { process.stderr.write("hvplay: 42 instructions retired in 0.010 s (0.0 MIPS)\\n"); process.exit(130); });
     process.stdout.write("Linux version 6\\nbanner\\nhvpl");
     setTimeout(() => process.stdout.write("ay:/# "), 150);
     setTimeout(() => process.exit(0), 20000);`,
  ];
  it("times the text across chunks, stops the child with the signal and keeps what it said on the way out", async () => {
    const r = await runProcess(process.execPath, child, { cwd: ".", timeoutMs: 15_000, until: { text: "hvplay:/# ", signal: "SIGINT" }, marks: ["Linux version", "banner", "never"] });
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(130);
    expect(r.stderr).toContain("42 instructions retired");
    expect(r.untilMs).not.toBeNull();
    // The prompt's second half came 150 ms after the milestones.
    expect(r.untilMs!).toBeGreaterThanOrEqual(r.marksMs["banner"] + 100);
    expect(r.marksMs["Linux version"]).toBeLessThanOrEqual(r.marksMs["banner"]);
    expect(r.marksMs).not.toHaveProperty("never");
  });
  it("a text that never comes: null, and the timeout ends the child", async () => {
    const r = await runProcess(process.execPath, child, { cwd: ".", timeoutMs: 1000, until: { text: "never" } });
    expect(r.untilMs).toBeNull();
    expect(r.timedOut).toBe(true);
  });
});

describe("waiting for a quiet machine (bench/quiet.ts)", () => {
  const stat = (user: number, system: number, idle: number, steal = 0) => `cpu  ${user} 0 ${system} ${idle} 3 1 1 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1\n`;
  it("reads the aggregate line of /proc/stat: busy is user, nice, system, irq and softirq", () => {
    expect(parseCpuTimes(stat(100, 50, 1000, 7))).toEqual({ busy: 152, total: 1162 });
    expect(parseCpuTimes("cpu0 1 2 3 4 5 6 7\n")).toBeNull();
    expect(parseCpuTimes("cpu  1 2 x 4 5 6 7\n")).toBeNull();
  });
  it("the busy share of all CPUs between two readings; steal and idle are not busy", () => {
    const a = parseCpuTimes(stat(100, 50, 1000))!;
    expect(busyShare(a, parseCpuTimes(stat(110, 50, 1010))!)).toBe(0.5);
    expect(busyShare(a, parseCpuTimes(stat(100, 50, 1010, 10))!)).toBe(0);
    expect(busyShare(a, a)).toBe(0);
  });
});
