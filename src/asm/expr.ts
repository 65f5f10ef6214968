/**
 * NASM expressions (manual §3.5): parsed once into a tree, evaluated on every pass. Integers are
 * 64-bit (BigInt, wrapped); `/` and `%` are unsigned, `//` and `%%` signed; `>>` is a logical shift
 * and `>>>` an arithmetic one; comparisons and logical operators give 0 or 1.
 *
 * Precedence, lowest first: ?:  ||  ^^  &&  = == != <> < <= > >= <=>  |  ^  &  << >> <<< >>>  + -
 * * / // % %%  then unary + - ~ !.
 *
 * A value is a scalar or a section-relative address ("relocatable"): in the bin format every label
 * lives in a section whose start is only known once the sections are laid out, so `label + 4` and
 * `label1 - label2` (same section) are fine, `label * 2` is not — as in NASM.
 */
import type { Token } from "./lexer";
import { stringBytes } from "./lexer";
import { isFloatLiteral, parseInteger } from "./numbers";
import { register, type Reg } from "./registers";

export type Expr =
  | { k: "num"; v: bigint }
  | { k: "sym"; name: string }
  | { k: "here" }
  | { k: "base" }
  | { k: "reg"; reg: Reg }
  | { k: "float"; text: string }
  | { k: "un"; op: string; a: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "cond"; c: Expr; a: Expr; b: Expr };

/** A value: `seg` -1 is a plain number; otherwise an offset within section `seg`. */
export interface Value {
  seg: number;
  ofs: bigint;
  /** Depends on a symbol not (yet) defined in this pass. */
  unknown: boolean;
}

export class ExprError extends Error {}

const MASK64 = (1n << 64n) - 1n;
export const wrap64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Parses tokens[pos..] as an expression; the caller checks where it stopped. */
export class ExprParser {
  pos = 0;
  constructor(
    private readonly toks: readonly Token[],
    /** Turns a written identifier into the symbol's full name (local labels). */
    private readonly qualify: (name: string) => string,
    start = 0,
    /** Registers may appear (inside a memory operand's brackets). */
    private readonly allowRegisters = false,
  ) {
    this.pos = start;
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private isOp(text: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.kind === "op" && t.text === text;
  }

  parse(): Expr {
    return this.conditional();
  }

  private conditional(): Expr {
    const c = this.binary(0);
    if (this.isOp("?")) {
      this.pos++;
      const a = this.conditional();
      if (!this.isOp(":")) throw new ExprError("expecting `:' in ?: expression");
      this.pos++;
      const b = this.conditional();
      return { k: "cond", c, a, b };
    }
    return c;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ["||"],
    ["^^"],
    ["&&"],
    ["=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>"],
    ["|"],
    ["^"],
    ["&"],
    ["<<", ">>", "<<<", ">>>"],
    ["+", "-"],
    ["*", "/", "//", "%", "%%"],
  ];

  private binary(level: number): Expr {
    if (level >= ExprParser.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    const ops = ExprParser.LEVELS[level];
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== "op" || !ops.includes(t.text)) return a;
      // NASM 2.16 parses <=> but evaluates it wrongly ((2 <=> 3) + 10 is 0): refuse it rather than differ.
      if (t.text === "<=>") throw new ExprError("the <=> operator is not supported");
      this.pos++;
      const b = this.binary(level + 1);
      a = { k: "bin", op: t.text, a, b };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t && t.kind === "op" && (t.text === "-" || t.text === "+" || t.text === "~" || t.text === "!")) {
      this.pos++;
      const a = this.unary();
      return t.text === "+" ? a : { k: "un", op: t.text, a };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) throw new ExprError("expression expected");
    this.pos++;
    switch (t.kind) {
      case "num": {
        if (isFloatLiteral(t.text)) return { k: "float", text: t.text };
        const v = parseInteger(t.text);
        if (v === null) throw new ExprError(`invalid number "${t.text}"`);
        return { k: "num", v };
      }
      case "str": {
        const bytes = stringBytes(t.text);
        if (typeof bytes === "string") throw new ExprError(bytes);
        if (bytes.length > 8) throw new ExprError("character constant too long");
        let v = 0n;
        for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
        return { k: "num", v };
      }
      case "op":
        if (t.text === "(") {
          const e = this.conditional();
          if (!this.isOp(")")) throw new ExprError("expecting `)'");
          this.pos++;
          return e;
        }
        throw new ExprError(`unexpected "${t.text}" in expression`);
      case "id": {
        if (t.text === "$") return { k: "here" };
        if (t.text === "$$") return { k: "base" };
        const reg = register(t.text);
        if (reg) {
          if (!this.allowRegisters) throw new ExprError(`register ${t.text} cannot be used here`);
          return { k: "reg", reg };
        }
        if (/^__\??(infinity|qnan|nan|snan)\??__$/i.test(t.text)) return { k: "float", text: t.text };
        const name = t.text[0] === "$" ? t.text.slice(1) : t.text;
        return { k: "sym", name: this.qualify(name) };
      }
      default:
        throw new ExprError(`unexpected "${t.text}" in expression`);
    }
  }
}

