/**
 * The disassembler: NASM-syntax text for an instruction, derived from decode.ts's `Decoded` (the
 * same decoder the CPU executes with) and the opcode tables in disasm-tables.ts. Pure: no DOM, no
 * machine state, so the UI can show code straight from guest RAM.
 *
 * The text follows iced-x86's NASM formatter (FormatterSyntax.Nasm), which disasm.test.ts uses as
 * the oracle, with these options (chosen once; the test sets the same, see ICED_OPTIONS there):
 * - numbers in hexadecimal with a `0x` prefix and lower-case digits; 0..9 in decimal;
 * - branch targets and RIP-relative operands as absolute addresses (`jmp short 0x1010`,
 *   `[rel 0x2000]`), without leading zeros;
 * - a space after each operand comma;
 * - memory size keywords only where NASM needs them (`add dword [eax], 1`, not `mov eax, [ebx]`);
 * - everything else as iced's defaults (pseudo-ops such as `cmpltps`, `xchg ax, ax` for 66 90...).
 *
 * Instructions the CPU does not implement (AVX, SSE4, ...) and invalid encodings are shown as
 * "(bad)": executing them raises #UD (decode-oracle.test.ts checks that).
 */
import { Decoded, decode, DECODE_NEED_MORE, MODE_16, MODE_32, MODE_64 } from "./decode";
import { disasmTables, TableEntry } from "./disasm-tables";

export interface DisasmResult {
  /** Bytes taken (at least 1, so a listing always advances). */
  length: number;
  text: string;
}

export interface DisasmLine extends DisasmResult {
  /** Address (IP/EIP/RIP) of the instruction. */
  address: bigint;
  /** Its bytes. */
  bytes: Uint8Array;
}

