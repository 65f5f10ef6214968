import { describe, expect, it } from "vitest";
import type { RegisterSnapshot } from "../../../workers/api";
import { UNREADABLE, addressRegisters, asciiColumn, changedBytes, formatRowAddress, hexCells, parseAddressExpr, readRow, snapshotRows, typeHexDigit } from "./hexview";

const regs = new Map<string, bigint>([["rsp", 0x8ff0n], ["rbp", 0x9000n], ["cr2", 0x400000n]]);

describe("parseAddressExpr", () => {
  it("reads numbers as values.ts does", () => {
    expect(parseAddressExpr("b8000", regs).value).toBe(0xb8000n);
    expect(parseAddressExpr("0x100000", regs).value).toBe(0x100000n);
    expect(parseAddressExpr("0n4096", regs).value).toBe(4096n);
  });

  it("reads register names, sums and differences", () => {
    expect(parseAddressExpr("rsp", regs).value).toBe(0x8ff0n);
    expect(parseAddressExpr(" RSP + 10 ", regs).value).toBe(0x9000n);
    expect(parseAddressExpr("rbp-0n8", regs).value).toBe(0x8ff8n);
    expect(parseAddressExpr("cr2 - rbp + 1", regs).value).toBe(0x3f7001n);
    expect(parseAddressExpr("0-1", regs).value).toBe((1n << 64n) - 1n);
  });

  it("says what is wrong", () => {
    expect(parseAddressExpr("", regs).error).toMatch(/type an address/);
    expect(parseAddressExpr("rzz", regs).error).toBe('unknown register "rzz"');
    expect(parseAddressExpr("rsp+", regs).error).toMatch(/empty term/);
    expect(parseAddressExpr("12g", regs).error).toMatch(/not a hex number/);
  });
});

describe("addressRegisters", () => {
  it("knows general registers, their 32-bit names, RIP and CR2/CR3", () => {
    const general = { rax: 0x1_0000_0002n, rcx: 0n, rdx: 0n, rbx: 0n, rsp: 0x8000n, rbp: 0n, rsi: 0n, rdi: 0n, r8: 5n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, rflags: 2n };
    const snapshot = { general, arch: null, detail: { rip: 0x10_0000n, cr2: 7n, cr3: 0x1000n }, instructions: 0 } as unknown as RegisterSnapshot;
    const m = addressRegisters(snapshot);
    expect(m.get("rax")).toBe(0x1_0000_0002n);
    expect(m.get("eax")).toBe(2n);
    expect(m.get("r8d")).toBe(5n);
    expect(m.get("rip")).toBe(0x10_0000n);
    expect(m.get("eip")).toBe(0x10_0000n);
    expect(m.get("cr3")).toBe(0x1000n);
    expect(m.has("erflags")).toBe(false);
    expect(addressRegisters(null).size).toBe(0);
  });
});

describe("hex rows", () => {
  const ram = new Uint8Array(40).map((_, i) => (i === 3 ? 0x41 : i));
  const byteAt = (a: bigint) => (a < BigInt(ram.length) ? ram[Number(a)] : null);

  it("reads a row, with unreadable bytes past the end", () => {
    const row = readRow(byteAt, 32n);
    expect(row.slice(0, 8)).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
    expect(row.slice(8)).toEqual(new Array(8).fill(UNREADABLE));
    expect(hexCells(row).slice(6, 10)).toEqual(["26", "27", "??", "??"]);
    expect(asciiColumn(row)).toBe(' !"#$%&\'        ');
  });

  it("shows printable ASCII and dots", () => {
    expect(asciiColumn(readRow(byteAt, 0n))).toBe("...A............");
  });

  it("formats row addresses below and above 4 GiB", () => {
    expect(formatRowAddress(0xb8000n)).toBe("000b8000");
    expect(formatRowAddress(0xffff_8000_0000_1000n)).toBe("ffff8000_00001000");
  });

  it("marks the bytes that differ from a snapshot", () => {
    const snap = snapshotRows(byteAt, 0n, 2);
    expect(snap.size).toBe(2);
    ram[17] = 0xff;
    const row = readRow(byteAt, 16n);
    expect(changedBytes(row, snap.get(16n))).toEqual(row.map((_, i) => i === 1));
    expect(changedBytes(row, undefined).some(Boolean)).toBe(false);
  });

  it("takes a byte as two hex digits", () => {
    expect(typeHexDigit("", "A")).toEqual({ pending: "a", byte: null });
    expect(typeHexDigit("a", "5")).toEqual({ pending: "", byte: 0xa5 });
    expect(typeHexDigit("a", "x")).toEqual({ pending: "a", byte: null });
  });
});
