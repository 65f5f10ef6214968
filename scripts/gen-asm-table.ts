#!/usr/bin/env -S npx tsx
/**
 * Writes src/asm/table.generated.ts, the assembler's instruction table, from iced-x86's opcode tables
 * (OpCodeInfo: mnemonic, operand kinds, opcode bytes, mandatory prefix, /digit, operand and address
 * size, modes). iced is a dev dependency that only runs in Node; the assembler must run in the
 * browser, small and fast, so the table is generated once and committed.
 *
 *   npx tsx scripts/gen-asm-table.ts
 *
 * Why iced rather than typing rows from the Intel SDM's opcode maps: iced's tables are machine-checked
 * against real decoders, carry every form with its operand kinds, and the same package is the
 * decoder oracle of src/x86, so the assembler and the CPU agree on what the ISA is. What iced cannot
 * say is what NASM's parser takes — which forms exist in each mode, which size keywords an operand
 * may carry — so asm-table-probe.ts asks NASM (needs `nasm`), and which of several encodings NASM
 * picks, which is the encoder's job (src/asm/encoder.ts). src/asm/corpus.test.ts checks both against
 * NASM over ~40 000 instructions.
 *
 * One row per instruction form: "mnemonic operands|encoding|modes" (format: src/asm/table.ts). The
 * output is deterministic: rerunning the script on the same iced and NASM gives the same file.
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { probe } from "./asm-table-probe";
import { Code, CodeExt, CpuidFeature, Decoder, DecoderOptions, EncodingKind, Instruction, MandatoryPrefix, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind as K, OpCodeTableKind } from "iced-x86";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The ISA of the playground's CPU (src/x86), as iced's CPUID feature names: the same set as
 * src/x86/disasm-corpus.ts ISA_FEATURES — general-purpose integer (8086 to 486, x86-64, CMOV,
 * CMPXCHG8B/16B, MOVBE, POPCNT, LZCNT, TZCNT), system, x87, FXSAVE, MMX, SSE, SSE2, SSE3, SSSE3.
 */
const ISA = new Set<number>([
  CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386, CpuidFeature.INTEL486,
  CpuidFeature.X64, CpuidFeature.CMOV, CpuidFeature.CX8, CpuidFeature.CMPXCHG16B, CpuidFeature.MOVBE,
  CpuidFeature.POPCNT, CpuidFeature.LZCNT, CpuidFeature.CPUID, CpuidFeature.MSR, CpuidFeature.TSC,
  CpuidFeature.RDTSCP, CpuidFeature.RDPMC, CpuidFeature.SEP, CpuidFeature.SYSCALL, CpuidFeature.SMAP,
  CpuidFeature.CLFSH, CpuidFeature.PAUSE, CpuidFeature.MULTIBYTENOP, CpuidFeature.FPU, CpuidFeature.FPU287,
  CpuidFeature.FPU387, CpuidFeature.FXSR, CpuidFeature.MMX, CpuidFeature.SSE, CpuidFeature.SSE2,
  CpuidFeature.SSE3, CpuidFeature.SSSE3,
]);
const ISA_CODES = new Set<number>([Code.Tzcnt_r16_rm16, Code.Tzcnt_r32_rm32, Code.Tzcnt_r64_rm64]);

/**
 * iced forms NASM never produces: the decoder's alternate encodings of the same instruction
 * (suffixes naming the opcode, e.g. Lfence_E9, Fxch_st0_sti_DDC8, Add_rm8_imm8_82, Test_rm8_imm8_F6r1),
 * SAL's /6 alias (NASM's SAL is SHL, /4), the reserved-NOP hint space (NASM: HINT_NOPn) and FSTP1.
 */
function excluded(name: string): boolean {
  return /_(?=[0-9A-F]*[A-F])[0-9A-F]{2,4}$|_82$|_F[67]r1$/.test(name) || /^(Sal_|Reservednop_|Fstpnce_)/.test(name);
}

/**
 * iced names some operand-size variants as mnemonics of their own; NASM has one mnemonic whose size
 * follows the mode (IRETD/PUSHAD/PUSHFD/... exist in NASM too, as fixed-size aliases: nasm-syntax.ts).
 */
const CANONICAL: Record<string, string> = {
  iretd: "iret", iretq: "iret", pushad: "pusha", popad: "popa", pushfd: "pushf", pushfq: "pushf",
  popfd: "popf", popfq: "popf", sysexitq: "sysexit", sysretq: "sysret",
};

/** Byte sizes NASM can name (BYTE WORD DWORD QWORD TWORD OWORD); other sizes are written unsized. */
const NAMEABLE = new Set([1, 2, 4, 8, 10, 16]);

function memToken(size: number): string {
  return NAMEABLE.has(size) ? `m${size * 8}` : "m";
}

