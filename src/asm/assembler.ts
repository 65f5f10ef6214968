/**
 * The assembler's passes (NASM's -Ox multi-pass optimisation): pass 1 pulls lines from the
 * preprocessor, parses them once and sizes everything with forward references assumed small; then
 * passes repeat, each seeing the previous pass's label values, until no label moves; a last pass
 * writes the bytes, the listing and the line map. Sections follow NASM's bin format: .text first at
 * ORG, the other PROGBITS sections after it in the order they were declared (aligned to 4, or more
 * by ALIGN's SECTALIGN / align=), NOBITS sections (.bss) last and not in the file.
 */
import { dataSize, DATA_SIZES, parseData, pushValue, RES_SIZES, type DataItem } from "./data";
import { Directives, DIRECTIVES } from "./directives";
import { encode } from "./encoder";
import { evaluate, ExprError, ExprParser, mentionsSymbol, symbolsOf, type EvalContext, type Expr, type Value } from "./expr";
import { tokenize, type Token } from "./lexer";
import { extraMnemonics } from "./nasm-syntax";
import { parseOperand, parseStatement, PREFIXES, splitOperands, type Operand } from "./parser";
import { Preprocessor, type PPLine } from "./preprocessor";
import { hasMnemonic } from "./table";
import { OUTSIDE_ISA } from "./table.generated";
import type { AsmError, AssembleOptions, AssembleResult, LineMapEntry, ListingLine } from "./types";

const MAX_PASSES = 64;

export interface Line {
  pp: PPLine;
  label: string | null;
  labelColon: boolean;
  times: Expr | null;
  prefixes: string[];
  op: string | null;
  opText: string;
  args: Token[];
  operands: Operand[] | null;
  data: DataItem[] | null;
  /** A parse error, reported once. */
  error: string | null;
  /** The operands mention a symbol, $ or $$: the encoding may change between passes. */
  symbolic: boolean;
  /** Position in the preprocessed source (messages are sorted by it). */
  index: number;
  /** Symbols the operands mention (for the cache below). */
  deps: string[];
  /**
   * The last encoding, reused while nothing it depends on changed: BITS, DEFAULT REL, and for a
   * symbolic instruction its address, the section layout and the values of its symbols. Most
   * lines hit it from the third pass on, so the later passes cost little.
   */
  cache: { bits: number; defaultRel: boolean; seg: number; ofs: bigint; layout: number; values: (Value | undefined)[]; result: ReturnType<typeof encode> } | null;
}

export interface Section {
  name: string;
  index: number;
  nobits: boolean;
  align: number;
  /** start= attribute. */
  start: bigint | null;
  size: number;
  data: number[];
}

interface Sym {
  value: Value;
  pass: number;
  isLabel: boolean;
}

const EXTRA_OPS = new Set([...extraMnemonics(), ...Object.keys(DATA_SIZES), ...Object.keys(RES_SIZES), ...DIRECTIVES, ...PREFIXES, "times", "equ"]);

export function isOpName(name: string): boolean {
  return EXTRA_OPS.has(name) || hasMnemonic(name) || name in OUTSIDE_ISA;
}

export class Assembler {
  readonly errors: AsmError[] = [];
  readonly warnings: AsmError[] = [];
  readonly lines: Line[] = [];
  readonly symbols = new Map<string, Sym>();
  sections: Section[] = [];
  /** Section starts from the last layout, or null before the first. */
  starts: bigint[] | null = null;
  pass = 0;
  final = false;
  /** Counts section layouts (absolute addresses change with it). */
  layout = 0;
  changed = false;

  // Per-pass state.
  bits: 16 | 32 | 64 = 16;
  defaultRel = false;
  section!: Section;
  /** ABSOLUTE mode: the location counter, or null in a section. */
  absolute: Value | null = null;
  org: bigint | null = null;
  private lastGlobal = "";
  private cur: Line | null = null;
  readonly dir: Directives;
  private listing: ListingLine[] = [];
  private lineMap: LineMapEntry[] = [];
  private lineBytes: number[] = [];

