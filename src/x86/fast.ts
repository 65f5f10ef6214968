/**
 * Specialised executors for the hottest instruction forms, chosen once per cached decoded
 * instruction (Decoded.fn, called from cpu.ts runFast). Everything else goes to the general `execute`.
 *
 * Each handler does exactly what `execute` does for its form (same helpers, same fault order:
 * compute and check the address, read, check `fault`, then commit), minus the dispatch through
 * execute → aluForm → binop → getReg/setReg with sizes known only at run time. They are only chosen
 * for instructions without a LOCK prefix (execute owns the #UD rules for LOCK) and for the operand
 * sizes written out here; `specialize` returns `execute` for anything else.
 *
 * Hot-path rules (V8): handlers stay small so TurboFan inlines alu32()/cond()/read32(); values are
 * int32 (`| 0`) whenever they are stored into typed arrays or lazy-flag fields.
 */
import { Decoded, MODE_64 } from "./decode";
import { Machine, PARITY } from "./machine";
import { execute } from "./exec-main";
import { executeIo } from "./exec-system";
import { alu, alu32, alu64, incDec, neg, shift, shift64 } from "./arith";
import { branchTo, readMem64 } from "./operands";

type Handler = (c: Machine, d: Decoded) => void;

/** Tests turn the specialised handlers off to compare them with the general executor. */
export const fastPaths = { enabled: true };

const TWO32 = 4294967296;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ARITH = 0x8d5; // CF PF AF ZF SF OF

// ---- Group-1 ALU (ADD OR ADC SBB AND SUB XOR CMP), 32-bit operands. `aop` = d.op >> 3 or ModRM.reg.

/** op Ev, Gv with a register destination (00 01 08 09 ... 39, mod = 3). */
function aluEvGvReg32(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const r = alu32(c, aop, c.r32[d.rm << 1], c.r32[d.reg << 1]);
  if (aop !== 7) {
    c.r32[d.rm << 1] = r;
    c.r32[(d.rm << 1) + 1] = 0;
  }
}

/** op Gv, Ev with a register source (03 0B ... 3B, mod = 3). */
function aluGvEvReg32(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const r = alu32(c, aop, c.r32[d.reg << 1], c.r32[d.rm << 1]);
  if (aop !== 7) {
    c.r32[d.reg << 1] = r;
    c.r32[(d.reg << 1) + 1] = 0;
  }
}

/** op Gv, Ev with a memory source. */
function aluGvEvMem32(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, false);
  if (c.fault) return;
  const b = c.read32(lin);
  if (c.fault) return;
  const aop = (d.op >> 3) & 7;
  const r = alu32(c, aop, c.r32[d.reg << 1], b);
  if (aop !== 7) {
    c.r32[d.reg << 1] = r;
    c.r32[(d.reg << 1) + 1] = 0;
  }
}

/** [mem] op= src, 32-bit: CMP only reads; the others check the write before reading (rmwLinear). */
function aluMem32(c: Machine, d: Decoded, aop: number, src: number): void {
  if (aop === 7) {
    const lin = c.eaLinear(d, 4, false);
    if (c.fault) return;
    const a = c.read32(lin);
    if (c.fault) return;
    alu32(c, 7, a, src);
    return;
  }
  const lin = c.eaLinear(d, 4, true);
  if (c.fault) return;
  if (!c.probeWrite(lin, 4)) return;
  const a = c.read32(lin);
  if (c.fault) return;
  c.write32(lin, alu32(c, aop, a, src));
}

function aluEvGvMem32(c: Machine, d: Decoded): void {
  aluMem32(c, d, (d.op >> 3) & 7, c.r32[d.reg << 1]);
}

/** 05 0D ... 3D: op eAX, imm32. */
function aluAccImm32(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const r = alu32(c, aop, c.r32[0], d.imm);
  if (aop !== 7) {
    c.r32[0] = r;
    c.r32[1] = 0;
  }
}

/** 80 with a byte register destination. */
function aluImmReg8(c: Machine, d: Decoded): void {
  const aop = d.reg & 7;
  const r = alu(c, aop, c.r8[d.rmByte], d.imm, 1);
  if (aop !== 7) c.r8[d.rmByte] = r;
}

/** 80 with a byte in memory: CMP only reads; the others check the write before reading. */
function aluImmMem8(c: Machine, d: Decoded): void {
  const aop = d.reg & 7;
  if (aop === 7) {
    const lin = c.eaLinear(d, 1, false);
    if (c.fault) return;
    const a = c.read8(lin);
    if (c.fault) return;
    alu(c, 7, a, d.imm, 1);
    return;
  }
  const lin = c.eaLinear(d, 1, true);
  if (c.fault) return;
  if (!c.probeWrite(lin, 1)) return;
  const a = c.read8(lin);
  if (c.fault) return;
  c.write8(lin, alu(c, aop, a, d.imm, 1));
}

