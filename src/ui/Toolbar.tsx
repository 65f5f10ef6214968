/** Run / Pause / Step / Reset, the machine's state, and how fast it goes. */
import { useRef } from "react";
import type { MachineState } from "../../workers/api";
import { formatCount, formatMips } from "./format";
import { BUNDLED_GUESTS, LINUX_BUNDLED_GUEST } from "./guests";
import { usePanelState, useWorkbench, useWorkbenchState } from "./hooks";
import { ShareButton } from "./ShareButton";
import { SHORTCUTS } from "./shortcuts";

function GuestPicker({ disabled }: { disabled: boolean }) {
  const workbench = useWorkbench();
  const guestName = useWorkbenchState((s) => s.guestName);
  const fileInput = useRef<HTMLInputElement>(null);
  const bundled = BUNDLED_GUESTS.some((g) => g.file === guestName) || guestName === LINUX_BUNDLED_GUEST.file;
  const linux = LINUX_BUNDLED_GUEST;
  return (
    <div className="guest-picker">
      <label htmlFor="guest-select" className="muted">Guest</label>
      <select id="guest-select" className="select" disabled={disabled} value={bundled ? guestName! : ""}
        onChange={(e) => { if (e.target.value) void workbench.bootGuest(e.target.value); }}>
        {!bundled && <option value="">{guestName ?? "—"}</option>}
        {[true, false].map((lesson) => (
          <optgroup key={String(lesson)} label={lesson ? "Gallery: lessons" : "Test kernels"}>
            {BUNDLED_GUESTS.filter((g) => g.lesson === lesson).map((g) => (
              <option key={g.file} value={g.file} title={`${g.title}\n\n${g.description}`}>{g.file}</option>
            ))}
          </optgroup>
        ))}
        <optgroup label="Linux">
          <option value={linux.file} title={`${linux.title}\n\n${linux.description}`}>{linux.title}</option>
        </optgroup>
      </select>
      <button type="button" className="btn small" disabled={disabled} onClick={() => fileInput.current?.click()}
        title={"Boot a Multiboot v1 kernel (ELF32 or a.out kludge) from your disk, or a Linux kernel: a bzImage alone, " +
          "or a kernel (bzImage or ELF64 vmlinux) and its initrd picked together. Or drop them on the page."}>
        Open image…
      </button>
      <input ref={fileInput} type="file" hidden multiple data-testid="open-image"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = "";
          if (files.length > 0) void workbench.loadFiles(files);
        }} />
    </div>
  );
}

function ThemeToggle() {
  const workbench = useWorkbench();
  const theme = useWorkbenchState((s) => s.theme);
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button type="button" className="btn small theme-toggle" onClick={() => workbench.setTheme(next)}
      aria-label={`Switch to the ${next} theme`} title={`Switch to the ${next} theme`}>
      {theme === "dark" ? "Light" : "Dark"}
    </button>
  );
}

/** The state indicator's text; exported for tests. */
export function describeState(state: MachineState): string {
  switch (state.kind) {
    case "empty":
      return "no guest";
    case "loading":
      return `loading ${state.what}`;
    case "ready":
      return "ready";
    case "running":
      return "running";
    case "paused":
      switch (state.reason) {
        case "pause":
          return "paused";
        case "breakpoint":
          return `paused (breakpoint at 0x${state.address.toString(16)})`;
        case "exit":
          return "paused (after an exit)";
        default:
          return `paused (${state.reason})`;
      }
    case "exited":
      return `exited, status ${state.exitStatus} (0x${state.exitStatus.toString(16)})`;
    case "error":
      return `error${state.statusName ? ` ${state.statusName}` : ""}`;
  }
}

export function Toolbar() {
  const workbench = useWorkbench();
  const machine = useWorkbenchState((s) => s.machine);
  const connection = useWorkbenchState((s) => s.connection);
  const live = connection.kind === "connected";
  const stopped = machine.kind === "ready" || machine.kind === "paused";
  return (
    <header className="toolbar">
      <div className="brand">
        <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
          <rect x="3" y="3" width="26" height="26" rx="5" fill="none" stroke="currentColor" strokeWidth="2.5" />
          <rect x="10" y="10" width="12" height="12" rx="2" fill="currentColor" />
        </svg>
        <h1>Hypervisor Playground</h1>
        <span className="tagline">Zircon hypervisor syscalls · x86 in a tab</span>
      </div>
      <GuestPicker disabled={!live || machine.kind === "loading"} />
      <div className="controls" role="toolbar" aria-label="Machine controls">
        <button type="button" className="btn primary" disabled={!live || !stopped} onClick={() => void workbench.run()}
          title={`Resume the VCPU: the VMM's zx_vcpu_resume loop (${SHORTCUTS.run})`} aria-keyshortcuts={SHORTCUTS.run}>
          <span aria-hidden="true">▶</span> Run
        </button>
        <button type="button" className="btn" disabled={!live || machine.kind !== "running"} onClick={() => void workbench.pause()}
          title={`Stop the running VCPU with zx_vcpu_kick (${SHORTCUTS.pause})`} aria-keyshortcuts={SHORTCUTS.pause}>
          <span aria-hidden="true">❚❚</span> Pause
        </button>
        <button type="button" className="btn" disabled={!live || !stopped} onClick={() => void workbench.step()}
          title={`Execute one guest instruction (${SHORTCUTS.step})`} aria-keyshortcuts={SHORTCUTS.step}>
          <span aria-hidden="true">↓</span> Step
        </button>
        <button type="button" className="btn" disabled={!live || !stopped} onClick={() => void workbench.stepOver()}
          title={`Step over: a CALL, INT n or REP string instruction runs as one step (${SHORTCUTS.stepOver})`} aria-keyshortcuts={SHORTCUTS.stepOver}>
          <span aria-hidden="true">↷</span> Over
        </button>
        <button type="button" className="btn" disabled={!live || !stopped} onClick={() => void workbench.stepToExit()}
          title={`Run until the next VM exit and let the VMM handle it (${SHORTCUTS.stepToExit})`} aria-keyshortcuts={SHORTCUTS.stepToExit}>
          <span aria-hidden="true">⇥</span> To exit
        </button>
        <button type="button" className="btn" disabled={!live || machine.kind === "loading" || machine.kind === "empty"}
          onClick={() => void workbench.reset()} title="Create a new kernel and machine and reload the guest">
          <span aria-hidden="true">⟲</span> Reset
        </button>
      </div>
      <ShareButton />
      <ThemeToggle />
      <div className="status">
        <span className={`state-pill state-${machine.kind}`} data-testid="machine-state" role="status"
          title={machine.kind === "error" ? machine.message : undefined}>
          {connection.kind === "starting" ? "starting worker" : describeState(machine)}
        </span>
        <StatsLine />
      </div>
    </header>
  );
}

/** Instructions retired and MIPS: a live view, so it moves with the panels (usePanelState). */
function StatsLine() {
  const stats = usePanelState((s) => s.stats);
  if (!stats) return null;
  return (
    <span className="stats" data-testid="stats">
      {formatCount(stats.instructionsRetired)} instr · {formatMips(stats.instructionsRetired, stats.runMillis)}
    </span>
  );
}
