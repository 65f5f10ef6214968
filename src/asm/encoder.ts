/**
 * Instruction encoding: the forms of the table that accept the operands, NASM's choice among them
 * (the shortest encoding; on a tie the form listed first, which is also NASM's insns.dat order for
 * the cases that matter, e.g. ADD r/m,reg before ADD reg,r/m), and the bytes.
 *
 * NASM's choices reproduced here (assemble.c, parser.c; checked by corpus.test.ts):
 * - an immediate that fits a sign-extended byte uses the imm8 form, but only for a plain number: a
 *   label (relocatable) or a number NASM cannot see yet in the first pass gets the full size
 *   (forward references are assumed to fit, then re-checked every pass);
 * - a jump is short when its target is in the same section and within -128..127, else near;
 * - the operand size prefix appears only when an operand asks for that size (a register, a sized
 *   memory operand or immediate, an o16/o32/o64 prefix or a sized mnemonic like PUSHFW); otherwise
 *   the mode's default size is used;
 * - an unsized memory operand that could be several sizes is "operation size not specified";
 * - MOV reg64,imm uses the 5-byte MOV reg32,imm32 when the value zero-extends.
 */
import { buildEa, type Ea } from "./ea";
import { evaluate, ExprError, linearize, type EaHint, type EvalContext, type Value } from "./expr";
import { rewrite } from "./nasm-syntax";
import type { Operand } from "./parser";
import { isGpr, register, type Reg } from "./registers";
import { formsOf, type Form, type OpSpec } from "./table";
import { OUTSIDE_ISA } from "./table.generated";

export interface EncodeContext {
  bits: 16 | 32 | 64;
  /** The instruction's own address. */
  here: Value;
  eval: EvalContext;
  defaultRel: boolean;
  /** A value's absolute address (section start + offset), or null while the layout is unknown. */
  absolute(v: Value): bigint | null;
}

export interface Insn {
  prefixes: string[];
  mnemonic: string;
  operands: Operand[];
}

export interface Encoded {
  bytes: number[];
  warnings: string[];
}

type MemOp = Extract<Operand, { t: "mem" }>;
type ImmOp = Extract<Operand, { t: "imm" }>;
type FarOp = Extract<Operand, { t: "farptr" }>;

type Ev =
  | { t: "reg"; reg: Reg }
  | { t: "mem"; op: MemOp; ea: Ea; pure: boolean }
  | { t: "imm"; op: ImmOp; v: Value }
  | { t: "far"; op: FarOp; seg: Value; off: Value };

const FIELD: Record<string, number> = { i8: 1, i16: 2, i32: 4, i64: 8, s8: 1, s32: 4, one: 1 };
const MASK64 = (1n << 64n) - 1n;

