/**
 * Assembler directives (NASM manual chapters 7-8): BITS/USE16/USE32/USE64, ORG, SECTION/SEGMENT
 * with align= and start=, ABSOLUTE, ALIGN/ALIGNB (NASM's standard macros: pad with NOPs or reserve,
 * relative to the section start, and raise the section's alignment as SECTALIGN does), DEFAULT
 * REL/ABS, EQU, RESB..RESZ, INCBIN, STRUC/ENDSTRUC/ISTRUC/AT/IEND, and CPU/GLOBAL/... which the bin
 * format ignores.
 */
import type { Assembler, Line } from "./assembler";
import { RES_SIZES, parseData } from "./data";
import { evaluate, ExprError, ExprParser, type Expr, type Value } from "./expr";
import type { Token } from "./lexer";
import { splitOperands } from "./parser";

export const DIRECTIVES = new Set([
  "bits", "use16", "use32", "use64", "org", "section", "segment", "absolute", "align", "alignb", "sectalign",
  "default", "cpu", "global", "extern", "common", "static", "required", "struc", "endstruc", "istruc", "at", "iend",
  "incbin", "float", "warning", "list", "nolist",
]);

interface StrucState {
  name: string;
  saved: { section: Assembler["section"]; absolute: Value | null };
}

export class Directives {
  private struc: StrucState | null = null;
  private istruc: { name: string; start: Value } | null = null;
  private exprCache = new WeakMap<Token[], Expr[]>();

  constructor(private readonly a: Assembler) {}

  reset(): void {
    this.struc = null;
    this.istruc = null;
  }

  private exprs(line: Line): Expr[] {
    let e = this.exprCache.get(line.args);
    if (!e) {
      e = splitOperands(line.args).filter((o) => o.length).map((o) => {
        const p = new ExprParser(o, this.a.qualify);
        const x = p.parse();
        if (p.pos < o.length) throw new ExprError(`unexpected "${o[p.pos].text}"`);
        return x;
      });
      this.exprCache.set(line.args, e);
    }
    return e;
  }

  private scalarArg(line: Line, what: string): bigint | null {
    try {
      const e = this.exprs(line);
      if (e.length !== 1) {
        this.a.error(`${what} expects one argument`);
        return null;
      }
      return this.a.evalScalar(e[0], what);
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      this.a.error(err.message);
      return null;
    }
  }

  private word(line: Line): string {
    return line.args.map((t) => t.text).join("");
  }

