import { watchdogVerdict } from "./workbench";
import { describe, expect, it, vi } from "vitest";
import type { EventBatch, RegisterSnapshot, SyscallLogEntry } from "../../workers/api";
import { addErrors, afterNextPaint, appendCapped, applyBatch, BUSY_INSTRUCTIONS_PER_SECOND, changedRegisters, guestBusy, initialSnapshot, LOG_CAPACITY, PANEL_FALLBACK_MS, WorkbenchStore } from "./store";

function batch(partial: Partial<EventBatch>): EventBatch {
  return {
    seq: 0, newMachine: false, console: null, consoleDropped: 0, syscalls: [], syscallsDropped: 0, exits: [], exitsDropped: 0,
    state: null, registers: null, handles: null, stats: null, errors: [], ...partial,
  };
}

function regs(rax: bigint, rip: bigint): RegisterSnapshot {
  return {
    general: {
      rax, rcx: 0n, rdx: 0n, rbx: 0n, rsp: 0x8000n, rbp: 0n, rsi: 0n, rdi: 0n,
      r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, rflags: 2n,
    },
    arch: { rip, cr0: 0x11n },
    detail: null,
    instructions: 0,
  };
}

function call(seq: number): SyscallLogEntry {
  return { seq, thread: "1", name: "zx_vcpu_resume", args: "0x3", status: 0, statusName: "ZX_OK", detail: "" };
}

