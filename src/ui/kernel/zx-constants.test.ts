import { describe, expect, it } from "vitest";
// Tests may import the kernel; the page copy must agree with it value for value.
import * as zircon from "../../zircon";
import * as page from "./zx-constants";
import { RIGHT_BITS, statusName, zxNames } from "./names";

describe("zx-constants (page copy of Zircon's constants)", () => {
  const kernel = zircon as unknown as Record<string, unknown>;

  it("every constant has the kernel's value", () => {
    const mismatches: string[] = [];
    for (const [name, value] of Object.entries(page)) {
      if (!(name in kernel)) {
        mismatches.push(`${name}: not exported by src/zircon`);
        continue;
      }
      const k = kernel[name];
      const same = Array.isArray(value) ? JSON.stringify(value) === JSON.stringify(k) : k === value;
      if (!same) mismatches.push(`${name}: page ${String(value)} vs kernel ${String(k)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("covers every status and every single-bit right the kernel defines", () => {
    for (const [name, value] of Object.entries(kernel)) {
      if (typeof value !== "number") continue;
      if (name === "ZX_OK" || (name.startsWith("ZX_ERR_") && !name.startsWith("ZX_ERR_INTERNAL_INTR"))) expect(page, name).toHaveProperty(name, value);
      if (name.startsWith("ZX_RIGHT_")) expect(page, name).toHaveProperty(name, value);
    }
  });

  it("names statuses, rights and object types as the kernel does", () => {
    for (const s of [0, -1, -10, -11, -12, -20, -23, -30]) expect(statusName(s)).toBe(zircon.statusName(s));
    expect(zxNames.objType(page.ZX_OBJ_TYPE_GUEST)).toBe("ZX_OBJ_TYPE_GUEST");
    expect(zxNames.rights(zircon.ZX_DEFAULT_VCPU_RIGHTS)).toEqual(zircon.rightsNames(zircon.ZX_DEFAULT_VCPU_RIGHTS).map((n) => `ZX_RIGHT_${n}`));
    expect(RIGHT_BITS).toHaveLength(20);
    expect(RIGHT_BITS[0]).toEqual({ bit: 1, name: "ZX_RIGHT_DUPLICATE" });
  });

  it("zx_vcpu_state_t has the kernel's layout", () => {
    expect(page.VCPU_STATE_FIELDS).toEqual(zircon.VCPU_STATE_FIELDS);
    expect(page.ZX_VCPU_STATE_SIZE).toBe(zircon.ZX_VCPU_STATE_SIZE);
    expect(page.ZX_INFO_HANDLE_BASIC_SIZE).toBe(zircon.ZX_INFO_HANDLE_BASIC_SIZE);
  });
});
