/**
 * Names for kernel values on the page: statuses, object types and rights by Zircon's names, built
 * from the page-safe constants (zx-constants.ts) with the worker's own name-table builder
 * (workers/format.ts imports no src/zircon values, so it is page-safe too).
 */
import { buildZxNames } from "../../../workers/format";
import * as zx from "./zx-constants";

export const zxNames = buildZxNames(zx as unknown as Record<string, unknown>);

/** "ZX_ERR_BAD_STATE" for -20; "status 5" for an unknown value. */
export function statusName(status: number): string {
  return zxNames.status(status);
}

/** Every single-bit right, lowest first, with its full name ("ZX_RIGHT_READ"). */
export const RIGHT_BITS: readonly { bit: number; name: string }[] = Object.entries(zx)
  .filter(([name, value]) => name.startsWith("ZX_RIGHT_") && typeof value === "number" && value > 0 && value < 0x80000000 && (value & (value - 1)) === 0)
  .map(([name, value]) => ({ bit: value as number, name }))
  .sort((a, b) => a.bit - b.bit);

/** The single-bit rights set in `mask`, lowest first. */
export function rightsInMask(mask: number): { bit: number; name: string }[] {
  return RIGHT_BITS.filter(({ bit }) => (mask & bit) !== 0);
}

/** The OR of the given rights bits, as an unsigned 32-bit number. */
export function rightsMask(bits: Iterable<number>): number {
  let mask = 0;
  for (const bit of bits) mask = (mask | bit) >>> 0;
  return mask;
}
