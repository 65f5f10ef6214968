/**
 * Monaco, bundled from our own build (no CDN; the page is cross-origin isolated and everything is
 * same-origin): only the core editor API plus the editor features we use, no TypeScript/JSON/CSS/HTML
 * language services. Only modules under src/ui/editor import this, and the app imports the editor
 * with React.lazy, so Monaco stays out of the first page load.
 *
 * Also registers, once per page: the NASM language, its hover provider, and the themes.
 */
import * as monaco from "monaco-editor/editor/editor.api";
// Editor features (the full bundle's editor.main.js imports them all; we take what an assembly
// editor needs).
import "monaco-editor/features/codicon/register";
import "monaco-editor/features/hover/register";
import "monaco-editor/features/find/register";
import "monaco-editor/features/bracketMatching/register";
import "monaco-editor/features/comment/register";
import "monaco-editor/features/clipboard/register";
import "monaco-editor/features/contextmenu/register";
import "monaco-editor/features/cursorUndo/register";
import "monaco-editor/features/linesOperations/register";
import "monaco-editor/features/multicursor/register";
import "monaco-editor/features/wordHighlighter/register";
import "monaco-editor/features/wordOperations/register";
import "monaco-editor/features/indentation/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import { instructionNames, type AssembleResult } from "../../asm";
import { directiveDoc, instructionDoc, registerDoc } from "./instruction-docs";
import { formatLineBytes, lineBytes } from "./editor-model";
import { buildTheme, FALLBACK_DARK, luminance, NASM_LANGUAGE_ID, nasmConfiguration, nasmMonarch, PALETTE_VARIABLES, parseCssColor, type Palette } from "./nasm-language";

export { monaco };

// Monaco's editor worker (word-based suggestions, diffs, links), built by Vite as a same-origin
// module worker.
self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

/** What the hover provider knows about a model: set by the editor after each assemble. */
export interface HoverContext {
  fileName: string;
  result: AssembleResult | null;
}
const hoverContexts = new WeakMap<monaco.editor.ITextModel, HoverContext>();

export function setHoverContext(model: monaco.editor.ITextModel, context: HoverContext): void {
  hoverContexts.set(model, context);
}

let registered = false;
const MNEMONICS = new Set(instructionNames());

/** Registers the NASM language, its tokenizer, configuration and hover provider (once). */
export function ensureNasmLanguage(): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: NASM_LANGUAGE_ID, extensions: [".asm", ".inc", ".s", ".nasm"], aliases: ["NASM", "x86 assembly"] });
  monaco.languages.setMonarchTokensProvider(NASM_LANGUAGE_ID, nasmMonarch([...MNEMONICS]));
  monaco.languages.setLanguageConfiguration(NASM_LANGUAGE_ID, nasmConfiguration);
  monaco.languages.registerHoverProvider(NASM_LANGUAGE_ID, {
    provideHover(model, position) {
      const word = model.getWordAtPosition(position);
      if (!word) return null;
      const text = word.word.toLowerCase();
      const context = hoverContexts.get(model);
      const contents: monaco.IMarkdownString[] = [];
      if (MNEMONICS.has(text)) {
        contents.push({ value: `**${text.toUpperCase()}** — ${escapeMarkdown(instructionDoc(text) ?? "instruction")}` });
        const bytes = context ? lineBytes(context.result, context.fileName, position.lineNumber) : null;
        if (bytes) contents.push({ value: "`" + formatLineBytes(bytes) + "`" });
      } else if (registerDoc(text)) {
        contents.push({ value: `**${text.toUpperCase()}** — ${escapeMarkdown(registerDoc(text)!)}` });
      } else if (directiveDoc(text)) {
        contents.push({ value: `**${text.toUpperCase()}** — ${escapeMarkdown(directiveDoc(text)!)}` });
      } else {
        const value = context?.result?.symbols.get(word.word);
        if (value === undefined) return null;
        const hex = value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
        contents.push({ value: `\`${escapeMarkdown(word.word)}\` = \`${hex}\` (${value})` });
      }
      return {
        range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
        contents,
      };
    },
  });
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

// ---- themes ------------------------------------------------------------------------------------

/** The app's palette as the page's CSS currently defines it (a probe element resolves any colour syntax). */
export function readPalette(): Palette {
  const probe = document.createElement("span");
  probe.style.display = "none";
  document.body.appendChild(probe);
  const palette = { ...FALLBACK_DARK };
  try {
    for (const name of PALETTE_VARIABLES) {
      probe.style.color = `var(${name})`;
      const parsed = parseCssColor(getComputedStyle(probe).color);
      if (parsed) palette[name] = parsed;
    }
  } finally {
    probe.remove();
  }
  return palette;
}

/** Defines the theme for the current palette and makes it Monaco's (Monaco has one theme per page). */
export function applyTheme(): void {
  const palette = readPalette();
  const name = luminance(palette["--bg-panel"]) > 0.5 ? "hvplay-light" : "hvplay-dark";
  monaco.editor.defineTheme(name, buildTheme(palette));
  monaco.editor.setTheme(name);
}