  directive(line: Line): void {
    const a = this.a;
    const op = line.op!;
    if (op in RES_SIZES) {
      const n = this.scalarArg(line, op.toUpperCase());
      if (n !== null) {
        if (n < 0n) a.finalError(`${op.toUpperCase()} value is negative`);
        else a.reserve(Number(n) * RES_SIZES[op]);
      }
      return;
    }
    switch (op) {
      case "equ": {
        if (!line.label) {
          a.error("EQU without a label");
          return;
        }
        try {
          const e = this.exprs(line);
          if (e.length !== 1) throw new ExprError("EQU expects one expression");
          a.define(line.label, evaluate(e[0], a.ctx()), false);
        } catch (err) {
          if (!(err instanceof ExprError)) throw err;
          if (a.final || a.pass === 1) a.error(err.message);
        }
        return;
      }
      case "bits": {
        const n = this.scalarArg(line, "BITS");
        if (n === 16n || n === 32n || n === 64n) a.bits = Number(n) as 16 | 32 | 64;
        else a.error(`BITS must be 16, 32 or 64`);
        return;
      }
      case "use16": case "use32": case "use64":
        a.bits = Number(op.slice(3)) as 16 | 32 | 64;
        return;
      case "org": {
        const n = this.scalarArg(line, "ORG");
        if (n === null) return;
        if (a.org !== null && a.org !== n && a.pass === 1) a.error("program origin redefined");
        a.org = n;
        return;
      }
      case "section": case "segment":
        this.section(line.args);
        return;
      case "absolute": {
        try {
          const e = this.exprs(line);
          if (e.length !== 1) throw new ExprError("ABSOLUTE expects one expression");
          const v = evaluate(e[0], a.ctx());
          a.absolute = v.unknown ? { seg: -1, ofs: 0n, unknown: false } : { ...v, unknown: false };
          if (v.unknown) a.finalError("ABSOLUTE: the address is not known");
        } catch (err) {
          if (!(err instanceof ExprError)) throw err;
          a.error(err.message);
        }
        return;
      }
      case "align": case "alignb":
        this.align(line, op === "alignb");
        return;
      case "sectalign": {
        const n = this.scalarArg(line, "SECTALIGN");
        if (n !== null && !a.absolute && Number(n) > a.section.align) a.section.align = Number(n);
        return;
      }
      case "default": {
        const w = this.word(line).toLowerCase();
        if (w === "rel") a.defaultRel = true;
        else if (w === "abs") a.defaultRel = false;
        else if (w !== "bnd" && w !== "nobnd") a.error(`unknown DEFAULT setting \`${w}'`);
        return;
      }
      case "extern": case "common": case "required":
        a.error(`the bin format does not support ${op.toUpperCase()}`);
        return;
      case "cpu": case "global": case "static": case "float": case "warning": case "list": case "nolist":
        return;
      case "struc": {
        const name = line.args[0]?.text;
        if (!name) return a.error("STRUC expects a name");
        this.struc = { name, saved: { section: a.section, absolute: a.absolute } };
        a.absolute = { seg: -1, ofs: 0n, unknown: false };
        a.define(name, a.here(), true);
        return;
      }
      case "endstruc": {
        if (!this.struc) return a.error("ENDSTRUC without STRUC");
        a.define(`${this.struc.name}_size`, a.here(), false);
        a.section = this.struc.saved.section;
        a.absolute = this.struc.saved.absolute;
        this.struc = null;
        return;
      }
      case "istruc": {
        const name = line.args[0]?.text;
        if (!name) return a.error("ISTRUC expects a name");
        this.istruc = { name, start: a.here() };
        return;
      }
      case "at":
        this.at(line);
        return;
      case "iend": {
        if (!this.istruc) return a.error("IEND without ISTRUC");
        const size = a.ctx().lookup(`${this.istruc.name}_size`);
        if (size && !size.unknown) {
          const used = a.here().ofs - this.istruc.start.ofs;
          const n = Number(size.ofs - used);
          if (n > 0) a.emit(new Array<number>(n).fill(0));
        }
        this.istruc = null;
        return;
      }
      case "incbin":
        this.incbin(line);
        return;
      default:
        a.error(`unknown directive \`${line.opText}'`);
    }
  }

  private section(args: Token[]): void {
    const a = this.a;
    const name = args[0]?.text;
    if (!name) return a.error("SECTION expects a name");
    const s = a.sectionNamed(name, true)!;
    if (a.pass === 1) {
      // Attributes: align=N start=N progbits nobits (NASM's bin format; vstart= and follows= are not supported).
      const text = args.slice(1).map((t) => (t.ws ? " " : "") + t.text).join("").trim();
      for (const attr of text.split(/\s+/).filter(Boolean)) {
        const m = /^(\w+)(?:=(.+))?$/.exec(attr);
        const key = m?.[1].toLowerCase();
        const val = m?.[2];
        if (key === "nobits") s.nobits = true;
        else if (key === "progbits") s.nobits = false;
        else if ((key === "align" || key === "start") && val) {
          try {
            const toks = (val.match(/\S+/g) ?? []).map((t) => ({ kind: /^\d|^0x/i.test(t) ? ("num" as const) : ("id" as const), text: t, ws: false }));
            const v = evaluate(new ExprParser(toks, (n) => n).parse(), a.ctx());
            if (key === "align") s.align = Number(v.ofs);
            else s.start = v.ofs;
          } catch {
            a.error(`invalid section attribute \`${attr}'`);
          }
        } else if (key !== "exec" && key !== "noexec" && key !== "alloc" && key !== "noalloc" && key !== "write" && key !== "nowrite") {
          a.error(`the bin format does not support the section attribute \`${attr}'`);
        }
      }
    }
    a.section = s;
    a.absolute = null;
  }

