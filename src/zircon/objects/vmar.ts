/**
 * Virtual memory address regions (`vm/vm_address_region.cc`, `object/vm_address_region_dispatcher.cc`).
 *
 * A VMAR is a range of an address space holding, without overlap, mappings of VMOs and child VMARs.
 * Two kinds of address space exist here:
 * - a process's own (proc.rootVmar): mappings are what `proc.view()` dereferences;
 * - a guest's physical address space (base 0, 2^48 bytes on x86): every change is mirrored into the
 *   guest's `GuestPhysicalMemory`, which is the EPT the CPU runs against.
 *
 * Addresses are numbers: both spaces are below 2^48, exactly representable.
 */
import type { GuestPhysicalMemory } from "../../x86";
import {
  PAGE_SIZE,
  ZX_OBJ_TYPE_VMAR,
  ZX_VM_ALIGN_BASE,
  ZX_VM_ALIGN_MASK,
  ZX_VM_ALLOW_FAULTS,
  ZX_VM_CAN_MAP_EXECUTE,
  ZX_VM_CAN_MAP_READ,
  ZX_VM_CAN_MAP_SPECIFIC,
  ZX_VM_CAN_MAP_WRITE,
  ZX_VM_COMPACT,
  ZX_VM_MAP_RANGE,
  ZX_VM_OFFSET_IS_UPPER_LIMIT,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED,
  ZX_VM_PERM_WRITE,
  ZX_VM_REQUIRE_NON_RESIZABLE,
  ZX_VM_SPECIFIC,
  ZX_VM_SPECIFIC_OVERWRITE,
} from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_STATE,
  ZX_ERR_BUFFER_TOO_SMALL,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_NOT_FOUND,
  ZX_ERR_NOT_SUPPORTED,
  ZX_ERR_OUT_OF_RANGE,
  ZX_OK,
} from "../status";
import type { VmoObject } from "./vmo";

const PERMS = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;
const CAN_MAP_ALL = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;
const MAP_OPTIONS =
  PERMS | ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_MAP_RANGE | ZX_VM_REQUIRE_NON_RESIZABLE |
  ZX_VM_ALLOW_FAULTS | ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED | ZX_VM_ALIGN_MASK;
const ALLOCATE_OPTIONS = CAN_MAP_ALL | ZX_VM_SPECIFIC | ZX_VM_COMPACT | ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_ALIGN_MASK;

/** The address space a VMAR tree describes. */
export interface AddressSpace {
  /** The guest's EPT, or null for a process address space. */
  readonly physmem: GuestPhysicalMemory | null;
}

/** One mapping of a VMO range. `maxPerms` = what the handles used to map it allowed (for protect). */
export class Mapping {
  constructor(
    public base: number,
    public size: number,
    readonly vmo: VmoObject,
    public vmoOffset: number,
    public perms: number,
    readonly maxPerms: number,
  ) {}
  get end(): number {
    return this.base + this.size;
  }
}

type Region = Mapping | VmarObject;

const pageAligned = (v: number) => v % PAGE_SIZE === 0;

