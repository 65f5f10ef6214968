/**
 * Executor for the one-byte opcode map (Intel SDM Vol. 2 appendix A, table A-2): integer ALU, moves,
 * stack, near/far control flow, BCD, flags. The 0F map, strings, system instructions and SSE live in
 * their own modules. `execute` runs with `c.nextRip` = the address after the instruction; it either
 * completes (possibly changing nextRip) or records a fault with nothing committed.
 */
import { Machine } from "./machine";
import { Decoded } from "./decode";
import { alu, alu64, incDec, neg, shift, shift64, mul32, mul64, div128, mulFlags, setFlagsExplicit, szp, sizeMask } from "./arith";
import { readRm, writeRm, readRm64, writeRm64, rmwLinear, setReg64, stackOsz, branchTo, pushPair, peekTop, dropStack, readMem64 } from "./operands";
import { deliverEvent, farReturn, farTransfer, iret, flagsWritableMask, writeFlags, EV_SOFTWARE, EV_SOFT_EXCEPTION, EV_PRIV_SOFTWARE } from "./events";
import { loadDataSegment } from "./segments";
import { execute0f } from "./exec-0f";
import { executeString } from "./exec-string";
import { executeIo } from "./exec-system";
import { executeX87, executeFwait } from "./exec-x87";
import { EXIT_HLT, EXIT_PAUSE } from "./vtx";

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const TF = 0x100;
const IF = 0x200;
const DF = 0x400;
const OF = 0x800;
const RF = 0x10000;
const VM = 0x20000;
const UD = 6;
const DE = 0;
const GP = 13;
const TWO32 = 4294967296;
const SEG_CS = 1;
const SEG_SS = 2;
const SEG_DS = 3;

