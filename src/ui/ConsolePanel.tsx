/**
 * The guest's console: debugcon (port 0xE9) and COM1 output in an xterm.js terminal; keys typed in
 * it go to COM1's receive side. Bytes reach xterm straight from the store's console listeners (one
 * write per event batch), not through React state. A visually hidden mirror holds the decoded text
 * for assistive technology and for the e2e tests (data-testid="console-text").
 */
import { useEffect, useRef } from "react";
import { useWorkbench, useWorkbenchState } from "./hooks";

const encoder = new TextEncoder();

export function ConsolePanel() {
  const workbench = useWorkbench();
  const host = useRef<HTMLDivElement>(null);
  const text = useWorkbenchState((s) => s.consoleText);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    // xterm.js is most of the page's JavaScript: load it in its own chunk so the first paint and the
    // worker's boot do not wait for it. Console bytes that arrive meanwhile are replayed from the
    // store's history when the terminal subscribes.
    let cleanup: (() => void) | null = null;
    let cancelled = false;
    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]).then(([{ Terminal }, { FitAddon }]) => {
      if (cancelled) return;
      const term = new Terminal({
        // Guests print bare "\n" on debugcon; a terminal needs CR LF to return to column 0.
        convertEol: true,
        cursorBlink: true,
        scrollback: 5000,
        fontFamily: '"JetBrains Mono", "Fira Code", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
        fontSize: 13,
        theme: {
          background: "#0b0f16",
          foreground: "#d6deeb",
          cursor: "#5fb3ff",
          selectionBackground: "#28466b",
        },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(element);
      const refit = () => {
        try {
          fit.fit();
        } catch {
          // Not laid out yet (zero size); the next resize fits it.
        }
      };
      refit();
      const unsubscribe = workbench.store.subscribeConsole({
        bytes: (data) => term.write(data),
        clear: () => term.reset(),
      });
      const input = term.onData((data) => workbench.consoleInput(encoder.encode(data)));
      const observer = new ResizeObserver(refit);
      observer.observe(element);
      cleanup = () => {
        observer.disconnect();
        input.dispose();
        unsubscribe();
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
      </header>
      <div className="terminal-host" ref={host} />
      <pre className="sr-only" data-testid="console-text" role="log" aria-label="Console output">
        {text}
      </pre>
    </section>
  );
}
