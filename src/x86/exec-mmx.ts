/**
 * Instructions on MMX registers (no mandatory prefix; Intel SDM Vol. 1 ch. 9, Vol. 2, Vol. 3A
 * ch. 12): the MMX instruction set, SSE's MMX extensions (PSHUFW, PINSRW, PEXTRW, PMOVMSKB,
 * PMINUB/PMAXUB, PMINSW/PMAXSW, PAVGB/PAVGW, PMULHUW, PSADBW, MASKMOVQ, MOVNTQ), SSE2's PADDQ,
 * PSUBQ and PMULUDQ on MM registers, and MOVQ2DQ/MOVDQ2Q. The SSSE3 MMX forms are in
 * exec-ssse3.ts, CVTPI2PS and friends in exec-sse-fp.ts.
 *
 * MMn is the significand of physical x87 register Rn (exec-sse-common.ts mmx32). Every instruction
 * here except EMMS sets TOP = 0 and the whole tag word valid once it completes; a write to MMn sets
 * bits 64–79 of Rn to ones; EMMS empties the tag word (Vol. 3A §12.2, table 12-2). The lane-wise
 * arithmetic is the kernel shared with the XMM forms (exec-sse-int.ts simdInt, 8 bytes wide).
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { readRm, readRm64, writeRm, writeRm64, setReg64 } from "./operands";
import { UD, t, u, tb, ub, sseOk, mmxOk, mmx32, enterMmx, setMm, mmSrc, setXmm } from "./exec-sse-common";
import { x87Pending } from "./exec-x87";
import { isSimdInt, simdInt, shiftImm, maskMove } from "./exec-sse-int";

const tw = new Uint16Array(t.buffer);
const uw = new Uint16Array(u.buffer);

/** 0F b without a mandatory prefix is an instruction on MMX registers. */
export function isMmxOp(b: number): boolean {
  if (b === 0x6c || b === 0x6d) return false; // PUNPCKLQDQ/PUNPCKHQDQ: 66 only
  if (isSimdInt(b)) return true;
  switch (b) {
    case 0x6e: case 0x6f: case 0x70: case 0x71: case 0x72: case 0x73: case 0x77: case 0x7e: case 0x7f:
    case 0xc4: case 0xc5: case 0xd7: case 0xe7: case 0xf7:
      return true;
  }
  return false;
}

/** Copy MMr into u[0..1] (u[2..3] = 0). */
function loadMm(c: Machine, r: number): void {
  const m = mmx32(c);
  u[0] = m[r << 1];
  u[1] = m[(r << 1) + 1];
  u[2] = 0;
  u[3] = 0;
}

/** Finish an instruction that wrote u[0..1] to MMr. */
function commit(c: Machine, r: number): void {
  enterMmx(c);
  setMm(c, r, u[0], u[1]);
}