  constructor(private readonly options: AssembleOptions) {
    this.dir = new Directives(this);
  }

  // ---- locations and symbols ----

  here(): Value {
    if (this.absolute) return this.absolute;
    return { seg: this.section.index, ofs: BigInt(this.section.size), unknown: false };
  }
  base(): Value {
    if (this.absolute) return { seg: this.absolute.seg, ofs: 0n, unknown: false };
    return { seg: this.section.index, ofs: 0n, unknown: false };
  }
  private readonly absoluteOfBound = (v: Value): bigint | null => this.absoluteOf(v);
  absoluteOf(v: Value): bigint | null {
    if (v.seg < 0) return v.ofs;
    if (!this.starts) return null;
    return this.starts[v.seg] + v.ofs;
  }

  private readonly lookup = (name: string): Value | undefined => {
    const s = this.symbols.get(name);
    if (s) return s.value;
    if (this.final) throw new ExprError(`symbol \`${name}' not defined`);
    return undefined;
  };

  ctx(): EvalContext {
    return { lookup: this.lookup, here: this.here(), base: this.base() };
  }

  define(name: string, value: Value, isLabel: boolean): void {
    const old = this.symbols.get(name);
    if (old && old.pass === this.pass) {
      if (this.pass === 1) this.error(isLabel ? `label \`${name}' redefined` : `symbol \`${name}' redefined`);
      return;
    }
    if (old && (old.value.ofs !== value.ofs || old.value.seg !== value.seg || old.value.unknown !== value.unknown)) this.changed = true;
    if (!old && this.pass > 1) this.changed = true;
    this.symbols.set(name, { value, pass: this.pass, isLabel });
  }

  qualify = (name: string): string => {
    if (name.startsWith(".") && !name.startsWith("..")) return this.lastGlobal + name;
    return name;
  };

  /** Messages in source order: the index of the line (in preprocessed order) each belongs to. */
  private readonly order = new WeakMap<AsmError, number>();
  private report(list: AsmError[], file: string, line: number, message: string, at: number): void {
    const e = { file, line, message };
    // One message per line and text (TIMES and passes can repeat one).
    if (list.some((x) => x.line === line && x.file === file && x.message === message)) return;
    this.order.set(e, at);
    list.push(e);
  }
  error(message: string): void {
    const l = this.cur?.pp;
    this.report(this.errors, l?.file ?? this.options.fileName ?? "input.asm", l?.line ?? 0, message, this.cur?.index ?? 0);
  }
  warn(message: string): void {
    const l = this.cur?.pp;
    this.report(this.warnings, l?.file ?? this.options.fileName ?? "input.asm", l?.line ?? 0, message, this.cur?.index ?? 0);
  }
  private sortMessages(list: AsmError[]): void {
    list.sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
  }
  /** Reports an error of the final pass (earlier passes may see values not settled yet). */
  finalError(message: string): void {
    if (this.final) this.error(message);
  }
  finalWarn(message: string): void {
    if (this.final) this.warn(message);
  }

  // ---- output ----

  emit(bytes: number[]): void {
    if (this.absolute) {
      if (bytes.some((b) => b !== 0)) this.finalWarn("attempt to initialize memory in a nobits section: ignored");
      this.absolute = { ...this.absolute, ofs: this.absolute.ofs + BigInt(bytes.length) };
      return;
    }
    const s = this.section;
    if (s.nobits) {
      if (bytes.some((b) => b !== 0)) this.finalWarn(`attempt to initialize memory in the nobits section ${s.name}: ignored`);
    } else if (this.final) {
      for (const b of bytes) s.data.push(b);
      for (const b of bytes) this.lineBytes.push(b);
    }
    s.size += bytes.length;
  }
  reserve(n: number): void {
    if (this.absolute) {
      this.absolute = { ...this.absolute, ofs: this.absolute.ofs + BigInt(n) };
      return;
    }
    if (!this.section.nobits) {
      this.finalWarn(`uninitialized space declared in non-BSS section \`${this.section.name}': zeroing`);
      this.emit(new Array<number>(n).fill(0));
      return;
    }
    this.section.size += n;
  }

