/**
 * The page's external store (STYLE.md §E): engine state lives in the worker; this store only keeps
 * the latest picture, fed by EventBatches, and React reads it with useSyncExternalStore through
 * narrow selectors (src/ui/hooks.ts). The reducer `applyBatch` is pure, so it is tested without
 * React or a browser (store.test.ts).
 *
 * Console bytes do not go through React: xterm.js is written to directly by console listeners, and
 * only a decoded, capped text mirror sits in the snapshot (for the hidden test hook and a11y).
 */
import type { LineMapEntry } from "../asm/types";
import type {
  EventBatch,
  ExitRecord,
  HandleRow,
  MachineState,
  MachineStats,
  RegisterSnapshot,
  SyscallLogEntry,
  UserTrap,
} from "../../workers/api";

/** The page keeps the newest this many syscall and exit rows (a ring, with totals counted). */
export const LOG_CAPACITY = 2000;
/** Characters of console text kept in the mirror. */
export const CONSOLE_TEXT_CAPACITY = 64 * 1024;
/** Console bytes kept for replay into a freshly mounted terminal. */
export const CONSOLE_HISTORY_CAPACITY = 256 * 1024;
const ERROR_CAPACITY = 20;
/** Stats samples kept for the exits/MIPS plot (at one per ~250 ms: about four minutes). */
export const STATS_SERIES_CAPACITY = 1000;

/**
 * The fields of the snapshot that change with nearly every batch while a guest runs, as the live
 * views show them. They move together, once per stats batch: every change on screen costs the
 * page a frame's work (without a GPU, at 1440×900: ~15 ms of the main thread for React, style,
 * layout and paint, ~12 ms of the raster threads). The device clock alone logs three syscalls per
 * tick (18 a second); with a counter, a log and the text mirror each changing on batches of their
 * own, the page redrew ~15 times a second while a guest that prints nothing ran.
 */
export interface LiveViews {
  readonly exits: readonly ExitRecord[];
  readonly exitTotal: number;
  readonly syscalls: readonly SyscallLogEntry[];
  readonly syscallTotal: number;
  readonly consoleText: string;
}

/** One point of the exits-per-second / MIPS plot, taken when a stats event arrived. */
export interface StatsSample {
  /** Page time (performance.now(), ms). */
  time: number;
  instructions: number;
  /** Total VM exits so far (all kinds). */
  exits: number;
}

/** A program assembled in the editor and booted: what maps source lines to guest addresses. */
export interface ProgramInfo {
  /** File name shown in the UI and used in the listing ("guest.asm"). */
  name: string;
  text: string;
  /** From src/asm's AssembleResult, sorted by address. */
  lineMap: readonly LineMapEntry[];
}

export type ThemeName = "dark" | "light";

export type Connection =
  | { kind: "starting" }
  | { kind: "connected" }
  /** The worker died or stopped answering; the page offers a restart. */
  | { kind: "dead"; message: string };

export interface WorkbenchSnapshot {
  connection: Connection;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer available). */
  isolated: boolean;
  machine: MachineState;
  /** Increases with every new machine (load, reset, new worker): views of guest RAM must be refetched. */
  machineGeneration: number;
  /** The guest's name (file name) of the current machine, from the last "loading" state. */
  guestName: string | null;
  consoleText: string;
  syscalls: readonly SyscallLogEntry[];
  syscallTotal: number;
  exits: readonly ExitRecord[];
  exitTotal: number;
  /**
   * What the live views show (the logs, the tabs' counters, the console's text mirror): while the
   * machine runs, the state as of its last stats (every 250 ms, the same render as the stats line
   * and the plot); exact whenever it is not running (LiveViews).
   */
  shown: LiveViews;
  registers: RegisterSnapshot | null;
  /** Register names (general and arch) whose value differs from the previous snapshot. */
  changedRegisters: ReadonlySet<string>;
  handles: readonly HandleRow[];
  stats: MachineStats | null;
  /** Newest last. */
  errors: readonly string[];
  /** Breakpoints (RIP values), sorted; the worker holds the same set (Workbench.setBreakpoints). */
  breakpoints: readonly bigint[];
  /**
   * The user's MEM and BELL traps, in the order added; the worker holds the same list and sets it on
   * every machine it creates (Workbench.addTrap / removeTrap / setTraps). Share puts them in the link.
   */
  traps: readonly UserTrap[];
  /** Stats over time for the plot, newest last (capped at STATS_SERIES_CAPACITY; cleared with a new machine). */
  statsSeries: readonly StatsSample[];
  /** An address the code view should show (the exit timeline, the editor); null: follow RIP. */
  codeFocus: bigint | null;
  /** An address the memory view should show (the address-space map, a register); null: keep its own. */
  memoryFocus: { address: bigint; space: "physical" | "virtual" } | null;
  /** The program the editor assembled and booted (for source-line breakpoints and the current line); null for images. */
  program: ProgramInfo | null;
  theme: ThemeName;
}