export function execute(c: Machine, d: Decoded): void {
  const op = d.op;
  if (d.lock && !lockable(d)) {
    c.raise(UD, -1);
    return;
  }
  if (op < 0x40) {
    const form = op & 7;
    if (form < 6) {
      aluForm(c, d, op >> 3, form);
      return;
    }
  }
  const long = c.codeMode === 2;
  switch (op) {
    // ---- Segment pushes/pops and BCD in the 00-3F columns 6/7.
    case 0x06: case 0x0e: case 0x16: case 0x1e:
      if (long) { c.raise(UD, -1); return; }
      c.push(d.osz, c.segSel[op >> 3]);
      return;
    case 0x07: case 0x17: case 0x1f: {
      if (long) { c.raise(UD, -1); return; }
      const sel = c.peek(d.osz, 0) & 0xffff;
      if (c.fault) return;
      const seg = op >> 3;
      if (!loadDataSegment(c, seg, sel)) return;
      dropStack(c, d.osz);
      if (seg === SEG_SS) setShadow(c, true);
      return;
    }
    case 0x0f:
      if (d.op === 0x0f) execute0f(c, d);
      return;
    case 0x27: case 0x2f: case 0x37: case 0x3f:
      if (long) { c.raise(UD, -1); return; }
      bcd(c, op);
      return;
    default:
      break;
  }
  if (op >= 0x100) {
    execute0f(c, d);
    return;
  }
  switch (op >> 4) {
    case 0x4: {
      // INC/DEC r (REX prefixes in 64-bit mode never reach here).
      const size = d.osz;
      const r = op & 7;
      const v = incDec(c, c.getReg(size, r, 0), 0, size, op >= 0x48);
      c.setReg(size, r, 0, v);
      return;
    }
    case 0x5: {
      const size = stackOsz(c, d);
      const r = d.rm;
      if (op < 0x58) {
        if (size === 8) c.push64(c.r32[r << 1], c.r32[(r << 1) + 1]);
        else c.push(size, size === 4 ? c.r32[r << 1] : c.r16[r << 2]);
      } else {
        const v = peekTop(c, size);
        if (c.fault) return;
        const hi = c.hi;
        dropStack(c, size);
        if (size === 8) setReg64(c, r, v, hi);
        else c.setReg(size, r, 0, v);
      }
      return;
    }
    case 0x7:
      if (c.cond(op & 15)) branchTo(c, c.nextRip + d.imm, long ? 8 : d.osz);
      return;
    case 0xb:
      if (op < 0xb8) c.r8[d.rmByte] = d.imm;
      else if (d.osz === 8) setReg64(c, d.rm, d.imm, d.immHi);
      else c.setReg(d.osz, d.rm, 0, d.imm);
      return;
  }
  switch (op) {
    case 0x60: pusha(c, d); return;
    case 0x61: popa(c, d); return;
    case 0x62: bound(c, d); return;
    case 0x63:
      if (long) {
        // MOVSXD Gv, Ed.
        const v = readRm(c, d, 4);
        if (c.fault) return;
        if (d.osz === 8) setReg64(c, d.reg, v, v >> 31);
        else c.setReg(d.osz, d.reg, 0, v);
      } else arpl(c, d);
      return;
    case 0x68: case 0x6a:
      pushPair(c, stackOsz(c, d), d.imm, d.imm >> 31);
      return;
    case 0x69: case 0x6b: {
      const a = d.osz === 8 ? readRm64(c, d) : readRm(c, d, d.osz);
      if (c.fault) return;
      imul3(c, d, a, c.hi, d.imm, d.imm >> 31, d.reg);
      return;
    }
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
      executeIo(c, d);
      return;
    case 0x80: case 0x81: case 0x82: case 0x83: {
      if (op === 0x82 && long) { c.raise(UD, -1); return; }
      const size = op & 1 ? d.osz : 1;
      binop(c, d, d.reg & 7, size, d.imm, d.imm >> 31);
      return;
    }
    case 0x84: case 0x85: {
      const size = op & 1 ? d.osz : 1;
      if (size === 8) {
        const a = readRm64(c, d);
        if (c.fault) return;
        alu64(c, 4, a, c.hi, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
      } else {
        const a = readRm(c, d, size);
        if (c.fault) return;
        alu(c, 4, a, c.getReg(size, d.reg, d.regByte), size);
      }
      return;
    }
    case 0x86: case 0x87: xchg(c, d, op & 1 ? d.osz : 1); return;
    case 0x88: case 0x89: {
      const size = op & 1 ? d.osz : 1;
      if (size === 8) writeRm64(c, d, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
      else writeRm(c, d, size, c.getReg(size, d.reg, d.regByte));
      return;
    }
    case 0x8a: case 0x8b: {
      const size = op & 1 ? d.osz : 1;
      if (size === 8) {
        const v = readRm64(c, d);
        if (c.fault) return;
        setReg64(c, d.reg, v, c.hi);
      } else {
        const v = readRm(c, d, size);
        if (c.fault) return;
        c.setReg(size, d.reg, d.regByte, v);
      }
      return;
    }
    case 0x8c: {
      const s = d.reg & 7;
      if (s > 5) { c.raise(UD, -1); return; }
      const sel = c.segSel[s];
      if (d.mod === 3) {
        if (d.osz === 8) setReg64(c, d.rm, sel, 0);
        else c.setReg(d.osz, d.rm, 0, sel);
      } else writeRm(c, d, 2, sel);
      return;
    }
    case 0x8d: {
      if (d.mod !== 3) lea(c, d);
      else c.raise(UD, -1);
      return;
    }
    case 0x8e: {
      const s = d.reg & 7;
      if (s === SEG_CS || s > 5) { c.raise(UD, -1); return; }
      const sel = readRm(c, d, 2);
      if (c.fault) return;
      if (!loadDataSegment(c, s, sel & 0xffff)) return;
      if (s === SEG_SS) setShadow(c, true);
      return;
    }
    case 0x8f: popRm(c, d); return;
    case 0x90:
      if (d.rm === 0) {
        if (d.rep === 0xf3) c.exitWith(EXIT_PAUSE);
        return;
      }
      xchgAcc(c, d);
      return;
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
      xchgAcc(c, d);
      return;
    case 0x98:
      if (d.osz === 2) c.r16[0] = (c.r8[0] << 24) >> 24;
      else if (d.osz === 4) c.setReg(4, 0, 0, (c.r16[0] << 16) >> 16);
      else c.r32[1] = c.r32[0] >> 31;
      return;
    case 0x99:
      if (d.osz === 2) c.r16[8] = (c.r16[0] << 16) >> 31;
      else if (d.osz === 4) c.setReg(4, 2, 0, c.r32[0] >> 31);
      else setReg64(c, 2, c.r32[1] >> 31, c.r32[1] >> 31);
      return;
    case 0x9a:
      if (long) { c.raise(UD, -1); return; }
      if (farTransfer(c, d.imm2, d.osz === 2 ? d.imm & 0xffff : d.imm >>> 0, d.osz, true, c.nextRip)) c.nextRip = c.rip;
      return;
    case 0x9b:
      // FWAIT: #NM when CR0.MP and CR0.TS are both set, then a pending x87 exception → #MF.
      executeFwait(c);
      return;
    case 0x9c: {
      if ((c.flags & VM) && ((c.flags >> 12) & 3) < 3) { c.raise(GP, 0); return; }
      const size = stackOsz(c, d);
      const f = c.getFlags() & ~(VM | RF);
      pushPair(c, size, size === 2 ? f & 0xffff : f, 0);
      return;
    }
    case 0x9d: {
      if ((c.flags & VM) && ((c.flags >> 12) & 3) < 3) { c.raise(GP, 0); return; }
      const size = stackOsz(c, d);
      const v = peekTop(c, size);
      if (c.fault) return;
      dropStack(c, size);
      const mask = flagsWritableMask(c, size) & ~(VM | RF | 0x180000);
      const old = c.getFlags();
      writeFlags(c, (old & ~mask) | (v & mask));
      return;
    }
    case 0x9e: {
      const ah = c.r8[1];
      setFlagsExplicit(c, CF | PF | AF | ZF | SF, ah);
      return;
    }
    case 0x9f:
      c.r8[1] = (c.getFlags() & 0xd5) | 2;
      return;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: movMoffs(c, d); return;
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      executeString(c, d);
      return;
    case 0xa8: case 0xa9: {
      const size = op & 1 ? d.osz : 1;
      if (size === 8) alu64(c, 4, c.r32[0], c.r32[1], d.imm, d.imm >> 31);
      else alu(c, 4, c.getReg(size, 0, 0), d.imm, size);
      return;
    }
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size = op & 1 ? d.osz : 1;
      const raw = op < 0xd0 ? d.imm : op < 0xd2 ? 1 : c.r8[8];
      shiftRm(c, d, d.reg & 7, size, raw & (size === 8 ? 0x3f : 0x1f));
      return;
    }
    case 0xc2: case 0xc3: {
      const size = stackOsz(c, d);
      const t = peekTop(c, size);
      if (c.fault) return;
      const target = size === 8 ? c.hi * TWO32 + (t >>> 0) : t >>> 0;
      if (!branchTo(c, target, size)) return;
      c.setSp(c.wrapSp(c.getSp() + size + (op === 0xc2 ? d.imm : 0)));
      return;
    }
    case 0xc4: case 0xc5:
      if (long || d.mod === 3) { c.raise(UD, -1); return; }
      loadFarPointer(c, d, op === 0xc4 ? 0 : SEG_DS);
      return;
    case 0xc6: case 0xc7: {
      if ((d.reg & 7) !== 0) { c.raise(UD, -1); return; }
      const size = op & 1 ? d.osz : 1;
      if (size === 8) writeRm64(c, d, d.imm, d.imm >> 31);
      else writeRm(c, d, size, d.imm);
      return;
    }
    case 0xc8: enter(c, d); return;
    case 0xc9: {
      const size = stackOsz(c, d);
      // LEAVE: rSP = rBP (stack-address size), then pop rBP.
      const bp = c.stackSize === 8 ? c.regAsNumber(5) : c.stackSize === 4 ? c.r32[10] >>> 0 : c.r16[20];
      const lin = c.linear(SEG_SS, bp, size, false);
      if (c.fault) return;
      const v = size === 8 ? readMem64(c, lin) : c.readN(lin, size);
      const hi = c.hi;
      if (c.fault) return;
      c.setSp(c.wrapSp(bp + size));
      if (size === 8) setReg64(c, 5, v, hi);
      else c.setReg(size, 5, 0, v);
      return;
    }
    case 0xca: case 0xcb:
      if (farReturn(c, d.osz, op === 0xca ? d.imm : 0)) c.nextRip = c.rip;
      return;
    case 0xcc:
      softInt(c, 3, EV_SOFT_EXCEPTION);
      return;
    case 0xcd:
      if ((c.flags & VM) && ((c.flags >> 12) & 3) < 3) { c.raise(GP, 0); return; }
      softInt(c, d.imm & 0xff, EV_SOFTWARE);
      return;
    case 0xce:
      if (long) { c.raise(UD, -1); return; }
      if (c.getOF()) softInt(c, 4, EV_SOFT_EXCEPTION);
      return;
    case 0xcf:
      if ((c.flags & VM) && ((c.flags >> 12) & 3) < 3) { c.raise(GP, 0); return; }
      if (iret(c, d.osz)) c.nextRip = c.rip;
      return;
    case 0xd4: {
      if (long) { c.raise(UD, -1); return; }
      const base = d.imm & 0xff;
      if (base === 0) { c.raise(DE, -1); return; }
      const al = c.r8[0];
      c.r8[1] = (al / base) | 0;
      c.r8[0] = al % base;
      c.setLogic(1, c.r8[0], 0);
      return;
    }
    case 0xd5: {
      if (long) { c.raise(UD, -1); return; }
      const r = alu(c, 0, c.r8[0], (c.r8[1] * (d.imm & 0xff)) & 0xff, 1);
      c.r16[0] = r;
      return;
    }
    case 0xd6:
      if (long) { c.raise(UD, -1); return; }
      c.r8[0] = c.getCF() ? 0xff : 0;
      return;
    case 0xd7: {
      const seg = d.seg >= 0 ? d.seg : SEG_DS;
      let off: number;
      if (d.asz === 2) off = (c.r16[12] + c.r8[0]) & 0xffff;
      else if (d.asz === 4) off = (c.r32[6] + c.r8[0]) >>> 0;
      else off = c.regAsNumber(3) + c.r8[0];
      const lin = c.linear(seg, off, 1, false);
      if (c.fault) return;
      const v = c.read8(lin);
      if (c.fault) return;
      c.r8[0] = v;
      return;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
      executeX87(c, d);
      return;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: loop(c, d, op); return;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
      executeIo(c, d);
      return;
    case 0xe8: {
      const size = stackOsz(c, d);
      const ret = c.nextRip;
      if (!branchTo(c, ret + d.imm, long ? 8 : d.osz)) return;
      pushPair(c, size, ret | 0, Math.floor(ret / TWO32));
      return;
    }
    case 0xe9: case 0xeb:
      branchTo(c, c.nextRip + d.imm, long ? 8 : d.osz);
      return;
    case 0xea:
      if (long) { c.raise(UD, -1); return; }
      if (farTransfer(c, d.imm2, d.osz === 2 ? d.imm & 0xffff : d.imm >>> 0, d.osz, false, 0)) c.nextRip = c.rip;
      return;
    case 0xf1:
      softInt(c, 1, EV_PRIV_SOFTWARE);
      return;
    case 0xf4:
      if (c.cpl !== 0) { c.raise(GP, 0); return; }
      c.exitWith(EXIT_HLT);
      return;
    case 0xf5: setFlagsExplicit(c, CF, c.getCF() ^ 1); return;
    case 0xf6: case 0xf7: group3(c, d, op & 1 ? d.osz : 1); return;
    case 0xf8: setFlagsExplicit(c, CF, 0); return;
    case 0xf9: setFlagsExplicit(c, CF, CF); return;
    case 0xfa: case 0xfb: {
      // CLI/STI: IOPL-sensitive in protected mode (Intel SDM CLI/STI; VME/PVI not modelled).
      if ((c.cr0 & 1) && c.cpl > ((c.flags >> 12) & 3)) { c.raise(GP, 0); return; }
      if (op === 0xfa) c.flags &= ~IF;
      else {
        if (!(c.flags & IF)) setShadow(c, false);
        c.flags |= IF;
      }
      return;
    }
    case 0xfc: c.flags &= ~DF; return;
    case 0xfd: c.flags |= DF; return;
    case 0xfe: {
      const r = d.reg & 7;
      if (r > 1) { c.raise(UD, -1); return; }
      incDecRm(c, d, 1, r === 1);
      return;
    }
    case 0xff: group5(c, d); return;
  }
  c.raise(UD, -1);
}

/** LOCK is only valid on read-modify-write instructions with a memory destination (Intel SDM LOCK). */
export function lockable(d: Decoded): boolean {
  if (d.mod === 3) return false;
  const op = d.op;
  const sub = d.reg & 7;
  if (op < 0x40) return (op & 7) < 2 && (op >> 3) !== 7;
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return sub !== 7;
    case 0x86: case 0x87: return true;
    case 0xf6: case 0xf7: return sub === 2 || sub === 3;
    case 0xfe: case 0xff: return sub < 2;
    case 0x1ab: case 0x1b3: case 0x1bb: case 0x1b0: case 0x1b1: case 0x1c0: case 0x1c1: return true;
    case 0x1ba: return sub >= 5;
    case 0x1c7: return sub === 1;
  }
  return false;
}

/** Start an interrupt shadow (STI, or MOV SS / POP SS when movSs). Intel SDM Vol. 3A §6.8.3. */
export function setShadow(c: Machine, movSs: boolean): void {
  c.shadow = 2;
  c.shadowMovSs = movSs;
  c.attention |= 2;
}

function softInt(c: Machine, vector: number, kind: number): void {
  if (deliverEvent(c, vector, -1, kind, c.nextRip)) {
    c.nextRip = c.rip;
    c.eventInInstruction = true;
  }
}

function aluForm(c: Machine, d: Decoded, op: number, form: number): void {
  const size = form & 1 ? d.osz : 1;
  if (form >= 4) {
    if (size === 8) {
      const lo = alu64(c, op, c.r32[0], c.r32[1], d.imm, d.imm >> 31);
      if (op !== 7) setReg64(c, 0, lo, c.hi);
    } else {
      const r = alu(c, op, c.getReg(size, 0, 0), d.imm, size);
      if (op !== 7) c.setReg(size, 0, 0, r);
    }
    return;
  }
  if (form < 2) {
    if (size === 8) binop(c, d, op, 8, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
    else binop(c, d, op, size, c.getReg(size, d.reg, d.regByte), 0);
    return;
  }
  // Gv, Ev: register destination.
  if (size === 8) {
    const b = readRm64(c, d);
    if (c.fault) return;
    const lo = alu64(c, op, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1], b, c.hi);
    if (op !== 7) setReg64(c, d.reg, lo, c.hi);
    return;
  }
  const b = readRm(c, d, size);
  if (c.fault) return;
  const r = alu(c, op, c.getReg(size, d.reg, d.regByte), b, size);
  if (op !== 7) c.setReg(size, d.reg, d.regByte, r);
}

/** r/m OP= src (group 1 and the Ev,Gv forms). */
function binop(c: Machine, d: Decoded, op: number, size: number, src: number, srcHi: number): void {
  if (d.mod === 3) {
    if (size === 8) {
      const lo = alu64(c, op, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1], src, srcHi);
      if (op !== 7) setReg64(c, d.rm, lo, c.hi);
    } else {
      const r = alu(c, op, c.getReg(size, d.rm, d.rmByte), src, size);
      if (op !== 7) c.setReg(size, d.rm, d.rmByte, r);
    }
    return;
  }
  if (op === 7) {
    const lin = c.eaLinear(d, size, false);
    if (c.fault) return;
    if (size === 8) {
      const a = readMem64(c, lin);
      if (c.fault) return;
      alu64(c, 7, a, c.hi, src, srcHi);
    } else {
      const a = c.readN(lin, size);
      if (c.fault) return;
      alu(c, 7, a, src, size);
    }
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  if (size === 8) {
    const a = readMem64(c, lin);
    if (c.fault) return;
    const lo = alu64(c, op, a, c.hi, src, srcHi);
    c.write64(lin, lo, c.hi);
  } else {
    const a = c.readN(lin, size);
    if (c.fault) return;
    c.writeN(lin, size, alu(c, op, a, src, size));
  }
}

function shiftRm(c: Machine, d: Decoded, op: number, size: number, count: number): void {
  if (d.mod === 3) {
    if (size === 8) {
      const lo = shift64(c, op, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1], count);
      setReg64(c, d.rm, lo, c.hi);
    } else {
      const r = shift(c, op, c.getReg(size, d.rm, d.rmByte), count, size);
      if (count !== 0 || size !== 4) c.setReg(size, d.rm, d.rmByte, r);
      else if (c.codeMode === 2) c.r32[(d.rm << 1) + 1] = 0;
    }
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  if (size === 8) {
    const a = readMem64(c, lin);
    if (c.fault) return;
    const lo = shift64(c, op, a, c.hi, count);
    c.write64(lin, lo, c.hi);
  } else {
    const a = c.readN(lin, size);
    if (c.fault) return;
    c.writeN(lin, size, shift(c, op, a, count, size));
  }
}

function incDecRm(c: Machine, d: Decoded, size: number, dec: boolean): void {
  if (d.mod === 3) {
    if (size === 8) {
      const lo = incDec(c, c.r32[d.rm << 1], c.r32[(d.rm << 1) + 1], 8, dec);
      setReg64(c, d.rm, lo, c.hi);
    } else c.setReg(size, d.rm, d.rmByte, incDec(c, c.getReg(size, d.rm, d.rmByte), 0, size, dec));
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  if (size === 8) {
    const a = readMem64(c, lin);
    if (c.fault) return;
    const lo = incDec(c, a, c.hi, 8, dec);
    c.write64(lin, lo, c.hi);
  } else {
    const a = c.readN(lin, size);
    if (c.fault) return;
    c.writeN(lin, size, incDec(c, a, 0, size, dec));
  }
}

function xchg(c: Machine, d: Decoded, size: number): void {
  if (d.mod === 3) {
    if (size === 8) {
      const lo = c.r32[d.rm << 1], hi = c.r32[(d.rm << 1) + 1];
      setReg64(c, d.rm, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
      setReg64(c, d.reg, lo, hi);
    } else {
      const a = c.getReg(size, d.rm, d.rmByte);
      c.setReg(size, d.rm, d.rmByte, c.getReg(size, d.reg, d.regByte));
      c.setReg(size, d.reg, d.regByte, a);
    }
    return;
  }
  const lin = rmwLinear(c, d, size);
  if (c.fault) return;
  if (size === 8) {
    const a = readMem64(c, lin);
    const hi = c.hi;
    if (c.fault) return;
    c.write64(lin, c.r32[d.reg << 1], c.r32[(d.reg << 1) + 1]);
    setReg64(c, d.reg, a, hi);
  } else {
    const a = c.readN(lin, size);
    if (c.fault) return;
    c.writeN(lin, size, c.getReg(size, d.reg, d.regByte));
    c.setReg(size, d.reg, d.regByte, a);
  }
}

function xchgAcc(c: Machine, d: Decoded): void {
  const r = d.rm;
  if (d.osz === 8) {
    const lo = c.r32[0], hi = c.r32[1];
    setReg64(c, 0, c.r32[r << 1], c.r32[(r << 1) + 1]);
    setReg64(c, r, lo, hi);
  } else {
    const a = c.getReg(d.osz, 0, 0);
    c.setReg(d.osz, 0, 0, c.getReg(d.osz, r, 0));
    c.setReg(d.osz, r, 0, a);
  }
}

/** LEA: the effective address itself, truncated to the operand size (exact 64-bit arithmetic). */
function lea(c: Machine, d: Decoded): void {
  if (d.asz !== 8) {
    const a = c.ea(d);
    if (d.osz === 8) setReg64(c, d.reg, a | 0, 0);
    else c.setReg(d.osz, d.reg, 0, a);
    return;
  }
  const lo = c.ea64Halves(d) | 0;
  if (d.osz === 8) setReg64(c, d.reg, lo, c.hi);
  else c.setReg(d.osz, d.reg, 0, lo);
}

function movMoffs(c: Machine, d: Decoded): void {
  const size = d.op & 1 ? d.osz : 1;
  const seg = d.seg >= 0 ? d.seg : SEG_DS;
  const off = d.asz === 8 ? d.immHi * TWO32 + (d.disp >>> 0) : d.asz === 4 ? d.disp >>> 0 : d.disp & 0xffff;
  const store = d.op >= 0xa2;
  const lin = c.linear(seg, off, size, store);
  if (c.fault) return;
  if (store) {
    if (size === 8) c.write64(lin, c.r32[0], c.r32[1]);
    else c.writeN(lin, size, c.getReg(size, 0, 0));
  } else if (size === 8) {
    const v = readMem64(c, lin);
    if (c.fault) return;
    setReg64(c, 0, v, c.hi);
  } else {
    const v = c.readN(lin, size);
    if (c.fault) return;
    c.setReg(size, 0, 0, v);
  }
}

function popRm(c: Machine, d: Decoded): void {
  if ((d.reg & 7) !== 0) { c.raise(UD, -1); return; }
  const size = stackOsz(c, d);
  const v = peekTop(c, size);
  if (c.fault) return;
  const hi = c.hi;
  if (d.mod === 3) {
    dropStack(c, size);
    if (size === 8) setReg64(c, d.rm, v, hi);
    else c.setReg(size, d.rm, 0, v);
    return;
  }
  // The destination address is computed after rSP is incremented (Intel SDM POP).
  const spLo = c.r32[8], spHi = c.r32[9];
  dropStack(c, size);
  if (size === 8) writeRm64(c, d, v, hi);
  else writeRm(c, d, size, v);
  if (c.fault) {
    c.r32[8] = spLo;
    c.r32[9] = spHi;
  }
}

function pusha(c: Machine, d: Decoded): void {
  if (c.codeMode === 2) { c.raise(UD, -1); return; }
  const size = d.osz;
  const sp = c.getSp();
  // Each push wraps within the stack segment on its own; check all eight before writing any.
  for (let k = 1; k <= 8; k++) {
    const lin = c.linear(SEG_SS, c.wrapSp(sp - k * size), size, true);
    if (c.fault || !c.probeWrite(lin, size)) return;
  }
  for (let r = 0; r < 8; r++) c.push(size, r === 4 ? sp : c.getReg(size, r, 0));
}

function popa(c: Machine, d: Decoded): void {
  if (c.codeMode === 2) { c.raise(UD, -1); return; }
  const size = d.osz;
  const vals = c.mulOut;
  for (let k = 0; k < 8; k++) {
    const v = c.peek(size, k * size);
    if (k >= 4) vals[k - 4] = v;
    else c.limbA[k] = v;
  }
  if (c.fault) return;
  // Stack order: DI SI BP (SP skipped) BX DX CX AX.
  const di = c.limbA[0], si = c.limbA[1], bp = c.limbA[2];
  const bx = vals[0], dx = vals[1], cx = vals[2], ax = vals[3];
  c.setSp(c.wrapSp(c.getSp() + 8 * size));
  c.setReg(size, 7, 0, di);
  c.setReg(size, 6, 0, si);
  c.setReg(size, 5, 0, bp);
  c.setReg(size, 3, 0, bx);
  c.setReg(size, 2, 0, dx);
  c.setReg(size, 1, 0, cx);
  c.setReg(size, 0, 0, ax);
}

function bound(c: Machine, d: Decoded): void {
  if (c.codeMode === 2 || d.mod === 3) { c.raise(UD, -1); return; }
  const size = d.osz;
  const lin = c.eaLinear(d, 2 * size, false);
  if (c.fault) return;
  const lo = c.readN(lin, size);
  const hi = c.readN(lin + size, size);
  if (c.fault) return;
  const shiftBy = 32 - size * 8;
  const idx = (c.getReg(size, d.reg, 0) << shiftBy) >> shiftBy;
  if (idx < (lo << shiftBy) >> shiftBy || idx > (hi << shiftBy) >> shiftBy) c.raise(5, -1);
}

function arpl(c: Machine, d: Decoded): void {
  if ((c.cr0 & 1) === 0 || (c.flags & VM)) { c.raise(UD, -1); return; }
  const dst = readRm(c, d, 2);
  if (c.fault) return;
  const src = c.r16[d.reg << 2];
  if ((dst & 3) < (src & 3)) {
    writeRm(c, d, 2, (dst & ~3) | (src & 3));
    if (c.fault) return;
    setFlagsExplicit(c, ZF, ZF);
  } else setFlagsExplicit(c, ZF, 0);
}

function loadFarPointer(c: Machine, d: Decoded, seg: number): void {
  const size = d.osz;
  const lin = c.eaLinear(d, size + 2, false);
  if (c.fault) return;
  let off: number;
  let hi = 0;
  if (size === 8) {
    off = readMem64(c, lin);
    hi = c.hi;
  } else off = c.readN(lin, size);
  const sel = c.read16(lin + size);
  if (c.fault) return;
  if (!loadDataSegment(c, seg, sel)) return;
  if (size === 8) setReg64(c, d.reg, off, hi);
  else c.setReg(size, d.reg, 0, off);
}

export { loadFarPointer };

function enter(c: Machine, d: Decoded): void {
  const size = stackOsz(c, d);
  const alloc = d.imm & 0xffff;
  const level = d.imm2 & 31;
  const spLo = c.r32[8], spHi = c.r32[9], bpLo = c.r32[10], bpHi = c.r32[11];
  const bpWidth = c.stackSize;
  pushPair(c, size, c.r32[10], c.r32[11]);
  const frame = c.getSp();
  let bp = bpWidth === 8 ? c.regAsNumber(5) : bpWidth === 4 ? c.r32[10] >>> 0 : c.r16[20];
  for (let i = 1; i < level && !c.fault; i++) {
    bp = c.wrapSp(bp - size);
    const lin = c.linear(SEG_SS, bp, size, false);
    if (c.fault) break;
    const v = size === 8 ? readMem64(c, lin) : c.readN(lin, size);
    pushPair(c, size, v, c.hi);
  }
  if (level > 0 && !c.fault) pushPair(c, size, frame | 0, Math.floor(frame / TWO32));
  if (c.fault) {
    c.r32[8] = spLo; c.r32[9] = spHi; c.r32[10] = bpLo; c.r32[11] = bpHi;
    return;
  }
  if (size === 8 || bpWidth === 8) c.setRegFromNumber(5, frame);
  else if (size === 4) c.setReg(4, 5, 0, frame);
  else c.r16[20] = frame;
  c.setSp(c.wrapSp(c.getSp() - alloc));
}

function loop(c: Machine, d: Decoded, op: number): void {
  const asz = d.asz;
  let count: number;
  if (asz === 2) count = c.r16[4];
  else if (asz === 4) count = c.r32[2];
  else count = c.r32[2] | c.r32[3];
  const target = c.nextRip + d.imm;
  const osz = c.codeMode === 2 ? 8 : d.osz;
  if (op === 0xe3) {
    if (count === 0) branchTo(c, target, osz);
    return;
  }
  // Decrement (no flags), then branch if nonzero and the ZF condition holds.
  let nz: boolean;
  let lo: number;
  let hi = 0;
  if (asz === 8) {
    const s = (c.r32[2] >>> 0) - 1;
    lo = s | 0;
    hi = (c.r32[3] + (s < 0 ? -1 : 0)) | 0;
    nz = (lo | hi) !== 0;
  } else {
    lo = (count - 1) & sizeMask(asz);
    nz = lo !== 0;
  }
  let take = nz;
  if (op === 0xe0) take = nz && c.getZF() === 0;
  else if (op === 0xe1) take = nz && c.getZF() !== 0;
  if (take && !branchTo(c, target, osz)) return;
  if (asz === 8) setReg64(c, 1, lo, hi);
  else if (asz === 4) c.setReg(4, 1, 0, lo);
  else c.r16[4] = lo;
}

/** Three-operand / two-operand IMUL: dst = a * b truncated to osz; CF = OF = result does not fit. */
export function imul3(c: Machine, d: Decoded, a: number, aHi: number, b: number, bHi: number, dst: number): void {
  const size = d.osz;
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    const r = p & 0xffff;
    mulFlags(c, p !== (r << 16) >> 16, r, 2);
    c.r16[dst << 2] = r;
  } else if (size === 4) {
    const lo = mul32(c, a, b, true);
    mulFlags(c, c.hi !== lo >> 31, lo, 4);
    c.setReg(4, dst, 0, lo);
  } else {
    mul64(c, a, aHi, b, bHi, true);
    const o = c.mulOut;
    const sign = o[1] >> 31;
    mulFlags(c, o[2] !== sign || o[3] !== sign, o[0], 8);
    c.r32[(dst << 1) + 1] = o[1];
    c.r32[dst << 1] = o[0];
  }
}

function group3(c: Machine, d: Decoded, size: number): void {
  const sub = d.reg & 7;
  if (sub === 2 || sub === 3) {
    // NOT / NEG (read-modify-write).
    let lin = NaN;
    let a: number;
    let aHi = 0;
    if (d.mod === 3) {
      a = size === 8 ? c.r32[d.rm << 1] : c.getReg(size, d.rm, d.rmByte);
      if (size === 8) aHi = c.r32[(d.rm << 1) + 1];
    } else {
      lin = rmwLinear(c, d, size);
      if (c.fault) return;
      a = size === 8 ? readMem64(c, lin) : c.readN(lin, size);
      aHi = c.hi;
      if (c.fault) return;
    }
    let r: number;
    let rHi = 0;
    if (sub === 2) {
      r = ~a;
      rHi = ~aHi;
    } else {
      r = neg(c, a, aHi, size);
      rHi = c.hi;
    }
    if (d.mod === 3) {
      if (size === 8) setReg64(c, d.rm, r, rHi);
      else c.setReg(size, d.rm, d.rmByte, r & sizeMask(size));
    } else if (size === 8) c.write64(lin, r, rHi);
    else c.writeN(lin, size, r);
    return;
  }
  const src = size === 8 ? readRm64(c, d) : readRm(c, d, size);
  const srcHi = c.hi;
  if (c.fault) return;
  switch (sub) {
    case 0: case 1:
      if (size === 8) alu64(c, 4, src, srcHi, d.imm, d.imm >> 31);
      else alu(c, 4, src, d.imm, size);
      return;
    case 4: case 5:
      mulAcc(c, size, src, srcHi, sub === 5);
      return;
    default:
      divAcc(c, size, src, srcHi, sub === 7);
  }
}

/** MUL/IMUL with the accumulator: AX = AL*src, DX:AX, EDX:EAX, RDX:RAX. */
function mulAcc(c: Machine, size: number, src: number, srcHi: number, signed: boolean): void {
  if (size === 1) {
    const p = signed ? ((c.r8[0] << 24) >> 24) * ((src << 24) >> 24) : c.r8[0] * (src & 0xff);
    c.r16[0] = p;
    const lo = p & 0xff;
    mulFlags(c, signed ? p !== (lo << 24) >> 24 : p > 0xff, lo, 1);
    return;
  }
  if (size === 2) {
    const p = signed ? ((c.r16[0] << 16) >> 16) * ((src << 16) >> 16) : c.r16[0] * (src & 0xffff);
    c.r16[0] = p;
    c.r16[8] = p >> 16;
    const lo = p & 0xffff;
    mulFlags(c, signed ? p !== (lo << 16) >> 16 : p > 0xffff, lo, 2);
    return;
  }
  if (size === 4) {
    const lo = mul32(c, c.r32[0], src, signed);
    const hi = c.hi;
    c.setReg(4, 0, 0, lo);
    c.setReg(4, 2, 0, hi);
    mulFlags(c, signed ? hi !== lo >> 31 : hi !== 0, lo, 4);
    return;
  }
  mul64(c, c.r32[0], c.r32[1], src, srcHi, signed);
  const o = c.mulOut;
  setReg64(c, 0, o[0], o[1]);
  setReg64(c, 2, o[2], o[3]);
  const over = signed ? o[2] !== o[1] >> 31 || o[3] !== o[1] >> 31 : (o[2] | o[3]) !== 0;
  mulFlags(c, over, o[0], 8);
}

/** DIV/IDIV; #DE on a zero divisor or a quotient that does not fit (Intel SDM DIV/IDIV). */
function divAcc(c: Machine, size: number, src: number, srcHi: number, signed: boolean): void {
  if (size === 1) {
    const dv = signed ? (src << 24) >> 24 : src & 0xff;
    if (dv === 0) { c.raise(DE, -1); return; }
    const n = signed ? (c.r16[0] << 16) >> 16 : c.r16[0];
    const q = Math.trunc(n / dv);
    if (signed ? q > 127 || q < -128 : q > 0xff) { c.raise(DE, -1); return; }
    c.r8[0] = q;
    c.r8[1] = n - q * dv;
    return;
  }
  if (size === 2) {
    const dv = signed ? (src << 16) >> 16 : src & 0xffff;
    if (dv === 0) { c.raise(DE, -1); return; }
    const n = signed ? (c.r16[8] << 16) | c.r16[0] : ((c.r16[8] << 16) | c.r16[0]) >>> 0;
    const q = Math.trunc(n / dv);
    if (signed ? q > 32767 || q < -32768 : q > 0xffff) { c.raise(DE, -1); return; }
    c.r16[0] = q;
    c.r16[8] = n - q * dv;
    return;
  }
  // 32- and 64-bit: unsigned 128/64 long division on magnitudes, then signs.
  let dLo: number;
  let dHi: number;
  const o = c.mulOut;
  if (size === 4) {
    dLo = src;
    dHi = 0;
    o[0] = c.r32[0];
    o[1] = c.r32[4];
    o[2] = 0;
    o[3] = 0;
    if (signed) {
      dHi = src >> 31;
      o[2] = o[3] = c.r32[4] >> 31;
    }
  } else {
    dLo = src;
    dHi = srcHi;
    o[0] = c.r32[0];
    o[1] = c.r32[1];
    o[2] = c.r32[4];
    o[3] = c.r32[5];
  }
  if ((dLo | dHi) === 0) { c.raise(DE, -1); return; }
  let negQ = false;
  let negR = false;
  if (signed) {
    if (o[3] < 0) {
      negate128(o);
      negQ = true;
      negR = true;
    }
    if (dHi < 0) {
      const s = (~dLo >>> 0) + 1;
      dLo = s | 0;
      dHi = (~dHi + (s >= TWO32 ? 1 : 0)) | 0;
      negQ = !negQ;
    }
  }
  if (!div128(c, dLo, dHi)) { c.raise(DE, -1); return; }
  let qLo = o[0], qHi = o[1], rLo = o[2], rHi = o[3];
  if (size === 4) {
    // Quotient must fit in 32 bits (signed: in [-2^31, 2^31 - 1]).
    if (qHi !== 0 || (signed && (negQ ? (qLo >>> 0) > 0x80000000 : qLo < 0))) { c.raise(DE, -1); return; }
    if (negQ) qLo = -qLo | 0;
    if (negR) rLo = -rLo | 0;
    c.setReg(4, 0, 0, qLo);
    c.setReg(4, 2, 0, rLo);
    return;
  }
  if (signed) {
    if (negQ ? (qHi >>> 0) > 0x80000000 || ((qHi >>> 0) === 0x80000000 && qLo !== 0) : qHi < 0) { c.raise(DE, -1); return; }
    if (negQ) { const s = (~qLo >>> 0) + 1; qLo = s | 0; qHi = (~qHi + (s >= TWO32 ? 1 : 0)) | 0; }
    if (negR) { const s = (~rLo >>> 0) + 1; rLo = s | 0; rHi = (~rHi + (s >= TWO32 ? 1 : 0)) | 0; }
  }
  setReg64(c, 0, qLo, qHi);
  setReg64(c, 2, rLo, rHi);
}

function negate128(o: Int32Array): void {
  let carry = 1;
  for (let k = 0; k < 4; k++) {
    const s = (~o[k] >>> 0) + carry;
    o[k] = s | 0;
    carry = s >= TWO32 ? 1 : 0;
  }
}

function group5(c: Machine, d: Decoded): void {
  const sub = d.reg & 7;
  const long = c.codeMode === 2;
  switch (sub) {
    case 0: case 1:
      incDecRm(c, d, d.osz, sub === 1);
      return;
    case 2: case 4: {
      // Near CALL/JMP through r/m: 64-bit operand in 64-bit mode.
      const size = long ? 8 : d.osz;
      let target: number;
      if (size === 8) {
        const lo = readRm64(c, d);
        target = c.hi * TWO32 + (lo >>> 0);
      } else target = readRm(c, d, size) >>> 0;
      if (c.fault) return;
      const ret = c.nextRip;
      if (!branchTo(c, target, size)) return;
      if (sub === 2) {
        pushPair(c, size, ret | 0, Math.floor(ret / TWO32));
        if (c.fault) c.nextRip = ret;
      }
      return;
    }
    case 3: case 5: {
      if (d.mod === 3) { c.raise(UD, -1); return; }
      const size = d.osz;
      const lin = c.eaLinear(d, size + 2, false);
      if (c.fault) return;
      let off: number;
      if (size === 8) {
        const lo = readMem64(c, lin);
        off = c.hi * TWO32 + (lo >>> 0);
      } else off = c.readN(lin, size) >>> 0;
      const sel = c.read16(lin + size);
      if (c.fault) return;
      if (farTransfer(c, sel, off, size, sub === 3, c.nextRip)) c.nextRip = c.rip;
      return;
    }
    case 6: {
      const size = stackOsz(c, d);
      const v = size === 8 ? readRm64(c, d) : readRm(c, d, size);
      if (c.fault) return;
      pushPair(c, size, v, c.hi);
      return;
    }
    default:
      c.raise(UD, -1);
  }
}

/** DAA/DAS/AAA/AAS (Intel SDM pseudo-code). */
function bcd(c: Machine, op: number): void {
  const al = c.r8[0];
  const cf = c.getCF();
  const af = c.getAF();
  if (op === 0x27 || op === 0x2f) {
    const sub = op === 0x2f;
    let r = al;
    let newCf = 0;
    let newAf = 0;
    if ((al & 0xf) > 9 || af) {
      r = sub ? al - 6 : al + 6;
      newCf = cf | (r > 0xff || r < 0 ? 1 : 0);
      newAf = AF;
      r &= 0xff;
    }
    if (al > 0x99 || cf) {
      r = (sub ? r - 0x60 : r + 0x60) & 0xff;
      newCf = 1;
    }
    c.r8[0] = r;
    setFlagsExplicit(c, CF | PF | AF | ZF | SF | OF, newCf | newAf | szp(r, 1, 0));
    return;
  }
  if ((al & 0xf) > 9 || af) {
    if (op === 0x37) c.r16[0] = c.r16[0] + 0x106;
    else {
      c.r16[0] = c.r16[0] - 6;
      c.r8[1] = c.r8[1] - 1;
    }
    c.r8[0] &= 0xf;
    setFlagsExplicit(c, CF | AF, CF | AF);
  } else {
    c.r8[0] &= 0xf;
    setFlagsExplicit(c, CF | AF, 0);
  }
}

void TF;
void OF;
void SF;
void PF;
void ZF;