/** What evaluation needs from the assembler. */
export interface EvalContext {
  /** The symbol's value, or undefined when it is not known (yet). */
  lookup(name: string): Value | undefined;
  here: Value;
  base: Value;
}

const scalar = (ofs: bigint, unknown = false): Value => ({ seg: -1, ofs: wrap64(ofs), unknown });

function isScalar(v: Value): boolean {
  return v.seg < 0;
}

function needScalar(op: string, ...vs: Value[]): void {
  for (const v of vs) {
    if (!isScalar(v) && !v.unknown) throw new ExprError(`\`${op}' applied to an address, which the bin format can only add to or subtract from`);
  }
}

/** Evaluates `e`. Throws ExprError for a malformed value (division by zero, a register, ...). */
export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.k) {
    case "num":
      return scalar(e.v);
    case "here":
      return ctx.here;
    case "base":
      return ctx.base;
    case "sym": {
      const v = ctx.lookup(e.name);
      return v ?? { seg: -1, ofs: 0n, unknown: true };
    }
    case "reg":
      throw new ExprError(`register ${e.reg.name} cannot be used in this expression`);
    case "float":
      throw new ExprError(`floating-point constant ${e.text} in an integer expression`);
    case "cond": {
      const c = evaluate(e.c, ctx);
      needScalar("?:", c);
      const a = evaluate(e.a, ctx);
      const b = evaluate(e.b, ctx);
      const r = c.ofs !== 0n ? a : b;
      return c.unknown ? { ...r, unknown: true } : r;
    }
    case "un": {
      const a = evaluate(e.a, ctx);
      needScalar(e.op, a);
      const v = e.op === "-" ? -a.ofs : e.op === "~" ? ~a.ofs : a.ofs === 0n ? 1n : 0n;
      return scalar(v, a.unknown);
    }
    case "bin":
      return binary(e.op, evaluate(e.a, ctx), evaluate(e.b, ctx));
  }
}

function binary(op: string, a: Value, b: Value): Value {
  const unknown = a.unknown || b.unknown;
  if (op === "+") {
    if (!isScalar(a) && !isScalar(b) && !unknown) throw new ExprError("cannot add two addresses");
    return { seg: isScalar(a) ? b.seg : a.seg, ofs: wrap64(a.ofs + b.ofs), unknown };
  }
  if (op === "-") {
    if (isScalar(b)) return { seg: a.seg, ofs: wrap64(a.ofs - b.ofs), unknown };
    if (a.seg === b.seg || unknown) return scalar(a.ofs - b.ofs, unknown);
    throw new ExprError("cannot subtract addresses in different sections");
  }
  needScalar(op, a, b);
  const x = a.ofs;
  const y = b.ofs;
  const ux = x & MASK64;
  const uy = y & MASK64;
  let v: bigint;
  switch (op) {
    case "*": v = x * y; break;
    case "/": case "//": case "%": case "%%":
      if (y === 0n) {
        if (unknown) return scalar(0n, true);
        throw new ExprError("division by zero");
      }
      v = op === "/" ? ux / uy : op === "%" ? ux % uy : op === "//" ? x / y : x % y;
      break;
    // Shift counts are taken modulo 64, as the C shifts NASM evaluates with do on x86.
    case "<<": case "<<<": v = x << (uy & 63n); break;
    case ">>": v = ux >> (uy & 63n); break;
    case ">>>": v = x >> (uy & 63n); break;
    case "&": v = x & y; break;
    case "|": v = x | y; break;
    case "^": v = x ^ y; break;
    case "=": case "==": v = x === y ? 1n : 0n; break;
    case "!=": case "<>": v = x !== y ? 1n : 0n; break;
    case "<": v = x < y ? 1n : 0n; break;
    case "<=": v = x <= y ? 1n : 0n; break;
    case ">": v = x > y ? 1n : 0n; break;
    case ">=": v = x >= y ? 1n : 0n; break;
    case "<=>": v = x < y ? -1n : x > y ? 1n : 0n; break;
    case "&&": v = x !== 0n && y !== 0n ? 1n : 0n; break;
    case "||": v = x !== 0n || y !== 0n ? 1n : 0n; break;
    case "^^": v = (x !== 0n) !== (y !== 0n) ? 1n : 0n; break;
    default: throw new ExprError(`unknown operator ${op}`);
  }
  return scalar(v, unknown);
}

