import { describe, expect, it } from "vitest";
import { HIGH_WATER, LOW_WATER, MAX_QUEUED, TerminalFlow } from "./terminal-flow";

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
  };
}

const chunk = (n: number, fill = 0x41) => new Uint8Array(n).fill(fill);

describe("TerminalFlow", () => {
  it("passes output straight through while the terminal keeps up", () => {
    const t = fakeTerminal();
    const f = new TerminalFlow(t.sink);
    f.write(chunk(10));
    t.catchUp();
    f.write(chunk(20));
    expect(t.written.map((w) => w.length)).toEqual([10, 20]);
    expect(f.pending).toBe(0);
  });

  it("holds output above the high-water mark and releases it, in order, once below the low-water mark", () => {
    const t = fakeTerminal();
    const f = new TerminalFlow(t.sink);
    f.write(chunk(HIGH_WATER, 1));
    f.write(chunk(100, 2));
    f.write(chunk(100, 3));
    expect(t.written.length).toBe(1);
    expect(f.pending).toBe(200);
    t.catchUp();
    expect(t.written.map((w) => w[0])).toEqual([1, 2, 3]);
    expect(f.pending).toBe(0);
    expect(LOW_WATER).toBeLessThan(HIGH_WATER);
  });

  it("bounds what waits: the oldest queued output is dropped and a notice says so", () => {
    const t = fakeTerminal();
    const f = new TerminalFlow(t.sink);
    f.write(chunk(HIGH_WATER));
    for (let i = 0; i < 10; i++) f.write(chunk(MAX_QUEUED / 4, 0x30 + i));
    expect(f.pending).toBeLessThanOrEqual(MAX_QUEUED);
    t.catchUp();
    const text = new TextDecoder().decode(t.written[1]);
    expect(text).toMatch(/output dropped/);
    // The newest output survives.
    expect(t.written.at(-1)![0]).toBe(0x39);
  });

  it("clear() forgets queued output and late callbacks", () => {
    const t = fakeTerminal();
    const f = new TerminalFlow(t.sink);
    f.write(chunk(HIGH_WATER));
    f.write(chunk(10));
    f.clear();
    t.catchUp();
    expect(t.written.length).toBe(1);
    f.write(chunk(5));
    expect(t.written.length).toBe(2);
  });
});
