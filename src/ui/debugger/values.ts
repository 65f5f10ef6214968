/**
 * Values typed into the debugger (register edits, addresses) and register names per mode. Pure:
 * tested in values.test.ts.
 *
 * Numbers are hexadecimal by default, as the panels show them ("1f", "0x1f", "ffff_8000"); decimal
 * needs a marker, since "10" cannot be both: a "0n" prefix (as WinDbg writes it), "#", or a sign
 * ("-1" is all ones).
 */
import type { GeneralRegisters } from "../../../workers/api";

export type Parsed = { value: bigint; error: null } | { value: null; error: string };

const fail = (error: string): Parsed => ({ value: null, error });

/** Parses a number that must fit in `bits` bits (negative decimals wrap, as two's complement). */
export function parseValue(text: string, bits = 64): Parsed {
  const t = text.trim().replace(/_/g, "").toLowerCase();
  if (t === "") return fail("empty: type a hex value (0x optional) or a decimal one as 0n123");
  let value: bigint;
  const decimal = /^([-+])?(?:0n|#)?([0-9]+)$/.exec(t);
  if (/^[-+]/.test(t) || t.startsWith("0n") || t.startsWith("#")) {
    if (!decimal) return fail(`"${text.trim()}" is not a decimal number`);
    value = BigInt(decimal[2]);
    if (decimal[1] === "-") {
      if (value > 1n << BigInt(bits - 1)) return fail(`-${decimal[2]} does not fit in ${bits} bits`);
      return { value: BigInt.asUintN(bits, -value), error: null };
    }
  } else {
    const hex = /^(?:0x)?([0-9a-f]+)$/.exec(t);
    if (!hex) return fail(`"${text.trim()}" is not a hex number (0x optional); decimal: 0n123`);
    value = BigInt("0x" + hex[1]);
  }
  if (value >> BigInt(bits) !== 0n) return fail(`0x${value.toString(16)} does not fit in ${bits} bits`);
  return { value, error: null };
}

/** A value as 0x-less hex, zero-padded to the register width, grouped by 32 bits: "00000000_00102000". */
export function hexWidth(value: bigint, bits: number): string {
  const digits = BigInt.asUintN(bits, value).toString(16).padStart(bits / 4, "0");
  if (digits.length <= 8) return digits;
  return `${digits.slice(0, digits.length - 8)}_${digits.slice(-8)}`;
}

export type GeneralName = Exclude<keyof GeneralRegisters, "rflags">;

/** The general registers in the order debuggers list them. */
export const GPR_ORDER: readonly GeneralName[] = [
  "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
];

/** How wide the general registers are shown: 64-bit code sees all 64 bits and r8–r15; other code 32. */
export function viewWidth(bits: 16 | 32 | 64 | null, showAll64: boolean): 32 | 64 {
  return bits === 64 || bits === null || showAll64 ? 64 : 32;
}

/** The register's name at a width: rax → eax, r8 → r8d. */
export function nameAtWidth(name: GeneralName | "rip" | "rflags", width: 32 | 64): string {
  if (width === 64) return name;
  if (/^r\d+$/.test(name)) return `${name}d`;
  return `e${name.slice(1)}`;
}

/** The registers a view shows: r8–r15 only exist in 64-bit code (and in the full view). */
export function visibleGprs(width: 32 | 64): readonly GeneralName[] {
  return width === 64 ? GPR_ORDER : GPR_ORDER.slice(0, 8);
}

/**
 * The value to write when `typed` was entered in a view of `width` bits: a 32-bit view replaces
 * the low half and keeps bits 63:32 as they are.
 */
export function mergeAtWidth(old: bigint, typed: bigint, width: 32 | 64): bigint {
  return width === 64 ? typed : (old & ~0xffff_ffffn) | typed;
}
