/**
 * NASM / x86 for Monaco: a Monarch tokenizer, the language configuration (comments, brackets, what a
 * word is), and editor themes built from the app's CSS variables (styles.css), so the editor follows
 * the dark and light themes without colours of its own.
 *
 * Pure: only Monaco's types are imported, so the tokenizer definition and the theme builder are
 * tested in Node (nasm-language.test.ts runs Monaco's own Monarch lexer over it).
 */
import type { editor, languages } from "monaco-editor/editor/editor.api";
import { DIRECTIVE_NAMES, REGISTER_NAMES } from "./instruction-docs";

export const NASM_LANGUAGE_ID = "nasm";

/** Instruction prefixes NASM writes as separate words. */
export const PREFIXES = ["rep", "repe", "repz", "repne", "repnz", "lock", "o16", "o32", "o64", "a16", "a32", "a64", "wait"];
/** Size and modifier keywords of operands. */
export const OPERAND_KEYWORDS = ["byte", "word", "dword", "qword", "tword", "oword", "yword", "zword", "strict", "short", "near", "far", "rel", "abs", "nosplit", "to", "seg", "wrt"];

/** NASM's integer forms (and floats); the order matters: the first that matches wins. */
export const NUMBER_PATTERNS: readonly RegExp[] = [
  /0[xh][0-9a-f_]+/i, // 0x1F, 0h1F
  /0[by][01_]+/i, // 0b1010, 0y1010
  /0[oq][0-7_]+/i, // 0o17, 0q17
  /0[dt][0-9_]+/i, // 0d99, 0t99
  /\$[0-9][0-9a-f_]*/i, // $0F (old-style hex)
  /[0-9][0-9_]*\.[0-9_]*(?:e[+-]?[0-9]+)?/i, // 1.5, 1.e10 (floats in DD/DQ/DT)
  /[0-9][0-9a-f_]*[hx](?![\w.$#@~?])/i, // 0FFh, 0ffx
  /[01][01_]*[by](?![\w.$#@~?])/i, // 1010b
  /[0-7][0-7_]*[oq](?![\w.$#@~?])/i, // 17o, 17q
  /[0-9][0-9_]*[dt]?(?![\w.$#@~?])/i, // 99, 99d
];

/** A NASM identifier: labels, local labels (.x), macro-local and special names (..@x, ..start). */
const IDENT = /[A-Za-z_.?@][\w.$#@~?]*/;

export function nasmMonarch(instructions: readonly string[]): languages.IMonarchLanguage {
  const numberRules: languages.IMonarchLanguageRule[] = NUMBER_PATTERNS.map((re) => [re, "number"]);
  return {
    defaultToken: "",
    ignoreCase: true,
    tokenPostfix: ".nasm",
    instructions: [...instructions],
    prefixes: PREFIXES,
    registers: [...REGISTER_NAMES],
    directives: [...DIRECTIVE_NAMES],
    operandKeywords: OPERAND_KEYWORDS,
    tokenizer: {
      root: [
        [/;.*$/, "comment"],
        // A label definition at the start of a line: "name:", ".local:", "..@x:".
        [/^(\s*)([A-Za-z_.?@][\w.$#@~?]*)(\s*)(:)/, ["white", "label", "white", "delimiter"]],
        // A label without a colon before data or EQU: "msg db ...", "SIZE equ 4".
        [/^([A-Za-z_.?@][\w.$#@~?]*)(?=\s+(?:d[bwdqtoyz]|res[bwdqtoyz]|equ|times)\b)/, "label"],
        // The preprocessor: %define, %macro, %if..., %1, %{2}, %%local, %$context.
        [/%%[\w.$#@~?]+/, "label"],
        [/%\$+[\w.$#@~?]*/, "preprocessor"],
        [/%(?:[-+]?\d+|\{[^}]*\})/, "preprocessor"],
        [/%[A-Za-z_]\w*/, "preprocessor"],
        [/\[\s*(?:bits|section|segment|org|absolute|default)\b/, "directive"],
        [/\$\$|\$(?![\w.$#@~?])/, "constant"],
        ...numberRules,
        [IDENT, {
          cases: {
            "@instructions": "instruction",
            "@prefixes": "instruction.prefix",
            "@registers": "register",
            "@directives": "directive",
            "@operandKeywords": "keyword",
            "@default": "identifier",
          },
        }],
        [/\$[A-Za-z_.?][\w.$#@~?]*/, "identifier"], // $name: a symbol that looks like a keyword
        [/"[^"]*"?/, "string"],
        [/'[^']*'?/, "string"],
        [/`(?:[^`\\]|\\.)*`?/, "string"],
        [/[[\](){}]/, "@brackets"],
        [/<<|>>|\/\/|%%|[-+*/%&|^~!<>=]/, "operator"],
        [/[,:]/, "delimiter"],
        [/\s+/, "white"],
      ],
    },
  };
}

export const nasmConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: ";" },
  brackets: [["[", "]"], ["(", ")"], ["{", "}"]],
  autoClosingPairs: [
    { open: "[", close: "]" },
    { open: "(", close: ")" },
    { open: "{", close: "}" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
    { open: "'", close: "'", notIn: ["string", "comment"] },
    { open: "`", close: "`", notIn: ["string", "comment"] },
  ],
  surroundingPairs: [
    { open: "[", close: "]" },
    { open: "(", close: ")" },
    { open: '"', close: '"' },
    { open: "'", close: "'" },
  ],
  // Words include NASM's identifier characters, so ".loop" is one word (and not LOOP's doc).
  wordPattern: /[A-Za-z0-9_.$#@~?]+/,
};

// ---- themes from the app's CSS variables ------------------------------------------------------

export type Rgba = [number, number, number, number];

/** The CSS variables the editor's colours come from (styles.css). */
export const PALETTE_VARIABLES = ["--bg", "--bg-elev", "--bg-panel", "--border", "--text", "--muted", "--accent", "--accent-strong", "--ok", "--warn", "--err"] as const;
export type PaletteName = (typeof PALETTE_VARIABLES)[number];
export type Palette = Record<PaletteName, Rgba>;

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() and rgba() (what getComputedStyle returns); null otherwise. */
export function parseCssColor(text: string): Rgba | null {
  const t = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4})$/.exec(t);
  if (m) {
    const d = m[1].split("").map((c) => parseInt(c + c, 16));
    return [d[0], d[1], d[2], d.length === 4 ? d[3] / 255 : 1];
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(t);
  if (m) {
    const n = parseInt(m[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, m[2] ? parseInt(m[2], 16) / 255 : 1];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(t);
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Math.round(+m[1]), Math.round(+m[2]), Math.round(+m[3]), alpha];
  }
  return null;
}

/** #rrggbb, or #rrggbbaa when `alpha` (0..1) is below 1. */
export function toHex([r, g, b]: Rgba, alpha = 1): string {
  const h = (n: number) => Math.max(0, Math.min(255, Math.round(n))).toString(16).padStart(2, "0");
  return `#${h(r)}${h(g)}${h(b)}${alpha < 1 ? h(alpha * 255) : ""}`;
}

/** `a` and `b` mixed, `t` of the way from a to b. */
export function mix(a: Rgba, b: Rgba, t = 0.5): Rgba {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t, 1];
}

/** The dark palette of styles.css, for variables that could not be read (and for tests). */
export const FALLBACK_DARK: Palette = {
  "--bg": [13, 17, 23, 1], "--bg-elev": [19, 26, 36, 1], "--bg-panel": [17, 23, 33, 1], "--border": [34, 44, 58, 1],
  "--text": [214, 222, 235, 1], "--muted": [125, 138, 158, 1], "--accent": [95, 179, 255, 1], "--accent-strong": [47, 140, 255, 1],
  "--ok": [76, 195, 138, 1], "--warn": [227, 179, 65, 1], "--err": [240, 104, 106, 1],
};

/** Perceived lightness 0..1, to tell a light palette from a dark one. */
export function luminance([r, g, b]: Rgba): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** A Monaco theme from the app's palette: token colours and the editor's chrome. */
export function buildTheme(p: Palette): editor.IStandaloneThemeData {
  const light = luminance(p["--bg-panel"]) > 0.5;
  const c = (name: PaletteName) => toHex(p[name]).slice(1);
  const violet = toHex(mix(p["--accent"], p["--err"], 0.55)).slice(1);
  const orange = toHex(mix(p["--warn"], p["--err"], 0.4)).slice(1);
  return {
    base: light ? "vs" : "vs-dark",
    inherit: true,
    rules: [
      { token: "", foreground: c("--text") },
      { token: "comment", foreground: c("--muted"), fontStyle: "italic" },
      { token: "instruction", foreground: c("--accent") },
      { token: "instruction.prefix", foreground: c("--accent"), fontStyle: "italic" },
      { token: "register", foreground: c("--warn") },
      { token: "number", foreground: orange },
      { token: "constant", foreground: orange },
      { token: "string", foreground: c("--ok") },
      { token: "directive", foreground: violet },
      { token: "preprocessor", foreground: violet },
      { token: "keyword", foreground: c("--accent-strong") },
      { token: "label", foreground: c("--text"), fontStyle: "bold" },
      { token: "identifier", foreground: c("--text") },
      { token: "operator", foreground: c("--muted") },
      { token: "delimiter", foreground: c("--muted") },
    ],
    colors: {
      "editor.background": toHex(p["--bg-panel"]),
      "editor.foreground": toHex(p["--text"]),
      "editorLineNumber.foreground": toHex(p["--muted"]),
      "editorLineNumber.activeForeground": toHex(p["--text"]),
      "editorCursor.foreground": toHex(p["--accent"]),
      "editor.lineHighlightBackground": toHex(p["--text"], 0.05),
      "editor.lineHighlightBorder": "#00000000",
      "editor.selectionBackground": toHex(p["--accent"], 0.28),
      "editor.inactiveSelectionBackground": toHex(p["--accent"], 0.14),
      "editorIndentGuide.background1": toHex(p["--border"]),
      "editorGutter.background": toHex(p["--bg-panel"]),
      "editorWidget.background": toHex(p["--bg-elev"]),
      "editorWidget.border": toHex(p["--border"]),
      "editorHoverWidget.background": toHex(p["--bg-elev"]),
      "editorHoverWidget.border": toHex(p["--border"]),
      "editorError.foreground": toHex(p["--err"]),
      "editorWarning.foreground": toHex(p["--warn"]),
      "editorBracketMatch.border": toHex(p["--accent"], 0.6),
      "editorBracketMatch.background": "#00000000",
      "scrollbarSlider.background": toHex(p["--muted"], 0.25),
      "scrollbarSlider.hoverBackground": toHex(p["--muted"], 0.4),
      "focusBorder": toHex(p["--accent"]),
    },
  };
}