export function initialSnapshot(isolated: boolean): WorkbenchSnapshot {
  return {
    connection: { kind: "starting" },
    isolated,
    machine: { kind: "empty" },
    machineGeneration: 0,
    guestName: null,
    consoleText: "",
    syscalls: [],
    syscallTotal: 0,
    exits: [],
    exitTotal: 0,
    shown: { exits: [], exitTotal: 0, syscalls: [], syscallTotal: 0, consoleText: "" },
    registers: null,
    changedRegisters: new Set(),
    handles: [],
    stats: null,
    errors: [],
    breakpoints: [],
    traps: [],
    statsSeries: [],
    codeFocus: null,
    memoryFocus: null,
    program: null,
    theme: "dark",
  };
}

/** A running guest that retires fewer instructions a second than this waits (at a prompt, in HLT) rather than computes. */
export const BUSY_INSTRUCTIONS_PER_SECOND = 2_000_000;

/**
 * Whether the guest keeps the worker's core busy: it is running, and its last stats (StatsSample)
 * show it computing, or there are none yet (it has only just started). Background work waits for
 * this to be false (coi.ts setBackgroundGate).
 */
export function guestBusy(snapshot: Pick<WorkbenchSnapshot, "machine" | "statsSeries">): boolean {
  if (snapshot.machine.kind !== "running" && snapshot.machine.kind !== "loading") return false;
  const s = snapshot.statsSeries;
  if (s.length < 2) return true;
  const a = s[s.length - 2], b = s[s.length - 1];
  const seconds = (b.time - a.time) / 1000;
  return seconds <= 0 || (b.instructions - a.instructions) / seconds >= BUSY_INSTRUCTIONS_PER_SECOND;
}

/** Total exits in a stats record. */
export function totalExits(stats: MachineStats): number {
  let n = 0;
  for (const v of Object.values(stats.exitsByKind)) n += v;
  return n;
}

/** Appends to a capped ring, returning a new array (snapshots are immutable). */
export function appendCapped<T>(ring: readonly T[], items: readonly T[], capacity: number): readonly T[] {
  if (items.length === 0) return ring;
  if (items.length >= capacity) return items.slice(items.length - capacity);
  const keep = Math.max(0, ring.length + items.length - capacity);
  const out = ring.slice(keep) as T[];
  for (const item of items) out.push(item);
  return out;
}

/** The names of registers whose values differ between two snapshots (empty when `before` is null). */
export function changedRegisters(before: RegisterSnapshot | null, after: RegisterSnapshot | null): Set<string> {
  const changed = new Set<string>();
  if (!before || !after) return changed;
  if (before.general && after.general) {
    for (const key of Object.keys(after.general) as (keyof typeof after.general)[]) {
      if (before.general[key] !== after.general[key]) changed.add(key);
    }
  }
  if (before.arch && after.arch) {
    for (const key of Object.keys(after.arch)) {
      if (before.arch[key] !== after.arch[key]) changed.add(key);
    }
  }
  return changed;
}

/**
 * The errors shown after `incoming` arrive, newest last, at most ERROR_CAPACITY. One problem is
 * often reported twice, by the worker ("g.elf: bad header") and by the page's caller with context
 * ("Could not boot the share link: g.elf: bad header"), in either order: a message contained in one
 * already shown is left out, and one that contains an earlier message takes its place.
 */
export function addErrors(existing: readonly string[], incoming: readonly string[]): readonly string[] {
  let out = existing;
  for (const message of incoming) {
    if (out.some((shown) => shown.includes(message))) continue;
    out = appendCapped(out.filter((shown) => !message.includes(shown)), [message], ERROR_CAPACITY);
  }
  return out;
}

/**
 * Applies one batch. `consoleText` is the batch's console bytes already decoded by the caller (the
 * decoder is stateful across batches: a UTF-8 sequence may be split between two).
 */
