import { describe, expect, it } from "vitest";
import { describeResult } from "./result";

describe("describeResult", () => {
  it("reads a bare status", () => {
    const o = describeResult({ result: -11, error: null });
    expect([o.status, o.statusName, o.outs]).toEqual([-11, "ZX_ERR_BAD_HANDLE", []]);
  });
  it("formats out-parameters: handles as 8 hex digits, bigints in hex", () => {
    const o = describeResult({ result: { status: 0, guest_handle: 0x3a1b2c07, vmar_handle: 0x123 }, error: null });
    expect(o.statusName).toBe("ZX_OK");
    expect(o.outs).toEqual([["guest_handle", "0x3a1b2c07"], ["vmar_handle", "0x00000123"]]);
    expect(describeResult({ result: { status: 0, mapped_addr: 0x1000n }, error: null }).outs).toEqual([["mapped_addr", "0x1000"]]);
    expect(describeResult({ result: { status: 0, actual: 1, avail: 1 }, error: null }).outs).toEqual([["actual", "1"], ["avail", "1"]]);
  });
  it("passes on an error, and buffers when the worker returns them", () => {
    expect(describeResult({ result: null, error: "no machine" })).toMatchObject({ status: null, error: "no machine" });
    const buffers = [new Uint8Array(136)];
    expect(describeResult({ result: 0, error: null, buffers } as never).buffers).toBe(buffers);
  });
});