/** 81 / 83 with a register destination. */
function aluImmReg32(c: Machine, d: Decoded): void {
  const aop = d.reg & 7;
  const r = alu32(c, aop, c.r32[d.rm << 1], d.imm);
  if (aop !== 7) {
    c.r32[d.rm << 1] = r;
    c.r32[(d.rm << 1) + 1] = 0;
  }
}

function aluImmMem32(c: Machine, d: Decoded): void {
  aluMem32(c, d, d.reg & 7, d.imm);
}

/** 81 / 83 with a 64-bit register destination (REX.W). */
function aluImmReg64(c: Machine, d: Decoded): void {
  const aop = d.reg & 7;
  const i = d.rm << 1;
  const lo = alu64(c, aop, c.r32[i], c.r32[i + 1], d.imm, d.imm >> 31);
  if (aop !== 7) {
    c.r32[i] = lo;
    c.r32[i + 1] = c.hi;
  }
}

/** op Ev, Gv / op Gv, Ev between 64-bit registers. */
function aluRegReg64(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  // Direction bit (op & 2): Gv, Ev puts the result in reg.
  const dst = d.op & 2 ? d.reg << 1 : d.rm << 1;
  const src = d.op & 2 ? d.rm << 1 : d.reg << 1;
  const lo = alu64(c, aop, c.r32[dst], c.r32[dst + 1], c.r32[src], c.r32[src + 1]);
  if (aop !== 7) {
    c.r32[dst] = lo;
    c.r32[dst + 1] = c.hi;
  }
}

/** F7 /2 NOT and /3 NEG on a 32-bit register (group3's register path; NEG is 0 - a). */
function notNegReg32(c: Machine, d: Decoded): void {
  const i = d.rm << 1;
  const a = c.r32[i];
  c.r32[i] = (d.reg & 7) === 2 ? ~a : alu32(c, 5, 0, a);
  c.r32[i + 1] = 0;
}

/** 85: TEST Ev, Gv between 32-bit registers (AND without writing). */
function testRegReg32(c: Machine, d: Decoded): void {
  alu32(c, 4, c.r32[d.rm << 1], c.r32[d.reg << 1]);
}

/** 00 08 ... 38 / 02 0A ... 3A: op Eb, Gb / op Gb, Eb between byte registers. */
function aluRegReg8(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const dst = d.op & 2 ? d.regByte : d.rmByte;
  const src = d.op & 2 ? d.rmByte : d.regByte;
  const r = alu(c, aop, c.r8[dst], c.r8[src], 1);
  if (aop !== 7) c.r8[dst] = r;
}

/** 02 0A ... 3A with a memory source: op Gb, [mem]. */
function aluGbEbMem(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 1, false);
  if (c.fault) return;
  const b = c.read8(lin);
  if (c.fault) return;
  const aop = (d.op >> 3) & 7;
  const r = alu(c, aop, c.r8[d.regByte], b, 1);
  if (aop !== 7) c.r8[d.regByte] = r;
}

/** 04 0C ... 3C: op AL, imm8. */
function aluAccImm8(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const r = alu(c, aop, c.r8[0], d.imm, 1);
  if (aop !== 7) c.r8[0] = r;
}

/** 84: TEST Eb, Gb between byte registers; A8: TEST AL, imm8; A9: TEST EAX, imm32. */
function testRegReg8(c: Machine, d: Decoded): void {
  alu(c, 4, c.r8[d.rmByte], c.r8[d.regByte], 1);
}

function testAccImm8(c: Machine, d: Decoded): void {
  alu(c, 4, c.r8[0], d.imm, 1);
}

function testAccImm32(c: Machine, d: Decoded): void {
  alu32(c, 4, c.r32[0], d.imm);
}

/** 85 with memory: TEST [mem], r32. */
function testMemReg32(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, false);
  if (c.fault) return;
  const a = c.read32(lin);
  if (c.fault) return;
  alu32(c, 4, a, c.r32[d.reg << 1]);
}

/**
 * C1 / D1 / D3 on a 32-bit register (shiftRm's register path): a zero count changes nothing, but
 * in 64-bit mode the 32-bit destination is still zero-extended.
 */
function shiftReg32(c: Machine, d: Decoded): void {
  const op = d.op;
  const raw = op === 0xc1 ? d.imm : op === 0xd1 ? 1 : c.r8[8];
  const count = raw & 0x1f;
  const i = d.rm << 1;
  const sub = d.reg & 7;
  const r = sub >= 4 && count !== 0 ? shiftBy32(c, sub, c.r32[i], count) : shift(c, sub, c.r32[i], count, 4);
  if (count !== 0) {
    c.r32[i] = r;
    c.r32[i + 1] = 0;
  } else if (c.codeMode === MODE_64) c.r32[i + 1] = 0;
}

/**
 * arith.ts `shift` for SHL/SAL (4, 6), SHR (5) and SAR (7) of a 32-bit value by 1..31, written out
 * for that size: CF = last bit shifted out, OF as `shift` defines it, SF/ZF/PF from the result,
 * AF = 0; all six flags are set explicitly (the lazy state is dropped).
 */