export function applyBatch(state: WorkbenchSnapshot, batch: EventBatch, consoleText: string, now = 0): WorkbenchSnapshot {
  // The same object while connected: a fresh one per batch re-rendered every component that reads
  // the connection (the App among them, and so the whole page) at every batch.
  const next: WorkbenchSnapshot = { ...state, connection: state.connection.kind === "connected" ? state.connection : { kind: "connected" } };
  // A new machine: forget what the previous one printed and showed (the log keeps its history).
  if (batch.newMachine) {
    next.machineGeneration = state.machineGeneration + 1;
    next.consoleText = "";
    next.registers = null;
    next.changedRegisters = new Set();
    next.stats = null;
    next.statsSeries = [];
    if (batch.guestName !== undefined) next.guestName = batch.guestName;
  }
  if (batch.state) {
    next.machine = batch.state;
    if (batch.state.kind === "loading") next.guestName = batch.state.what;
  }
  if (consoleText) {
    const text = next.consoleText + consoleText;
    next.consoleText = text.length > CONSOLE_TEXT_CAPACITY ? text.slice(text.length - CONSOLE_TEXT_CAPACITY) : text;
  }
  if (batch.syscalls.length > 0 || batch.syscallsDropped > 0) {
    next.syscalls = appendCapped(state.syscalls, batch.syscalls, LOG_CAPACITY);
    next.syscallTotal = state.syscallTotal + batch.syscalls.length + batch.syscallsDropped;
  }
  if (batch.exits.length > 0 || batch.exitsDropped > 0) {
    next.exits = appendCapped(state.exits, batch.exits, LOG_CAPACITY);
    next.exitTotal = state.exitTotal + batch.exits.length + batch.exitsDropped;
  }
  if (batch.registers) {
    next.changedRegisters = changedRegisters(next.registers, batch.registers);
    next.registers = batch.registers;
  }
  if (batch.handles) next.handles = batch.handles;
  if (batch.stats) {
    next.stats = batch.stats;
    const sample = { time: now, instructions: batch.stats.instructionsRetired, exits: totalExits(batch.stats) };
    next.statsSeries = appendCapped(next.statsSeries, [sample], STATS_SERIES_CAPACITY);
  }
  if (batch.errors.length > 0) next.errors = addErrors(state.errors, batch.errors);
  if (batch.stats || next.machine.kind !== "running") {
    const shown = next.shown;
    if (shown.exits !== next.exits || shown.syscalls !== next.syscalls || shown.consoleText !== next.consoleText
      || shown.exitTotal !== next.exitTotal || shown.syscallTotal !== next.syscallTotal) {
      next.shown = { exits: next.exits, exitTotal: next.exitTotal, syscalls: next.syscalls, syscallTotal: next.syscallTotal, consoleText: next.consoleText };
    }
  }
  return next;
}

/** Receives the guest's console output as raw bytes (xterm.js decodes UTF-8 itself). */
export interface ConsoleListener {
  bytes(data: Uint8Array): void;
  /** `bytes` of output the worker dropped before the next bytes() (it was that far ahead of the page). */
  dropped?(bytes: number): void;
  /** A new machine was created: start from a clean screen. */
  clear(): void;
}

/**
 * Calls `fn` once the page has painted what the current task changed: from the next animation
 * frame, a task of its own (so after that frame's paint), or after PANEL_FALLBACK_MS when no frame
 * comes (a hidden tab draws none).
 */
export type AfterPaint = (fn: () => void) => void;

/** How long a hidden page (no animation frames) waits before the panels see a change. */
export const PANEL_FALLBACK_MS = 100;

export const afterNextPaint: AfterPaint = (fn) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    fn();
  };
  const fallback = setTimeout(once, PANEL_FALLBACK_MS);
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(once, 0));
};

/**
 * Holds the snapshot and notifies subscribers; the only mutable piece of UI state.
 *
 * Two views of it: the snapshot, for what answers the user's input (the machine's state and the
 * controls, errors), and the panels' snapshot, the same object one painted frame later. A change
 * reaches the panels (registers, memory, disassembly, logs, plot, the editor's execution line)
 * only after the frame that shows the state pill has been drawn: Pause shows "paused" in the next
 * frame, and the ~10 ms of rendering the panels' new contents goes to the frame after it.
 */
