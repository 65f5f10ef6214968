import { describe, expect, it } from "vitest";
import { decodeVcpuState as kernelDecode, encodeVcpuState as kernelEncode } from "../../zircon";
import { decodeVcpuState, encodeVcpuState, hexText, parseHexBytes, parseU32, parseU64, parseUnsigned, parseVcpuState, type VcpuState } from "./parse";
import { VCPU_STATE_FIELDS } from "./zx-constants";

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: string }): T | string => (r.ok ? r.value : `error: ${r.error}`);

describe("parseUnsigned", () => {
  it("reads decimal, hex and underscores", () => {
    expect(value(parseUnsigned("4096"))).toBe(4096n);
    expect(value(parseUnsigned("0x1000"))).toBe(4096n);
    expect(value(parseUnsigned(" 0XFEC0_0000 "))).toBe(0xfec00000n);
    expect(value(parseUnsigned("0x1b"))).toBe(0x1bn);
  });
  it("reads binary size suffixes", () => {
    expect(value(parseUnsigned("4K"))).toBe(4096n);
    expect(value(parseUnsigned("4KiB"))).toBe(4096n);
    expect(value(parseUnsigned("128M"))).toBe(128n << 20n);
    expect(value(parseUnsigned("2 GiB"))).toBe(2n << 30n);
    expect(value(parseUnsigned("0x10k"))).toBe(16n * 1024n);
  });
  it("refuses what is not a number, or too large", () => {
    expect(parseUnsigned("").ok).toBe(false);
    expect(parseUnsigned("-1").ok).toBe(false);
    expect(parseUnsigned("12q").ok).toBe(false);
    expect(parseUnsigned("0x").ok).toBe(false);
    expect(parseUnsigned("0x1_0000_0000_0000_0000").ok).toBe(false);
    expect(value(parseUnsigned("0xffff_ffff_ffff_ffff"))).toBe((1n << 64n) - 1n);
  });
});

describe("parseU32 / parseU64", () => {
  it("bounds u32", () => {
    expect(value(parseU32("0xffffffff"))).toBe(0xffffffff);
    expect(parseU32("0x100000000").ok).toBe(false);
  });
  it("gives numbers while exact, bigints beyond 2^53", () => {
    expect(value(parseU64("0x8000000"))).toBe(0x8000000);
    expect(value(parseU64("0xffffffffffffffff"))).toBe(0xffffffffffffffffn);
  });
});

describe("parseHexBytes", () => {
  it("accepts spaced, packed and 0x-prefixed bytes", () => {
    expect(value(parseHexBytes("90 90 f4"))).toEqual(new Uint8Array([0x90, 0x90, 0xf4]));
    expect(value(parseHexBytes("9090F4"))).toEqual(new Uint8Array([0x90, 0x90, 0xf4]));
    expect(value(parseHexBytes("0x90, 0x90,0xf4"))).toEqual(new Uint8Array([0x90, 0x90, 0xf4]));
  });
  it("refuses odd digits, non-hex and nothing", () => {
    expect(parseHexBytes("909").ok).toBe(false);
    expect(parseHexBytes("zz").ok).toBe(false);
    expect(parseHexBytes("  ").ok).toBe(false);
  });
});

describe("zx_vcpu_state_t codec", () => {
  const state = Object.fromEntries(VCPU_STATE_FIELDS.map((f, i) => [f, BigInt(i) * 0x0101010101n + (f === "rflags" ? 2n : 0n)])) as VcpuState;
  it("encodes as the kernel's codec does", () => {
    expect(encodeVcpuState(state)).toEqual(kernelEncode(state));
    expect(decodeVcpuState(kernelEncode(state))).toEqual(kernelDecode(kernelEncode(state)));
  });
  it("refuses a buffer of the wrong size", () => {
    expect(decodeVcpuState(new Uint8Array(8))).toBeNull();
  });
  it("parses the register form, naming the bad field", () => {
    const fields = Object.fromEntries(VCPU_STATE_FIELDS.map((f) => [f, hexText(state[f])])) as Record<(typeof VCPU_STATE_FIELDS)[number], string>;
    expect(value(parseVcpuState(fields))).toEqual(state);
    expect(value(parseVcpuState({ ...fields, rsp: "x" }))).toMatch(/^error: rsp: /);
  });
});
