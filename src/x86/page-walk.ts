/**
 * A debugger's page walk: the linear → physical translation the CPU would make for the given control
 * registers and page tables, step by step, without touching anything (no A/D bits, no TLB, no
 * faults raised). Pure: no DOM and no machine state, so the page's memory view, the worker's
 * step-over and tests all use it. page-walk.test.ts checks it against the CPU's own MMU
 * (Machine.translate in machine.ts) on random page tables.
 *
 * It follows the Intel SDM Vol. 3A ch. 4 as the CPU here implements it:
 * - CR0.PG = 0: no paging, physical = linear truncated to 32 bits;
 * - 32-bit paging (§4.3): 4-byte PDE/PTE, 4 MiB pages with CR4.PSE (PSE-36: PDE bits 20:13 are
 *   physical bits 39:32, bit 21 reserved, as with MAXPHYADDR ≥ 40);
 * - PAE paging (§4.4): the four PDPTEs at CR3 bits 31:5 — read from memory here, where the CPU uses
 *   the copies it loaded at the last MOV to CR3 (they only differ if the guest changed the table
 *   since) — then PDE (2 MiB pages) and PTE;
 * - 4-level paging (§4.5, EFER.LMA = 1): PML4E, PDPTE (1 GiB pages), PDE (2 MiB pages), PTE;
 * - reserved bits (§4.7, tables 4-4 to 4-20) against MAXPHYADDR = 48: physical bits 51:48, XD
 *   unless EFER.NXE, PS in a PML4E, the low address bits of large pages, PAE PDPTE bits 2:1, 8:5 and
 *   63:48;
 * - access rights (§4.6): R/W and U/S of every level, XD with EFER.NXE, CR0.WP, CR4.SMEP, CR4.SMAP
 *   (with RFLAGS.AC for explicit supervisor accesses).
 * 5-level paging (CR4.LA57) is not modelled, as the CPU does not implement it.
 */

/** Physical-address width of the playground's CPU (CPUID 0x80000008 EAX[7:0], src/zircon/cpuid.ts). */
export const MAXPHYADDR = 48;

const CR0_WP = 1n << 16n;
const CR0_PG = 1n << 31n;
const CR4_PSE = 1n << 4n;
const CR4_PAE = 1n << 5n;
const CR4_PGE = 1n << 7n;
const CR4_SMEP = 1n << 20n;
const CR4_SMAP = 1n << 21n;
const EFER_LMA = 1n << 10n;
const EFER_NXE = 1n << 11n;

const P = 1n;
const RW = 2n;
const US = 4n;
const PWT = 8n;
const PCD = 0x10n;
const A = 0x20n;
const D = 0x40n;
const PS = 0x80n;
const G = 0x100n;
const XD = 1n << 63n;
/** Bits 51:12 of a PAE / 4-level entry: the next table or the page frame. */
const ADDR_MASK_64 = 0x000f_ffff_ffff_f000n;
/** Physical-address bits 51:MAXPHYADDR, reserved in every PAE / 4-level entry. */
const RSVD_PHYS = ((1n << 52n) - 1n) & ~((1n << BigInt(MAXPHYADDR)) - 1n);

/** #PF error-code bits (Intel SDM Vol. 3A §4.7). */
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;
export const PF_RSVD = 8;
export const PF_ID = 0x10;

export type PagingMode = "none" | "32-bit" | "pae" | "4-level";
export type PagingLevel = "PML4E" | "PDPTE" | "PDE" | "PTE";

/** The control state a walk depends on (values as the registers hold them). */
export interface PagingControl {
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
}

/** The access being translated; a supervisor data read when empty. */
export interface PageAccess {
  write?: boolean;
  /** A user-mode access (CPL 3). */
  user?: boolean;
  /** An instruction fetch. */
  fetch?: boolean;
  /** RFLAGS.AC, which lets explicit supervisor accesses reach user pages under CR4.SMAP. */
  ac?: boolean;
  /** An implicit supervisor access (descriptor tables, TSS): SMAP applies even with AC = 1. */
  implicit?: boolean;
}

/**
 * Reads `size` bytes (little-endian) at a guest-physical address; null when nothing is there (a
 * table outside RAM, which the CPU would report as an EPT violation).
 */
export type PhysReader = (physAddr: number, size: 4 | 8) => bigint | null;

/** An entry's bits, decoded (whether each applies at this level is the SDM's to say; all are shown). */
export interface EntryBits {
  present: boolean;
  /** R/W: writes allowed. */
  writable: boolean;
  /** U/S: user-mode accesses allowed. */
  user: boolean;
  pwt: boolean;
  pcd: boolean;
  accessed: boolean;
  dirty: boolean;
  /** PS: this entry maps a large page (PDE, PDPTE; ignored elsewhere). */
  pageSize: boolean;
  global: boolean;
  /** XD (bit 63; PAE and 4-level only). */
  executeDisable: boolean;
  /** The address the entry holds: the next table, or the page frame for the last step. */
  address: bigint;
}