describe("appendCapped", () => {
  it("keeps the newest items once the ring is full", () => {
    expect(appendCapped([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(appendCapped([1], [2, 3, 4, 5, 6], 3)).toEqual([4, 5, 6]);
  });
  it("returns the same array when nothing is appended", () => {
    const ring = [1, 2];
    expect(appendCapped(ring, [], 4)).toBe(ring);
  });
});

describe("guestBusy", () => {
  const sample = (time: number, instructions: number) => ({ time, instructions, exits: 0 });
  it("is busy while a running guest computes, or before its stats show otherwise", () => {
    const running = { kind: "running" } as const;
    expect(guestBusy({ machine: running, statsSeries: [] })).toBe(true);
    expect(guestBusy({ machine: running, statsSeries: [sample(0, 0)] })).toBe(true);
    expect(guestBusy({ machine: running, statsSeries: [sample(0, 0), sample(250, BUSY_INSTRUCTIONS_PER_SECOND / 4)] })).toBe(true);
    expect(guestBusy({ machine: { kind: "loading", what: "linux" }, statsSeries: [] })).toBe(true);
  });
  it("is not busy when the guest waits (few instructions a second) or is not running", () => {
    const running = { kind: "running" } as const;
    expect(guestBusy({ machine: running, statsSeries: [sample(0, 5e9), sample(250, 5e9 + 1000)] })).toBe(false);
    expect(guestBusy({ machine: { kind: "paused", reason: "pause" }, statsSeries: [] })).toBe(false);
    expect(guestBusy({ machine: { kind: "empty" }, statsSeries: [] })).toBe(false);
  });
});

describe("changedRegisters", () => {
  it("names exactly the registers whose values differ, general and arch", () => {
    const changed = changedRegisters(regs(1n, 0x1000n), regs(2n, 0x1002n));
    expect([...changed].sort()).toEqual(["rax", "rip"]);
  });
  it("is empty with no previous snapshot", () => {
    expect(changedRegisters(null, regs(1n, 2n)).size).toBe(0);
  });
});

describe("applyBatch", () => {
  it("counts syscalls including those the worker dropped, and caps the ring", () => {
    let s = initialSnapshot(true);
    const many = Array.from({ length: LOG_CAPACITY }, (_, i) => call(i));
    s = applyBatch(s, batch({ syscalls: many, syscallsDropped: 10 }), "");
    s = applyBatch(s, batch({ syscalls: [call(LOG_CAPACITY + 10)] }), "");
    expect(s.syscallTotal).toBe(LOG_CAPACITY + 11);
    expect(s.syscalls.length).toBe(LOG_CAPACITY);
    expect(s.syscalls[s.syscalls.length - 1].seq).toBe(LOG_CAPACITY + 10);
    expect(s.syscalls[0].seq).toBe(1);
  });

  it("moves the live views (logs, totals, console text) with the stats while running, at once otherwise", () => {
    const stats = { instructionsRetired: 1000, exitsByKind: { io: 1 }, runMillis: 1 };
    const running = { kind: "running" } as const;
    let s = initialSnapshot(true);
    s = applyBatch(s, batch({ state: running, syscalls: [call(0)] }), "");
    const connection = s.connection;
    // A running machine's batches without stats: the data moves, the live views stay.
    s = applyBatch(s, batch({ syscalls: [call(1)] }), "hi");
    s = applyBatch(s, batch({ syscalls: [call(2)] }), "!");
    expect(s.syscallTotal).toBe(3);
    expect(s.consoleText).toBe("hi!");
    expect(s.shown.syscallTotal).toBe(0);
    expect(s.shown.syscalls).toEqual([]);
    expect(s.shown.consoleText).toBe("");
    // The same connection object at every batch (its readers re-render only when it changes).
    expect(s.connection).toBe(connection);
    // The stats batch brings the live views up to date, all at once.
    s = applyBatch(s, batch({ syscalls: [call(3)], stats }), "");
    expect(s.shown).toEqual({ exits: s.exits, exitTotal: 0, syscalls: s.syscalls, syscallTotal: 4, consoleText: "hi!" });
    const shown = s.shown;
    s = applyBatch(s, batch({ stats }), "");
    expect(s.shown).toBe(shown);
    // Once the machine stops, at every batch.
    s = applyBatch(s, batch({ syscalls: [call(4)] }), "");
    expect(s.shown.syscallTotal).toBe(4);
    s = applyBatch(s, batch({ state: { kind: "paused", reason: "pause" } }), "");
    expect(s.shown.syscallTotal).toBe(5);
    s = applyBatch(s, batch({ syscalls: [call(5)] }), "x");
    expect(s.shown.syscallTotal).toBe(6);
    expect(s.shown.consoleText).toBe("hi!x");
  });

  it("highlights registers changed since the previous stop", () => {
    let s = initialSnapshot(true);
    s = applyBatch(s, batch({ registers: regs(5n, 0x100000n) }), "");
    expect(s.changedRegisters.size).toBe(0);
    s = applyBatch(s, batch({ registers: regs(5n, 0x100005n) }), "");
    expect([...s.changedRegisters]).toEqual(["rip"]);
  });

  it("clears console text and registers when a new machine is created", () => {
    let s = initialSnapshot(true);
    s = applyBatch(s, batch({ registers: regs(1n, 1n) }), "hello");
    expect(s.consoleText).toBe("hello");
    s = applyBatch(s, batch({ newMachine: true, state: { kind: "loading", what: "hello.elf" } }), "");
    expect(s.consoleText).toBe("");
    expect(s.registers).toBeNull();
    expect(s.machine).toEqual({ kind: "loading", what: "hello.elf" });
    expect(s.guestName).toBe("hello.elf");
  });

  it("learns the guest's name from a new machine even when its \"loading\" state was overtaken in the batch", () => {
    const s = applyBatch(initialSnapshot(true), batch({ newMachine: true, guestName: "trap.asm", state: { kind: "ready" } }), "");
    expect(s.guestName).toBe("trap.asm");
  });

  it("keeps the user's traps across a new worker", () => {
    const store = new WorkbenchStore(true);
    const trap = { kind: "mem" as const, addr: 0xd0000000, size: 0x1000, key: 7n };
    store.update({ traps: [trap] });
    store.resetForNewWorker();
    expect(store.getSnapshot().traps).toEqual([trap]);
  });

  it("marks the connection live on any batch", () => {
    const s = applyBatch(initialSnapshot(true), batch({}), "");
    expect(s.connection.kind).toBe("connected");
  });
});

describe("WorkbenchStore", () => {
  it("decodes UTF-8 split across batches and replays raw bytes to late console listeners", () => {
    const store = new WorkbenchStore(true);
    const bytes = new TextEncoder().encode("héllo");
    // "é" is two bytes (0xC3 0xA9): split it between two batches.
    store.applyBatch(batch({ console: bytes.slice(0, 2) }));
    store.applyBatch(batch({ console: bytes.slice(2) }));
    expect(store.getSnapshot().consoleText).toBe("héllo");
    const seen: number[] = [];
    store.subscribeConsole({ bytes: (b) => seen.push(...b), clear: () => seen.splice(0) });
    expect(Uint8Array.from(seen)).toEqual(bytes);
  });

  it("forgets the old worker's machine when a new worker starts, but keeps the errors", () => {
    const store = new WorkbenchStore(true);
    let cleared = 0;
    store.subscribeConsole({ bytes: () => {}, clear: () => cleared++ });
    store.applyBatch(batch({ console: new Uint8Array([65]), state: { kind: "exited", exitStatus: 1 }, errors: ["boom"] }));
    store.setConnection({ kind: "dead", message: "gone" });
    store.resetForNewWorker();
    const s = store.getSnapshot();
    expect(s.machine).toEqual({ kind: "empty" });
    expect(s.connection).toEqual({ kind: "starting" });
    expect(s.consoleText).toBe("");
    expect(s.errors).toEqual(["boom"]);
    expect(cleared).toBe(1);
  });

  it("notifies subscribers once per batch and clears terminals on reload", () => {
    const store = new WorkbenchStore(true);
    let notified = 0;
    store.subscribe(() => notified++);
    let cleared = 0;
    store.subscribeConsole({ bytes: () => {}, clear: () => cleared++ });
    store.applyBatch(batch({ console: new Uint8Array([65]) }));
    store.applyBatch(batch({ newMachine: true, state: { kind: "loading", what: "x" } }));
    expect(notified).toBe(2);
    expect(cleared).toBe(1);
    const late: number[] = [];
    store.subscribeConsole({ bytes: (b) => late.push(...b), clear: () => {} });
    expect(late).toEqual([]);
  });
});

describe("the panels' snapshot", () => {
  it("follows the snapshot once the frame that shows it has painted, one notification per frame", () => {
    const painted: (() => void)[] = [];
    const store = new WorkbenchStore(true, (fn) => painted.push(fn));
    let now = 0;
    let panels = 0;
    store.subscribe(() => now++);
    store.subscribePanels(() => panels++);
    const before = store.getPanelSnapshot();
    store.applyBatch(batch({ state: { kind: "running" } }));
    store.applyBatch(batch({ state: { kind: "paused", reason: "pause" } }));
    // The state pill's subscribers see both batches at once; the panels nothing yet.
    expect(now).toBe(2);
    expect(store.getSnapshot().machine).toEqual({ kind: "paused", reason: "pause" });
    expect(store.getPanelSnapshot()).toBe(before);
    expect(panels).toBe(0);
    // One frame later, the panels get the newest snapshot, once.
    expect(painted).toHaveLength(1);
    painted.shift()!();
    expect(store.getPanelSnapshot()).toBe(store.getSnapshot());
    expect(panels).toBe(1);
    // A later change is scheduled again.
    store.update({ theme: "light" });
    expect(painted).toHaveLength(1);
    painted.shift()!();
    expect(store.getPanelSnapshot().theme).toBe("light");
    expect(panels).toBe(2);
  });

  it("reaches a page that draws no frames (a hidden tab) after PANEL_FALLBACK_MS", () => {
    vi.useFakeTimers();
    try {
      const store = new WorkbenchStore(true, afterNextPaint);
      let panels = 0;
      store.subscribePanels(() => panels++);
      store.update({ theme: "light" });
      vi.advanceTimersByTime(PANEL_FALLBACK_MS - 1);
      expect(panels).toBe(0);
      vi.advanceTimersByTime(1);
      expect(panels).toBe(1);
      expect(store.getPanelSnapshot()).toBe(store.getSnapshot());
    } finally {
      vi.useRealTimers();
    }
  });

  it("reaches a drawing page in a task after its next animation frame", () => {
    vi.useFakeTimers();
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal("requestAnimationFrame", (fn: FrameRequestCallback) => frames.push(fn));
    try {
      const store = new WorkbenchStore(true, afterNextPaint);
      let panels = 0;
      store.subscribePanels(() => panels++);
      store.update({ theme: "light" });
      expect(frames).toHaveLength(1);
      frames[0](0);
      expect(panels).toBe(0);
      vi.advanceTimersByTime(0);
      expect(panels).toBe(1);
      // The fallback, cancelled, does not notify again.
      vi.advanceTimersByTime(PANEL_FALLBACK_MS);
      expect(panels).toBe(1);
    } finally {
      vi.unstubAllGlobals();
      vi.useRealTimers();
    }
  });
});

describe("the worker watchdog", () => {
  it("declares the worker dead after 8 s of silence, but not when the page itself was blocked", () => {
    expect(watchdogVerdict(10_000, 8_000, 5_000)).toBe("alive");
    expect(watchdogVerdict(20_000, 18_000, 11_000)).toBe("dead");
    // The previous tick was 9 s ago: the page did not run, so silence proves nothing.
    expect(watchdogVerdict(20_000, 11_000, 11_000)).toBe("page-was-blocked");
    expect(watchdogVerdict(20_000, 0, 11_000)).toBe("dead");
  });
});

describe("addErrors", () => {
  it("shows one problem once, with the most context, in either order of arrival", () => {
    const worker = "g.elf: Multiboot header checksum is wrong";
    const page = `Could not boot the share link: ${worker}`;
    expect(addErrors([], [worker, page])).toEqual([page]);
    expect(addErrors([page], [worker])).toEqual([page]);
    expect(addErrors(["other"], [worker, page, worker])).toEqual(["other", page]);
    // Distinct problems all stay, newest last, at most 20.
    const many = Array.from({ length: 25 }, (_, i) => `problem number ${String(i).padStart(2, "0")}`);
    expect(addErrors([], many)).toEqual(many.slice(5));
  });
});
