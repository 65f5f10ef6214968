/**
 * NASM's preprocessor (manual chapter 4), the parts programs actually use: %include, %define /
 * %idefine / %xdefine / %undef / %assign / %defstr / %strcat / %strlen, %macro / %imacro with
 * parameter ranges, defaults, greedy parameters, %0, %{n}, %%local labels and %rotate, %rep /
 * %exitrep, %if / %elif / %else / %endif with the %ifdef, %ifidn, %ifmacro, %ifnum, %ifstr, %ifid,
 * %iftoken, %ifempty, %ifctx families (and their n- and el- forms), %push / %pop / %repl with %$local
 * names, %[...] and %+ pasting, %error / %warning / %fatal.
 *
 * It is pull-based, like NASM's pp_getline: the assembler asks for one line at a time during its
 * first pass, so %if and %assign see the EQU symbols defined above them, as in NASM.
 */
import { ExprError, ExprParser, evaluate, type EvalContext } from "./expr";
import { detokenize, quoteString, stringBytes, tokenize, type Token } from "./lexer";
import { parseMacroSpec, splitArgs, substituteParams, type BodyLine, type MacroCall, type MMacro, type SMacro } from "./pp-macros";
import { expandLine, type ExpandEnv } from "./pp-expand";
import { defineSMacro, stringFunction, testCondition } from "./pp-directives";

/** A line for the assembler. */
export interface PPLine {
  /** The line after macro expansion, for the assembler. */
  text: string;
  /** The line as written (a macro body line before its parameters are substituted), for listings. */
  source: string;
  /** Where the user wrote it: for macro expansions, the invoking line (so the debugger highlights it). */
  file: string;
  line: number;
  /** Macro nesting depth (0 for ordinary lines). */
  depth: number;
  /** A preprocessor directive or macro definition: listed, not assembled. */
  listOnly: boolean;
  /** The tokens of `text`, when the preprocessor has them (saves the assembler re-reading it). */
  tokens?: Token[];
}

export interface PPEnv {
  /** Reads an included file, or null when it does not exist. */
  include(path: string, fromFile: string): string | null;
  /** The assembler's symbols as they stand now (for %if and %assign). */
  evalContext(): EvalContext;
  /** The current BITS (for __BITS__). */
  bits(): number;
  error(file: string, line: number, message: string, warning?: boolean): void;
}

interface Frame {
  lines: BodyLine[];
  idx: number;
  /** The macro call whose parameters this frame's lines use (rep frames inherit it). */
  call: MacroCall | null;
  /** All lines of this frame are reported at this location (inside a macro expansion). */
  at: { file: string; line: number } | null;
  depth: number;
  condDepth: number;
  kind: "file" | "macro" | "rep";
  repLeft: number;
  fileName: string;
}

interface Cond {
  /** Lines are emitted. */
  active: boolean;
  /** A branch was already taken (later %elif/%else are false). */
  done: boolean;
  elseSeen: boolean;
  /** The enclosing block is active (a dead block never activates). */
  live: boolean;
}

type Defining =
  | { kind: "macro"; macro: MMacro; nest: number }
  | { kind: "rep"; count: number; body: BodyLine[]; nest: number; call: MacroCall | null; at: Frame["at"]; depth: number };

const MAX_INCLUDE_DEPTH = 64;
const MAX_MACRO_DEPTH = 256;
const MAX_LINES = 4_000_000;
const MAX_REP = 1_000_000;

/** Splits a file into lines, joining backslash-continued ones (NASM §3.1), keeping line numbers. */
export function fileLines(text: string, file: string): BodyLine[] {
  const raw = text.split("\n");
  const out: BodyLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    let s = raw[i].endsWith("\r") ? raw[i].slice(0, -1) : raw[i];
    const start = i;
    while (/\\\s*$/.test(s) && i + 1 < raw.length) {
      s = s.replace(/\\\s*$/, "") + (raw[++i].endsWith("\r") ? raw[i].slice(0, -1) : raw[i]);
    }
    out.push({ text: s, file, line: start + 1 });
  }
  if (out.length && out[out.length - 1].text === "" && text.endsWith("\n")) out.pop();
  return out;
}

export class Preprocessor implements ExpandEnv {
  private frames: Frame[] = [];
  private conds: Cond[] = [];
  private defining: Defining | null = null;
  readonly smacros = new Map<string, SMacro[]>();
  /** %idefine'd macros, by lower-case name. */
  readonly ismacros = new Map<string, SMacro[]>();
  private mmacros = new Map<string, MMacro[]>();
  private immacros = new Map<string, MMacro[]>();
  readonly contexts: { name: string; id: number }[] = [];
  private nextId = 1000;
  private emitted = 0;
  private pending: PPLine[] = [];
  /** The location of the line being processed (for messages and __LINE__). */
  cur = { file: "", line: 0 };

