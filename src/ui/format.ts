/** Pure display helpers for the panels (tested in format.test.ts). */

/** A 64-bit register as 16 hex digits, grouped in two halves for reading: "00000000_00102000". */
export function hex64(value: bigint): string {
  const v = BigInt.asUintN(64, value).toString(16).padStart(16, "0");
  return `${v.slice(0, 8)}_${v.slice(8)}`;
}

/** A handle value or other 32-bit quantity as 0x-prefixed, 8 hex digits. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * RFLAGS bits that have a name (Intel SDM Vol. 1 §3.4.3, Figure 3-8), lowest first. Only the set
 * ones are shown, as debuggers do ("IF ZF").
 */
const RFLAGS_BITS: readonly [number, string][] = [
  [0, "CF"], [2, "PF"], [4, "AF"], [6, "ZF"], [7, "SF"], [8, "TF"], [9, "IF"], [10, "DF"], [11, "OF"],
  [14, "NT"], [16, "RF"], [17, "VM"], [18, "AC"], [19, "VIF"], [20, "VIP"], [21, "ID"],
];

export function rflagsNames(rflags: bigint): string {
  const names: string[] = [];
  for (const [bit, name] of RFLAGS_BITS) if ((rflags >> BigInt(bit)) & 1n) names.push(name);
  const iopl = Number((rflags >> 12n) & 3n);
  if (iopl !== 0) names.push(`IOPL=${iopl}`);
  return names.join(" ");
}

/** Instructions per second → "12.3 MIPS" style. */
export function formatMips(instructions: number, millis: number): string {
  if (millis <= 0 || instructions <= 0) return "—";
  const mips = instructions / millis / 1000;
  return mips >= 100 ? `${mips.toFixed(0)} MIPS` : mips >= 1 ? `${mips.toFixed(1)} MIPS` : `${(mips * 1000).toFixed(0)} KIPS`;
}

/**
 * One formatter for every count: Number.prototype.toLocaleString builds a new Intl formatter per
 * call, which showed as a few percent of the page's time while it renders exit tables and stats.
 */
const COUNT_FORMAT = new Intl.NumberFormat("en-US");

/** 1234567 → "1,234,567" (fixed locale so tests and screenshots agree). */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

/** Strips the common Zircon prefix for compact badges: "ZX_OBJ_TYPE_GUEST" → "GUEST". */
export function shortName(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

export interface DumpRow {
  address: number;
  /** Two hex digits per byte; "" past the end of RAM. */
  bytes: string[];
  /** Printable ASCII, "." for the rest, " " past the end. */
  ascii: string;
}

/**
 * A classic hex dump of `rows` lines of 16 bytes from `ram` at `address` (rounded down to 16).
 * Reads the view as it is at the moment of the call; nothing is copied beyond the shown bytes.
 */
export function hexDump(ram: Uint8Array, address: number, rows: number): DumpRow[] {
  const out: DumpRow[] = [];
  const start = Math.max(0, Math.floor(address / 16) * 16);
  for (let r = 0; r < rows; r++) {
    const base = start + r * 16;
    const bytes: string[] = [];
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      const at = base + i;
      if (at >= ram.length) {
        bytes.push("");
        ascii += " ";
        continue;
      }
      const b = ram[at];
      bytes.push(b.toString(16).padStart(2, "0"));
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    }
    out.push({ address: base, bytes, ascii });
  }
  return out;
}

/** Parses a guest-physical address typed by the user: hex with or without 0x. Null if invalid. */
export function parseAddress(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/^0x/, "").replace(/_/g, "");
  if (!/^[0-9a-f]{1,12}$/.test(t)) return null;
  return parseInt(t, 16);
}
