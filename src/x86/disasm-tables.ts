/**
 * Opcode tables of the disassembler (disasm.ts): mnemonic and operand forms of every instruction the
 * CPU implements, written from the Intel SDM Vol. 2 opcode maps (appendix A: tables A-2 one-byte,
 * A-3 two-byte, A-4/A-5 three-byte, A-6 group encodings, A-7..A-22 x87 escapes) and the instruction
 * pages. The table text lives in disasm-map-one.ts (one-byte map, x87) and disasm-map-0f.ts (0F,
 * 0F 38, 0F 3A); this module documents its notation and parses it once at module load into
 * per-opcode lists; nothing here runs per instruction.
 *
 * One line per form:  KEY  MNEMONIC  [OPERANDS]  [ | FLAGS]
 *
 * KEY      opcode: 2 hex digits (one-byte map), 0fXX, 0f38XX, 0f3aXX; a range XX-YY for register-in-
 *          opcode forms; then optionally
 *            /n     ModRM.reg = n           .m / .r  memory / register ModRM only
 *            =XX    the whole ModRM byte (a register form, e.g. 0f01=ca CLAC, d9=e0 FCHS)
 *            @np @66 @f3 @f2 @nr   mandatory prefix (SSE columns): none / 66 / F3 / F2 / no F2-F3
 *                   (66 then selects the operand size). An opcode with any such entry has no
 *                   form for the other prefixes (#UD), as in the SDM's prefix columns.
 *            w1 / w0  REX.W set / clear (64-bit mode forms such as MOVQ vs MOVD)
 *            !64 / #64  invalid in / only in 64-bit mode
 * MNEMONIC one name, or a|b|c chosen by operand size 16|32|64 (a|b: 16|32, 64 uses b).
 * OPERANDS comma-separated; see OperandKind in disasm.ts. A trailing "!" shows the memory size
 *          keyword (NASM `byte`/`dword`...) when the operand is memory, as NASM needs where no
 *          register fixes the size.
 * FLAGS    operand size: d64 (64-bit mode: default 64-bit), f64 (64-bit mode: always 64-bit),
 *            w32 (REX.W ignored), w64 (only REX.W changes it; 66 ignored), far (far pointer);
 *          how NASM shows the size: os (o16/o32/o64 prefix when it differs from the mode's),
 *            os64 (the same, 64-bit mode only), osm (the same, only with a memory operand),
 *            osn (w/d/q appended to the mnemonic instead);
 *          prefixes: lock (LOCK allowed with a memory destination), xrel (F3 → XRELEASE on a
 *            store), xchg (XACQUIRE/XRELEASE without LOCK), str / strz (string instruction; strz
 *            takes REPE/REPNE), esdi (string addressing only ES:rDI, so no segment prefix),
 *            segpfx / xlat (segment override shown as a prefix), bnd (F2 → BND), nt (3E →
 *            NOTRACK), repret (F3 → REP), noseg (LEA: no segment shown);
 *          branches: jcc (near form "near"), jmps (short JMP), loop / jcxz (rCX by address size);
 *          pseudo-ops and special forms: cmpcc (CMPPS... predicate in the name), imul (two-operand
 *            IMUL when destination = source), nop90 (90 as NOP), fpst1 (x87: ST1 operand
 *            omitted), to (x87 "to ST(i)" form); np (no 66/F2/F3 allowed); !64 / #64 as in KEY.
 */

import { MAP_ONE_BYTE } from "./disasm-map-one";
import { MAP_0F } from "./disasm-map-0f";

export interface TableEntry {
  /** 0 any, 1 np, 2 66, 3 f3, 4 f2, 5 no F2/F3. */
  pfx: number;
  reg: number;
  /** -1 any, 0 memory, 3 register. */
  mod: number;
  /** Exact ModRM byte or -1. */
  modrm: number;
  /** -1 any, 0 REX.W clear, 1 set. */
  w: number;
  /** 0 any mode, 1 not 64-bit, 2 only 64-bit. */
  modeReq: number;
  mnemonics: string[];
  ops: string[];
  flags: Set<string>;
}

