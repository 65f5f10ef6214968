import { describe, expect, it } from "vitest";
import { parseStats } from "./ours-node";
import { resolveMount } from "./static-server";
import { selectWorkloads, workloads } from "./workloads";

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
  it("--only picks by name and refuses unknown names", () => {
    const all = workloads("/nonexistent");
    expect(all.map((w) => w.name)).toEqual(["int", "copy", "smc", "exits", "boot"]);
    expect(all.find((w) => w.name === "boot")?.file).toBe("hello.elf");
    expect(selectWorkloads(all, ["smc", "int"])).toEqual([all[0], all[2]]);
    expect(selectWorkloads(all, ["fast"])).toBe("unknown workload fast (choose from int, copy, smc, exits, boot)");
  });
});
