import { describe, expect, it } from "vitest";
import { formatMips, hex32, hex64, hexDump, parseAddress, rflagsNames, shortName } from "./format";
import { describeState } from "./Toolbar";

describe("register formatting", () => {
  it("prints 64-bit values as two 8-digit halves, two's complement for negatives", () => {
    expect(hex64(0x102000n)).toBe("00000000_00102000");
    expect(hex64(-1n)).toBe("ffffffff_ffffffff");
  });
  it("prints handles as 8 hex digits", () => {
    expect(hex32(0x1b3)).toBe("0x000001b3");
    expect(hex32(-1)).toBe("0xffffffff");
  });
  it("names the set RFLAGS bits (Intel SDM Vol. 1 §3.4.3)", () => {
    expect(rflagsNames(0x2n)).toBe("");
    expect(rflagsNames(0x246n)).toBe("PF ZF IF");
    expect(rflagsNames(0x3002n)).toBe("IOPL=3");
  });
});

describe("misc formatting", () => {
  it("computes MIPS from instructions and milliseconds", () => {
    expect(formatMips(50_000_000, 1000)).toBe("50.0 MIPS");
    expect(formatMips(500_000, 1000)).toBe("500 KIPS");
    expect(formatMips(0, 0)).toBe("—");
  });
  it("shortens Zircon names", () => {
    expect(shortName("ZX_OBJ_TYPE_GUEST", "ZX_OBJ_TYPE_")).toBe("GUEST");
    expect(shortName("odd", "ZX_")).toBe("odd");
  });
  it("describes machine states for the indicator", () => {
    expect(describeState({ kind: "exited", exitStatus: 3 })).toBe("exited, status 3 (0x3)");
    expect(describeState({ kind: "paused", reason: "step" })).toBe("paused (step)");
    expect(describeState({ kind: "error", message: "x", status: -2, statusName: "ZX_ERR_NOT_SUPPORTED" })).toBe("error ZX_ERR_NOT_SUPPORTED");
  });
});

import { initialGuest } from "./guests";

describe("initialGuest", () => {
  it("takes ?guest= when it is a plain .elf file name, else the default", () => {
    expect(initialGuest("?guest=echo.elf")).toBe("echo.elf");
    expect(initialGuest("")).toBe("monitor.elf");
    expect(initialGuest("?guest=../x.elf")).toBe("monitor.elf");
    expect(initialGuest("?guest=https://evil/x.elf")).toBe("monitor.elf");
  });
});

describe("hexDump", () => {
  it("dumps 16-byte rows from an aligned address with printable ASCII", () => {
    const ram = new Uint8Array(40);
    ram.set([0x7f, 0x45, 0x4c, 0x46], 16);
    const rows = hexDump(ram, 20, 2);
    expect(rows[0].address).toBe(16);
    expect(rows[0].bytes.slice(0, 5)).toEqual(["7f", "45", "4c", "46", "00"]);
    expect(rows[0].ascii.slice(0, 5)).toBe(".ELF.");
    // The second row runs past the end of RAM.
    expect(rows[1].bytes.slice(7, 9)).toEqual(["00", ""]);
    expect(rows[1].ascii.length).toBe(16);
  });
  it("parses hex addresses", () => {
    expect(parseAddress("0x100000")).toBe(0x100000);
    expect(parseAddress("10_0000")).toBe(0x100000);
    expect(parseAddress("zz")).toBeNull();
    expect(parseAddress("")).toBeNull();
  });
});
