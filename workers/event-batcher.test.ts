import { describe, expect, it } from "vitest";
import type { EventBatch } from "./api";
import { EventBatcher } from "./event-batcher";
import type { RawSyscall } from "./format";

/** A manual clock: scheduled flushes run only when the test says so. */
function manual() {
  const queue: { fn: () => void; ms: number }[] = [];
  return {
    schedule: (fn: () => void, ms: number) => queue.push({ fn, ms }),
    queue,
    runAll() {
      while (queue.length) queue.shift()!.fn();
    },
  };
}

function make(options: { maxSyscalls?: number; maxExits?: number; steadySyscalls?: number; steadyExits?: number } = {}) {
  const clock = manual();
  let formatted = 0;
  const batcher = new EventBatcher({
    formatSyscall: (raw: RawSyscall, seq) => {
      formatted++;
      return { seq, thread: String(raw.thread), name: raw.name, args: "", status: null, statusName: null, detail: "" };
    },
    schedule: clock.schedule,
    ...options,
  });
  const batches: EventBatch[] = [];
  return { batcher, clock, batches, formatted: () => formatted, listen: () => batcher.setListener((b) => batches.push(b)) };
}

const raw = (name: string): RawSyscall => ({ thread: 1, name, args: [], result: 0 });

describe("EventBatcher", () => {
  it("coalesces many events into one batch per interval", () => {
    const t = make();
    t.listen();
    t.batcher.console(new Uint8Array([72, 105]));
    t.batcher.console(new Uint8Array([33]));
    t.batcher.syscall(raw("zx_vcpu_resume"));
    t.batcher.state({ kind: "running" });
    expect(t.clock.queue.length).toBe(1);
    expect(t.clock.queue[0].ms).toBe(16);
    t.clock.runAll();
    expect(t.batches.length).toBe(1);
    const [b] = t.batches;
    expect(Array.from(b.console!)).toEqual([72, 105, 33]);
    expect(b.syscalls.map((s) => s.name)).toEqual(["zx_vcpu_resume"]);
    expect(b.state).toEqual({ kind: "running" });
  });

  it("copies console bytes (the VMM may reuse its buffer)", () => {
    const t = make();
    t.listen();
    const buf = new Uint8Array([1, 2]);
    t.batcher.console(buf);
    buf[0] = 9;
    t.clock.runAll();
    expect(Array.from(t.batches[0].console!)).toEqual([1, 2]);
  });

  it("keeps only the newest syscalls, counts the rest, and formats only what it sends", () => {
    const t = make({ maxSyscalls: 3 });
    t.listen();
    for (let i = 0; i < 10; i++) t.batcher.syscall(raw(`c${i}`));
    t.clock.runAll();
    const [b] = t.batches;
    expect(b.syscalls.map((s) => s.seq)).toEqual([7, 8, 9]);
    expect(b.syscallsDropped).toBe(7);
    expect(t.formatted()).toBe(3);
  });

  it("caps exit records the same way", () => {
    const t = make({ maxExits: 2 });
    t.listen();
    for (let i = 0; i < 5; i++) t.batcher.exit({ seq: i, status: 0, kind: "io", summary: "", instructions: i, rip: null });
    t.clock.runAll();
    expect(t.batches[0].exits.map((e) => e.seq)).toEqual([3, 4]);
    expect(t.batches[0].exitsDropped).toBe(3);
  });

  it("keeps the newest items across batches, whatever the ring's position", () => {
    const t = make({ maxExits: 3 });
    t.listen();
    let seq = 0;
    // Batches of every size around the capacity, so the ring wraps at every offset.
    for (const n of [1, 2, 3, 4, 5, 7, 0, 3, 1, 6]) {
      for (let i = 0; i < n; i++) t.batcher.exit({ seq: seq++, status: 0, kind: "io", summary: "", instructions: 0, rip: null });
      t.batcher.state({ kind: "running" });
      t.clock.runAll();
      const b = t.batches[t.batches.length - 1];
      const want = Array.from({ length: Math.min(n, 3) }, (_, i) => seq - Math.min(n, 3) + i);
      expect(b.exits.map((e) => e.seq)).toEqual(want);
      expect(b.exitsDropped).toBe(Math.max(0, n - 3));
    }
  });

  it("keeps more in the batch that starts a machine than in later ones", () => {
    const t = make({ maxExits: 6, steadyExits: 2, maxSyscalls: 5, steadySyscalls: 1 });
    t.listen();
    const exit = (seq: number) => t.batcher.exit({ seq, status: 0, kind: "io", summary: "", instructions: 0, rip: null });
    t.batcher.newMachine("g");
    for (let i = 0; i < 8; i++) {
      exit(i);
      t.batcher.syscall(raw(`c${i}`));
    }
    t.clock.runAll();
    for (let i = 8; i < 12; i++) {
      exit(i);
      t.batcher.syscall(raw(`c${i}`));
    }
    t.clock.runAll();
    const [first, later] = t.batches;
    expect(first.newMachine).toBe(true);
    expect(first.exits.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(first.exitsDropped).toBe(2);
    expect(first.syscalls.map((c) => c.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(first.syscallsDropped).toBe(3);
    expect(later.exits.map((e) => e.seq)).toEqual([10, 11]);
    expect(later.exitsDropped).toBe(2);
    expect(later.syscalls.map((c) => c.seq)).toEqual([11]);
    expect(later.syscallsDropped).toBe(3);
    expect(t.formatted()).toBe(6);
  });

  it("holds events until someone listens, then delivers them", () => {
    const t = make();
    t.batcher.console(new Uint8Array([65]));
    expect(t.clock.queue.length).toBe(0);
    t.listen();
    t.clock.runAll();
    expect(Array.from(t.batches[0].console!)).toEqual([65]);
  });

  it("sends nothing when nothing happened, and numbers batches", () => {
    const t = make();
    t.listen();
    t.clock.runAll();
    expect(t.batches.length).toBe(0);
    t.batcher.error("a");
    t.clock.runAll();
    t.batcher.error("b");
    t.clock.runAll();
    expect(t.batches.map((b) => [b.seq, b.errors])).toEqual([[0, ["a"]], [1, ["b"]]]);
  });

  it("never mixes two machines in one batch", () => {
    const t = make();
    t.listen();
    t.batcher.console(new Uint8Array([1]));
    t.batcher.newMachine();
    t.batcher.console(new Uint8Array([2]));
    t.clock.runAll();
    expect(t.batches.map((b) => [b.newMachine, Array.from(b.console ?? [])])).toEqual([[false, [1]], [true, [2]]]);
  });

  it("names the guest of a new machine in its batch, and only there", () => {
    const t = make();
    t.listen();
    t.batcher.newMachine("trap.asm");
    t.batcher.state({ kind: "loading", what: "trap.asm" });
    t.batcher.state({ kind: "ready" });
    t.clock.runAll();
    t.batcher.console(new Uint8Array([1]));
    t.clock.runAll();
    expect(t.batches.map((b) => [b.newMachine, b.guestName, b.state?.kind])).toEqual([[true, "trap.asm", "ready"], [false, undefined, undefined]]);
  });

  it("survives a listener that throws and reports it", () => {
    const t = make();
    let calls = 0;
    t.batcher.setListener(() => {
      calls++;
      if (calls === 1) throw new Error("page gone");
    });
    t.batcher.console(new Uint8Array([1]));
    t.clock.runAll();
    expect(calls).toBe(2);
  });
});
