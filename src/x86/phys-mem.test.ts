/**
 * Guest-physical memory: seeded random map / unmap / protect sequences across the 4 GiB line and
 * high in the 2^48 space agree page for page with a naive model; mappings above 4 GiB cost one
 * extent each, not a heap object per page.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE, PhysicalMemory } from "./phys-mem";

const FOUR_GIB_PAGE = 1 << 20;

/** Page numbers the operations touch: just under and over 4 GiB, and near the top of 2^48. */
const WINDOWS = [FOUR_GIB_PAGE - 24, FOUR_GIB_PAGE + 1000, 2 ** 36 - 128];
const WINDOW_PAGES = 48;

type Op =
  | { kind: "map"; window: number; first: number; pages: number; buffer: number; offsetPages: number; perms: number }
  | { kind: "unmap" | "protect"; window: number; first: number; pages: number; perms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("map" as const),
    window: fc.integer({ min: 0, max: WINDOWS.length - 1 }),
    first: fc.integer({ min: 0, max: WINDOW_PAGES - 1 }),
    pages: fc.integer({ min: 1, max: 30 }),
    buffer: fc.integer({ min: 0, max: 2 }),
    offsetPages: fc.integer({ min: 0, max: 10 }),
    perms: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constantFrom("unmap" as const, "protect" as const),
    window: fc.integer({ min: 0, max: WINDOWS.length - 1 }),
    first: fc.integer({ min: 0, max: WINDOW_PAGES - 1 }),
    pages: fc.integer({ min: 1, max: 30 }),
    perms: fc.integer({ min: 0, max: 7 }),
  }),
);

describe("PhysicalMemory", () => {
  it("agrees page for page with a naive model under random map, unmap and protect", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const buffers: Uint8Array[] = [0, 1, 2].map(() => new Uint8Array(64 * PAGE_SIZE));
        const memory = new PhysicalMemory();
        const model = new Map<number, { buf: number; off: number; perms: number }>();
        for (const o of ops) {
          const first = WINDOWS[o.window] + o.first;
          const gpa = first * PAGE_SIZE;
          const len = o.pages * PAGE_SIZE;
          if (o.kind === "map") {
            memory.map(gpa, len, buffers[o.buffer], o.offsetPages * PAGE_SIZE, o.perms);
            for (let p = 0; p < o.pages; p++) model.set(first + p, { buf: o.buffer, off: (o.offsetPages + p) * PAGE_SIZE, perms: o.perms });
          } else if (o.kind === "unmap") {
            memory.unmap(gpa, len);
            for (let p = 0; p < o.pages; p++) model.delete(first + p);
          } else {
            memory.protect(gpa, len, o.perms);
            for (let p = 0; p < o.pages; p++) {
              const page = model.get(first + p);
              if (page) page.perms = o.perms;
            }
          }
        }
        // Compared without expect() per page (thousands a run): the first difference is reported.
        const differences: string[] = [];
        for (const base of WINDOWS) {
          for (let ppn = base - 2; ppn < base + WINDOW_PAGES + 32; ppn++) {
            const want = model.get(ppn);
            const buf = memory.pageBuffer(ppn);
            const got = { buf: buf === undefined ? -1 : buffers.indexOf(buf), perms: memory.pagePerms(ppn), off: buf ? memory.pageOffset(ppn) : 0 };
            const expected = want ? { buf: want.buf, perms: want.perms, off: want.off } : { buf: -1, perms: 0, off: 0 };
            if (got.buf !== expected.buf || got.perms !== expected.perms || got.off !== expected.off) {
              differences.push(`page 0x${ppn.toString(16)}: got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
            }
          }
        }
        expect(differences.slice(0, 3)).toEqual([]);
      }),
      { seed: 0x9a9e5, numRuns: 80 },
    );
  });

  it("copies across the 4 GiB line and refuses a copy over a hole without changing anything", () => {
    const memory = new PhysicalMemory();
    const low = new Uint8Array(2 * PAGE_SIZE);
    const high = new Uint8Array(2 * PAGE_SIZE);
    memory.map((FOUR_GIB_PAGE - 2) * PAGE_SIZE, 2 * PAGE_SIZE, low, 0, 7);
    memory.map(FOUR_GIB_PAGE * PAGE_SIZE, 2 * PAGE_SIZE, high, 0, 7);
    const data = new Uint8Array(3 * PAGE_SIZE).map((_, i) => i % 251);
    expect(memory.writeBytes((FOUR_GIB_PAGE - 2) * PAGE_SIZE + PAGE_SIZE, data.subarray(0, 2 * PAGE_SIZE))).toBe(true);
    expect(low[PAGE_SIZE]).toBe(0);
    expect(high[PAGE_SIZE - 1]).toBe((2 * PAGE_SIZE - 1) % 251);
    // [4 GiB + 1 page, + 3 pages) runs past the mapping: nothing is written.
    const before = high.slice();
    expect(memory.writeBytes((FOUR_GIB_PAGE + 1) * PAGE_SIZE, data)).toBe(false);
    expect(high).toEqual(before);
  });

  it("keeps a mapping above 4 GiB as one extent, however large, and mapping it many times costs little heap", () => {
    const memory = new PhysicalMemory();
    // A stand-in for a 1 GiB VMO's buffer (only its length is read): the bookkeeping is measured.
    const gib = 2 ** 30;
    const fake = { length: gib } as unknown as Uint8Array;
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) memory.map(2 ** 40 + i * 2 * gib, gib, fake, 0, 7);
    const grew = process.memoryUsage().heapUsed - heapBefore;
    expect(memory.extentCount).toBe(1000);
    // 1000 × 262,144 pages: per-page bookkeeping would be tens of gigabytes.
    expect(grew).toBeLessThan(20 * 1024 * 1024);
    expect(memory.pageBuffer((2 ** 40 + 999 * 2 * gib + gib - PAGE_SIZE) / PAGE_SIZE)).toBe(fake);
    expect(memory.pageBuffer((2 ** 40 + gib) / PAGE_SIZE)).toBeUndefined();
    // Unmapping the middle of one splits it in two.
    memory.unmap(2 ** 40 + PAGE_SIZE * 10, PAGE_SIZE);
    expect(memory.extentCount).toBe(1001);
    expect(memory.pageOffset((2 ** 40 + PAGE_SIZE * 11) / PAGE_SIZE)).toBe(PAGE_SIZE * 11);
  });
});
