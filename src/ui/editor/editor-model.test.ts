import { describe, expect, it } from "vitest";
import { assemble } from "../../asm";
import type { ArchDetail, MachineState } from "../../../workers/api";
import {
  breakpointLines, breakpointTarget, executionAddress, executionLine, formatLineBytes, lineBytes, markersFrom, remapBreakpoints, statusLine,
} from "./editor-model";

const FILE = "t.asm";
const asm = (source: string) => assemble(source, { fileName: FILE });

const PROGRAM = [
  "bits 16",          // 1
  "org 0x7c00",       // 2
  "start:",           // 3
  "    mov ax, 1",    // 4  0x7c00 (3 bytes)
  "    ; comment",    // 5
  "    inc ax",       // 6  0x7c03
  "    hlt",          // 7  0x7c04
].join("\n");

describe("markers and status", () => {
  it("turns errors and warnings into markers on their lines", () => {
    const r = asm("mov ax, 1\nfrobnicate eax\nmov al, 300\n");
    expect(markersFrom(r, FILE, 4)).toEqual([
      { line: 2, message: expect.stringMatching(/frobnicate/), severity: "error" },
      { line: 3, message: expect.any(String), severity: "warning" },
    ]);
    expect(statusLine(r)).toBe("1 error, 1 warning");
    expect(statusLine(asm("nop\n"))).toBe("assembled 1 byte");
    expect(statusLine(asm("zz eax\nyy ebx\n"))).toBe("2 errors");
  });

  it("puts problems of other files and of line 0 on a line that exists", () => {
    const r = { ...asm("nop"), errors: [{ file: "inc.asm", line: 7, message: "bad" }, { file: FILE, line: 0, message: "internal" }] };
    expect(markersFrom(r, FILE, 3).map((m) => [m.line, m.message])).toEqual([[1, "inc.asm:7: bad"], [1, "internal"]]);
  });
});

describe("breakpoints and lines", () => {
  const r = asm(PROGRAM);

  it("groups breakpoints by the line that holds them (inside an instruction too)", () => {
    expect(breakpointLines([0x7c00n, 0x7c04n, 0x7c01n, 0x9999n], r.lineMap, FILE)).toEqual(new Map([[4, [0x7c00n, 0x7c01n]], [7, [0x7c04n]]]));
    expect(breakpointLines([0x7c00n], r.lineMap, "other.asm").size).toBe(0);
  });

  it("puts a breakpoint on a label or comment line on the next line with code", () => {
    expect(breakpointTarget(r.lineMap, FILE, 4)).toEqual({ line: 4, addresses: [0x7c00n] });
    expect(breakpointTarget(r.lineMap, FILE, 3)).toEqual({ line: 4, addresses: [0x7c00n] });
    expect(breakpointTarget(r.lineMap, FILE, 5)).toEqual({ line: 6, addresses: [0x7c03n] });
    expect(breakpointTarget(r.lineMap, FILE, 8)).toBeNull();
  });

  it("moves breakpoints with their lines when code above them changes, keeping the others", () => {
    // Insert a 1-byte instruction at line 4: "inc ax" (was line 6 at 0x7c03) is now line 7 at 0x7c04.
    const edited = asm(PROGRAM.replace("start:\n", "start:\n    nop\n"));
    const moved = remapBreakpoints([0x7c03n, 0x100000n], [{ line: 7, addresses: [0x7c03n] }], edited.lineMap, FILE);
    expect(moved).toEqual([0x7c04n, 0x100000n]);
    // Nothing moved: null.
    expect(remapBreakpoints([0x7c03n], [{ line: 6, addresses: [0x7c03n] }], r.lineMap, FILE)).toBeNull();
    // A dot whose line has no code any more disappears.
    expect(remapBreakpoints([0x7c03n], [{ line: 5, addresses: [0x7c03n] }], r.lineMap, FILE)).toEqual([]);
  });
});

describe("hover bytes", () => {
  it("gives a line's address and bytes", () => {
    const r = asm(PROGRAM);
    const b = lineBytes(r, FILE, 4)!;
    expect(b.address).toBe(0x7c00);
    expect(formatLineBytes(b)).toBe("0x7c00: b8 01 00");
    expect(lineBytes(r, FILE, 3)).toBeNull();
    expect(lineBytes(null, FILE, 4)).toBeNull();
    expect(formatLineBytes({ address: 0, bytes: new Uint8Array(20) }, 4)).toBe("0x0: 00 00 00 00 … (20 bytes)");
  });

  it("joins what a macro invocation emitted", () => {
    const r = asm("%macro TWO 0\nnop\nhlt\n%endmacro\nTWO\n");
    expect(formatLineBytes(lineBytes(r, FILE, 5)!)).toBe("0x0: 90 f4");
  });
});

describe("the line being executed", () => {
  const detail = (rip: bigint, csBase: bigint, mode: ArchDetail["mode"]) =>
    ({ rip, mode, segments: { cs: { selector: 0, base: csBase, limit: 0xffff, accessRights: 0 } } }) as unknown as ArchDetail;
  const paused: MachineState = { kind: "paused", reason: "step" };

  it("is RIP plus CS.base outside 64-bit mode, only while stopped", () => {
    expect(executionAddress(paused, detail(0x7c03n, 0n, "real"))).toBe(0x7c03);
    expect(executionAddress(paused, detail(0x3n, 0x7c00n, "real"))).toBe(0x7c03);
    expect(executionAddress(paused, detail(0x100000n, 0x5000n, "long64"))).toBe(0x100000);
    expect(executionAddress({ kind: "running" }, detail(1n, 0n, "real"))).toBeNull();
    expect(executionAddress({ kind: "ready" }, detail(1n, 0n, "real"))).toBe(1);
    expect(executionAddress(paused, null)).toBeNull();
  });

  it("maps to a line of the file", () => {
    const r = asm(PROGRAM);
    expect(executionLine(r.lineMap, FILE, 0x7c03)).toBe(6);
    expect(executionLine(r.lineMap, "x.asm", 0x7c03)).toBeNull();
    expect(executionLine(r.lineMap, FILE, null)).toBeNull();
  });
});
