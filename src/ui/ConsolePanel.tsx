/**
 * The guest's console: debugcon (port 0xE9) and COM1 output in an xterm.js terminal; keys typed in
 * it go to COM1's receive side. Bytes reach xterm straight from the store's console listeners (one
 * write per event batch), not through React state. A visually hidden mirror holds the decoded text
 * for assistive technology and for the e2e tests (data-testid="console-text"); the browser skips
 * its layout.
 */
import { useEffect, useRef, useState } from "react";
import type { ITheme, Terminal } from "@xterm/xterm";
import { consoleFile, consoleFileName } from "./console-file";
import { useWorkbench, usePanelState } from "./hooks";
import { useShare } from "./share-context";
import type { ThemeName } from "./store";
import { loadTerminalModules } from "./terminal-modules";
import { TerminalFlow } from "./terminal-flow";

/** The terminal's colours in each theme (styles.css's --bg-term, --text, --accent). */
const TERMINAL_THEMES: Record<ThemeName, ITheme> = {
  dark: { background: "#0b0f16", foreground: "#d6deeb", cursor: "#5fb3ff", selectionBackground: "#28466b" },
  light: { background: "#ffffff", foreground: "#1b2430", cursor: "#0b63c5", selectionBackground: "#b9d4f5" },
};

/** Offers `text` as a file download. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * What the terminal holds (scrollback and screen) as plain text: no colours or other escape
 * sequences, lines the terminal wrapped joined again, trailing blanks dropped.
 */
function terminalText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    // A row the next one continues keeps its trailing spaces: they are part of the text.
    const continued = buffer.getLine(i + 1)?.isWrapped ?? false;
    const text = line.translateToString(!continued);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

const encoder = new TextEncoder();
/** Lines kept above the screen; pausing the guest never clears them. */
const SCROLLBACK_LINES = 10000;
/** Save waits at most this long for the terminal to take in the output that has arrived. */
const SAVE_WAIT_MS = 1000;