function shiftBy32(c: Machine, sub: number, a: number, count: number): number {
  let r: number;
  let f: number;
  if (sub === 5) {
    r = (a >>> count) | 0;
    f = ((a >>> (count - 1)) & 1) | (count === 1 && a < 0 ? OF : 0);
  } else if (sub === 7) {
    r = a >> count;
    f = (a >> (count - 1)) & 1;
  } else {
    r = a << count;
    const cf = (a >>> (32 - count)) & 1;
    f = cf | (((r >>> 31) ^ cf) !== 0 ? OF : 0);
  }
  f |= PARITY[r & 0xff] | (r === 0 ? ZF : 0) | (r < 0 ? SF : 0);
  c.lazyMask = 0;
  c.flags = (c.flags & ~ARITH) | f;
  return r;
}

/** 0F 90-9F: SETcc to a byte register. */
function setccReg(c: Machine, d: Decoded): void {
  c.r8[d.rmByte] = c.cond(d.op & 15) ? 1 : 0;
}

/** 0F 40-4F: CMOVcc r32, r32 (the destination is zero-extended even when not moved). */
function cmovRegReg32(c: Machine, d: Decoded): void {
  const v = c.r32[d.rm << 1];
  if (c.cond(d.op & 15)) c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = 0;
}

// ---- Moves.

/** 88 / 8A between byte registers. */
function movRegReg8(c: Machine, d: Decoded): void {
  if (d.op === 0x88) c.r8[d.rmByte] = c.r8[d.regByte];
  else c.r8[d.regByte] = c.r8[d.rmByte];
}

/** 8A from memory. */
function movLoad8(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 1, false);
  if (c.fault) return;
  const v = c.read8(lin);
  if (c.fault) return;
  c.r8[d.regByte] = v;
}


function movRegReg32(c: Machine, d: Decoded): void {
  // 89 (Ev <- Gv) or 8B (Gv <- Ev), mod = 3.
  const dst = d.op === 0x89 ? d.rm : d.reg;
  const src = d.op === 0x89 ? d.reg : d.rm;
  c.r32[dst << 1] = c.r32[src << 1];
  c.r32[(dst << 1) + 1] = 0;
}

function movRegReg64(c: Machine, d: Decoded): void {
  const dst = (d.op === 0x89 ? d.rm : d.reg) << 1;
  const src = (d.op === 0x89 ? d.reg : d.rm) << 1;
  c.r32[dst] = c.r32[src];
  c.r32[dst + 1] = c.r32[src + 1];
}

function movStore32(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, true);
  if (c.fault) return;
  c.write32(lin, c.r32[d.reg << 1]);
}

function movLoad32(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, false);
  if (c.fault) return;
  const v = c.read32(lin);
  if (c.fault) return;
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = 0;
}

function movStore64(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, true);
  if (c.fault) return;
  c.write64(lin, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
}

function movLoad64(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return;
  const lo = readMem64(c, lin);
  if (c.fault) return;
  c.r32[d.reg << 1] = lo;
  c.r32[(d.reg << 1) + 1] = c.hi;
}

/** 88: MOV Eb, Gb to memory. */
function movStore8(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 1, true);
  if (c.fault) return;
  c.write8(lin, c.r8[d.regByte]);
}

/** C6 /0: MOV Eb, Ib to memory. */
function movStoreImm8(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 1, true);
  if (c.fault) return;
  c.write8(lin, d.imm);
}

/** C7 /0: MOV Ev, Iz to memory (32-bit). */
function movStoreImm32(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, true);
  if (c.fault) return;
  c.write32(lin, d.imm);
}

/** B8+r: MOV r32, imm32. */
function movRegImm32(c: Machine, d: Decoded): void {
  c.r32[d.rm << 1] = d.imm;
  c.r32[(d.rm << 1) + 1] = 0;
}

/** 0F B6: MOVZX r32, Eb. */
function movzxByte32(c: Machine, d: Decoded): void {
  let v: number;
  if (d.mod === 3) v = c.r8[d.rmByte];
  else {
    const lin = c.eaLinear(d, 1, false);
    if (c.fault) return;
    v = c.read8(lin);
    if (c.fault) return;
  }
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = 0;
}

/**
 * 8D: LEA r32 with a 32-bit address. Machine.ea returns the offset as a uint32 (a heap number when
 * ≥ 2^31 unless inlined); here it stays int32 (same 32 bits once stored in the register file).
 */
function lea32(c: Machine, d: Decoded): void {
  let a = d.disp;
  if (d.base >= 0) a = (a + c.r32[d.base << 1]) | 0;
  if (d.index >= 0) a = (a + (c.r32[d.index << 1] << d.scale)) | 0;
  if (d.ripRel) a = (a + c.nextRip) | 0;
  c.r32[d.reg << 1] = a;
  c.r32[(d.reg << 1) + 1] = 0;
}

