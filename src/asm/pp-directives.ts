/**
 * Preprocessor directives that only read their arguments and define macros: the %if family's tests,
 * %define/%xdefine/%idefine, and the string functions %strcat/%strlen/%substr (NASM manual §4.1,
 * §4.2, §4.4). Split from preprocessor.ts, which keeps the line flow and the stateful directives.
 */
import { quoteString, stringBytes, tokenize, type Token } from "./lexer";
import { expandLine } from "./pp-expand";
import type { Preprocessor } from "./preprocessor";

/** The test of %if<kind> (without its "n" or "el"). */
export function testCondition(pp: Preprocessor, kind: string, args: Token[]): boolean {
  switch (kind) {
    case "": {
      const v = pp.evalTokens(args, "%if");
      return v !== null && v !== 0n;
    }
    case "def":
      return args.length > 0 && pp.isDefined(args[0].text);
    case "macro":
      return args.length > 0 && pp.findMacro(args[0].text) !== undefined;
    case "ctx":
      return pp.contexts.length > 0 && args.some((t) => t.text === pp.contexts[pp.contexts.length - 1].name);
    case "idn": case "idni": {
      const ex = expandLine(args, pp);
      if (typeof ex === "string") {
        pp.err(ex);
        return false;
      }
      const comma = ex.findIndex((t) => t.kind === "op" && t.text === ",");
      if (comma < 0) {
        pp.err(`\`%if${kind}' expects two comma-separated arguments`);
        return false;
      }
      const a = ex.slice(0, comma).map((t) => t.text).join("");
      const b = ex.slice(comma + 1).map((t) => t.text).join("");
      return kind === "idn" ? a === b : a.toLowerCase() === b.toLowerCase();
    }
    default: {
      const ex = expandLine(args, pp);
      if (typeof ex === "string") return false;
      const t = ex[0];
      if (kind === "empty") return ex.length === 0;
      if (kind === "token") return ex.length === 1;
      if (kind === "num") return t !== undefined && t.kind === "num";
      if (kind === "str") return t !== undefined && t.kind === "str";
      if (kind === "id") return t !== undefined && t.kind === "id";
      return false;
    }
  }
}

/** %define NAME body, %define NAME(a, b) body; %xdefine expands the body now. */
export function defineSMacro(pp: Preprocessor, args: Token[], expandNow: boolean, caseInsensitive: boolean): void {
  const name = args[0];
  if (!name || (name.kind !== "id" && name.kind !== "pp")) {
    pp.err("`%define' expects a macro name");
    return;
  }
  let i = 1;
  let params: string[] | null = null;
  if (args[1] && args[1].text === "(" && !args[1].ws) {
    params = [];
    i = 2;
    while (i < args.length && args[i].text !== ")") {
      if (args[i].kind === "id") params.push(args[i].text);
      i++;
    }
    i++;
  }
  let body = args.slice(i);
  if (expandNow) {
    const ex = expandLine(body, pp);
    if (typeof ex === "string") {
      pp.err(ex);
      return;
    }
    body = ex;
  }
  if (body.length) body = [{ ...body[0], ws: false }, ...body.slice(1)];
  pp.setSMacro(name.text, params, body, caseInsensitive);
}

/** %strcat NAME "a", "b" ...; %strlen NAME "s"; %substr NAME "s" start[, length]. */
export function stringFunction(pp: Preprocessor, d: string, args: Token[]): void {
  const name = args[0];
  if (!name || name.kind !== "id") {
    pp.err(`\`%${d}' expects a macro name`);
    return;
  }
  const ex = expandLine(args.slice(1), pp);
  if (typeof ex === "string") {
    pp.err(ex);
    return;
  }
  const parts = ex.filter((t) => !(t.kind === "op" && t.text === ","));
  const strs: string[] = [];
  for (const t of parts) {
    if (t.kind !== "str") {
      if (d === "substr" && t.kind === "num") continue;
      pp.err(`\`%${d}': ${t.text} is not a string`);
      return;
    }
    const b = stringBytes(t.text);
    strs.push(typeof b === "string" ? "" : String.fromCharCode(...b));
  }
  if (d === "strcat") pp.setSMacro(name.text, null, [{ kind: "str", text: quoteString(strs.join("")), ws: false }], false);
  else if (d === "strlen") pp.setSMacro(name.text, null, tokenize(String(strs[0]?.length ?? 0)), false);
  else {
    const nums = parts.filter((t) => t.kind === "num").map((t) => Number(t.text));
    const s = strs[0] ?? "";
    const start = (nums[0] ?? 1) - 1;
    const len = nums[1] ?? 1;
    const end = len < 0 ? s.length + len + 1 : start + len;
    pp.setSMacro(name.text, null, [{ kind: "str", text: quoteString(s.slice(start, end)), ws: false }], false);
  }
}
