/**
 * Reading guest memory the way the guest sees it, from the page's shared RAM view (no copies beyond
 * the bytes asked for): linear addresses through src/x86/page-walk.ts with the current control
 * registers, instruction pointers through CS. Pure: tested in guest-view.test.ts.
 */
import type { ArchDetail } from "../../../workers/api";
import { type PagingControl, pagingMode, ramReader, walkPage } from "../../x86/page-walk";

export const PAGE_SIZE = 4096;

export function pagingControl(detail: ArchDetail): PagingControl {
  return { cr0: detail.cr0, cr3: detail.cr3, cr4: detail.cr4, efer: detail.efer };
}

export function pagingOn(detail: ArchDetail | null): boolean {
  return detail !== null && pagingMode(pagingControl(detail)) !== "none";
}

/** The mask of an instruction pointer in code of `bits`. */
export function ipMask(bits: 16 | 32 | 64): bigint {
  return bits === 64 ? (1n << 64n) - 1n : bits === 32 ? 0xffff_ffffn : 0xffffn;
}

/** The linear address of instruction pointer `ip`: CS.base + ip (CS.base is 0 in 64-bit code). */
export function codeLinear(detail: Pick<ArchDetail, "bits" | "segments">, ip: bigint): bigint {
  if (detail.bits === 64) return BigInt.asUintN(64, ip);
  return (detail.segments.cs.base + ip) & 0xffff_ffffn;
}

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
    const page = linear & ~BigInt(PAGE_SIZE - 1);
    let base = this.cache.get(page);
    if (base === undefined) {
      const walk = walkPage(this.read, this.ctl, page);
      base = walk.physical;
      this.cache.set(page, base);
    }
    return base === null ? null : base + (linear & BigInt(PAGE_SIZE - 1));
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
      const inPage = PAGE_SIZE - Number(lin & BigInt(PAGE_SIZE - 1));
      const take = Math.min(inPage, len - n, this.ram.length - Number(p));
      out.set(this.ram.subarray(Number(p), Number(p) + take), n);
      n += take;
    }
    return out.subarray(0, n);
  }
}
