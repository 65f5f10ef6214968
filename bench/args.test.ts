import { describe, expect, it } from "vitest";
import { DEFAULT_RESULTS, parseBenchArgs } from "./args";

describe("npm run bench options", () => {
  it("defaults: five runs of everything in every column (one of the Linux boot), nothing written", () => {
    expect(parseBenchArgs([])).toEqual({
      runs: 5,
      linuxRuns: 3,
      only: [],
      linux: true,
      ui: true,
      chromium: true,
      v86: true,
      qemu: true,
      timeoutMs: 300_000,
      linuxTimeoutMs: 900_000,
      write: null,
      help: false,
    });
  });
  it("the Linux boot: its own run count and timeout, --only linux, --no-linux", () => {
    expect(parseBenchArgs(["--only", "linux", "--linux-runs", "3", "--linux-timeout", "1200", "--no-v86", "--no-qemu"])).toMatchObject({
      only: ["linux"],
      linux: true,
      runs: 5,
      linuxRuns: 3,
      timeoutMs: 300_000,
      linuxTimeoutMs: 1_200_000,
      v86: false,
      qemu: false,
    });
    // --runs leaves the Linux boot's count alone, and --no-linux its timeout.
    expect(parseBenchArgs(["--runs", "2", "--no-linux"])).toMatchObject({ runs: 2, linuxRuns: 3, linux: false, linuxTimeoutMs: 900_000 });
    expect(parseBenchArgs(["--linux-runs", "0"])).toEqual({ error: "--linux-runs takes a whole number from 1 to 100, not 0" });
    expect(parseBenchArgs(["--linux-runs", "--no-v86"])).toEqual({ error: "--linux-runs takes a whole number from 1 to 100, not nothing" });
    expect(parseBenchArgs(["--linux-timeout", "7200"])).toEqual({ error: "--linux-timeout takes seconds from 1 to 3600, not 7200" });
  });
  it("--runs, --only (comma-separated, repeatable), --no-*, --timeout, --write [FILE]", () => {
    const o = parseBenchArgs(["--runs", "3", "--only", "int,copy", "--only", "boot", "--no-v86", "--timeout", "60", "--write"]);
    expect(o).toMatchObject({ runs: 3, only: ["int", "copy", "boot"], v86: false, chromium: true, timeoutMs: 60_000, write: DEFAULT_RESULTS });
    expect(parseBenchArgs(["--write", "/tmp/r.md", "--no-chromium"])).toMatchObject({ write: "/tmp/r.md", chromium: false });
    expect(parseBenchArgs(["--no-ui", "--only", "ui"])).toMatchObject({ ui: false, only: ["ui"] });
  });
  it("bad values are readable errors, not exceptions", () => {
    expect(parseBenchArgs(["--runs", "0"])).toEqual({ error: "--runs takes a whole number from 1 to 100, not 0" });
    expect(parseBenchArgs(["--runs"])).toEqual({ error: "--runs takes a whole number from 1 to 100, not nothing" });
    expect(parseBenchArgs(["--only"])).toHaveProperty("error");
    expect(parseBenchArgs(["--timeout", "-1"])).toHaveProperty("error");
    expect(parseBenchArgs(["--fast"])).toEqual({ error: "unknown option --fast (see npm run bench -- --help)" });
  });
});
