/**
 * Argument conversion at the syscall boundary. Callers pass numbers or bigints (or, by mistake,
 * anything else); nothing here throws. A value that is not a valid integer of the C parameter's width
 * yields undefined, which the syscall turns into ZX_ERR_INVALID_ARGS (or, for handles, BAD_HANDLE).
 */

/** uint32_t */
export function u32(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : undefined;
  if (typeof v === "bigint") return v >= 0n && v <= 0xffffffffn ? Number(v) : undefined;
  return undefined;
}

/** uint64_t (also size_t, zx_vaddr_t, zx_gpaddr_t): numbers must be safe non-negative integers. */
export function u64(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v >= 0n && v < 1n << 64n ? v : undefined;
  return undefined;
}

/** int64_t (zx_time_t, zx_duration_t). */
export function i64(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v >= -(1n << 63n) && v < 1n << 63n ? v : undefined;
  return undefined;
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}
