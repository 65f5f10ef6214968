import { describe, expect, it } from "vitest";
import { droppedNotice, FIRST_FRAME_BYTES, FLOOD_FRAMES, FLOOD_HOLD_MS, MAX_FRAME_BYTES, MAX_QUEUED, MIN_FRAME_BYTES, PARSE_MS_PER_FRAME, QUEUED_AFTER_DROP, TerminalFlow } from "./terminal-flow";

/** A terminal stand-in that parses only when told to, as xterm.js does between frames. */
function fakeTerminal() {
  const pending: Array<{ data: Uint8Array; done: () => void }> = [];
  const written: Uint8Array[] = [];
  return {
    pending,
    written,
    sink: (data: Uint8Array, done: () => void) => {
      written.push(data);
      pending.push({ data, done });
    },
    /** Parse everything handed over so far. */
    catchUp() {
      while (pending.length) pending.shift()!.done();
    },
    text() {
      return written.map((w) => new TextDecoder().decode(w)).join("");
    },
  };
}

/** Animation frames that run only when the test says. */
function frames() {
  let queued: Array<() => void> = [];
  return {
    schedule: (fn: () => void) => void queued.push(fn),
    get waiting() {
      return queued.length;
    },
    /** Runs one frame: the callbacks scheduled before it. */
    tick() {
      const now = queued;
      queued = [];
      for (const fn of now) fn();
    },
  };
}

const chunk = (n: number, fill = 0x41) => new Uint8Array(n).fill(fill);

/** Frames and parsing until the flow has handed everything over. */
function drain(t: ReturnType<typeof fakeTerminal>, f: ReturnType<typeof frames>, flow: TerminalFlow): number {
  let n = 0;
  while ((flow.pending > 0 || f.waiting > 0 || t.pending.length > 0) && n < 10_000) {
    f.tick();
    t.catchUp();
    n++;
  }
  return n;
}