export interface PageWalkStep {
  level: PagingLevel;
  /** Physical address of the table the entry was read from. */
  tableBase: bigint;
  /** Index of the entry in its table. */
  index: number;
  entryAddress: bigint;
  /** The entry as read; null when the table is outside RAM. */
  entry: bigint | null;
  bits: EntryBits | null;
  /** Reserved bits set in this entry (0n when none). */
  reservedBits: bigint;
  /** This entry maps the page (a PTE or a large-page PDE/PDPTE). */
  leaf: boolean;
}

export type PageWalkFaultKind =
  /** An entry with P = 0. */
  | "not-present"
  /** An entry with a reserved bit set (#PF with RSVD). */
  | "reserved"
  /** The page is mapped but the access is not allowed (U/S, R/W with WP, XD, SMEP, SMAP). */
  | "protection"
  /** A 4-level linear address whose bits 63:47 differ (#GP or #SS, not #PF). */
  | "non-canonical"
  /** A table lies outside RAM (an EPT violation for the CPU). */
  | "unreadable";

export interface PageWalkFault {
  kind: PageWalkFaultKind;
  /** The entry that caused it (null for non-canonical; the leaf for protection). */
  level: PagingLevel | null;
  /** The #PF error code the CPU would push (0 for non-canonical and unreadable). */
  errorCode: number;
  /** Plain English, for the UI. */
  message: string;
}

export interface PageWalkResult {
  mode: PagingMode;
  linear: bigint;
  steps: PageWalkStep[];
  /** Null after a fault. */
  physical: bigint | null;
  /** Bytes mapped by the final entry (4096, 2 MiB, 4 MiB, 1 GiB); null after a fault or without paging. */
  pageSize: number | null;
  /** What every level together allows (null without paging or before reaching the leaf). */
  rights: { writable: boolean; user: boolean; executable: boolean } | null;
  /** A global translation (G in the leaf and CR4.PGE). */
  global: boolean;
  fault: PageWalkFault | null;
}

export function pagingMode(ctl: PagingControl): PagingMode {
  if ((ctl.cr0 & CR0_PG) === 0n) return "none";
  if ((ctl.cr4 & CR4_PAE) === 0n) return "32-bit";
  return (ctl.efer & EFER_LMA) !== 0n ? "4-level" : "pae";
}

/** Decodes an entry's bits; `address` is the 32-bit or 64-bit entry's address field. */
export function decodeEntry(entry: bigint, wide: boolean): EntryBits {
  return {
    present: (entry & P) !== 0n,
    writable: (entry & RW) !== 0n,
    user: (entry & US) !== 0n,
    pwt: (entry & PWT) !== 0n,
    pcd: (entry & PCD) !== 0n,
    accessed: (entry & A) !== 0n,
    dirty: (entry & D) !== 0n,
    pageSize: (entry & PS) !== 0n,
    global: (entry & G) !== 0n,
    executeDisable: wide && (entry & XD) !== 0n,
    address: wide ? entry & ADDR_MASK_64 : entry & 0xffff_f000n,
  };
}

/** A 64-bit linear address is canonical for 4-level paging: bits 63:47 all equal. */
export function isCanonical48(linear: bigint): boolean {
  const top = BigInt.asUintN(64, linear) >> 47n;
  return top === 0n || top === (1n << 17n) - 1n;
}

/** A PhysReader over guest RAM starting at guest-physical 0 (the page's shared RAM view). */
export function ramReader(ram: Uint8Array): PhysReader {
  return (addr, size) => {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + size > ram.length) return null;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(ram[addr + i]);
    return v;
  };
}

const SIZE_4K = 4096;
const SIZE_2M = 2 * 1024 * 1024;
const SIZE_4M = 4 * 1024 * 1024;
const SIZE_1G = 1024 * 1024 * 1024;

/**
 * Translates `linear` as the CPU would for `access` (a supervisor read by default), reading the
 * tables through `read`. Never throws; faults are results.
 */
