import { describe, expect, it } from "vitest";
import { hexWidth, mergeAtWidth, nameAtWidth, parseValue, viewWidth, visibleGprs } from "./values";

describe("parseValue", () => {
  it("reads hex by default, with or without 0x, with _ separators", () => {
    expect(parseValue("1f").value).toBe(0x1fn);
    expect(parseValue(" 0x1F ").value).toBe(0x1fn);
    expect(parseValue("ffff_ffff_8000_0000").value).toBe(0xffff_ffff_8000_0000n);
    expect(parseValue("10").value).toBe(16n);
  });

  it("reads decimal with 0n, # or a sign; negative values wrap to the width", () => {
    expect(parseValue("0n10").value).toBe(10n);
    expect(parseValue("#255").value).toBe(255n);
    expect(parseValue("+7").value).toBe(7n);
    expect(parseValue("-1").value).toBe((1n << 64n) - 1n);
    expect(parseValue("-1", 32).value).toBe(0xffff_ffffn);
    expect(parseValue("-0n2", 16).value).toBe(0xfffen);
  });

  it("rejects what is not a number, or does not fit", () => {
    for (const text of ["", "  ", "0x", "xyz", "12g", "0n1f", "-", "1 2", "--1"]) {
      const r = parseValue(text);
      expect(r.value, text).toBeNull();
      expect(r.error, text).toMatch(/./);
    }
    expect(parseValue("1_0000_0000_0000_0000").error).toMatch(/does not fit in 64 bits/);
    expect(parseValue("1_0000_0000", 32).error).toMatch(/does not fit in 32 bits/);
    expect(parseValue("-0n2147483649", 32).error).toMatch(/does not fit/);
    expect(parseValue("-0n2147483648", 32).value).toBe(0x8000_0000n);
  });
});

describe("register widths", () => {
  it("shows 64 bits in 64-bit code or on request, else 32", () => {
    expect(viewWidth(64, false)).toBe(64);
    expect(viewWidth(32, false)).toBe(32);
    expect(viewWidth(16, false)).toBe(32);
    expect(viewWidth(16, true)).toBe(64);
    expect(viewWidth(null, false)).toBe(64);
  });

  it("names registers at a width and hides r8–r15 outside 64 bits", () => {
    expect(nameAtWidth("rax", 32)).toBe("eax");
    expect(nameAtWidth("r10", 32)).toBe("r10d");
    expect(nameAtWidth("rsp", 64)).toBe("rsp");
    expect(nameAtWidth("rip", 32)).toBe("eip");
    expect(visibleGprs(32)).toEqual(["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"]);
    expect(visibleGprs(64)).toHaveLength(16);
  });

  it("a 32-bit edit keeps bits 63:32", () => {
    expect(mergeAtWidth(0x1234_5678_9abc_def0n, 0x42n, 32)).toBe(0x1234_5678_0000_0042n);
    expect(mergeAtWidth(0x1234_5678_9abc_def0n, 0x42n, 64)).toBe(0x42n);
  });

  it("formats at the width, grouped by 32 bits", () => {
    expect(hexWidth(0x102000n, 64)).toBe("00000000_00102000");
    expect(hexWidth(0x102000n, 32)).toBe("00102000");
    expect(hexWidth(-1n, 32)).toBe("ffffffff");
  });
});
