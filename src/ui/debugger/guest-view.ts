/**
 * Reading guest memory the way the guest sees it, from the page's shared RAM view (no copies beyond
 * the bytes asked for): linear addresses through src/x86/page-walk.ts with the current control
 * registers, instruction pointers through CS. Pure: tested in guest-view.test.ts.
 */
import type { ArchDetail } from "../../../workers/api";
import { type PagingControl, pagingMode } from "../../x86/page-walk";

// The translator lives with the page walk (the worker's step over reads code through it too).
export { Translator } from "../../x86/page-walk";
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