// ---- 64-bit operands and the other forms a 64-bit kernel runs most (issue 8: profiled on a
// Linux boot, these were a sixth of all instructions and each went through `execute`).

/** 63 with REX.W in 64-bit mode: MOVSXD r64, r32. */
function movsxdReg(c: Machine, d: Decoded): void {
  const v = c.r32[d.rm << 1];
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = v >> 31;
}

/** 63 with REX.W in 64-bit mode: MOVSXD r64, m32. */
function movsxdMem(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 4, false);
  if (c.fault) return;
  const v = c.read32(lin);
  if (c.fault) return;
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = v >> 31;
}

/** 0F 1F: the multi-byte NOP (its memory operand is never accessed). */
function nopEv(_c: Machine, _d: Decoded): void {}

/** 8D with a 64-bit address: LEA r64 / r32, the whole 64-bit sum (wrapping; never checked for canonical form). */
function lea64(c: Machine, d: Decoded): void {
  const lo = c.ea64Halves(d) | 0;
  c.r32[d.reg << 1] = lo;
  c.r32[(d.reg << 1) + 1] = d.osz === 8 ? c.hi : 0;
}

/** C1 / D1 / D3 on a 64-bit register (count masked to 6 bits; a zero count changes nothing). */
function shiftReg64(c: Machine, d: Decoded): void {
  const op = d.op;
  const raw = op === 0xc1 ? d.imm : op === 0xd1 ? 1 : c.r8[8];
  const i = d.rm << 1;
  const lo = shift64(c, d.reg & 7, c.r32[i], c.r32[i + 1], raw & 0x3f);
  c.r32[i] = lo;
  c.r32[i + 1] = c.hi;
}

/** F6 /0 (and its alias /1): TEST Eb, imm8. */
function testImm8Reg(c: Machine, d: Decoded): void {
  alu(c, 4, c.r8[d.rmByte], d.imm, 1);
}

function testImm8Mem(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 1, false);
  if (c.fault) return;
  const a = c.read8(lin);
  if (c.fault) return;
  alu(c, 4, a, d.imm, 1);
}

/** F7 /0 (and /1): TEST Ev, imm32 (sign-extended for 64 bits), on a register. */
function testImmReg(c: Machine, d: Decoded): void {
  const i = d.rm << 1;
  if (d.osz === 8) alu64(c, 4, c.r32[i], c.r32[i + 1], d.imm, d.imm >> 31);
  else alu32(c, 4, c.r32[i], d.imm);
}

/** 0F B6 / B7 / BE / BF into a 32- or 64-bit register (MOVZX, MOVSX; movzxByte32 is the 32-bit byte form). */
function movxReg(c: Machine, d: Decoded): void {
  const b = d.op & 0xff;
  let v = b & 1 ? c.r16[d.rm << 2] : c.r8[d.rmByte];
  if (b >= 0xbe) v = b & 1 ? (v << 16) >> 16 : (v << 24) >> 24;
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = d.osz === 8 ? v >> 31 : 0;
}

function movxMem(c: Machine, d: Decoded): void {
  const b = d.op & 0xff;
  const lin = c.eaLinear(d, b & 1 ? 2 : 1, false);
  if (c.fault) return;
  let v = b & 1 ? c.read16(lin) : c.read8(lin);
  if (c.fault) return;
  if (b >= 0xbe) v = b & 1 ? (v << 16) >> 16 : (v << 24) >> 24;
  c.r32[d.reg << 1] = v;
  c.r32[(d.reg << 1) + 1] = d.osz === 8 ? v >> 31 : 0;
}

/** C7 /0 with REX.W: MOV r64, imm32 (sign-extended). */
/** B8+r with REX.W: MOV r64, imm64. */
function movRegImm64(c: Machine, d: Decoded): void {
  c.r32[d.rm << 1] = d.imm;
  c.r32[(d.rm << 1) + 1] = d.immHi;
}

function movRegImm64s(c: Machine, d: Decoded): void {
  c.r32[d.rm << 1] = d.imm;
  c.r32[(d.rm << 1) + 1] = d.imm >> 31;
}

/** C7 /0 with REX.W: MOV m64, imm32 (sign-extended). */
function movStoreImm64s(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, true);
  if (c.fault) return;
  c.write64(lin, d.imm, d.imm >> 31);
}

/** F7 /2 NOT and /3 NEG on a 64-bit register. */
function notNegReg64(c: Machine, d: Decoded): void {
  const i = d.rm << 1;
  if ((d.reg & 7) === 2) {
    c.r32[i] = ~c.r32[i];
    c.r32[i + 1] = ~c.r32[i + 1];
    return;
  }
  const lo = neg(c, c.r32[i], c.r32[i + 1], 8);
  c.r32[i] = lo;
  c.r32[i + 1] = c.hi;
}

