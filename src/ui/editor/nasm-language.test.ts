/**
 * The NASM Monarch definition run through Monaco's own Monarch compiler and lexer (plain modules
 * that need no DOM), so the token classes checked here are the ones the editor shows.
 */
import { describe, expect, it } from "vitest";
// @ts-expect-error Monaco's internal modules have no type declarations.
import { compile } from "monaco-editor/editor/standalone/common/monarch/monarchCompile.js";
// @ts-expect-error Monaco's internal modules have no type declarations.
import { MonarchTokenizer } from "monaco-editor/editor/standalone/common/monarch/monarchLexer.js";
import { instructionNames } from "../../asm";
import { buildTheme, FALLBACK_DARK, mix, nasmConfiguration, nasmMonarch, NUMBER_PATTERNS, parseCssColor, toHex, type Palette } from "./nasm-language";

interface LexToken { offset: number; type: string }
interface Tokenizer {
  getInitialState(): unknown;
  tokenize(line: string, hasEOL: boolean, state: unknown): { tokens: LexToken[]; endState: unknown };
}

function tokenizer(): Tokenizer {
  const lexer = compile("nasm", nasmMonarch(instructionNames()));
  const configuration = { getValue: () => 20000, onDidChangeConfiguration: () => ({ dispose() {} }) };
  return new MonarchTokenizer({}, {}, "nasm", lexer, configuration) as Tokenizer;
}

/** [text, token type without ".nasm"] for each token of each line, whitespace left out. */
function lex(source: string): [string, string][] {
  const t = tokenizer();
  let state = t.getInitialState();
  const out: [string, string][] = [];
  for (const line of source.split("\n")) {
    const r = t.tokenize(line, true, state);
    state = r.endState;
    r.tokens.forEach((tok, i) => {
      const end = i + 1 < r.tokens.length ? r.tokens[i + 1].offset : line.length;
      const text = line.slice(tok.offset, end);
      if (text.trim()) out.push([text.trim(), tok.type.replace(/\.nasm$/, "")]);
    });
  }
  return out;
}

function typeOf(source: string, text: string): string | undefined {
  return lex(source).find(([t]) => t === text)?.[1];
}

describe("NASM tokenizer", () => {
  it("compiles with every mnemonic", () => {
    expect(() => tokenizer()).not.toThrow();
  });

  it("classifies instructions, registers, numbers, strings, comments", () => {
    expect(lex("    mov eax, [ebx+0x10] ; load")).toEqual([
      ["mov", "instruction"], ["eax", "register"], [",", "delimiter"], ["[", "delimiter.square"], ["ebx", "register"],
      ["+", "operator"], ["0x10", "number"], ["]", "delimiter.square"], ["; load", "comment"],
    ]);
    expect(typeOf("  MOV CR3, EAX", "CR3")).toBe("register");
    expect(typeOf("  rep movsb", "rep")).toBe("instruction.prefix");
    expect(typeOf("  rep movsb", "movsb")).toBe("instruction");
    expect(typeOf("  db \"a;b\", 0", "\"a;b\"")).toBe("string");
    expect(typeOf("  db `x\\`y`, 0", "`x\\`y`")).toBe("string");
    expect(typeOf("  mov byte [es:di], 1", "byte")).toBe("keyword");
  });

  it("knows NASM's number forms, $ and $$", () => {
    for (const n of ["0x1F", "0h1f", "1Fh", "0ffh", "0b1010", "1010b", "0y11", "0o17", "17o", "17q", "0q7", "0d99", "99d", "42", "$0f", "1.5", "3.0e10", "1_000"]) {
      expect([n, typeOf(`  dd ${n}`, n)]).toEqual([n, "number"]);
    }
    expect(typeOf("  times 510-($-$$) db 0", "$$")).toBe("constant");
    expect(typeOf("  jmp $", "$")).toBe("constant");
    for (const re of NUMBER_PATTERNS) expect(re).toBeInstanceOf(RegExp);
  });

  it("marks labels (global, local, ..@, without a colon before data) and directives", () => {
    expect(typeOf("start:  cli", "start")).toBe("label");
    expect(typeOf(".loop: dec ecx", ".loop")).toBe("label");
    expect(typeOf("..@x1: nop", "..@x1")).toBe("label");
    expect(typeOf("msg db 'hi'", "msg")).toBe("label");
    expect(typeOf("SIZE equ 4", "SIZE")).toBe("label");
    expect(typeOf("  jmp .loop", ".loop")).toBe("identifier");
    for (const d of ["bits", "org", "section", "times", "db", "dw", "dd", "dq", "dt", "resb", "resq", "equ", "align"]) {
      expect([d, typeOf(`x ${d} 1`, d) ?? typeOf(`  ${d} 1`, d)]).toEqual([d, "directive"]);
    }
    expect(typeOf("[bits 32]", "[bits")).toBe("directive");
  });

  it("colours the preprocessor", () => {
    expect(typeOf("%define FOO 3", "%define")).toBe("preprocessor");
    expect(typeOf("%macro PUT 1", "%macro")).toBe("preprocessor");
    expect(typeOf("  mov al, %1", "%1")).toBe("preprocessor");
    expect(typeOf("%%skip: nop", "%%skip")).toBe("label");
    expect(typeOf("%include \"x.inc\"", "%include")).toBe("preprocessor");
  });

  it("keeps a string from running past the end of its line", () => {
    expect(typeOf("  db \"open\n  mov eax, 1", "mov")).toBe("instruction");
  });

  it("treats .loop and cr3 as single words (hover does not read LOOP for .loop)", () => {
    const word = new RegExp(nasmConfiguration.wordPattern!.source, "g");
    expect("jmp .loop".match(word)).toEqual(["jmp", ".loop"]);
  });
});

describe("themes from the app's palette", () => {
  it("parses the colour syntaxes getComputedStyle returns", () => {
    expect(parseCssColor("#5fb3ff")).toEqual([95, 179, 255, 1]);
    expect(parseCssColor(" #fff ")).toEqual([255, 255, 255, 1]);
    expect(parseCssColor("rgb(13, 17, 23)")).toEqual([13, 17, 23, 1]);
    expect(parseCssColor("rgba(227, 179, 65, 0.16)")).toEqual([227, 179, 65, 0.16]);
    expect(parseCssColor("rgb(1 2 3 / 50%)")).toEqual([1, 2, 3, 0.5]);
    expect(parseCssColor("color-mix(in srgb, red, blue)")).toBeNull();
    expect(toHex([95, 179, 255, 1])).toBe("#5fb3ff");
    expect(toHex([255, 0, 0, 1], 0.5)).toBe("#ff000080");
    expect(mix([0, 0, 0, 1], [255, 255, 255, 1])).toEqual([127.5, 127.5, 127.5, 1]);
  });

  it("builds a dark theme from the dark palette and a light one from a light palette", () => {
    const dark = buildTheme(FALLBACK_DARK);
    expect(dark.base).toBe("vs-dark");
    expect(dark.colors["editor.background"]).toBe("#111721");
    expect(dark.rules.find((r) => r.token === "instruction")?.foreground).toBe("5fb3ff");
    const light: Palette = { ...FALLBACK_DARK, "--bg-panel": [255, 255, 255, 1], "--text": [20, 20, 20, 1] };
    expect(buildTheme(light).base).toBe("vs");
    for (const value of Object.values(dark.colors)) expect(value).toMatch(/^#[0-9a-f]{6}([0-9a-f]{2})?$/);
  });
});
