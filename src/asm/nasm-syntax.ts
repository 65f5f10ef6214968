/**
 * NASM's spellings that iced's tables do not have: mnemonic aliases (JZ for JE, SAL for SHL, ...),
 * mnemonics that fix the operand size (PUSHFW, IRETD, RETNQ, ...), and operand forms NASM accepts
 * beyond the SDM's (FADD ST1 for FADD ST0,ST1, FADD alone for FADDP ST1,ST0, TEST reg,mem, XCHG in
 * either order, IMUL reg,imm, AAM without an operand, LOOP label,ECX). Each rewrite ends in a form
 * of the table, so the bytes still come from it. NASM manual appendix B and insns.dat describe them.
 */
import type { Operand } from "./parser";
import { register } from "./registers";

const CC: Record<string, string> = {
  c: "b", nae: "b", nc: "ae", nb: "ae", z: "e", nz: "ne", na: "be", nbe: "a",
  pe: "p", po: "np", nge: "l", nl: "ge", ng: "le", nle: "g",
};

export const ALIASES: Record<string, string> = {
  sal: "shl", xlat: "xlatb", icebp: "int1", int01: "int1", retn: "ret", loopz: "loope", loopnz: "loopne",
  fwait: "wait",
};
for (const [alias, cc] of Object.entries(CC)) {
  ALIASES[`j${alias}`] = `j${cc}`;
  ALIASES[`set${alias}`] = `set${cc}`;
  ALIASES[`cmov${alias}`] = `cmov${cc}`;
}

/** Mnemonics that are another one at a fixed operand size. */
export const SIZED: Record<string, [string, 16 | 32 | 64]> = {
  pushfw: ["pushf", 16], pushfd: ["pushf", 32], pushfq: ["pushf", 64],
  popfw: ["popf", 16], popfd: ["popf", 32], popfq: ["popf", 64],
  pushaw: ["pusha", 16], pushad: ["pusha", 32], popaw: ["popa", 16], popad: ["popa", 32],
  iretw: ["iret", 16], iretd: ["iret", 32], iretq: ["iret", 64],
  retnw: ["ret", 16], retnd: ["ret", 32], retnq: ["ret", 64], retw: ["ret", 16], retd: ["ret", 32], retq: ["ret", 64],
  retfw: ["retf", 16], retfd: ["retf", 32], retfq: ["retf", 64],
};

const X87_ARITH = new Set(["fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"]);
const X87_POP = new Set(["faddp", "fmulp", "fsubp", "fsubrp", "fdivp", "fdivrp"]);
const X87_CMP1 = new Set(["fcom", "fcomp", "fucom", "fucomp"]);
const X87_ST0_STI = new Set(["fcomi", "fcomip", "fucomi", "fucomip", "fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"]);

const st = (n: number): Operand => ({ t: "reg", reg: register(`st${n}`)! });
const isReg = (o: Operand | undefined, cls?: string): boolean => o !== undefined && o.t === "reg" && (cls === undefined || o.reg.cls === cls);

export interface Rewritten {
  mnemonic: string;
  operands: Operand[];
  /** Operand size fixed by the mnemonic (PUSHFW ...). */
  osize: number;
  /** Address size fixed by LOOP's / JCXZ's count register operand. */
  asize: number;
}

/** Applies NASM's aliases and operand rewrites; the result is looked up in the table. */
export function rewrite(mnemonic: string, operands: Operand[]): Rewritten {
  let m = ALIASES[mnemonic] ?? mnemonic;
  let ops = operands;
  let osize = 0;
  let asize = 0;
  const sized = SIZED[m];
  if (sized) [m, osize] = sized;

  if (X87_ARITH.has(m)) {
    if (ops.length === 0) return { mnemonic: `${m}p`, operands: [st(1), st(0)], osize, asize };
    // FADD ST1 is ST0 += ST1; FADD TO ST1 is ST1 += ST0.
    if (ops.length === 1 && ops[0].t === "imm" && ops[0].to && ops[0].expr.k === "reg") ops = [{ t: "reg", reg: ops[0].expr.reg }, st(0)];
    else if (ops.length === 1 && isReg(ops[0], "st")) ops = [st(0), ops[0]];
  } else if (X87_POP.has(m)) {
    if (ops.length === 0) ops = [st(1), st(0)];
    else if (ops.length === 1 && isReg(ops[0], "st")) ops = [ops[0], st(0)];
  } else if (X87_CMP1.has(m)) {
    if (ops.length === 0) ops = [st(0), st(1)];
    else if (ops.length === 1 && isReg(ops[0], "st")) ops = [st(0), ops[0]];
  } else if (X87_ST0_STI.has(m)) {
    if (ops.length === 1 && isReg(ops[0], "st")) ops = [st(0), ops[0]];
  } else if (m === "fxch") {
    if (ops.length === 0) ops = [st(0), st(1)];
    else if (ops.length === 1 && isReg(ops[0], "st")) ops = [st(0), ops[0]];
    else if (ops.length === 2 && ops[1].t === "reg" && ops[1].reg.name === "st0" && isReg(ops[0], "st")) ops = [st(0), ops[0]];
  } else if (m === "test") {
    if (ops.length === 2 && ops[0].t === "reg" && ops[1].t === "mem") ops = [ops[1], ops[0]];
  } else if (m === "xchg" && ops.length === 2) {
    // The accumulator forms are "XCHG reg, rAX" (90+r) in the table: XCHG EAX,ECX and XCHG ECX,EAX
    // are both 91. Otherwise NASM puts the first register in ModRM.reg: XCHG ECX,EBX is 87 CB.
    const [a, b] = ops;
    const acc = (o: Operand) => o.t === "reg" && /^(ax|eax|rax)$/.test(o.reg.name);
    if (a.t === "reg" && b.t === "reg" && acc(a) && !acc(b) && a.reg.size === b.reg.size) ops = [b, a];
    else if (a.t === "reg" && b.t === "reg" && acc(b) && a.reg.size === b.reg.size) ops = [a, b];
    else if (a.t === "reg" && (b.t === "reg" || b.t === "mem")) ops = [b, a];
  } else if (m === "imul") {
    if (ops.length === 2 && ops[0].t === "reg" && (ops[1].t === "imm" || ops[1].t === "farptr")) ops = [ops[0], ops[0], ops[1]];
  } else if (m === "aam" || m === "aad") {
    if (ops.length === 0) ops = [{ t: "imm", expr: { k: "num", v: 10n }, size: 0, strict: false, short: false, near: false, far: false, to: false }];
  } else if (/^(loop|loope|loopne|jcxz|jecxz|jrcxz)$/.test(m)) {
    const last = ops[ops.length - 1];
    if (ops.length === 2 && last.t === "reg" && /^(cx|ecx|rcx)$/.test(last.reg.name)) {
      asize = last.reg.size * 8;
      ops = ops.slice(0, 1);
    }
  } else if (m === "movsx" && ops.length === 2 && isReg(ops[0], "gpr64") && (isReg(ops[1], "gpr32") || (ops[1].t === "mem" && ops[1].size === 4))) {
    m = "movsxd";
  }
  return { mnemonic: m, operands: ops, osize, asize };
}

/** Every spelling the assembler accepts as an instruction, besides the table's mnemonics. */
export function extraMnemonics(): string[] {
  return [...Object.keys(ALIASES), ...Object.keys(SIZED)];
}