/** 85 with REX.W: TEST r64, r64. */
function testRegReg64(c: Machine, d: Decoded): void {
  alu64(c, 4, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1], c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
}

/** 0F 40-4F with REX.W between registers: CMOVcc r64, r64 (nothing changes when not moved). */
function cmovRegReg64(c: Machine, d: Decoded): void {
  if (c.cond(d.op & 15)) {
    c.r32[d.reg << 1] = c.r32[d.rm << 1];
    c.r32[(d.reg << 1) + 1] = c.r32[(d.rm << 1) + 1];
  }
}

/** 05 0D ... 3D with REX.W: op RAX, imm32 (sign-extended). */
function aluAccImm64(c: Machine, d: Decoded): void {
  const aop = (d.op >> 3) & 7;
  const lo = alu64(c, aop, c.r32[0], c.r32[1], d.imm, d.imm >> 31);
  if (aop !== 7) {
    c.r32[0] = lo;
    c.r32[1] = c.hi;
  }
}

/** 03 0B ... 3B with REX.W and a memory source: op r64, m64. */
function aluGvEvMem64(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return;
  const b = readMem64(c, lin);
  if (c.fault) return;
  const aop = (d.op >> 3) & 7;
  const i = d.reg << 1;
  const lo = alu64(c, aop, c.r32[i], c.r32[i + 1], b, c.hi);
  if (aop !== 7) {
    c.r32[i] = lo;
    c.r32[i + 1] = c.hi;
  }
}

/** [m64] op= src: CMP only reads; the others check the write before reading (rmwLinear). */
function aluMem64(c: Machine, d: Decoded, aop: number, srcLo: number, srcHi: number): void {
  if (aop === 7) {
    const lin = c.eaLinear(d, 8, false);
    if (c.fault) return;
    const a = readMem64(c, lin);
    if (c.fault) return;
    alu64(c, 7, a, c.hi, srcLo, srcHi);
    return;
  }
  const lin = c.eaLinear(d, 8, true);
  if (c.fault) return;
  if (!c.probeWrite(lin, 8)) return;
  const a = readMem64(c, lin);
  if (c.fault) return;
  const lo = alu64(c, aop, a, c.hi, srcLo, srcHi);
  c.write64(lin, lo, c.hi);
}

/** 01 09 ... 39 with REX.W and a memory destination: op m64, r64. */
function aluEvGvMem64(c: Machine, d: Decoded): void {
  aluMem64(c, d, (d.op >> 3) & 7, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
}

/** 81 / 83 with REX.W and a memory destination: op m64, imm32 (sign-extended). */
function aluImmMem64(c: Machine, d: Decoded): void {
  aluMem64(c, d, d.reg & 7, d.imm, d.imm >> 31);
}

/** FF /0 /1: INC / DEC of a dword or qword in memory. */
function incDecMem(c: Machine, d: Decoded): void {
  const size = d.osz;
  const dec = (d.reg & 7) === 1;
  const lin = c.eaLinear(d, size, true);
  if (c.fault) return;
  if (!c.probeWrite(lin, size)) return;
  if (size === 8) {
    const a = readMem64(c, lin);
    if (c.fault) return;
    const lo = incDec(c, a, c.hi, 8, dec);
    c.write64(lin, lo, c.hi);
    return;
  }
  const a = c.read32(lin);
  if (c.fault) return;
  c.write32(lin, incDec(c, a, 0, 4, dec));
}

/** 89 with a 16-bit operand to memory: MOV m16, r16. */
function movStore16(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 2, true);
  if (c.fault) return;
  c.write16(lin, c.r16[d.reg << 2]);
}

// ---- INC / DEC.

/** 40-4F (outside 64-bit mode) and FF /0 /1 on a 32-bit register. */
function incDecReg32(c: Machine, d: Decoded): void {
  const dec = d.op === 0xff ? (d.reg & 7) === 1 : d.op >= 0x48;
  const r = d.rm;
  c.r32[r << 1] = incDec(c, c.r32[r << 1], 0, 4, dec);
  c.r32[(r << 1) + 1] = 0;
}

function incDecReg64(c: Machine, d: Decoded): void {
  const i = d.rm << 1;
  const lo = incDec(c, c.r32[i], c.r32[i + 1], 8, (d.reg & 7) === 1);
  c.r32[i] = lo;
  c.r32[i + 1] = c.hi;
}

// ---- Control flow.

/** 70-7F and 0F 80-8F. */
function jcc(c: Machine, d: Decoded): void {
  if (c.cond(d.op & 15)) branchTo(c, c.nextRip + d.imm, c.codeMode === MODE_64 ? 8 : d.osz);
}

/** EB / E9. */
function jmpRel(c: Machine, d: Decoded): void {
  branchTo(c, c.nextRip + d.imm, c.codeMode === MODE_64 ? 8 : d.osz);
}