  constructor(
    source: string,
    fileName: string,
    readonly env: PPEnv,
  ) {
    this.frames.push(this.fileFrame(fileLines(source, fileName), fileName));
  }

  private fileFrame(lines: BodyLine[], fileName: string): Frame {
    return { lines, idx: 0, call: null, at: null, depth: 0, condDepth: this.conds.length, kind: "file", repLeft: 0, fileName };
  }

  err(message: string, warning = false): void {
    this.env.error(this.cur.file, this.cur.line, message, warning);
  }

  /** The next line for the assembler, or null at the end of the source. */
  next(): PPLine | null {
    for (;;) {
      const p = this.pending.shift();
      if (p) return p;
      const frame = this.frames[this.frames.length - 1];
      if (!frame) {
        this.finish();
        return null;
      }
      if (frame.idx >= frame.lines.length) {
        this.endFrame(frame);
        continue;
      }
      const bl = frame.lines[frame.idx++];
      this.cur = frame.at ?? { file: bl.file, line: bl.line };
      this.curSource = bl.text;
      if (++this.emitted > MAX_LINES) {
        this.err("the source expands to too many lines (endless %rep or macro recursion?)");
        this.frames.length = 0;
        continue;
      }
      const line = this.processLine(bl, frame);
      if (line) return line;
    }
  }

  private finish(): void {
    if (this.defining) {
      this.err(this.defining.kind === "macro" ? `%macro ${this.defining.macro.name} has no %endmacro` : "%rep has no %endrep");
      this.defining = null;
    }
  }

  private endFrame(frame: Frame): void {
    if (frame.kind === "rep" && frame.repLeft > 1 && this.conds.length === frame.condDepth) {
      frame.repLeft--;
      frame.idx = 0;
      return;
    }
    if (this.conds.length > frame.condDepth) {
      if (frame.kind !== "rep" || frame.repLeft <= 1) this.err("%if has no %endif before the end of " + (frame.kind === "file" ? "the file" : frame.kind === "macro" ? "the macro" : "the %rep"));
      this.conds.length = frame.condDepth;
      if (frame.kind === "rep" && frame.repLeft > 1) {
        frame.repLeft--;
        frame.idx = 0;
        return;
      }
    }
    this.frames.pop();
  }

  private line(text: string, frame: Frame, listOnly: boolean): PPLine {
    return { text, source: this.curSource, file: this.cur.file, line: this.cur.line, depth: frame.depth, listOnly };
  }
  private curSource = "";

  private processLine(bl: BodyLine, frame: Frame): PPLine | null {
    let text = bl.text;
    if (frame.call && !this.defining) text = substituteParams(text, frame.call);
    const toks = tokenize(text);
    const first = toks[0];
    const directive = first && first.kind === "pp" && /^%[a-z]+$/i.test(first.text) ? first.text.slice(1).toLowerCase() : null;
    const active = this.conds.length === 0 || this.conds[this.conds.length - 1].active;

    if (directive && /^(el)?ifn?|^else$|^endif$/.test(directive) && !this.defining) {
      if (this.conditional(directive, toks.slice(1))) return active ? this.line(text, frame, true) : null;
    }
    if (!active) return null;

    if (this.defining) return this.collect(directive, bl, toks, frame);

    if (directive) {
      const handled = this.directive(directive, toks.slice(1), frame);
      if (handled) return this.line(text, frame, true);
    }

    let expanded = expandLine(toks, this);
    if (typeof expanded === "string") {
      this.err(expanded);
      return this.line(text, frame, true);
    }
    // A multi-line macro call, possibly after a label: "label: MACRO args".
    let labelText = "";
    let callStart = 0;
    if (expanded.length >= 3 && expanded[0].kind === "id" && expanded[1].text === ":" && expanded[2].kind === "id" && this.findMacro(expanded[2].text)) {
      labelText = expanded[0].text + ":";
      callStart = 2;
    }
    const head = expanded[callStart];
    if (head && head.kind === "id") {
      const defs = this.findMacro(head.text);
      if (defs) {
        const argToks = expanded.slice(callStart + 1);
        const m = this.pickMacro(defs, argToks);
        if (m) {
          if (frame.depth >= MAX_MACRO_DEPTH) {
            this.err(`macro ${m.name} nests too deeply (recursion?)`);
            return null;
          }
          this.invoke(m, argToks, frame);
          if (labelText) this.pending.push(this.line(labelText, frame, false));
          return this.line(detokenize(expanded), frame, true);
        }
        this.err(`macro \`${head.text}' exists, but not taking ${countArgs(argToks)} parameters`, true);
      }
    }
    expanded = expanded.filter((t) => t.kind !== "pp" || t.text !== "%+");
    const out = this.line(detokenize(expanded), frame, false);
    out.tokens = expanded;
    return out;
  }

