/**
 * The API others rely on: errors with file and line (oracle test 3), the listing and the line ↔
 * address map (oracle test 4, the addresses checked against NASM's own listing), and that nothing
 * a user can type makes assemble() throw.
 */
import { describe, expect, it } from "vitest";
import { nasm } from "../testing/nasm";
import { addressesOf, assemble, instructionNames, lineAt } from "./index";

const messages = (src: string, opts = {}) => assemble(src, opts).errors.map((e) => `${e.file}:${e.line}: ${e.message}`);

describe("errors carry the file and line", () => {
  it("reports unknown mnemonics, bad operands, undefined symbols, out-of-range values, in source order", () => {
    const src = ["bits 32", "frob eax, 1", "mov eax, bl", "jmp nowhere", "loop there", "times 200 nop", "there: inc [ebx]", "jmp short there", "mov eax, [ebx+ecx+edx]"].join("\n");
    expect(messages(src)).toEqual([
      "input.asm:2: unknown instruction `frob'",
      "input.asm:3: invalid combination of opcode and operands",
      "input.asm:4: symbol `nowhere' not defined",
      "input.asm:5: short jump is out of range",
      "input.asm:7: operation size not specified",
      "input.asm:9: invalid effective address: too many registers",
    ]);
  });
  it("fails with ok = false and no bytes, but keeps the listing of the good lines", () => {
    const r = assemble("mov ax, 1\nbogus\nmov bx, 2 3");
    expect(r.ok).toBe(false);
    expect(r.bytes.length).toBe(0);
    expect(r.errors.map((e) => e.line)).toEqual([3]);
    expect(r.warnings.map((e) => e.line)).toEqual([2]); // "bogus": a label without a colon, as NASM warns
    expect(Array.from(r.listing[0].bytes)).toEqual([0xb8, 1, 0]);
  });
  it("warns (as NASM does) for values that do not fit, and still emits NASM's bytes", () => {
    const r = assemble("db 300\ndw -40000\nmov al, 0x1ff");
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.line)).toEqual([1, 2, 3]);
    expect(Buffer.from(r.bytes).equals(Buffer.from(nasm("db 300\ndw -40000\nmov al, 0x1ff")))).toBe(true);
  });
  it("names the included file for errors inside it, and the calling line for errors inside a macro", () => {
    const files: Record<string, string> = { "lib.inc": "nop\nmov eax, bl\n" };
    const src = "%include \"lib.inc\"\n%macro BAD 0\nnop\nadd al, ebx\n%endmacro\nnop\nBAD\n%include \"missing.inc\"";
    expect(messages(src, { include: (p: string) => files[p] ?? null, fileName: "main.asm" })).toEqual([
      "lib.inc:2: invalid combination of opcode and operands",
      "main.asm:7: invalid combination of opcode and operands",
      "main.asm:8: unable to open include file `missing.inc'",
    ]);
  });
  it("reports preprocessor mistakes: unterminated %if and %macro, %error, bad %rep counts", () => {
    expect(messages("%if 1\nnop")).toEqual(["input.asm:2: %if has no %endif before the end of the file"]);
    expect(messages("%macro M 0\nnop")).toEqual(["input.asm:2: %macro M has no %endmacro"]);
    expect(messages('nop\n%error "stop here"')).toEqual(["input.asm:2: stop here"]);
    expect(messages("%rep 99999999\nnop\n%endrep")).toEqual(["input.asm:1: %rep count 99999999 is too large (at most 1000000)"]);
    expect(messages("%endif")).toEqual(["input.asm:1: %endif without %if"]);
  });
  it("never throws, whatever the input", () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    const pieces = ["mov", "eax", ",", "[", "]", "+", "*", "%macro", "%endmacro", "%if", "%endif", "%rep", "%define", "(", ")", "db", '"', "`\\", ":", "$", "$$", "times", "-", "0x", "1e400", "1.5", "st0", "label", "\n", "%%", "%1", "%[", "section", "org", "bits 64", "far", "?", "&&", "<=>", "{", "}", "\\\n"];
    for (let i = 0; i < 300; i++) {
      let s = "";
      const n = 1 + Math.floor(rand() * 30);
      for (let k = 0; k < n; k++) s += pieces[Math.floor(rand() * pieces.length)] + (rand() < 0.5 ? " " : "");
      const r = assemble(s);
      expect(Array.isArray(r.errors)).toBe(true);
      expect(r.errors.every((e) => !/internal/.test(e.message)), `${JSON.stringify(s)}: ${JSON.stringify(r.errors)}`).toBe(true);
    }
  });
  it("stops endless macro recursion and %rep with a message", () => {
    expect(messages("%macro R 0\nR\n%endmacro\nR")[0]).toMatch(/nests too deeply/);
    expect(messages("%define A A+1\ndd A").length).toBe(1); // NASM leaves the inner A alone: "symbol `A' not defined"
  });
});

