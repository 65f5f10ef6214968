import { describe, expect, it } from "vitest";
import { EMPTY_TRAP_FORM, guestHasTrap, parseTrapForm, sameTrap, trapLabel } from "./user-traps";

describe("the Add trap form", () => {
  it("reads hex, decimal and sizes with a suffix", () => {
    expect(parseTrapForm({ kind: "bell", addr: "0xd0000000", size: "8K", key: "0xffffffffffffffff" })).toEqual({
      ok: true,
      value: { kind: "bell", addr: 0xd0000000, size: 0x2000, key: 0xffff_ffff_ffff_ffffn },
    });
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, addr: "4096" })).toEqual({ ok: true, value: { kind: "mem", addr: 4096, size: 4096, key: 1n } });
  });

  it("names the field at fault; leaves alignment and overlap to the kernel", () => {
    expect(parseTrapForm(EMPTY_TRAP_FORM)).toEqual({ ok: false, error: "Address: required" });
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, addr: "0x1000000000000" })).toEqual({ ok: false, error: "Address: too large (at most 0xffffffffffff)" });
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, addr: "0x1000", size: "big" })).toMatchObject({ ok: false, error: expect.stringMatching(/^Size: not a number/) });
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, addr: "0x1000", key: "-1" })).toMatchObject({ ok: false, error: expect.stringMatching(/^Key: not a number/) });
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, kind: "io" as never, addr: "0x80" })).toEqual({ ok: false, error: "Kind: MEM or BELL" });
    // Unaligned: the kernel says ZX_ERR_INVALID_ARGS, by name.
    expect(parseTrapForm({ ...EMPTY_TRAP_FORM, addr: "0x800" }).ok).toBe(true);
  });

  it("labels a trap and finds it on the guest", () => {
    const trap = { kind: "mem" as const, addr: 0xd0000000, size: 0x1000, key: 7n };
    expect(trapLabel(trap)).toBe("MEM 0xd0000000, 4 KiB, key 7");
    expect(guestHasTrap([{ kind: "mem", addr: 0xd0000000, len: 0x1000, key: 7n, portKoid: null }], trap)).toBe(true);
    expect(guestHasTrap([{ kind: "mem", addr: 0xd0000000, len: 0x1000, key: 8n, portKoid: null }], trap)).toBe(false);
    expect(sameTrap(trap, { ...trap })).toBe(true);
    expect(sameTrap(trap, { ...trap, kind: "bell" })).toBe(false);
  });
});