  // ---- multi-line macros ----

  findMacro(name: string): MMacro[] | undefined {
    return this.mmacros.get(name) ?? (this.immacros.size ? this.immacros.get(name.toLowerCase()) : undefined);
  }

  private pickMacro(defs: MMacro[], argToks: Token[]): MMacro | null {
    const n = countArgs(argToks);
    for (const m of defs) if (n >= m.min && (n <= m.max || m.greedy)) return m;
    // NASM passes one empty parameter to a macro that takes one when the call has none.
    return null;
  }

  private invoke(m: MMacro, argToks: Token[], frame: Frame): void {
    const args = splitArgs(argToks, m.max, m.greedy);
    const params = args.slice(0, m.max === Infinity ? args.length : m.max);
    for (let i = params.length; i < m.max && i - m.min < m.defaults.length; i++) params.push(m.defaults[i - m.min] ?? "");
    // %0 counts the defaults filled in, as NASM's does.
    const count = params.length;
    const call: MacroCall = { macro: m, params, count, id: this.nextId++ };
    this.frames.push({
      lines: m.body, idx: 0, call, at: frame.at ?? { ...this.cur }, depth: frame.depth + 1,
      condDepth: this.conds.length, kind: "macro", repLeft: 0, fileName: frame.fileName,
    });
  }

  // ---- definitions being collected (%macro ... %endmacro, %rep ... %endrep) ----

  private collect(directive: string | null, bl: BodyLine, toks: Token[], frame: Frame): PPLine | null {
    const d = this.defining!;
    if (d.kind === "macro") {
      if (directive === "macro" || directive === "imacro") d.nest++;
      if (directive === "endmacro" || directive === "endm") {
        if (d.nest === 0) {
          this.defining = null;
          const map = d.macro.caseInsensitive ? this.immacros : this.mmacros;
          const key = d.macro.caseInsensitive ? d.macro.name.toLowerCase() : d.macro.name;
          // A redefinition with the same parameter range replaces the old one.
          const list = (map.get(key) ?? []).filter((o) => o.min !== d.macro.min || o.max !== d.macro.max);
          list.push(d.macro);
          map.set(key, list);
          return this.line(bl.text, frame, true);
        }
        d.nest--;
      }
      d.macro.body.push(bl);
      return this.line(bl.text, frame, true);
    }
    if (directive === "rep") d.nest++;
    if (directive === "endrep") {
      if (d.nest === 0) {
        this.defining = null;
        if (d.count > 0) {
          this.frames.push({
            lines: d.body, idx: 0, call: d.call, at: d.at, depth: d.depth,
            condDepth: this.conds.length, kind: "rep", repLeft: d.count, fileName: frame.fileName,
          });
        }
        return this.line(bl.text, frame, true);
      }
      d.nest--;
    }
    void toks;
    d.body.push(bl);
    return null;
  }

  // ---- conditionals ----

  /** Handles %if*, %elif*, %else, %endif. Returns false for a directive that is not one of them. */
  private conditional(directive: string, args: Token[]): boolean {
    const top = this.conds[this.conds.length - 1];
    if (directive === "endif") {
      if (!top) this.err("%endif without %if");
      else this.conds.pop();
      return true;
    }
    if (directive === "else") {
      if (!top) this.err("%else without %if");
      else {
        if (top.elseSeen) this.err("%else after %else", true);
        top.elseSeen = true;
        top.active = top.live && !top.done;
        top.done = true;
      }
      return true;
    }
    const m = /^(el)?if(n?)(.*)$/.exec(directive)!;
    // "ifnum" is if + num, not ifn + um.
    if (!CONDITIONS.has(m[3]) && m[2] === "n" && CONDITIONS.has("n" + m[3])) {
      m[3] = "n" + m[3];
      m[2] = "";
    }
    const kind = m[3];
    if (!CONDITIONS.has(kind)) return false;
    const isElif = m[1] === "el";
    if (isElif) {
      if (!top) {
        this.err(`%${directive} without %if`);
        return true;
      }
      if (top.elseSeen) this.err(`%${directive} after %else`, true);
      if (!top.live || top.done) {
        top.active = false;
        return true;
      }
      const v = testCondition(this, kind, args) !== (m[2] === "n");
      top.active = v;
      top.done = v;
      return true;
    }
    const live = !top || top.active;
    const v = live ? testCondition(this, kind, args) !== (m[2] === "n") : false;
    this.conds.push({ active: live && v, done: v, elseSeen: false, live });
    return true;
  }

