/**
 * Progressive first render: the toolbar and the console render at once, the other panels (code,
 * registers, memory, events, kernel objects) a moment later. Building all of them in the first
 * commit took most of a second on a small machine, and the guest's first console byte waited behind
 * it; a visitor opening a link wants to see the guest boot first.
 *
 * The panels are released when the console has shown its first byte (or the machine stopped without
 * printing, or the worker died), one frame after that byte is painted; and in any case
 * RELEASE_AFTER_MS after the page started rendering, so a silent guest never hides the debugger.
 *
 * Their code waits too: it is a chunk of its own (../panels.tsx), imported at the release, so the
 * first render neither downloads, parses nor evaluates it. `deferredPanel` makes the App's
 * components for them.
 */
import { Suspense, use, useSyncExternalStore, type ComponentType, type ReactNode } from "react";
import type * as Panels from "../panels";
import type { WorkbenchSnapshot, WorkbenchStore } from "../store";

/** The longest the panels wait for the first console byte. */
export const RELEASE_AFTER_MS = 1500;

let released = false;
const listeners = new Set<() => void>();

function release(): void {
  if (released) return;
  released = true;
  void loadDeferredPanels().catch(() => {});
  for (const listener of listeners) listener();
}

let panels: Promise<typeof Panels> | null = null;
let loadedPanels: typeof Panels | null = null;

/** The deferred panels' chunk (imported once; the release starts it). */
export function loadDeferredPanels(): Promise<typeof Panels> {
  panels ??= import("../panels").then((m) => (loadedPanels = m));
  return panels;
}

type PanelName = { [K in keyof typeof Panels]: (typeof Panels)[K] extends ComponentType<object> ? K : never }[keyof typeof Panels];

/**
 * A component that renders the deferred chunk's panel `name`: it suspends (inside Deferred's
 * Suspense) until the chunk is loaded, and renders at once ever after (React.lazy would suspend once
 * more for each panel, the first time each tab is shown).
 */
export function deferredPanel(name: PanelName): ComponentType {
  function DeferredPanel() {
    const m = loadedPanels ?? use(loadDeferredPanels());
    const Panel: ComponentType = m[name];
    return <Panel />;
  }
  DeferredPanel.displayName = `Deferred(${name})`;
  return DeferredPanel;
}

/** True once the page has something to show of the guest (or gave up waiting). */
export function firstOutputShown(s: WorkbenchSnapshot): boolean {
  if (s.consoleText.length > 0 || s.errors.length > 0 || s.connection.kind === "dead") return true;
  const kind = s.machine.kind;
  return kind === "exited" || kind === "paused" || kind === "error";
}

/**
 * Starts the countdown for the deferred panels (render.tsx calls it once, before the first render).
 * Returns a function that stops watching (tests).
 */
export function watchFirstOutput(store: WorkbenchStore, releaseAfterMs = RELEASE_AFTER_MS): () => void {
  if (released) return () => {};
  let frame = 0;
  const check = () => {
    if (frame !== 0 || !firstOutputShown(store.getSnapshot())) return;
    // Two frames: React commits the console on this one, the browser paints it, then the rest.
    frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => done());
    });
  };
  const timer = setTimeout(() => done(), releaseAfterMs);
  const unsubscribe = store.subscribe(check);
  function done(): void {
    clearTimeout(timer);
    unsubscribe();
    release();
  }
  check();
  return () => {
    clearTimeout(timer);
    if (frame !== 0) cancelAnimationFrame(frame);
    unsubscribe();
  };
}

function useReleased(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    () => released,
  );
}

/** Renders `children` once the first output is shown; until then an empty, busy panel. */
export function Deferred({ children, label }: { children: ReactNode; label: string }) {
  const ready = useReleased();
  const waiting = <section className="panel deferred-panel" aria-label={label} aria-busy="true" />;
  if (ready) return <Suspense fallback={waiting}>{children}</Suspense>;
  return waiting;
}