/** E8 with a 32-bit stack operand outside 64-bit mode (no 66 prefix). */
function callRel32(c: Machine, d: Decoded): void {
  const ret = c.nextRip;
  if (!branchTo(c, ret + d.imm, 4)) return;
  pushD(c, ret | 0);
}

/** E8 in 64-bit mode (no 66 prefix). */
function callRel64(c: Machine, d: Decoded): void {
  const ret = c.nextRip;
  if (!branchTo(c, ret + d.imm, 8)) return;
  pushQ(c, ret | 0, Math.floor(ret / TWO32));
}

/**
 * FF /2 and FF /4 in 64-bit mode: CALL / JMP near through a register or memory (the operand is 64
 * bits whatever the prefixes, as in exec-main group5). Indirect calls are a kernel's function
 * pointers: sort()'s comparators, ops tables, static calls not yet patched.
 */
function callIndReg64(c: Machine, d: Decoded): void {
  const target = c.r32[(d.rm << 1) + 1] * TWO32 + (c.r32[d.rm << 1] >>> 0);
  const ret = c.nextRip;
  if (!branchTo(c, target, 8)) return;
  pushQ(c, ret | 0, Math.floor(ret / TWO32));
  if (c.fault) c.nextRip = ret;
}

function callIndMem64(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return;
  const lo = readMem64(c, lin);
  if (c.fault) return;
  const ret = c.nextRip;
  if (!branchTo(c, c.hi * TWO32 + (lo >>> 0), 8)) return;
  pushQ(c, ret | 0, Math.floor(ret / TWO32));
  if (c.fault) c.nextRip = ret;
}

function jmpIndReg64(c: Machine, d: Decoded): void {
  branchTo(c, c.r32[(d.rm << 1) + 1] * TWO32 + (c.r32[d.rm << 1] >>> 0), 8);
}

function jmpIndMem64(c: Machine, d: Decoded): void {
  const lin = c.eaLinear(d, 8, false);
  if (c.fault) return;
  const lo = readMem64(c, lin);
  if (c.fault) return;
  branchTo(c, c.hi * TWO32 + (lo >>> 0), 8);
}

/** C3 outside 64-bit mode, 32-bit operand. */
function ret32(c: Machine, _d: Decoded): void {
  // The target is checked before ESP changes (#GP leaves ESP as it was).
  const sp = c.r32[8];
  const spHi = c.r32[9];
  const t = popD(c);
  if (c.fault) return;
  if (!branchTo(c, t >>> 0, 4)) {
    c.r32[8] = sp;
    c.r32[9] = spHi;
  }
}

/** C3 in 64-bit mode (no 66 prefix). */
function ret64(c: Machine, _d: Decoded): void {
  // The target is checked before RSP changes (#GP leaves RSP as it was).
  const sp = c.r32[8];
  const spHi = c.r32[9];
  const lo = popQ(c);
  if (c.fault) return;
  if (!branchTo(c, c.hi * TWO32 + (lo >>> 0), 8)) {
    c.r32[8] = sp;
    c.r32[9] = spHi;
  }
}

// ---- Stack.

/**
 * 32-bit push/pop with a 32-bit stack (SS.B = 1): Machine.push/peek/setSp written out for this one
 * size (same SS limit/type checks through linear(), same order: check and write, then ESP).
 */
function pushD(c: Machine, v: number): void {
  if (c.stackSize !== 4) {
    c.push(4, v);
    return;
  }
  const sp = (c.r32[8] - 4) >>> 0;
  const lin = c.linear(2, sp, 4, true);
  if (c.fault) return;
  c.write32(lin, v);
  if (c.fault) return;
  c.r32[8] = sp;
  c.r32[9] = 0;
}

/** Pop 4 bytes (see pushD). 0 after a fault, with ESP unchanged. */
function popD(c: Machine): number {
  if (c.stackSize !== 4) {
    const v = c.peek(4, 0);
    if (c.fault) return 0;
    c.setSp(c.wrapSp(c.getSp() + 4));
    return v;
  }
  const sp = c.r32[8] >>> 0;
  const lin = c.linear(2, sp, 4, false);
  if (c.fault) return 0;
  const v = c.read32(lin);
  if (c.fault) return 0;
  c.r32[8] = sp + 4; // (sp + 4) mod 2^32 once stored
  c.r32[9] = 0;
  return v;
}

/**
 * 64-bit push/pop when the 8 bytes sit in one page and the low half of RSP neither borrows nor
 * carries (every stack a guest runs: a user stack below 2^31, a kernel's in the upper half): one
 * page check, and RSP's high half stays as it is. A high half in -2^15 .. 2^15 - 1 is a canonical
 * address whichever the low half, and SS has no base in 64-bit mode, so linear(SS) would only
 * have returned that address itself. Anything else (a borrow or carry across the halves, a
 * non-canonical RSP: #SS) goes through Machine.push64 and stackLinear.
 */
