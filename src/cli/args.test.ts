import { describe, expect, it } from "vitest";
import { ASM_HELP, EXIT_USAGE, HELP, parseArgs, parseModuleList, parseTrap } from "./args";

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

  it("parses --clock", () => {
    expect(parseArgs(["run", "k", "--clock", "realtime"])).toMatchObject({ clock: "realtime" });
    expect(parseArgs(["run", "k", "--clock", "wall"])).toMatchObject({ status: EXIT_USAGE });
  });

  it("parses the flat and elf boot kinds with their options", () => {
    expect(parseArgs(["run", "boot.bin", "--boot", "flat", "--mode", "real", "--load", "0x7c00", "--entry", "31744"])).toEqual({
      command: "run", image: "boot.bin", boot: "flat", mode: "real", load: 0x7c00, entry: 0x7c00, stats: false,
    });
    expect(parseArgs(["run", "k64.elf", "--boot", "elf"])).toMatchObject({ boot: "elf" });
    expect(parseArgs(["run", "a", "--boot", "flat", "--mode", "v86"])).toMatchObject({ error: expect.stringMatching(/--mode must be real, protected or long/) });
    expect(parseArgs(["run", "a", "--boot", "flat", "--load", "-1"])).toMatchObject({ status: EXIT_USAGE });
  });

  it("refuses options that belong to another boot kind; parses the linux options", () => {
    expect(parseArgs(["run", "a", "--entry", "0x7c00"])).toMatchObject({ error: expect.stringMatching(/--entry belongs to --boot flat/) });
    expect(parseArgs(["run", "a", "--boot", "elf", "--cmdline", "x"])).toMatchObject({ error: expect.stringMatching(/--cmdline belongs to --boot multiboot or linux/) });
    expect(parseArgs(["run", "a", "--boot", "flat", "--initrd", "x"])).toMatchObject({ error: expect.stringMatching(/--initrd belongs to --boot linux or multiboot/) });
    expect(parseModuleList("a.mod x y,b.mod,,c")).toEqual([{ file: "a.mod", string: "a.mod x y" }, { file: "b.mod,c", string: "b.mod,c" }]);
    expect(parseArgs(["run", "bz", "--boot", "linux", "--initrd", "i.cpio", "--cmdline", "console=ttyS0"])).toMatchObject({ boot: "linux", initrd: "i.cpio", cmdline: "console=ttyS0" });
  });

  it("parses --trap KIND:ADDR:SIZE:KEY, repeatable, and refuses IO traps and malformed ones", () => {
    expect(parseArgs(["run", "k.elf", "--trap", "mem:0xd0000000:0x1000:7", "--trap", "bell:3489665024:4096:0xffffffffffffffff"])).toMatchObject({
      traps: [
        { kind: "mem", addr: 0xd0000000, size: 0x1000, key: 7n },
        { kind: "bell", addr: 0xd0001000, size: 0x1000, key: 0xffff_ffff_ffff_ffffn },
      ],
    });
    expect(parseTrap("io:0x80:1:1")).toMatch(/the VMM traps every I\/O port itself/);
    expect(parseTrap("mem:0x1000:0x1000")).toMatch(/must be KIND:ADDR:SIZE:KEY/);
    expect(parseTrap("msr:0x1000:0x1000:1")).toMatch(/KIND must be mem or bell/);
    expect(parseTrap("mem:0x1000:0:1")).toMatch(/--trap SIZE must be a whole number from 1/);
    expect(parseTrap("mem:0x1000:0x1000:0x10000000000000000")).toMatch(/KEY must be a 64-bit unsigned number/);
    expect(parseArgs(["run", "k.elf", "--trap"])).toMatchObject({ status: EXIT_USAGE, error: expect.stringMatching(/--trap needs/) });
    // Alignment is the kernel's to judge (ZX_ERR_INVALID_ARGS at run time, cli.test.ts).
    expect(parseTrap("mem:0x800:0x1000:1")).toMatchObject({ addr: 0x800 });
    expect(HELP).toMatch(/--trap KIND:ADDR:SIZE:KEY/);
  });

  it("parses hvplay asm: -o, -I (repeatable, also -IDIR), -l, --bits, a default output name", () => {
    expect(parseArgs(["asm", "in.asm", "-o", "out.bin"])).toEqual({ command: "asm", input: "in.asm", output: "out.bin", includeDirs: [] });
    expect(parseArgs(["asm", "dir/k.s.asm", "-I", "inc", "-Iother/", "-l", "k.lst", "--bits", "32"])).toEqual({
      command: "asm", input: "dir/k.s.asm", output: "dir/k.s.bin", includeDirs: ["inc", "other/"], listing: "k.lst", bits: 32,
    });
    expect(parseArgs(["asm", "noext"])).toMatchObject({ output: "noext.bin" });
    expect(parseArgs(["asm", "--help"])).toEqual({ command: "asm-help" });
    expect(ASM_HELP).toMatch(/-I DIR/);
    expect(HELP).toMatch(/hvplay asm IN\.asm -o OUT\.bin/);
    for (const argv of [["asm"], ["asm", "a.asm", "b.asm"], ["asm", "a.asm", "-o"], ["asm", "a.asm", "--bits", "8"], ["asm", "a.asm", "--frob"]]) {
      expect(parseArgs(argv), JSON.stringify(argv)).toHaveProperty("status", EXIT_USAGE);
    }
  });
});
