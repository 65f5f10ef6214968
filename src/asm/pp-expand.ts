/**
 * Single-line macro expansion of one line (NASM manual §4.1): %define'd names (with parameter
 * lists), built-in macros (__FILE__, __LINE__, __BITS__ ...), context-local names (%$x), %[...]
 * indirection and %+ pasting. The result is re-tokenized so that pasted pieces become one token
 * (`t_%[n]` → `t_3`), as NASM's paste_tokens does.
 */
import { detokenize, tokenize, type Token } from "./lexer";
import type { SMacro } from "./pp-macros";

export interface ExpandEnv {
  lookupSMacro(name: string): SMacro[] | undefined;
  builtin(name: string): Token[] | null;
  contextId(dollars: number): number | null;
  isDefined(name: string): boolean;
}

const MAX_EXPANSIONS = 100_000;

/** Expands a line's tokens; a string is an error message. */
export function expandLine(toks: readonly Token[], env: ExpandEnv): Token[] | string {
  const budget = { n: 0 };
  try {
    const out = expand(toks, env, new Set(), budget);
    return paste(out);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Joins tokens around %+ and %[...] results, then re-tokenizes the joined text. */
function paste(toks: Token[]): Token[] {
  let needed = false;
  for (const t of toks) if ((t.kind === "pp" && t.text === "%+") || (t as PasteToken).glue) needed = true;
  if (!needed) return toks;
  let text = "";
  let glueNext = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as PasteToken;
    if (t.kind === "pp" && t.text === "%+") {
      glueNext = true;
      continue;
    }
    if (t.ws && i > 0 && !glueNext && !t.glue) text += " ";
    text += t.text;
    glueNext = t.glueAfter === true;
  }
  const out = tokenize(text);
  if (out.length) out[0] = { ...out[0], ws: toks[0].ws };
  return out;
}

interface PasteToken extends Token {
  /** Produced by %[...]: join with the token before (when written without space). */
  glue?: boolean;
  glueAfter?: boolean;
}

function expand(toks: readonly Token[], env: ExpandEnv, active: Set<SMacro>, budget: { n: number }): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === "pp") {
      if (t.text === "%[") {
        // %[...]: expand the inside and paste it to its neighbours.
        let depth = 1;
        let j = i + 1;
        for (; j < toks.length; j++) {
          if (toks[j].text === "[" || toks[j].text === "%[") depth++;
          if (toks[j].text === "]" && --depth === 0) break;
        }
        if (j >= toks.length) throw new Error("`%[' without a closing `]'");
        const inner = paste(expand(toks.slice(i + 1, j), env, active, budget));
        const text = detokenize(inner).trim();
        out.push({ kind: "id", text, ws: t.ws, glue: !t.ws, glueAfter: !(toks[j + 1]?.ws ?? true) } as PasteToken);
        i = j;
        continue;
      }
      const ctx = /^%(\$+)(.*)$/.exec(t.text);
      if (ctx) {
        const id = env.contextId(ctx[1].length);
        if (id === null) throw new Error(`\`${t.text}': not in a context (%push)`);
        out.push({ kind: "id", text: `..@${id}.${ctx[2]}`, ws: t.ws });
        continue;
      }
      if (/^%\?\??$/.test(t.text)) {
        out.push(t);
        continue;
      }
      out.push(t);
      continue;
    }
    if (t.kind !== "id") {
      out.push(t);
      continue;
    }
    if (t.text === "defined" || t.text === "__?defined?__") {
      out.push(t);
      continue;
    }
    const builtin = env.builtin(t.text);
    if (builtin) {
      out.push(...builtin.map((b, k) => (k === 0 ? { ...b, ws: t.ws } : b)));
      continue;
    }
    const defs = env.lookupSMacro(t.text);
    if (!defs) {
      out.push(t);
      continue;
    }
    // With a parameter list when the next token is "(" and such an overload exists.
    let m: SMacro | undefined;
    let args: Token[][] = [];
    let end = i;
    if (toks[i + 1]?.text === "(" && defs.some((d) => d.params !== null)) {
      const parsed = parseCallArgs(toks, i + 1);
      if (parsed) {
        m = defs.find((d) => d.params !== null && (d.params.length === parsed.args.length || (d.params.length === 0 && parsed.args.length === 1 && parsed.args[0].length === 0)));
        if (m) {
          args = parsed.args;
          end = parsed.end;
        }
      }
    }
    if (!m) m = defs.find((d) => d.params === null);
    if (!m || active.has(m)) {
      out.push(t);
      continue;
    }
    if (++budget.n > MAX_EXPANSIONS) throw new Error("single-line macros expand too many times (recursion?)");
    const body: Token[] = [];
    for (const b of m.body) {
      const k = m.params ? m.params.indexOf(b.text) : -1;
      if (k >= 0 && b.kind === "id") {
        const a = args[k] ?? [];
        a.forEach((x, n) => body.push(n === 0 ? { ...x, ws: b.ws } : x));
      } else body.push(b);
    }
    if (body.length) body[0] = { ...body[0], ws: t.ws };
    const next = new Set(active);
    next.add(m);
    out.push(...expand(body, env, next, budget));
    i = end;
  }
  return out;
}

/** The arguments of NAME(a, b): split at top-level commas; parentheses and braces nest. */
function parseCallArgs(toks: readonly Token[], open: number): { args: Token[][]; end: number } | null {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let j = open + 1; j < toks.length; j++) {
    const t = toks[j];
    if (t.kind === "op" && (t.text === "(" || t.text === "{")) depth++;
    if (t.kind === "op" && (t.text === ")" || t.text === "}")) {
      if (depth === 0 && t.text === ")") {
        args.push(cur);
        return { args: args.map(stripBraces), end: j };
      }
      depth--;
    }
    if (t.kind === "op" && t.text === "," && depth === 0) {
      args.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  return null;
}

function stripBraces(a: Token[]): Token[] {
  if (a.length >= 2 && a[0].text === "{" && a[a.length - 1].text === "}") return a.slice(1, -1);
  return a;
}
