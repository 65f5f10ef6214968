/**
 * The instruction table (table.generated.ts, from iced-x86) parsed into forms, indexed by mnemonic.
 *
 * Row format: "mnemonic op,op,...|encoding|modes"
 *   operands  r8 r16 r32 r64 mm xmm sreg cr dr   a register in ModRM.reg
 *             r16r r32r r64r mmr xmmr            a register in ModRM.rm (mod = 11 only)
 *             r8o r16o r32o r64o sti             a register added to the last opcode byte
 *             r32/m16 xmm/m128 mm/m64 ...        ModRM.rm: that register class or memory of that size
 *             m8 m16 m32 m64 m80 m128            memory of that size; "m" memory NASM writes unsized
 *             mfar                               FAR [mem] (JMP/CALL)
 *             moffs8..moffs64                    a bare address (A0-A3)
 *             al ax eax rax cl dx es cs ss ds fs gs st0   that register
 *             i8 i16 i32 i64                     an immediate of that size
 *             s8 s32                             an immediate sign-extended to the operand size
 *             one                                the constant 1 (D0/D1/D2/D3 shifts)
 *             rel8 rel16 rel32                   a branch displacement
 *             far16 far32                        seg:offset (JMP/CALL ptr16:16 / ptr16:32)
 *   encoding  wait (9B) o16 o32 (operand size) o64 (64 by default, no REX.W) w (REX.W)
 *             a16 a32 a64 (address size) p66 pF2 pF3 (mandatory prefix) hex opcode bytes,
 *             "+r" on the last one, /r or /0../7 for a ModRM byte
 *   modes     bit mask: 1 = 16-bit, 2 = 32-bit, 4 = 64-bit
 */
import { FORMS } from "./table.generated";
import type { RegClass } from "./registers";

export type ImmKind = "i8" | "i16" | "i32" | "i64" | "s8" | "s32" | "one";

/**
 * `kw`: the keywords NASM accepts written on this operand (probed from NASM by the generator):
 * size keywords as their byte counts ("1" for BYTE ... "16" for OWORD), "short" and "near".
 */
export type OpSpec =
  | { k: "reg"; cls: RegClass } // ModRM.reg
  | { k: "rmreg"; cls: RegClass } // ModRM.rm, register only
  | { k: "opreg"; cls: RegClass } // opcode + register
  | { k: "rm"; cls: RegClass; mem: number; kw: Set<string> } // ModRM.rm: register or memory (mem: bytes, 0 unsized)
  | { k: "mem"; mem: number; far: boolean; kw: Set<string> } // memory only
  | { k: "moffs"; mem: number; kw: Set<string> }
  | { k: "fixed"; reg: string }
  | { k: "imm"; imm: ImmKind; kw: Set<string> }
  | { k: "rel"; size: 1 | 2 | 4; kw: Set<string> }
  | { k: "far"; size: 2 | 4; kw: Set<string> };

export interface Form {
  mnemonic: string;
  ops: OpSpec[];
  wait: boolean;
  /** Operand size the form encodes (0: none). */
  osize: 0 | 16 | 32 | 64;
  /** 64-bit operand size needs REX.W (false for default-64 forms such as PUSH). */
  rexW: boolean;
  asize: 0 | 16 | 32 | 64;
  /** Mandatory prefix byte (66, F2, F3) or 0. */
  prefix: number;
  opcode: number[];
  plusReg: boolean;
  /** -1: no ModRM; 8: /r; 0..7: /digit. */
  modrm: number;
  modes: number;
  /** Position in the table (ties between equally long encodings go to the earlier form). */
  order: number;
  /**
   * The mnemonic alone fixes the operand size (CBW, LODSW, STOSD, IN AX,DX): no other form with
   * the same operands has another size. Otherwise the mode's default size applies (PUSHF, IRET, RET).
   */
  osizeImplied: boolean;
  /** Likewise for the address size (JECXZ versus LOOP). */
  asizeImplied: boolean;
  sig: string;
}

