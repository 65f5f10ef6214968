/**
 * Guest-physical memory: the "EPT" of the software VT-x.
 *
 * Page-granular (4 KiB) map of guest-physical page numbers to (host backing Uint8Array, byte offset
 * of the page in it, PERM_* bits). The low 4 GiB (2^20 pages) are dense typed arrays, which is where
 * every guest we run keeps its RAM. Above 4 GiB (up to 2^48) the space is kept as extents, one per
 * mapped range: a page-by-page map there cost ~100 bytes of heap a page, so a few mappings of a
 * large VMO high up (each a cheap zx_vmar_map) could exhaust the worker's heap.
 *
 * `generation` increases on every map/unmap/protect so the CPU can drop translations it cached
 * (its software TLB holds direct references to backing buffers).
 */
import { GuestPhysicalMemory, PERM_READ, PERM_WRITE, PERM_EXECUTE } from "./vtx";

const PAGE_SHIFT = 12;
const PAGE_SIZE = 4096;
const DENSE_PAGES = 1 << 20; // 4 GiB of guest-physical space
/** Guest-physical space is 2^48 bytes (Zircon MMU_GUEST_SIZE_SHIFT = 48). */
const GPA_LIMIT = 2 ** 48;

/** Pages [start, end) above 4 GiB backed by `buf` from byte `off` (page `start`) on. */
interface Extent {
  start: number;
  end: number;
  buf: Uint8Array;
  off: number;
  perms: number;
}

export class PhysicalMemory implements GuestPhysicalMemory {
  /** Bumped on every change of the mapping or permissions. */
  generation = 0;
  /**
   * Backing buffer by page, grown (packed) only as far as the highest page mapped below 4 GiB: a
   * 2^20-slot array made up front cost tens of milliseconds at every machine's creation.
   */
  private readonly denseBuf: (Uint8Array | undefined)[] = [];
  private readonly denseOff = new Int32Array(DENSE_PAGES);
  private readonly densePerms = new Uint8Array(DENSE_PAGES);
  /** Above 4 GiB: sorted by start, never overlapping. */
  private extents: Extent[] = [];
  /** The extent the last lookup found (lookups come in runs on one page or its neighbours). */
  private lastExtent: Extent | null = null;

  private checkRange(gpa: number, len: number): void {
    if (gpa % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0 || gpa < 0 || len < 0 || gpa + len > GPA_LIMIT) {
      throw new RangeError(`PhysicalMemory: range [${gpa}, +${len}) is not page-aligned inside 2^48`);
    }
  }

  map(gpa: number, len: number, backing: Uint8Array, offset: number, perms: number): void {
    this.checkRange(gpa, len);
    if (offset < 0 || offset + len > backing.length) throw new RangeError("PhysicalMemory.map: backing too small");
    const first = gpa / PAGE_SIZE;
    const end = first + len / PAGE_SIZE;
    for (let ppn = first; ppn < Math.min(end, DENSE_PAGES); ppn++) this.setDensePage(ppn, backing, offset + (ppn - first) * PAGE_SIZE, perms & 7);
    if (end > DENSE_PAGES) {
      const start = Math.max(first, DENSE_PAGES);
      this.cutExtents(start, end);
      this.insertExtent({ start, end, buf: backing, off: offset + (start - first) * PAGE_SIZE, perms: perms & 7 });
    }
    this.generation++;
  }

  unmap(gpa: number, len: number): void {
    this.checkRange(gpa, len);
    const first = gpa / PAGE_SIZE;
    const end = first + len / PAGE_SIZE;
    for (let ppn = first; ppn < Math.min(end, DENSE_PAGES); ppn++) this.setDensePage(ppn, undefined, 0, 0);
    if (end > DENSE_PAGES) this.cutExtents(Math.max(first, DENSE_PAGES), end);
    this.generation++;
  }

  protect(gpa: number, len: number, perms: number): void {
    this.checkRange(gpa, len);
    const first = gpa / PAGE_SIZE;
    const end = first + len / PAGE_SIZE;
    for (let ppn = first; ppn < Math.min(end, DENSE_PAGES); ppn++) {
      if (this.pageBuffer(ppn) !== undefined) this.densePerms[ppn] = perms & 7;
    }
    if (end > DENSE_PAGES) {
      // The mapped parts of [start, end) are cut out and put back with the new permissions.
      const start = Math.max(first, DENSE_PAGES);
      const inside = this.cutExtents(start, end);
      for (const e of inside) this.insertExtent({ ...e, perms: perms & 7 });
    }
    this.generation++;
  }