export function walkPage(read: PhysReader, ctl: PagingControl, linear: bigint, access: PageAccess = {}): PageWalkResult {
  const mode = pagingMode(ctl);
  const lin = BigInt.asUintN(64, linear);
  const result: PageWalkResult = { mode, linear: lin, steps: [], physical: null, pageSize: null, rights: null, global: false, fault: null };
  if (mode === "none") {
    result.physical = lin & 0xffff_ffffn;
    return result;
  }
  const nxe = (ctl.efer & EFER_NXE) !== 0n;
  // Error-code bits every #PF of this access carries (Intel SDM Vol. 3A §4.7): W/R, U/S, and I/D for
  // fetches when SMEP is on or XD exists (PAE / 4-level paging with EFER.NXE).
  let accessBits = (access.write ? PF_W : 0) | (access.user ? PF_U : 0);
  if (access.fetch && ((ctl.cr4 & CR4_SMEP) !== 0n || (nxe && mode !== "32-bit"))) accessBits |= PF_ID;

  const fail = (kind: PageWalkFaultKind, level: PagingLevel | null, message: string): PageWalkResult => {
    const code = kind === "not-present" ? accessBits : kind === "reserved" ? accessBits | PF_P | PF_RSVD : kind === "protection" ? accessBits | PF_P : 0;
    result.fault = { kind, level, errorCode: code, message };
    return result;
  };

  const wide = mode !== "32-bit";
  const entrySize = wide ? 8 : 4;
  let addr32 = lin & 0xffff_ffffn;
  if (mode === "4-level") {
    if (!isCanonical48(lin)) return fail("non-canonical", null, "not canonical: bits 63:47 of the address differ (#GP, not a page fault)");
    addr32 = lin;
  }
  const a = addr32;

  // The levels of this mode: name, index bits (shift), and the large page an entry with PS maps.
  type Level = { level: PagingLevel; shift: bigint; bits: bigint; large: number | null };
  const levels: Level[] =
    mode === "32-bit"
      ? [
          { level: "PDE", shift: 22n, bits: 10n, large: (ctl.cr4 & CR4_PSE) !== 0n ? SIZE_4M : null },
          { level: "PTE", shift: 12n, bits: 10n, large: null },
        ]
      : mode === "pae"
        ? [
            { level: "PDPTE", shift: 30n, bits: 2n, large: null },
            { level: "PDE", shift: 21n, bits: 9n, large: SIZE_2M },
            { level: "PTE", shift: 12n, bits: 9n, large: null },
          ]
        : [
            { level: "PML4E", shift: 39n, bits: 9n, large: null },
            { level: "PDPTE", shift: 30n, bits: 9n, large: SIZE_1G },
            { level: "PDE", shift: 21n, bits: 9n, large: SIZE_2M },
            { level: "PTE", shift: 12n, bits: 9n, large: null },
          ];

  let table = mode === "32-bit" ? ctl.cr3 & 0xffff_f000n : mode === "pae" ? ctl.cr3 & 0xffff_ffe0n : ctl.cr3 & ADDR_MASK_64;
  let okWrite = true;
  let okUser = true;
  let okExec = true;
  for (let i = 0; i < levels.length; i++) {
    const lv = levels[i];
    const index = Number((a >> lv.shift) & ((1n << lv.bits) - 1n));
    const entryAddress = table + BigInt(index * entrySize);
    const raw = read(Number(entryAddress), entrySize);
    const step: PageWalkStep = { level: lv.level, tableBase: table, index, entryAddress, entry: raw, bits: null, reservedBits: 0n, leaf: false };
    result.steps.push(step);
    if (raw === null) return fail("unreadable", lv.level, `the ${lv.level} at ${hexAddr(entryAddress)} is outside guest RAM`);
    const e = wide ? BigInt.asUintN(64, raw) : raw & 0xffff_ffffn;
    step.entry = e;
    const bits = decodeEntry(e, wide);
    step.bits = bits;
    if (!bits.present) return fail("not-present", lv.level, `${lv.level} ${index} is not present (P = 0)`);
    const pdptePae = mode === "pae" && lv.level === "PDPTE";
    // A PAE PDPTE has no R/W, U/S or XD: it only points at a page directory (SDM table 4-8).
    const large = lv.large !== null && bits.pageSize ? lv.large : null;
    step.leaf = large !== null || lv.level === "PTE";
    step.reservedBits = reservedBits(e, mode, lv.level, large, nxe);
    if (step.reservedBits !== 0n) {
      return fail("reserved", lv.level, `${lv.level} ${index} has reserved bits set (${hexAddr(step.reservedBits)})`);
    }
    if (!pdptePae) {
      okWrite &&= bits.writable;
      okUser &&= bits.user;
      if (bits.executeDisable) okExec = false;
    }
    if (step.leaf) {
      const size = large ?? SIZE_4K;
      let frame: bigint;
      if (mode === "32-bit" && large !== null) {
        // PSE-36: PDE bits 20:13 are physical-address bits 39:32.
        frame = (e & 0xffc0_0000n) | (((e >> 13n) & 0xffn) << 32n);
      } else {
        frame = bits.address & ~BigInt(size - 1);
      }
      result.rights = { writable: okWrite, user: okUser, executable: okExec };
      const denied = accessDenied(ctl, access, okWrite, okUser, okExec);
      if (denied) return fail("protection", lv.level, denied);
      result.physical = frame + (a & BigInt(size - 1));
      result.pageSize = size;
      result.global = bits.global && (ctl.cr4 & CR4_PGE) !== 0n;
      return result;
    }
    table = bits.address;
  }
  // Not reached: the last level is always a leaf.
  return result;
}