describe("TerminalFlow", () => {
  it("hands output over at the next frame, joined, in order", () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    flow.write(chunk(10, 0x31));
    flow.write(chunk(20, 0x32));
    expect(t.written).toEqual([]);
    f.tick();
    expect(t.written.map((w) => w.length)).toEqual([30]);
    expect(t.text()).toBe("1".repeat(10) + "2".repeat(20));
    expect(flow.pending).toBe(0);
  });

  it("gives the terminal one write a frame, and nothing more until it has parsed the last", () => {
    const t = fakeTerminal();
    const f = frames();
    let clock = 0;
    const flow = new TerminalFlow(t.sink, f.schedule, () => clock);
    flow.write(chunk(FIRST_FRAME_BYTES * 3 + 5));
    f.tick();
    expect(t.written.map((w) => w.length)).toEqual([FIRST_FRAME_BYTES]);
    // Not parsed yet: the next frame hands over nothing.
    f.tick();
    expect(t.written.length).toBe(1);
    // Parsed in exactly PARSE_MS_PER_FRAME: the size stays.
    clock += PARSE_MS_PER_FRAME;
    t.catchUp();
    f.tick();
    expect(t.written.map((w) => w.length)).toEqual([FIRST_FRAME_BYTES, FIRST_FRAME_BYTES]);
    clock += PARSE_MS_PER_FRAME;
    drain(t, f, flow);
    expect(t.written.map((w) => w.length)).toEqual([FIRST_FRAME_BYTES, FIRST_FRAME_BYTES, FIRST_FRAME_BYTES, 5]);
  });

  it("sizes each write from how fast the terminal parsed the last, within bounds", () => {
    const t = fakeTerminal();
    const f = frames();
    let clock = 0;
    const flow = new TerminalFlow(t.sink, f.schedule, () => clock);
    flow.write(chunk(MAX_QUEUED));
    // A slow terminal (an endless wrapping line): 16 KiB took 96 ms, 1/16 of the target pace.
    const sizes: number[] = [];
    for (let i = 0; i < 8; i++) {
      f.tick();
      sizes.push(t.written.at(-1)!.length);
      clock += (t.written.at(-1)!.length / FIRST_FRAME_BYTES) * 16 * PARSE_MS_PER_FRAME;
      t.catchUp();
    }
    expect(sizes[0]).toBe(FIRST_FRAME_BYTES);
    // Halfway toward 1 KiB each time, never below it.
    expect(sizes[1]).toBe((FIRST_FRAME_BYTES + 1024) / 2);
    expect(sizes.at(-1)).toBeLessThan(1200);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_FRAME_BYTES);
    expect(flow.budget).toBeGreaterThanOrEqual(MIN_FRAME_BYTES);
    // A fast one: the size grows, up to its cap.
    for (let i = 0; i < 20; i++) {
      f.tick();
      clock += 0.1;
      t.catchUp();
    }
    expect(flow.budget).toBeGreaterThan(MAX_FRAME_BYTES * 0.99);
    expect(flow.budget).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  it("shows a burst below MAX_QUEUED whole", () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    const size = Math.floor(MAX_QUEUED / 100);
    for (let i = 0; i < 100; i++) flow.write(chunk(size, 0x30 + (i % 10)));
    drain(t, f, flow);
    expect(t.written.reduce((n, w) => n + w.length, 0)).toBe(size * 100);
    expect(t.text()).not.toMatch(/skipped/);
  });

  it("bounds what waits: the oldest output is dropped, down to QUEUED_AFTER_DROP, and a notice says how much", () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    // 2 MiB in 1 KiB writes between two frames: most of it cannot wait.
    for (let i = 0; i < 2048; i++) flow.write(chunk(1024, 0x30 + (i % 10)));
    const kept = flow.pending;
    expect(kept).toBeGreaterThanOrEqual(QUEUED_AFTER_DROP);
    expect(kept).toBeLessThanOrEqual(MAX_QUEUED);
    drain(t, f, flow);
    const text = t.text();
    const notice = new TextDecoder().decode(droppedNotice(2 * 1024 * 1024 - kept));
    expect(text.startsWith(notice)).toBe(true);
    expect(text.match(/skipped/g)).toHaveLength(1);
    // What follows the notice is the newest bytes, oldest first.
    expect(text.length - notice.length).toBe(kept);
    expect(text.at(-1)).toBe(String.fromCharCode(0x30 + (2047 % 10)));
  });

  it("a guest printing faster than the terminal parses, for ever: output between notices, not notice after notice", () => {
    const t = fakeTerminal();
    const f = frames();
    let clock = 0;
    const flow = new TerminalFlow(t.sink, f.schedule, () => clock);
    // 12 KiB a frame in 4 KiB batches; the terminal parses 1 KiB a millisecond, so each write (sized
    // for PARSE_MS_PER_FRAME) is ~6 KiB: the queue fills, and overflows again and again.
    for (let frame = 0; frame < 600; frame++) {
      for (let i = 0; i < 3; i++) flow.write(chunk(4096, 0x61 + (frame % 26)));
      f.tick();
      clock += t.pending.reduce((ms, w) => ms + w.data.length / 1024, 0);
      t.catchUp();
      clock += 16;
    }
    const writes = t.written.map((w) => (new TextDecoder().decode(w).includes("skipped") ? "notice" : "data"));
    const notices = writes.filter((w) => w === "notice").length;
    expect(notices).toBeGreaterThan(5);
    // Never two notices in a row: each is followed by output, a long stretch of it (dozens of screens).
    for (let i = 1; i < writes.length; i++) if (writes[i] === "notice") expect(writes[i - 1]).toBe("data");
    const dataBytes = t.written.reduce((n, w, i) => n + (writes[i] === "data" ? w.length : 0), 0);
    expect(dataBytes / notices).toBeGreaterThan(64 * 1024);
  });

  it("while output is being dropped, writes every FLOOD_FRAMES frames; a burst that fits, at every frame", () => {
    const t = fakeTerminal();
    const f = frames();
    let clock = 0;
    const flow = new TerminalFlow(t.sink, f.schedule, () => clock);
    /** Over `n` frames (`perFrame` bytes of output before each): frames that wrote, and frames that had output waiting but wrote none. */
    const run = (n: number, perFrame: number) => {
      let wrote = 0, held = 0;
      for (let i = 0; i < n; i++) {
        if (perFrame > 0) flow.write(chunk(perFrame));
        const waiting = flow.pending > 0;
        const before = t.written.length;
        f.tick();
        if (t.written.length > before) wrote++;
        else if (waiting) held++;
        t.catchUp();
        clock += 16;
      }
      return { wrote, held };
    };
    // A burst below MAX_QUEUED: a write at every frame until it is shown.
    flow.write(chunk(MAX_QUEUED / 2));
    expect(run(20, 0).held).toBe(0);
    expect(flow.pending).toBe(0);
    // Flat out, faster than the terminal takes it: once output is dropped, one frame in FLOOD_FRAMES.
    run(200, MAX_FRAME_BYTES * 2);
    expect(run(40, MAX_FRAME_BYTES * 2)).toEqual({ wrote: 40 / FLOOD_FRAMES, held: 40 - 40 / FLOOD_FRAMES });
    // Nothing dropped for FLOOD_HOLD_MS: every frame again.
    run(Math.ceil(FLOOD_HOLD_MS / 16) + 2, 0);
    flow.write(chunk(MAX_QUEUED / 2));
    expect(run(20, 0).held).toBe(0);
    expect(flow.pending).toBe(0);
  });

  it("puts the worker's drops in the notice, where the gap is", () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    flow.write(new TextEncoder().encode("old"));
    flow.noteDropped(5000);
    flow.write(new TextEncoder().encode("new"));
    drain(t, f, flow);
    expect(t.text()).toBe(new TextDecoder().decode(droppedNotice(5003)) + "new");
  });

  it("clear() forgets queued output, skipped counts and late callbacks", () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    flow.write(chunk(FIRST_FRAME_BYTES * 2));
    f.tick();
    flow.noteDropped(10);
    flow.clear();
    t.catchUp();
    f.tick();
    expect(t.written.length).toBe(1);
    flow.write(chunk(5));
    f.tick();
    expect(t.written.map((w) => w.length)).toEqual([FIRST_FRAME_BYTES, 5]);
  });

  it("whenIdle() resolves once everything written is handed over and parsed (Save's file holds it all)", async () => {
    const t = fakeTerminal();
    const f = frames();
    const flow = new TerminalFlow(t.sink, f.schedule);
    await flow.whenIdle(); // nothing written: at once
    flow.write(chunk(FIRST_FRAME_BYTES + 10));
    let idle = false;
    const waiting = flow.whenIdle().then(() => (idle = true));
    f.tick(); // the first write goes to the terminal
    await Promise.resolve();
    expect(idle).toBe(false);
    t.catchUp(); // parsed; the rest waits for a frame
    await Promise.resolve();
    expect(idle).toBe(false);
    f.tick();
    t.catchUp();
    await waiting;
    expect(t.text().length).toBe(FIRST_FRAME_BYTES + 10);
    // A clear() lets waiters go: there is nothing left to wait for.
    flow.write(chunk(3));
    const cleared = flow.whenIdle();
    flow.clear();
    await cleared;
  });
});