function parseOperand(token: string): OpSpec {
  const brace = token.indexOf("{");
  const t = brace < 0 ? token : token.slice(0, brace);
  const kw = new Set(brace < 0 ? [] : token.slice(brace + 1, -1).split(" ").filter(Boolean));
  const cls = (s: string): RegClass => (s === "mm" ? "mm" : s === "xmm" ? "xmm" : s === "sti" ? "st" : (`gpr${s.slice(1)}` as RegClass));
  let m: RegExpExecArray | null;
  if ((m = /^(r8|r16|r32|r64|mm|xmm)\/m(\d*)$/.exec(t))) return { k: "rm", cls: cls(m[1]), mem: m[2] ? Number(m[2]) / 8 : 0, kw };
  if ((m = /^m(\d*)$/.exec(t))) return { k: "mem", mem: m[1] ? Number(m[1]) / 8 : 0, far: false, kw };
  if (t === "mfar") return { k: "mem", mem: 0, far: true, kw };
  if ((m = /^moffs(\d+)$/.exec(t))) return { k: "moffs", mem: Number(m[1]) / 8, kw };
  if ((m = /^(r8|r16|r32|r64|mm|xmm)r$/.exec(t))) return { k: "rmreg", cls: cls(m[1]) };
  if ((m = /^(r8|r16|r32|r64)o$/.exec(t))) return { k: "opreg", cls: cls(m[1]) };
  if (t === "sti") return { k: "opreg", cls: "st" };
  if (/^(r8|r16|r32|r64|mm|xmm)$/.test(t)) return { k: "reg", cls: cls(t) };
  if (t === "sreg" || t === "cr" || t === "dr") return { k: "reg", cls: t };
  if (/^(i8|i16|i32|i64|s8|s32|one)$/.test(t)) return { k: "imm", imm: t as ImmKind, kw };
  if ((m = /^rel(8|16|32)$/.exec(t))) return { k: "rel", size: (Number(m[1]) / 8) as 1 | 2 | 4, kw };
  if ((m = /^far(16|32)$/.exec(t))) return { k: "far", size: (Number(m[1]) / 8) as 2 | 4, kw };
  return { k: "fixed", reg: t };
}

function parseForm(row: string, order: number): Form {
  const [head, enc, modes] = row.split("|");
  const sp = head.indexOf(" ");
  const mnemonic = head.slice(0, sp);
  const opsText = head.slice(sp + 1);
  const f: Form = {
    mnemonic, ops: opsText ? opsText.split(",").map(parseOperand) : [], wait: false, osize: 0, rexW: false,
    asize: 0, prefix: 0, opcode: [], plusReg: false, modrm: -1, modes: Number(modes), order,
    // Operands that only differ by size (r16/r32, rel16/rel32, ax/eax) count as the same here.
    osizeImplied: false, asizeImplied: false, sig: opsText.replace(/\{[^}]*\}/g, "").replace(/16|32|64/g, "N").replace(/\b[er]?ax\b/g, "acc"),
  };
  for (const t of enc.split(" ")) {
    if (t === "wait") f.wait = true;
    else if (t === "o16") f.osize = 16;
    else if (t === "o32") f.osize = 32;
    else if (t === "o64") f.osize = 64;
    else if (t === "w") (f.osize = 64), (f.rexW = true);
    else if (/^a(16|32|64)$/.test(t)) f.asize = Number(t.slice(1)) as 16 | 32 | 64;
    else if (t === "p66") f.prefix = 0x66;
    else if (t === "pF2") f.prefix = 0xf2;
    else if (t === "pF3") f.prefix = 0xf3;
    else if (t === "/r") f.modrm = 8;
    else if (/^\/[0-7]$/.test(t)) f.modrm = Number(t[1]);
    else if (/^[0-9A-F]{2}(\+r)?$/.test(t)) {
      f.opcode.push(parseInt(t.slice(0, 2), 16));
      if (t.endsWith("+r")) f.plusReg = true;
    } else throw new Error(`bad encoding token ${t} in ${row}`);
  }
  return f;
}

/** Rows by mnemonic, split cheaply at load; a mnemonic's rows are parsed on first use. */
let rows: Map<string, number[]> | null = null;
const parsed = new Map<string, Form[]>();

function rowIndex(): Map<string, number[]> {
  if (!rows) {
    rows = new Map();
    for (let i = 0; i < FORMS.length; i++) {
      const row = FORMS[i];
      const m = row.slice(0, row.indexOf(" "));
      const list = rows.get(m);
      if (list) list.push(i);
      else rows.set(m, [i]);
    }
  }
  return rows;
}

/** The forms of `mnemonic` (lower case), in table order. */
export function formsOf(mnemonic: string): readonly Form[] | undefined {
  const done = parsed.get(mnemonic);
  if (done) return done;
  const ids = rowIndex().get(mnemonic);
  if (!ids) return undefined;
  const list = ids.map((i) => parseForm(FORMS[i], i));
  for (const f of list) {
    const same = list.filter((g) => g.sig === f.sig);
    f.osizeImplied = same.every((g) => g.osize === f.osize);
    f.asizeImplied = same.every((g) => g.asize === f.asize);
  }
  parsed.set(mnemonic, list);
  return list;
}

/** Is `mnemonic` (lower case) in the table? Cheap: does not parse its forms. */
export function hasMnemonic(mnemonic: string): boolean {
  return rowIndex().has(mnemonic);
}

/** Every mnemonic in the table. */
export function allMnemonics(): string[] {
  return [...rowIndex().keys()];
}