/** The reserved bits set in a present entry (SDM tables 4-4 to 4-20, MAXPHYADDR = 48). */
function reservedBits(e: bigint, mode: PagingMode, level: PagingLevel, large: number | null, nxe: boolean): bigint {
  if (mode === "32-bit") {
    // A 4 MiB PDE: bit 21 (physical bits above 39 do not exist with PSE-36 at M = 40).
    return large !== null ? e & (1n << 21n) : 0n;
  }
  if (mode === "pae" && level === "PDPTE") return e & (0x1e6n | (0xffffn << 48n));
  let r = e & RSVD_PHYS;
  if (!nxe) r |= e & XD;
  if (level === "PML4E") r |= e & PS;
  if (large === SIZE_2M) r |= e & 0x1f_e000n; // bits 20:13
  if (large === SIZE_1G) r |= e & 0x3fff_e000n; // bits 29:13
  return r;
}

/** Why the access is refused by the combined rights (SDM §4.6.1), or null. */
function accessDenied(ctl: PagingControl, access: PageAccess, okWrite: boolean, okUser: boolean, okExec: boolean): string | null {
  if (access.user) {
    if (!okUser) return "a supervisor page (U/S = 0) accessed from user mode";
    if (access.write && !okWrite) return "a read-only page (R/W = 0) written from user mode";
    if (access.fetch && !okExec) return "an execute-disable page (XD = 1) fetched from";
    return null;
  }
  if (access.fetch) {
    if (!okExec) return "an execute-disable page (XD = 1) fetched from";
    if (okUser && (ctl.cr4 & CR4_SMEP) !== 0n) return "SMEP: supervisor fetch from a user page";
    return null;
  }
  if (okUser && (ctl.cr4 & CR4_SMAP) !== 0n && (access.implicit || !access.ac)) return "SMAP: supervisor access to a user page with RFLAGS.AC = 0";
  if (access.write && !okWrite && (ctl.cr0 & CR0_WP) !== 0n) return "a read-only page (R/W = 0) written with CR0.WP = 1";
  return null;
}

function hexAddr(v: bigint): string {
  return "0x" + v.toString(16);
}

const TRANSLATOR_PAGE = 4096;

/**
 * Translates linear pages to physical ones, remembering each page's answer (one walk per page per
 * view). Null: the page is not mapped (or its tables are outside RAM).
 */
export class Translator {
  private readonly cache = new Map<bigint, bigint | null>();
  private readonly read;

  constructor(
    readonly ram: Uint8Array,
    readonly ctl: PagingControl | null,
  ) {
    this.read = ramReader(ram);
  }

  /** Physical address of `linear`, or null if unmapped. Without paging (or ctl null) it is the address itself. */
  physical(linear: bigint): bigint | null {
    if (!this.ctl) return linear;
    const page = linear & ~BigInt(TRANSLATOR_PAGE - 1);
    let base = this.cache.get(page);
    if (base === undefined) {
      const walk = walkPage(this.read, this.ctl, page);
      base = walk.physical;
      this.cache.set(page, base);
    }
    return base === null ? null : base + (linear & BigInt(TRANSLATOR_PAGE - 1));
  }

  /** The byte at a linear address, or null (unmapped, or outside RAM). */
  byte(linear: bigint): number | null {
    const p = this.physical(linear);
    if (p === null || p >= BigInt(this.ram.length)) return null;
    return this.ram[Number(p)];
  }

  /** Up to `len` bytes from `linear`, stopping at the first byte that cannot be read. */
  bytes(linear: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let n = 0;
    while (n < len) {
      const lin = linear + BigInt(n);
      const p = this.physical(lin);
      if (p === null || p >= BigInt(this.ram.length)) break;
      const inPage = TRANSLATOR_PAGE - Number(lin & BigInt(TRANSLATOR_PAGE - 1));
      const take = Math.min(inPage, len - n, this.ram.length - Number(p));
      out.set(this.ram.subarray(Number(p), Number(p) + take), n);
      n += take;
    }
    return out.subarray(0, n);
  }
}
