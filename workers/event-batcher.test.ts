import { describe, expect, it } from "vitest";
import { BATCH_ACK_TIMEOUT_MS, FLUSH_INTERVAL_MS, MAX_PENDING_CONSOLE_BYTES, type EventBatch, type MachineStats, type RegisterSnapshot } from "./api";
import { EventBatcher, NewestRing } from "./event-batcher";
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
/** Stand-ins: the batcher passes these through untouched. */
const STATS = { instructions: 1 } as unknown as MachineStats;
const REGISTERS = { rip: 0n } as unknown as RegisterSnapshot;

describe("NewestRing", () => {
  it("keeps the newest `limit` items, wherever the ring's position, and lets the rest go", () => {
    const ring = new NewestRing<{ n: number }>(5);
    for (let n = 0; n < 7; n++) ring.push({ n }); // wraps: 2 … 6 kept
    ring.setLimit(3); // 2 and 3 go at once
    expect(ring.length).toBe(3);
    for (let n = 7; n < 9; n++) ring.push({ n });
    expect(ring.take().map((x) => x.n)).toEqual([6, 7, 8]);
    expect(ring.dropped).toBe(6);
    // The slots of dropped items are emptied (nothing keeps them alive).
    const slots = (ring as unknown as { items: unknown[] }).items;
    expect(slots.every((x) => x === undefined)).toBe(true);
    ring.setLimit(99); // back to the capacity
    for (let n = 0; n < 6; n++) ring.push({ n });
    expect(ring.take().map((x) => x.n)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("EventBatcher", () => {
  it("coalesces many events into one batch per interval", () => {
    const t = make();
    t.listen();
    t.batcher.console(new Uint8Array([72, 105]));
    t.batcher.console(new Uint8Array([33]));
    t.batcher.syscall(raw("zx_vcpu_resume"));
    t.batcher.stats(STATS);
    expect(t.clock.queue.length).toBe(1);
    expect(t.clock.queue[0].ms).toBe(16);
    t.clock.runAll();
    expect(t.batches.length).toBe(1);
    const [b] = t.batches;
    expect(Array.from(b.console!)).toEqual([72, 105, 33]);
    expect(b.syscalls.map((s) => s.name)).toEqual(["zx_vcpu_resume"]);
    expect(b.stats).toEqual(STATS);
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
    // A new machine's first batch keeps more again.
    t.batcher.newMachine("h");
    for (let i = 12; i < 20; i++) exit(i);
    t.clock.runAll();
    expect(t.batches[2].exits.map((e) => e.seq)).toEqual([14, 15, 16, 17, 18, 19]);
  });

  it("copies transient syscall records (the kernel reuses them and their IO packet) and shows each call's own packet", () => {
    const clock = manual();
    const batcher = new EventBatcher({
      formatSyscall: (r: RawSyscall, seq) => {
        const res = r.result as { status: number; packet: { key: bigint; guest_io?: { u8: number; data: Uint8Array } } } | number;
        const detail = typeof res === "number" ? String(res) : `${res.packet.key}:${res.packet.guest_io!.u8}:${Array.from(res.packet.guest_io!.data).join(",")}`;
        return { seq, thread: String(r.thread), name: r.name, args: "", status: null, statusName: null, detail };
      },
      schedule: clock.schedule,
      maxSyscalls: 6,
      steadySyscalls: 3,
    });
    const batches: EventBatch[] = [];
    batcher.setListener((b) => batches.push(b));
    batcher.newMachine();
    // One record, one packet, filled anew for each "exit", as thread.ts and vmexit.ts do.
    const io = { port: 0x11, access_size: 1, input: false, u8: 0, u16: 0, u32: 0, data: new Uint8Array(4) };
    const packet = { key: 0n, type: 5, status: 0, guest_io: io };
    const rec: RawSyscall = { thread: 1, name: "zx_vcpu_resume", args: [7], result: { status: 0, packet }, transient: true };
    const exit = (v: number) => {
      packet.key = BigInt(v);
      io.u8 = io.u16 = io.u32 = v;
      io.data[0] = v;
      batcher.syscall(rec);
    };
    for (let v = 1; v <= 10; v++) {
      exit(v);
      if (v === 5) batcher.syscall(raw("zx_vcpu_write_state"));
    }
    exit(0xee); // what the kernel leaves in its record after the last call: never shown
    batcher.flush(true);
    expect(batches[0].syscalls.map((e) => e.detail)).toEqual(["6:6:6,0,0,0", "7:7:7,0,0,0", "8:8:8,0,0,0", "9:9:9,0,0,0", "10:10:10,0,0,0", "238:238:238,0,0,0"]);
    // Later batches keep fewer (a smaller pool): still each call's own packet, across the pool's wrap.
    for (let round = 0; round < 3; round++) {
      for (let v = 20; v < 27; v++) {
        exit(v + round * 10);
        if (v === 22) batcher.syscall(raw("zx_vcpu_write_state"));
      }
      clock.runAll();
      batcher.flush();
      const b = batches[batches.length - 1];
      expect(b.syscalls.map((e) => e.detail)).toEqual([24, 25, 26].map((v) => `${v + round * 10}:${v + round * 10}:${v + round * 10},0,0,0`));
    }
  });

  it("copies exit records (the VMM reuses its one record), and a batch's records stay as sent", () => {
    const { batcher, clock, batches, listen } = make({ maxExits: 4, steadyExits: 2 });
    listen();
    batcher.newMachine();
    const rec = { seq: 0, status: 0, kind: "io" as const, summary: "", instructions: 0, rip: null as bigint | null };
    const exit = (n: number) => {
      rec.seq = n;
      rec.summary = `OUT ${n}`;
      rec.instructions = n * 10;
      rec.rip = BigInt(n);
      batcher.exit(rec);
    };
    for (let n = 0; n < 7; n++) exit(n);
    batcher.flush(true);
    const first = batches[0].exits;
    expect(first.map((r) => [r.seq, r.summary, r.instructions, r.rip])).toEqual([3, 4, 5, 6].map((n) => [n, `OUT ${n}`, n * 10, BigInt(n)]));
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 5; n++) exit(100 * (round + 1) + n);
      clock.runAll();
      batcher.flush();
      expect(batches[batches.length - 1].exits.map((r) => r.seq)).toEqual([3, 4].map((n) => 100 * (round + 1) + n));
    }
    // Later exits reused the pool's records, not the ones sent.
    expect(first.map((r) => r.seq)).toEqual([3, 4, 5, 6]);
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

  /** Runs the scheduled flushes, leaving the answers' timeouts queued. */
  const runFlushes = (t: ReturnType<typeof make>) => {
    for (;;) {
      const i = t.clock.queue.findIndex((q) => q.ms !== BATCH_ACK_TIMEOUT_MS);
      if (i < 0) return;
      t.clock.queue.splice(i, 1)[0].fn();
    }
  };

  /** A listener that keeps each batch and answers when the test calls settle[i](). */
  const listenUnsettled = (t: ReturnType<typeof make>): Array<() => void> => {
    const settle: Array<() => void> = [];
    t.batcher.setListener((b) => {
      t.batches.push(b);
      return new Promise<void>((resolve) => settle.push(resolve));
    });
    return settle;
  };

  /** The scheduled flushes' delays (the answers' timeouts left out). */
  const flushDelays = (t: ReturnType<typeof make>) => t.clock.queue.filter((q) => q.ms !== BATCH_ACK_TIMEOUT_MS).map((q) => q.ms);

  it("keeps one batch in flight: the next waits until the listener's promise settles", async () => {
    const t = make();
    const settle = listenUnsettled(t);
    t.batcher.console(new Uint8Array([1]));
    runFlushes(t);
    expect(t.batches.length).toBe(1);
    // The page has not shown the first batch: what happens meanwhile waits, coalesced.
    t.batcher.console(new Uint8Array([2]));
    t.batcher.console(new Uint8Array([3]));
    runFlushes(t);
    expect(t.batches.length).toBe(1);
    settle[0]();
    await Promise.resolve();
    await Promise.resolve();
    runFlushes(t);
    expect(t.batches.length).toBe(2);
    expect(Array.from(t.batches[1].console!)).toEqual([2, 3]);
  });

  it("sends what the in-flight batch held back as soon as it settles, without another interval", async () => {
    const t = make();
    const settle = listenUnsettled(t);
    t.batcher.console(new Uint8Array([1]));
    runFlushes(t);
    // Held back: its interval has run out while the first batch was in flight.
    t.batcher.console(new Uint8Array([2]));
    runFlushes(t);
    settle[0]();
    await Promise.resolve();
    expect(flushDelays(t)).toEqual([0]);
    runFlushes(t);
    expect(t.batches.map((b) => Array.from(b.console!))).toEqual([[1], [2]]);
    // Events whose interval is still running when a batch settles keep their interval.
    t.batcher.console(new Uint8Array([3]));
    settle[1]();
    await Promise.resolve();
    expect(flushDelays(t)).toEqual([FLUSH_INTERVAL_MS]);
  });

  it("sends a change of state at once, with what is pending, even past a batch the page has not settled", async () => {
    const t = make();
    const settle = listenUnsettled(t);
    t.batcher.state({ kind: "running" });
    expect(flushDelays(t)).toContain(0);
    runFlushes(t);
    // The page is busy with that batch; the guest prints meanwhile: that waits.
    t.batcher.console(new Uint8Array([65]));
    runFlushes(t);
    expect(t.batches.length).toBe(1);
    // The user's Pause stops the guest: the stop and its snapshot (made in the same task) go now,
    // with the output, without waiting for the page's answer or an interval.
    t.batcher.state({ kind: "paused", reason: "pause" });
    t.batcher.registers(REGISTERS);
    expect(flushDelays(t)).toContain(0);
    runFlushes(t);
    expect(t.batches.length).toBe(2);
    expect(t.batches[1].state).toEqual({ kind: "paused", reason: "pause" });
    expect(t.batches[1].registers).toBe(REGISTERS);
    expect(Array.from(t.batches[1].console!)).toEqual([65]);
    // Only the newest batch's answer counts: the first one's, late, lets nothing through.
    t.batcher.console(new Uint8Array([66]));
    settle[0]();
    await Promise.resolve();
    runFlushes(t);
    expect(t.batches.length).toBe(2);
    settle[1]();
    await Promise.resolve();
    runFlushes(t);
    expect(t.batches.length).toBe(3);
  });

  it("sends the next batch anyway when the listener has not answered within BATCH_ACK_TIMEOUT_MS", () => {
    const t = make();
    t.batcher.setListener((b) => {
      t.batches.push(b);
      return new Promise<void>(() => {});
    });
    t.batcher.console(new Uint8Array([1]));
    runFlushes(t);
    t.batcher.console(new Uint8Array([2]));
    runFlushes(t);
    expect(t.batches.length).toBe(1);
    // The answer's timeout is what remains queued; when it fires, the waiting batch goes.
    expect(t.clock.queue.map((q) => q.ms)).toEqual([BATCH_ACK_TIMEOUT_MS]);
    t.clock.queue.shift()!.fn();
    runFlushes(t);
    expect(t.batches.map((b) => Array.from(b.console!))).toEqual([[1], [2]]);
  });

  it("flushes the old machine's output before a new machine even while a batch is in flight", () => {
    const t = make();
    t.batcher.setListener((b) => {
      t.batches.push(b);
      return new Promise<void>(() => {});
    });
    t.batcher.console(new Uint8Array([1]));
    runFlushes(t);
    t.batcher.console(new Uint8Array([2]));
    t.batcher.newMachine("next.elf");
    expect(t.batches.map((b) => [b.newMachine, Array.from(b.console ?? [])])).toEqual([[false, [1]], [false, [2]]]);
  });

  it("keeps the newest MAX_PENDING_CONSOLE_BYTES of console output and counts what it dropped", () => {
    const t = make();
    t.listen();
    const total = MAX_PENDING_CONSOLE_BYTES * 2 + 12345;
    const chunk = new Uint8Array(4000);
    for (let at = 0; at < total; at += chunk.length) {
      const n = Math.min(chunk.length, total - at);
      for (let i = 0; i < n; i++) chunk[i] = (at + i) % 251;
      t.batcher.console(chunk.subarray(0, n));
    }
    t.clock.runAll();
    const [b] = t.batches;
    expect(b.console!.length + b.consoleDropped).toBe(total);
    expect(b.console!.length).toBeLessThanOrEqual(MAX_PENDING_CONSOLE_BYTES);
    expect(b.console!.length).toBeGreaterThanOrEqual(MAX_PENDING_CONSOLE_BYTES / 2);
    // The newest bytes, in order.
    const first = total - b.console!.length;
    expect(b.console!.every((v, i) => v === (first + i) % 251)).toBe(true);
    // One write larger than the whole buffer keeps its own tail.
    const big = new Uint8Array(MAX_PENDING_CONSOLE_BYTES + 10).map((_, i) => i % 7);
    t.batcher.console(big);
    t.clock.runAll();
    expect(t.batches[1].consoleDropped).toBe(10);
    expect(t.batches[1].console![0]).toBe(10 % 7);
  });
});