/** Executes the no-prefix MMX opcode 0F b (isMmxOp(b)). */
export function executeMmx(c: Machine, d: Decoded, b: number): void {
  const reg = d.reg & 7; // MMX register numbers are 3 bits: REX.R / REX.B do not extend them
  const rm = d.rm & 7;
  if (b === 0x77) {
    // EMMS: every tag empty; TOP unchanged (Vol. 3A table 12-2).
    if (mmxOk(c)) c.fpuTw = 0xffff;
    return;
  }
  // Forms that only exist with a register operand, or with a memory one.
  const regOnly = b === 0x71 || b === 0x72 || b === 0x73 || b === 0xc5 || b === 0xd7 || b === 0xf7;
  if ((regOnly && d.mod !== 3) || (b === 0xe7 && d.mod === 3)) {
    c.raise(UD, -1);
    return;
  }
  if (b >= 0x71 && b <= 0x73) {
    loadMm(c, rm);
    if (!shiftImm(b, d.reg & 7, d.imm & 0xff, 8)) {
      c.raise(UD, -1);
      return;
    }
    if (!mmxOk(c)) return;
    commit(c, rm);
    return;
  }
  if (!mmxOk(c)) return;
  const m = mmx32(c);
  if (isSimdInt(b)) {
    if (!mmSrc(c, d)) return;
    loadMm(c, reg);
    simdInt(b, 8);
    commit(c, reg);
    return;
  }
  switch (b) {
    case 0x6e: {
      // MOVD mm, r/m32 (zero-extended); MOVQ mm, r/m64 with REX.W.
      let lo: number, hi = 0;
      if (d.osz === 8) {
        lo = readRm64(c, d);
        hi = c.hi;
      } else lo = readRm(c, d, 4);
      if (c.fault) return;
      u[0] = lo;
      u[1] = hi;
      commit(c, reg);
      return;
    }
    case 0x7e: {
      // MOVD r/m32, mm; MOVQ r/m64, mm with REX.W.
      const lo = m[reg << 1], hi = m[(reg << 1) + 1];
      if (d.osz === 8) {
        if (d.mod === 3) setReg64(c, d.rm, lo, hi);
        else writeRm64(c, d, lo, hi);
      } else writeRm(c, d, 4, lo);
      if (!c.fault) enterMmx(c);
      return;
    }
    case 0x6f:
      if (!mmSrc(c, d)) return;
      u[0] = t[0];
      u[1] = t[1];
      commit(c, reg);
      return;
    case 0x7f: case 0xe7: {
      // MOVQ mm/m64, mm; MOVNTQ m64, mm (the non-temporal hint changes nothing here).
      const lo = m[reg << 1], hi = m[(reg << 1) + 1];
      if (d.mod === 3) {
        u[0] = lo;
        u[1] = hi;
        commit(c, rm);
        return;
      }
      const lin = c.eaLinear(d, 8, true);
      if (c.fault) return;
      c.write64(lin, lo, hi);
      if (!c.fault) enterMmx(c);
      return;
    }
    case 0x70: {
      // PSHUFW mm1, mm2/m64, imm8: word i of the result is source word imm[2i+1:2i].
      if (!mmSrc(c, d)) return;
      const imm = d.imm & 0xff;
      for (let i = 0; i < 4; i++) uw[i] = tw[(imm >> (2 * i)) & 3];
      commit(c, reg);
      return;
    }
    case 0xc4: {
      // PINSRW mm, r32/m16, imm8: word imm[1:0] replaced.
      const v = d.mod === 3 ? c.r32[d.rm << 1] : readRm(c, d, 2);
      if (c.fault) return;
      loadMm(c, reg);
      uw[d.imm & 3] = v & 0xffff;
      commit(c, reg);
      return;
    }
    case 0xc5: {
      // PEXTRW r32/r64, mm, imm8: zero-extended into the general register (ModRM.reg with REX.R).
      loadMm(c, rm);
      setReg64(c, d.reg, uw[d.imm & 3], 0);
      enterMmx(c);
      return;
    }
    case 0xd7: {
      // PMOVMSKB r32/r64, mm: the byte sign bits, zero-extended.
      loadMm(c, rm);
      let mask = 0;
      for (let i = 0; i < 8; i++) mask |= (ub[i] >> 7) << i;
      setReg64(c, d.reg, mask, 0);
      enterMmx(c);
      return;
    }
    case 0xf7: {
      // MASKMOVQ mm1, mm2: mm1 is the data, mm2 the byte mask.
      t[0] = m[reg << 1];
      t[1] = m[(reg << 1) + 1];
      loadMm(c, rm);
      maskMove(c, d, tb, 0, ub, 0, 8);
      if (!c.fault) enterMmx(c);
      return;
    }
  }
  c.raise(UD, -1);
}

/**
 * F3 0F D6 MOVQ2DQ xmm, mm (xmm = zero-extended mm) and F2 0F D6 MOVDQ2Q mm, xmm (mm = low
 * quadword): register operands only; the XMM checks, then #MF (Vol. 3B table 23-6).
 */
export function movq2dq(c: Machine, d: Decoded, toXmm: boolean): void {
  if (d.mod !== 3) {
    c.raise(UD, -1);
    return;
  }
  if (!sseOk(c) || x87Pending(c)) return;
  if (toXmm) {
    loadMm(c, d.rm & 7);
    setXmm(c, d.reg, u[0], u[1], 0, 0);
    enterMmx(c);
    return;
  }
  const o = d.rm << 2;
  u[0] = c.xmm32[o];
  u[1] = c.xmm32[o + 1];
  commit(c, d.reg & 7);
}
