/**
 * Effective addresses: a memory operand's registers and displacement → ModRM.mod/rm, SIB and
 * displacement, following NASM's parser.c parse_mref and assemble.c process_ea, so the same operand
 * gets the same bytes: which register is the base, [eax*2] split into [eax+eax], disp8 only for a
 * known number (a label or a forward reference gets a full displacement), BYTE/DWORD inside the
 * brackets forcing the displacement size, [rel x] and DEFAULT REL.
 */
import type { EaHint, Linear, Value } from "./expr";
import type { Reg } from "./registers";

export interface Ea {
  asize: 16 | 32 | 64;
  mod: number;
  rm: number;
  /** SIB byte, or -1. */
  sib: number;
  /** Displacement bytes: 0, 1, 2 or 4. */
  dispBytes: number;
  disp: Value;
  /** RIP-relative: disp is the target; the displacement is target - end of instruction. */
  rip: boolean;
  rexX: boolean;
  rexB: boolean;
  /** NASM's warning for this address (an absolute address under DEFAULT REL), if any. */
  warning?: string;
}

export interface EaFlags {
  /** BYTE/WORD/DWORD/QWORD written inside the brackets. */
  dispSize: number;
  rel: boolean;
  abs: boolean;
  nosplit: boolean;
  seg: Reg | null;
}

/** NASM's register enumeration is alphabetical (regs.pl sorts the names): ties go by it. */
const byNasmOrder = (a: Reg, b: Reg) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const ESP = 4;
const EBP = 5;

/**
 * Builds the effective address. `bits` is the mode; `prefixAsize` an address size from an
 * A16/A32/A64 prefix; `defaultRel` is DEFAULT REL. Returns an error message for an impossible one.
 */