function pushQ(c: Machine, lo: number, hi: number): void {
  const spHi = c.r32[9];
  const nsp = (c.r32[8] >>> 0) - 8;
  if (nsp >= 0 && (nsp & 0xfff) <= 0xff8 && spHi >= -0x8000 && spHi < 0x8000) {
    // An int32 low half keeps the address a small integer (no double) for every stack below 2^31.
    const lin = spHi === 0 ? nsp : spHi * TWO32 + nsp;
    c.write64(lin, lo, hi); // checks the whole operand before writing any of it
    if (c.fault) return;
    c.r32[8] = nsp;
    return;
  }
  c.push64(lo, hi);
}

/** Pop 8 bytes (low half returned, high half in c.hi); see pushQ. NaN-free: 0 after a fault. */
function popQ(c: Machine): number {
  const spHi = c.r32[9];
  const sp = c.r32[8] >>> 0;
  if ((sp & 0xfff) <= 0xff8 && sp < TWO32 - 8 && spHi >= -0x8000 && spHi < 0x8000) {
    const lo = readMem64(c, spHi === 0 ? sp : spHi * TWO32 + sp);
    if (c.fault) return 0;
    c.r32[8] = sp + 8; // below 2^32: no carry into the high half
    return lo;
  }
  const lin = c.stackLinear(0, 8, false);
  if (c.fault) return 0;
  const lo = readMem64(c, lin);
  if (c.fault) return 0;
  const hi = c.hi;
  c.setSp(c.getSp() + 8);
  c.hi = hi;
  return lo;
}

function push32(c: Machine, d: Decoded): void {
  pushD(c, c.r32[d.rm << 1]);
}

function push64(c: Machine, d: Decoded): void {
  pushQ(c, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1]);
}

function pop32(c: Machine, d: Decoded): void {
  const v = popD(c);
  if (c.fault) return;
  c.r32[d.rm << 1] = v;
  c.r32[(d.rm << 1) + 1] = 0;
}

function pop64(c: Machine, d: Decoded): void {
  const lo = popQ(c);
  if (c.fault) return;
  c.r32[d.rm << 1] = lo;
  c.r32[(d.rm << 1) + 1] = c.hi;
}

/**
 * Pick the executor of a freshly decoded instruction. Conditions mirror the general executor's
 * dispatch: operand size from the prefixes/mode, register vs memory form from ModRM.mod.
 */