/**
 * An effective address's expression as NASM's evaluator sees it: a sum of register × coefficient
 * terms plus a displacement value. `firstReg` and `firstScaled` carry NASM's base-register hint:
 * the first register written, and whether it was then multiplied (NASM eval.c EAH_MAKEBASE /
 * EAH_NOTBASE), and `summed` whether a register was added to itself (EAH_SUMMED).
 */
export interface Linear {
  regs: Map<Reg, bigint>;
  disp: Value;
}
export interface EaHint {
  firstReg: Reg | null;
  firstScaled: boolean;
  summed: boolean;
}

export function linearize(e: Expr, ctx: EvalContext, hint: EaHint): Linear {
  switch (e.k) {
    case "reg": {
      if (hint.firstReg === null) hint.firstReg = e.reg;
      return { regs: new Map([[e.reg, 1n]]), disp: scalar(0n) };
    }
    case "bin": {
      if (e.op === "+" || e.op === "-") {
        const a = linearize(e.a, ctx, hint);
        const b = linearize(e.b, ctx, hint);
        const regs = new Map(a.regs);
        for (const [r, c] of b.regs) {
          const prev = regs.get(r);
          const sum = (prev ?? 0n) + (e.op === "+" ? c : -c);
          if (prev !== undefined) hint.summed = true;
          if (sum === 0n) regs.delete(r);
          else regs.set(r, sum);
        }
        return { regs, disp: binary(e.op, a.disp, b.disp) };
      }
      if (e.op === "*") {
        const a = linearize(e.a, ctx, hint);
        const b = linearize(e.b, ctx, hint);
        if (a.regs.size && b.regs.size) throw new ExprError("cannot multiply two registers");
        const [v, k] = a.regs.size ? [a, b] : [b, a];
        if (!v.regs.size) return { regs: new Map(), disp: binary("*", a.disp, b.disp) };
        needScalar("*", k.disp);
        const regs = new Map<Reg, bigint>();
        for (const [r, c] of v.regs) {
          regs.set(r, c * k.disp.ofs);
          if (r === hint.firstReg) hint.firstScaled = true;
        }
        return { regs, disp: binary("*", v.disp, k.disp) };
      }
      break;
    }
    case "un":
      if (e.op === "-") {
        const a = linearize(e.a, ctx, hint);
        const regs = new Map<Reg, bigint>();
        for (const [r, c] of a.regs) regs.set(r, -c);
        return { regs, disp: binary("-", scalar(0n), a.disp) };
      }
      break;
    default:
      break;
  }
  if (containsReg(e)) throw new ExprError("invalid effective address");
  return { regs: new Map(), disp: evaluate(e, ctx) };
}

function containsReg(e: Expr): boolean {
  switch (e.k) {
    case "reg": return true;
    case "un": return containsReg(e.a);
    case "bin": return containsReg(e.a) || containsReg(e.b);
    case "cond": return containsReg(e.c) || containsReg(e.a) || containsReg(e.b);
    default: return false;
  }
}

/** Does the expression mention a symbol (so its value may change between passes)? */
export function mentionsSymbol(e: Expr): boolean {
  switch (e.k) {
    case "sym": case "here": case "base": return true;
    case "un": return mentionsSymbol(e.a);
    case "bin": return mentionsSymbol(e.a) || mentionsSymbol(e.b);
    case "cond": return mentionsSymbol(e.c) || mentionsSymbol(e.a) || mentionsSymbol(e.b);
    default: return false;
  }
}

/** Adds the names of the symbols `e` mentions to `out`. */
export function symbolsOf(e: Expr, out: Set<string>): void {
  switch (e.k) {
    case "sym": out.add(e.name); break;
    case "un": symbolsOf(e.a, out); break;
    case "bin": symbolsOf(e.a, out); symbolsOf(e.b, out); break;
    case "cond": symbolsOf(e.c, out); symbolsOf(e.a, out); symbolsOf(e.b, out); break;
    default: break;
  }
}
