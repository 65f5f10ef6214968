import { describe, expect, it } from "vitest";
import { ZX_GUEST_TRAP_BELL, ZX_GUEST_TRAP_IO, ZX_GUEST_TRAP_MEM } from "./constants";
import { ZX_ERR_ALREADY_EXISTS, ZX_ERR_INVALID_ARGS, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "./status";
import { MAX_PACKETS_PER_TRAP, PacketPool, TrapMap } from "./trap-map";

// §6.5: Zircon's kernel unit tests (hypervisor_unittest.cc), under their names.
describe("hypervisor_unittest (trap map)", () => {
  it("trap_map_insert_trap_intersecting", () => {
    const traps = new TrapMap();
    for (const [a, s] of [[10, 10], [20, 10], [35, 5]]) expect(traps.insert(ZX_GUEST_TRAP_MEM, BigInt(a), BigInt(s), null, 0n)).toBe(ZX_OK);
    for (const [a, s] of [[0, 11], [10, 10], [11, 8], [15, 10], [30, 10], [36, 5]]) {
      expect(traps.insert(ZX_GUEST_TRAP_MEM, BigInt(a), BigInt(s), null, 0n), `[${a}, ${a + s})`).toBe(ZX_ERR_ALREADY_EXISTS);
    }
    for (const [a, s] of [[0, 10], [30, 5], [40, 10]]) expect(traps.insert(ZX_GUEST_TRAP_MEM, BigInt(a), BigInt(s), null, 0n)).toBe(ZX_OK);
  });
  it("trap_map_insert_trap_out_of_range", () => {
    const traps = new TrapMap();
    expect(traps.insert(ZX_GUEST_TRAP_MEM, 0n, 0n, null, 0n)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(traps.insert(ZX_GUEST_TRAP_MEM, 0xffffffffn, 2n ** 64n - 1n, null, 0n)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(traps.insert(ZX_GUEST_TRAP_IO, 0n, 0xffffffffn, null, 0n)).toBe(ZX_ERR_OUT_OF_RANGE);
  });
});

describe("TrapMap", () => {
  it("keeps BELL and MEM in one namespace and IO in another", () => {
    const traps = new TrapMap();
    expect(traps.insert(ZX_GUEST_TRAP_BELL, 0x1000n, 0x1000n, null, 1n)).toBe(ZX_OK);
    expect(traps.insert(ZX_GUEST_TRAP_MEM, 0x1000n, 0x1000n, null, 2n)).toBe(ZX_ERR_ALREADY_EXISTS);
    expect(traps.insert(ZX_GUEST_TRAP_IO, 0x1000n, 0x1000n, null, 3n)).toBe(ZX_OK);
    expect(traps.findMemory(0x1fff)?.key).toBe(1n);
    expect(traps.findMemory(0x2000)).toBeUndefined();
    expect(traps.findIo(0x1800)?.key).toBe(3n);
  });
  it("rejects IO ranges reaching 0xFFFF and unknown kinds", () => {
    const traps = new TrapMap();
    expect(traps.insert(ZX_GUEST_TRAP_IO, 0xffffn, 1n, null, 0n)).toBe(ZX_ERR_OUT_OF_RANGE);
    expect(traps.insert(ZX_GUEST_TRAP_IO, 0xfffen, 1n, null, 0n)).toBe(ZX_OK);
    expect(traps.insert(3, 0n, 1n, null, 0n)).toBe(ZX_ERR_INVALID_ARGS);
  });
  it("finds the right trap among many (binary search)", () => {
    const traps = new TrapMap();
    for (let i = 99; i >= 0; i--) traps.insert(ZX_GUEST_TRAP_IO, BigInt(i * 10), 5n, null, BigInt(i));
    for (let i = 0; i < 100; i++) {
      expect(traps.findIo(i * 10 + 4)?.key).toBe(BigInt(i));
      expect(traps.findIo(i * 10 + 5)).toBeUndefined();
    }
  });
});

describe("PacketPool", () => {
  it("hands out 256 packets, then makes the caller wait until one is released", async () => {
    const pool = new PacketPool();
    for (let i = 0; i < MAX_PACKETS_PER_TRAP; i++) expect(pool.tryAcquire()).toBe(true);
    expect(pool.tryAcquire()).toBe(false);
    let woke = false;
    const w = pool.whenAvailable().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    pool.release();
    await w;
    expect(woke).toBe(true);
    expect(pool.tryAcquire()).toBe(true);
  });
});
