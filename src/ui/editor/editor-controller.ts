/**
 * The Monaco side of the editor panel, outside React: one editor and its model, assembling on change
 * (debounced), markers, breakpoint dots in the glyph margin, the line being executed, and
 * "Assemble & run". EditorPanel.tsx creates one per mount. The controller reads the store directly
 * (breakpoints, machine state, registers, program: synchronously, so a breakpoint set is never seen
 * late) and calls the workbench for intents (loadProgram, setBreakpoints).
 */
import { assemble, type AssembleResult, type LineMapEntry } from "../../asm";
import type { Workbench } from "../workbench";
import { decideBoot, type BootDecision } from "./boot-method";
import { breakpointLines, breakpointTarget, executionAddress, executionLine, markersFrom, remapBreakpoints, statusLine, type EditorMarker } from "./editor-model";
import { applyTheme, ensureNasmLanguage, monaco, setHoverContext } from "./monaco-setup";
import { NASM_LANGUAGE_ID } from "./nasm-language";

/** Typing pauses this long before the source is assembled again. */
export const ASSEMBLE_DEBOUNCE_MS = 300;
const MARKER_OWNER = "hvplay-asm";

export interface EditorView {
  /** "assembled 512 bytes", "2 errors", ... */
  status: string;
  ok: boolean;
  /** The boot method of the last good assemble, or null. */
  boot: BootDecision | null;
  fileName: string;
  /** Increases whenever the text was assembled (the panel re-checks the current line). */
  version: number;
  /** A transient message (a breakpoint click on a line without code), or null. */
  notice: string | null;
}

interface Dot {
  id: string;
  addresses: bigint[];
}

export class EditorController {
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  readonly model: monaco.editor.ITextModel;
  private fileName: string;
  private result: AssembleResult | null = null;
  /** The line map of the last assemble without errors: what breakpoint addresses ↔ lines use. */
  private lineMap: readonly LineMapEntry[] = [];
  private boot: BootDecision | null = null;
  private version = 0;
  private notice: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly breakpointDecorations: monaco.editor.IEditorDecorationsCollection;
  private dots: Dot[] = [];
  private readonly execDecoration: monaco.editor.IEditorDecorationsCollection;
  private execLine: number | null = null;
  private breakpoints: readonly bigint[] = [];
  private readonly disposables: monaco.IDisposable[] = [];
  private readonly themeObserver: MutationObserver;
  private readonly unsubscribe: () => void;
  /** The store fields the current line was computed from (recomputed when one changes). */
  private seen: { machine: unknown; registers: unknown; program: unknown; version: number } | null = null;

  constructor(
    host: HTMLElement,
    private readonly workbench: Workbench,
    initial: { text: string; fileName: string },
    private readonly onView: (view: EditorView) => void,
  ) {
    ensureNasmLanguage();
    applyTheme();
    this.fileName = initial.fileName;
    this.model = monaco.editor.createModel(initial.text, NASM_LANGUAGE_ID);
    this.editor = monaco.editor.create(host, {
      model: this.model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      fontFamily: getComputedStyle(host).getPropertyValue("--mono").trim() || "monospace",
      glyphMargin: true,
      lineNumbersMinChars: 3,
      scrollBeyondLastLine: false,
      tabSize: 4,
      insertSpaces: true,
      detectIndentation: true,
      renderWhitespace: "none",
      wordBasedSuggestions: "off",
      quickSuggestions: false,
      ariaLabel: "Assembly source (NASM). Ctrl+Enter assembles and runs; F9 toggles a breakpoint.",
      fixedOverflowWidgets: true,
    });
    this.breakpointDecorations = this.editor.createDecorationsCollection();
    this.execDecoration = this.editor.createDecorationsCollection();

    const run = () => void this.assembleAndRun();
    this.disposables.push(
      this.editor.addAction({
        id: "hvplay.assembleAndRun",
        label: "Assemble & run",
        keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, monaco.KeyMod.WinCtrl | monaco.KeyCode.Enter],
        contextMenuGroupId: "navigation",
        contextMenuOrder: 1,
        run,
      }),
      this.editor.addAction({
        id: "hvplay.toggleBreakpoint",
        label: "Toggle breakpoint",
        keybindings: [monaco.KeyCode.F9],
        contextMenuGroupId: "navigation",
        contextMenuOrder: 2,
        run: (ed) => {
          const line = ed.getPosition()?.lineNumber;
          if (line) this.toggleBreakpointAtLine(line);
        },
      }),
      this.editor.onMouseDown((e) => {
        // The glyph margin (left of the line numbers) toggles breakpoints, as in VS Code.
        if (e.target.type === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN && e.target.position) {
          this.toggleBreakpointAtLine(e.target.position.lineNumber);
        }
      }),
      this.model.onDidChangeContent(() => this.scheduleAssemble()),
    );

