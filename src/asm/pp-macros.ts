/**
 * The preprocessor's macros (NASM manual chapter 4): single-line macros (%define, %assign, ...) and
 * multi-line macros (%macro), their argument lists, and the substitution of %1..%n, %0, %{n}, %%name
 * in a multi-line macro's body.
 */
import { detokenize, tokenize, type Token } from "./lexer";

/** A single-line macro: %define NAME(params) body. */
export interface SMacro {
  name: string;
  /** null: no parameter list (NAME); [] : an empty one (NAME()). */
  params: string[] | null;
  body: Token[];
  caseInsensitive: boolean;
}

/** A multi-line macro: %macro NAME min[-max][+] defaults... / body / %endmacro. */
export interface MMacro {
  name: string;
  caseInsensitive: boolean;
  min: number;
  max: number; // Infinity for "-*"
  greedy: boolean;
  defaults: string[];
  body: BodyLine[];
}

/** A line of a macro or %rep body, with where it was written (for listings and messages). */
export interface BodyLine {
  text: string;
  file: string;
  line: number;
}

/** A running expansion of a multi-line macro: its (rotatable) parameters and %% label id. */
export interface MacroCall {
  macro: MMacro;
  params: string[];
  /** Number of parameters given in the call (%0). */
  count: number;
  /** Unique id for %%labels: %%x becomes ..@id.x */
  id: number;
}

/**
 * Splits a macro call's arguments at top-level commas. Braces group an argument (and are removed);
 * strings keep their commas. With `greedy`, everything from argument `max` on is one argument.
 */
export function splitArgs(toks: readonly Token[], max: number, greedy: boolean): string[] {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  let started = false;
  for (const t of toks) {
    if (t.kind === "op" && t.text === "," && depth === 0 && !(greedy && args.length === max - 1)) {
      args.push(cur);
      cur = [];
      started = true;
      continue;
    }
    if (t.kind === "op" && t.text === "{") depth++;
    if (t.kind === "op" && t.text === "}") depth--;
    cur.push(t);
    started = true;
  }
  if (started) args.push(cur);
  return args.map((a) => {
    let list = a;
    // A braced argument {a, b} is passed without its braces.
    if (list.length >= 2 && list[0].text === "{" && list[list.length - 1].text === "}") list = list.slice(1, -1);
    return detokenize(list.map((t, i) => (i === 0 ? { ...t, ws: false } : t))).trim();
  });
}

/**
 * Substitutes a macro call's parameters into one body line: %1..%n, %{n}, %{-n}, %0, %%name, %-n
 * (negative indices count from the end). Strings are left alone. The result is re-tokenized by the
 * caller, so `c_%1` pastes into one identifier, as in NASM.
 */
export function substituteParams(text: string, call: MacroCall): string {
  const toks = tokenize(text);
  if (!toks.some((t) => t.kind === "pp")) return text;
  let out = "";
  let first = true;
  for (const t of toks) {
    if (t.ws && !first) out += " ";
    first = false;
    if (t.kind !== "pp") {
      out += t.text;
      continue;
    }
    out += substituteOne(t.text, call) ?? t.text;
  }
  return out;
}

function param(call: MacroCall, n: number): string {
  if (n < 0) n = call.params.length + 1 + n;
  if (n === 0) return String(call.count);
  return call.params[n - 1] ?? "";
}

function substituteOne(tok: string, call: MacroCall): string | null {
  let m = /^%(-?\d+)$/.exec(tok);
  if (m) return tok === "%00" ? "" : param(call, Number(m[1]));
  m = /^%\{(-?\d+)(?::(-?\d+))?\}$/.exec(tok);
  if (m) {
    if (m[2] === undefined) return param(call, Number(m[1]));
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    const list: string[] = [];
    for (let i = lo; lo <= hi ? i <= hi : i >= hi; i += lo <= hi ? 1 : -1) list.push(param(call, i));
    return list.join(",");
  }
  if (tok.startsWith("%%") && tok.length > 2) return `..@${call.id}.${tok.slice(2)}`;
  return null;
}

/** Parses "%macro NAME spec defaults..." arguments: the parameter count spec and its defaults. */
export function parseMacroSpec(toks: readonly Token[]): { name: string; min: number; max: number; greedy: boolean; defaults: string[] } | string {
  if (toks.length === 0 || toks[0].kind !== "id") return "`%macro' expects a macro name";
  const name = toks[0].text;
  let i = 1;
  const spec: string[] = [];
  // The count spec: N, N-M, N-*, with an optional + and .nolist, written without spaces between.
  while (i < toks.length && (spec.length === 0 || !toks[i].ws)) {
    spec.push(toks[i].text);
    i++;
  }
  const text = spec.join("").replace(/\.nolist$/i, "");
  const m = /^(\d+)(?:-(\d+|\*))?(\+)?$/.exec(text);
  if (!m) return `invalid parameter count "${text}" in %macro ${name}`;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[2] === "*" ? Infinity : Number(m[2]);
  if (max < min) return `invalid parameter count "${text}" in %macro ${name}`;
  const defaults = i < toks.length ? splitArgs(toks.slice(i), Infinity, false) : [];
  return { name, min, max, greedy: m[3] === "+", defaults };
}
