/**
 * One source line → a statement: an optional label, TIMES, prefixes, the mnemonic or directive and
 * its operands (NASM manual §3.1: "label: instruction operands ; comment"). Instruction operands are
 * parsed here into registers, memory references, immediates and far pointers; directives keep their
 * tokens for directives.ts.
 */
import { ExprError, ExprParser, type Expr } from "./expr";
import type { Token } from "./lexer";
import { register, type Reg } from "./registers";

export const SIZE_KEYWORDS: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10, oword: 16, yword: 32, zword: 64 };

export type Operand =
  | { t: "reg"; reg: Reg }
  | {
      t: "mem";
      /** Operand size from BYTE/WORD/... before the bracket (0: none). */
      size: number;
      ea: Expr | null;
      seg: Reg | null;
      /** BYTE/WORD/DWORD/QWORD inside the brackets: displacement (or address) size. */
      dispSize: number;
      rel: boolean;
      abs: boolean;
      nosplit: boolean;
      far: boolean;
      near: boolean;
    }
  | { t: "imm"; expr: Expr; size: number; strict: boolean; short: boolean; near: boolean; far: boolean; to: boolean }
  | { t: "farptr"; seg: Expr; off: Expr; size: number; far: boolean };

export const PREFIXES = new Set(["lock", "rep", "repe", "repz", "repne", "repnz", "a16", "a32", "a64", "o16", "o32", "o64", "xacquire", "xrelease", "bnd", "nobnd"]);
export const SEG_PREFIXES = new Set(["cs", "ds", "es", "ss", "fs", "gs"]);

export interface Statement {
  label: string | null;
  /** The label was written with a colon. */
  colon: boolean;
  times: Token[] | null;
  prefixes: string[];
  /** Lower-case mnemonic or directive, or null for a label-only line. */
  op: string | null;
  /** The op as written (for messages). */
  opText: string;
  args: Token[];
}

/**
 * Splits a line into label, TIMES, prefixes, op and the rest. `isOp` says whether an identifier is
 * an instruction, prefix or directive: NASM takes the first token for a label when it is not.
 */
export function parseStatement(toks: Token[], isOp: (name: string) => boolean): Statement | string {
  const st: Statement = { label: null, colon: false, times: null, prefixes: [], op: null, opText: "", args: [] };
  let i = 0;
  const first = toks[0];
  if (!first) return st;
  if (first.kind === "id" && !isOp(first.text.toLowerCase()) && !register(first.text)) {
    st.label = first.text;
    i = 1;
    if (toks[1]?.kind === "op" && toks[1].text === ":") {
      st.colon = true;
      i = 2;
    }
  } else if (first.kind === "id" && toks[1]?.kind === "op" && toks[1].text === ":" && !register(first.text)) {
    // A label spelled like a mnemonic ("loop: ...") is still a label when a colon follows.
    st.label = first.text;
    st.colon = true;
    i = 2;
  }
  for (;;) {
    const t = toks[i];
    if (!t) return st;
    // "foo eax, 1": what looked like a label is really an instruction NASM does not know.
    if (st.label && !st.colon && i === 1 && (t.kind !== "id" || !isOp(t.text.toLowerCase()))) return `unknown instruction \`${st.label}'`;
    if (t.kind !== "id") return `instruction expected, found "${t.text}"`;
    const name = t.text.toLowerCase();
    if (name === "times") {
      // TIMES count instruction: the count is the longest expression that parses, as in NASM.
      let j = i + 1;
      try {
        const p = new ExprParser(toks, (n) => n, i + 1);
        p.parse();
        j = p.pos;
      } catch {
        return "invalid TIMES count";
      }
      st.times = toks.slice(i + 1, j);
      i = j;
      continue;
    }
    if (PREFIXES.has(name) || (SEG_PREFIXES.has(name) && toks[i + 1]?.kind === "id")) {
      st.prefixes.push(name);
      i++;
      continue;
    }
    st.op = name;
    st.opText = t.text;
    st.args = toks.slice(i + 1);
    return st;
  }
}