  private setDensePage(ppn: number, buf: Uint8Array | undefined, off: number, perms: number): void {
    const pages = this.denseBuf;
    if (ppn >= pages.length) {
      if (buf === undefined) return; // never mapped
      while (pages.length <= ppn) pages.push(undefined);
    }
    pages[ppn] = buf;
    this.denseOff[ppn] = off;
    this.densePerms[ppn] = buf ? perms : 0;
  }

  /** Index of the first extent that ends after `ppn` (extents.length if none). */
  private firstEndingAfter(ppn: number): number {
    const list = this.extents;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].end <= ppn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes pages [start, end) from the extents (splitting those that straddle an edge); returns what was removed. */
  private cutExtents(start: number, end: number): Extent[] {
    const list = this.extents;
    const at = this.firstEndingAfter(start);
    let stop = at;
    while (stop < list.length && list[stop].start < end) stop++;
    if (stop === at) return [];
    const kept: Extent[] = [];
    const removed: Extent[] = [];
    for (let i = at; i < stop; i++) {
      const e = list[i];
      if (e.start < start) kept.push({ ...e, end: start });
      const from = Math.max(e.start, start);
      const to = Math.min(e.end, end);
      removed.push({ ...e, start: from, end: to, off: e.off + (from - e.start) * PAGE_SIZE });
      if (e.end > end) kept.push({ ...e, start: end, off: e.off + (end - e.start) * PAGE_SIZE });
    }
    list.splice(at, stop - at, ...kept);
    this.lastExtent = null;
    return removed;
  }

  /** Inserts an extent over pages no extent covers. */
  private insertExtent(extent: Extent): void {
    this.extents.splice(this.firstEndingAfter(extent.start), 0, extent);
  }

  /** The extent holding page `ppn` (>= 2^20), if any. */
  private extentOf(ppn: number): Extent | undefined {
    const last = this.lastExtent;
    if (last !== null && ppn >= last.start && ppn < last.end) return last;
    const i = this.firstEndingAfter(ppn);
    const e = this.extents[i];
    if (e === undefined || e.start > ppn) return undefined;
    this.lastExtent = e;
    return e;
  }

  /** Mapped ranges above 4 GiB (for tests: the cost of the sparse space is this count). */
  get extentCount(): number {
    return this.extents.length;
  }

  permissions(gpa: number): number {
    return this.pagePerms(Math.floor(gpa / PAGE_SIZE));
  }

  /** PERM_* of a guest-physical page number (0 when unmapped). */
  pagePerms(ppn: number): number {
    if (ppn < DENSE_PAGES) return ppn >= 0 ? this.densePerms[ppn] : 0;
    return this.extentOf(ppn)?.perms ?? 0;
  }

  /** Backing buffer of a page, or undefined when unmapped. Pair with pageOffset(). */
  pageBuffer(ppn: number): Uint8Array | undefined {
    if (ppn < DENSE_PAGES) return ppn >= 0 && ppn < this.denseBuf.length ? this.denseBuf[ppn] : undefined;
    return this.extentOf(ppn)?.buf;
  }

  /** Byte offset of the page inside pageBuffer(ppn). */
  pageOffset(ppn: number): number {
    if (ppn < DENSE_PAGES) return this.denseOff[ppn];
    const e = this.extentOf(ppn);
    return e === undefined ? 0 : e.off + (ppn - e.start) * PAGE_SIZE;
  }

  readBytes(gpa: number, dest: Uint8Array): boolean {
    return this.copy(gpa, dest, false);
  }

  writeBytes(gpa: number, src: Uint8Array): boolean {
    return this.copy(gpa, src, true);
  }

  /** Host access ignoring permissions; checks every page first so a failed copy changes nothing. */
  private copy(gpa: number, data: Uint8Array, toGuest: boolean): boolean {
    if (gpa < 0 || gpa + data.length > GPA_LIMIT) return false;
    const first = Math.floor(gpa / PAGE_SIZE);
    const last = Math.floor((gpa + Math.max(data.length, 1) - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (this.pageBuffer(p) === undefined) return false;
    let done = 0;
    while (done < data.length) {
      const a = gpa + done;
      const ppn = Math.floor(a / PAGE_SIZE);
      const inPage = a - ppn * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, data.length - done);
      const buf = this.pageBuffer(ppn)!;
      const o = this.pageOffset(ppn) + inPage;
      if (toGuest) buf.set(data.subarray(done, done + n), o);
      else data.set(buf.subarray(o, o + n), done);
      done += n;
    }
    return true;
  }
}

export { PAGE_SHIFT, PAGE_SIZE, PERM_READ, PERM_WRITE, PERM_EXECUTE };
