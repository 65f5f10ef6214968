import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { instructionNames } from "../../asm";
import { directiveDoc, documentedMnemonics, instructionDoc, instructionFamily, registerDoc, REGISTER_NAMES } from "./instruction-docs";
import { stripComment } from "./boot-method";

const guestDir = join(__dirname, "..", "..", "..", "guests");
const PREFIXES = new Set(["rep", "repe", "repz", "repne", "repnz", "lock", "o16", "o32", "a16", "a32"]);

/** The mnemonics the gallery guests use (guests/*.asm and their includes): the first word of each statement. */
function guestMnemonics(): Set<string> {
  const known = new Set(instructionNames());
  const files = [
    ...readdirSync(guestDir).filter((f) => f.endsWith(".asm")).map((f) => join(guestDir, f)),
    ...readdirSync(join(guestDir, "include")).map((f) => join(guestDir, "include", f)),
  ];
  const used = new Set<string>();
  for (const file of files) {
    for (const raw of readFileSync(file, "utf8").split("\n")) {
      const words = stripComment(raw).replace(/^\s*[\w.$@?]+:/, "").trim().split(/[\s,]+/).map((w) => w.toLowerCase());
      let i = 0;
      while (PREFIXES.has(words[i])) used.add(words[i++]);
      if (known.has(words[i])) used.add(words[i]);
    }
  }
  return used;
}

describe("instruction docs", () => {
  it("cover every mnemonic the gallery guests use", () => {
    const used = guestMnemonics();
    expect(used.size).toBeGreaterThan(100);
    const documented = new Set(documentedMnemonics());
    const missing = [...used].filter((m) => !PREFIXES.has(m) && !documented.has(m));
    expect(missing).toEqual([]);
  });

  it("give every mnemonic the assembler accepts a line of its own", () => {
    const documented = new Set(documentedMnemonics());
    expect(instructionNames().filter((m) => !documented.has(m))).toEqual([]);
    expect(documented.size).toBeGreaterThan(500);
  });

  it("describe instructions, condition families and SSE kinds", () => {
    expect(instructionDoc("MOV")).toMatch(/^Move/);
    expect(instructionDoc("jnz")).toBe("Jump if not zero (ZF = 0)");
    expect(instructionDoc("cmovge")).toMatch(/^Move if greater or equal/);
    expect(instructionDoc("setb")).toMatch(/CF = 1/);
    expect(instructionDoc("addps")).toBe("SSE: add packed singles (4 x float32)");
    expect(instructionDoc("sqrtsd")).toMatch(/^SSE2: square root of the scalar double/);
    expect(instructionDoc("loopnz")).toBe(instructionDoc("loopne"));
    expect(instructionDoc("out")).toMatch(/VM exit/);
    // Unknown: a family when the name tells it, else nothing.
    expect(instructionFamily("fcomx")).toMatch(/x87/);
    expect(instructionDoc("vaddps")).toMatch(/SSE/);
    expect(instructionDoc("zork")).toBeNull();
  });

  it("describe registers and directives", () => {
    expect(registerDoc("CR3")).toMatch(/page-directory/);
    expect(registerDoc("eax")).toMatch(/low 32 bits of RAX/);
    expect(registerDoc("ah")).toMatch(/High byte of AX/);
    expect(registerDoc("r10d")).toBe("Low 32 bits of R10");
    expect(registerDoc("xmm15")).toMatch(/64-bit mode only/);
    expect(registerDoc("sil")).toMatch(/low byte/);
    expect(registerDoc("nope")).toBeNull();
    expect(REGISTER_NAMES).toContain("cr0");
    expect(directiveDoc("TIMES")).toMatch(/Repeat/);
    expect(directiveDoc("org")).toMatch(/address/);
  });
});
