/**
 * Formatting kernel values for the page: syscall trace events → SyscallLogEntry, handle-table rows →
 * HandleRow with Zircon names. Runs in the worker (the page never imports src/zircon), and only for
 * the entries that reach the page, so a flood of exits costs one string per shown row, not per call.
 *
 * Name tables are built from the kernel module's own exports ("every constant, under Zircon's
 * names", ARCHITECTURE.md), so they can never drift from the values the kernel uses.
 */
import type { HandleRow, SyscallLogEntry } from "./api";

/** A syscall as the kernel's tracer reports it (`proc.setTracer`). */
export interface RawSyscall {
  thread: bigint | number | string;
  name: string;
  args: readonly unknown[];
  /** The call's return value: a status, an object `{ status, ...out }`, or nothing. */
  result: unknown;
  /** The record is reused once the tracer returns: copy it to keep it (src/zircon/thread.ts SyscallTrace). */
  transient?: boolean;
}

/** A raw handle-table row (`proc.listHandles()`). */
export interface RawHandle {
  handle: number;
  type: number;
  koid: bigint | number;
  rights: number;
}

export interface ZxNames {
  status(status: number): string;
  objType(type: number): string;
  /** Names of the ZX_RIGHT_* bits set in `rights`, lowest bit first. */
  rights(rights: number): string[];
}

/**
 * Builds the name tables from a module namespace holding Zircon's constants
 * (`import * as zircon from "../src/zircon"`). Status names come from the kernel's `statusName`
 * when given, else from the ZX_OK / ZX_ERR_* constants.
 */
export function buildZxNames(ns: Readonly<Record<string, unknown>>, statusName?: (s: number) => string): ZxNames {
  const statuses = new Map<number, string>();
  const objTypes = new Map<number, string>();
  const rightBits: { bit: number; name: string }[] = [];
  for (const [key, value] of Object.entries(ns)) {
    if (typeof value !== "number") continue;
    if (key === "ZX_OK" || key.startsWith("ZX_ERR_")) {
      if (!statuses.has(value)) statuses.set(value, key);
    } else if (key.startsWith("ZX_OBJ_TYPE_")) {
      if (!objTypes.has(value)) objTypes.set(value, key);
    } else if (key.startsWith("ZX_RIGHT_") && key !== "ZX_RIGHT_SAME_RIGHTS") {
      // Single rights are single bits (zircon/rights.h); groups are spelled ZX_RIGHTS_* and skipped.
      const v = value >>> 0;
      if (v !== 0 && (v & (v - 1)) === 0 && !rightBits.some((r) => r.bit === v)) rightBits.push({ bit: v, name: key });
    }
  }
  rightBits.sort((a, b) => a.bit - b.bit);
  return {
    status: (s) => statusName?.(s) ?? statuses.get(s) ?? `status ${s}`,
    objType: (t) => objTypes.get(t) ?? `ZX_OBJ_TYPE ${t}`,
    rights(rights) {
      const names: string[] = [];
      let rest = rights >>> 0;
      for (const { bit, name } of rightBits) {
        if ((rest & bit) !== 0) {
          names.push(name);
          rest = (rest & ~bit) >>> 0;
        }
      }
      if (rest !== 0) names.push(hex(rest));
      return names;
    },
  };
}

export function hex(value: number | bigint): string {
  if (typeof value === "bigint") return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

const HEX_FIELD = /(^|_)(port|addr|key|handle|rip|gpa|cr\d|base)$|^(port|addr|key|handle|rip|gpa)/;

/**
 * One value, compactly: small integers in decimal (options, kinds, sizes), larger ones in hex
 * (handles are large scrambled values, addresses are large), buffers by size, objects shallowly.
 */
export function formatValue(value: unknown, depth = 0): string {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) && Math.abs(value) >= 256 ? hex(value) : String(value);
    case "bigint":
      return value >= -255n && value <= 255n ? String(value) : hex(value);
    case "string":
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
    case "boolean":
      return String(value);
    case "undefined":
      return "undefined";
    case "function":
      return "fn";
    case "symbol":
      return value.toString();
  }
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) return `${value.constructor.name === "Uint8Array" ? "u8" : value.constructor.name}[${value.byteLength}]`;
  if (depth >= 2) return Array.isArray(value) ? "[…]" : "{…}";
  if (Array.isArray(value)) return `[${value.slice(0, 8).map((v) => formatValue(v, depth + 1)).join(", ")}${value.length > 8 ? ", …" : ""}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Ports, addresses, keys and handles read best in hex whatever their size.
    const asHex = HEX_FIELD.test(k) && (typeof v === "number" || typeof v === "bigint") && v >= 0;
    parts.push(`${k}=${asHex ? hex(v as number | bigint) : formatValue(v, depth + 1)}`);
  }
  return `{${parts.join(", ")}}`;
}

/** Log rows stay one readable line; the full values are in the registers panel and the packet log. */
const MAX_FIELD_CHARS = 160;

function clip(text: string): string {
  return text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS - 1) + "…" : text;
}

/** Turns a tracer event into a log row. `seq` is the order of completion. */
export function formatSyscall(raw: RawSyscall, seq: number, names: ZxNames): SyscallLogEntry {
  let status: number | null = null;
  let detail = "";
  const result = raw.result;
  if (typeof result === "number") {
    status = result;
  } else if (result !== null && typeof result === "object" && !ArrayBuffer.isView(result)) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
      if (k === "status" && typeof v === "number") status = v;
      else parts.push(`${k}=${formatValue(v, 0)}`);
    }
    detail = clip(parts.join(" "));
  } else if (result !== undefined) {
    detail = formatValue(result);
  }
  return {
    seq,
    thread: typeof raw.thread === "string" ? raw.thread : String(raw.thread),
    name: raw.name,
    args: clip(raw.args.map((a) => formatValue(a, 1)).join(", ")),
    status,
    statusName: status === null ? null : names.status(status),
    detail,
  };
}

export function formatHandle(raw: RawHandle, names: ZxNames): HandleRow {
  return {
    handle: raw.handle,
    type: raw.type,
    typeName: names.objType(raw.type),
    koid: BigInt(raw.koid),
    rights: raw.rights >>> 0,
    rightsNames: names.rights(raw.rights),
  };
}
