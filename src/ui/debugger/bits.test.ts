import { describe, expect, it } from "vitest";
import { CR0_BITS, CR4_BITS, EFER_BITS, RFLAGS_BITS, decodeAccessRights, describeMode, iopl, setBitNames, toggleBit, withIopl } from "./bits";

describe("flags", () => {
  it("names the set RFLAGS bits and reads IOPL", () => {
    expect(setBitNames(0x246n, RFLAGS_BITS)).toEqual(["PF", "ZF", "IF"]);
    expect(setBitNames(0x3f_4fd5n, RFLAGS_BITS)).toEqual(RFLAGS_BITS.map((b) => b.name));
    expect(iopl(0x3202n)).toBe(3);
    expect(iopl(0x1202n)).toBe(1);
  });

  it("toggles one bit and keeps bit 1; sets IOPL", () => {
    expect(toggleBit(0x202n, 0)).toBe(0x203n);
    expect(toggleBit(0x203n, 0)).toBe(0x202n);
    expect(toggleBit(0x0n, 6)).toBe(0x42n);
    expect(withIopl(0x3246n, 1)).toBe(0x1246n);
  });

  it("decodes CR0, CR4 and EFER", () => {
    expect(setBitNames(0x8001_0011n, CR0_BITS)).toEqual(["PE", "ET", "WP", "PG"]);
    expect(setBitNames(0x0030_06b0n, CR4_BITS)).toEqual(["PSE", "PAE", "PGE", "OSFXSR", "OSXMMEXCPT", "SMEP", "SMAP"]);
    expect(setBitNames(0xd01n, EFER_BITS)).toEqual(["SCE", "LME", "LMA", "NXE"]);
  });
});

describe("access rights (VMCS format)", () => {
  it("decodes a flat 32-bit code segment", () => {
    expect(decodeAccessRights(0xc09b)).toEqual({
      type: 0xb, codeData: true, dpl: 0, present: true, avl: false, long: false, defaultBig: true,
      granularity: true, unusable: false, typeText: "code, execute/read, accessed",
    });
  });

  it("decodes 64-bit code, user data, expand-down, conforming, and unusable", () => {
    expect(decodeAccessRights(0xa09b)).toMatchObject({ long: true, defaultBig: false, granularity: true });
    expect(decodeAccessRights(0xc0f3)).toMatchObject({ dpl: 3, typeText: "data, read/write, accessed" });
    expect(decodeAccessRights(0x97).typeText).toBe("data, read/write, expand-down, accessed");
    expect(decodeAccessRights(0x9e).typeText).toBe("code, execute/read, conforming");
    expect(decodeAccessRights(0x98).typeText).toBe("code, execute-only");
    expect(decodeAccessRights(0x90).typeText).toBe("data, read-only");
    expect(decodeAccessRights(0x1_0000)).toMatchObject({ unusable: true, present: false });
  });

  it("names system descriptors for legacy and IA-32e modes", () => {
    expect(decodeAccessRights(0x8b).typeText).toBe("32-bit TSS (busy)");
    expect(decodeAccessRights(0x8b, true).typeText).toBe("64-bit TSS (busy)");
    expect(decodeAccessRights(0x82).typeText).toBe("LDT");
    expect(decodeAccessRights(0x83).typeText).toBe("16-bit TSS (busy)");
  });

  it("describes the CPU mode", () => {
    expect(describeMode("long64")).toBe("long mode, 64-bit code");
    expect(describeMode("real")).toBe("real mode, 16-bit code");
    expect(describeMode("protected32")).toBe("protected mode, 32-bit code");
  });
});
