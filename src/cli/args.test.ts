import { describe, expect, it } from "vitest";
import { EXIT_USAGE, HELP, parseArgs } from "./args";

describe("hvplay argument parsing", () => {
  it("parses a full run command", () => {
    expect(parseArgs(["run", "k.elf", "--boot", "multiboot", "--mem", "64", "--max-instructions", "1000", "--stats", "--cmdline", "a b"])).toEqual({
      command: "run", image: "k.elf", boot: "multiboot", memoryMiB: 64, maxInstructions: 1000, stats: true, cmdline: "a b",
    });
    expect(parseArgs(["run", "k.elf", "--max-instructions", "0x10"])).toMatchObject({ maxInstructions: 16 });
  });

  it("answers --help at every level", () => {
    expect(parseArgs(["--help"])).toEqual({ command: "help" });
    expect(parseArgs(["run", "--help"])).toEqual({ command: "help" });
    expect(HELP).toMatch(/--max-instructions/);
    expect(HELP).toMatch(/\(v << 1\) \| 1/);
  });

  it("reports usage errors with status 2", () => {
    for (const argv of [[], ["frobnicate"], ["run"], ["run", "a", "b"], ["run", "a", "--mem", "1"], ["run", "a", "--mem", "x"], ["run", "a", "--bogus"], ["run", "a", "--max-instructions", "-5"], ["run", "a", "--boot", "coff"]]) {
      const r = parseArgs(argv);
      expect(r, JSON.stringify(argv)).toHaveProperty("status", EXIT_USAGE);
    }
  });

  it("says which boot kinds and options are not supported yet", () => {
    expect(parseArgs(["run", "a", "--boot", "flat"])).toEqual({ error: "not supported yet: --boot flat", status: EXIT_USAGE });
    expect(parseArgs(["run", "a", "--entry", "0x7c00"])).toMatchObject({ error: expect.stringMatching(/not supported yet: --entry/) });
    expect(parseArgs(["run", "a", "--initrd", "x"])).toMatchObject({ error: expect.stringMatching(/not supported yet: --initrd/) });
  });

  it("routes asm to its placeholder", () => {
    expect(parseArgs(["asm", "in.asm", "-o", "out.bin"])).toEqual({ command: "asm" });
  });
});
