import { describe, expect, it } from "vitest";
import { DEFAULT_RESULTS, parseBenchArgs } from "./args";

describe("npm run bench options", () => {
  it("defaults: five runs of everything in every column, nothing written", () => {
    expect(parseBenchArgs([])).toEqual({ runs: 5, only: [], chromium: true, v86: true, qemu: true, timeoutMs: 300_000, write: null, help: false });
  });
  it("--runs, --only (comma-separated, repeatable), --no-*, --timeout, --write [FILE]", () => {
    const o = parseBenchArgs(["--runs", "3", "--only", "int,copy", "--only", "boot", "--no-v86", "--timeout", "60", "--write"]);
    expect(o).toMatchObject({ runs: 3, only: ["int", "copy", "boot"], v86: false, chromium: true, timeoutMs: 60_000, write: DEFAULT_RESULTS });
    expect(parseBenchArgs(["--write", "/tmp/r.md", "--no-chromium"])).toMatchObject({ write: "/tmp/r.md", chromium: false });
  });
  it("bad values are readable errors, not exceptions", () => {
    expect(parseBenchArgs(["--runs", "0"])).toEqual({ error: "--runs takes a whole number from 1 to 100, not 0" });
    expect(parseBenchArgs(["--runs"])).toEqual({ error: "--runs takes a whole number from 1 to 100, not nothing" });
    expect(parseBenchArgs(["--only"])).toHaveProperty("error");
    expect(parseBenchArgs(["--timeout", "-1"])).toHaveProperty("error");
    expect(parseBenchArgs(["--fast"])).toEqual({ error: "unknown option --fast (see npm run bench -- --help)" });
  });
});
