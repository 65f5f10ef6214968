/**
 * Pause answered inside the click (Workbench.pause, HypervisorApi.controlWords): the page waits a
 * few ms for the worker's shared words to say the run ended at the pause, so the frame after the
 * click shows "paused". The wait alone (awaitPaused, with a stand-in clock that plays the worker),
 * then a real Workbench against a real HypervisorSession on a thread of its own
 * (testing/session-thread.mjs) running a guest flat out.
 */
import { Worker as NodeWorker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { CONTROL_RUN_END, CONTROL_RUN_ENDS, CONTROL_WORDS, RUN_END_OTHER, RUN_END_PAUSE } from "../../workers/api";
import { until } from "./testing/until";
import { Workbench, awaitPaused } from "./workbench";

/** A clock for awaitPaused that advances 1 ms a reading and, at reading `at`, ends the run as `how`. */
function clockEndingRun(words: Int32Array, at: number, how: number): { now: () => number; readings: () => number } {
  let t = 0;
  return {
    now: () => {
      t++;
      if (t === at) {
        Atomics.store(words, CONTROL_RUN_END, how);
        Atomics.add(words, CONTROL_RUN_ENDS, 1);
      }
      return t;
    },
    readings: () => t,
  };
}

describe("awaitPaused", () => {
  it("is true once the count of run ends moves and the run ended at a pause", () => {
    const words = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    Atomics.store(words, CONTROL_RUN_ENDS, 7);
    const clock = clockEndingRun(words, 4, RUN_END_PAUSE);
    expect(awaitPaused(words, 7, 100, clock.now)).toBe(true);
    expect(clock.readings()).toBe(4);
  });

  it("is false when the run ended another way (the guest exited, an error)", () => {
    const words = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    const clock = clockEndingRun(words, 3, RUN_END_OTHER);
    expect(awaitPaused(words, 0, 100, clock.now)).toBe(false);
    expect(clock.readings()).toBe(3);
  });

  it("gives up when the worker does not answer in time, and does not read RUN_END of an earlier run", () => {
    const words = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    Atomics.store(words, CONTROL_RUN_END, RUN_END_PAUSE);
    const clock = clockEndingRun(words, 50, RUN_END_PAUSE);
    expect(awaitPaused(words, 0, 6, clock.now)).toBe(false);
    expect(clock.readings()).toBe(7);
  });
});

/** The page's Worker for a session on a worker_threads thread (only what Workbench uses of a Worker). */
function sessionThread(): Worker {
  const thread = new NodeWorker(new URL("./testing/session-thread.mjs", import.meta.url));
  type Listener = (event: { data?: unknown; message?: string }) => void;
  const wrapped = new Map<Listener, (value: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => thread.postMessage(message, transfer as never),
    addEventListener: (type: string, listener: Listener) => {
      const on = type === "message" ? (data: unknown) => listener({ data }) : type === "error" ? (error: unknown) => listener({ message: String(error) }) : null;
      if (on === null) return;
      wrapped.set(listener, on);
      thread.on(type, on);
    },
    removeEventListener: (type: string, listener: Listener) => {
      const on = wrapped.get(listener);
      if (on) thread.off(type, on);
      wrapped.delete(listener);
    },
    terminate: () => void thread.terminate(),
  } as unknown as Worker;
}

const pages: Workbench[] = [];
afterEach(() => {
  for (const p of pages.splice(0)) p.dispose();
});

describe("Pause against a worker that runs a guest flat out", () => {
  it("the store says paused when pause() returns to the caller, before any message from the worker is taken", async () => {
    // A long wait: this checks that the page learns of the stop inside the click, not how fast.
    const workbench = new Workbench({ isolated: true, createWorker: sessionThread, pauseWaitMs: 10_000 });
    pages.push(workbench);
    const snapshot = () => workbench.store.getSnapshot();
    workbench.start();
    await until("the worker", snapshot, (s) => s.connection.kind === "connected");
    // `jmp $` in real mode: the VCPU never exits and never halts.
    const error = await workbench.loadProgram({ name: "spin.asm", text: "jmp $\n", lineMap: [] }, new Uint8Array([0xeb, 0xfe]), { boot: "flat", mode: "real" });
    expect(error).toBeNull();
    for (let i = 0; i < 4; i++) {
      await until("running", snapshot, (s) => s.machine.kind === "running" && s.guestName === "spin.asm");
      // Running for a while (and long enough for the control words to have come).
      await new Promise((r) => setTimeout(r, 100));
      const before = snapshot().registers?.instructions ?? -1;
      const paused = workbench.pause();
      expect(snapshot().machine).toEqual({ kind: "paused", reason: "pause" });
      await paused;
      // The state event follows with the same state and the registers of the stop.
      await until("the stop's registers", snapshot, (s) => s.registers !== null && s.registers.instructions > before);
      expect(snapshot().registers!.arch!.rip).toBe(0x7c00n);
      expect(snapshot().machine).toEqual({ kind: "paused", reason: "pause" });
      expect(snapshot().errors).toEqual([]);
      await workbench.run();
    }
  }, 60_000);
});