/** Splits operand tokens at top-level commas. */
export function splitOperands(toks: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.kind === "op" && (t.text === "(" || t.text === "[")) depth++;
    if (t.kind === "op" && (t.text === ")" || t.text === "]")) depth--;
    if (t.kind === "op" && t.text === "," && depth === 0) {
      out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length || out.length) out.push(cur);
  return out;
}

function parseExpr(toks: Token[], qualify: (n: string) => string, allowRegs = false): Expr {
  if (!toks.length) throw new ExprError("expression expected");
  const p = new ExprParser(toks, qualify, 0, allowRegs);
  const e = p.parse();
  if (p.pos < toks.length) throw new ExprError(`unexpected "${toks[p.pos].text}"`);
  return e;
}

/** Parses one instruction operand. Throws ExprError with a message for malformed ones. */
export function parseOperand(toks: Token[], qualify: (n: string) => string): Operand {
  let size = 0;
  let strict = false;
  let short = false;
  let near = false;
  let far = false;
  let to = false;
  let i = 0;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== "id") break;
    const w = t.text.toLowerCase();
    if (w in SIZE_KEYWORDS) size = SIZE_KEYWORDS[w];
    else if (w === "strict") strict = true;
    else if (w === "short") short = true;
    else if (w === "near") near = true;
    else if (w === "far") far = true;
    else if (w === "to") to = true;
    else break;
  }
  const rest = toks.slice(i);
  if (!rest.length) {
    if (to && !size) throw new ExprError("operand expected after `to'");
    throw new ExprError("operand expected");
  }
  // A segment override written before the bracket: es:[di].
  let seg: Reg | null = null;
  if (rest.length > 2 && rest[0].kind === "id" && rest[1].text === ":" && rest[2].text === "[") {
    const r = register(rest[0].text);
    if (r && r.cls === "sreg") {
      seg = r;
      rest.splice(0, 2);
    }
  }
  if (rest[0].kind === "op" && rest[0].text === "[") {
    if (rest[rest.length - 1].text !== "]") throw new ExprError("expecting `]'");
    return parseMemory(rest.slice(1, -1), qualify, size, seg, far, near);
  }
  if (rest.length === 1 && rest[0].kind === "id") {
    const r = register(rest[0].text);
    if (r) {
      if (to) return { t: "imm", expr: { k: "reg", reg: r }, size, strict, short, near, far, to };
      return { t: "reg", reg: r };
    }
  }
  // seg:offset (a far pointer) — a colon at top level that does not belong to ?:.
  let depth = 0;
  let questions = 0;
  for (let j = 0; j < rest.length; j++) {
    const t = rest[j];
    if (t.text === "(") depth++;
    if (t.text === ")") depth--;
    if (depth === 0 && t.kind === "op" && t.text === "?") questions++;
    if (depth === 0 && t.kind === "op" && t.text === ":" && questions-- === 0) {
      return { t: "farptr", seg: parseExpr(rest.slice(0, j), qualify), off: parseExpr(rest.slice(j + 1), qualify), size, far };
    }
  }
  return { t: "imm", expr: parseExpr(rest, qualify), size, strict, short, near, far, to };
}

function parseMemory(toks: Token[], qualify: (n: string) => string, size: number, seg: Reg | null, far: boolean, near: boolean): Operand {
  let dispSize = 0;
  let rel = false;
  let abs = false;
  let nosplit = false;
  let i = 0;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== "id") break;
    const w = t.text.toLowerCase();
    if (w in SIZE_KEYWORDS) dispSize = SIZE_KEYWORDS[w];
    else if (w === "rel") rel = true;
    else if (w === "abs") abs = true;
    else if (w === "nosplit") nosplit = true;
    else if (SEG_PREFIXES.has(w) && toks[i + 1]?.text === ":") {
      seg = register(w)!;
      i++;
    } else break;
  }
  const rest = toks.slice(i);
  return { t: "mem", size, ea: rest.length ? parseExpr(rest, qualify, true) : null, seg, dispSize, rel, abs, nosplit, far, near };
}