    // Follow the app's theme: the lead sets <html data-theme>; the palette is CSS variables.
    this.themeObserver = new MutationObserver(() => applyTheme());
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "class", "style"] });

    this.breakpoints = workbench.store.getSnapshot().breakpoints;
    const unsubscribeState = workbench.store.subscribe(() => this.storeChanged());
    // The execution line is a panel's view (WorkbenchStore.getPanelSnapshot): it moves a frame after the state pill.
    const unsubscribePanels = workbench.store.subscribePanels(() => this.updateExecutionLine());
    this.unsubscribe = () => {
      unsubscribeState();
      unsubscribePanels();
    };
    this.assembleNow();
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.unsubscribe();
    this.themeObserver.disconnect();
    for (const d of this.disposables) d.dispose();
    monaco.editor.setModelMarkers(this.model, MARKER_OWNER, []);
    this.editor.dispose();
    this.model.dispose();
  }

  getFileName(): string {
    return this.fileName;
  }

  private storeChanged(): void {
    const s = this.workbench.store.getSnapshot();
    if (s.breakpoints !== this.breakpoints) {
      this.breakpoints = s.breakpoints;
      this.renderBreakpoints();
    }
  }

  /**
   * Highlights the line about to execute when the machine is stopped in the program this editor
   * holds (the store's program has this file name and exactly this text).
   */
  private updateExecutionLine(): void {
    const s = this.workbench.store.getPanelSnapshot();
    const seen = this.seen;
    if (seen && seen.machine === s.machine && seen.registers === s.registers && seen.program === s.program && seen.version === this.version) return;
    this.seen = { machine: s.machine, registers: s.registers, program: s.program, version: this.version };
    const program = s.program;
    const mine = program !== null && program.name === this.fileName && program.text === this.model.getValue();
    const line = mine ? executionLine(program.lineMap, this.fileName, executionAddress(s.machine, s.registers?.detail)) : null;
    this.setExecutionLine(line);
  }

  private scheduleAssemble(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.assembleNow();
    }, ASSEMBLE_DEBOUNCE_MS);
  }

  /** Assembles the current text now: markers, status, hover data, breakpoints kept on their lines. */
  assembleNow(): AssembleResult {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const text = this.model.getValue();
    const result = assemble(text, { fileName: this.fileName });
    this.result = result;
    setHoverContext(this.model, { fileName: this.fileName, result });
    const markers = markersFrom(result, this.fileName, this.model.getLineCount());
    monaco.editor.setModelMarkers(this.model, MARKER_OWNER, markers.map((m) => this.toMarker(m)));
    if (result.ok) {
      // Breakpoint dots moved with the text; give them the addresses of their lines in the new code.
      const moved = remapBreakpoints(this.breakpoints, this.dotLines(), result.lineMap, this.fileName);
      this.lineMap = result.lineMap;
      this.boot = decideBoot(result.bytes, text, result.lineMap);
      if (moved) void this.workbench.setBreakpoints(moved);
      else this.renderBreakpoints();
    }
    this.version++;
    this.notice = null;
    this.updateExecutionLine();
    this.emit();
    return result;
  }

  private toMarker(m: EditorMarker): monaco.editor.IMarkerData {
    const line = this.model.getLineContent(m.line);
    const first = line.search(/\S/) + 1 || 1;
    return {
      severity: m.severity === "error" ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
      message: m.message,
      source: "asm",
      startLineNumber: m.line,
      startColumn: first,
      endLineNumber: m.line,
      endColumn: Math.max(first + 1, line.length + 1),
    };
  }

  /** Assembles; on success loads the program with the boot method the image asks for, and runs it. */
  async assembleAndRun(): Promise<boolean> {
    const result = this.assembleNow();
    if (!result.ok || !this.boot) {
      const first = result.errors[0];
      if (first && first.file === this.fileName && first.line > 0) {
        this.editor.revealLineInCenterIfOutsideViewport(first.line);
        this.editor.setPosition({ lineNumber: first.line, column: 1 });
      }
      return false;
    }
    const program = { name: this.fileName, text: this.model.getValue(), lineMap: result.lineMap };
    // loadProgram transfers the image's buffer to the worker: hand it a copy.
    const error = await this.workbench.loadProgram(program, result.bytes.slice(), this.boot.boot);
    return error === null;
  }

  /**
   * Replaces the text (undoable with Ctrl+Z) and the file name. The breakpoints shown in the old
   * text are removed: their lines are gone.
   */
  replaceText(text: string, fileName: string): void {
    const drop = new Set(this.dots.flatMap((d) => d.addresses));
    this.dots = [];
    this.breakpointDecorations.clear();
    this.lineMap = [];
    if (drop.size) void this.workbench.setBreakpoints(this.breakpoints.filter((a) => !drop.has(a)));
    this.fileName = fileName;
    this.model.pushEditOperations([], [{ range: this.model.getFullModelRange(), text }], () => null);
    this.editor.setPosition({ lineNumber: 1, column: 1 });
    this.editor.revealLine(1);
    this.assembleNow();
  }

  // ---- breakpoints -----------------------------------------------------------------------------

  private dotLines(): { line: number; addresses: bigint[] }[] {
    const out: { line: number; addresses: bigint[] }[] = [];
    for (const dot of this.dots) {
      const range = this.model.getDecorationRange(dot.id);
      if (range) out.push({ line: range.startLineNumber, addresses: dot.addresses });
    }
    return out;
  }

  private renderBreakpoints(): void {
    const lines = breakpointLines(this.breakpoints, this.lineMap, this.fileName);
    const entries = [...lines].filter(([line]) => line <= this.model.getLineCount());
    const ids = this.breakpointDecorations.set(entries.map(([line, addresses]) => ({
      range: new monaco.Range(line, 1, line, 1),
      options: {
        glyphMarginClassName: "hv-breakpoint",
        glyphMarginHoverMessage: { value: `Breakpoint at ${addresses.map((a) => `0x${a.toString(16)}`).join(", ")} (click or F9 to remove)` },
        stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
      },
    })));
    this.dots = ids.map((id, i) => ({ id, addresses: entries[i][1] }));
  }

  /** Toggles the breakpoint of `line` (or of the next line with code). */
  toggleBreakpointAtLine(line: number): void {
    // Typing may not have been assembled yet: the line map must describe the text on screen.
    if (this.timer !== null) this.assembleNow();
    const existing = this.dotLines().find((d) => d.line === line);
    if (existing) {
      const drop = new Set(existing.addresses);
      void this.workbench.setBreakpoints(this.breakpoints.filter((a) => !drop.has(a)));
      return;
    }
    if (!this.result?.ok) {
      this.showNotice("fix the errors first: breakpoints need the assembled addresses");
      return;
    }
    const target = breakpointTarget(this.lineMap, this.fileName, line);
    if (!target) {
      this.showNotice(`no code on or below line ${line}`);
      return;
    }
    void this.workbench.setBreakpoints([...this.breakpoints, ...target.addresses]);
  }

  private showNotice(message: string): void {
    this.notice = message;
    this.emit();
  }

  // ---- the line being executed -------------------------------------------------------------------

  /** Highlights `line` as the one about to execute (null: none) and scrolls to it. */
  private setExecutionLine(line: number | null): void {
    if (line === this.execLine) return;
    this.execLine = line;
    if (line === null || line > this.model.getLineCount()) {
      this.execDecoration.clear();
      return;
    }
    this.execDecoration.set([{
      range: new monaco.Range(line, 1, line, 1),
      options: { isWholeLine: true, className: "hv-exec-line", linesDecorationsClassName: "hv-exec-marker", stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges },
    }]);
    this.editor.revealLineInCenterIfOutsideViewport(line);
  }

  /** The current text (for comparing with the store's program). */
  getText(): string {
    return this.model.getValue();
  }

  markers(): EditorMarker[] {
    return monaco.editor.getModelMarkers({ owner: MARKER_OWNER, resource: this.model.uri }).map((m) => ({
      line: m.startLineNumber,
      message: m.message,
      severity: m.severity === monaco.MarkerSeverity.Error ? "error" : "warning",
    }));
  }

  /** Page coordinates of the glyph margin on `line` (for the e2e test's real click), or null if not visible. */
  glyphPoint(line: number): { x: number; y: number } | null {
    const dom = this.editor.getDomNode();
    const layout = this.editor.getLayoutInfo();
    if (!dom) return null;
    this.editor.revealLine(line);
    const top = this.editor.getTopForLineNumber(line) - this.editor.getScrollTop();
    const box = dom.getBoundingClientRect();
    const lineHeight = this.editor.getOption(monaco.editor.EditorOption.lineHeight);
    return { x: box.left + layout.glyphMarginLeft + layout.glyphMarginWidth / 2, y: box.top + top + lineHeight / 2 };
  }

  private emit(): void {
    const result = this.result;
    this.onView({
      status: result ? statusLine(result) : "",
      ok: result?.ok ?? false,
      boot: this.boot,
      fileName: this.fileName,
      version: this.version,
      notice: this.notice,
    });
  }
}
