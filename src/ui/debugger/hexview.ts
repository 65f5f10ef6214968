/**
 * The memory view's pure parts: what the address box accepts, one row of the hex dump, and which
 * bytes changed since a snapshot. Tested in hexview.test.ts.
 */
import type { RegisterSnapshot } from "../../../workers/api";
import { type Parsed, parseValue } from "./values";

export const BYTES_PER_ROW = 16;
/** Marks a byte that cannot be read (unmapped page, outside RAM). */
export const UNREADABLE = -1;

/**
 * Register values the address box knows by name: the general registers (also by their 32-bit names,
 * which give the low half), RIP/EIP, and CR2/CR3 when the extension's detail is there.
 */
export function addressRegisters(registers: RegisterSnapshot | null): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const general = registers?.general;
  if (general) {
    for (const [name, value] of Object.entries(general) as [string, bigint][]) {
      out.set(name, value);
      if (name === "rflags") continue;
      out.set(/^r\d+$/.test(name) ? `${name}d` : `e${name.slice(1)}`, value & 0xffff_ffffn);
    }
  }
  const detail = registers?.detail;
  if (detail) {
    out.set("rip", detail.rip);
    out.set("eip", detail.rip & 0xffff_ffffn);
    out.set("cr2", detail.cr2);
    out.set("cr3", detail.cr3);
  } else if (registers?.arch?.rip !== undefined) {
    out.set("rip", registers.arch.rip);
  }
  return out;
}

/**
 * Parses an address: numbers (hex by default, as values.ts reads them), register names, and sums
 * or differences of them ("rsp", "rsp+10", "rbp - 0n8", "0xb8000"). The result wraps to 64 bits.
 */
export function parseAddressExpr(text: string, registers: ReadonlyMap<string, bigint>): Parsed {
  const t = text.trim().toLowerCase();
  if (t === "") return { value: null, error: "type an address: hex (0x optional), 0n123, or a register such as rsp" };
  // Split on + and - that follow a term (a leading sign belongs to the first number).
  const terms: { sign: 1n | -1n; text: string }[] = [];
  let sign: 1n | -1n = 1n;
  let current = "";
  for (const ch of t) {
    if ((ch === "+" || ch === "-") && current.trim() !== "") {
      terms.push({ sign, text: current.trim() });
      sign = ch === "-" ? -1n : 1n;
      current = "";
    } else {
      current += ch;
    }
  }
  terms.push({ sign, text: current.trim() });
  let sum = 0n;
  for (const term of terms) {
    if (term.text === "") return { value: null, error: `"${text.trim()}" has an empty term` };
    const reg = registers.get(term.text);
    let v: bigint;
    if (reg !== undefined) v = reg;
    else if (/^[a-z]+\d*[a-z]*$/.test(term.text) && !/^(0x)?[0-9a-f]+$/.test(term.text)) {
      return { value: null, error: `unknown register "${term.text}"` };
    } else {
      const parsed = parseValue(term.text, 64);
      if (parsed.error !== null) return parsed;
      v = parsed.value;
    }
    sum += term.sign * v;
  }
  return { value: BigInt.asUintN(64, sum), error: null };
}

/** Reads one row: a byte value, or UNREADABLE, for each of the 16 addresses from `address`. */
export function readRow(byteAt: (address: bigint) => number | null, address: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < BYTES_PER_ROW; i++) out.push(byteAt(address + BigInt(i)) ?? UNREADABLE);
  return out;
}

/** Two hex digits per byte ("??" for an unreadable one). */
export function hexCells(row: readonly number[]): string[] {
  return row.map((b) => (b === UNREADABLE ? "??" : b.toString(16).padStart(2, "0")));
}

/** The ASCII column: printable characters, "." for the rest, " " for unreadable bytes. */
export function asciiColumn(row: readonly number[]): string {
  let s = "";
  for (const b of row) s += b === UNREADABLE ? " " : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
  return s;
}

/** An address column: 8 hex digits below 2^32, else 16 grouped as 8_8. */
export function formatRowAddress(address: bigint): string {
  const a = BigInt.asUintN(64, address);
  if (a < 1n << 32n) return a.toString(16).padStart(8, "0");
  const d = a.toString(16).padStart(16, "0");
  return `${d.slice(0, 8)}_${d.slice(8)}`;
}

/** Which bytes differ from the snapshot's (false where the snapshot has no row or a byte was unreadable both times). */
export function changedBytes(row: readonly number[], before: readonly number[] | undefined): boolean[] {
  return row.map((b, i) => before !== undefined && before[i] !== b);
}

/** A copy of some rows, keyed by row address (taken when the machine stops). */
export type RowSnapshot = Map<bigint, number[]>;

export function snapshotRows(byteAt: (address: bigint) => number | null, first: bigint, rows: number): RowSnapshot {
  const snap: RowSnapshot = new Map();
  for (let r = 0; r < rows; r++) {
    const address = first + BigInt(r * BYTES_PER_ROW);
    snap.set(address, readRow(byteAt, address));
  }
  return snap;
}

/** Applies a typed hex digit to a byte being edited: the first digit is pending, the second completes it. */
export function typeHexDigit(pending: string, key: string): { pending: string; byte: number | null } {
  if (!/^[0-9a-fA-F]$/.test(key)) return { pending, byte: null };
  const digits = pending + key.toLowerCase();
  if (digits.length < 2) return { pending: digits, byte: null };
  return { pending: "", byte: parseInt(digits, 16) };
}
