/**
 * Reading what `workbench.syscall` returned: the kernel binding gives a bare status, or
 * `{ status, <C out-parameter names> }` (src/zircon/thread.ts). This turns either into a status
 * with its name and the out-parameters formatted for display (handles as 8 hex digits).
 */
import type { SyscallResult } from "../../../workers/api";
import { statusName } from "./names";

/** Out-parameters that are new handles (zx_handle_t*): shown as 0x-prefixed 8 hex digits. */
const HANDLE_OUTS = new Set(["out", "guest_handle", "vmar_handle", "child_vmar"]);

export interface CallOutcome {
  /** The zx_status_t, or null when the call could not be made (`error`) or returns no status. */
  status: number | null;
  statusName: string | null;
  /** Out-parameters other than status, in the binding's order: [C name, formatted value]. */
  outs: [string, string][];
  /** Raw out-parameters by name (numbers and bigints as returned). */
  values: Record<string, unknown>;
  /** Why the call could not be made at all (no machine, unknown name). */
  error: string | null;
  /** Caller buffers after the call, when the worker returns them (zx_vcpu_read_state). */
  buffers: Uint8Array[] | null;
}

export function handleHex(handle: number): string {
  return `0x${(handle >>> 0).toString(16).padStart(8, "0")}`;
}

function formatOut(name: string, value: unknown): string {
  if (typeof value === "number") return HANDLE_OUTS.has(name) ? handleHex(value) : String(value);
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object" && value !== null) return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
  return String(value);
}

export function describeResult(r: SyscallResult): CallOutcome {
  // The worker may add the filled caller buffers (see /tmp/bugs/kernel.md); read them if present.
  const extra = (r as { buffers?: unknown }).buffers;
  const buffers = Array.isArray(extra) && extra.every((b) => b instanceof Uint8Array) ? (extra as Uint8Array[]) : null;
  if (r.error !== null) return { status: null, statusName: null, outs: [], values: {}, error: r.error, buffers };
  const result = r.result;
  if (typeof result === "number") return { status: result, statusName: statusName(result), outs: [], values: {}, error: null, buffers };
  if (typeof result === "object" && result !== null && typeof (result as { status?: unknown }).status === "number") {
    const { status, ...rest } = result as { status: number } & Record<string, unknown>;
    const outs = Object.entries(rest).map(([k, v]): [string, string] => [k, formatOut(k, v)]);
    return { status, statusName: statusName(status), outs, values: rest, error: null, buffers };
  }
  return { status: null, statusName: null, outs: [["result", formatOut("result", result)]], values: { result }, error: null, buffers };
}
