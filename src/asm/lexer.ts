/**
 * NASM's tokens, shared by the preprocessor and the assembler (NASM manual §3.1-3.4: identifiers,
 * numbers, character strings, operators). The preprocessor needs to know where whitespace was, since
 * NASM pastes adjacent tokens (`t_%[n]`), so every token records whether space preceded it.
 */

export type TokKind =
  | "id" // identifier, register, keyword, mnemonic: letters, digits and _ $ # @ ~ . ?
  | "num" // a number as written (integer or float)
  | "str" // a quoted string, quotes included
  | "op" // an operator or punctuation
  | "pp"; // a preprocessor token: %1 %+ %%x %$x %[ %{ %0 ... (the preprocessor handles it)

export interface Token {
  kind: TokKind;
  text: string;
  /** Whitespace came before this token. */
  ws: boolean;
}

const OPS = ["<<<", ">>>", "<=>", "<<", ">>", "//", "%%", "==", "!=", "<>", "<=", ">=", "&&", "||", "^^"];

function isIdStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "." || c === "?" || c === "@";
}
function isIdChar(c: string): boolean {
  return isIdStart(c) || (c >= "0" && c <= "9") || c === "$" || c === "#" || c === "~";
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Index just past the string starting at `i` (a quote), or -1 when it is not closed on the line. */
export function skipString(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (q === "`" && c === "\\") {
      j += 2;
      continue;
    }
    if (c === q) return j + 1;
    j++;
  }
  return -1;
}

/** The end of a number token starting at `i`: NASM reads letters, digits, `_`, `.` and an exponent's sign. */
function skipNumber(s: string, i: number): number {
  let j = i;
  if (s[j] === "$") j++;
  const hex = /^(0[xh]|\$)/i.test(s.slice(i, i + 2));
  while (j < s.length) {
    const c = s[j];
    if (isDigit(c) || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === ".") {
      j++;
      continue;
    }
    // 1.5e+10, 0x1.8p-3: a sign right after the exponent letter belongs to the number.
    if ((c === "+" || c === "-") && j > i) {
      const p = s[j - 1].toLowerCase();
      if (p === "p" || (p === "e" && !hex)) {
        j++;
        continue;
      }
    }
    break;
  }
  return j;
}

/**
 * Splits one line (without its comment) into tokens. Unclosed strings become a `str` token up to the
 * end of the line; the caller reports them.
 */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let ws = false;
  const n = line.length;
  while (i < n) {
    const c = line[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      ws = true;
      i++;
      continue;
    }
    if (c === ";") break;
    let j: number;
    let kind: TokKind;
    if (c === "'" || c === '"' || c === "`") {
      j = skipString(line, i);
      if (j < 0) j = n;
      kind = "str";
    } else if (isDigit(c) || (c === "$" && isDigit(line[i + 1] ?? ""))) {
      j = skipNumber(line, i);
      kind = "num";
    } else if ((isIdStart(c) && !(c === "?" && !isIdChar(line[i + 1] ?? ""))) || (c === "$" && isIdStart(line[i + 1] ?? ""))) {
      // (A lone "?" is the operator of ?: and DB's uninitialised value, not an identifier.)
      j = i + 1;
      while (j < n && isIdChar(line[j])) j++;
      kind = "id";
    } else if (c === "%") {
      j = ppTokenEnd(line, i);
      kind = "pp";
      if (j === i + 1) {
        // The modulo operators % and %% (a %% not followed by a name).
        j = line[i + 1] === "%" ? i + 2 : i + 1;
        kind = "op";
      }
    } else if (c === "$") {
      j = line[i + 1] === "$" ? i + 2 : i + 1;
      kind = "id";
    } else {
      const op = OPS.find((o) => line.startsWith(o, i));
      j = i + (op ? op.length : 1);
      kind = "op";
    }
    out.push({ kind, text: line.slice(i, j), ws });
    ws = false;
    i = j;
  }
  return out;
}

/**
 * The end of a `%` construct: %1 %-1 %0 %00 %+ %? %?? %* %%name %$name %$$name %[ %{...} %!name
 * %name (directives and context names). A lone `%` (the modulo operator) ends at once.
 */
function ppTokenEnd(s: string, i: number): number {
  const c = s[i + 1] ?? "";
  if (c === "+" || c === "[" || c === "*") return i + 2;
  if (c === "?") return s[i + 2] === "?" ? i + 3 : i + 2;
  if (c === "{") {
    const close = s.indexOf("}", i + 2);
    return close < 0 ? s.length : close + 1;
  }
  if (isDigit(c) || (c === "-" && isDigit(s[i + 2] ?? ""))) {
    let j = i + 2;
    while (j < s.length && isDigit(s[j])) j++;
    return j;
  }
  let j: number;
  if (c === "%") {
    if (!isIdStart(s[i + 2] ?? "")) return i + 1;
    j = i + 2;
  } else if (c === "$") {
    j = i + 2;
    while (s[j] === "$") j++;
  } else if (c === "!") {
    j = i + 2;
  } else if (isIdStart(c)) {
    j = i + 2;
  } else {
    return i + 1;
  }
  while (j < s.length && isIdChar(s[j])) j++;
  return j;
}

/** Text of a token list, spaced as written. */
export function detokenize(tokens: readonly Token[]): string {
  let s = "";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.ws && i > 0) s += " ";
    s += t.text;
  }
  return s;
}

/**
 * The contents of a quoted string as bytes (NASM §3.4.2): '...' and "..." verbatim, `...` with C-style
 * escapes (\n \t \xHH \377 \u1234 ...; \u and \U become UTF-8). Text is UTF-8 encoded.
 */
export function stringBytes(quoted: string): number[] | string {
  const q = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) return "unterminated string";
  const body = quoted.slice(1, -1);
  if (q !== "`") return utf8(body);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      out.push(...utf8(c));
      continue;
    }
    const e = body[++i];
    const simple: Record<string, number> = { "'": 0x27, '"': 0x22, "`": 0x60, "\\": 0x5c, "?": 0x3f, a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, e: 27 };
    if (e in simple) out.push(simple[e]);
    else if (e >= "0" && e <= "7") {
      let v = 0;
      let k = 0;
      while (k < 3 && i < body.length && body[i] >= "0" && body[i] <= "7") v = v * 8 + Number(body[i++]), k++;
      i--;
      out.push(v & 0xff);
    } else if (e === "x") {
      let v = 0;
      let k = 0;
      while (k < 2 && /[0-9a-f]/i.test(body[i + 1] ?? "")) v = v * 16 + parseInt(body[++i], 16), k++;
      out.push(v);
    } else if (e === "u" || e === "U") {
      const len = e === "u" ? 4 : 8;
      let v = 0;
      let k = 0;
      while (k < len && /[0-9a-f]/i.test(body[i + 1] ?? "")) v = v * 16 + parseInt(body[++i], 16), k++;
      out.push(...utf8(String.fromCodePoint(Math.min(v, 0x10ffff))));
    } else if (e === undefined) out.push(0x5c);
    else out.push(...utf8(e));
  }
  return out;
}

function utf8(s: string): number[] {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
  if (ascii) {
    const out = new Array<number>(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return Array.from(new TextEncoder().encode(s));
}

/** A NASM string literal holding `bytes` (for %defstr and %strcat results). */
export function quoteString(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return "`" + text.replace(/[\\`]/g, (m) => "\\" + m) + "`";
}