const R8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];
const R8H = ["ah", "ch", "dh", "bh"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const SEG = ["es", "cs", "ss", "ds", "fs", "gs"];
const SIZE_KW: Record<number, string> = { 1: "byte", 2: "word", 4: "dword", 8: "qword", 10: "tword", 16: "oword" };
/** CMPPS/CMPSS... predicates 0..7 as NASM pseudo-ops (Intel SDM Vol. 2A CMPPS, Table 3-1). */
const CMP_CC = ["eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"];
const FMT_BAD = "(bad)";

function hex(v: bigint | number): string {
  const n = typeof v === "bigint" ? v : BigInt(v);
  if (n >= 0n && n <= 9n) return n.toString();
  return "0x" + n.toString(16);
}

function reg(size: number, r: number, rex: number): string {
  switch (size) {
    case 1: return rex === 0 && r >= 4 && r < 8 ? R8H[r - 4] : R8[r];
    case 2: return R16[r];
    case 4: return R32[r];
    default: return R64[r];
  }
}

/** Lookup and formatting state for one instruction. */
class Ctx {
  d!: Decoded;
  e!: TableEntry;
  bits: 16 | 32 | 64 = 32;
  ip = 0n;
  osz = 4;
  /** The operand size differs from the mode's default for this instruction (66/REX.W). */
  osDiff = false;
  /** An operand was printed as memory. */
  hasMem = false;
  bad = false;
}

function modeDefaultAsz(bits: number): number {
  return bits === 16 ? 2 : bits === 32 ? 4 : 8;
}

/** Find the table form for a decoded instruction, or undefined (#UD on our CPU). */
export function lookup(d: Decoded): TableEntry | undefined {
  const { entries, prefixed: withPrefix } = disasmTables();
  const list = entries[d.op];
  if (list.length === 0) return undefined;
  const m64 = d.mode === MODE_64;
  const mp = d.rep === 0xf3 ? 3 : d.rep === 0xf2 ? 4 : d.p66 ? 2 : 1;
  const prefixed = withPrefix[d.op] === 1;
  for (const e of list) {
    if ((e.modeReq === 1 && m64) || (e.modeReq === 2 && !m64)) continue;
    if (e.pfx === 5) {
      if (d.rep !== 0) continue;
    } else if (e.pfx !== 0) {
      if (prefixed) {
        if (e.pfx !== mp) continue;
      } else if (d.p66 || d.rep !== 0) continue;
    }
    if (e.reg >= 0 && (d.reg & 7) !== e.reg) continue;
    if (e.mod === 0 && d.mod === 3) continue;
    if (e.mod === 3 && d.mod !== 3) continue;
    if (e.modrm >= 0 && (0xc0 | ((d.reg & 7) << 3) | (d.rm & 7)) !== e.modrm) continue;
    if (e.w === 1 && (d.rex & 8) === 0) continue;
    if (e.w === 0 && (d.rex & 8) !== 0) continue;
    // 90 is NOP only as XCHG eAX,eAX at the mode's operand size (66 90 is XCHG AX,AX; 41 90 XCHG R8D,EAX).
    if (e.flags.has("nop90") && (d.rm !== 0 || d.osz !== (d.mode === MODE_16 ? 2 : 4))) continue;
    return e;
  }
  return undefined;
}

function effectiveOsz(d: Decoded, e: TableEntry): number {
  let o = d.osz;
  if (o === 8 && e.flags.has("w32")) o = 4;
  // SYSRET/SYSEXIT: only REX.W selects the 64-bit form; 66 is ignored.
  if (e.flags.has("w64")) o = d.mode === MODE_64 && (d.rex & 8) !== 0 ? 8 : 4;
  if (d.mode === MODE_64) {
    if (e.flags.has("f64")) o = 8;
    else if (e.flags.has("d64") && o === 4) o = 8;
  }
  return o;
}

function formatMemory(c: Ctx, size: number, showSize: boolean): string {
  const d = c.d;
  c.hasMem = true;
  // A memory-only operand encoded with mod = 3 does not exist (#UD).
  if (d.mod === 3) c.bad = true;
  let s = "";
  if (showSize && size && SIZE_KW[size]) s += SIZE_KW[size] + " ";
  s += "[";
  const asz = d.asz;
  const segShown = d.seg >= 0 && !c.e.flags.has("noseg") && (c.bits === 64 ? d.seg >= 4 : d.seg !== d.defSeg);
  if (d.ripRel) {
    const target = BigInt.asUintN(asz * 8, c.ip + BigInt(d.len) + BigInt(d.disp));
    if (asz === 4) s += "dword ";
    s += "rel ";
    if (segShown) s += SEG[d.seg] + ":";
    return s + hex(target) + "]";
  }
  if (segShown) s += SEG[d.seg] + ":";
  const names = asz === 2 ? R16 : asz === 4 ? R32 : R64;
  let need = false;
  if (d.base >= 0) {
    s += names[d.base];
    need = true;
  }
  if (d.index >= 0) {
    if (need) s += "+";
    s += names[d.index];
    if (asz !== 2 && (d.scale !== 0 || d.base < 0)) s += "*" + (1 << d.scale);
    need = true;
  }
  if (!need) {
    // Absolute address: the displacement at address size.
    return s + hex(BigInt.asUintN(asz * 8, BigInt(d.disp))) + "]";
  }
  if (d.disp !== 0) {
    const v = asz === 2 ? (d.disp << 16) >> 16 : d.disp;
    s += v < 0 ? "-" + hex(-v) : "+" + hex(v);
  }
  return s + "]";
}

function branchTarget(c: Ctx, size: number): string {
  const t = BigInt.asUintN(size * 8, c.ip + BigInt(c.d.len) + BigInt(c.d.imm));
  return hex(t);
}

function operand(c: Ctx, tok: string): string {
  const d = c.d;
  const show = tok.endsWith("!");
  const t = show ? tok.slice(0, -1) : tok;
  const rex = d.rex;
  const m64 = d.mode === MODE_64;
  const rexW = m64 && (rex & 8) !== 0;
  switch (t) {
    case "Eb": return d.mod === 3 ? reg(1, d.rm, rex) : formatMemory(c, 1, show);
    case "Ew": return d.mod === 3 ? reg(2, d.rm, rex) : formatMemory(c, 2, show);
    case "Ed": return d.mod === 3 ? reg(4, d.rm, rex) : formatMemory(c, 4, show);
    case "Eq": return d.mod === 3 ? reg(8, d.rm, rex) : formatMemory(c, 8, show);
    case "Ev": return d.mod === 3 ? reg(c.osz, d.rm, rex) : formatMemory(c, c.osz, show);
    case "Ey": return d.mod === 3 ? reg(rexW ? 8 : 4, d.rm, rex) : formatMemory(c, rexW ? 8 : 4, show);
    case "Gb": return reg(1, d.reg, rex);
    case "Gw": return reg(2, d.reg, rex);
    case "Gv": return reg(c.osz, d.reg, rex);
    case "Gy": return reg(rexW ? 8 : 4, d.reg, rex);
    case "Gd": return reg(4, d.reg, rex);
    case "Emx": return d.mod === 3 ? reg(c.osz === 2 ? 2 : 4, d.rm, rex) : formatMemory(c, 0, false);
    case "Ry": return reg(m64 ? 8 : 4, d.rm, rex);
    case "Rd": return reg(4, d.rm, rex);
    case "Rq": return reg(8, d.rm, rex);
    case "Rvw": return d.mod === 3 ? reg(c.osz, d.rm, rex) : formatMemory(c, 2, false);
    case "Eyw": return d.mod === 3 ? reg(rexW ? 8 : 4, d.rm, rex) : formatMemory(c, 2, false);
    case "Edw": return d.mod === 3 ? reg(4, d.rm, rex) : formatMemory(c, 2, false);
    case "Zb": return reg(1, d.rm, rex);
    case "Zv": return reg(c.osz, d.rm, rex);
    case "M": case "Mp": return formatMemory(c, 0, false);
    case "Mw": return formatMemory(c, 2, show);
    case "Md": return formatMemory(c, 4, show);
    case "Mq": return formatMemory(c, 8, show);
    case "Mt": return formatMemory(c, 10, show);
    case "Mf": return (c.osDiff ? SIZE_KW[c.osz] + " " : "") + "far " + formatMemory(c, 0, false);
    case "Ib": return hex(d.imm & 0xff);
    case "Ib2": return hex(d.imm2 & 0xff);
    case "Ib10": return hex(d.imm & 0xff); // AAM/AAD base (omitted when 10)
    case "Ibs": case "Iz": return hex(BigInt.asUintN(c.osz * 8, BigInt(d.imm)));
    case "Iw": return hex(d.imm & 0xffff);
    case "Iv":
      if (c.osz === 8) return hex((BigInt(d.immHi >>> 0) << 32n) | BigInt(d.imm >>> 0));
      return hex(BigInt.asUintN(c.osz * 8, BigInt(d.imm)));
    case "I1": return "1";
    case "Jb": return (c.e.flags.has("loop") || c.e.flags.has("jcxz") ? "" : "short ") + branchTarget(c, c.osz);
    case "Jz": return (c.e.flags.has("jcc") ? "near " : "") + (c.osDiff ? SIZE_KW[c.osz] + " " : "") + branchTarget(c, c.osz);
    case "Ap": return (c.osDiff ? SIZE_KW[c.osz] + " " : "") + hex(d.imm2) + ":" + hex(c.osz === 2 ? d.imm & 0xffff : d.imm >>> 0);
    case "Ob": case "Ov": {
      c.hasMem = true;
      const asz = d.asz;
      let v = BigInt(d.disp >>> 0);
      if (asz === 8) v |= BigInt(d.immHi >>> 0) << 32n;
      else v = BigInt.asUintN(asz * 8, v);
      const segShown = d.seg >= 0 && (c.bits === 64 ? d.seg >= 4 : d.seg !== 3);
      let s = "[";
      // NASM spells the address size of a moffs inside the brackets, except a32 in 64-bit mode (a prefix).
      if (asz === 8 || (asz !== modeDefaultAsz(c.bits) && c.bits !== 64)) s += SIZE_KW[asz] + " ";
      if (segShown) s += SEG[d.seg] + ":";
      return s + hex(v) + "]";
    }
    case "AL": return "al";
    case "CL": return "cl";
    case "DX": return "dx";
    case "AX": return "ax";
    case "rAX": return reg(c.osz, 0, 0);
    case "eAX": return c.osz === 2 ? "ax" : "eax";
    case "ES": return "es";
    case "CS": return "cs";
    case "SS": return "ss";
    case "DS": return "ds";
    case "FS": return "fs";
    case "GS": return "gs";
    case "Sw": {
      const s = d.reg & 7;
      // Sreg 6 and 7 do not exist; MOV CS, r/m is #UD (Intel SDM Vol. 2B MOV).
      if (s > 5 || (s === 1 && d.op === 0x8e)) c.bad = true;
      return SEG[s] ?? "?";
    }
    case "Cd":
      // CR0, CR2, CR3, CR4 and CR8 (64-bit mode) exist; the others are #UD (Intel SDM Vol. 2B MOV—Move to/from Control Registers).
      if (d.reg === 1 || (d.reg >= 5 && d.reg <= 7) || (d.reg > 8)) c.bad = true;
      return "cr" + d.reg;
    case "Dd":
      if (d.reg > 7) c.bad = true;
      return "dr" + d.reg;
    case "Pq": return "mm" + (d.reg & 7);
    case "Nq": return "mm" + (d.rm & 7);
    case "Qq": return d.mod === 3 ? "mm" + (d.rm & 7) : formatMemory(c, 8, show);
    case "Vx": return "xmm" + d.reg;
    case "Ux": return "xmm" + d.rm;
    case "Wx": return d.mod === 3 ? "xmm" + d.rm : formatMemory(c, 16, show);
    case "STi": return "st" + (d.rm & 7);
  }
  throw new Error(`disasm: unknown operand kind ${tok}`);
}

function mnemonicOf(c: Ctx): string {
  const m = c.e.mnemonics;
  if (m.length === 1) return m[0];
  const i = c.osz === 2 ? 0 : c.osz === 4 ? 1 : 2;
  return m[Math.min(i, m.length - 1)];
}

/** The operand size this instruction has in this mode without a 66 or REX.W prefix. */
function defaultOsz(c: Ctx): number {
  if (c.e.flags.has("w64")) return 4;
  if (c.bits === 16) return 2;
  if (c.bits === 32) return 4;
  // Far indirect CALL/JMP: NASM's plain "far" in 64-bit mode is m16:64 (REX.W).
  return c.e.flags.has("d64") || c.e.flags.has("f64") || c.e.flags.has("far") ? 8 : 4;
}

const OS_KW: Record<number, string> = { 2: "o16", 4: "o32", 8: "o64" };
const AS_KW: Record<number, string> = { 2: "a16", 4: "a32", 8: "a64" };
const NAME_SUFFIX: Record<number, string> = { 2: "w", 4: "d", 8: "q" };

function format(c: Ctx): string {
  const d = c.d;
  const e = c.e;
  const f = e.flags;
  c.osz = effectiveOsz(d, e);
  c.osDiff = c.osz !== defaultOsz(c);
  c.hasMem = false;
  let ops = e.ops.map((t) => operand(c, t));
  let mn = mnemonicOf(c);
  if (f.has("osn") && c.osDiff) mn += NAME_SUFFIX[c.osz];
  if (f.has("cmpcc")) {
    const p = d.imm & 0xff;
    if (p < 8) {
      mn = "cmp" + CMP_CC[p] + mn.slice(3);
      ops = ops.slice(0, 2);
    }
  }
  if (f.has("imul") && d.mod === 3 && d.reg === d.rm) ops = [ops[0], ops[2]];
  if (e.ops[0] === "Ib10" && (d.imm & 0xff) === 10) ops = [];
  if (f.has("fpst1") && (d.rm & 7) === 1) ops = [];
  if (f.has("to")) ops[0] = "to " + ops[0];
  const asDiff = d.asz !== modeDefaultAsz(c.bits);
  if (f.has("jcxz")) mn = d.asz === 2 ? "jcxz" : d.asz === 4 ? "jecxz" : "jrcxz";
  if (f.has("loop") && asDiff) ops.push(d.asz === 2 ? "cx" : d.asz === 4 ? "ecx" : "rcx");

  const pre: string[] = [];
  const str = f.has("str") || f.has("strz");
  if (c.osDiff && (f.has("os") || (f.has("os64") && c.bits === 64) || (f.has("osm") && c.hasMem) || ((f.has("jcc") || f.has("loop") || f.has("jcxz") || f.has("jmps")) && e.ops[0] === "Jb"))) {
    pre.push(OS_KW[c.osz]);
  }
  if (asDiff && (str || f.has("xlat") || (c.bits === 64 && (e.ops[0] === "Ov" || e.ops[0] === "Ob" || e.ops[1] === "Ov" || e.ops[1] === "Ob")))) pre.push(AS_KW[d.asz]);
  if (d.seg >= 0) {
    if ((str || f.has("xlat") || f.has("segpfx")) && d.seg !== 3 && !f.has("esdi") && (c.bits !== 64 || d.seg >= 4)) pre.push(SEG[d.seg]);
    else if (f.has("jcc") && (d.seg === 1 || d.seg === 3)) pre.push(SEG[d.seg]);
  }
  const lockable = f.has("lock") && c.hasMem;
  if (d.lock && !lockable) c.bad = true;
  if (c.hasMem && d.rep !== 0 && ((d.lock && lockable) || f.has("xchg"))) pre.push(d.rep === 0xf2 ? "xacquire" : "xrelease");
  else if (c.hasMem && d.rep === 0xf3 && f.has("xrel")) pre.push("xrelease");
  if (d.lock) pre.push("lock");
  if (str) {
    if (d.rep === 0xf3) pre.push(f.has("strz") ? "repe" : "rep");
    else if (d.rep === 0xf2) pre.push("repne");
  } else if (d.rep === 0xf3 && f.has("repret")) pre.push("rep");
  if (f.has("nt") && d.seg === 3) pre.push("notrack");
  if (f.has("bnd") && d.rep === 0xf2) pre.push("bnd");
  const text = mn + (ops.length ? " " + ops.join(", ") : "");
  return pre.length ? pre.join(" ") + " " + text : text;
}

const scratch = new Decoded();
const ctx = new Ctx();

function modeOf(bitness: 16 | 32 | 64): number {
  return bitness === 16 ? MODE_16 : bitness === 32 ? MODE_32 : MODE_64;
}

/**
 * Disassemble the instruction at `bytes[offset..]` as code of the given bitness located at `ip`.
 * Undecodable bytes (truncated, longer than 15 bytes, or not an instruction of our CPU) give "(bad)".
 */
export function disassemble(bytes: Uint8Array, offset: number, bitness: 16 | 32 | 64, ip: bigint | number): DisasmResult {
  const d = scratch;
  const len = decode(d, bytes, offset, bytes.length, modeOf(bitness));
  if (len < 0) {
    const left = bytes.length - offset;
    return { length: len === DECODE_NEED_MORE ? Math.max(1, Math.min(left, 15)) : 15, text: FMT_BAD };
  }
  const e = lookup(d);
  if (!e) return { length: len, text: FMT_BAD };
  const c = ctx;
  c.d = d;
  c.e = e;
  c.bits = bitness;
  c.ip = BigInt.asUintN(bitness, BigInt(ip));
  c.bad = false;
  const text = format(c);
  return { length: len, text: c.bad ? FMT_BAD : text };
}

/** Disassemble up to `count` consecutive instructions (for the UI's code view). */
export function disassembleMany(bytes: Uint8Array, offset: number, bitness: 16 | 32 | 64, ip: bigint | number, count: number): DisasmLine[] {
  const out: DisasmLine[] = [];
  let pos = offset;
  let addr = BigInt.asUintN(bitness, BigInt(ip));
  for (let i = 0; i < count && pos < bytes.length; i++) {
    const r = disassemble(bytes, pos, bitness, addr);
    const n = Math.min(r.length, bytes.length - pos);
    out.push({ address: addr, length: n, text: r.text, bytes: bytes.slice(pos, pos + n) });
    pos += n;
    addr = BigInt.asUintN(bitness, addr + BigInt(n));
  }
  return out;
}
