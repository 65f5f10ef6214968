/**
 * The code editor panel: NASM source in Monaco, assembled by src/asm as you type (markers for errors
 * and warnings, a status line), "Assemble & run" (Ctrl+Enter / Cmd+Enter) that boots the image the
 * way its header or BITS/ORG say, breakpoints in the glyph margin (click, or F9), the line being
 * executed while the machine is stopped, hover docs for instructions and registers, starter templates.
 *
 * Imported with React.lazy by the app: everything Monaco lives in this directory's chunk.
 *
 * Test hook: `window.hvplayEditor` (dev and production builds) lets e2e tests set the text, run,
 * read markers and find the glyph margin of a line; it is not an API.
 */
import { useEffect, useRef, useState } from "react";
import { useWorkbench } from "../hooks";
import { EditorController, type EditorView } from "./editor-controller";
import type { EditorMarker } from "./editor-model";
import { TEMPLATES } from "./templates";
import "./editor.css";

export interface EditorTestHook {
  getValue(): string;
  /** Replaces the text and assembles it at once (no debounce). */
  setValue(text: string, fileName?: string): void;
  assembleAndRun(): Promise<boolean>;
  markers(): EditorMarker[];
  glyphPoint(line: number): { x: number; y: number } | null;
}

declare global {
  interface Window {
    hvplayEditor?: EditorTestHook;
  }
}

export function EditorPanel() {
  const workbench = useWorkbench();
  const host = useRef<HTMLDivElement>(null);
  const controller = useRef<EditorController | null>(null);
  const [view, setView] = useState<EditorView | null>(null);
  const [template, setTemplate] = useState("");

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    // Start from the program the machine runs (a remount keeps the user's code), else the first template.
    const program = workbench.store.getSnapshot().program;
    const initial = program ? { text: program.text, fileName: program.name } : { text: TEMPLATES[0].source, fileName: TEMPLATES[0].fileName };
    let c: EditorController;
    try {
      c = new EditorController(element, workbench, initial, setView);
    } catch (error) {
      workbench.store.addError(`could not start the editor: ${String(error)}`);
      return;
    }
    controller.current = c;
    const hook: EditorTestHook = {
      getValue: () => c.getText(),
      setValue: (text, fileName) => c.replaceText(text, fileName ?? c.getFileName()),
      assembleAndRun: () => c.assembleAndRun(),
      markers: () => c.markers(),
      glyphPoint: (line) => c.glyphPoint(line),
    };
    window.hvplayEditor = hook;
    return () => {
      if (window.hvplayEditor === hook) delete window.hvplayEditor;
      controller.current = null;
      c.dispose();
    };
  }, [workbench]);

  const run = () => void controller.current?.assembleAndRun();

  const chooseTemplate = (id: string) => {
    const t = TEMPLATES.find((x) => x.id === id);
    if (t) controller.current?.replaceText(t.source, t.fileName);
    setTemplate("");
    controller.current?.editor.focus();
  };

  return (
    <section
      className="panel editor-panel"
      aria-label="Editor"
      onKeyDown={(e) => {
        // Ctrl+Enter from the panel's own controls too (Monaco handles it inside the editor).
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
          e.preventDefault();
          run();
        }
      }}
    >
      <header className="panel-head editor-head">
        {/* The tab above already says "Editor"; the heading is for assistive technology. */}
        <h2 className="sr-only">Editor</h2>
        <span className="editor-file mono" title="File name used in messages and the line map">{view?.fileName ?? ""}</span>
        <span
          className={`editor-status mono ${view ? (view.ok ? "ok" : "bad") : ""}`}
          role="status"
          aria-live="polite"
          data-testid="editor-status"
        >
          {view?.notice ?? view?.status ?? "loading editor"}
        </span>
        {view?.boot && (
          <span className="editor-boot mono" data-testid="editor-boot" title={view.boot.note ?? "How Assemble & run boots this image"}>
            {view.boot.describe}
            {view.boot.note ? " *" : ""}
          </span>
        )}
        <span className="editor-spacer" />
        <select
          className="select editor-template"
          aria-label="New from template"
          value={template}
          onChange={(e) => chooseTemplate(e.target.value)}
        >
          <option value="">New from template…</option>
          {TEMPLATES.map((t) => (
            <option key={t.id} value={t.id}>{t.title}</option>
          ))}
        </select>
        <button type="button" className="btn small primary" onClick={run} title="Assemble, load and run (Ctrl+Enter)" aria-keyshortcuts="Control+Enter Meta+Enter">
          Assemble &amp; run
        </button>
      </header>
      <div className="editor-host" ref={host} />
    </section>
  );
}

export default EditorPanel;