describe("listing and line map", () => {
  const src = [
    "bits 32", //             1
    "org 0x7c00", //          2
    "%macro TWICE 1", //      3
    "  %1", //                4
    "  %1", //                5
    "%endmacro", //           6
    "start:", //              7
    "  mov eax, 1", //        8
    "  TWICE inc eax", //     9
    "  jmp start", //         10
    "msg: db 'hi', 0", //     11
    "%include 'more.inc'", // 12
  ].join("\n");
  const r = assemble(src, { fileName: "prog.asm", include: (p) => (p === "more.inc" ? "  nop\n  ret\n" : null) });

  it("gives every line its address and bytes, as NASM's listing does", () => {
    expect(r.errors).toEqual([]);
    const emitting = r.listing.filter((l) => l.bytes.length).map((l) => [l.file, l.line, l.address, Buffer.from(l.bytes).toString("hex"), l.depth]);
    expect(emitting).toEqual([
      ["prog.asm", 8, 0x7c00, "b801000000", 0],
      ["prog.asm", 9, 0x7c05, "40", 1],
      ["prog.asm", 9, 0x7c06, "40", 1],
      ["prog.asm", 10, 0x7c07, "ebf7", 0],
      ["prog.asm", 11, 0x7c09, "686900", 0],
      ["more.inc", 1, 0x7c0c, "90", 0],
      ["more.inc", 2, 0x7c0d, "c3", 0],
    ]);
    const all = r.listing.map((l) => l.bytes.length);
    expect(Buffer.concat(r.listing.map((l) => Buffer.from(l.bytes))).equals(Buffer.from(r.bytes))).toBe(true);
    expect(all.length).toBeGreaterThan(7);
    expect(Buffer.from(r.bytes).equals(Buffer.from(nasm(src.replace("%include 'more.inc'", "  nop\n  ret"))))).toBe(true);
  });
  it("maps addresses to lines and lines to addresses (macro code to the line that called it)", () => {
    expect(lineAt(r.lineMap, 0x7c00)).toMatchObject({ file: "prog.asm", line: 8 });
    expect(lineAt(r.lineMap, 0x7c04)).toMatchObject({ line: 8 });
    expect(lineAt(r.lineMap, 0x7c06)).toMatchObject({ line: 9 });
    expect(lineAt(r.lineMap, 0x7c0d)).toMatchObject({ file: "more.inc", line: 2 });
    expect(lineAt(r.lineMap, 0x7c0e)).toBeNull();
    expect(lineAt(r.lineMap, 0x7bff)).toBeNull();
    expect(addressesOf(r.lineMap, "prog.asm", 9)).toEqual([0x7c05, 0x7c06]);
    expect(addressesOf(r.lineMap, "prog.asm", 7)).toEqual([]);
    expect(r.symbols.get("start")).toBe(0x7c00);
    expect(r.symbols.get("msg")).toBe(0x7c09);
  });
});

describe("instructionNames", () => {
  it("lists every mnemonic the assembler takes, aliases included, and each one assembles in some form", () => {
    const names = instructionNames();
    expect(names.length).toBeGreaterThan(500);
    for (const n of ["mov", "jz", "sal", "pushfd", "fxsave64", "movdqa", "pshufb"]) expect(names).toContain(n);
    // Each name is known to the assembler: an error, if any, is about operands or mode, never "unknown".
    for (const n of names) {
      for (const e of assemble(`bits 64\n${n}`).errors) expect(e.message, n).not.toMatch(/unknown instruction/);
    }
  });
});