export function ConsolePanel() {
  const workbench = useWorkbench();
  const host = useRef<HTMLDivElement>(null);
  // The hidden mirror is up to 64 KB of text: laying it out again at every batch of a guest that
  // prints flat out took a good part of the page's frame. It is a live view (WorkbenchSnapshot.shown):
  // while the guest runs it follows four times a second, with the logs; once it stops, at once. Its
  // contents are not laid out at all (.console-mirror in styles.css: content-visibility).
  const mirror = usePanelState((s) => s.shown.consoleText);
  const theme = usePanelState((s) => s.theme);
  const guestName = usePanelState((s) => s.guestName);
  const terminal = useRef<Terminal | null>(null);
  const flowRef = useRef<TerminalFlow | null>(null);
  const share = useShare();
  const [saving, setSaving] = useState(false);

  // The file starts with the link Share would make (so whoever reads it can boot the same guest),
  // then the console as plain text.
  const save = async () => {
    setSaving(true);
    try {
      const link = share ? await share.links() : null;
      // The terminal gets output a frame at a time and parses it in later tasks (terminal-flow.ts):
      // wait until it holds what has arrived, or output shown just before the click would be
      // missing from the file. A guest that never stops printing gets SAVE_WAIT_MS.
      if (flowRef.current) await Promise.race([flowRef.current.whenIdle(), new Promise<void>((resolve) => setTimeout(resolve, SAVE_WAIT_MS))]);
      const content = terminal.current ? terminalText(terminal.current) : workbench.store.getSnapshot().consoleText;
      download(consoleFileName(guestName), consoleFile({ guestName, link, text: content, savedAt: new Date() }));
    } finally {
      setSaving(false);
    }
  };

  useEffect(() => {
    if (terminal.current) terminal.current.options.theme = TERMINAL_THEMES[theme];
  }, [theme]);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    // xterm.js is most of the page's JavaScript: load it in its own chunk so the first paint and the
    // worker's boot do not wait for it. Console bytes that arrive meanwhile are replayed from the
    // store's history when the terminal subscribes.
    let cleanup: (() => void) | null = null;
    let cancelled = false;
    void loadTerminalModules().then(([{ Terminal }, { FitAddon }, { WebLinksAddon }]) => {
      if (cancelled) return;
      const term = new Terminal({
        // Guests print bare "\n" on debugcon; a terminal needs CR LF to return to column 0.
        convertEol: true,
        cursorBlink: true,
        scrollback: SCROLLBACK_LINES,
        fontFamily: '"JetBrains Mono", "Fira Code", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
        fontSize: 13,
        theme: TERMINAL_THEMES[workbench.store.getSnapshot().theme],
      });
      terminal.current = term;
      const fit = new FitAddon();
      term.loadAddon(fit);
      // URLs a guest prints open in a new tab (never navigate the playground away).
      term.loadAddon(new WebLinksAddon((_event, uri) => window.open(uri, "_blank", "noopener,noreferrer")));
      term.open(element);
      const refit = () => {
        try {
          fit.fit();
        } catch {
          // Not laid out yet (zero size); the next resize fits it.
        }
      };
      refit();
      // Flow control (terminal-flow.ts): xterm gets a bounded amount per frame, once it has parsed
      // the last, so a guest printing flat out cannot take the page's frames or memory; what is
      // skipped is said in the terminal.
      // Whether the terminal has been written to since it was made or last reset: a new machine
      // clears it, and a reset of a terminal still as it was made costs a full repaint (~20 ms of
      // the page's thread while the fresh guest starts) for nothing.
      let written = false;
      const flow = new TerminalFlow((data, done) => {
        written = true;
        term.write(data, done);
      });
      flowRef.current = flow;
      const unsubscribe = workbench.store.subscribeConsole({
        bytes: (data) => flow.write(data),
        dropped: (bytes) => flow.noteDropped(bytes),
        clear: () => {
          flow.clear();
          if (written) term.reset();
          written = false;
        },
      });
      // Keys go to COM1 as the terminal encodes them (Enter → CR, Backspace → DEL, Ctrl-C → 0x03).
      // Copy and paste use Ctrl+Shift+C / Ctrl+Shift+V (Cmd+C / Cmd+V on macOS), as terminals do, so
      // Ctrl+C still reaches the guest.
      term.attachCustomKeyEventHandler((e) => {
        if (e.type !== "keydown") return true;
        const copy = (e.ctrlKey && e.shiftKey && e.code === "KeyC") || (e.metaKey && e.code === "KeyC");
        const paste = (e.ctrlKey && e.shiftKey && e.code === "KeyV");
        if (copy) {
          const text = term.getSelection();
          if (text) void navigator.clipboard?.writeText(text).catch(() => {});
          return false;
        }
        if (paste) {
          void navigator.clipboard?.readText().then((text) => term.paste(text), () => {});
          return false;
        }
        return true;
      });
      const input = term.onData((data) => workbench.consoleInput(encoder.encode(data)));
      const observer = new ResizeObserver(refit);
      observer.observe(element);
      cleanup = () => {
        terminal.current = null;
        flowRef.current = null;
        observer.disconnect();
        input.dispose();
        unsubscribe();
        flow.clear();
        term.dispose();
      };
    }, (error: unknown) => workbench.store.addError(`could not load the terminal: ${String(error)}`));
    return () => {
      cancelled = true;
      cleanup?.();
    };
  }, [workbench]);

  return (
    <section className="panel console-panel" aria-labelledby="console-title">
      <header className="panel-head">
        <h2 id="console-title">Console</h2>
        <span className="muted">debugcon 0xE9 · COM1 0x3F8 — click and type to send to COM1</span>
        <button type="button" className="btn small" aria-label="Save the console to a file" disabled={saving}
          title="Save the console as plain text, headed by a share link that boots this guest the same way"
          onClick={() => void save()}>
          Save
        </button>
      </header>
      <div className="terminal-host" ref={host} />
      <pre className="console-mirror" data-testid="console-text" role="log" aria-label="Console output">
        {mirror}
      </pre>
    </section>
  );
}