  isDefined(name: string): boolean {
    return this.smacros.has(name) || this.ismacros.has(name.toLowerCase()) || BUILTINS.has(name);
  }

  /** Expands and evaluates a preprocessor expression; null after reporting an error. */
  evalTokens(args: Token[], what: string): bigint | null {
    const ex = expandLine(args, this);
    if (typeof ex === "string") {
      this.err(ex);
      return null;
    }
    if (ex.length === 0) {
      this.err(`\`${what}' expects an expression`);
      return null;
    }
    try {
      const p = new ExprParser(ex, (n) => n);
      const e = p.parse();
      if (p.pos < ex.length) throw new ExprError(`unexpected "${ex[p.pos].text}" in expression`);
      const v = evaluate(e, this.env.evalContext());
      if (v.unknown) {
        this.err(`\`${what}': the expression refers to a symbol not defined before use`);
        return null;
      }
      if (v.seg >= 0) {
        this.err(`\`${what}': the expression is an address, not a number`);
        return null;
      }
      return v.ofs;
    } catch (e) {
      this.err(`\`${what}': ${(e as Error).message}`);
      return null;
    }
  }

  // ---- other directives ----

  private directive(d: string, args: Token[], frame: Frame): boolean {
    switch (d) {
      case "define": case "xdefine": case "idefine": case "xidefine":
        defineSMacro(this, args, d.startsWith("x"), d.includes("i"));
        return true;
      case "undef": case "undefine":
        if (args[0]) {
          this.smacros.delete(args[0].text);
          this.ismacros.delete(args[0].text.toLowerCase());
        }
        return true;
      case "assign": case "iassign": {
        const name = args[0];
        if (!name || name.kind !== "id") {
          this.err("`%assign' expects a macro name");
          return true;
        }
        const v = this.evalTokens(args.slice(1), "%assign");
        if (v !== null) this.setSMacro(name.text, null, tokenize(v.toString()), d === "iassign");
        return true;
      }
      case "defstr": case "idefstr": {
        const name = args[0];
        if (!name) return true;
        const ex = expandLine(args.slice(1), this);
        if (typeof ex === "string") this.err(ex);
        else this.setSMacro(name.text, null, [{ kind: "str", text: quoteString(detokenize(ex.map((t, i) => (i === 0 ? { ...t, ws: false } : t)))), ws: true }], d === "idefstr");
        return true;
      }
      case "strcat": case "strlen": case "substr":
        stringFunction(this, d, args);
        return true;
      case "macro": case "imacro": {
        const spec = parseMacroSpec(args);
        if (typeof spec === "string") {
          this.err(spec);
          return true;
        }
        this.defining = { kind: "macro", nest: 0, macro: { ...spec, caseInsensitive: d === "imacro", body: [] } };
        return true;
      }
      case "endmacro": case "endm":
        this.err(`%${d} without %macro`);
        return true;
      case "rep": {
        const v = args.length ? this.evalTokens(args, "%rep") : null;
        let count = v === null ? 0 : Number(BigInt.asIntN(64, v));
        if (count > MAX_REP) {
          this.err(`%rep count ${count} is too large (at most ${MAX_REP})`);
          count = 0;
        }
        this.defining = { kind: "rep", count: Math.max(0, count), body: [], nest: 0, call: frame.call, at: frame.at, depth: frame.depth };
        return true;
      }
      case "endrep":
        this.err("%endrep without %rep");
        return true;
      case "exitrep":
      case "exitmacro": {
        const kind = d === "exitrep" ? "rep" : "macro";
        let i = this.frames.length - 1;
        while (i >= 0 && this.frames[i].kind !== kind) i--;
        if (i < 0) this.err(`%${d} outside a ${kind === "rep" ? "%rep" : "macro"}`);
        else {
          this.conds.length = this.frames[i].condDepth;
          this.frames.length = i;
        }
        return true;
      }
      case "rotate": {
        const call = frame.call;
        if (!call) {
          this.err("%rotate outside a macro");
          return true;
        }
        const v = this.evalTokens(args, "%rotate");
        const n = call.params.length;
        if (v !== null && n > 0) {
          const k = ((Number(v % BigInt(n)) % n) + n) % n;
          call.params = [...call.params.slice(k), ...call.params.slice(0, k)];
        }
        return true;
      }
      case "include": {
        const t = args[0];
        const path = t && t.kind === "str" ? t.text.slice(1, -1) : t ? detokenize(args).trim() : "";
        if (!path) {
          this.err("`%include' expects a file name");
          return true;
        }
        if (this.frames.filter((f) => f.kind === "file").length >= MAX_INCLUDE_DEPTH) {
          this.err(`%include nests too deeply at "${path}"`);
          return true;
        }
        const text = this.env.include(path, frame.fileName);
        if (text === null) this.err(`unable to open include file \`${path}'`);
        else this.frames.push({ ...this.fileFrame(fileLines(text, path), path), at: frame.at, depth: frame.depth });
        return true;
      }
      case "push": case "repl": {
        const name = args[0]?.text ?? "";
        if (d === "repl") {
          if (!this.contexts.length) this.err("%repl with no context");
          else this.contexts[this.contexts.length - 1].name = name;
        } else this.contexts.push({ name, id: this.nextId++ });
        return true;
      }
      case "pop":
        if (!this.contexts.length) this.err("%pop with no context");
        else this.contexts.pop();
        return true;
      case "error": case "fatal": case "warning": {
        const ex = expandLine(args, this);
        const msg = typeof ex === "string" ? ex : detokenize(ex).trim();
        const s = /^(["'`]).*\1$/.test(msg) ? stringBytes(msg) : msg;
        const text = typeof s === "string" ? s : String.fromCharCode(...s);
        this.err(text, d === "warning");
        if (d === "fatal") this.frames.length = 0;
        return true;
      }
      case "line": case "pragma": case "use": case "local": case "arg": case "stacksize": case "clear":
        if (d === "use" || d === "local" || d === "arg" || d === "stacksize") this.err(`%${d} is not supported by the playground's assembler`);
        return true;
      default:
        this.err(`unknown preprocessor directive \`%${d}'`);
        return true;
    }
  }

  setSMacro(name: string, params: string[] | null, body: Token[], caseInsensitive: boolean): void {
    const m: SMacro = { name, params, body, caseInsensitive };
    const map = caseInsensitive ? this.ismacros : this.smacros;
    const key = caseInsensitive ? name.toLowerCase() : name;
    const n = params === null ? -1 : params.length;
    const list = (map.get(key) ?? []).filter((o) => (o.params === null ? -1 : o.params.length) !== n);
    list.push(m);
    map.set(key, list);
  }

  /** The context whose %$ names resolve here (`dollars` = 1 for %$x, 2 for %$$x, ...). */
  contextId(dollars: number): number | null {
    const c = this.contexts[this.contexts.length - dollars];
    return c ? c.id : null;
  }

  lookupSMacro(name: string): SMacro[] | undefined {
    return this.smacros.get(name) ?? (this.ismacros.size ? this.ismacros.get(name.toLowerCase()) : undefined);
  }

  builtin(name: string): Token[] | null {
    if (name.charCodeAt(0) !== 95 /* _ */ || name.charCodeAt(1) !== 95) return null;
    const key = name.replace(/^__\?(.*)\?__$/, "__$1__");
    switch (key) {
      case "__FILE__": return [{ kind: "str", text: quoteString(this.cur.file), ws: false }];
      case "__LINE__": return tokenize(String(this.cur.line));
      case "__BITS__": return tokenize(String(this.env.bits()));
      case "__NASM_MAJOR__": return tokenize("2");
      case "__NASM_MINOR__": return tokenize("16");
      case "__PASS__": return tokenize("1");
      default: return null;
    }
  }

  error(message: string): void {
    this.err(message);
  }
}

const BUILTINS = new Set(["__FILE__", "__LINE__", "__BITS__", "__NASM_MAJOR__", "__NASM_MINOR__", "__PASS__", "__?FILE?__", "__?LINE?__", "__?BITS?__", "__?NASM_MAJOR?__", "__?NASM_MINOR?__", "__?PASS?__"]);
const CONDITIONS = new Set(["", "def", "macro", "ctx", "idn", "idni", "empty", "token", "num", "str", "id"]);

function countArgs(toks: Token[]): number {
  if (toks.length === 0) return 0;
  return splitArgs(toks, Infinity, false).length;
}
