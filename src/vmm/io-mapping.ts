import { allOnes, type IoHandler } from "./devices/io-handler";

/**
 * The VMM's map from trap keys to devices (Fuchsia's `IoMapping`, Firecracker's bus): one row per
 * zx_guest_set_trap call, and the trap key is the row's index, so a packet's key leads straight to its
 * row. A device sees only offsets within its own range.
 *
 * The table applies the kernel's own rules up front (zircon-hypervisor.md §5.2, Zircon trap_map.cc),
 * so a bad row is reported here, in words, before any syscall: size > 0; no wrap-around; IO ranges end
 * at or below 0xFFFF; MEM ranges page-aligned; no overlap within a kind.
 */

/** "io": port traps; "mem": MMIO the VMM emulates (the VCPU waits); "bell": doorbells (packets on a port, the VCPU goes on). */
export type TrapKind = "io" | "mem" | "bell";

export interface IoMappingRow {
  readonly kind: TrapKind;
  readonly base: number;
  readonly size: number;
  readonly handler: IoHandler;
}

/** The end (exclusive) of the IO space a Zircon IO trap can cover: `addr + size <= 0xFFFF` (trap_map.cc). */
export const IO_TRAP_LIMIT = 0xffff;
const PAGE = 4096;

export class IoMappingTable {
  private readonly rows: IoMappingRow[] = [];
  /** The key row() was last asked for, and its answer. */
  private lastKey: number | bigint = -1;
  private lastRow: IoMappingRow | undefined = undefined;

  /** Adds a row and returns its key, or a readable reason it cannot be added. */
  add(kind: TrapKind, base: number, size: number, handler: IoHandler): number | string {
    const where = `${handler.name} at ${kind === "io" ? "port" : "address"} 0x${base.toString(16)} size 0x${size.toString(16)}`;
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(size) || base < 0) return `${where}: bad range`;
    if (size <= 0) return `${where}: zero length`;
    if (kind === "io" && base + size > IO_TRAP_LIMIT) return `${where}: beyond the IO space a trap can cover (0xffff)`;
    if (kind !== "io") {
      if (base % PAGE !== 0 || size % PAGE !== 0) return `${where}: MEM and BELL traps must be page-aligned`;
      if (base + size > 2 ** 48) return `${where}: beyond the guest-physical address space`;
    }
    // MEM and BELL traps share the guest-physical namespace; IO has its own (trap_map.cc).
    const space = (k: TrapKind) => (k === "io" ? "io" : "memory");
    for (const r of this.rows) {
      if (space(r.kind) === space(kind) && base < r.base + r.size && r.base < base + size) return `${where}: overlaps ${r.handler.name}`;
    }
    this.rows.push({ kind, base, size, handler });
    this.lastKey = -1;
    return this.rows.length - 1;
  }

  /** The row for a trap key, or undefined for a key this table never issued. */
  row(key: number | bigint): IoMappingRow | undefined {
    // Exits come in runs on one device: the last key's row is kept (no BigInt conversion per exit).
    if (key === this.lastKey) return this.lastRow;
    const k = Number(key);
    const row = Number.isInteger(k) && k >= 0 ? this.rows[k] : undefined;
    this.lastKey = key;
    this.lastRow = row;
    return row;
  }

  /** The row of `kind` containing `addr`. */
  find(kind: TrapKind, addr: number): IoMappingRow | undefined {
    for (const r of this.rows) if (r.kind === kind && addr >= r.base && addr < r.base + r.size) return r;
    return undefined;
  }

  all(): readonly IoMappingRow[] {
    return this.rows;
  }

  /**
   * The gaps of the IO space [0, IO_TRAP_LIMIT) not covered by an IO row, as [base, size) pairs.
   * The VMM covers them with the "unassigned" device so that no port stops the guest.
   */
  ioGaps(): Array<[number, number]> {
    const io = this.rows.filter((r) => r.kind === "io").sort((a, b) => a.base - b.base);
    const gaps: Array<[number, number]> = [];
    let next = 0;
    for (const r of io) {
      if (r.base > next) gaps.push([next, r.base - next]);
      next = Math.max(next, r.base + r.size);
    }
    if (next < IO_TRAP_LIMIT) gaps.push([next, IO_TRAP_LIMIT - next]);
    return gaps;
  }

  /**
   * An access of `size` bytes at `addr` that arrived through `row`. When it runs past the row's end
   * (an OUTW to a one-port device), it is split into byte accesses, each going to the row that holds
   * that byte — how QEMU's memory core splits an access wider than the region that decodes it.
   */
  read(row: IoMappingRow, addr: number, size: number): number {
    if (row.handler.maxAccess !== undefined && size > row.handler.maxAccess) return allOnes(size) >>> 0;
    if (addr + size <= row.base + row.size) return row.handler.read(addr - row.base, size) >>> 0;
    let value = 0;
    for (let i = 0; i < size; i++) {
      const r = this.find(row.kind, addr + i);
      const b = r ? r.handler.read(addr + i - r.base, 1) & 0xff : 0xff;
      value |= b << (8 * i);
    }
    return value >>> 0;
  }

  write(row: IoMappingRow, addr: number, size: number, value: number): void {
    if (row.handler.maxAccess !== undefined && size > row.handler.maxAccess) return;
    if (addr + size <= row.base + row.size) {
      row.handler.write(addr - row.base, size, value);
      return;
    }
    for (let i = 0; i < size; i++) {
      const r = this.find(row.kind, addr + i);
      if (r) r.handler.write(addr + i - r.base, 1, (value >>> (8 * i)) & 0xff);
    }
  }
}