export function buildEa(lin: Linear, hint: EaHint, flags: EaFlags, bits: 16 | 32 | 64, prefixAsize: number, defaultRel: boolean): Ea | string {
  const disp = lin.disp;
  const terms = [...lin.regs].filter(([, c]) => c !== 0n);
  for (const [r] of terms) {
    if (r.cls !== "gpr16" && r.cls !== "gpr32" && r.cls !== "gpr64") return `invalid effective address: ${r.name} cannot address memory`;
  }
  const noRex = { rexX: false, rexB: false };
  const forwRef = disp.unknown;

  if (terms.length === 0) {
    // A pure offset.
    let asize: 16 | 32 | 64 = bits;
    if (prefixAsize) asize = prefixAsize as 16 | 32 | 64;
    else if (bits !== 64 && flags.dispSize === 2) asize = 16;
    else if (bits !== 64 && flags.dispSize === 4) asize = 32;
    if (bits === 64 && asize === 16) return "16-bit addressing is not possible in 64-bit mode";
    if (bits !== 64 && asize === 64) return "64-bit addressing is only possible in 64-bit mode";
    if (bits === 64) {
      const fsgs = flags.seg !== null && (flags.seg.name === "fs" || flags.seg.name === "gs");
      let rip = flags.rel || (defaultRel && !flags.abs && !fsgs);
      let warning: string | undefined;
      if (rip && disp.seg < 0 && !forwRef) {
        rip = false;
        warning = "absolute address can not be RIP-relative";
      }
      if (rip) return { asize, mod: 0, rm: 5, sib: -1, dispBytes: 4, disp, rip: true, ...noRex, warning };
      return { asize, mod: 0, rm: 4, sib: 0x25, dispBytes: 4, disp, rip: false, ...noRex, warning };
    }
    return asize === 16
      ? { asize, mod: 0, rm: 6, sib: -1, dispBytes: 2, disp, rip: false, ...noRex }
      : { asize, mod: 0, rm: 5, sib: -1, dispBytes: 4, disp, rip: false, ...noRex };
  }

  // parse_mref: registers in NASM's order; one with coefficient 1 can be the base.
  terms.sort(([a], [b]) => byNasmOrder(a, b));
  if (terms.length > 2) return "invalid effective address: too many registers";
  let b: Reg | null = null;
  let i: Reg | null = null;
  let s = 0n;
  const [r0, c0] = terms[0];
  if (c0 === 1n) b = r0;
  else (i = r0), (s = c0);
  if (terms.length === 2) {
    const [r1, c1] = terms[1];
    if (b) (i = r1), (s = c1);
    else if (c1 !== 1n) return "invalid effective address: two index registers";
    else b = r1;
  }
  const cls = (b ?? i)!.cls;
  if ((b && b.cls !== cls) || (i && i.cls !== cls)) return "invalid effective address: impossible combination of address sizes";
  const asize: 16 | 32 | 64 = cls === "gpr16" ? 16 : cls === "gpr32" ? 32 : 64;
  if (bits === 64 && asize === 16) return "16-bit addressing is not possible in 64-bit mode";
  if (bits !== 64 && asize === 64) return "64-bit addressing is only possible in 64-bit mode";
  if (prefixAsize && prefixAsize !== asize) return `the address size of the registers contradicts the a${prefixAsize} prefix`;
  const ht = hint.summed ? "summed" : hint.firstReg === null ? "none" : hint.firstScaled ? "notbase" : "makebase";
  const hb = hint.firstReg;
  const byteOffs = flags.dispSize === 1;
  const wordOffs = flags.dispSize > 1;

  if (asize === 16) {
    if (flags.dispSize === 4 || flags.dispSize === 8) return "invalid effective address: a 16-bit address with a DWORD displacement";
    let bb = b ? b.name : null;
    let ii = i && s !== 0n ? i.name : null;
    if (ii && s !== 1n) return "invalid effective address: 16-bit addressing has no scale";
    const ok = (n: string | null) => n === null || n === "bx" || n === "bp" || n === "si" || n === "di";
    if (!ok(bb) || !ok(ii)) return "invalid effective address: 16-bit addressing takes only BX, BP, SI and DI";
    if (bb === null && ii !== null) [bb, ii] = [ii, bb];
    if ((bb === "si" || bb === "di") && ii !== null) [bb, ii] = [ii, bb];
    if (bb === ii || (ii !== null && bb !== null && (ii === "bp" || ii === "bx" || bb === "si" || bb === "di"))) return "invalid effective address: impossible register combination";
    const rmTable: Record<string, number> = { "bx+si": 0, "bx+di": 1, "bp+si": 2, "bp+di": 3, si: 4, di: 5, bp: 6, bx: 7 };
    const rm = rmTable[ii ? `${bb}+${ii}` : bb!];
    const o = BigInt.asIntN(16, disp.ofs);
    const known = disp.seg < 0 && !forwRef;
    const mod = o === 0n && known && rm !== 6 && !byteOffs && !wordOffs ? 0 : byteOffs || (o >= -128n && o <= 127n && known && !wordOffs) ? 1 : 2;
    return { asize, mod, rm, sib: -1, dispBytes: mod, disp, rip: false, ...noRex };
  }

  if (flags.dispSize === 2 || flags.dispSize === 8) return `invalid effective address: a ${asize}-bit address with a ${flags.dispSize === 2 ? "WORD" : "QWORD"} displacement`;
  let bt = b ? b.num : -1;
  let it = i ? i.num : -1;
  let bReg = b;
  let iReg = i;
  let scale = Number(s);
  if (it === -1) scale = 0;
  const swap = () => {
    [bt, it] = [it, bt];
    [bReg, iReg] = [iReg, bReg];
  };
  if (scale === 1 && bt !== it && bt !== -1 && it !== -1 && ((hb === bReg && ht === "notbase") || (hb === iReg && ht === "makebase"))) swap();
  if (bt === -1 && scale === 1 && !(hb === iReg && ht === "notbase")) {
    bt = it;
    bReg = iReg;
    it = -1;
    iReg = null;
    scale = 0;
  }
  if (((scale === 2 && it !== ESP && (!flags.nosplit || ht === "summed")) || scale === 3 || scale === 5 || scale === 9) && bt === -1) {
    bt = it;
    bReg = iReg;
    scale--;
  }
  if (it === -1 && bt !== -1 && (bt & 7) !== ESP && flags.nosplit && hb === bReg && ht === "notbase") {
    it = bt;
    iReg = bReg;
    bt = -1;
    bReg = null;
    scale = 1;
  }
  if (scale === 1 && it === ESP) swap();
  if (it === ESP || (it !== -1 && scale !== 1 && scale !== 2 && scale !== 4 && scale !== 8)) return "invalid effective address";
  const o = BigInt.asIntN(32, disp.ofs);
  const known = disp.seg < 0 && !forwRef;
  const modFor = (base: number) =>
    (base & 7) !== EBP && o === 0n && known && !byteOffs && !wordOffs ? 0 : byteOffs || (o >= -128n && o <= 127n && known && !wordOffs) ? 1 : 2;
  const rex = { rexX: it >= 8, rexB: bt >= 8 };
  if (it === -1 && (bt & 7) !== ESP) {
    if (bt === -1) return { asize, mod: 0, rm: 5, sib: -1, dispBytes: 4, disp, rip: false, ...rex };
    const mod = modFor(bt);
    return { asize, mod, rm: bt & 7, sib: -1, dispBytes: mod === 2 ? 4 : mod, disp, rip: false, ...rex };
  }
  const index = it === -1 ? 4 : it & 7;
  const ss = it === -1 ? 0 : [0, 0, 1, 0, 2, 0, 0, 0, 3][scale];
  if (bt === -1) return { asize, mod: 0, rm: 4, sib: (ss << 6) | (index << 3) | 5, dispBytes: 4, disp, rip: false, ...rex };
  const mod = modFor(bt);
  return { asize, mod, rm: 4, sib: (ss << 6) | (index << 3) | (bt & 7), dispBytes: mod === 2 ? 4 : mod, disp, rip: false, ...rex };
}