  /** NASM's ALIGN/ALIGNB macros: TIMES ((n - (($-$$) % n)) % n) NOP (or RESB), plus SECTALIGN n. */
  private align(line: Line, reserve: boolean): void {
    const a = this.a;
    const parts = splitOperands(line.args);
    if (!parts[0]?.length) return a.error("ALIGN expects an alignment");
    let n: bigint | null;
    try {
      const p = new ExprParser(parts[0], a.qualify);
      n = a.evalScalar(p.parse(), "ALIGN");
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      return a.error(err.message);
    }
    if (n === null) return;
    if (n <= 0n || (n & (n - 1n)) !== 0n) return a.error("ALIGN value must be a power of two");
    if (!a.absolute && Number(n) > a.section.align) a.section.align = Number(n);
    const here = a.here();
    const offset = here.ofs - a.base().ofs;
    const pad = Number((n - (((offset % n) + n) % n)) % n);
    if (pad === 0) return;
    if (parts.length > 1) {
      // ALIGN n, DB 0: the fill is a data declaration.
      const fill = parts.slice(1).flatMap((p, i) => (i ? [{ kind: "op" as const, text: ",", ws: false }, ...p] : p));
      const op = fill[0]?.text.toLowerCase();
      const unit = op === "db" ? 1 : op === "dw" ? 2 : op === "dd" ? 4 : 0;
      const items = unit ? parseData(fill.slice(1), unit, a.qualify) : "ALIGN's fill must be DB, DW or DD";
      if (typeof items === "string") return a.error(items);
      const bytes: number[] = [];
      for (const it of items) {
        if (it.k !== "expr") return a.error("ALIGN's fill must be a number");
        const v = a.evalScalar(it.expr, "ALIGN") ?? 0n;
        for (let i = 0; i < unit; i++) bytes.push(Number((v >> BigInt(8 * i)) & 0xffn));
      }
      // NASM's macro repeats the fill instruction once per missing byte (ALIGN 8, DD x emits up to 7 DDs).
      const out: number[] = [];
      for (let i = 0; i < pad; i++) out.push(...bytes);
      a.emit(out);
      return;
    }
    if (reserve) a.reserve(pad);
    else a.emit(new Array<number>(pad).fill(0x90));
  }

  private at(line: Line): void {
    const a = this.a;
    if (!this.istruc) return a.error("AT outside ISTRUC");
    const comma = line.args.findIndex((t) => t.kind === "op" && t.text === ",");
    const fieldToks = comma < 0 ? line.args : line.args.slice(0, comma);
    try {
      const field = evaluate(new ExprParser(fieldToks, a.qualify).parse(), a.ctx());
      const base = a.ctx().lookup(this.istruc.name);
      if (!field.unknown && base && !base.unknown) {
        const want = field.ofs - base.ofs;
        const used = a.here().ofs - this.istruc.start.ofs;
        if (want < used) a.finalError("AT: the field is behind the current position");
        else if (want > used) a.emit(new Array<number>(Number(want - used)).fill(0));
      }
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      return a.error(err.message);
    }
    if (comma >= 0) {
      const rest = line.args.slice(comma + 1);
      const op = rest[0]?.text.toLowerCase();
      const unit = ({ db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16 } as Record<string, number>)[op ?? ""];
      if (!unit) return a.error("AT expects a data declaration after the field");
      const items = parseData(rest.slice(1), unit, a.qualify);
      if (typeof items === "string") return a.error(items);
      const out: number[] = [];
      for (const it of items) {
        if (it.k === "bytes" || it.k === "float") out.push(...it.bytes);
        else if (it.k === "uninit") for (let i = 0; i < unit; i++) out.push(0);
        else {
          const v = a.evalScalar(it.expr, "AT");
          const x = v ?? 0n;
          for (let i = 0; i < unit; i++) out.push(i < 8 ? Number((x >> BigInt(8 * i)) & 0xffn) : 0);
        }
      }
      a.emit(out);
    }
  }

  private incbin(line: Line): void {
    const a = this.a;
    const parts = splitOperands(line.args);
    const f = parts[0]?.[0];
    if (!f || f.kind !== "str") return a.error("INCBIN expects a file name in quotes");
    const path = f.text.slice(1, -1);
    const data = a.includeBinary(path);
    if (data === undefined) return a.error("INCBIN is not available here (no file reader)");
    if (data === null) return a.error(`unable to open INCBIN file \`${path}'`);
    const num = (i: number): number | null => {
      if (!parts[i]?.length) return null;
      const v = a.evalScalar(new ExprParser(parts[i], a.qualify).parse(), "INCBIN");
      return v === null ? null : Number(v);
    };
    const skip = num(1) ?? 0;
    const len = num(2);
    const slice = data.subarray(Math.min(skip, data.length), len === null ? data.length : Math.min(data.length, skip + len));
    a.emit(Array.from(slice));
  }
}
