import { describe, expect, it } from "vitest";
import type { IoHandler } from "./devices/io-handler";
import { IO_TRAP_LIMIT, IoMappingTable } from "./io-mapping";

function recorder(name: string, readValue = 0): IoHandler & { log: string[] } {
  const log: string[] = [];
  return {
    name,
    log,
    read: (o, s) => (log.push(`r ${o} ${s}`), readValue),
    write: (o, s, v) => void log.push(`w ${o} ${s} ${v.toString(16)}`),
  };
}

describe("IoMappingTable", () => {
  it("issues row indices as trap keys", () => {
    const t = new IoMappingTable();
    expect(t.add("io", 0x3f8, 8, recorder("uart"))).toBe(0);
    expect(t.add("io", 0xe9, 1, recorder("debugcon"))).toBe(1);
    expect(t.row(1)?.handler.name).toBe("debugcon");
    expect(t.row(1n)?.base).toBe(0xe9);
    expect(t.row(7)).toBeUndefined();
  });

  it("refuses zero length, overlap, the 0xFFFF edge and unaligned MEM rows, with reasons", () => {
    const t = new IoMappingTable();
    t.add("io", 10, 10, recorder("a"));
    expect(t.add("io", 0, 0, recorder("z"))).toMatch(/zero length/);
    expect(t.add("io", 15, 10, recorder("b"))).toMatch(/overlaps a/);
    expect(t.add("io", 0, 11, recorder("c"))).toMatch(/overlaps a/);
    expect(t.add("io", 20, 5, recorder("d"))).toBe(1); // touching is fine
    expect(t.add("io", 0xfffe, 1, recorder("e"))).toBe(2);
    expect(t.add("io", 0xfffe, 2, recorder("f"))).toMatch(/0xffff/);
    expect(t.add("mem", 10, 10, recorder("g"))).toMatch(/page-aligned/); // IO and MEM are separate spaces...
    expect(t.add("mem", 0, 4096, recorder("h"))).toBe(3); // ...so the same numbers are fine for MEM
  });

  it("lists the gaps of the IO space around the devices", () => {
    const t = new IoMappingTable();
    t.add("io", 0x20, 2, recorder("pic"));
    t.add("io", 0xe9, 1, recorder("debugcon"));
    t.add("io", 0x3f8, 8, recorder("uart"));
    expect(t.ioGaps()).toEqual([
      [0, 0x20],
      [0x22, 0xe9 - 0x22],
      [0xea, 0x3f8 - 0xea],
      [0x400, IO_TRAP_LIMIT - 0x400],
    ]);
    for (const [base, size] of t.ioGaps()) expect(t.add("io", base, size, recorder("unassigned"))).toBeTypeOf("number");
    expect(t.ioGaps()).toEqual([]);
  });

  it("passes offsets relative to the row and splits accesses that run past it", () => {
    const t = new IoMappingTable();
    const dbg = recorder("debugcon", 0xe9);
    const next = recorder("next", 0x12);
    t.add("io", 0xe9, 1, dbg);
    t.add("io", 0xea, 1, next);
    const row = t.row(0)!;
    t.write(row, 0xe9, 1, 0x41);
    t.write(row, 0xe9, 2, 0x4241);
    expect(dbg.log).toEqual(["w 0 1 41", "w 0 1 41"]);
    expect(next.log).toEqual(["w 0 1 42"]);
    expect(t.read(row, 0xe9, 2)).toBe(0x12e9);
    const uart = recorder("uart", 7);
    t.add("io", 0x3f8, 8, uart);
    expect(t.read(t.row(2)!, 0x3fd, 1)).toBe(7);
    expect(uart.log).toEqual(["r 5 1"]);
  });
});

describe("devices with a maximum access width", () => {
  it("drops a wider write and reads all ones for a wider read, as QEMU's memory core does for debugcon", () => {
    const t = new IoMappingTable();
    const seen: number[] = [];
    const dev = { name: "one-byte", maxAccess: 1, read: () => 0xe9, write: (_o: number, _s: number, v: number) => void seen.push(v) };
    const key = t.add("io", 0xe9, 1, dev) as number;
    t.write(t.row(key)!, 0xe9, 2, 0x4241);
    t.write(t.row(key)!, 0xe9, 1, 0x47);
    expect(seen).toEqual([0x47]);
    expect(t.read(t.row(key)!, 0xe9, 2)).toBe(0xffff);
    expect(t.read(t.row(key)!, 0xe9, 1)).toBe(0xe9);
  });
});