  sectionNamed(name: string, create: boolean): Section | null {
    let s = this.sections.find((x) => x.name === name);
    if (!s && create) {
      s = { name, index: this.sections.length, nobits: name === ".bss", align: name === ".text" ? 1 : 4, start: null, size: 0, data: [] };
      this.sections.push(s);
    }
    return s ?? null;
  }

  // ---- passes ----

  run(source: string): AssembleResult {
    const fileName = this.options.fileName ?? "input.asm";
    const pp = new Preprocessor(source, fileName, {
      include: (path) => this.options.include?.(path) ?? null,
      evalContext: () => this.ctx(),
      bits: () => this.bits,
      error: (file, line, message, warning) => this.report(warning ? this.warnings : this.errors, file, line, message, this.lines.length),
    });
    this.pass = 1;
    this.startPass();
    for (let pl = pp.next(); pl; pl = pp.next()) {
      const line = this.parseLine(pl);
      this.lines.push(line);
      this.step(line);
    }
    this.endPass();
    for (this.pass = 2; this.pass <= MAX_PASSES; this.pass++) {
      this.startPass();
      for (const line of this.lines) this.step(line);
      this.endPass();
      if (!this.changed) break;
    }
    if (this.pass > MAX_PASSES) this.errors.push({ file: fileName, line: 0, message: "cannot find a stable layout: label values keep changing between passes" });
    this.final = true;
    this.pass++;
    this.startPass();
    for (const line of this.lines) {
      this.lineBytes = [];
      const address = this.absolute ? null : this.absoluteOf(this.here());
      const section = this.absolute ? null : this.section;
      this.step(line);
      const bytes = Uint8Array.from(this.lineBytes);
      this.listing.push({ file: line.pp.file, line: line.pp.line, address: address === null ? null : Number(address), bytes, source: line.pp.source, depth: line.pp.depth });
      if (bytes.length && address !== null && section && !section.nobits) this.lineMap.push({ address: Number(address), size: bytes.length, file: line.pp.file, line: line.pp.line });
    }
    this.endPass();
    return this.result();
  }

  private startPass(): void {
    this.changed = false;
    this.bits = this.options.bits ?? 16;
    this.defaultRel = false;
    this.absolute = null;
    this.lastGlobal = "";
    for (const s of this.sections) {
      s.size = 0;
      s.data = [];
    }
    if (!this.sections.length) this.sectionNamed(".text", true);
    this.section = this.sections[0];
    this.dir.reset();
  }

  /** Lays the sections out (NASM outbin.c): .text at ORG, PROGBITS in order, then NOBITS. */
  private endPass(): void {
    const starts = new Array<bigint>(this.sections.length).fill(0n);
    let pos = this.org ?? 0n;
    const order = [...this.sections.filter((s) => !s.nobits), ...this.sections.filter((s) => s.nobits)];
    for (const s of order) {
      // Every section starts at its alignment, .text included (ALIGN 16 in .text moves it up from ORG).
      if (s.start !== null) pos = s.start;
      else pos = (pos + BigInt(s.align) - 1n) & ~(BigInt(s.align) - 1n);
      starts[s.index] = pos;
      pos += BigInt(s.size);
    }
    if (!this.starts || starts.length !== this.starts.length || starts.some((v, i) => v !== this.starts![i])) {
      this.changed = true;
      this.layout++;
    }
    this.starts = starts;
  }

  private result(): AssembleResult {
    const progbits = this.sections.filter((s) => !s.nobits && (s.size > 0 || s.index === 0));
    // The file starts at ORG, even when .text itself starts higher.
    const base = this.org ?? 0n;
    let end = base;
    for (const s of progbits) {
      const e = this.starts![s.index] + BigInt(s.size);
      if (e > end) end = e;
      if (this.starts![s.index] < base && s.size > 0) this.errors.push({ file: this.options.fileName ?? "input.asm", line: 0, message: `section ${s.name} starts below the origin` });
    }
    const total = Number(end - base);
    const ok = this.errors.length === 0 && total >= 0 && total <= 1 << 30;
    const bytes = new Uint8Array(ok ? total : 0);
    if (ok) for (const s of progbits) bytes.set(s.data, Number(this.starts![s.index] - base));
    const symbols = new Map<string, number>();
    for (const [name, s] of this.symbols) {
      const a = this.absoluteOf(s.value);
      if (a !== null && !name.startsWith("..@")) symbols.set(name, Number(a));
    }
    this.lineMap.sort((a, b) => a.address - b.address);
    this.sortMessages(this.errors);
    this.sortMessages(this.warnings);
    return { ok, bytes, listing: this.listing, lineMap: this.lineMap, errors: this.errors, warnings: this.warnings, symbols };
  }

