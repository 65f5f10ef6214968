/**
 * Part of scripts/gen-asm-table.ts: asks NASM which spellings of each form it accepts.
 *
 * iced says what the CPU encodes; it cannot say what NASM's parser takes, and NASM is the language
 * we promise. NASM's insns.dat decides per template whether a size keyword may be written on an
 * operand (PSHUFW mm0, QWORD [x] is "mismatch in operand sizes", MOVLPS xmm0, QWORD [x] is fine),
 * whether SHORT may precede a LOOP target (it may not), and which forms exist at all (NASM has no
 * MOVZX r16,r/m16 or BSWAP r16). So for every form and mode the generator writes one probe line per
 * question — the form with registers, each memory operand unsized and with BYTE..OWORD, each
 * immediate with BYTE..QWORD, each branch target with SHORT/NEAR/WORD/DWORD — assembles all of them
 * with NASM in one go, and records the answers in the table:
 *   - a form whose plain spelling NASM rejects in a mode loses that mode;
 *   - an operand token gets "{...}": the size keywords (in bytes) or branch keywords NASM accepts
 *     on it (an empty list: none).
 */
import { nasmPerLine } from "../src/asm/testing/nasm-oracle";

export interface ProbeRow {
  mnemonic: string;
  ops: string[];
  enc: string[];
  modes: number;
}

type Bits = 16 | 32 | 64;
const MEM: Record<Bits, string> = { 16: "[bx]", 32: "[ebx]", 64: "[rbx]" };
const SIZES: [number, string][] = [[1, "byte"], [2, "word"], [4, "dword"], [8, "qword"], [10, "tword"], [16, "oword"]];
const IMM: Record<string, string> = { i8: "0x12", s8: "1", one: "1", i16: "0x1234", i32: "0x12345678", s32: "0x1234567", i64: "0x123456789abcdef0" };
const REG: Record<string, string> = { r8: "dl", r16: "dx", r32: "edx", r64: "rdx", mm: "mm1", xmm: "xmm1", sreg: "es", cr: "cr0", dr: "dr1", sti: "st1" };
const RM_REG: Record<string, string> = { r8: "bl", r16: "bx", r32: "ebx", r64: "rbx", mm: "mm2", xmm: "xmm2" };

const isMemCapable = (t: string) => /\/m|^m\d*$|^mfar$|^moffs/.test(t);
const isImm = (t: string) => t in IMM;
const isRel = (t: string) => /^rel/.test(t);

/** The probe text for one operand: `mem` asks for the memory variant with an optional size keyword. */
function operand(t: string, bits: Bits, mem: string | null, keyword: string): string {
  const kw = keyword ? keyword + " " : "";
  let m: RegExpExecArray | null;
  if ((m = /^(r8|r16|r32|r64|mm|xmm)\/m\d*$/.exec(t))) return mem !== null ? `${kw}${MEM[bits]}` : RM_REG[m[1]];
  if (/^m\d*$/.test(t)) return `${kw}${MEM[bits]}`;
  if (t === "mfar") return `far ${kw}${MEM[bits]}`;
  if (/^moffs/.test(t)) return `${kw}[0x10]`;
  if ((m = /^(r8|r16|r32|r64|mm|xmm)r$/.exec(t))) return RM_REG[m[1]];
  if ((m = /^(r8|r16|r32|r64)o$/.exec(t))) return RM_REG[m[1]];
  if (t in REG) return REG[t];
  if (t in IMM) return `${kw}${IMM[t]}`;
  if (t === "rel8") return `${kw}$+0x10`;
  if (t === "rel16" || t === "rel32") return `${kw}$+0x1000`;
  if (t === "far16" || t === "far32") return `${kw}0x10:0x1234`;
  return t; // a fixed register
}

interface Question {
  row: ProbeRow;
  bits: Bits;
  /** -1: does the form exist; else the operand asked about. */
  op: number;
  answer: string;
  line: number;
}

export function probe(rows: ProbeRow[]): void {
  const modesSeen = new Map<ProbeRow, number>();
  const answers = new Map<ProbeRow, Set<string>[]>();
  for (const bits of [16, 32, 64] as const) {
    const bit = bits === 16 ? 1 : bits === 32 ? 2 : 4;
    const lines = [`bits ${bits}`];
    const questions: Question[] = [];
    const ask = (row: ProbeRow, op: number, answer: string, text: string) => {
      lines.push(text);
      questions.push({ row, bits, op, answer, line: lines.length });
    };
    for (const row of rows) {
      if (!(row.modes & bit)) continue;
      const spell = (mem: number, kwAt: number, kw: string) =>
        `${row.mnemonic} ${row.ops.map((t, i) => operand(t, bits, i === mem ? "" : null, i === kwAt ? kw : "")).join(", ")}`.trim();
      // Exists: registers where the operand allows them, unsized memory otherwise.
      ask(row, -1, "", spell(-1, -1, ""));
      row.ops.forEach((t, i) => {
        if (isMemCapable(t)) for (const [n, kw] of SIZES) ask(row, i, String(n), spell(i, i, kw));
        else if (isImm(t)) for (const [n, kw] of SIZES.slice(0, 4)) ask(row, i, String(n), spell(-1, i, kw));
        else if (isRel(t)) for (const kw of ["short", "near", "word", "dword", "qword"]) ask(row, i, kw === "word" ? "2" : kw === "dword" ? "4" : kw === "qword" ? "8" : kw, spell(-1, i, kw));
      });
    }
    const nasm = nasmPerLine(lines.join("\n"));
    for (const q of questions) {
      const ok = !nasm.errors.has(q.line);
      // A form exists when NASM takes its plain spelling — or, when all its memory operands are
      // memory-only (FLD m32), some sized spelling (an unsized one may just be ambiguous).
      const memOnly = q.row.ops.some((t) => /^m\d*$|^mfar$|^moffs/.test(t)) && !q.row.ops.some((t) => /\/m/.test(t));
      if ((q.op < 0 || (memOnly && isMemCapable(q.row.ops[q.op]))) && ok) modesSeen.set(q.row, (modesSeen.get(q.row) ?? 0) | bit);
      if (q.op < 0) continue;
      let list = answers.get(q.row);
      if (!list) answers.set(q.row, (list = q.row.ops.map(() => new Set<string>())));
      if (ok) list[q.op].add(q.answer);
    }
  }
  for (const row of rows) {
    row.modes &= modesSeen.get(row) ?? 0;
    const list = answers.get(row);
    row.ops = row.ops.map((t, i) => (isMemCapable(t) || isImm(t) || isRel(t) ? `${t}{${[...(list?.[i] ?? [])].join(" ")}}` : t));
  }
}
