/**
 * Data declarations (NASM manual §3.2.1-3.2.2): DB DW DD DQ DT DO DY DZ with numbers, characters,
 * strings (padded to a whole number of units), floating-point constants (DW half, DD single,
 * DQ double, DT extended) and `?` (uninitialised: zeros in the bin format); RESB..RESZ.
 */
import { ExprError, type Expr, type Value } from "./expr";
import { stringBytes, type Token } from "./lexer";
import { encodeFloat, FLOAT_FORMAT, isFloatLiteral, isSpecialFloat } from "./numbers";
import { splitOperands } from "./parser";
import { ExprParser } from "./expr";

export const DATA_SIZES: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16, dy: 32, dz: 64 };
export const RES_SIZES: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, reso: 16, resy: 32, resz: 64 };

export type DataItem =
  | { k: "bytes"; bytes: number[] }
  | { k: "float"; bytes: Uint8Array }
  | { k: "expr"; expr: Expr }
  | { k: "uninit" };


/** Parses a data directive's operands (once); string items come back as bytes, padded to `unit`. */
export function parseData(args: Token[], unit: number, qualify: (n: string) => string): DataItem[] | string {
  const items: DataItem[] = [];
  const ops = splitOperands(args);
  if (!ops.length || (ops.length === 1 && !ops[0].length)) return "no operand for data declaration";
  for (const op of ops) {
    if (!op.length) return "expression expected in data declaration";
    if (op.length === 1 && op[0].kind === "op" && op[0].text === "?") {
      items.push({ k: "uninit" });
      continue;
    }
    // A string on its own (not part of an expression) may be longer than the unit.
    if (op.length === 1 && op[0].kind === "str") {
      const b = stringBytes(op[0].text);
      if (typeof b === "string") return b;
      if (unit === 1 || b.length > unit || unit > 8) {
        const padded = [...b];
        while (padded.length % unit) padded.push(0);
        items.push({ k: "bytes", bytes: padded });
        continue;
      }
    }
    // A floating-point constant with an optional sign.
    let sign = 0;
    let neg = false;
    while (sign < op.length - 1 && op[sign].kind === "op" && (op[sign].text === "-" || op[sign].text === "+")) {
      if (op[sign].text === "-") neg = !neg;
      sign++;
    }
    const last = op[op.length - 1];
    if (sign === op.length - 1 && ((last.kind === "num" && isFloatLiteral(last.text)) || (last.kind === "id" && isSpecialFloat(last.text)))) {
      const fmt = FLOAT_FORMAT[unit];
      if (!fmt) return `floating-point constant not allowed in a ${unit}-byte data declaration`;
      const bytes = encodeFloat(last.text, fmt, neg);
      if (typeof bytes === "string") return bytes;
      items.push({ k: "float", bytes });
      continue;
    }
    try {
      const p = new ExprParser(op, qualify);
      const expr = p.parse();
      if (p.pos < op.length) return `unexpected "${op[p.pos].text}" in data declaration`;
      // NASM: "integer supplied as 80-bit data" — DT, DO, DY, DZ take floats and strings only.
      if (unit > 8) return `integer supplied as ${unit * 8}-bit data`;
      items.push({ k: "expr", expr });
    } catch (e) {
      if (e instanceof ExprError) return e.message;
      throw e;
    }
  }
  return items;
}

/** Size in bytes of the items (uninitialised ones count). */
export function dataSize(items: DataItem[], unit: number): number {
  let n = 0;
  for (const it of items) n += it.k === "bytes" ? it.bytes.length : it.k === "float" ? it.bytes.length : unit;
  return n;
}

/** Appends a value of `unit` bytes, little-endian; returns a range warning or null. */
export function pushValue(out: number[], v: bigint, unit: number): string | null {
  let x = v;
  for (let i = 0; i < unit; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  if (unit < 8) {
    const bits = BigInt(unit * 8);
    const s = BigInt.asIntN(64, v);
    if (s < -(1n << (bits - 1n)) || s > (1n << bits) - 1n) return `${["", "byte", "word", "", "dword"][unit] ?? `${unit}-byte`} data exceeds bounds`;
  }
  return null;
}

export type { Value };