  // ---- one line ----

  private parseLine(pp: PPLine): Line {
    const line: Line = { pp, label: null, labelColon: false, times: null, prefixes: [], op: null, opText: "", args: [], operands: null, data: null, error: null, symbolic: false, deps: [], cache: null, index: this.lines.length };
    if (pp.listOnly) return line;
    let toks = pp.tokens ?? tokenize(pp.text);
    // [BITS 32], [SECTION .data], ...: the directive in its raw bracketed form.
    if (toks[0]?.text === "[" && toks[toks.length - 1]?.text === "]" && toks[1]?.kind === "id" && DIRECTIVES.has(toks[1].text.toLowerCase())) toks = toks.slice(1, -1);
    const st = parseStatement(toks, isOpName);
    if (typeof st === "string") {
      line.error = st;
      this.report(this.errors, pp.file, pp.line, st, this.lines.length);
      return line;
    }
    if (st.label) {
      if (st.label.startsWith(".") && !st.label.startsWith("..")) line.label = this.lastGlobal + st.label;
      else {
        line.label = st.label;
        if (!st.label.startsWith("..@") && st.op !== "equ") this.lastGlobal = st.label;
      }
    }
    // STRUC name: the structure's fields (.x) are local labels of its name.
    if (st.op === "struc" && st.args[0]?.kind === "id") this.lastGlobal = st.args[0].text;
    line.labelColon = st.colon;
    line.prefixes = st.prefixes;
    line.op = st.op;
    line.opText = st.opText;
    line.args = st.args;
    try {
      if (st.times) {
        const p = new ExprParser(st.times, this.qualify);
        line.times = p.parse();
      }
      const op = st.op;
      if (op === null) {
        if (st.label && !st.colon && !st.prefixes.length) this.report(this.warnings, pp.file, pp.line, "label alone on a line without a colon might be in error", this.lines.length);
      } else if (op in DATA_SIZES) {
        const d = parseData(st.args, DATA_SIZES[op], this.qualify);
        if (typeof d === "string") line.error = d;
        else line.data = d;
      } else if (!DIRECTIVES.has(op) && !(op in RES_SIZES) && op !== "equ") {
        if (!isOpName(op)) line.error = `parser: instruction expected, found \`${st.opText}'`;
        else {
          line.operands = st.args.length ? splitOperands(st.args).map((o) => parseOperand(o, this.qualify)) : [];
          // A branch's displacement depends on its own address even for a numeric target.
          const branch = /^(j|call$|loop)/.test(op);
          line.symbolic = line.operands.some((o) =>
            o.t === "imm" ? branch || mentionsSymbol(o.expr)
            : o.t === "mem" ? o.ea !== null && mentionsSymbol(o.ea)
            : o.t === "farptr" ? branch || mentionsSymbol(o.seg) || mentionsSymbol(o.off)
            : false,
          );
          const deps = new Set<string>();
          for (const o of line.operands) {
            if (o.t === "imm") symbolsOf(o.expr, deps);
            else if (o.t === "mem" && o.ea) symbolsOf(o.ea, deps);
            else if (o.t === "farptr") symbolsOf(o.seg, deps), symbolsOf(o.off, deps);
          }
          line.deps = [...deps];
        }
      }
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      line.error = e.message;
    }
    if (line.error) this.report(this.errors, pp.file, pp.line, line.error, this.lines.length);
    return line;
  }