function enumName(e: object, v: number): string {
  return (e as Record<number, string>)[v] ?? String(v);
}

const FIXED: Partial<Record<K, string>> = {
  [K.al]: "al", [K.ax]: "ax", [K.eax]: "eax", [K.rax]: "rax", [K.cl]: "cl", [K.dx]: "dx",
  [K.es]: "es", [K.cs]: "cs", [K.ss]: "ss", [K.ds]: "ds", [K.fs]: "fs", [K.gs]: "gs", [K.st0]: "st0",
};
/** Operands NASM never writes (the string instructions' and XLAT's memory, MASKMOVQ's rDI). */
const IMPLICIT = new Set<K>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);

/** Our operand token for iced's operand kind (the token language is documented in src/asm/table.ts). */
function operandToken(kind: K, memSize: number, memKind: MemorySize, mnemonic: string): string | null {
  const fixed = FIXED[kind];
  if (fixed) return fixed;
  const rm = (cls: string) => (memSize === 0 ? `${cls}/m` : `${cls}/${memToken(memSize)}`);
  switch (kind) {
    case K.r8_reg: return "r8";
    case K.r16_reg: return "r16";
    case K.r32_reg: return "r32";
    case K.r64_reg: return "r64";
    case K.r16_rm: return "r16r";
    case K.r32_rm: return "r32r";
    case K.r64_rm: return "r64r";
    case K.r8_opcode: return "r8o";
    case K.r16_opcode: return "r16o";
    case K.r32_opcode: return "r32o";
    case K.r64_opcode: return "r64o";
    case K.r8_or_mem: return rm("r8");
    case K.r16_or_mem: return rm("r16");
    case K.r32_or_mem: return rm("r32");
    case K.r64_or_mem: return rm("r64");
    case K.mm_reg: return "mm";
    case K.mm_rm: return "mmr";
    case K.mm_or_mem: return rm("mm");
    case K.xmm_reg: return "xmm";
    case K.xmm_rm: return "xmmr";
    case K.xmm_or_mem: return rm("xmm");
    case K.seg_reg: return "sreg";
    case K.cr_reg: return "cr";
    case K.dr_reg: return "dr";
    case K.sti_opcode: return "sti";
    case K.mem: {
      // JMP/CALL FAR [mem] need NASM's FAR keyword; LDS..LSS take the same pointer without it.
      const far = memKind === MemorySize.SegPtr16 || memKind === MemorySize.SegPtr32 || memKind === MemorySize.SegPtr64;
      if (far && (mnemonic === "jmp" || mnemonic === "call")) return "mfar";
      return memToken(memSize);
    }
    case K.mem_offs: return `moffs${memSize * 8}`;
    case K.imm8: return "i8";
    case K.imm16: return "i16";
    case K.imm32: return "i32";
    case K.imm64: return "i64";
    case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: return "s8";
    case K.imm32sex64: return "s32";
    case K.imm8_const_1: return "one";
    case K.br16_1: case K.br32_1: case K.br64_1: return "rel8";
    case K.br16_2: return "rel16";
    case K.br32_4: case K.br64_4: return "rel32";
    case K.farbr2_2: return "far16";
    case K.farbr4_2: return "far32";
    default: return null;
  }
}

/** The opcode bytes, map escape included, with the ModRM of an rm-group form (0F 01 D0) appended. */
function opcodeBytes(oc: ReturnType<typeof CodeExt.opCode>): number[] {
  const b: number[] = [];
  if (oc.table === OpCodeTableKind.T0F) b.push(0x0f);
  else if (oc.table === OpCodeTableKind.T0F38) b.push(0x0f, 0x38);
  else if (oc.table === OpCodeTableKind.T0F3A) b.push(0x0f, 0x3a);
  if (oc.opCodeLength === 2) b.push(oc.opCode >> 8);
  b.push(oc.opCode & 0xff);
  if (oc.isRmGroup) b.push(0xc0 | (oc.groupIndex << 3) | oc.rmGroupIndex);
  return b;
}

/**
 * Does the 64-bit form need REX.W, or is 64 its default operand size (PUSH, CALL, Jcc, ...)? Asked
 * of iced's decoder: the form's bytes without REX.W must decode to the same Code.
 */
