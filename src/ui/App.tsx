/**
 * The playground: toolbar on top, the workspace below (code and console, registers and memory,
 * events and kernel objects; see layout/Workspace.tsx), the debugger's keyboard shortcuts, the
 * theme, and the overlays (a dead worker).
 */
import { lazy, Suspense, useEffect, useState } from "react";
import { ConsolePanel } from "./ConsolePanel";
import { formatCount } from "./format";
import { usePanelState, useWorkbench, useWorkbenchState } from "./hooks";
import { StopExplanation } from "./StopExplanation";
import { deferredPanel } from "./layout/Deferred";
import { Workspace } from "./layout/Workspace";
import { actionForKey } from "./shortcuts";
import { applyTheme } from "./theme";
import { Toolbar } from "./Toolbar";

// Monaco is large: it loads when the editor tab is first shown, from the app's own bundle.
const EditorPanel = lazy(() => import("./editor/EditorPanel"));
// The other panels wait for the guest's first output (layout/Deferred.tsx), in a chunk of their own.
const DisassemblyPanel = deferredPanel("DisassemblyPanel");
const MemoryPanel = deferredPanel("MemoryPanel");
const RegistersPanel = deferredPanel("RegistersPanel");
const AddressSpaceMap = deferredPanel("AddressSpaceMap");
const ExitTimeline = deferredPanel("ExitTimeline");
const HandleTable = deferredPanel("HandleTable");
const SyscallForms = deferredPanel("SyscallForms");
const SyscallLog = deferredPanel("SyscallLog");

function WorkerDead() {
  const workbench = useWorkbench();
  const connection = useWorkbenchState((s) => s.connection);
  const guestName = useWorkbenchState((s) => s.guestName);
  if (connection.kind !== "dead") return null;
  return (
    <div className="overlay" role="alertdialog" aria-labelledby="dead-title" aria-describedby="dead-message">
      <div className="overlay-card">
        <h2 id="dead-title">The hypervisor worker stopped</h2>
        <p id="dead-message">{connection.message}</p>
        <p className="muted">
          The guest's state is lost. A restart creates a new kernel and boots {guestName ?? "the default guest"} again, with your breakpoints and traps.
        </p>
        <button type="button" className="btn primary" onClick={() => workbench.restart()}>
          Restart worker
        </button>
      </div>
    </div>
  );
}

function Notices() {
  const workbench = useWorkbench();
  const isolated = useWorkbenchState((s) => s.isolated);
  const errors = useWorkbenchState((s) => s.errors);
  return (
    <>
      {!isolated && (
        <div className="notice warn" role="status">
          This page is not cross-origin isolated, so SharedArrayBuffer (guest RAM) is unavailable. Serve it
          with COOP/COEP headers, or from a host where the bundled service worker can add them.
        </div>
      )}
      {errors.length > 0 && (
        <div className="notice error" role="alert" data-testid="errors">
          <ul>
            {errors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
          <button type="button" className="btn small" onClick={() => workbench.store.dismissErrors()}>
            Dismiss
          </button>
        </div>
      )}
      <StopExplanation />
    </>
  );
}

/** F5 / Shift+F5 / F10 / F11 / F8 anywhere on the page (shortcuts.ts). */
function useDebuggerShortcuts(): void {
  const workbench = useWorkbench();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = actionForKey(e);
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      const { machine, connection } = workbench.store.getSnapshot();
      if (connection.kind !== "connected") return;
      const stopped = machine.kind === "ready" || machine.kind === "paused";
      if (action === "pause") {
        if (machine.kind === "running") void workbench.pause();
        return;
      }
      if (!stopped) return;
      if (action === "run") void workbench.run();
      else if (action === "step") void workbench.step();
      else if (action === "stepOver") void workbench.stepOver();
      else void workbench.stepToExit();
    };
    // Capture phase: Monaco and xterm.js would otherwise take the function keys.
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [workbench]);
}

/** Whether a drag carries files (not text dragged inside the editor, say). */
function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes("Files") ?? false;
}

/**
 * Files dropped anywhere on the page boot as "Open image…" would (open-files.ts: a guest image, a
 * bzImage alone, or a Linux kernel and its initrd together). While files are dragged over the page
 * it says what a drop does. Text drags (the editor's) are left alone.
 */
function useFileDrop(): boolean {
  const workbench = useWorkbench();
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    // dragenter/dragleave fire for every element crossed: count them to know when the drag left the page.
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      // Without this the browser opens the file instead of letting us have it.
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      const { connection } = workbench.store.getSnapshot();
      if (files.length === 0) return;
      if (connection.kind !== "connected") {
        workbench.store.addError("Open image: the hypervisor worker is not running");
        return;
      }
      void workbench.loadFiles(files);
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragleave", leave);
    window.addEventListener("dragover", over);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("dragover", over);
      window.removeEventListener("drop", drop);
    };
  }, [workbench]);
  return dragging;
}

/** A tab's live count (exits, syscalls), as WorkbenchSnapshot.shown has it. */
function Count({ of }: { of: "exitTotal" | "syscallTotal" }) {
  const n = usePanelState((s) => s.shown[of]);
  return <span className="count"> {formatCount(n)}</span>;
}

function useTheme(): void {
  const theme = useWorkbenchState((s) => s.theme);
  useEffect(() => applyTheme(theme, true), [theme]);
}

export function App() {
  useDebuggerShortcuts();
  useTheme();
  const dragging = useFileDrop();
  const program = useWorkbenchState((s) => s.program);
  const [codeTab, setCodeTab] = useState<string | undefined>(undefined);
  // A program assembled in the editor is what the user is working on: keep the editor in front.
  useEffect(() => {
    if (program) setCodeTab("editor");
  }, [program]);
  // "Show this instruction" (an exit in the timeline): the disassembly comes to the front.
  const codeFocus = useWorkbenchState((s) => s.codeFocus);
  useEffect(() => {
    if (codeFocus !== null) setCodeTab("disassembly");
  }, [codeFocus]);
  return (
    <div className="app">
      <Toolbar />
      <Notices />
      <Workspace
        codeTab={codeTab}
        onCodeTab={setCodeTab}
        code={[
          { id: "disassembly", label: "Disassembly", render: () => <DisassemblyPanel /> },
          {
            id: "editor", label: "Editor", keepMounted: true,
            render: () => (
              <Suspense fallback={<div className="panel-body muted loading-note" role="status">Loading the editor…</div>}>
                <EditorPanel />
              </Suspense>
            ),
          },
        ]}
        console={<ConsolePanel />}
        registers={<RegistersPanel />}
        memory={<MemoryPanel />}
        events={[
          { id: "exits", label: "VM exits", render: () => <ExitTimeline />, badge: <Count of="exitTotal" /> },
          { id: "syscalls", label: "Syscalls", render: () => <SyscallLog />, badge: <Count of="syscallTotal" /> },
        ]}
        kernel={[
          { id: "handles", label: "Handles", render: () => <HandleTable /> },
          { id: "calls", label: "Make a call", render: () => <SyscallForms /> },
          { id: "map", label: "Address space", render: () => <AddressSpaceMap /> },
        ]}
      />
      <WorkerDead />
      {dragging && (
        <div className="overlay drop-overlay" role="status" data-testid="drop-overlay">
          <div className="overlay-card">
            <h2>Drop to boot</h2>
            <p>One guest image (a Multiboot kernel), a Linux bzImage, or a Linux kernel and its initrd together.</p>
          </div>
        </div>
      )}
    </div>
  );
}