  private step(line: Line): void {
    this.cur = line;
    if (line.pp.listOnly || line.error) return;
    const op = line.op;
    if (line.label && op !== "equ") this.define(line.label, this.here(), true);
    if (op === null) return;
    let count = 1;
    if (line.times) {
      const v = this.evalScalar(line.times, "TIMES");
      if (v === null) count = 0;
      else if (v < 0n) {
        this.finalError("TIMES value is negative");
        count = 0;
      } else if (v > 100_000_000n) {
        this.error(`TIMES value ${v} is too large`);
        count = 0;
      } else count = Number(v);
    }
    for (let i = 0; i < count; i++) {
      if (line.operands) this.instruction(line);
      else if (line.data) this.dataLine(line);
      else this.dir.directive(line);
    }
  }

  /** A scalar value or null (not known yet, or an error reported in the final pass). */
  evalScalar(e: Expr, what: string): bigint | null {
    try {
      const v = evaluate(e, this.ctx());
      if (v.unknown) return null;
      if (v.seg >= 0) {
        this.finalError(`${what}: expected a number, not an address`);
        return null;
      }
      return v.ofs;
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      this.finalError(err.message);
      return null;
    }
  }

  private cacheValid(line: Line): boolean {
    const c = line.cache;
    if (!c || c.bits !== this.bits || c.defaultRel !== this.defaultRel) return false;
    if (!line.symbolic) return true;
    const here = this.here();
    if (c.seg !== here.seg || c.ofs !== here.ofs || c.layout !== this.layout) return false;
    for (let i = 0; i < line.deps.length; i++) {
      const v = this.symbols.get(line.deps[i])?.value;
      const old = c.values[i];
      // An undefined symbol is re-evaluated in the final pass, which reports it.
      if (v === undefined || old === undefined) return false;
      if (v.seg !== old.seg || v.ofs !== old.ofs || v.unknown !== old.unknown) return false;
    }
    return true;
  }

  private instruction(line: Line): void {
    let r: ReturnType<typeof encode>;
    if (this.cacheValid(line)) r = line.cache!.result;
    else {
      const here = this.here();
      r = encode({ prefixes: line.prefixes, mnemonic: line.op!, operands: line.operands! }, {
        bits: this.bits, here, eval: this.ctx(), defaultRel: this.defaultRel, absolute: this.absoluteOfBound,
      });
      line.cache = {
        bits: this.bits, defaultRel: this.defaultRel, seg: here.seg, ofs: here.ofs, layout: this.layout,
        values: line.deps.map((d) => this.symbols.get(d)?.value), result: r,
      };
    }
    if (typeof r === "string") {
      this.finalError(r);
      return;
    }
    for (const w of r.warnings) this.finalWarn(w);
    this.emit(r.bytes);
  }

  private dataLine(line: Line): void {
    const unit = DATA_SIZES[line.op!];
    const items = line.data!;
    if (!this.final) {
      // Sizes do not depend on values.
      const n = dataSize(items, unit);
      if (this.absolute || this.section.nobits) this.emit(new Array<number>(n).fill(0));
      else this.section.size += n;
      return;
    }
    const out: number[] = [];
    for (const it of items) {
      if (it.k === "bytes") out.push(...it.bytes);
      else if (it.k === "float") out.push(...it.bytes);
      else if (it.k === "uninit") for (let i = 0; i < unit; i++) out.push(0);
      else {
        try {
          const v = evaluate(it.expr, this.ctx());
          const a = this.absoluteOf(v) ?? 0n;
          const w = pushValue(out, a, Math.min(unit, 8));
          for (let i = 8; i < unit; i++) out.push(a < 0n ? 0xff : 0);
          if (w) this.warn(w);
        } catch (err) {
          if (!(err instanceof ExprError)) throw err;
          this.error(err.message);
          for (let i = 0; i < unit; i++) out.push(0);
        }
      }
    }
    this.emit(out);
  }

  get currentLine(): Line | null {
    return this.cur;
  }

  includeBinary(path: string): Uint8Array | null | undefined {
    return this.options.readBinary ? this.options.readBinary(path) : undefined;
  }
}