/** Encodes one instruction. A string is an error message. */
export function encode(insn: Insn, ctx: EncodeContext): Encoded | string {
  const rw = rewrite(insn.mnemonic, insn.operands);
  const forms = formsOf(rw.mnemonic);
  if (!forms) {
    const ext = OUTSIDE_ISA[rw.mnemonic];
    if (ext) return `${insn.mnemonic.toUpperCase()} belongs to ${ext.replace(/_/g, ".")}, which the playground's CPU does not implement`;
    return `unknown instruction \`${insn.mnemonic}'`;
  }

  const modeBit = ctx.bits === 16 ? 1 : ctx.bits === 32 ? 2 : 4;
  let prefixOsize = rw.osize;
  let prefixAsize = rw.asize;
  for (const p of insn.prefixes) {
    if (p === "o16" || p === "o32" || p === "o64") prefixOsize = Number(p.slice(1));
    if (p === "a16" || p === "a32" || p === "a64") prefixAsize = Number(p.slice(1));
  }
  if (prefixAsize === 16 && ctx.bits === 64) return "16-bit addressing is not possible in 64-bit mode";
  if (prefixAsize === 64 && ctx.bits !== 64) return "64-bit addressing is only possible in 64-bit mode";
  if (prefixOsize === 64 && ctx.bits !== 64) return "64-bit operand size is only possible in 64-bit mode";

  // Evaluate the operands once.
  const evs: Ev[] = [];
  const warnings: string[] = [];
  for (const op of rw.operands) {
    const e = evalOperand(op, ctx, prefixAsize, warnings);
    if (typeof e === "string") return e;
    evs.push(e);
  }

  // MOV r64, imm: NASM's zero-extending MOV r32, imm32 when the value fits (insns.dat: MOV reg64,udword).
  if (rw.mnemonic === "mov" && evs.length === 2 && evs[0].t === "reg" && evs[0].reg.cls === "gpr64" && evs[1].t === "imm") {
    const imm = evs[1];
    const v = imm.v;
    if (!imm.op.strict && (imm.op.size === 0 || imm.op.size === 8) && (v.unknown || (v.seg < 0 && (v.ofs & MASK64) <= 0xffffffffn))) {
      const r = evs[0].reg;
      const as32 = register(r.num >= 8 ? `r${r.num}d` : ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"][r.num])!;
      const f = forms.find((x) => x.osize === 32 && x.plusReg && x.ops[1]?.k === "imm")!;
      return emit(f, [{ t: "reg", reg: as32 }, imm], insn.prefixes, ctx, 0, prefixAsize, warnings);
    }
  }

  let candidates: { form: Form; reason: boolean; unsized: number[]; weak: boolean }[] = [];
  let anyModeMatch = false;
  for (const form of forms) {
    if (form.ops.length !== evs.length) continue;
    if (rw.asize && form.asize && form.asize !== rw.asize) continue;
    const r = matchForm(form, evs);
    if (!r) continue;
    if (!(form.modes & modeBit)) {
      anyModeMatch = true;
      continue;
    }
    candidates.push({ form, reason: r.reason, unsized: r.unsized, weak: r.weak });
  }
  // XCHG EAX,EAX in 64-bit mode is 87 C0: 90 would be NOP, which keeps RAX's upper half.
  if (rw.mnemonic === "xchg" && ctx.bits === 64 && evs.every((e) => e.t === "reg" && e.reg.name === "eax")) candidates = candidates.filter((c) => !c.form.plusReg);
  // [QWORD address] in 64-bit mode: NASM lists the A0-A3 moffs forms first.
  if (ctx.bits === 64 && candidates.some((c) => c.form.ops.some((o) => o.k === "moffs"))) candidates = candidates.filter((c) => c.form.ops.some((o) => o.k === "moffs"));
  if (!candidates.length) {
    if (anyModeMatch) return `instruction not supported in ${ctx.bits}-bit mode`;
    return sizeMismatch(evs) ? "mismatch in operand sizes" : "invalid combination of opcode and operands";
  }

  // An unsized memory operand that fits forms of different sizes (NASM: "operation size not specified"),
  // except where NASM has a default: JMP/CALL [mem] (the mode's size), CVTSI2SS/SD [mem] (dword).
  const memIdx = evs.findIndex((e) => e.t === "mem" && e.op.size === 0);
  if (memIdx >= 0) {
    const sizes = new Set(candidates.map((c) => c.unsized[memIdx]));
    // An immediate's size keyword can size the operation: OR [BX], BYTE 5 is a byte OR, since only
    // OR r/m8,imm8 has a byte immediate (the 83 forms' imm8 stands for a word or dword). A shift
    // count is a byte in every form, so SHL [BX], BYTE 5 stays ambiguous.
    const immIdx = evs.findIndex((e) => e.t === "imm" && e.op.size);
    if (sizes.size > 1 && immIdx >= 0) {
      const S = (evs[immIdx] as Extract<Ev, { t: "imm" }>).op.size;
      const natural = (c: (typeof candidates)[number]) => {
        const spec = c.form.ops[immIdx];
        return spec.k !== "imm" ? 0 : spec.imm === "s8" || spec.imm === "s32" ? c.form.osize / 8 : FIELD[spec.imm];
      };
      candidates = candidates.filter((c) => natural(c) === S);
      if (new Set(candidates.map((c) => c.unsized[memIdx])).size !== 1) return "operation size not specified";
    } else if (sizes.size > 1) {
      const def = rw.mnemonic === "cvtsi2ss" || rw.mnemonic === "cvtsi2sd" ? 4 : rw.mnemonic === "jmp" || rw.mnemonic === "call" ? -1 : 0;
      if (def === 0) return "operation size not specified";
      if (def > 0) candidates = candidates.filter((c) => c.unsized[memIdx] === def);
    }
  }

  // The operand size: the mode's default unless an operand or prefix asks for another.
  let sized = candidates.filter((c) => {
    const f = c.form;
    // O32 in 64-bit mode leaves a default-64 instruction alone (NASM: O32 RET is C3).
    if (prefixOsize) return f.osize === 0 || f.osize === prefixOsize || (ctx.bits === 64 && prefixOsize === 32 && f.osize === 64 && !f.rexW);
    if (f.osize === 0 || f.osizeImplied) return true;
    // JMP/CALL FAR [mem] in 64-bit mode default to m16:64 in NASM.
    const farMem = ctx.bits === 64 && f.ops.some((o) => o.k === "mem" && o.far);
    const def = ctx.bits === 64 ? ((f.osize === 64 && !f.rexW) || farMem ? 64 : 32) : ctx.bits;
    return f.osize === def || c.reason;
  });
  if (!sized.length) return `instruction not supported in ${ctx.bits}-bit mode with this operand size`;
  // A form matched only by leniency (an imm32 that does not sign-extend, STRICT QWORD on an imm32)
  // is NASM's choice only when no form takes the operand as written.
  if (sized.some((c) => !c.weak)) sized = sized.filter((c) => !c.weak);
  const asized = sized.filter((c) => {
    const a = c.form.asize;
    if (!a || (c.form.asizeImplied && !prefixAsize)) return true;
    return a === (prefixAsize || ctx.bits);
  });
  if (!asized.length) return "invalid address size for this instruction";

  // Encode what is left and keep the shortest (a short branch whose target is out of range fails here).
  let best: Encoded | null = null;
  let bestForm: Form | null = null;
  let bestError: string | null = null;
  for (const c of asized) {
    const r = emit(c.form, evs, insn.prefixes, ctx, prefixOsize, prefixAsize, asized.length === 1 ? warnings : [...warnings]);
    if (typeof r === "string") {
      bestError ??= r;
      continue;
    }
    // On a tie NASM's insns.dat order puts the sign-extended imm8 forms first (AND AX,0xF is 83 E0 0F)
    // and forms without REX.W before those with it (MOVQ MM0,[R12] is 41 0F 6F, not 49 0F 6E).
    const tieWins = () => (hasS8(c.form) && !hasS8(bestForm!)) || (!c.form.rexW && bestForm!.rexW && hasS8(c.form) === hasS8(bestForm!));
    if (!best || r.bytes.length < best.bytes.length || (r.bytes.length === best.bytes.length && tieWins())) {
      best = r;
      bestForm = c.form;
    }
  }
  return best ?? bestError!;
}

const hasS8 = (f: Form) => f.ops.some((o) => o.k === "imm" && o.imm === "s8");

function sizeMismatch(evs: Ev[]): boolean {
  return evs.some((e) => (e.t === "mem" || e.t === "imm") && e.op.size !== 0);
}

function evalOperand(op: Operand, ctx: EncodeContext, prefixAsize: number, warnings: string[]): Ev | string {
  try {
    switch (op.t) {
      case "reg":
        if (op.reg.cls === "gpr64" && ctx.bits !== 64) return `register ${op.reg.name} is only available in 64-bit mode`;
        return { t: "reg", reg: op.reg };
      case "imm":
        if (op.expr.k === "reg") return `register ${op.expr.reg.name} cannot be used here`;
        return { t: "imm", op, v: evaluate(op.expr, ctx.eval) };
      case "farptr":
        return { t: "far", op, seg: evaluate(op.seg, ctx.eval), off: evaluate(op.off, ctx.eval) };
      case "mem": {
        const hint: EaHint = { firstReg: null, firstScaled: false, summed: false };
        const lin = op.ea ? linearize(op.ea, ctx.eval, hint) : { regs: new Map(), disp: { seg: -1, ofs: 0n, unknown: false } };
        const ea = buildEa(lin, hint, op, ctx.bits, prefixAsize, ctx.defaultRel);
        if (typeof ea === "string") return ea;
        if (ea.warning) warnings.push(ea.warning);
        return { t: "mem", op, ea, pure: lin.regs.size === 0 };
      }
    }
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
}

/** Does `form` accept the operands? Also: whether an operand pins the form's operand size. */
function matchForm(form: Form, evs: Ev[]): { reason: boolean; unsized: number[]; weak: boolean } | null {
  // Sets `pinned` to the size in bytes an operand asks for when it equals the form's operand size.
  let reason = false;
  let weak = false;
  const unsized: number[] = [];
  const os = form.osize;
  for (let i = 0; i < evs.length; i++) {
    const s = form.ops[i];
    const e = evs[i];
    let pinned = 0;
    switch (s.k) {
      case "fixed":
        if (e.t !== "reg" || e.reg.name !== s.reg) return null;
        if (isGpr(e.reg)) pinned = e.reg.size;
        break;
      case "reg": case "rmreg": case "opreg":
        if (e.t !== "reg" || e.reg.cls !== s.cls) return null;
        if (isGpr(e.reg)) pinned = e.reg.size;
        break;
      case "rm":
        if (e.t === "reg") {
          if (e.reg.cls !== s.cls) return null;
          if (isGpr(e.reg)) pinned = e.reg.size;
        } else if (e.t === "mem") {
          if (e.op.far) return null;
          // A size keyword NASM takes here; for general registers' r/m also exactly the form's size
          // (NASM's MMX/SSE templates are sized by register class, not by the bytes accessed).
          if (e.op.size && (!s.kw.has(String(e.op.size)) || (s.cls !== "mm" && s.cls !== "xmm" && s.mem && e.op.size !== s.mem))) return null;
          pinned = e.op.size;
          unsized[i] = s.mem;
        } else return null;
        break;
      case "mem":
        if (e.t !== "mem" || e.op.far !== s.far) return null;
        if (e.op.size && !s.kw.has(String(e.op.size))) return null;
        if (s.far) {
          if (e.op.size && e.op.size * 8 !== os) return null;
          pinned = e.op.size;
          unsized[i] = 0;
        } else {
          if (e.op.size && s.mem && e.op.size !== s.mem) return null;
          unsized[i] = s.mem;
        }
        break;
      case "moffs":
        if (e.t !== "mem" || !e.pure || e.ea.rip || e.op.far) return null;
        // 64-bit mode: only for an address written [QWORD x] (a 64-bit moffs).
        if (e.ea.asize === 64 && e.op.dispSize !== 8) return null;
        if (e.op.size && (e.op.size !== s.mem || !s.kw.has(String(e.op.size)))) return null;
        pinned = e.op.size;
        unsized[i] = s.mem;
        break;
      case "imm": {
        if (e.t !== "imm" || e.op.short || e.op.near || e.op.far || e.op.to) return null;
        const field = FIELD[s.imm];
        const S = e.op.size;
        if (S && !s.kw.has(String(S))) return null;
        if (e.op.strict) {
          // STRICT: exactly the written size; NASM declares imm32 sign-extended to 64 bits as imm64.
          if (S && S !== field && !(s.imm === "s32" && S === 8)) return null;
          if (S === 8 && s.imm === "s32") weak = true;
          if (s.imm === "one") return null;
        } else {
          // The size of the field, of the operation, or (64-bit operations) DWORD for the imm32.
          if (S && S !== field && !(os && S * 8 === os) && !(os === 64 && S === 4 && !form.rexW)) return null;
          if (!immFits(s.imm, e.v, os)) {
            // An imm32 sign-extended to 64 bits takes any value (NASM warns) unless a form has room.
            if (s.imm !== "s32") return null;
            weak = true;
          }
        }
        pinned = S;
        break;
      }
      case "rel":
        if (e.t !== "imm" || e.op.far || e.op.to) return null;
        if (e.op.short && (s.size !== 1 || !s.kw.has("short"))) return null;
        if (e.op.near && (s.size === 1 || !s.kw.has("near"))) return null;
        if (e.op.size && (e.op.size * 8 !== os || !s.kw.has(String(e.op.size)))) return null;
        pinned = e.op.size;
        break;
      case "far":
        if (e.t !== "far" || e.op.far) return null;
        if (e.op.size && e.op.size !== s.size) return null;
        pinned = e.op.size;
        break;
    }
    if (os && pinned * 8 === os) reason = true;
  }
  return { reason, unsized, weak };
}

/** NASM's optimisation flags for an immediate (parser.c: SBYTEWORD, SBYTEDWORD, SDWORD, UNITY). */
function immFits(kind: string, v: Value, osize: number): boolean {
  if (kind !== "s8" && kind !== "s32" && kind !== "one") return true;
  if (v.unknown) return true; // a forward reference: optimistic in the first pass, as NASM is
  if (v.seg >= 0) return false; // a label: never the short forms
  const n = v.ofs & MASK64;
  if (kind === "one") return n === 1n;
  if (kind === "s8") return osize === 16 ? ((n + 128n) & 0xffffn) <= 255n : ((n + 128n) & 0xffffffffn) <= 255n;
  return ((n + 0x80000000n) & MASK64) <= 0xffffffffn;
}

/** Writes `bytes` bytes of v, little-endian, at out[at] (two BigInt operations, then plain numbers). */
function putLE(out: number[], at: number, v: bigint, bytes: number): void {
  const lo = Number(v & 0xffffffffn);
  const hi = bytes > 4 ? Number((v >> 32n) & 0xffffffffn) : 0;
  for (let i = 0; i < bytes; i++) out[at + i] = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
}
function le(out: number[], v: bigint, bytes: number): void {
  putLE(out, out.length, v, bytes);
}

function rangeWarning(v: bigint, bytes: number, signed: boolean): string | null {
  const bits = BigInt(bytes * 8);
  const min = -(1n << (bits - 1n));
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (bytes >= 8) return null;
  if (v < min || v > max) return `${signed ? "signed " : ""}${["", "byte", "word", "", "dword"][bytes]} ${signed ? "value" : "data"} exceeds bounds`;
  return null;
}

const SEG_BYTE: Record<string, number> = { es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65 };

/** The bytes of `form` with these operands. */
function emit(form: Form, evs: Ev[], userPrefixes: string[], ctx: EncodeContext, prefixOsize: number, prefixAsize: number, warnings: string[]): Encoded | string {
  const bits = ctx.bits;
  const out: number[] = [];
  let rex = 0;
  let needRex = false;
  let highByte = false;
  let reg = -1;
  let rmReg: Reg | null = null;
  let mem: Extract<Ev, { t: "mem" }> | null = null;
  let opreg = -1;
  const imms: { v: bigint; bytes: number; signed: boolean; warn: boolean }[] = [];
  let rel: { target: Value; bytes: number; short: boolean } | null = null;

  for (let i = 0; i < evs.length; i++) {
    const s: OpSpec = form.ops[i];
    const e = evs[i];
    if (e.t === "reg") {
      const r = e.reg;
      if (r.high) highByte = true;
      if (r.needsRex) needRex = true;
      if (r.num >= 8 && r.cls !== "st" && r.cls !== "mm" && bits !== 64) return `register ${r.name} is only available in 64-bit mode`;
    }
    switch (s.k) {
      case "reg":
        reg = (e as { reg: Reg }).reg.num;
        if (reg >= 8) rex |= 4;
        break;
      case "rmreg":
      case "rm":
      case "mem":
      case "moffs":
        if (e.t === "reg") {
          rmReg = e.reg;
          if (e.reg.num >= 8) rex |= 1;
        } else mem = e as Extract<Ev, { t: "mem" }>;
        break;
      case "opreg":
        opreg = (e as { reg: Reg }).reg.num;
        if (opreg >= 8 && s.cls !== "st") rex |= 1;
        break;
      case "imm": {
        const v = (e as Extract<Ev, { t: "imm" }>).v;
        const abs = v.unknown ? 0n : ctx.absolute(v) ?? 0n;
        const bytes = FIELD[s.imm];
        if (s.imm !== "one") imms.push({ v: abs, bytes, signed: s.imm === "s8" || s.imm === "s32", warn: !v.unknown && ctx.absolute(v) !== null });
        break;
      }
      case "rel": {
        const op = e as Extract<Ev, { t: "imm" }>;
        rel = { target: op.v, bytes: s.size, short: op.op.short };
        break;
      }
      case "far": {
        const f = e as Extract<Ev, { t: "far" }>;
        const off = f.off.unknown ? 0n : ctx.absolute(f.off) ?? 0n;
        const seg = f.seg.unknown ? 0n : ctx.absolute(f.seg) ?? 0n;
        imms.push({ v: off, bytes: s.size, signed: false, warn: true }, { v: seg, bytes: 2, signed: false, warn: true });
        break;
      }
      case "fixed":
        break;
    }
  }

  // Prefixes, in NASM's order: WAIT, REP, LOCK, segment, operand size, address size.
  if (form.wait) out.push(0x9b);
  for (const p of userPrefixes) if (p === "rep" || p === "repe" || p === "repz" || p === "xrelease") out.push(0xf3);
  for (const p of userPrefixes) if (p === "repne" || p === "repnz" || p === "xacquire" || p === "bnd") out.push(0xf2);
  for (const p of userPrefixes) if (p === "lock") out.push(0xf0);
  let seg: string | null = null;
  for (const p of userPrefixes) if (p in SEG_BYTE) seg = p;
  if (mem?.op.seg) seg = mem.op.seg.name;
  if (seg) out.push(SEG_BYTE[seg]);
  const osize = form.osize || prefixOsize;
  if ((osize === 16 && bits !== 16) || (osize === 32 && bits === 16)) out.push(0x66);
  const asize = form.asize || (mem ? mem.ea.asize : 0) || prefixAsize;
  if (asize && ((asize === 16 && bits === 32) || (asize === 32 && bits !== 32))) out.push(0x67);
  if (form.prefix) out.push(form.prefix);
  // REX.W: the form's, or an O64 prefix (NASM emits it even where 64 bits is the default: O64 LEAVE is 48 C9).
  if (form.rexW || userPrefixes.includes("o64")) {
    if (bits !== 64) return "instruction not supported outside 64-bit mode";
    rex |= 8;
  }
  if (mem) {
    if (mem.ea.rexX) rex |= 2;
    if (mem.ea.rexB) rex |= 1;
  }
  if (rex || needRex) {
    if (bits !== 64) return "instruction not supported outside 64-bit mode";
    if (highByte) return "cannot use high byte register in an instruction that needs a REX prefix";
    out.push(0x40 | rex);
  }
  const opc = form.opcode;
  for (let i = 0; i < opc.length; i++) out.push(i === opc.length - 1 && form.plusReg ? opc[i] + (opreg & 7) : opc[i]);

  let dispAt = -1;
  if (form.modrm >= 0) {
    const rfield = form.modrm === 8 ? (reg < 0 ? 0 : reg & 7) : form.modrm;
    if (rmReg) out.push(0xc0 | (rfield << 3) | (rmReg.num & 7));
    else if (mem) {
      const ea = mem.ea;
      out.push((ea.mod << 6) | (rfield << 3) | ea.rm);
      if (ea.sib >= 0) out.push(ea.sib);
      dispAt = out.length;
      for (let i = 0; i < ea.dispBytes; i++) out.push(0);
    } else return "internal error: ModRM without an r/m operand";
  } else if (mem && form.ops.some((s) => s.k === "moffs")) {
    dispAt = out.length;
    for (let i = 0; i < mem.ea.asize / 8; i++) out.push(0);
  }
  for (const imm of imms) {
    if (imm.warn) {
      const w = rangeWarning(BigInt.asIntN(64, imm.v), imm.bytes, imm.signed);
      if (w) warnings.push(w);
    }
    le(out, imm.v, imm.bytes);
  }
  if (rel) {
    const at = out.length;
    for (let i = 0; i < rel.bytes; i++) out.push(0);
    const end = BigInt(out.length);
    const t = rel.target;
    const sameSection = !t.unknown && t.seg === ctx.here.seg && t.seg >= 0;
    if (rel.bytes === 1 && !rel.short && !t.unknown && !sameSection) return "short jump target is not in this section";
    let delta: bigint | null = null;
    if (t.unknown) delta = 0n;
    else if (sameSection) delta = t.ofs - (ctx.here.ofs + end);
    else {
      const ta = ctx.absolute(t);
      const ha = ctx.absolute(ctx.here);
      delta = ta !== null && ha !== null ? ta - (ha + end) : 0n;
    }
    if (rel.bytes === 1 && (delta < -128n || delta > 127n)) return "short jump is out of range";
    putLE(out, at, delta, rel.bytes);
  }
  if (dispAt >= 0 && mem) {
    const ea = mem.ea;
    const n = form.modrm >= 0 ? ea.dispBytes : ea.asize / 8;
    let v: bigint;
    if (ea.rip) {
      const t = ea.disp;
      const ta = t.unknown ? null : ctx.absolute(t);
      const ha = ctx.absolute(ctx.here);
      v = ta !== null && ha !== null ? ta - (ha + BigInt(out.length)) : 0n;
    } else {
      v = ea.disp.unknown ? 0n : ctx.absolute(ea.disp) ?? 0n;
    }
    putLE(out, dispAt, v, n);
  }
  return { bytes: out, warnings };
}
