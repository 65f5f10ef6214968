/**
 * The editor's logic that needs no Monaco and no DOM (tested in editor-model.test.ts): turning an
 * assemble result into markers and a status line, lines ↔ breakpoint addresses, keeping breakpoints
 * on their lines when the code above them changes, the hover text, and the line being executed.
 *
 * Addresses: breakpoints are RIP values (workers/api.ts). The line map holds the addresses the
 * assembler computed from ORG, which equal RIP when the code runs where ORG says with a code segment
 * based at 0: a boot sector with `org 0x7c00` (CS = 0), a Multiboot kernel (flat segments), a flat
 * 32/64-bit image at its ORG. Code that copies itself elsewhere or runs with CS != 0 in real mode
 * gets no source breakpoints (the disassembly view still has them).
 */
import { addressesOf, lineAt, type AssembleResult, type LineMapEntry } from "../../asm";
import type { ArchDetail, MachineState } from "../../../workers/api";

export interface EditorMarker {
  line: number;
  message: string;
  severity: "error" | "warning";
}

/** Markers for the main file's errors and warnings; problems in included files go on line 1. */
export function markersFrom(result: AssembleResult, fileName: string, lineCount: number): EditorMarker[] {
  const clamp = (line: number) => Math.min(Math.max(1, line), Math.max(1, lineCount));
  const one = (severity: EditorMarker["severity"]) => (e: AssembleResult["errors"][number]): EditorMarker => ({
    line: e.file === fileName ? clamp(e.line) : 1,
    message: e.file === fileName ? e.message : `${e.file}:${e.line}: ${e.message}`,
    severity,
  });
  return [...result.errors.map(one("error")), ...result.warnings.map(one("warning"))];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The panel head's summary: "assembled 512 bytes", "2 errors", "assembled 12 bytes, 1 warning". */
export function statusLine(result: AssembleResult): string {
  if (!result.ok) {
    const errors = plural(result.errors.length, "error");
    return result.warnings.length ? `${errors}, ${plural(result.warnings.length, "warning")}` : errors;
  }
  const bytes = `assembled ${plural(result.bytes.length, "byte")}`;
  return result.warnings.length ? `${bytes}, ${plural(result.warnings.length, "warning")}` : bytes;
}

/** Breakpoints (RIP values) grouped by the source line of `fileName` that holds them. */
export function breakpointLines(breakpoints: readonly bigint[], lineMap: readonly LineMapEntry[], fileName: string): Map<number, bigint[]> {
  const lines = new Map<number, bigint[]>();
  for (const address of breakpoints) {
    if (address > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    const entry = lineAt(lineMap, Number(address));
    if (!entry || entry.file !== fileName) continue;
    const list = lines.get(entry.line);
    if (list) list.push(address);
    else lines.set(entry.line, [address]);
  }
  return lines;
}

/** How far below a line without code a breakpoint click looks for the next line with code. */
export const BREAKPOINT_LOOKAHEAD = 40;

/**
 * Where a breakpoint on `line` goes: the addresses of that line, or of the next line with code (a
 * label or comment line gets the instruction below it, as debuggers do). Null when there is none.
 */
export function breakpointTarget(lineMap: readonly LineMapEntry[], fileName: string, line: number): { line: number; addresses: bigint[] } | null {
  for (let l = line; l <= line + BREAKPOINT_LOOKAHEAD; l++) {
    const addresses = addressesOf(lineMap, fileName, l);
    if (addresses.length) return { line: l, addresses: addresses.map((a) => BigInt(a)) };
  }
  return null;
}

function sortUnique(list: readonly bigint[]): bigint[] {
  return [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * After the code changed: the breakpoints shown as dots (their addresses and the line each dot is on
 * now; Monaco moves the dots with the text) take the addresses of their lines in the new line map;
 * other breakpoints stay. Returns the new set, or null when nothing changed.
 */
export function remapBreakpoints(
  current: readonly bigint[],
  dots: readonly { line: number; addresses: readonly bigint[] }[],
  lineMap: readonly LineMapEntry[],
  fileName: string,
): bigint[] | null {
  const old = new Set(dots.flatMap((d) => d.addresses));
  const moved = dots.flatMap((d) => addressesOf(lineMap, fileName, d.line).map((a) => BigInt(a)));
  const next = sortUnique([...current.filter((a) => !old.has(a)), ...moved]);
  const before = sortUnique(current);
  return next.length === before.length && next.every((a, i) => a === before[i]) ? null : next;
}

/** The address and bytes a line assembled to (macro lines included), or null. */
export function lineBytes(result: AssembleResult | null, fileName: string, line: number): { address: number; bytes: Uint8Array } | null {
  if (!result) return null;
  let address: number | null = null;
  const parts: Uint8Array[] = [];
  for (const l of result.listing) {
    if (l.file !== fileName || l.line !== line || l.address === null || l.bytes.length === 0) continue;
    if (address === null) address = l.address;
    parts.push(l.bytes);
  }
  if (address === null) return null;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { address, bytes };
}

/** "0x7c05: b4 0e" (at most `max` bytes, then "…"). */
export function formatLineBytes({ address, bytes }: { address: number; bytes: Uint8Array }, max = 16): string {
  const shown = [...bytes.subarray(0, max)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `0x${address.toString(16)}: ${shown}${bytes.length > max ? ` … (${bytes.length} bytes)` : ""}`;
}

/**
 * The address being executed as the line map sees it: RIP plus the code segment's base outside
 * 64-bit mode (so real-mode code with CS != 0 still maps), or null when the machine is not stopped.
 */
export function executionAddress(machine: MachineState, detail: ArchDetail | null | undefined): number | null {
  if (!detail || (machine.kind !== "paused" && machine.kind !== "ready")) return null;
  const base = detail.mode === "long64" ? 0n : detail.segments.cs.base;
  const linear = BigInt.asUintN(64, base + detail.rip);
  return linear > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(linear);
}

/** The source line of `fileName` at `address` in `lineMap`, or null. */
export function executionLine(lineMap: readonly LineMapEntry[], fileName: string, address: number | null): number | null {
  if (address === null) return null;
  const entry = lineAt(lineMap, address);
  return entry && entry.file === fileName ? entry.line : null;
}