export class VmarObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_VMAR;
  /** Mappings and child VMARs, sorted by base, never overlapping. */
  readonly children: Region[] = [];
  destroyed = false;

  constructor(
    kernel: KernelContext,
    readonly base: number,
    readonly size: number,
    /** ZX_VM_CAN_MAP_* bits. */
    readonly flags: number,
    readonly parent: VmarObject | null,
    readonly aspace: AddressSpace,
  ) {
    super(kernel);
  }

  get end(): number {
    return this.base + this.size;
  }

  // --- placement ---

  private overlaps(start: number, end: number): boolean {
    return this.children.some((c) => c.base < end && start < c.end);
  }

  private insertSorted(r: Region): void {
    let i = 0;
    while (i < this.children.length && this.children[i].base < r.base) i++;
    this.children.splice(i, 0, r);
    if (r instanceof Mapping) r.vmo.addMapping();
  }

  /** Take a mapping out of this VMAR's children (the caller unmaps its pages or re-inserts pieces). */
  private removeMapping(m: Mapping): void {
    this.children.splice(this.children.indexOf(m), 1);
    m.vmo.removeMapping();
  }

  /** First gap of `size` bytes at `align` alignment (deterministic first fit). */
  private findGap(size: number, align: number, upperLimit: number): number | undefined {
    let cursor = this.base;
    const fits = (start: number, gapEnd: number) => start + size <= gapEnd && start + size <= upperLimit;
    for (const c of this.children) {
      const start = Math.ceil(cursor / align) * align;
      if (fits(start, c.base)) return start;
      cursor = Math.max(cursor, c.end);
    }
    const start = Math.ceil(cursor / align) * align;
    return fits(start, this.end) ? start : undefined;
  }

  /** Resolve ZX_VM_SPECIFIC / ALIGN / OFFSET_IS_UPPER_LIMIT to an absolute base, or a status. */
  private place(options: number, offset: bigint, size: number): number | { status: number } {
    const alignLog = (options & ZX_VM_ALIGN_MASK) >>> ZX_VM_ALIGN_BASE;
    if (alignLog !== 0 && (alignLog < 10 || alignLog > 32)) return { status: ZX_ERR_INVALID_ARGS };
    const align = Math.max(PAGE_SIZE, alignLog ? 2 ** alignLog : PAGE_SIZE);
    if (options & (ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE)) {
      if (offset % BigInt(align) !== 0n) return { status: ZX_ERR_INVALID_ARGS };
      if (offset + BigInt(size) > BigInt(this.size)) return { status: ZX_ERR_INVALID_ARGS };
      return this.base + Number(offset);
    }
    let upper = this.end;
    if (options & ZX_VM_OFFSET_IS_UPPER_LIMIT) {
      if (offset > BigInt(this.size)) return { status: ZX_ERR_INVALID_ARGS };
      upper = this.base + Number(offset);
    } else if (offset !== 0n) {
      return { status: ZX_ERR_INVALID_ARGS };
    }
    const at = this.findGap(size, align, upper);
    return at === undefined ? { status: ZX_ERR_NO_MEMORY } : at;
  }

  // --- zx_vmar_map ---

  /**
   * Map `len` bytes of `vmo` at `vmoOffset`. `vmarRights`/`vmoRights` are the rights of the handles
   * used (sys_vmar_map checks them against the requested permissions). Returns the absolute address.
   */
  map(options: number, vmarOffset: bigint, vmo: VmoObject, vmoRights: number, vmoOffset: bigint, len: bigint, vmarRights: number):
    { status: number; addr?: number } {
    if ((options & ~MAP_OPTIONS) !== 0) return { status: ZX_ERR_INVALID_ARGS };
    if (this.destroyed) return { status: ZX_ERR_BAD_STATE };
    // Rights: mapping needs MAP on the VMO, and each permission on both handles (E2 sys_vmar_map).
    if ((vmoRights & 0x20) === 0) return { status: ZX_ERR_ACCESS_DENIED };
    let perms = options & PERMS;
    if ((options & ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED) && (perms & ZX_VM_PERM_EXECUTE)) perms |= ZX_VM_PERM_READ;
    const rightFor = [[ZX_VM_PERM_READ, 0x4, ZX_VM_CAN_MAP_READ], [ZX_VM_PERM_WRITE, 0x8, ZX_VM_CAN_MAP_WRITE], [ZX_VM_PERM_EXECUTE, 0x10, ZX_VM_CAN_MAP_EXECUTE]];
    for (const [perm, right, canMap] of rightFor) {
      if ((perms & perm) && (!(vmarRights & right) || !(vmoRights & right) || !(this.flags & canMap))) {
        return { status: ZX_ERR_ACCESS_DENIED };
      }
    }
    if ((options & ZX_VM_SPECIFIC_OVERWRITE) && (options & ZX_VM_MAP_RANGE)) return { status: ZX_ERR_INVALID_ARGS };
    if (len === 0n) return { status: ZX_ERR_INVALID_ARGS };
    if (vmoOffset % BigInt(PAGE_SIZE) !== 0n) return { status: ZX_ERR_INVALID_ARGS };
    const size = (len + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);
    if (vmoOffset + size >= 1n << 64n) return { status: ZX_ERR_OUT_OF_RANGE };
    if (size > BigInt(this.size)) return { status: ZX_ERR_INVALID_ARGS };
    if ((options & (ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE)) && !(this.flags & ZX_VM_CAN_MAP_SPECIFIC)) {
      return { status: ZX_ERR_ACCESS_DENIED };
    }
    if (vmo.resizable) {
      if (options & ZX_VM_REQUIRE_NON_RESIZABLE) return { status: ZX_ERR_NOT_SUPPORTED };
      if (!(options & ZX_VM_ALLOW_FAULTS)) return { status: ZX_ERR_NOT_SUPPORTED };
    }
    if (vmoOffset + size > BigInt(vmo.size) && !(options & ZX_VM_ALLOW_FAULTS)) return { status: ZX_ERR_BUFFER_TOO_SMALL };
    if (vmoOffset + size > BigInt(vmo.size)) return { status: ZX_ERR_OUT_OF_RANGE };
    const n = Number(size);
    const at = this.place(options, vmarOffset, n);
    if (typeof at !== "number") return at;
    if (this.overlaps(at, at + n)) {
      if (!(options & ZX_VM_SPECIFIC_OVERWRITE)) return { status: ZX_ERR_NO_MEMORY };
      // Overwrite may only replace mappings, never carve into a child VMAR.
      if (this.children.some((c) => c instanceof VmarObject && c.base < at + n && at < c.end)) return { status: ZX_ERR_INVALID_ARGS };
      this.unmapInternal(at, n, false);
    }
    const maxPerms = ((vmarRights & 0x4 && vmoRights & 0x4) ? ZX_VM_PERM_READ : 0) |
      ((vmarRights & 0x8 && vmoRights & 0x8) ? ZX_VM_PERM_WRITE : 0) |
      ((vmarRights & 0x10 && vmoRights & 0x10) ? ZX_VM_PERM_EXECUTE : 0);
    const m = new Mapping(at, n, vmo, Number(vmoOffset), perms, maxPerms);
    const physmem = this.aspace.physmem;
    if (physmem) {
      // The guest's page map is where a huge mapping costs host memory: if the host has none left
      // (a RangeError), nothing stays half-mapped and the call fails as Zircon's does (NO_MEMORY).
      try {
        physmem.map(at, n, vmo.bytes, m.vmoOffset, perms);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        physmem.unmap(at, n);
        return { status: ZX_ERR_NO_MEMORY };
      }
    }
    this.insertSorted(m);
    return { status: ZX_OK, addr: at };
  }

  // --- zx_vmar_allocate ---

  allocate(options: number, offset: bigint, size: bigint): { status: number; child?: VmarObject } {
    if ((options & ~ALLOCATE_OPTIONS) !== 0) return { status: ZX_ERR_INVALID_ARGS };
    if (this.destroyed) return { status: ZX_ERR_BAD_STATE };
    const flags = options & CAN_MAP_ALL;
    if ((flags & ~this.flags) !== 0) return { status: ZX_ERR_ACCESS_DENIED };
    if (size === 0n || size % BigInt(PAGE_SIZE) !== 0n || size > BigInt(this.size)) return { status: ZX_ERR_INVALID_ARGS };
    if ((options & ZX_VM_SPECIFIC) && !(this.flags & ZX_VM_CAN_MAP_SPECIFIC)) return { status: ZX_ERR_ACCESS_DENIED };
    const n = Number(size);
    const at = this.place(options & ~ZX_VM_COMPACT, offset, n);
    if (typeof at !== "number") return at;
    if (this.overlaps(at, at + n)) return { status: ZX_ERR_NO_MEMORY };
    const child = new VmarObject(this.kernel, at, n, flags, this, this.aspace);
    this.insertSorted(child);
    return { status: ZX_OK, child };
  }

  // --- zx_vmar_unmap ---

  /**
   * Unmap [addr, addr+len) (absolute). A child VMAR entirely inside the range is destroyed; one only
   * partly inside makes the syscall fail with INVALID_ARGS, unless `allowPartial` (the kernel's own
   * UnmapAllowPartial, used by zx_guest_set_trap), which unmaps inside it instead.
   */
  unmap(addr: number, len: number, allowPartial: boolean): number {
    if (this.destroyed) return ZX_ERR_BAD_STATE;
    if (!pageAligned(addr) || !pageAligned(len) || len <= 0) return ZX_ERR_INVALID_ARGS;
    if (addr < this.base || addr + len > this.end) return ZX_ERR_INVALID_ARGS;
    return this.unmapInternal(addr, len, allowPartial);
  }

  private unmapInternal(addr: number, len: number, allowPartial: boolean): number {
    const end = addr + len;
    if (!allowPartial) {
      for (const c of this.children) {
        if (c instanceof VmarObject && c.base < end && addr < c.end && (c.base < addr || c.end > end)) return ZX_ERR_INVALID_ARGS;
      }
    }
    for (const c of [...this.children]) {
      if (!(c.base < end && addr < c.end)) continue;
      if (c instanceof VmarObject) {
        // The syscall destroys a child VMAR it covers; the kernel's UnmapAllowPartial (set_trap)
        // only empties it and leaves it attached (hypervisor_unittest ..._unmap_range_sub_region).
        if (!allowPartial && c.base >= addr && c.end <= end) c.destroy();
        else c.unmapInternal(Math.max(addr, c.base), Math.min(end, c.end) - Math.max(addr, c.base), true);
      } else {
        this.cutMapping(c, addr, end);
      }
    }
    return ZX_OK;
  }

  /** Remove [start, end) from mapping `m`, keeping what lies outside (a partial unmap splits it). */
  private cutMapping(m: Mapping, start: number, end: number): void {
    const lo = Math.max(start, m.base);
    const hi = Math.min(end, m.end);
    // The pieces first, then the old mapping: the VMO's mapping count never passes through 0 while
    // a piece still maps it (0 with no handles destroys the VMO).
    if (m.base < lo) this.insertSorted(new Mapping(m.base, lo - m.base, m.vmo, m.vmoOffset, m.perms, m.maxPerms));
    if (hi < m.end) this.insertSorted(new Mapping(hi, m.end - hi, m.vmo, m.vmoOffset + (hi - m.base), m.perms, m.maxPerms));
    this.removeMapping(m);
    this.aspace.physmem?.unmap(lo, hi - lo);
  }

  /** Unmap everything and detach from the parent (zx_vmar_destroy semantics). */
  destroy(): void {
    if (this.destroyed) return;
    for (const c of [...this.children]) {
      if (c instanceof VmarObject) c.destroy();
      else this.cutMapping(c, c.base, c.end);
    }
    this.destroyed = true;
    if (this.parent) {
      const i = this.parent.children.indexOf(this);
      if (i >= 0) this.parent.children.splice(i, 1);
    }
  }

  // --- zx_vmar_protect ---

  protect(perms: number, addr: number, len: number, vmarRights: number): number {
    if ((perms & ~(PERMS | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED)) !== 0) return ZX_ERR_INVALID_ARGS;
    if (this.destroyed) return ZX_ERR_BAD_STATE;
    if (!pageAligned(addr) || len <= 0) return ZX_ERR_INVALID_ARGS;
    len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (addr < this.base || addr + len > this.end) return ZX_ERR_INVALID_ARGS;
    perms &= PERMS;
    if ((perms & ZX_VM_PERM_READ && !(vmarRights & 0x4)) || (perms & ZX_VM_PERM_WRITE && !(vmarRights & 0x8)) ||
        (perms & ZX_VM_PERM_EXECUTE && !(vmarRights & 0x10))) return ZX_ERR_ACCESS_DENIED;
    // The range must be covered, without holes, by mappings of this VMAR or its descendants.
    const covered = this.mappingsIn(addr, addr + len);
    let cursor = addr;
    for (const m of covered) {
      if (m.base > cursor) return ZX_ERR_NOT_FOUND;
      if ((perms & ~m.maxPerms) !== 0) return ZX_ERR_ACCESS_DENIED;
      cursor = m.end;
    }
    if (cursor < addr + len) return ZX_ERR_NOT_FOUND;
    this.protectInternal(addr, addr + len, perms);
    return ZX_OK;
  }

  private protectInternal(start: number, end: number, perms: number): void {
    for (const c of [...this.children]) {
      if (!(c.base < end && start < c.end)) continue;
      if (c instanceof VmarObject) {
        c.protectInternal(start, end, perms);
        continue;
      }
      const lo = Math.max(start, c.base);
      const hi = Math.min(end, c.end);
      if (lo > c.base || hi < c.end) {
        // Split into up to three mappings so only [lo, hi) changes (pieces first, as in cutMapping).
        if (c.base < lo) this.insertSorted(new Mapping(c.base, lo - c.base, c.vmo, c.vmoOffset, c.perms, c.maxPerms));
        this.insertSorted(new Mapping(lo, hi - lo, c.vmo, c.vmoOffset + (lo - c.base), perms, c.maxPerms));
        if (hi < c.end) this.insertSorted(new Mapping(hi, c.end - hi, c.vmo, c.vmoOffset + (hi - c.base), c.perms, c.maxPerms));
        this.removeMapping(c);
      } else {
        c.perms = perms;
      }
      this.aspace.physmem?.protect(lo, hi - lo, perms);
    }
  }

  // --- lookups ---

  /** Mappings intersecting [start, end), in address order, descending into child VMARs. */
  mappingsIn(start: number, end: number): Mapping[] {
    const out: Mapping[] = [];
    for (const c of this.children) {
      if (!(c.base < end && start < c.end)) continue;
      if (c instanceof VmarObject) out.push(...c.mappingsIn(start, end));
      else out.push(c);
    }
    return out;
  }

  /** The mapping containing `addr`, if any. */
  findMapping(addr: number): Mapping | undefined {
    for (const c of this.children) {
      if (addr < c.base) return undefined;
      if (addr < c.end) return c instanceof VmarObject ? c.findMapping(addr) : c;
    }
    return undefined;
  }

  /** The VMAR directly containing `addr` (for tests of the sub-region rules). */
  contains(addr: number): boolean {
    return addr >= this.base && addr < this.end;
  }
}
