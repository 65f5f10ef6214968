/**
 * A guest's traps (`hypervisor/trap_map.cc`, `include/hypervisor/trap_map.h`, E2+ version).
 *
 * Two namespaces: memory (BELL and MEM share it) and IO. Each is a list of non-overlapping
 * [addr, addr + size) ranges kept sorted by address and searched by binary search.
 * Insertion rules (trap_map.cc InsertTrap): size 0, address overflow, or an IO range reaching past
 * 0xFFFF → ZX_ERR_OUT_OF_RANGE; any intersection with an existing trap of the same namespace →
 * ZX_ERR_ALREADY_EXISTS; an unknown kind → ZX_ERR_INVALID_ARGS. Traps are never removed singly;
 * they live as long as the guest.
 *
 * A BELL trap owns a pool of 256 packets (kMaxPacketsPerRange): a VCPU that rings a bell while all
 * 256 are still queued on the port blocks until zx_port_wait takes one (back-pressure).
 */
import { ZX_GUEST_TRAP_BELL, ZX_GUEST_TRAP_IO, ZX_GUEST_TRAP_MEM } from "./constants";
import { ZX_ERR_ALREADY_EXISTS, ZX_ERR_INVALID_ARGS, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "./status";
import type { PortObject } from "./objects/port";

export const MAX_PACKETS_PER_TRAP = 256;
const U64_LIMIT = 1n << 64n;

/** The bounded packet allocator of one BELL trap. */
export class PacketPool {
  private free = MAX_PACKETS_PER_TRAP;
  private readonly waiting: Array<() => void> = [];

  get available(): number {
    return this.free;
  }
  /** Take a packet if one is free. */
  tryAcquire(): boolean {
    if (this.free === 0) return false;
    this.free--;
    return true;
  }
  /** Resolves once a packet is free (the caller then retries tryAcquire). */
  whenAvailable(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    this.free++;
    this.waiting.shift()?.();
  }
}

export class Trap {
  readonly pool = new PacketPool();
  constructor(
    readonly kind: number,
    /** Start and end as numbers: every trap that can fire lies below 2^48, exactly representable. */
    readonly start: number,
    readonly end: number,
    readonly port: PortObject | null,
    readonly key: bigint,
  ) {}

  get size(): number {
    return this.end - this.start;
  }
}

export class TrapMap {
  private readonly memory: Trap[] = [];
  private readonly io: Trap[] = [];

  private listOf(kind: number): Trap[] | undefined {
    if (kind === ZX_GUEST_TRAP_BELL || kind === ZX_GUEST_TRAP_MEM) return this.memory;
    if (kind === ZX_GUEST_TRAP_IO) return this.io;
    return undefined;
  }

  /** Index of the first trap whose end is above `addr` (binary search). */
  private static lowerBound(list: Trap[], addr: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(kind: number, addr: bigint, size: bigint, port: PortObject | null, key: bigint): number {
    const list = this.listOf(kind);
    if (!list) return ZX_ERR_INVALID_ARGS;
    if (size === 0n || addr + size > U64_LIMIT) return ZX_ERR_OUT_OF_RANGE;
    if (kind === ZX_GUEST_TRAP_IO && addr + size > 0xffffn) return ZX_ERR_OUT_OF_RANGE;
    const start = Number(addr);
    const end = Number(addr + size);
    const i = TrapMap.lowerBound(list, start);
    if (i < list.length && list[i].start < end) return ZX_ERR_ALREADY_EXISTS;
    list.splice(i, 0, new Trap(kind, start, end, port, key));
    return ZX_OK;
  }

  /** The memory trap (BELL or MEM) containing guest-physical `addr`. */
  findMemory(addr: number): Trap | undefined {
    return TrapMap.find(this.memory, addr);
  }
  /** The IO trap containing `port`. */
  findIo(port: number): Trap | undefined {
    // A guest tends to hit one port range many times in a row (a UART, a timer): try the last one
    // first. Traps are never removed and never overlap, so a trap holding `port` is the answer.
    const last = this.lastIo;
    if (last !== undefined && port >= last.start && port < last.end) return last;
    const trap = TrapMap.find(this.io, port);
    if (trap !== undefined) this.lastIo = trap;
    return trap;
  }
  /** The IO trap findIo found last. */
  private lastIo: Trap | undefined = undefined;

  private static find(list: Trap[], addr: number): Trap | undefined {
    const i = TrapMap.lowerBound(list, addr);
    return i < list.length && list[i].start <= addr ? list[i] : undefined;
  }

  /** Every trap, memory namespace first (for the UI and for cancelling BELL packets). */
  all(): Trap[] {
    return [...this.memory, ...this.io];
  }
}
