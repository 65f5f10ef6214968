/**
 * Guest-physical memory: the "EPT" of the software VT-x.
 *
 * Page-granular (4 KiB) map of guest-physical page numbers to (host backing Uint8Array, byte offset
 * of the page in it, PERM_* bits). The low 4 GiB (2^20 pages) are dense typed arrays, which is where
 * every guest we run keeps its RAM; pages above 4 GiB (up to 2^48) live in a sparse Map.
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

interface SparsePage {
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
  private readonly sparse = new Map<number, SparsePage>();

  private checkRange(gpa: number, len: number): void {
    if (gpa % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0 || gpa < 0 || len < 0 || gpa + len > GPA_LIMIT) {
      throw new RangeError(`PhysicalMemory: range [${gpa}, +${len}) is not page-aligned inside 2^48`);
    }
  }

  map(gpa: number, len: number, backing: Uint8Array, offset: number, perms: number): void {
    this.checkRange(gpa, len);
    if (offset < 0 || offset + len > backing.length) throw new RangeError("PhysicalMemory.map: backing too small");
    for (let i = 0; i < len; i += PAGE_SIZE) this.setPage((gpa + i) / PAGE_SIZE, backing, offset + i, perms & 7);
    this.generation++;
  }

  unmap(gpa: number, len: number): void {
    this.checkRange(gpa, len);
    for (let i = 0; i < len; i += PAGE_SIZE) this.setPage((gpa + i) / PAGE_SIZE, undefined, 0, 0);
    this.generation++;
  }

  protect(gpa: number, len: number, perms: number): void {
    this.checkRange(gpa, len);
    for (let i = 0; i < len; i += PAGE_SIZE) {
      const ppn = (gpa + i) / PAGE_SIZE;
      if (ppn < DENSE_PAGES) {
        if (this.pageBuffer(ppn) !== undefined) this.densePerms[ppn] = perms & 7;
      } else {
        const p = this.sparse.get(ppn);
        if (p) p.perms = perms & 7;
      }
    }
    this.generation++;
  }

  private setPage(ppn: number, buf: Uint8Array | undefined, off: number, perms: number): void {
    if (ppn < DENSE_PAGES) {
      const pages = this.denseBuf;
      if (ppn >= pages.length) {
        if (buf === undefined) return; // never mapped
        while (pages.length <= ppn) pages.push(undefined);
      }
      pages[ppn] = buf;
      this.denseOff[ppn] = off;
      this.densePerms[ppn] = buf ? perms : 0;
    } else if (buf) {
      this.sparse.set(ppn, { buf, off, perms });
    } else {
      this.sparse.delete(ppn);
    }
  }

  permissions(gpa: number): number {
    return this.pagePerms(Math.floor(gpa / PAGE_SIZE));
  }

  /** PERM_* of a guest-physical page number (0 when unmapped). */
  pagePerms(ppn: number): number {
    if (ppn < DENSE_PAGES) return ppn >= 0 ? this.densePerms[ppn] : 0;
    const p = this.sparse.get(ppn);
    return p ? p.perms : 0;
  }

  /** Backing buffer of a page, or undefined when unmapped. Pair with pageOffset(). */
  pageBuffer(ppn: number): Uint8Array | undefined {
    if (ppn < DENSE_PAGES) return ppn >= 0 && ppn < this.denseBuf.length ? this.denseBuf[ppn] : undefined;
    return this.sparse.get(ppn)?.buf;
  }

  /** Byte offset of the page inside pageBuffer(ppn). */
  pageOffset(ppn: number): number {
    if (ppn < DENSE_PAGES) return this.denseOff[ppn];
    return this.sparse.get(ppn)?.off ?? 0;
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