export function specialize(d: Decoded): Handler {
  if (d.lock || !fastPaths.enabled) return execute;
  const op = d.op;
  const long = d.mode === MODE_64;
  const osz = d.osz;
  const reg = d.mod === 3;
  if (op < 0x40 && (op & 7) === 5) return osz === 4 ? aluAccImm32 : osz === 8 ? aluAccImm64 : execute;
  if (op < 0x40 && (op & 7) === 4) return aluAccImm8;
  if (op < 0x40 && (op & 7) < 4) {
    if ((op & 1) === 0) return reg ? aluRegReg8 : op & 2 ? aluGbEbMem : execute;
    if (osz === 4) {
      if (op & 2) return reg ? aluGvEvReg32 : aluGvEvMem32;
      return reg ? aluEvGvReg32 : aluEvGvMem32;
    }
    if (osz === 8) return reg ? aluRegReg64 : op & 2 ? aluGvEvMem64 : aluEvGvMem64;
    return execute;
  }
  if (op >= 0x70 && op <= 0x7f) return jcc;
  if (op >= 0x180 && op <= 0x18f) return jcc;
  if (op >= 0x190 && op <= 0x19f) return reg ? setccReg : execute;
  if (op >= 0x140 && op <= 0x14f) return reg && osz === 4 ? cmovRegReg32 : reg && osz === 8 ? cmovRegReg64 : execute;
  switch (op) {
    case 0x80:
      return reg ? aluImmReg8 : aluImmMem8;
    case 0x81: case 0x83:
      if (osz === 4) return reg ? aluImmReg32 : aluImmMem32;
      if (osz === 8) return reg ? aluImmReg64 : aluImmMem64;
      return execute;
    case 0x84:
      return reg ? testRegReg8 : execute;
    case 0x85:
      if (osz === 8 && reg) return testRegReg64;
      if (osz !== 4) return execute;
      return reg ? testRegReg32 : testMemReg32;
    case 0xa8:
      return testAccImm8;
    case 0xa9:
      return osz === 4 ? testAccImm32 : execute;
    case 0xf6:
      return (d.reg & 7) < 2 ? (reg ? testImm8Reg : testImm8Mem) : execute;
    case 0xf7: {
      const sub = d.reg & 7;
      if (reg && sub < 2 && osz !== 2) return testImmReg;
      if (reg && (sub === 2 || sub === 3)) return osz === 4 ? notNegReg32 : osz === 8 ? notNegReg64 : execute;
      return execute;
    }
    case 0xc1: case 0xd1: case 0xd3:
      return reg && osz === 4 ? shiftReg32 : reg && osz === 8 ? shiftReg64 : execute;
    case 0x88:
      return reg ? movRegReg8 : movStore8;
    case 0x8a:
      return reg ? movRegReg8 : movLoad8;
    case 0x89: case 0x8b:
      if (osz === 4) return reg ? movRegReg32 : op === 0x89 ? movStore32 : movLoad32;
      if (osz === 8) return reg ? movRegReg64 : op === 0x89 ? movStore64 : movLoad64;
      return !reg && op === 0x89 ? movStore16 : execute;
    case 0x8d:
      if (reg || osz === 2) return execute;
      return d.asz === 4 ? (osz === 4 ? lea32 : execute) : d.asz === 8 ? lea64 : execute;
    case 0xc6:
      return !reg && (d.reg & 7) === 0 ? movStoreImm8 : execute;
    case 0xc7:
      if ((d.reg & 7) !== 0) return execute;
      if (osz === 4) return reg ? execute : movStoreImm32;
      return osz === 8 ? (reg ? movRegImm64s : movStoreImm64s) : execute;
    case 0xe8:
      if (d.p66) return execute;
      if (long) return callRel64;
      return osz === 4 ? callRel32 : execute;
    case 0xc3:
      if (d.p66) return execute;
      if (long) return ret64;
      return osz === 4 ? ret32 : execute;
    case 0xeb: case 0xe9:
      return jmpRel;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
      // IN/OUT with an immediate or DX port: the VM exit itself, and all that `execute` does for
      // them. A guest that talks to a device runs little else between its exits, and this way the
      // general executor (one large switch) need not become hot, or be optimised, for it.
      return executeIo;
    case 0x90:
      // NOP (also 66 90 and REX.W 90); F3 90 is PAUSE (an exit), 90+r with REX.B an exchange.
      return d.rm === 0 && d.rep !== 0xf3 ? nopEv : execute;
    case 0xff: {
      const sub = d.reg & 7;
      if (long && (sub === 2 || sub === 4)) return sub === 2 ? (reg ? callIndReg64 : callIndMem64) : reg ? jmpIndReg64 : jmpIndMem64;
      if (sub > 1) return execute;
      if (!reg) return osz === 2 ? execute : incDecMem;
      if (osz === 4) return incDecReg32;
      if (osz === 8) return incDecReg64;
      return execute;
    }
    case 0x1b6:
      if (osz === 4) return movzxByte32;
      return osz === 8 ? (reg ? movxReg : movxMem) : execute;
    case 0x1b7: case 0x1be: case 0x1bf:
      return osz === 2 ? execute : reg ? movxReg : movxMem;
    case 0x11f:
      return nopEv;
    case 0x63:
      return long && osz === 8 ? (reg ? movsxdReg : movsxdMem) : execute;
  }
  if (op >= 0x40 && op <= 0x4f && !long && osz === 4) return incDecReg32;
  if (op >= 0x50 && op <= 0x5f && !d.p66) {
    if (long) return op < 0x58 ? push64 : pop64;
    return osz === 4 ? (op < 0x58 ? push32 : pop32) : execute;
  }
  if (op >= 0xb8 && op <= 0xbf && osz === 4) return movRegImm32;
  if (op >= 0xb8 && op <= 0xbf && osz === 8) return movRegImm64;
  return execute;
}

/**
 * The handlers above that read and write only registers and flags: they cannot fault, touch
 * memory or set `attention`, so a compiled block (jit.ts) runs them without the checks that follow
 * a memory access.
 */
export const REGISTER_ONLY: ReadonlySet<Handler> = new Set<Handler>([
  aluEvGvReg32, aluGvEvReg32, aluAccImm32, aluImmReg8, aluImmReg32, aluImmReg64, aluRegReg64, notNegReg32,
  testRegReg32, aluRegReg8, aluAccImm8, testRegReg8, testAccImm8, testAccImm32, shiftReg32, setccReg,
  cmovRegReg32, movRegReg8, movRegReg32, movRegReg64, movRegImm32, lea32, incDecReg32, incDecReg64,
  movsxdReg, nopEv, lea64, shiftReg64, testImm8Reg, testImmReg, movxReg, movRegImm64s, notNegReg64,
  testRegReg64, cmovRegReg64, aluAccImm64, movRegImm64,
]);

/** The handlers jit.ts writes out inline for a compiled block (same semantics, operands as constants). */
export const INLINE_FORMS = {
  aluEvGvReg32, aluGvEvReg32, aluAccImm32, aluImmReg32, testRegReg32, testAccImm32, notNegReg32,
  movRegReg32, movRegImm32, lea32, incDecReg32, shiftReg32, jcc, jmpRel, movLoad32, movStore32,
  movLoad8, movStore8, movStoreImm8, movStoreImm32, aluGvEvMem32, aluEvGvMem32, aluImmMem32, aluImmMem8,
  aluGbEbMem, testMemReg32, movzxByte32, aluRegReg8, aluAccImm8, movRegReg8, testRegReg8, testAccImm8,
  incDecMem, execute,
} as const;
