import { describe, expect, it } from "vitest";
import { buildZxNames, formatHandle, formatSyscall, formatValue } from "./format";

// A namespace shaped like src/zircon's exports (values from zircon-hypervisor.md §2).
const ns = {
  ZX_OK: 0,
  ZX_ERR_INVALID_ARGS: -10,
  ZX_ERR_CANCELED: -23,
  ZX_OBJ_TYPE_VMO: 3,
  ZX_OBJ_TYPE_RESOURCE: 15,
  ZX_OBJ_TYPE_GUEST: 20,
  ZX_OBJ_TYPE_VCPU: 21,
  ZX_RIGHT_NONE: 0,
  ZX_RIGHT_DUPLICATE: 0x1,
  ZX_RIGHT_TRANSFER: 0x2,
  ZX_RIGHT_WRITE: 0x8,
  ZX_RIGHT_INSPECT: 0x8000,
  ZX_RIGHT_MANAGE_PROCESS: 0x20000,
  ZX_RIGHT_SAME_RIGHTS: 0x80000000,
  ZX_RIGHTS_BASIC: 0xc003,
  createKernel: () => null,
};

describe("buildZxNames", () => {
  const names = buildZxNames(ns);
  it("names object types and statuses from the kernel's constants", () => {
    expect(names.objType(20)).toBe("ZX_OBJ_TYPE_GUEST");
    expect(names.objType(99)).toBe("ZX_OBJ_TYPE 99");
    expect(names.status(-23)).toBe("ZX_ERR_CANCELED");
    expect(names.status(0)).toBe("ZX_OK");
  });
  it("splits rights into single-bit names, ignoring groups and SAME_RIGHTS", () => {
    // ZX_DEFAULT_GUEST_RIGHTS (E2) = 0x2800B.
    expect(names.rights(0x2800b)).toEqual([
      "ZX_RIGHT_DUPLICATE", "ZX_RIGHT_TRANSFER", "ZX_RIGHT_WRITE", "ZX_RIGHT_INSPECT", "ZX_RIGHT_MANAGE_PROCESS",
    ]);
    expect(names.rights(0x8 | 0x100)).toEqual(["ZX_RIGHT_WRITE", "0x100"]);
  });
  it("prefers the kernel's statusName when given", () => {
    expect(buildZxNames(ns, (s) => `S${s}`).status(-10)).toBe("S-10");
  });
});

describe("formatValue", () => {
  it("prints small numbers in decimal and large ones (handles, addresses) in hex", () => {
    expect(formatValue(2)).toBe("2");
    expect(formatValue(0x1b3)).toBe("0x1b3");
    expect(formatValue(0xfff000n)).toBe("0xfff000");
    expect(formatValue(new Uint8Array(136))).toBe("u8[136]");
    expect(formatValue({ a: 1, b: { c: 2n } })).toBe("{a=1, b={c=2}}");
    // Ports, addresses and keys in hex even when small.
    expect(formatValue({ port: 0xe9, access_size: 1, key: 1n })).toBe("{port=0xe9, access_size=1, key=0x1}");
  });
});

describe("formatSyscall", () => {
  const names = buildZxNames(ns);
  it("separates the status from out-parameters", () => {
    const e = formatSyscall(
      { thread: 1030n, name: "zx_guest_create", args: [0x1234567, 0], result: { status: 0, guest_handle: 0x2a3, vmar_handle: 0x2b7 } },
      7, names,
    );
    expect(e).toEqual({
      seq: 7, thread: "1030", name: "zx_guest_create", args: "0x1234567, 0",
      status: 0, statusName: "ZX_OK", detail: "guest_handle=0x2a3 vmar_handle=0x2b7",
    });
  });
  it("keeps long results to one line", () => {
    const state = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${i}`, BigInt(i) << 40n]));
    const e = formatSyscall({ thread: 1, name: "hvplay_vcpu_read_arch_state", args: [0x3], result: { status: 0, state } }, 0, names);
    expect(e.detail.length).toBe(160);
    expect(e.detail.endsWith("…")).toBe(true);
  });

  it("accepts a bare status and a void result", () => {
    expect(formatSyscall({ thread: 1, name: "zx_vcpu_kick", args: [0x333], result: -23 }, 0, names).statusName).toBe("ZX_ERR_CANCELED");
    const v = formatSyscall({ thread: 1, name: "x", args: [], result: undefined }, 0, names);
    expect(v.status).toBeNull();
    expect(v.detail).toBe("");
  });
});

describe("formatHandle", () => {
  it("resolves type and rights names and widens the koid", () => {
    const row = formatHandle({ handle: 0x2a3, type: 20, koid: 1031, rights: 0x2800b }, buildZxNames(ns));
    expect(row.typeName).toBe("ZX_OBJ_TYPE_GUEST");
    expect(row.koid).toBe(1031n);
    expect(row.rightsNames).toContain("ZX_RIGHT_MANAGE_PROCESS");
  });
});