function needsRexW(code: Code, oc: ReturnType<typeof CodeExt.opCode>, hasModrm: boolean, digit: number, plusReg: boolean): boolean {
  const bytes: number[] = [];
  if (oc.addressSize === 32) bytes.push(0x67);
  const mp = oc.mandatoryPrefix;
  if (mp === MandatoryPrefix.P66) bytes.push(0x66);
  else if (mp === MandatoryPrefix.PF3) bytes.push(0xf3);
  else if (mp === MandatoryPrefix.PF2) bytes.push(0xf2);
  const prefixLen = bytes.length;
  const opc = opcodeBytes(oc);
  // A register in the opcode is register 1 here: XCHG rAX, rAX (90) would decode as NOP.
  if (plusReg) opc[opc.length - 1] += 1;
  bytes.push(...opc);
  if (hasModrm) bytes.push(digit >= 0 ? (digit << 3) : 0); // mod 00, rm 000: [rax]; a register form decodes alike for this purpose
  bytes.push(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const decodes = (b: number[]) => {
    const d = new Decoder(64, new Uint8Array(b), DecoderOptions.None);
    const i = d.decode();
    const c = i.code;
    i.free();
    d.free();
    return c === code;
  };
  if (decodes(bytes)) return false;
  const withW = [...bytes.slice(0, prefixLen), 0x48, ...bytes.slice(prefixLen)];
  if (decodes(withW)) return true;
  // Register-only forms (mod = 11): retry with a register ModRM.
  if (hasModrm) {
    const reg = [...bytes];
    reg[prefixLen + opcodeBytes(oc).length] |= 0xc0;
    if (decodes(reg)) return false;
    const regW = [...reg.slice(0, prefixLen), 0x48, ...reg.slice(prefixLen)];
    if (decodes(regW)) return true;
  }
  throw new Error(`cannot tell REX.W for ${Code[code]}`);
}

interface Row {
  mnemonic: string;
  ops: string[];
  enc: string[];
  modes: number;
}

/**
 * Forms NASM has and iced does not: UD1 without operands (0F B9), LAR/LSL with a source register of
 * any size (NASM takes the register's number, so LAR EAX,AX is 0F 02 C0). Probing drops those NASM
 * does not accept in a mode.
 */
function extraRows(): Row[] {
  const rows: Row[] = [{ mnemonic: "ud1", ops: [], enc: ["0F", "B9"], modes: 7 }];
  for (const [m, op] of [["lar", "02"], ["lsl", "03"]]) {
    for (const [dst, pre, modes] of [["r16", "o16", 7], ["r32", "o32", 7], ["r64", "w", 4]] as const) {
      for (const src of ["r16r", "r32r", "r64r"]) rows.push({ mnemonic: m, ops: [dst, src], enc: [pre, "0F", op, "/r"], modes: src === "r64r" ? 4 : modes });
    }
  }
  return rows;
}

function main(): void {
  const rows: Row[] = [];
  const outside = new Map<string, string>(); // mnemonic → feature, for "not in the playground's CPU" errors
  const codeCount = Object.keys(Code).filter((k) => !Number.isNaN(Number(k))).length;
  for (let code = 1; code < codeCount; code++) {
    const oc = CodeExt.opCode(code);
    if (!oc.isInstruction || oc.encoding !== EncodingKind.Legacy) continue;
    const name = Code[code];
    const icedMnemonic = enumName(Mnemonic, oc.mnemonic).toLowerCase();
    const mnemonic = code === Code.Fnsetpm ? "fsetpm" : (CANONICAL[icedMnemonic] ?? icedMnemonic);
    const ins = Instruction.create(code);
    const features = Array.from(ins.cpuidFeatures());
    ins.free();
    const inIsa = oc.decoderOption === 0 && (ISA_CODES.has(code) || features.every((f) => ISA.has(f)));
    if (!inIsa) {
      if (oc.decoderOption === 0) outside.set(mnemonic, features.map((f) => enumName(CpuidFeature, f)).join("+"));
      continue;
    }
    if (excluded(name)) continue;
    // NASM's FSETPM is the 287's DB E4 without FWAIT (iced: FNSETPM; its FSETPM adds 9B).
    if (code === Code.Fsetpm) continue;

    const memSize = MemorySizeExt.size(oc.memorySize);
    const ops: string[] = [];
    let ok = true;
    // String instructions (and XLATB) take no operands in NASM: their registers are implicit too.
    const stringOp = Array.from({ length: oc.opCount }, (_, k) => oc.opKind(k)).some((kind) => IMPLICIT.has(kind)) && mnemonic !== "maskmovq" && mnemonic !== "maskmovdqu";
    for (let k = 0; k < oc.opCount; k++) {
      const kind = oc.opKind(k);
      if (IMPLICIT.has(kind) || (stringOp && FIXED[kind])) continue;
      const t = operandToken(kind, memSize, oc.memorySize, mnemonic);
      if (t === null) {
        ok = false;
        console.warn(`skipped ${name}: operand kind ${enumName(K, kind)}`);
        break;
      }
      ops.push(t);
    }
    if (!ok) continue;

    const enc: string[] = [];
    if (oc.fwait) enc.push("wait");
    const hasModrm = oc.isGroup || /\/r\b/.test(oc.opCodeString);
    const digit = oc.isGroup && !oc.isRmGroup ? oc.groupIndex : -1;
    const os = oc.operandSize;
    if (os === 16) enc.push("o16");
    else if (os === 32) enc.push("o32");
    const plusReg = ops.some((o) => /^r\d+o$|^sti$/.test(o));
    if (os === 64) enc.push(needsRexW(code, oc, hasModrm, digit, plusReg) ? "w" : "o64");
    if (oc.addressSize) enc.push(`a${oc.addressSize}`);
    const mp = oc.mandatoryPrefix;
    if (mp === MandatoryPrefix.P66) enc.push("p66");
    else if (mp === MandatoryPrefix.PF3) enc.push("pF3");
    else if (mp === MandatoryPrefix.PF2) enc.push("pF2");
    const bytes = opcodeBytes(oc).map((b) => b.toString(16).toUpperCase().padStart(2, "0"));
    if (plusReg) bytes[bytes.length - 1] += "+r";
    enc.push(...bytes);
    if (hasModrm && !oc.isRmGroup) enc.push(digit >= 0 ? `/${digit}` : "/r");
    let modes = (oc.isAvailableInMode(16) ? 1 : 0) | (oc.isAvailableInMode(32) ? 2 : 0) | (oc.isAvailableInMode(64) ? 4 : 0);
    // NASM quirks (checked against NASM by src/asm/corpus.test.ts):
    // - MOV Sreg,r/m never takes an operand-size prefix or REX.W (it has no operand size), and
    //   MOV r64,Sreg is written without REX.W (8C /r already zero-extends).
    if (mnemonic === "mov" && (ops[0] === "sreg" || (ops[1] === "sreg" && enc[0] === "w"))) enc.splice(0, 1);
    // - LTR, LLDT, VERR, VERW, LMSW take r/m16 only, with no operand size; SLDT r64 has no REX.W.
    if (/^(ltr|lldt|verr|verw|lmsw)$/.test(mnemonic)) {
      if (ops[0] !== "r16/m16") continue;
      if (enc[0] === "o16") enc.splice(0, 1);
    }
    if (mnemonic === "sldt" && enc[0] === "w") enc[0] = "o64";
    if (mnemonic === "arpl" && enc[0] === "o16") enc.splice(0, 1);
    // - no 16-bit branches in 64-bit mode ("instruction not supported in 64-bit mode");
    if (ops.some((o) => /^rel/.test(o)) && os === 16) modes &= ~4;
    if (modes === 0) continue;
    const key = `${mnemonic} ${ops.join(",")}|${enc.join(" ")}`;
    const same = rows.find((r) => `${r.mnemonic} ${r.ops.join(",")}|${r.enc.join(" ")}` === key);
    if (same) same.modes |= modes;
    else rows.push({ mnemonic, ops, enc, modes });
  }
  rows.push(...extraRows());
  probe(rows);
  // PEXTRW r32,xmm,BYTE imm: NASM takes SSE4.1's 66 0F 3A 15 form for it (outside our ISA), not 0F C5.
  for (const r of rows) if (r.mnemonic === "pextrw" && r.ops[1] === "xmmr") r.ops[2] = r.ops[2].replace(/\{.*\}/, "{}");

  // NASM lists FADD fpureg,fpu0 (DC) before FADD fpu0,fpureg (D8): FADD ST0,ST0 is DC C0.
  for (const m of ["fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"]) {
    const a = rows.findIndex((r) => r.mnemonic === m && r.ops.join(",") === "st0,sti");
    const b = rows.findIndex((r) => r.mnemonic === m && r.ops.join(",") === "sti,st0");
    if (a >= 0 && b > a) [rows[a], rows[b]] = [rows[b], rows[a]];
  }
  const out = [
    "// Generated by scripts/gen-asm-table.ts from iced-x86's opcode tables. Do not edit; rerun the script.",
    "// One instruction form per row: \"mnemonic operands|encoding|modes\" (format: src/asm/table.ts).",
    "",
    "export const FORMS: readonly string[] = [",
    ...rows.filter((r) => r.modes).map((r) => `  ${JSON.stringify(`${r.mnemonic} ${r.ops.join(",")}|${r.enc.join(" ")}|${r.modes}`)},`),
    "];",
    "",
    "/** Legacy-encoded instructions of other extensions, by feature: known to NASM, not to the playground's CPU. */",
    "export const OUTSIDE_ISA: Readonly<Record<string, string>> = {",
    ...[...outside].filter(([m]) => !rows.some((r) => r.mnemonic === m && r.modes)).sort().map(([m, f]) => `  ${JSON.stringify(m)}: ${JSON.stringify(f)},`),
    "};",
    "",
  ].join("\n");
  const path = join(root, "src", "asm", "table.generated.ts");
  writeFileSync(path, out);
  console.log(`${path}: ${rows.filter((r) => r.modes).length} forms`);
}

main();
