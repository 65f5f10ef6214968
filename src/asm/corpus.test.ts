/**
 * Oracle test 2: a corpus of single instructions in 16-, 32- and 64-bit mode (testing/corpus.ts:
 * every legacy form of the CPU's ISA from iced's tables, operands varied one at a time, plus NASM's
 * own spellings), assembled by NASM and by us. For every line: the same bytes, or we report an
 * error. Lines NASM rejects must be rejected by us too; lines NASM accepts and we reject are listed
 * in UNSUPPORTED below, with the reason, so the list cannot grow unnoticed.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "./index";
import { allMnemonics } from "./table";
import { corpusLines } from "./testing/corpus";
import { nasmPerLine } from "./testing/nasm-oracle";

/** Accepted by NASM, rejected by us on purpose — each with its reason. */
const UNSUPPORTED: { pattern: RegExp; why: string }[] = [
  { pattern: /^pextrw \w+, xmm\d+, byte /, why: "PEXTRW r,xmm,BYTE imm is SSE4.1's 66 0F 3A 15 in NASM; the CPU has SSE2's 66 0F C5 only" },
  { pattern: / <=> /, why: "NASM 2.16 parses <=> but evaluates it wrongly ((2 <=> 3) + 10 is 0)" },
];

describe("single instructions: NASM's bytes or an error", () => {
  it("the corpus uses every mnemonic of our table", () => {
    const words = new Set<string>();
    for (const bits of [16, 32, 64] as const) for (const l of corpusLines(bits)) for (const w of l.split(/[\s,]+/)) words.add(w.toLowerCase());
    expect(allMnemonics().filter((m) => !words.has(m))).toEqual([]);
  });
  for (const bits of [16, 32, 64] as const) {
    it(`${bits}-bit mode`, () => {
      const lines = corpusLines(bits);
      const source = [`bits ${bits}`, ...lines].join("\n");
      const nasm = nasmPerLine(source);
      const r = assemble(source, { bits });
      const ours = new Map<number, string>();
      for (const l of r.listing) if (l.bytes.length) ours.set(l.line, (ours.get(l.line) ?? "") + Buffer.from(l.bytes).toString("hex"));
      const ourErrors = new Set(r.errors.map((e) => e.line));
      let same = 0;
      let bothReject = 0;
      const different: string[] = [];
      const weAccept: string[] = [];
      const weReject: string[] = [];
      lines.forEach((text, i) => {
        const n = i + 2;
        const theirs = nasm.errors.get(n);
        if (theirs !== undefined && ourErrors.has(n)) bothReject++;
        else if (theirs !== undefined) weAccept.push(`${text}: ours ${ours.get(n) ?? "(nothing)"}, NASM: ${theirs}`);
        else if (ourErrors.has(n)) weReject.push(text);
        else if ((ours.get(n) ?? "") === (nasm.bytes.get(n) ?? "")) same++;
        else different.push(`${text}: ours ${ours.get(n)}, NASM ${nasm.bytes.get(n)}`);
      });
      console.log(`${bits}-bit: ${lines.length} lines; ${same} identical, ${bothReject} rejected by both, ${weReject.length} NASM accepts and we reject`);
      expect(different).toEqual([]);
      expect(weAccept).toEqual([]);
      expect(weReject.filter((l) => !UNSUPPORTED.some((u) => u.pattern.test(l)))).toEqual([]);
      expect(same).toBeGreaterThan(lines.length * 0.85);
    });
  }
});