export class WorkbenchStore {
  private snapshot: WorkbenchSnapshot;
  private readonly listeners = new Set<() => void>();
  private panelSnapshot: WorkbenchSnapshot;
  private readonly panelListeners = new Set<() => void>();
  private panelsScheduled = false;
  private readonly afterPaint: AfterPaint;
  private readonly consoleListeners = new Set<ConsoleListener>();
  private decoder = new TextDecoder("utf-8");
  /** Raw console bytes for replay into a terminal mounted later; oldest chunks dropped first. */
  private history: Uint8Array[] = [];
  private historyBytes = 0;

  /** `afterPaint` defaults to afterNextPaint; tests pass their own. */
  constructor(isolated: boolean, afterPaint: AfterPaint = afterNextPaint) {
    this.snapshot = initialSnapshot(isolated);
    this.panelSnapshot = this.snapshot;
    this.afterPaint = afterPaint;
  }

  getSnapshot = (): WorkbenchSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The snapshot as the panels show it: getSnapshot()'s value once a frame has painted it. */
  getPanelSnapshot = (): WorkbenchSnapshot => this.panelSnapshot;

  subscribePanels = (listener: () => void): (() => void) => {
    this.panelListeners.add(listener);
    return () => this.panelListeners.delete(listener);
  };

  /** Registers a console listener and replays the history into it. */
  subscribeConsole(listener: ConsoleListener): () => void {
    this.consoleListeners.add(listener);
    for (const chunk of this.history) listener.bytes(chunk);
    return () => this.consoleListeners.delete(listener);
  }

  applyBatch(batch: EventBatch): void {
    if (batch.newMachine) {
      this.decoder = new TextDecoder("utf-8");
      this.history = [];
      this.historyBytes = 0;
      for (const l of this.consoleListeners) l.clear();
    }
    let text = "";
    if (batch.consoleDropped > 0) {
      for (const l of this.consoleListeners) l.dropped?.(batch.consoleDropped);
    }
    if (batch.console && batch.console.length > 0) {
      const bytes = batch.console;
      text = this.decoder.decode(bytes, { stream: true });
      this.history.push(bytes);
      this.historyBytes += bytes.length;
      while (this.historyBytes > CONSOLE_HISTORY_CAPACITY && this.history.length > 1) {
        this.historyBytes -= this.history.shift()!.length;
      }
      for (const l of this.consoleListeners) l.bytes(bytes);
    }
    this.set(applyBatch(this.snapshot, batch, text, performance.now()));
  }

  /**
   * A new worker is starting: nothing of the old one's machine is true any more. Errors stay (they
   * may explain why the old worker died).
   */
  resetForNewWorker(): void {
    this.decoder = new TextDecoder("utf-8");
    this.history = [];
    this.historyBytes = 0;
    for (const l of this.consoleListeners) l.clear();
    this.set({
      ...initialSnapshot(this.snapshot.isolated),
      machineGeneration: this.snapshot.machineGeneration + 1,
      errors: this.snapshot.errors,
      breakpoints: this.snapshot.breakpoints,
      traps: this.snapshot.traps,
      program: this.snapshot.program,
      theme: this.snapshot.theme,
    });
  }

  /**
   * The machine's state as the worker's shared words told it (Workbench.pause), ahead of the state
   * event, which follows with the same state (and the registers of the stop).
   */
  setMachine(machine: MachineState): void {
    this.set({ ...this.snapshot, machine });
  }

  setConnection(connection: Connection): void {
    this.set({ ...this.snapshot, connection });
  }

  addError(message: string): void {
    this.set({ ...this.snapshot, errors: addErrors(this.snapshot.errors, [message]) });
  }

  /** Replaces a few UI-owned fields (breakpoints, traps, focus, program, theme). */
  update(changes: Partial<Pick<WorkbenchSnapshot, "breakpoints" | "traps" | "codeFocus" | "memoryFocus" | "program" | "theme">>): void {
    this.set({ ...this.snapshot, ...changes });
  }

  dismissErrors(): void {
    this.set({ ...this.snapshot, errors: [] });
  }

  private set(next: WorkbenchSnapshot): void {
    this.snapshot = next;
    for (const l of this.listeners) l();
    if (this.panelsScheduled) return;
    this.panelsScheduled = true;
    this.afterPaint(this.publishToPanels);
  }

  private readonly publishToPanels = (): void => {
    this.panelsScheduled = false;
    if (this.panelSnapshot === this.snapshot) return;
    this.panelSnapshot = this.snapshot;
    for (const l of this.panelListeners) l();
  };
}