const TABLE = MAP_ONE_BYTE + MAP_0F;

const PFX: Record<string, number> = { np: 1, "66": 2, f3: 3, f2: 4, nr: 5 };

/**
 * The tables, parsed on first use: parsing takes tens of milliseconds, and the hypervisor worker
 * loads this module at start-up, when the guest's boot should not wait for a disassembler.
 */
let tables: { entries: TableEntry[][]; prefixed: Uint8Array } | null = null;
export function disasmTables(): { entries: TableEntry[][]; prefixed: Uint8Array } {
  if (tables === null) {
    const entries = buildEntries();
    tables = { entries, prefixed: buildPrefixed(entries) };
  }
  return tables;
}

/** Entries by opcode (byte | map << 8), in table order (first match wins). */
function buildEntries(): TableEntry[][] {
  const out: TableEntry[][] = [];
  for (let i = 0; i < 0x400; i++) out.push([]);
  for (const raw of TABLE.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [spec, flagText = ""] = line.split(" | ").map((s) => s.trim());
    const words = spec.split(/\s+/);
    const key = words[0];
    let w = -1;
    let modeReq = 0;
    let i = 1;
    // Key modifiers written as separate words (w1, w0) may follow the key.
    while (i < words.length && /^(w[01]|!64|#64)$/.test(words[i])) {
      const m = words[i++];
      if (m === "w1") w = 1;
      else if (m === "w0") w = 0;
      else if (m === "!64") modeReq = 1;
      else if (m === "#64") modeReq = 2;
    }
    const mnemonics = words[i++].split("|");
    const ops = i < words.length ? words[i].split(",") : [];
    const flags = new Set(flagText.split(/\s+/).filter(Boolean));
    if (flags.has("!64")) modeReq = 1;
    if (flags.has("#64")) modeReq = 2;
    let pfx = flags.has("np") ? 1 : 0;
    let reg = -1;
    let mod = -1;
    let modrm = -1;
    const km = /^([0-9a-f]+)(?:-([0-9a-f]+))?((?:[/.=@][0-9a-z]+)*)$/.exec(key);
    if (!km) throw new Error(`disasm table: bad key ${key}`);
    const parseOp = (h: string): number => {
      if (h.length === 2) return parseInt(h, 16);
      if (h.startsWith("0f38")) return 0x200 | parseInt(h.slice(4), 16);
      if (h.startsWith("0f3a")) return 0x300 | parseInt(h.slice(4), 16);
      return 0x100 | parseInt(h.slice(2), 16);
    };
    const lo = parseOp(km[1]);
    const hi = km[2] ? parseOp(km[2]) : lo;
    for (const mm of km[3].matchAll(/([/.=@])([0-9a-z]+)/g)) {
      const v = mm[2];
      if (mm[1] === "/") reg = parseInt(v, 10);
      else if (mm[1] === ".") mod = v === "m" ? 0 : 3;
      else if (mm[1] === "=") {
        modrm = parseInt(v, 16);
        mod = 3;
        reg = (modrm >> 3) & 7;
      } else if (mm[1] === "@") pfx = PFX[v];
    }
    for (let op = lo; op <= hi; op++) out[op].push({ pfx, reg, mod, modrm, w, modeReq, mnemonics, ops, flags });
  }
  return out;
}

/** Opcodes whose forms depend on a mandatory prefix (any @-keyed entry): other prefixes are #UD. */
function buildPrefixed(entries: TableEntry[][]): Uint8Array {
  const a = new Uint8Array(0x400);
  entries.forEach((list, op) => {
    if (list.some((e) => e.pfx >= 1 && e.pfx <= 4)) a[op] = 1;
  });
  return a;
}
